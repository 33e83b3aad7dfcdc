import CairnPhotoNames
import Foundation
import GRDB

/// RAW+JPEG pairs (schema v7): a camera raw file and a JPEG or HEIF of the same stem in the same folder are one
/// photo taken as two files. The raw file is the companion: it points at its partner with `pairedWith`, is never
/// recognised itself (its partner's results are copied to it, so both carry the tags) and is not an album member,
/// so albums count the pair once. Pairs are found when either file is ingested; they end (by trigger) when the
/// partner is deleted, removed, damaged or unsupported.
extension Catalog {
    /// Extensions of the files a raw file pairs with.
    static let partnerExtensions: Set<String> = ["jpg", "jpeg", "jpe", "heic", "heif", "hif"]

    /// The folder-and-stem key of a path ("/photos/IMG_0001" for "/photos/IMG_0001.CR3") and its lower-cased
    /// extension; nil for a name without one.
    static func stem(of path: String) -> (key: String, ext: String)? {
        guard let dot = path.lastIndex(of: "."), let slash = path.lastIndex(of: "/"), dot > slash else { return nil }
        return (String(path[..<dot]), path[path.index(after: dot)...].lowercased())
    }

    /// Finds the pair of the photo at `path` (just ingested) and links or unlinks it; with `enabled` false, only
    /// unlinks. Runs inside the ingest transaction.
    static func updatePair(_ db: Database, path: String, enabled: Bool) throws {
        guard let (key, ext) = stem(of: path),
            PhotoNames.rawExtensions.contains(ext) || partnerExtensions.contains(ext)
        else { return }
        // Every file of the same stem: "key." up to "key/" in path order holds exactly "key.<anything>".
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT id, path, state, pairedWith FROM photos WHERE path > ? AND path < ? AND state <> 'removed'
                    """), arguments: [key + ".", key + "/"])
        let siblings = rows.compactMap { row -> (id: Int64, ext: String, state: String, pairedWith: Int64?)? in
            let siblingPath: String = row["path"]
            guard let (siblingKey, siblingExt) = stem(of: siblingPath), siblingKey == key else { return nil }
            return (row["id"], siblingExt, row["state"], row["pairedWith"])
        }
        // The partner is a JPEG or HEIF that decodes (the first one catalogued, if there are two); a raw file pairs
        // whatever its own state (one without a usable preview gets its partner's tags).
        let partner = siblings.filter {
            partnerExtensions.contains($0.ext) && ($0.state == "indexed" || $0.state == "pending")
        }
        .map(\.id).min()
        for raw in siblings where PhotoNames.rawExtensions.contains(raw.ext) {
            let wanted = enabled ? partner : nil
            guard raw.pairedWith != wanted else { continue }
            if let wanted {
                try link(db, companion: raw.id, to: wanted)
            } else {
                try db.execute(sql: "UPDATE photos SET pairedWith = NULL WHERE id = ?", arguments: [raw.id])
            }
        }
    }

    /// Makes `companion` the partner's twin: the partner's tags, recognition rows and landmark place are copied to
    /// it (it is not recognised itself while paired).
    private static func link(_ db: Database, companion: Int64, to partner: Int64) throws {
        try db.execute(
            sql: "UPDATE photos SET pairedWith = NULL WHERE id = ? AND pairedWith IS NOT NULL", arguments: [companion])
        try copyRecognition(db, from: partner, to: companion, recognizerId: nil)
        try db.execute(sql: "UPDATE photos SET pairedWith = ? WHERE id = ?", arguments: [partner, companion])
    }

    /// Copies one recognizer's results (or all, when `recognizerId` is nil) from a partner to its companion.
    static func copyRecognition(_ db: Database, from partner: Int64, to companion: Int64, recognizerId: String?) throws
    {
        let only = recognizerId == nil ? "" : " AND recognizerId = ?"
        let arguments: (Int64) -> StatementArguments = { id in
            recognizerId.map { [id, $0] } ?? [id]
        }
        try db.execute(sql: "DELETE FROM tags WHERE photoId = ?\(only)", arguments: arguments(companion))
        try db.execute(
            sql: """
                INSERT INTO tags (photoId, kind, label, score, recognizerId, recognizerVersion, evidence, detail)
                SELECT \(companion), kind, label, score, recognizerId, recognizerVersion, evidence, detail
                FROM tags WHERE photoId = ?\(only)
                """, arguments: arguments(partner))
        try db.execute(sql: "DELETE FROM recognition WHERE photoId = ?\(only)", arguments: arguments(companion))
        try db.execute(
            sql: """
                INSERT INTO recognition (photoId, recognizerId, recognizerVersion, state, error, updatedAt)
                SELECT \(companion), recognizerId, recognizerVersion, state, error, updatedAt
                FROM recognition WHERE photoId = ?\(only)
                """, arguments: arguments(partner))
        try db.execute(
            sql: "DELETE FROM photo_places WHERE photoId = ? AND source = 'landmark'", arguments: [companion])
        try db.execute(
            sql: """
                INSERT INTO photo_places (photoId, source, countryCode, country, adminRegion, city, gazetteerVersion)
                SELECT \(companion), source, countryCode, country, adminRegion, city, gazetteerVersion
                FROM photo_places WHERE photoId = ? AND source = 'landmark'
                """, arguments: [partner])
    }

    /// The companions of a partner (raw files recognised through it).
    static func companions(_ db: Database, of partner: Int64) throws -> [Int64] {
        try Int64.fetchAll(
            db.cachedStatement(sql: "SELECT id FROM photos WHERE pairedWith = ?"), arguments: [partner])
    }
}
