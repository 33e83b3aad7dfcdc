import CairnCatalog
import CairnIndexing
import Foundation
import Logging
import ServiceLifecycle

/// Recognition in the background: pulls photos whose (recognizer, version) is stale from the catalog — the catalog
/// is the queue, so a restart resumes where it stopped and nothing is done twice — decodes each once, runs the
/// backbone once if a recognizer asks for it, and stores every recognizer's result. Bounded by `workers`, each with
/// its own preallocated backbone session; OpenBLAS stays single-threaded and the daemon runs at low priority.
public final class RecognitionService: Service, @unchecked Sendable {
    private let pipeline: RecognitionPipeline
    private let workers: Int
    private let logger: Logger

    public init(pipeline: RecognitionPipeline, workers: Int, logger: Logger) {
        self.pipeline = pipeline
        self.workers = max(1, workers)
        self.logger = logger
    }

    public func run() async throws {
        try pipeline.register()
        for recognizer in pipeline.recognizers {
            logger.notice("recognizer loaded", metadata: ["recognizer.id": "\(recognizer.id)", "recognizer.version": "\(recognizer.version)"])
        }
        for entry in pipeline.unavailable {
            logger.warning("recognizer unavailable", metadata: ["recognizer.id": "\(entry.id)", "reason": "\(entry.reason)"])
        }
        guard !pipeline.recognizers.isEmpty else { return try await gracefulShutdown() }
        let sessions = (0..<workers).map { _ in pipeline.makeSession() }
        var done = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let work: [RecognitionWork]
            do {
                work = try pipeline.catalog.pendingRecognition(limit: workers * 8)
            } catch {
                logger.error("cannot read the recognition queue", metadata: ["reason": "\(error)"])
                try? await Task.sleep(for: .seconds(5))
                continue
            }
            if work.isEmpty {
                if done > 0 {
                    logger.notice("recognition queue empty", metadata: ["photos": "\(done)"])
                    done = 0
                }
                try? await Task.sleep(for: .seconds(2))
                continue
            }
            // Split the batch across the workers; each uses its own backbone session.
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<min(workers, work.count) {
                    let slice = stride(from: worker, to: work.count, by: workers).map { work[$0] }
                    let session = sessions[worker]
                    group.addTask { for item in slice { self.pipeline.recognize(item, session: session) } }
                }
            }
            done += work.count
        }
    }
}
