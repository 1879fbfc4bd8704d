import CSimdJSONShim

/// A growable buffer of parsed line records that lives across threads (one parse window).
final class RecordStorage: @unchecked Sendable {
    private(set) var records: UnsafeMutablePointer<nst_line>
    private var capacity: Int
    var count = 0

    init(capacity: Int = 16_384) {
        self.capacity = capacity
        records = .allocate(capacity: capacity)
    }

    deinit { records.deallocate() }

    /// Makes room for `extra` more records after `count`.
    func reserveSpace(_ extra: Int) {
        guard count + extra > capacity else { return }
        var grown = capacity * 2
        while grown < count + extra { grown *= 2 }
        let moved = UnsafeMutablePointer<nst_line>.allocate(capacity: grown)
        moved.initialize(from: records, count: count)
        records.deallocate()
        records = moved
        capacity = grown
    }

    var buffer: UnsafeMutableBufferPointer<nst_line> { UnsafeMutableBufferPointer(start: records, count: count) }
}
