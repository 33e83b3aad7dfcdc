import Foundation
import GRDB

/// What the catalog knows of one photo for its sidecar, and where its sidecar was last written.
public struct SidecarSource: Sendable, Equatable {
    public var photoId: Int64
    public var path: String
    public var state: String
    /// The photo has a GPS position of its own (EXIF).
    public var hasGPS: Bool
    public var places: [PhotoPlaceRecord]
    /// By kind, then score (highest first), then label.
    public var tags: [TagRecord]
    /// Where Cairn last wrote this photo's sidecar, and with which placement (`SidecarPlacement.name`).
    public var written: SidecarRecord?
}

/// Where Cairn wrote a photo's sidecar, what (the content's fingerprint), or why it could not.
public struct SidecarRecord: Sendable, Equatable {
    public var path: String
    public var placement: String
    public var fingerprint: String?
    public var error: String?

    public init(path: String, placement: String, fingerprint: String?, error: String?) {
        self.path = path
        self.placement = placement
        self.fingerprint = fingerprint
        self.error = error
    }
}

/// Sidecars' bookkeeping (v9): the queue of photos whose sidecar is due (kept by triggers on tags, places and paths),
/// where each was written, and the sidecars of purged photos.
extension Catalog {
    /// Up to `limit` photos whose sidecar is due, oldest request first.
    public func dueSidecars(limit: Int) throws(CatalogError) -> [Int64] {
        try read { db in
            try Int64.fetchAll(db, sql: "SELECT photoId FROM sidecar_due ORDER BY rowid LIMIT ?", arguments: [limit])
        }
    }

    /// Takes photos off the queue.
    public func finishSidecars(_ photoIds: [Int64]) throws(CatalogError) {
        guard !photoIds.isEmpty else { return }
        try write { db in
            let statement = try db.cachedStatement(sql: "DELETE FROM sidecar_due WHERE photoId = ?")
            for id in photoIds { try statement.execute(arguments: [id]) }
        }
    }

    /// Empties the queue (sidecars are off: what changes now is written by `cairn sidecars write` or when they are
    /// turned on).
    public func clearSidecarQueue() throws(CatalogError) {
        try write { db in try db.execute(sql: "DELETE FROM sidecar_due") }
    }

    /// Puts every catalogued photo on the queue, and every photo that has a sidecar record (a new placement).
    @discardableResult
    public func queueAllSidecars() throws(CatalogError) -> Int {
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO sidecar_due (photoId)
                    SELECT id FROM photos WHERE state = 'indexed' UNION SELECT photoId FROM sidecars
                    """)
            return db.changesCount
        }
    }

    /// Puts the photos whose sidecar could not be written back on the queue (at start and on reload: the folder may
    /// have been made writable since).
    @discardableResult
    public func queueFailedSidecars() throws(CatalogError) -> Int {
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO sidecar_due (photoId) SELECT photoId FROM sidecars WHERE error IS NOT NULL
                    """)
            return db.changesCount
        }
    }

    /// Photos under `folders` (every photo when empty) that are indexed or have a sidecar record, by path.
    public func sidecarPhotos(under folders: [String]) throws(CatalogError) -> [Int64] {
        try read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            for folder in folders {
                let prefix = folder.hasSuffix("/") ? folder : folder + "/"
                conditions.append("(path = ? OR substr(path, 1, ?) = ?)")
                _ = arguments.append(contentsOf: [folder, prefix.utf8.count, prefix] as StatementArguments)
            }
            let scope = conditions.isEmpty ? "" : "AND (" + conditions.joined(separator: " OR ") + ")"
            return try Int64.fetchAll(
                db,
                sql: """
                    SELECT id FROM photos
                    WHERE (state = 'indexed' OR id IN (SELECT photoId FROM sidecars)) \(scope) ORDER BY path
                    """, arguments: arguments)
        }
    }

    /// What the catalog knows of each photo for its sidecar (photos no longer in the catalog are left out).
    public func sidecarSources(_ photoIds: [Int64]) throws(CatalogError) -> [SidecarSource] {
        try read { db in
            var sources: [SidecarSource] = []
            for id in photoIds {
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT p.path, p.state, f.latitude IS NOT NULL AS hasGPS FROM photos p
                            LEFT JOIN photo_facts f ON f.photoId = p.id WHERE p.id = ?
                            """, arguments: [id])
                else { continue }
                let places = try PhotoPlaceRecord.filter(PhotoPlaceRecord.Columns.photoId == id)
                    .order(PhotoPlaceRecord.Columns.source).fetchAll(db)
                let tags = try TagRecord.filter(TagRecord.Columns.photoId == id)
                    .order(TagRecord.Columns.kind, Column("score").desc, TagRecord.Columns.label).fetchAll(db)
                let written = try Row.fetchOne(
                    db, sql: "SELECT path, placement, fingerprint, error FROM sidecars WHERE photoId = ?",
                    arguments: [id]
                ).map {
                    SidecarRecord(
                        path: $0["path"], placement: $0["placement"], fingerprint: $0["fingerprint"],
                        error: $0["error"])
                }
                sources.append(
                    SidecarSource(
                        photoId: id, path: row["path"], state: row["state"], hasGPS: row["hasGPS"], places: places,
                        tags: tags, written: written))
            }
            return sources
        }
    }

    /// Records where a photo's sidecar was written and what, or why it was not; nil forgets it (no sidecar of
    /// Cairn's for it any more).
    public func recordSidecar(photoId: Int64, _ record: SidecarRecord?, now: Date = Date()) throws(CatalogError) {
        try write { db in
            guard let record else {
                try db.execute(sql: "DELETE FROM sidecars WHERE photoId = ?", arguments: [photoId])
                return
            }
            try db.execute(
                sql: """
                    INSERT INTO sidecars (photoId, path, placement, fingerprint, error, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (photoId) DO UPDATE SET path = excluded.path, placement = excluded.placement,
                    fingerprint = excluded.fingerprint, error = excluded.error, updatedAt = excluded.updatedAt
                    """,
                arguments: [photoId, record.path, record.placement, record.fingerprint, record.error, now])
        }
    }

    /// Sidecars of photos purged from the catalog, to be stripped of Cairn's part.
    public func sidecarOrphans(limit: Int) throws(CatalogError) -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT path FROM sidecar_orphans ORDER BY rowid LIMIT ?", arguments: [limit])
        }
    }

    public func forgetSidecarOrphans(_ paths: [String]) throws(CatalogError) {
        guard !paths.isEmpty else { return }
        try write { db in
            let statement = try db.cachedStatement(sql: "DELETE FROM sidecar_orphans WHERE path = ?")
            for path in paths { try statement.execute(arguments: [path]) }
        }
    }

    /// The placement the sidecars were last written with (`SidecarPlacement.name`, or `off`), nil before the first.
    public func sidecarPlacementInUse() throws(CatalogError) -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM sidecar_settings WHERE key = 'placement'")
        }
    }

    public func setSidecarPlacementInUse(_ placement: String) throws(CatalogError) {
        try write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO sidecar_settings (key, value) VALUES ('placement', ?)",
                arguments: [placement])
        }
    }

    /// Sidecars written, sidecars that failed (with the latest reasons), and photos due, for `cairn status`.
    public func sidecarStatus(errorLimit: Int = 5) throws(CatalogError) -> SidecarStatus {
        try read { db in
            let written = try Int.fetchOne(db, sql: "SELECT count(*) FROM sidecars WHERE error IS NULL") ?? 0
            let failed = try Int.fetchOne(db, sql: "SELECT count(*) FROM sidecars WHERE error IS NOT NULL") ?? 0
            let due = try Int.fetchOne(db, sql: "SELECT count(*) FROM sidecar_due") ?? 0
            let problems = try Row.fetchAll(
                db,
                sql: "SELECT path, error FROM sidecars WHERE error IS NOT NULL ORDER BY updatedAt DESC LIMIT ?",
                arguments: [errorLimit]
            ).map { SidecarStatus.Problem(path: $0["path"], reason: $0["error"]) }
            let placement = try String.fetchOne(db, sql: "SELECT value FROM sidecar_settings WHERE key = 'placement'")
            return SidecarStatus(placement: placement, written: written, failed: failed, due: due, problems: problems)
        }
    }
}

/// The sidecars' state, for `cairn status`.
public struct SidecarStatus: Codable, Sendable, Equatable {
    public struct Problem: Codable, Sendable, Equatable {
        public var path: String
        public var reason: String
    }

    /// `beside`, `tree:FOLDER` or `off`; nil when sidecars were never on.
    public var placement: String?
    public var written: Int
    public var failed: Int
    public var due: Int
    public var problems: [Problem]
}
