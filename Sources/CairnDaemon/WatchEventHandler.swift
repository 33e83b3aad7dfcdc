import CairnCatalog
import CairnIndexing
import Foundation
import Logging

/// Applies one `WatchEvent` to the catalog: ingest what was written, rename what moved (keeping ids, tags and
/// recognition), mark removed what is gone, scan what appeared, rescan on overflow.
public struct WatchEventHandler: Sendable {
    public var indexer: LibraryIndexer
    public var logger: Logger
    var catalog: Catalog { indexer.ingester.catalog }

    public init(indexer: LibraryIndexer, logger: Logger) {
        self.indexer = indexer
        self.logger = logger
    }

    /// Handles `event`; `roots` are the watched folders (for a rescan after an overflow).
    public func handle(_ event: WatchEvent, roots: [String]) throws(CatalogError) {
        logger.debug("file event", metadata: ["event": "\(event)"])
        switch event {
        case .fileWritten(let path):
            try ingest(path)
        case .fileMoved(let from, let to):
            if try catalog.movePhoto(from: from, to: to, pairing: indexer.ingester.pairRawWithJPEG) {
                logger.info("photo moved", metadata: ["photo.path": "\(to)", "from": "\(from)"])
            }
            try ingest(to)  // a rename keeps size and mtime: this only stats the file
        case .folderMoved(let from, let to):
            let moved = try catalog.moveFolder(from: from, to: to)
            logger.info("folder moved", metadata: ["folder": "\(to)", "from": "\(from)", "photos": "\(moved)"])
        case .removed(let path):
            let removed = try catalog.markRemoved(path: path)
            if removed > 0 { logger.info("photos removed", metadata: ["path": "\(path)", "photos": "\(removed)"]) }
        case .folderAppeared(let path):
            let summary = try indexer.index(roots: [path])
            logger.info(
                "folder scanned",
                metadata: ["folder": "\(path)", "indexed": "\(summary.indexed)", "moved": "\(summary.moved)"])
        case .overflow:
            logger.warning("inotify queue overflowed; rescanning the watched folders")
            let summary = try indexer.index(roots: roots)
            logger.notice(
                "rescan after overflow done",
                metadata: ["seen": "\(summary.seen)", "indexed": "\(summary.indexed)", "removed": "\(summary.removed)"])
        case .rootGone(let root):
            logger.error(
                "watched folder is gone (deleted, moved or unmounted); its photos stay in the catalog and cairnd checks for it every minute",
                metadata: ["folder": "\(root)"])
        }
    }

    private func ingest(_ path: String) throws(CatalogError) {
        guard let file = PhotoFiles.identity(of: path) else { return }  // gone again already
        switch try indexer.ingester.ingest(file) {
        case .indexed: logger.info("photo indexed", metadata: ["photo.path": "\(path)"])
        case .unchanged, .damaged, .unsupported: break  // the ingester logs problems itself
        }
    }
}
