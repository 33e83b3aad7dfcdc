import Foundation
import GRDB

extension Catalog {
    /// Renames a photo in place, keeping its id, facts, tags and recognition state. A photo already catalogued at
    /// `to` (the file the rename replaced) is dropped. Returns false when no photo was catalogued at `from`.
    /// RAW+JPEG pairs are found again at both names (`pairing` false: only undone).
    @discardableResult
    public func movePhoto(
        from: String, to: String, pairing: Bool = true, now: Date = Date()
    ) throws(CatalogError) -> Bool {
        try write { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM photos WHERE path = ?", arguments: [from]) else {
                return false
            }
            try db.execute(sql: "DELETE FROM photos WHERE path = ? AND id <> ?", arguments: [to, id])
            try db.execute(
                sql: "UPDATE photos SET path = ?, updatedAt = ? WHERE id = ?", arguments: [to, now, id])
            // A partner renamed away releases its companions; then both stems are paired again.
            try db.execute(sql: "UPDATE photos SET pairedWith = NULL WHERE pairedWith = ?", arguments: [id])
            try Self.updatePair(db, path: from, enabled: pairing)
            try Self.updatePair(db, path: to, enabled: pairing)
            return true
        }
    }

    /// Renames every photo below folder `from` to the same place below `to`, in one statement: a renamed folder of
    /// thousands of photos keeps every tag. Returns how many photos moved.
    @discardableResult
    public func moveFolder(from: String, to: String, now: Date = Date()) throws(CatalogError) -> Int {
        let fromPrefix = from + "/", toPrefix = to + "/"
        return try write { db in
            // rename(2) only replaces an empty folder, so rows below `to` are stale; drop them.
            try db.execute(
                sql: "DELETE FROM photos WHERE substr(path, 1, ?) = ?", arguments: [toPrefix.utf8.count, toPrefix])
            try db.execute(
                sql: """
                    UPDATE photos SET path = ? || substr(path, ?), updatedAt = ?
                    WHERE substr(path, 1, ?) = ?
                    """,
                arguments: [toPrefix, fromPrefix.utf8.count + 1, now, fromPrefix.utf8.count, fromPrefix])
            return db.changesCount
        }
    }

    /// Photos not marked removed at or below `root`, with what identifies them on disk.
    public func activePhotos(under root: String) throws(CatalogError) -> [PhotoRecord] {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return try read { db in
            try PhotoRecord.fetchAll(
                db, sql: "SELECT * FROM photos WHERE state <> 'removed' AND substr(path, 1, ?) = ?",
                arguments: [prefix.utf8.count, prefix])
        }
    }

    /// Removed photos (still in their grace period): candidates for a file that came back under another name.
    public func removedPhotos() throws(CatalogError) -> [PhotoRecord] {
        try read { db in
            try PhotoRecord.fetchAll(db, sql: "SELECT * FROM photos WHERE state = 'removed'")
        }
    }
}
