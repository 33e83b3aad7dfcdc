import CairnCatalog
import Foundation

/// The photos due for recognition, handed to whichever worker is free a chunk at a time and refilled from the
/// catalog while the workers run, so no worker waits for another at the end of a round of queries. A photo handed
/// out is not handed out again by the same feed, even while it is still due in the catalog (in flight, or its
/// results could not be stored): a new feed, made when this one runs dry, retries those.
public final class RecognitionFeed: @unchecked Sendable {
    /// Photos read from the queue per worker at a time; each query walks the date index past every photo already
    /// done, so fewer, larger rounds cost less on a large library.
    public static let photosPerWorkerPerRound = 32
    /// Photos a worker takes at a time (fewer for the last photos of the queue): small, so no worker is left with a
    /// long tail at the end, and large enough that the landmark search's one matrix product over every centroid
    /// serves 8 photos (on a pack of the paper's size: 0.56 ms per photo at 8, 1.1 ms at 4; docs/PERFORMANCE.md).
    public static let chunk = 8

    private let catalog: Catalog
    private let workers: Int
    private let lock = NSLock()
    private var queue: [RecognitionWork] = []
    private var handedOut = Set<Int64>()
    private var exhausted = false
    /// The last refill found fewer photos than it asked for: the queue holds the last ones due for now.
    private var drained = false
    private var finished_ = 0
    private var error_: CatalogError?

    public init(catalog: Catalog, workers: Int) {
        self.catalog = catalog
        self.workers = max(1, workers)
    }

    /// Whether anything is due; reads the first photos from the catalog.
    public func hasWork() throws(CatalogError) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        try refill()
        return !queue.isEmpty
    }

    /// The next chunk (up to `chunk` photos), or nil when the catalog has nothing more due
    /// that this feed has not handed out, or it cannot be read (see `error`).
    public func next() -> [RecognitionWork]? {
        lock.withLock {
            // Refill while every worker still has a chunk in hand: a query costs milliseconds, a chunk seconds.
            if queue.count < workers * Self.chunk && !exhausted {
                do throws(CatalogError) {
                    try refill()
                } catch {
                    error_ = error
                    exhausted = true
                }
            }
            guard !queue.isEmpty else { return nil }
            // The last photos are shared out: chunks shrink to what each worker would get of them, so no worker
            // holds a long chunk while another has nothing (10 photos on 2 workers: 5, 3, 1 and 1, not 8 and 2).
            let share = drained ? (queue.count + workers - 1) / workers : queue.count
            let count = min(Self.chunk, share)
            defer { queue.removeFirst(count) }
            return Array(queue.prefix(count))
        }
    }

    /// Records that a chunk is done (its results stored or their failure recorded).
    public func finished(_ chunk: [RecognitionWork]) {
        lock.withLock { finished_ += chunk.count }
    }

    /// Photos finished so far.
    public var finishedCount: Int { lock.withLock { finished_ } }

    /// Why the catalog could not be read, if it could not.
    public var error: CatalogError? { lock.withLock { error_ } }

    /// Adds up to a round's worth of due photos not handed out yet; call with the lock held.
    private func refill() throws(CatalogError) {
        let round = workers * Self.photosPerWorkerPerRound
        // Photos handed out and not finished are still due: ask for enough to get a round's worth of new ones.
        let unfinished = handedOut.count - finished_
        let fresh = try catalog.pendingRecognition(limit: round + max(0, unfinished))
            .filter { !handedOut.contains($0.photoId) }
        if fresh.isEmpty { exhausted = true }
        drained = fresh.count < round
        for work in fresh.prefix(round) {
            handedOut.insert(work.photoId)
            queue.append(work)
        }
    }
}
