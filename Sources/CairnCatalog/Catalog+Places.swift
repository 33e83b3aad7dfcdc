import Foundation
import GRDB

/// A photo whose EXIF place was named by another gazetteer than the current one.
public struct PlaceRenaming: Sendable, Equatable {
    public var photoId: Int64
    public var latitude: Double
    public var longitude: Double
}

extension Catalog {
    /// Replaces the imported gazetteer with `cities`, in one transaction.
    public func replaceGazetteer(
        _ cities: [GazetteerCityRecord], source: String, version: String, now: Date = Date()
    ) throws(CatalogError) {
        try write { db in
            try GazetteerCityRecord.deleteAll(db)
            for city in cities {
                try city.insert(db)
            }
            try db.execute(
                sql: "INSERT INTO gazetteer_imports (source, version, cities, importedAt) VALUES (?, ?, ?, ?)",
                arguments: [source, version, cities.count, now])
        }
    }

    /// The imported gazetteer's version and cities, or nil when none was imported.
    public func importedGazetteer() throws(CatalogError) -> (version: String, cities: [GazetteerCityRecord])? {
        try read { db in
            guard
                let version = try String.fetchOne(
                    db, sql: "SELECT version FROM gazetteer_imports ORDER BY id DESC LIMIT 1")
            else { return nil }
            return (version, try GazetteerCityRecord.fetchAll(db))
        }
    }

    /// Up to `limit` photos with a GPS position whose EXIF place is missing or came from another gazetteer.
    public func photosNeedingPlaces(gazetteerVersion: String, limit: Int = 500) throws(CatalogError) -> [PlaceRenaming]
    {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT f.photoId, f.latitude, f.longitude FROM photo_facts f
                    JOIN photos p ON p.id = f.photoId AND p.state <> 'removed'
                    LEFT JOIN photo_places pp ON pp.photoId = f.photoId AND pp.source = 'exif'
                    WHERE f.latitude IS NOT NULL AND f.longitude IS NOT NULL
                      AND (pp.photoId IS NULL OR pp.gazetteerVersion <> ?)
                    ORDER BY f.photoId LIMIT ?
                    """, arguments: [gazetteerVersion, limit]
            ).map {
                PlaceRenaming(photoId: $0["photoId"], latitude: $0["latitude"], longitude: $0["longitude"])
            }
        }
    }

    /// Sets the EXIF places of several photos (nil: no place found) under `gazetteerVersion`, in one transaction.
    public func storePlaces(
        _ places: [(photoId: Int64, place: PhotoPlaceRecord?)], gazetteerVersion: String
    ) throws(CatalogError) {
        try write { db in
            for (photoId, place) in places {
                try PhotoPlaceRecord
                    .filter(PhotoPlaceRecord.Columns.photoId == photoId && PhotoPlaceRecord.Columns.source == "exif")
                    .deleteAll(db)
                // A photo far from every city still records that this gazetteer looked at it.
                try
                    (place
                    ?? PhotoPlaceRecord(
                        photoId: photoId, source: .exif, countryCode: nil, country: nil, adminRegion: nil, city: nil,
                        gazetteerVersion: gazetteerVersion)).insert(db)
            }
        }
    }

    /// Up to `limit` photos after `photoId` whose place came from a landmark and names no country code (recorded
    /// before landmark places were named by the gazetteer) or no position (recorded before catalog version 9, which
    /// keeps the landmark's position for sidecars), with the landmark's key.
    public func landmarkPlacesToName(
        after photoId: Int64, limit: Int = 500
    ) throws(CatalogError) -> [(photoId: Int64, key: String)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT photoId, substr(gazetteerVersion, 10) AS key FROM photo_places
                    WHERE source = 'landmark' AND (countryCode IS NULL OR latitude IS NULL)
                    AND gazetteerVersion LIKE 'landmark:%' AND photoId > ?
                    ORDER BY photoId LIMIT ?
                    """, arguments: [photoId, limit]
            ).map { ($0["photoId"], $0["key"]) }
        }
    }

    /// Replaces the landmark places of the photos `places` name, in one transaction.
    public func replaceLandmarkPlaces(_ places: [PhotoPlaceRecord]) throws(CatalogError) {
        try write { db in
            for place in places where place.source == .landmark {
                try place.upsert(db)
            }
        }
    }
}
