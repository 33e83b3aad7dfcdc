import CairnCatalog
import Foundation
import Logging
import ServiceLifecycle

/// Walks the watched folders at start-up, reconciles the catalog with what is on disk (new, changed, gone) and
/// ingests what is new, then stays up until shutdown. Live inotify watching joins this service later.
public struct LibraryIndexService: Service {
    public var roots: [String]
    public var ingester: PhotoIngester
    public var purgeRemovedAfterDays: Int
    public var logger: Logger

    public init(roots: [String], ingester: PhotoIngester, purgeRemovedAfterDays: Int, logger: Logger) {
        self.roots = roots
        self.ingester = ingester
        self.purgeRemovedAfterDays = purgeRemovedAfterDays
        self.logger = logger
    }

    public func run() async throws {
        try await reconcile()
        // Nothing else to do until watching lands: wait for SIGTERM/SIGINT.
        try? await gracefulShutdown()
        logger.info("index service stopped")
    }

    /// One full pass over every root. Returns the counts it logged.
    @discardableResult
    public func reconcile() async throws -> (seen: Int, indexed: Int, damaged: Int, removed: Int) {
        let started = ContinuousClock.now
        var seen = 0, indexed = 0, damaged = 0, removed = 0
        for root in roots {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder), isFolder.boolValue else {
                logger.error("watched folder is missing or not a folder", metadata: ["folder": "\(root)"])
                continue
            }
            let files = PhotoFiles.walk(root: root) { folder, reason in
                logger.warning("cannot read folder", metadata: ["folder": "\(folder)", "reason": "\(reason)"])
            }
            logger.info("scanning folder", metadata: ["folder": "\(root)", "photos": "\(files.count)"])
            var onDisk = Set<String>()
            for file in files {
                if Task.isCancelled || Task.isShuttingDownGracefully { return (seen, indexed, damaged, removed) }
                onDisk.insert(file.path)
                seen += 1
                switch try ingester.ingest(file) {
                case .indexed: indexed += 1
                case .damaged: damaged += 1
                case .unchanged: break
                }
                if seen % 500 == 0 {
                    logger.info("indexing", metadata: ["seen": "\(seen)", "indexed": "\(indexed)", "damaged": "\(damaged)"])
                }
            }
            for path in try ingester.catalog.activePaths(under: root) where !onDisk.contains(path) {
                removed += try ingester.catalog.markRemoved(path: path)
            }
        }
        let purged = try ingester.catalog.purgeRemoved(
            before: Date().addingTimeInterval(-Double(purgeRemovedAfterDays) * 86_400))
        let elapsed = ContinuousClock.now - started
        logger.notice(
            "library reconciled",
            metadata: [
                "seen": "\(seen)", "indexed": "\(indexed)", "damaged": "\(damaged)", "removed": "\(removed)",
                "purged": "\(purged)", "seconds": "\(elapsed.components.seconds)",
            ])
        return (seen, indexed, damaged, removed)
    }
}
