import CairnCatalog
import CairnInference
import Foundation

extension RecognitionPipeline {
    /// Recognises every photo the catalog holds as due, one worker per session, each on a thread of its own, until
    /// the queue is empty or `shouldStop` says so; returns how many photos were done. For `cairn index` and
    /// `cairn-bench index` (the daemon's `RecognitionService` runs its own loop, which also follows reloads).
    public func recognizeQueue(
        sessions: [BackboneSession?], shouldStop: @escaping @Sendable () -> Bool = { false },
        progress: (Int) -> Void = { _ in }
    ) throws(CatalogError) -> Int {
        let workers = max(1, sessions.count)
        var done = 0
        while !shouldStop() {
            let work = try catalog.pendingRecognition(limit: workers * 8)
            if work.isEmpty { break }
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                recognize(batch: stride(from: worker, to: work.count, by: workers).map { work[$0] }, session: sessions[worker])
            }
            done += work.count
            progress(done)
        }
        return done
    }
}
