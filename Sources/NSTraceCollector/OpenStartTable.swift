/// The starts not finalized yet, by trace id, bounded: past `capacity` the oldest is evicted.
struct OpenStartTable {
    private(set) var starts: [OpenStart] = []
    private var freeSlots: [Int] = []
    private var slotByTrace: [TraceID: Int] = [:]
    /// Slots in order of arrival; entries whose ordinal no longer matches are stale.
    private var arrival: [(slot: Int, ordinal: UInt64)] = []
    private var arrivalHead = 0
    private var nextOrdinal: UInt64 = 0
    /// The last looked-up trace: consecutive lines usually belong to the same start.
    private var cachedTrace = TraceID(high: 0, low: 0)
    private var cachedSlot = -1
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var count: Int { slotByTrace.count }
    var isFull: Bool { slotByTrace.count >= capacity }

    mutating func slot(of traceID: TraceID) -> Int? {
        if cachedSlot >= 0 && cachedTrace == traceID { return cachedSlot }
        guard let slot = slotByTrace[traceID] else { return nil }
        cachedTrace = traceID
        cachedSlot = slot
        return slot
    }

    /// A fresh slot for `traceID` (the caller made room first).
    mutating func insert(_ traceID: TraceID, now: UInt64) -> Int {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            starts.append(OpenStart())
            slot = starts.count - 1
        }
        nextOrdinal += 1
        starts[slot].reset(traceID: traceID, ordinal: nextOrdinal)
        starts[slot].lastIngestNs = now
        slotByTrace[traceID] = slot
        arrival.append((slot, nextOrdinal))
        cachedTrace = traceID
        cachedSlot = slot
        return slot
    }

    mutating func remove(slot: Int) {
        slotByTrace[starts[slot].traceID] = nil
        starts[slot].inUse = false
        starts[slot].failure = nil
        freeSlots.append(slot)
        if cachedSlot == slot { cachedSlot = -1 }
    }

    /// The slot of the start that arrived first among those still open.
    mutating func oldestSlot() -> Int? {
        while arrivalHead < arrival.count {
            let (slot, ordinal) = arrival[arrivalHead]
            if starts[slot].inUse && starts[slot].ordinal == ordinal { return slot }
            arrivalHead += 1
        }
        compactArrival()
        return nil
    }

    mutating func compactArrivalIfNeeded() {
        if arrivalHead > 4096 && arrivalHead * 2 > arrival.count { compactArrival() }
    }

    private mutating func compactArrival() {
        arrival.removeFirst(arrivalHead)
        arrivalHead = 0
    }

    subscript(slot: Int) -> OpenStart {
        get { starts[slot] }
        _modify { yield &starts[slot] }
    }

    /// Slots of every open start.
    var openSlots: [Int] { Array(slotByTrace.values).sorted() }
}
