import Foundation
import GRDB

extension Catalog {
    /// Photo counts by state, the work queue and the most recent problems.
    public func status(errorLimit: Int = 5) throws(CatalogError) -> CatalogStatus {
        let path = self.path
        return try read { db in
            var photos = Dictionary(uniqueKeysWithValues: PhotoRecord.State.allCases.map { ($0.rawValue, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM photos GROUP BY state") {
                photos[row["state"]] = row["n"]
            }
            let recognizers = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, r.version, r.enabled, r.status,
                      (SELECT COUNT(*) FROM recognition x JOIN photos p ON p.id = x.photoId AND p.state = 'indexed'
                       WHERE x.recognizerId = r.id AND x.recognizerVersion = r.version AND x.state = 'done') AS done,
                      (SELECT COUNT(*) FROM recognition x JOIN photos p ON p.id = x.photoId AND p.state = 'indexed'
                       WHERE x.recognizerId = r.id AND x.recognizerVersion = r.version AND x.state = 'failed') AS failed,
                      CASE WHEN r.enabled THEN
                        (SELECT COUNT(*) FROM photos p WHERE p.state = 'indexed' AND NOT EXISTS (
                           SELECT 1 FROM recognition x WHERE x.photoId = p.id AND x.recognizerId = r.id
                           AND x.recognizerVersion = r.version))
                      ELSE 0 END AS queued
                    FROM recognizers r ORDER BY r.id
                    """
            ).map { row in
                CatalogStatus.Recognizer(
                    id: row["id"], version: row["version"], enabled: row["enabled"], status: row["status"],
                    done: row["done"], failed: row["failed"], queued: row["queued"])
            }
            let problems = try Row.fetchAll(
                db,
                sql: """
                    SELECT path, 'ingest' AS stage, errorReason AS reason, updatedAt AS at
                      FROM photos WHERE state IN ('damaged', 'unsupported')
                    UNION ALL
                    SELECT p.path, x.recognizerId, x.error, x.updatedAt
                      FROM recognition x JOIN photos p ON p.id = x.photoId
                      WHERE x.state = 'failed' AND p.state <> 'removed'
                    ORDER BY at DESC, path LIMIT ?
                    """, arguments: [errorLimit]
            ).map { row in
                CatalogStatus.Problem(
                    path: row["path"], stage: row["stage"], reason: row["reason"] ?? "", at: row["at"])
            }
            let schema = try CatalogSchema.migrator.completedMigrations(db).last ?? "none"
            let daemon = try Self.daemonStatus(db)
            return CatalogStatus(
                catalog: path, schema: schema, photos: photos, totalPhotos: photos.values.reduce(0, +),
                queue: photos["pending", default: 0] + recognizers.reduce(0) { $0 + $1.queued },
                recognizers: recognizers, lastErrors: problems, daemon: daemon)
        }
    }

    /// The album tree, optionally narrowed to one country and/or city (matched without regard to case). Reads the
    /// counts the album triggers keep (`AlbumTables`), not the photos: a few hundred rows for any library size.
    public func albums(country: String? = nil, city: String? = nil) throws(CatalogError) -> AlbumTree {
        try read { db in
            let (whereClause, arguments) = Self.placeFilter(country: country, city: city, base: "1")
            let countryRows = try Row.fetchAll(
                db,
                sql: """
                    SELECT country, NULLIF(countryCode, '') AS countryCode, SUM(photos) AS n FROM album_counts
                    WHERE landmark = '' AND \(whereClause) GROUP BY country, countryCode ORDER BY n DESC, country
                    """, arguments: arguments)
            let cityRows = try Row.fetchAll(
                db,
                sql: """
                    SELECT country, city, MIN(NULLIF(adminRegion, '')) AS region, SUM(photos) AS n FROM album_counts
                    WHERE landmark = '' AND city <> '' AND \(whereClause) GROUP BY country, city ORDER BY n DESC, city
                    """, arguments: arguments)
            let landmarkRows = try Row.fetchAll(
                db,
                sql: """
                    SELECT country, NULLIF(city, '') AS city, landmark, SUM(photos) AS n FROM album_counts
                    WHERE landmark <> '' AND \(whereClause)
                    GROUP BY country, city, landmark ORDER BY n DESC, landmark
                    """, arguments: arguments)
            // Grouped in one pass each (a library has thousands of cities: filtering per city would be quadratic).
            var landmarksByCity: [String: [String: [AlbumTree.Landmark]]] = [:]
            for row in landmarkRows {
                guard let cityName: String = row["city"] else { continue }
                landmarksByCity[row["country"], default: [:]][cityName, default: []].append(
                    AlbumTree.Landmark(landmark: row["landmark"], photos: row["n"]))
            }
            var citiesByCountry: [String: [AlbumTree.City]] = [:]
            for row in cityRows {
                let country: String = row["country"], cityName: String = row["city"]
                citiesByCountry[country, default: []].append(
                    AlbumTree.City(
                        city: cityName, region: row["region"], photos: row["n"],
                        landmarks: landmarksByCity[country]?[cityName] ?? []))
            }
            let countries = countryRows.map { row -> AlbumTree.Country in
                let name: String = row["country"]
                return AlbumTree.Country(
                    country: name, countryCode: row["countryCode"], photos: row["n"],
                    cities: citiesByCountry[name] ?? [])
            }
            // Photos neither removed nor damaged, less those of them in an album and the raw files of RAW+JPEG pairs
            // (counted once, through their partner); all three counts kept by triggers.
            let unplaced =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT (SELECT ifnull(SUM(photos), 0) FROM photo_state_counts WHERE state IN ('indexed', 'pending', 'unsupported'))
                          - (SELECT ifnull(SUM(photos), 0) FROM album_member_states WHERE state IN ('indexed', 'pending', 'unsupported'))
                          - (SELECT ifnull(SUM(photos), 0) FROM paired_states WHERE state IN ('indexed', 'pending', 'unsupported'))
                        """) ?? 0
            return AlbumTree(countries: countries, unplacedPhotos: unplaced)
        }
    }

    /// The album tree computed by grouping the `album_photos` view, as before the album tables: the reference the
    /// tables are checked against in tests (it reads every photo, so it is slow on a large catalog).
    func albumsByGrouping(country: String? = nil, city: String? = nil) throws(CatalogError) -> AlbumTree {
        try read { db in
            let (whereClause, arguments) = Self.placeFilter(country: country, city: city, base: "country IS NOT NULL")
            let countryRows = try Row.fetchAll(
                db,
                sql: """
                    SELECT country, countryCode, COUNT(DISTINCT photoId) AS n FROM album_photos
                    WHERE \(whereClause) GROUP BY country, countryCode ORDER BY n DESC, country
                    """, arguments: arguments)
            let cityRows = try Row.fetchAll(
                db,
                sql: """
                    SELECT country, city, MIN(adminRegion) AS region, COUNT(DISTINCT photoId) AS n FROM album_photos
                    WHERE \(whereClause) AND city IS NOT NULL GROUP BY country, city ORDER BY n DESC, city
                    """, arguments: arguments)
            let landmarkRows = try Row.fetchAll(
                db,
                sql: """
                    SELECT country, city, landmark, COUNT(DISTINCT photoId) AS n FROM album_photos
                    WHERE \(whereClause) AND landmark IS NOT NULL
                    GROUP BY country, city, landmark ORDER BY n DESC, landmark
                    """, arguments: arguments)
            let countries = countryRows.map { row -> AlbumTree.Country in
                let name: String = row["country"]
                let cities = cityRows.filter { $0["country"] == name }.map { cityRow -> AlbumTree.City in
                    let cityName: String = cityRow["city"]
                    let landmarks = landmarkRows.filter { $0["country"] == name && $0["city"] == cityName }.map {
                        AlbumTree.Landmark(landmark: $0["landmark"], photos: $0["n"])
                    }
                    return AlbumTree.City(
                        city: cityName, region: cityRow["region"], photos: cityRow["n"], landmarks: landmarks)
                }
                return AlbumTree.Country(
                    country: name, countryCode: row["countryCode"], photos: row["n"], cities: cities)
            }
            let unplaced =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM photos p WHERE p.state IN ('indexed', 'pending', 'unsupported')
                        AND p.pairedWith IS NULL AND NOT EXISTS (SELECT 1 FROM photo_places pp WHERE pp.photoId = p.id AND pp.country IS NOT NULL)
                        """) ?? 0
            return AlbumTree(countries: countries, unplacedPhotos: unplaced)
        }
    }

    /// Photos matching every field set in `filter`, newest first (undated last), removed photos excluded.
    ///
    /// A country or city is first resolved to the exact names the album counts hold, and the photos are read from
    /// `album_members` through its (place, date) index; a tag or landmark held by few photos is read through the
    /// label index;
    /// otherwise, with a limit, the date index is walked from the newest photo. A page of a million-photo catalog
    /// costs milliseconds either way.
    public func photos(matching filter: PhotoFilter) throws(CatalogError) -> [PhotoSummary] {
        try read { db in
            var conditions = ["p.state <> 'removed'"]
            var arguments: StatementArguments = []
            var members: [String] = []  // conditions on album_members m
            var memberArguments: StatementArguments = []
            if let country = filter.country {
                let names = try String.fetchAll(
                    db,
                    sql: """
                        SELECT DISTINCT country FROM album_counts
                        WHERE landmark = '' AND (country = ? COLLATE NOCASE OR countryCode = ? COLLATE NOCASE)
                        """, arguments: [country, country])
                if names.isEmpty { return [] }
                members.append("m.country IN (\(databaseQuestionMarks(count: names.count)))")
                memberArguments += StatementArguments(names)
            }
            if let city = filter.city {
                let names = try String.fetchAll(
                    db,
                    sql: """
                        SELECT DISTINCT city FROM album_counts WHERE landmark = '' AND city = ? COLLATE NOCASE
                        """, arguments: [city])
                if names.isEmpty { return [] }
                members.append("m.city IN (\(databaseQuestionMarks(count: names.count)))")
                memberArguments += StatementArguments(names)
            }
            if let landmark = filter.landmark {
                conditions.append(
                    "EXISTS (SELECT 1 FROM tags t WHERE t.photoId = p.id AND t.kind = 'landmark' AND t.label = ? COLLATE NOCASE)"
                )
                arguments += [landmark]
            }
            // The photos of a tag or landmark, read through the label index when there are few of them.
            var tagSubquery: String?
            var tagArguments: StatementArguments = []
            if let landmark = filter.landmark {
                tagSubquery = "SELECT photoId FROM tags WHERE label = ? COLLATE NOCASE AND kind = 'landmark'"
                tagArguments = [landmark]
            }
            if let tag = filter.tag {
                if let kind = filter.tagKind {
                    tagSubquery = "SELECT photoId FROM tags WHERE label = ? COLLATE NOCASE AND kind = ?"
                    tagArguments = [tag, kind]
                } else {
                    tagSubquery = "SELECT photoId FROM tags WHERE label = ? COLLATE NOCASE"
                    tagArguments = [tag]
                }
                conditions.append(
                    "EXISTS (SELECT 1 FROM tags t WHERE t.photoId = p.id AND t.label = ? COLLATE NOCASE\(filter.tagKind == nil ? "" : " AND t.kind = ?"))"
                )
                arguments += tagArguments
            }
            if let from = filter.from {
                conditions.append("substr(f.takenAt, 1, 10) >= ?")
                arguments += [from]
            }
            if let to = filter.to {
                conditions.append("substr(f.takenAt, 1, 10) <= ?")
                arguments += [to]
            }
            let limit = filter.limit.map { " LIMIT \($0)" } ?? ""
            let landmarkColumn = """
                (SELECT label FROM tags t WHERE t.photoId = p.id AND t.kind = 'landmark' ORDER BY score DESC LIMIT 1) AS landmark
                """
            func summaries(_ sql: String, _ arguments: StatementArguments) throws -> [PhotoSummary] {
                try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    PhotoSummary(
                        path: row["path"], takenAt: row["takenAt"], country: row["country"], city: row["city"],
                        landmark: row["landmark"], state: row["state"])
                }
            }
            if !members.isEmpty {
                return try summaries(
                    """
                    SELECT p.path, p.state, m.takenAt, m.country, m.city, \(landmarkColumn)
                    FROM album_members m
                    JOIN photos p ON p.id = m.photoId
                    LEFT JOIN photo_facts f ON f.photoId = p.id
                    WHERE \((members + conditions).joined(separator: " AND "))
                    ORDER BY m.undated, m.takenAt DESC, p.path\(limit)
                    """, memberArguments + arguments)
            }
            let columns = "SELECT p.path, p.state, f.takenAt, pl.country, pl.city, \(landmarkColumn)"
            let whereClause = conditions.joined(separator: " AND ")
            if let tagSubquery {
                let few =
                    try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM (\(tagSubquery) LIMIT 20000)", arguments: tagArguments) ?? 0
                if few < 20000 || filter.limit == nil {
                    return try summaries(
                        """
                        \(columns)
                        FROM photos p
                        LEFT JOIN photo_facts f ON f.photoId = p.id
                        LEFT JOIN album_members pl ON pl.photoId = p.id
                        WHERE p.id IN (\(tagSubquery)) AND \(whereClause)
                        ORDER BY f.takenAt IS NULL, f.takenAt DESC, p.path\(limit)
                        """, tagArguments + arguments)
                }
            }
            guard let pageSize = filter.limit else {
                return try summaries(
                    """
                    \(columns)
                    FROM photos p
                    LEFT JOIN photo_facts f ON f.photoId = p.id
                    LEFT JOIN album_members pl ON pl.photoId = p.id
                    WHERE \(whereClause)
                    ORDER BY f.takenAt IS NULL, f.takenAt DESC, p.path
                    """, arguments)
            }
            // A page: dated photos by walking the date index from the newest, then undated ones by path.
            var page = try summaries(
                """
                \(columns)
                FROM photo_facts f INDEXED BY photo_facts_on_takenAt
                CROSS JOIN photos p ON p.id = f.photoId
                LEFT JOIN album_members pl ON pl.photoId = p.id
                WHERE f.takenAt IS NOT NULL AND \(whereClause)
                ORDER BY f.takenAt DESC, p.path LIMIT \(pageSize)
                """, arguments)
            if page.count < pageSize {
                page += try summaries(
                    """
                    \(columns)
                    FROM photos p
                    LEFT JOIN photo_facts f ON f.photoId = p.id
                    LEFT JOIN album_members pl ON pl.photoId = p.id
                    WHERE f.takenAt IS NULL AND \(whereClause)
                    ORDER BY p.path LIMIT \(pageSize - page.count)
                    """, arguments)
            }
            return page
        }
    }

    /// Everything known about the photo at `path`.
    public func photo(path photoPath: String) throws(CatalogError) -> PhotoDetails {
        let catalogPath = self.path
        return try read { db in
            guard let photo = try PhotoRecord.filter(PhotoRecord.Columns.path == photoPath).fetchOne(db),
                let id = photo.id
            else {
                throw CatalogError(
                    code: .notFound, path: catalogPath, message: "no photo at \(photoPath) in the catalog")
            }
            let facts = try PhotoFactsRecord.fetchOne(db, key: id)
            let places = try PhotoPlaceRecord.filter(PhotoPlaceRecord.Columns.photoId == id)
                .order(PhotoPlaceRecord.Columns.source).fetchAll(db).map {
                    PhotoDetails.Place(
                        source: $0.source.rawValue, countryCode: $0.countryCode, country: $0.country,
                        region: $0.adminRegion, city: $0.city, gazetteer: $0.gazetteerVersion)
                }
            let tags = try TagRecord.filter(TagRecord.Columns.photoId == id)
                .order(Column("score").desc, TagRecord.Columns.label).fetchAll(db).map {
                    PhotoDetails.Tag(
                        kind: $0.kind, label: $0.label, score: $0.score, recognizer: $0.recognizerId,
                        recognizerVersion: $0.recognizerVersion, evidence: $0.evidence, detail: $0.detail)
                }
            let recognition = try RecognitionRecord.filter(RecognitionRecord.Columns.photoId == id)
                .order(RecognitionRecord.Columns.recognizerId).fetchAll(db).map {
                    PhotoDetails.Recognition(
                        recognizer: $0.recognizerId, version: $0.recognizerVersion, state: $0.state.rawValue,
                        error: $0.error, at: $0.updatedAt)
                }
            let pairedWith = try String.fetchAll(
                db,
                sql: """
                    SELECT path FROM photos WHERE id = (SELECT pairedWith FROM photos WHERE id = ?)
                    UNION ALL SELECT path FROM photos WHERE pairedWith = ? ORDER BY path
                    """, arguments: [id, id])
            return PhotoDetails(
                path: photo.path, state: photo.state.rawValue, errorReason: photo.errorReason, size: photo.size,
                format: photo.format, decoder: photo.decoder, pairedWith: pairedWith,
                contentHash: photo.contentHash, addedAt: photo.addedAt, removedAt: photo.removedAt, facts: facts,
                places: places, tags: tags, recognition: recognition)
        }
    }

    /// Tag labels with the number of (not removed) photos carrying each, most common first. Reads the counts the
    /// tag triggers keep (`BrowsingCounts`): one row per label, whatever the size of the library.
    public func tagCounts(kind: String? = nil) throws(CatalogError) -> [TagCount] {
        try read { db in
            let kindFilter = kind == nil ? "" : "AND kind = ?"
            let arguments: StatementArguments = kind.map { [$0] } ?? []
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT kind, label, photos FROM tag_counts WHERE photos > 0 \(kindFilter)
                    ORDER BY photos DESC, kind, label
                    """, arguments: arguments
            ).map { TagCount(kind: $0["kind"], label: $0["label"], photos: $0["photos"]) }
        }
    }

    /// The tag counts computed by grouping the tag table, as before `tag_counts`: the reference the counts are
    /// checked against in tests (slow on a large catalog).
    func tagCountsByGrouping(kind: String? = nil) throws(CatalogError) -> [TagCount] {
        try read { db in
            let kindFilter = kind == nil ? "" : "AND t.kind = ?"
            let arguments: StatementArguments = kind.map { [$0] } ?? []
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT t.kind, t.label, COUNT(DISTINCT t.photoId) AS n FROM tags t
                    JOIN photos p ON p.id = t.photoId AND p.state <> 'removed'
                    WHERE 1 \(kindFilter) GROUP BY t.kind, t.label ORDER BY n DESC, t.kind, t.label
                    """, arguments: arguments
            ).map { TagCount(kind: $0["kind"], label: $0["label"], photos: $0["n"]) }
        }
    }
}

extension Catalog {
    /// The catalog id of the photo at `path`, or nil when it is not catalogued.
    public func photoID(path: String) throws(CatalogError) -> Int64? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM photos WHERE path = ?", arguments: [path])
        }
    }
}

extension Catalog {
    /// The SQL condition and arguments that narrow album rows to one country (name or code) and/or city, matched
    /// without regard to case.
    static func placeFilter(country: String?, city: String?, base: String) -> (String, StatementArguments) {
        var conditions = [base]
        var arguments: StatementArguments = []
        if let country {
            conditions.append("(country = ? COLLATE NOCASE OR countryCode = ? COLLATE NOCASE)")
            arguments += [country, country]
        }
        if let city {
            conditions.append("city = ? COLLATE NOCASE")
            arguments += [city]
        }
        return (conditions.joined(separator: " AND "), arguments)
    }
}
