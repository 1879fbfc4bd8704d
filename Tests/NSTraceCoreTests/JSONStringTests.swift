import Foundation
import NSTraceCore
import Testing

/// One escaper writes every JSON string nstrace produces: trace lines and reports.
@Suite struct JSONStringTests {
    @Test func escapesWhatJSONAndItsReadersNeedAndNothingElse() throws {
        let controls = String((0..<0x20).map { Character(Unicode.Scalar($0)!) })
        let text = "say \"hi\" \\ " + controls + "\u{7f} \u{2028}\u{2029} é 🐧 /path"
        let quoted = JSONString.quoted(text)
        #expect(quoted.hasPrefix("\"say \\\"hi\\\" \\\\ \\u0000\\u0001"))
        #expect(quoted.contains("\\b\\t\\n\\u000b\\f\\r\\u000e"))
        #expect(quoted.hasSuffix("\\u007f \\u2028\\u2029 é 🐧 /path\""))
        // No raw control byte or separator is left, and a strict parser reads the text back.
        #expect(!quoted.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f || $0.value == 0x2028 })
        let decoded = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
        #expect(decoded == [text])
    }
}
