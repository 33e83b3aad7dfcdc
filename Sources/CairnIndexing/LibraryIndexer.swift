import CairnCatalog
import Foundation
import Logging

/// What one indexing pass did.
public struct IndexSummary: Sendable, Equatable {
    public var seen = 0
    public var indexed = 0
    public var unchanged = 0
    public var removed = 0
    /// Photos found under a new path (renamed or moved while nobody watched), matched by device+inode or content.
    public var moved = 0
    public var purged = 0
    /// Damaged and unreadable files with their reasons.
    public var damaged: [(path: String, reason: String)] = []
    /// Files of formats Cairn cannot decode, with the format.
    public var unsupported: [(path: String, reason: String)] = []
    /// Folders that could not be read (missing roots included).
    public var unreadableFolders: [(path: String, reason: String)] = []
    public var seconds: Double = 0

    public init() {}

    public static func == (a: IndexSummary, b: IndexSummary) -> Bool {
        a.seen == b.seen && a.indexed == b.indexed && a.unchanged == b.unchanged && a.removed == b.removed
            && a.damaged.map(\.path) == b.damaged.map(\.path) && a.unsupported.map(\.path) == b.unsupported.map(\.path)
    }
}

/// Progress of an indexing pass, reported after every file.
public struct IndexProgress: Sendable {
    public var done: Int
    public var total: Int
    public var elapsed: Double
}

/// One full pass over some folders: walk, ingest what is new or changed, mark what vanished as removed, purge
/// what was removed long ago. Used by the daemon at start-up and by `cairn index`.
public struct LibraryIndexer: Sendable {
    public var ingester: PhotoIngester
    public var purgeRemovedAfterDays: Int

    /// Files ingested per catalog transaction in a pass: a commit costs about as much as reading one photo's facts,
    /// and a batch of this size takes some tens of milliseconds, so recognition soon sees the first photos.
    public static let batchSize = 32

    public init(ingester: PhotoIngester, purgeRemovedAfterDays: Int) {
        self.ingester = ingester
        self.purgeRemovedAfterDays = purgeRemovedAfterDays
    }

    /// Indexes `roots`. `shouldStop` is polled between files; `progress` hears after each one.
    public func index(
        roots: [String], shouldStop: () -> Bool = { false }, progress: (IndexProgress) -> Void = { _ in }
    ) throws(CatalogError) -> IndexSummary {
        let started = Date()
        var summary = IndexSummary()
        var walks: [(root: String, files: [FileIdentity])] = []
        for root in roots {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder), isFolder.boolValue else {
                summary.unreadableFolders.append((root, "missing or not a folder"))
                continue
            }
            let files = PhotoFiles.walk(root: root) { folder, reason in
                summary.unreadableFolders.append((folder, reason))
            }
            walks.append((root, files))
        }
        let total = walks.reduce(0) { $0 + $1.files.count }
        // Removed photos still in their grace period, by size: read once per pass, not once per new file.
        var removedBySize = Dictionary(
            grouping: try ingester.catalog.removedPhotos().filter { $0.contentHash != nil }, by: \.size)
        for (root, files) in walks {
            let known = try ingester.catalog.activePhotos(under: root)
            let knownPaths = Set(known.map(\.path))
            let onDisk = Set(files.map(\.path))
            var missing = known.filter { !onDisk.contains($0.path) }
            // Files are ingested a batch at a time: one catalog read and one write transaction per batch.
            var batch: [FileIdentity] = []
            func ingestBatch() throws(CatalogError) {
                guard !batch.isEmpty else { return }
                for (file, outcome) in zip(batch, try ingester.ingest(batch: batch)) {
                    switch outcome {
                    case .indexed: summary.indexed += 1
                    case .unchanged: summary.unchanged += 1
                    case .damaged(let reason): summary.damaged.append((file.path, reason))
                    case .unsupported(let reason): summary.unsupported.append((file.path, reason))
                    }
                    summary.seen += 1
                    progress(
                        IndexProgress(done: summary.seen, total: total, elapsed: Date().timeIntervalSince(started)))
                }
                batch = []
            }
            for file in files {
                if shouldStop() {
                    try ingestBatch()
                    summary.seconds = Date().timeIntervalSince(started)
                    return summary
                }
                if !knownPaths.contains(file.path),
                    let from = earlierPath(of: file, missing: &missing, removed: &removedBySize)
                {
                    try ingester.catalog.movePhoto(from: from, to: file.path, pairing: ingester.pairRawWithJPEG)
                    summary.moved += 1
                }
                batch.append(file)
                if batch.count >= Self.batchSize { try ingestBatch() }
            }
            try ingestBatch()
            // Only a folder that was fully read may declare its missing photos gone.
            let unreadable = summary.unreadableFolders.map { $0.path.hasSuffix("/") ? $0.path : $0.path + "/" }
            for photo in missing where !unreadable.contains(where: { photo.path.hasPrefix($0) }) {
                summary.removed += try ingester.catalog.markRemoved(path: photo.path)
            }
        }
        summary.purged = try ingester.catalog.purgeRemoved(
            before: Date().addingTimeInterval(-Double(purgeRemovedAfterDays) * 86_400))
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    /// The catalogued path a new file had before it was renamed or moved: a missing photo with the same
    /// device+inode, size and mtime (a rename), else a missing or removed photo with the same size and content
    /// hash (a copy, or a move across file systems). Removes a match from `missing`.
    private func earlierPath(
        of file: FileIdentity, missing: inout [PhotoRecord], removed: inout [Int64: [PhotoRecord]]
    ) -> String? {
        if let i = missing.firstIndex(where: {
            $0.device == file.device && $0.inode == file.inode && $0.size == file.size && $0.mtimeNs == file.mtimeNs
        }) {
            return missing.remove(at: i).path
        }
        let candidates = missing.filter { $0.size == file.size && $0.contentHash != nil } + (removed[file.size] ?? [])
        guard !candidates.isEmpty,
            let data = try? Data(contentsOf: URL(fileURLWithPath: file.path), options: .mappedIfSafe)
        else { return nil }
        let hash = data.withUnsafeBytes { ContentHash.of($0) }
        guard let match = candidates.first(where: { $0.contentHash == hash }) else { return nil }
        missing.removeAll { $0.id == match.id }
        removed[file.size]?.removeAll { $0.id == match.id }
        return match.path
    }
}
