import CairnCatalog
import CairnIndexing
import Foundation
import Logging
import ServiceLifecycle

/// Walks the watched folders at start-up, reconciles the catalog with what is on disk (new, changed, gone) and
/// ingests what is new, then stays up until shutdown. Live inotify watching joins this service later.
public struct LibraryIndexService: Service {
    public var roots: [String]
    public var indexer: LibraryIndexer
    public var logger: Logger

    public init(roots: [String], indexer: LibraryIndexer, logger: Logger) {
        self.roots = roots
        self.indexer = indexer
        self.logger = logger
    }

    public func run() async throws {
        try reconcile()
        let renamed = try PlaceRenamer(ingester: indexer.ingester).run {
            Task.isCancelled || Task.isShuttingDownGracefully
        }
        if renamed > 0 {
            logger.notice("places renamed", metadata: ["photos": "\(renamed)", "gazetteer": "\(indexer.ingester.gazetteer.version)"])
        }
        // Nothing else to do until watching lands: wait for SIGTERM/SIGINT.
        try? await gracefulShutdown()
        logger.info("index service stopped")
    }

    /// One full pass over every root, logged.
    @discardableResult
    public func reconcile() throws -> IndexSummary {
        for root in roots { logger.info("scanning folder", metadata: ["folder": "\(root)"]) }
        var lastLog = Date()
        let summary = try indexer.index(
            roots: roots, shouldStop: { Task.isCancelled || Task.isShuttingDownGracefully },
            progress: { progress in
                guard Date().timeIntervalSince(lastLog) >= 10 else { return }
                lastLog = Date()
                logger.info("indexing", metadata: ["done": "\(progress.done)", "total": "\(progress.total)"])
            })
        for (folder, reason) in summary.unreadableFolders {
            logger.error("cannot read folder", metadata: ["folder": "\(folder)", "reason": "\(reason)"])
        }
        logger.notice(
            "library reconciled",
            metadata: [
                "seen": "\(summary.seen)", "indexed": "\(summary.indexed)", "unchanged": "\(summary.unchanged)",
                "damaged": "\(summary.damaged.count)", "unsupported": "\(summary.unsupported.count)",
                "removed": "\(summary.removed)", "purged": "\(summary.purged)",
                "seconds": "\(String(format: "%.1f", summary.seconds))",
            ])
        return summary
    }
}
