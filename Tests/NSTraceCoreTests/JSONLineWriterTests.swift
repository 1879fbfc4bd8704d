import Foundation
import NSTraceCore
import Testing

@Suite struct JSONLineWriterTests {
    private func line(capacity: Int, _ build: (inout JSONLineWriter) -> Void) throws -> (text: String, object: [String: Any]) {
        let base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
        defer { base.deallocate() }
        let count = JSONLineWriter.write(at: base, capacity: capacity, build)
        #expect(count <= capacity)
        let data = Data(bytes: base, count: count)
        #expect(data.last == UInt8(ascii: "\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (String(decoding: data, as: UTF8.self), object)
    }

    @Test func writesFieldsInOrderWithStringsEscapedAndBigNumbersQuoted() throws {
        let message = "exec \"/bin/sh\"\n\u{1}\u{2028}"
        let room = JSONLineWriter.room(strings: message.utf8.count + 16 + 7, fields: 5)
        let (text, object) = try line(capacity: room) { json in
            json.add("level", plain: "debug")
            json.add("msg", "nstrace[1]: ", message)
            json.add("span_id", plain: "0123456789abcdef")
            json.add("seq", -3)
            json.addQuoted("mono_ns", UInt64.max)
        }
        #expect(text.hasPrefix(#"{"level":"debug","msg":"nstrace[1]: exec \"/bin/sh\"\n\u0001\u2028","span_id""#))
        #expect(object["msg"] as? String == "nstrace[1]: " + message)
        #expect(object["seq"] as? Int == -3)
        #expect(object["mono_ns"] as? String == "18446744073709551615")
        #expect(object["truncated"] == nil)
    }

    @Test func aLineTooBigForItsRoomDropsFieldsNotValidity() throws {
        let long = String(repeating: "\u{1}", count: 500)
        let (_, object) = try line(capacity: 400) { json in
            json.add("level", plain: "debug")
            json.add("msg", long)
            json.add("seq", 7)
        }
        #expect(object["level"] as? String == "debug")
        #expect(object["msg"] == nil)
        #expect(object["seq"] as? Int == 7)
        #expect(object["truncated"] as? Bool == true)
    }
}
