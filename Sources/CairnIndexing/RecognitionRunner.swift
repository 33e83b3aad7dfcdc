import CairnCatalog
import CairnInference
import Foundation

/// Recognition's one loop, for cairnd and `cairn index` alike: takes the photos the catalog holds as due (the catalog
/// is the queue, so a restart resumes where it stopped and nothing is done twice), runs the pipeline's recognizers on
/// them, and hands each batch's outcome to the one writer. One worker per backbone session, each on a thread of its
/// own (a plugin may block one for its timeout); OpenBLAS stays single-threaded.
public struct RecognitionRunner: Sendable {
    public let pipeline: RecognitionPipeline
    public let writer: RecognitionWriter

    public init(pipeline: RecognitionPipeline, writer: RecognitionWriter) {
        self.pipeline = pipeline
        self.writer = writer
    }

    /// What one round did.
    public struct Round: Sendable {
        /// Photos whose outcome was handed to the writer.
        public var photos = 0
        /// Nothing was due when the round began.
        public var idle = false
        /// Why the queue could not be read, if it could not (the photos done before are counted).
        public var error: CatalogError?
    }

    /// One round: the photos due now, refilled from the catalog while the workers run (no worker waits for another),
    /// each worker taking a chunk whenever it is free until none is left or `keepGoing` says no (a reload swapped the
    /// pipeline, the host is stopping). One worker per session; `sessions` is asked only when photos are due (the
    /// daemon makes them only then). Blocks until every worker is done; `progress` hears the photos done so far.
    public func round(
        workers: Int, sessions makeSessions: () -> [BackboneSession?],
        keepGoing: @escaping @Sendable () -> Bool = { true },
        progress: @escaping @Sendable (Int) -> Void = { _ in }
    ) -> Round {
        let workers = max(1, workers)
        let pipeline = pipeline, writer = writer
        // Photos a process died on among others are run first, one at a time with no other worker: if one of them
        // kills this process too, it alone is to blame and is marked damaged by the next (`settleInterruptedAttempts`).
        var sessions: [BackboneSession?]?
        var alone = 0
        let suspects = writer.settleInterruptedAttempts()
        if !suspects.isEmpty {
            let due: [RecognitionWork]
            do {
                due = try writer.catalog.pendingRecognition(only: suspects)
            } catch {
                return Round(error: error)
            }
            writer.end(suspects.filter { id in !due.contains { $0.photoId == id } })
            if !due.isEmpty { sessions = makeSessions() }
            for work in due where keepGoing() {
                writer.begin([work.photoId], alone: true)
                writer.store(pipeline.recognize(batch: [work], session: sessions?.first ?? nil))
                writer.end([work.photoId])
                alone += 1
                progress(alone)
            }
        }
        let feed = RecognitionFeed(catalog: writer.catalog, workers: workers)
        do {
            guard keepGoing(), try feed.hasWork() else { return Round(photos: alone, idle: alone == 0) }
        } catch {
            return Round(photos: alone, error: error)
        }
        let workerSessions = sessions ?? makeSessions()
        let doneAlone = alone
        Self.onThreads(workers) { worker in
            let session = worker < workerSessions.count ? workerSessions[worker] : nil
            while keepGoing(), let chunk = feed.next() {
                let ids = chunk.map(\.photoId)
                writer.begin(ids, alone: false)
                writer.store(pipeline.recognize(batch: chunk, session: session))
                writer.end(ids)
                feed.finished(chunk)
                progress(doneAlone + feed.finishedCount)
            }
        }
        return Round(photos: alone + feed.finishedCount, error: feed.error)
    }

    /// Rounds until nothing is due (and `moreComing` says no more photos are being ingested) or `shouldStop` says so;
    /// returns how many photos were done. For `cairn index` and `cairn-bench index`; the daemon runs `round` itself,
    /// between reloads and idle waits.
    public func drain(
        sessions: [BackboneSession?], shouldStop: @escaping @Sendable () -> Bool = { false },
        moreComing: () -> Bool = { false }, progress: @escaping @Sendable (Int) -> Void = { _ in }
    ) throws(CatalogError) -> Int {
        var done = 0
        while !shouldStop() {
            let more = moreComing()  // asked first: photos ingested after the query are then still waited for
            let before = done
            let round = round(
                workers: sessions.count, sessions: { sessions }, keepGoing: { !shouldStop() },
                progress: { progress(before + $0) })
            if let error = round.error { throw error }
            if round.idle {
                guard more else { break }
                Thread.sleep(forTimeInterval: 0.02)
                continue
            }
            done += round.photos
        }
        return done
    }

    /// Runs `body(worker)` for each worker at once, each on a thread of its own (the first on the caller's), and
    /// returns when all are done.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for worker in 1..<max(1, count) {
            group.enter()
            Thread.detachNewThread {
                body(worker)
                group.leave()
            }
        }
        body(0)
        group.wait()
    }
}
