/// The N slowest starts seen, in a min-heap so each offer is O(log N).
struct SlowestStarts {
    let limit: Int
    private var heap: [SlowStart] = []

    init(limit: Int) { self.limit = max(0, limit) }

    private static func isFaster(_ a: SlowStart, _ b: SlowStart) -> Bool {
        // Ties resolved by trace id so the kept set does not depend on arrival order.
        (a.latencyNanoseconds, b.traceID) < (b.latencyNanoseconds, a.traceID)
    }

    mutating func offer(_ start: SlowStart) {
        guard limit > 0 else { return }
        if heap.count < limit {
            heap.append(start)
            siftUp(heap.count - 1)
        } else if Self.isFaster(heap[0], start) {
            heap[0] = start
            siftDown(0)
        }
    }

    /// Slowest first.
    var sorted: [SlowStart] { heap.sorted { Self.isFaster($1, $0) } }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.isFaster(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count && Self.isFaster(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && Self.isFaster(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
