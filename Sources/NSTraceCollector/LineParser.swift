import CSimdJSONShim

/// Owns one simdjson parser and the record buffer it fills. Not thread-safe: one per thread.
final class LineParser {
    private let parser: OpaquePointer
    private let records: UnsafeMutablePointer<nst_line>
    static let batchCapacity = 4096
    /// Interned names by id, copied out of the shim once each.
    private var names: [String] = []

    init() {
        guard let parser = nst_parser_create() else { fatalError("nstrace: out of memory creating the JSON parser") }
        self.parser = parser
        records = .allocate(capacity: Self.batchCapacity)
    }

    deinit {
        nst_parser_destroy(parser)
        records.deallocate()
    }

    /// Parses the lines in `bytes` batch by batch, calling `body` with each batch; returns the
    /// bytes consumed (whole lines, plus the unterminated rest when `atEnd`). `readable` is
    /// how many bytes from `bytes.baseAddress` may be read (>= bytes.count).
    func parse(_ bytes: UnsafeRawBufferPointer, readable: Int, atEnd: Bool,
               _ body: (UnsafeBufferPointer<nst_line>) -> Void) -> Int {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count > 0 else { return 0 }
        var consumed = 0
        while consumed < bytes.count {
            var produced = 0
            let used = nst_parse_lines(parser, base + consumed, bytes.count - consumed, readable - consumed,
                                       atEnd ? 1 : 0, records, Self.batchCapacity, &produced)
            if produced > 0 { body(UnsafeBufferPointer(start: records, count: produced)) }
            if used == 0 { break }
            consumed += used
        }
        return consumed
    }

    /// The text of an interned name id.
    func name(_ id: UInt16) -> String {
        let index = Int(id)
        if index < names.count { return names[index] }
        let count = Int(nst_name_count(parser))
        while names.count < count {
            var length = 0
            let text = nst_name(parser, UInt16(names.count), &length)!
            names.append(String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self))
        }
        return index < names.count ? names[index] : "?"
    }

    /// Parses `bytes` (whole lines, or the input's end when `atEnd`) into `storage`, growing it.
    /// Used by `ParallelParse`, whose windows outlive one batch.
    func parseAll(_ bytes: UnsafeRawBufferPointer, readable: Int, atEnd: Bool, into storage: RecordStorage) {
        storage.count = 0
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count > 0 else { return }
        var consumed = 0
        while consumed < bytes.count {
            storage.reserveSpace(Self.batchCapacity)
            var produced = 0
            let used = nst_parse_lines(parser, base + consumed, bytes.count - consumed, readable - consumed,
                                       atEnd ? 1 : 0, storage.records + storage.count, Self.batchCapacity, &produced)
            storage.count += produced
            if used == 0 { break }
            consumed += used
        }
    }

    /// The id of `name` in this parser's numbering.
    func intern(_ name: String) -> UInt16 {
        var name = name
        return name.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { nst_intern(parser, $0.baseAddress, $0.count) }
        }
    }

    /// How many names this parser has interned.
    var nameCount: Int { Int(nst_name_count(parser)) }

    /// Decodes a (still escaped) JSON string range of a record.
    static func text(_ range: nst_range, of record: nst_line) -> String {
        guard range.length > 0, let line = record.line else { return "" }
        let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(line) + Int(range.offset), count: Int(range.length))
        return JSONText.unescape(bytes)
    }

    static func fieldName(_ field: UInt8) -> String {
        String(cString: nst_field_name(field))
    }
}
