import GRDB

/// A country that holds an album, as `cairn` matches `--country` against it.
public struct CountryName: Sendable, Equatable {
    public var country: String
    /// ISO 3166-1 alpha-2, when the gazetteer gave one.
    public var countryCode: String?
    public var photos: Int

    public init(country: String, countryCode: String?, photos: Int) {
        self.country = country
        self.countryCode = countryCode
        self.photos = photos
    }
}

/// A city that holds an album, as `cairn` matches `--city` against it.
public struct CityName: Sendable, Equatable {
    public var city: String
    public var country: String
    public var photos: Int

    public init(city: String, country: String, photos: Int) {
        self.city = city
        self.country = country
        self.photos = photos
    }
}

/// A landmark some photo is tagged with, as `cairn` matches `--landmark` (and `--tag`) against it.
public struct LandmarkName: Sendable, Equatable {
    /// The tag's label: the landmark's name in its pack.
    public var name: String
    /// The landmark's key in its pack (`brandenburg_gate`), when a photo placed by it records one.
    public var key: String?
    public var photos: Int

    public init(name: String, key: String?, photos: Int) {
        self.name = name
        self.key = key
        self.photos = photos
    }
}

extension Catalog {
    /// The countries that hold an album, most photos first. Reads the album counts: one row per city.
    public func countryNames() throws(CatalogError) -> [CountryName] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT country, NULLIF(countryCode, '') AS countryCode, SUM(photos) AS n FROM album_counts
                    WHERE landmark = '' AND photos > 0 GROUP BY country, countryCode ORDER BY n DESC, country
                    """
            ).map { CountryName(country: $0["country"], countryCode: $0["countryCode"], photos: $0["n"]) }
        }
    }

    /// The cities that hold an album, most photos first; only those of `country` (its exact name) when given.
    public func cityNames(country: String? = nil) throws(CatalogError) -> [CityName] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT city, country, SUM(photos) AS n FROM album_counts
                    WHERE landmark = '' AND city <> '' AND photos > 0 \(country == nil ? "" : "AND country = ?")
                    GROUP BY country, city ORDER BY n DESC, city
                    """, arguments: StatementArguments(country.map { [$0] } ?? [])
            ).map { CityName(city: $0["city"], country: $0["country"], photos: $0["n"]) }
        }
    }

    /// The landmarks photos are tagged with, by name, each with its key when the catalog records one.
    ///
    /// A landmark's key is stored only with the place it gives a photo (`photo_places`, source `landmark`,
    /// gazetteer `landmark:KEY`), so it is read from a photo whose best landmark tag carries the name: one indexed
    /// lookup per landmark, through `tags_on_kind_label`.
    public func landmarkNames() throws(CatalogError) -> [LandmarkName] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.label, c.photos, (
                      SELECT substr(pp.gazetteerVersion, 10) FROM tags t
                      JOIN photo_places pp ON pp.photoId = t.photoId AND pp.source = 'landmark'
                      WHERE t.kind = 'landmark' AND t.label = c.label AND pp.gazetteerVersion LIKE 'landmark:%'
                        AND NOT EXISTS (
                          SELECT 1 FROM tags o WHERE o.photoId = t.photoId AND o.kind = 'landmark' AND o.score > t.score)
                      LIMIT 1) AS key
                    FROM tag_counts c WHERE c.kind = 'landmark' AND c.photos > 0 ORDER BY c.photos DESC, c.label
                    """
            ).map { LandmarkName(name: $0["label"], key: $0["key"], photos: $0["photos"]) }
        }
    }
}

/// Which names `Catalog.names(equalTo:_:)` looks among.
public enum NameKind: Sendable, Equatable {
    case country
    /// Cities, of one country (its exact name) when given.
    case city(country: String?)
    case landmark
    /// Tag labels, of one kind when given.
    case tag(kind: String?)
}

extension Catalog {
    /// The names of `kind` equal to `name` without regard to (ASCII) case, a country's also by its ISO code: the
    /// exact matches `cairn` takes before it reads every name (a landmark's key costs a lookup per landmark).
    public func names(equalTo name: String, _ kind: NameKind) throws(CatalogError) -> [String] {
        let (sql, arguments): (String, StatementArguments) =
            switch kind {
            case .country:
                (
                    """
                    SELECT DISTINCT country FROM album_counts WHERE landmark = '' AND photos > 0
                    AND (country = ? COLLATE NOCASE OR countryCode = ? COLLATE NOCASE)
                    """, [name, name]
                )
            case .city(let country):
                (
                    """
                    SELECT DISTINCT city FROM album_counts WHERE landmark = '' AND city <> '' AND photos > 0
                    AND city = ? COLLATE NOCASE \(country == nil ? "" : "AND country = ?")
                    """, StatementArguments([name] + (country.map { [$0] } ?? []))
                )
            case .landmark:
                (
                    "SELECT label FROM tag_counts WHERE kind = 'landmark' AND photos > 0 AND label = ? COLLATE NOCASE",
                    [name]
                )
            case .tag(let kind):
                (
                    """
                    SELECT DISTINCT label FROM tag_counts WHERE photos > 0 AND label = ? COLLATE NOCASE
                    \(kind == nil ? "" : "AND kind = ?")
                    """, StatementArguments([name] + (kind.map { [$0] } ?? []))
                )
            }
        return try read { db in try String.fetchAll(db, sql: sql, arguments: arguments) }
    }
}
