#if canImport(Glibc)
import Glibc
#endif
import CSimdJSONShim
import Synchronization

/// Parses a mapped file on several threads while the consumer takes the windows in file
/// order, so the collector sees exactly the sequence a single thread would give it.
///
/// Why: parsing is ~75% of `nstrace summary`'s time and each window parses independently.
/// Each worker has its own simdjson parser and name numbering; a window carries the names
/// its worker first saw in it, and the consumer translates ids into its own numbering.
final class ParallelParse: @unchecked Sendable {
    /// One window's results, reused every `slotCount` windows.
    final class Slot: @unchecked Sendable {
        let storage = RecordStorage()
        var newNames: [String] = []
        var worker = 0
        /// Posted by the worker when the window is parsed, and by the consumer when it is used.
        /// Heap-allocated: a sem_t must never move.
        let ready = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        let free = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        init() {
            sem_init(ready, 0, 0)
            sem_init(free, 0, 1)
        }
        deinit {
            sem_destroy(ready)
            sem_destroy(free)
            ready.deallocate()
            free.deallocate()
        }
    }

    final class Worker: @unchecked Sendable {
        let index: Int
        let parser = LineParser()
        var reportedNames = 0
        unowned let job: ParallelParse
        init(index: Int, job: ParallelParse) {
            self.index = index
            self.job = job
        }
    }

    static let windowSize = 2 << 20

    let base: UnsafeRawPointer
    let size: Int
    /// Window k is bytes windows[k] ..< windows[k + 1] (each ends after a newline, or at the end).
    let windows: [Int]
    let slots: [Slot]
    var workers: [Worker] = []
    /// Workers claim windows in order as they go, so one that the scheduler holds back does
    /// not stall the others behind a fixed round-robin share.
    let nextWindow = Atomic<Int>(0)

    /// `fd` is the mapped file: window ends are found with pread(2), because touching the
    /// mapping at every window end up front would map (and count in RSS) a large folio of
    /// page cache around each of them long before the parser gets there.
    init(base: UnsafeRawPointer, size: Int, fd: Int32, workerCount: Int) {
        self.base = base
        self.size = size
        var bounds = [0]
        var start = 0
        let probeSize = 64 << 10
        let probe = UnsafeMutableRawBufferPointer.allocate(byteCount: probeSize, alignment: 16)
        defer { probe.deallocate() }
        while start < size {
            var end = min(start + Self.windowSize, size)
            searching: while end < size {
                // The last newline before `end`, probing backwards; past the window start, forwards.
                var probeEnd = end
                while probeEnd > start {
                    let probeStart = max(start, probeEnd - probeSize)
                    let count = pread(fd, probe.baseAddress, probeEnd - probeStart, off_t(probeStart))
                    guard count > 0 else { break }
                    if let last = probe[0..<count].lastIndex(of: 0x0a) {
                        end = probeStart + last + 1
                        break searching
                    }
                    probeEnd = probeStart
                }
                var probeStart = end
                while probeStart < size {
                    let count = pread(fd, probe.baseAddress, min(probeSize, size - probeStart), off_t(probeStart))
                    guard count > 0 else { break }
                    if let first = probe[0..<count].firstIndex(of: 0x0a) {
                        end = probeStart + first + 1
                        break searching
                    }
                    probeStart += count
                }
                end = size
            }
            bounds.append(end)
            start = end
        }
        windows = bounds
        slots = (0..<(2 * workerCount)).map { _ in Slot() }
        workers = (0..<workerCount).map { Worker(index: $0, job: self) }
    }

    var windowCount: Int { windows.count - 1 }

    /// Runs the workers and calls `body` with every window's records, in order, on this thread.
    func run(_ body: (_ records: UnsafeMutableBufferPointer<nst_line>, _ newNames: [String], _ worker: Int,
                      _ windowEnd: Int) -> Void) {
        var threads: [pthread_t] = []
        for worker in workers {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(worker).toOpaque()
            let status = pthread_create(&thread, nil, { context in
                let worker = Unmanaged<ParallelParse.Worker>.fromOpaque(context!).takeRetainedValue()
                worker.job.work(worker)
                return nil
            }, context)
            if status != 0 {
                Unmanaged<Worker>.fromOpaque(context).release()
                fatalError("nstrace: cannot start a parse thread: \(String(cString: strerror(status)))")
            }
            threads.append(thread)
        }
        for window in 0..<windowCount {
            let slot = slots[window % slots.count]
            while sem_wait(slot.ready) != 0 {}
            body(slot.storage.buffer, slot.newNames, slot.worker, windows[window + 1])
            sem_post(slot.free)
        }
        for thread in threads { pthread_join(thread, nil) }
    }

    private func work(_ worker: Worker) {
        while true {
            let window = nextWindow.wrappingAdd(1, ordering: .relaxed).oldValue
            guard window < windowCount else { return }
            let slot = slots[window % slots.count]
            while sem_wait(slot.free) != 0 {}
            let start = windows[window], end = windows[window + 1]
            worker.parser.parseAll(UnsafeRawBufferPointer(start: base + start, count: end - start),
                                   readable: size - start, atEnd: end == size, into: slot.storage)
            let known = worker.parser.nameCount
            slot.newNames = (worker.reportedNames..<known).map { worker.parser.name(UInt16($0)) }
            worker.reportedNames = known
            slot.worker = worker.index
            sem_post(slot.ready)
        }
    }
}
