import CairnCatalog
import CairnInference
import Foundation

extension RecognitionPipeline {
    /// Photos read from the queue per worker at a time; each query walks the date index past every photo already
    /// done, so fewer, larger rounds cost less on a large library.
    public static let photosPerWorkerPerRound = 32
    /// Photos a worker takes at a time from a round: small, so workers finish a round together, and large enough
    /// that the landmark search's one matrix product over every centroid serves 8 photos (on a pack of the paper's
    /// size: 0.56 ms per photo at 8, 1.1 ms at 4; docs/PERFORMANCE.md).
    public static let chunk = 8

    /// Recognises every photo the catalog holds as due, one worker per session, each on a thread of its own, until
    /// the queue is empty (and `moreComing` says no more photos are being ingested) or `shouldStop` says so; returns
    /// how many photos were done. For `cairn index` and
    /// `cairn-bench index` (the daemon's `RecognitionService` runs its own loop, which also follows reloads).
    public func recognizeQueue(
        sessions: [BackboneSession?], shouldStop: @escaping @Sendable () -> Bool = { false },
        moreComing: () -> Bool = { false }, progress: (Int) -> Void = { _ in }
    ) throws(CatalogError) -> Int {
        let workers = max(1, sessions.count)
        var done = 0
        while !shouldStop() {
            let more = moreComing()  // asked first: photos ingested after the query are then still waited for
            let work = try catalog.pendingRecognition(limit: workers * Self.photosPerWorkerPerRound)
            if work.isEmpty {
                if more {
                    Thread.sleep(forTimeInterval: 0.02)
                    continue
                }
                break
            }
            let cursor = ChunkCursor(count: work.count, chunk: Self.chunk)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                while !shouldStop(), let range = cursor.next() {
                    recognize(batch: Array(work[range]), session: sessions[worker])
                }
            }
            done += cursor.taken
            progress(done)
        }
        return done
    }
}

/// Hands out consecutive chunks of a round's photos to whichever worker is free, so a worker with quick photos
/// does not wait for one with slow ones.
public final class ChunkCursor: @unchecked Sendable {
    private let lock = NSLock()
    private let count: Int
    private let chunk: Int
    private var next_ = 0

    public init(count: Int, chunk: Int) {
        self.count = count
        self.chunk = max(1, chunk)
    }

    /// The next chunk's indices, or nil when the round is handed out.
    public func next() -> Range<Int>? {
        lock.withLock {
            guard next_ < count else { return nil }
            let range = next_..<min(next_ + chunk, count)
            next_ = range.upperBound
            return range
        }
    }

    /// How many photos have been handed out.
    public var taken: Int { lock.withLock { min(next_, count) } }
}
