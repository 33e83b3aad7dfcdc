import Foundation
import GRDB

/// A photo some enabled recognizer has not yet run on at its current version.
public struct RecognitionWork: Sendable, Equatable {
    public var photoId: Int64
    public var path: String
    public var orientation: Int?
    public var takenAt: String?
    public var latitude: Double?
    public var longitude: Double?
    public var city: String?
    public var country: String?
    public var countryCode: String?
    public var cameraMake: String?
    public var cameraModel: String?
    public var width: Int?
    public var height: Int?
    /// The ids of the recognizers whose results for this photo are missing or stale.
    public var staleRecognizers: [String]
}

extension Catalog {
    /// Up to `limit` indexed photos that an enabled recognizer still has to run on (the catalog is the queue:
    /// a photo is due when its recognition row is missing or carries another version). The raw file of a RAW+JPEG
    /// pair is never due: it gets its partner's results. Newest photos first (by
    /// the date taken; undated ones after, latest added first), so after a model change the photos people look at are redone first.
    public func pendingRecognition(limit: Int) throws(CatalogError) -> [RecognitionWork] {
        try pendingRecognition(limit: limit, only: nil)
    }

    /// Those of `photoIds` that are still due, in the same order.
    public func pendingRecognition(only photoIds: [Int64]) throws(CatalogError) -> [RecognitionWork] {
        guard !photoIds.isEmpty else { return [] }
        return try pendingRecognition(limit: photoIds.count, only: photoIds)
    }

    private func pendingRecognition(limit: Int, only photoIds: [Int64]?) throws(CatalogError) -> [RecognitionWork] {
        // Ids are integers, written into the text; nil: any photo.
        let only = photoIds.map { " AND p.id IN (\($0.map(String.init).joined(separator: ",")))" } ?? ""
        return try read { db in
            let columns = """
                SELECT p.id, p.path, f.orientation, f.takenAt, f.latitude, f.longitude, f.cameraMake, f.cameraModel,
                       f.width, f.height,
                       pl.city, pl.country, pl.countryCode,
                       (SELECT group_concat(r.id, char(10)) FROM recognizers r
                        WHERE r.enabled AND NOT EXISTS (
                          SELECT 1 FROM recognition x
                          WHERE x.photoId = p.id AND x.recognizerId = r.id AND x.recognizerVersion = r.version)) AS stale
                """
            // Dated photos by walking the takenAt index from the newest, stopping at `limit` (a sort of the whole
            // library per batch costs 0.1 s per 50,000 photos); then undated ones, latest added first.
            var rows = try Row.fetchAll(
                db,
                sql: """
                    \(columns)
                    FROM photo_facts f INDEXED BY photo_facts_on_takenAt
                    CROSS JOIN photos p ON p.id = f.photoId
                    LEFT JOIN photo_place pl ON pl.photoId = p.id
                    WHERE f.takenAt IS NOT NULL AND +p.state = 'indexed' AND p.pairedWith IS NULL AND stale IS NOT NULL\(only)
                    ORDER BY f.takenAt DESC LIMIT ?
                    """, arguments: [limit])
            if rows.count < limit {
                rows += try Row.fetchAll(
                    db,
                    sql: """
                        \(columns)
                        FROM photos p
                        LEFT JOIN photo_facts f ON f.photoId = p.id
                        LEFT JOIN photo_place pl ON pl.photoId = p.id
                        WHERE p.state = 'indexed' AND p.pairedWith IS NULL AND f.takenAt IS NULL AND stale IS NOT NULL\(only)
                        ORDER BY p.id DESC LIMIT ?
                        """, arguments: [limit - rows.count])
            }
            return rows.map { row in
                RecognitionWork(
                    photoId: row["id"], path: row["path"], orientation: row["orientation"], takenAt: row["takenAt"],
                    latitude: row["latitude"], longitude: row["longitude"], city: row["city"], country: row["country"],
                    countryCode: row["countryCode"], cameraMake: row["cameraMake"], cameraModel: row["cameraModel"],
                    width: row["width"], height: row["height"],
                    staleRecognizers: (row["stale"] as String).split(separator: "\n").map(String.init))
            }
        }
    }
}
