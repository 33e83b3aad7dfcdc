import Foundation
import GRDB

/// A photo discovery may look at: its stored embedding, where and when it was taken when the file says so, and
/// whether a landmark recognizer already tagged it (a landmark the pack knows is recognised, not discovered).
public struct DiscoverySource: Sendable {
    public var photoId: Int64
    public var vector: [Float]
    public var latitude: Double?
    public var longitude: Double?
    /// When it was taken: `takenAt` (local time), else the GPS timestamp, as stored (`YYYY-MM-DD…`).
    public var taken: String?
    public var hasLandmark: Bool
}

/// An indexed photo with a GPS position and no landmark tag.
public struct LocatedPhoto: Sendable, Equatable {
    public var photoId: Int64
    public var path: String
    public var latitude: Double
    public var longitude: Double

    public init(photoId: Int64, path: String, latitude: Double, longitude: Double) {
        self.photoId = photoId
        self.path = path
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// A proposal as discovery hands it to the catalog.
public struct NewDiscovery: Sendable {
    /// The member photos, most typical first.
    public var members: [Int64]
    public var latitude: Double
    public var longitude: Double
    public var days: Int
    /// Local dates, `YYYY-MM-DD`.
    public var firstDay: String?
    public var lastDay: String?
    public var coherence: Double
    /// nil: no look-alike elsewhere at all.
    public var lift: Double?

    public init(
        members: [Int64], latitude: Double, longitude: Double, days: Int, firstDay: String?, lastDay: String?,
        coherence: Double, lift: Double?
    ) {
        self.members = members
        self.latitude = latitude
        self.longitude = longitude
        self.days = days
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.coherence = coherence
        self.lift = lift
    }
}

/// A discovered landmark as `cairn landmarks discovered` shows it.
public struct DiscoveryRecord: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case proposed, adopted, rejected
    }

    public var id: Int64
    public var status: Status
    public var latitude: Double
    public var longitude: Double
    public var countryCode: String?
    public var country: String?
    public var adminRegion: String?
    public var city: String?
    public var photos: Int
    public var days: Int
    public var firstDay: String?
    public var lastDay: String?
    public var coherence: Double
    public var lift: Double?
    public var landmarkKey: String?
    public var name: String?
    /// The most typical photos' paths, most typical first.
    public var typical: [String]
}

/// What saving a discovery run changed.
public struct DiscoverySaveResult: Sendable, Codable, Equatable {
    /// Proposals already listed (same photos, mostly), updated in place: their ids stay.
    public var kept: Int
    /// New proposals.
    public var added: Int
    /// Proposals no longer found, removed.
    public var removed: Int
    /// Found again but adopted or rejected before: left as they were.
    public var settled: Int

    public init(kept: Int, added: Int, removed: Int, settled: Int) {
        self.kept = kept
        self.added = added
        self.removed = removed
        self.settled = settled
    }
}

extension Catalog {
    /// Every photo with a current embedding from `recognizerId` (indexed, not removed), with its position, date and
    /// whether a landmark tag is on it.
    public func discoverySources(recognizerId: String) throws(CatalogError) -> [DiscoverySource] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.photoId, e.vector, f.latitude, f.longitude, coalesce(f.takenAt, f.gpsTimestamp) AS taken,
                      EXISTS (SELECT 1 FROM tags t WHERE t.photoId = e.photoId AND t.kind = 'landmark') AS tagged
                    FROM photo_embeddings e
                    JOIN photos p ON p.id = e.photoId AND p.state = 'indexed'
                    JOIN recognition x ON x.photoId = e.photoId AND x.recognizerId = e.recognizerId
                    JOIN recognizers r ON r.id = e.recognizerId AND r.version = x.recognizerVersion
                    LEFT JOIN photo_facts f ON f.photoId = e.photoId
                    WHERE e.recognizerId = ?
                    ORDER BY e.photoId
                    """, arguments: [recognizerId]
            ).compactMap { row in
                guard let vector = PhotoEmbedding.decode(row["vector"]) else { return nil }
                return DiscoverySource(
                    photoId: row["photoId"], vector: vector, latitude: row["latitude"], longitude: row["longitude"],
                    taken: row["taken"], hasLandmark: row["tagged"])
            }
        }
    }

    /// How many photos with a GPS position have an embedding from `recognizerId` (any version): what decides when
    /// cairnd runs discovery again.
    public func locatedEmbeddedCount(recognizerId: String) throws(CatalogError) -> Int {
        try read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM photo_embeddings e JOIN photo_facts f ON f.photoId = e.photoId
                    WHERE e.recognizerId = ? AND f.latitude IS NOT NULL
                    """, arguments: [recognizerId]) ?? 0
        }
    }

    /// The indexed photos with a GPS position and no landmark tag, by id.
    public func locatedPhotos() throws(CatalogError) -> [LocatedPhoto] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT p.id, p.path, f.latitude, f.longitude FROM photos p JOIN photo_facts f ON f.photoId = p.id
                    WHERE p.state = 'indexed' AND f.latitude IS NOT NULL AND f.longitude IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.photoId = p.id AND t.kind = 'landmark')
                    ORDER BY p.id
                    """
            ).map {
                LocatedPhoto(photoId: $0["id"], path: $0["path"], latitude: $0["latitude"], longitude: $0["longitude"])
            }
        }
    }

    /// Replaces the listed proposals with `found`. A found proposal that shares at least half of its photos with
    /// a listed one takes its place and keeps its id (so `adopt 3` still means what `discovered` showed); one
    /// that shares half with an adopted or rejected discovery is left out (adopted: already a landmark; rejected:
    /// hidden for good); listed proposals not found again are removed. Each proposal's place is the most common
    /// EXIF place of its photos.
    @discardableResult
    public func saveDiscoveries(_ found: [NewDiscovery], now: Date = Date()) throws(CatalogError) -> DiscoverySaveResult
    {
        try write { db in
            var members: [Int64: (status: String, photos: Set<Int64>)] = [:]
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT d.id, d.status, m.photoId FROM discoveries d JOIN discovery_members m ON m.discoveryId = d.id"
            ) {
                let id: Int64 = row["id"]
                members[id, default: (row["status"], [])].photos.insert(row["photoId"])
            }
            var result = DiscoverySaveResult(kept: 0, added: 0, removed: 0, settled: 0)
            var matched: Set<Int64> = []
            for proposal in found {
                let photos = Set(proposal.members)
                var overlaps: [(id: Int64, status: String, shared: Int)] = []
                for (id, value) in members {
                    let shared = value.photos.intersection(photos).count
                    if 2 * shared >= photos.count { overlaps.append((id, value.status, shared)) }
                }
                overlaps.sort { $0.shared != $1.shared ? $0.shared > $1.shared : $0.id < $1.id }
                if overlaps.contains(where: { $0.status != "proposed" }) {
                    result.settled += 1
                    continue
                }
                let place = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT countryCode, country, adminRegion, city, count(*) AS n FROM photo_places
                        WHERE source = 'exif' AND country IS NOT NULL
                          AND photoId IN (SELECT value FROM json_each(?))
                        GROUP BY countryCode, country, adminRegion, city ORDER BY n DESC, city LIMIT 1
                        """, arguments: [Self.jsonArray(proposal.members)])
                let countryCode: String? = place?["countryCode"]
                let country: String? = place?["country"]
                let adminRegion: String? = place?["adminRegion"]
                let city: String? = place?["city"]
                var values: [(any DatabaseValueConvertible)?] = [proposal.latitude, proposal.longitude]
                values += [countryCode, country, adminRegion, city]
                values += [proposal.members.count, proposal.days, proposal.firstDay, proposal.lastDay]
                values += [proposal.coherence, proposal.lift, now]
                let id: Int64
                if let reuse = overlaps.first(where: { !matched.contains($0.id) }) {
                    id = reuse.id
                    try db.execute(
                        sql: """
                            UPDATE discoveries SET latitude = ?, longitude = ?, countryCode = ?, country = ?,
                              adminRegion = ?, city = ?, photos = ?, days = ?, firstDay = ?, lastDay = ?, coherence = ?,
                              lift = ?, updatedAt = ? WHERE id = ?
                            """, arguments: StatementArguments(values + [id] as [(any DatabaseValueConvertible)?]))
                    try db.execute(sql: "DELETE FROM discovery_members WHERE discoveryId = ?", arguments: [id])
                    result.kept += 1
                } else {
                    try db.execute(
                        sql: """
                            INSERT INTO discoveries (status, latitude, longitude, countryCode, country, adminRegion,
                              city, photos, days, firstDay, lastDay, coherence, lift, updatedAt, createdAt)
                            VALUES ('proposed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """, arguments: StatementArguments(values + [now] as [(any DatabaseValueConvertible)?]))
                    id = db.lastInsertedRowID
                    result.added += 1
                }
                matched.insert(id)
                for (rank, photo) in proposal.members.enumerated() {
                    try db.execute(
                        sql: "INSERT INTO discovery_members (discoveryId, photoId, rank) VALUES (?, ?, ?)",
                        arguments: [id, photo, rank])
                }
            }
            for (id, value) in members where value.status == "proposed" && !matched.contains(id) {
                try db.execute(sql: "DELETE FROM discoveries WHERE id = ?", arguments: [id])
                result.removed += 1
            }
            return result
        }
    }

    /// The discoveries with one of `statuses`, largest first, each with its `typical` most typical photos' paths.
    public func discoveries(
        _ statuses: Set<DiscoveryRecord.Status> = [.proposed], typical: Int = 5
    ) throws(CatalogError) -> [DiscoveryRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM discoveries WHERE status IN (SELECT value FROM json_each(?))
                    ORDER BY photos DESC, id
                    """, arguments: [Self.jsonArray(statuses.map(\.rawValue).sorted())]
            ).map { row in try Self.record(row, db: db, typical: typical) }
        }
    }

    /// One discovery with every member's path (most typical first), or nil when there is none with that id.
    public func discovery(id: Int64) throws(CatalogError) -> (DiscoveryRecord, members: [String])? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM discoveries WHERE id = ?", arguments: [id]) else {
                return nil
            }
            return (try Self.record(row, db: db, typical: 5), try Self.memberPaths(db, id: id, limit: -1))
        }
    }

    /// Marks a discovery adopted (as `landmarkKey`, named `name`) or rejected, or proposed again.
    public func setDiscovery(
        id: Int64, status: DiscoveryRecord.Status, landmarkKey: String? = nil, name: String? = nil, now: Date = Date()
    ) throws(CatalogError) {
        let changed = try write { db in
            try db.execute(
                sql: "UPDATE discoveries SET status = ?, landmarkKey = ?, name = ?, updatedAt = ? WHERE id = ?",
                arguments: [status.rawValue, landmarkKey, name, now, id])
            return db.changesCount
        }
        if changed == 0 { throw CatalogError(code: .notFound, path: path, message: "no discovered landmark \(id)") }
    }

    private static func record(_ row: Row, db: Database, typical: Int) throws -> DiscoveryRecord {
        let id: Int64 = row["id"]
        return DiscoveryRecord(
            id: id, status: DiscoveryRecord.Status(rawValue: row["status"]) ?? .proposed, latitude: row["latitude"],
            longitude: row["longitude"], countryCode: row["countryCode"], country: row["country"],
            adminRegion: row["adminRegion"], city: row["city"], photos: row["photos"], days: row["days"],
            firstDay: row["firstDay"], lastDay: row["lastDay"], coherence: row["coherence"], lift: row["lift"],
            landmarkKey: row["landmarkKey"], name: row["name"], typical: try memberPaths(db, id: id, limit: typical))
    }

    private static func memberPaths(_ db: Database, id: Int64, limit: Int) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT p.path FROM discovery_members m JOIN photos p ON p.id = m.photoId
                WHERE m.discoveryId = ? AND p.state <> 'removed' ORDER BY m.rank LIMIT ?
                """, arguments: [id, limit])
    }

    private static func jsonArray<T: Encodable>(_ values: [T]) -> String {
        (try? String(decoding: JSONEncoder().encode(values), as: UTF8.self)) ?? "[]"
    }
}
