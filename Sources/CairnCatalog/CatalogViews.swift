import Foundation

/// Photo counts and queue length for `cairn status`.
public struct CatalogStatus: Codable, Sendable, Equatable {
    public struct Recognizer: Codable, Sendable, Equatable {
        public var id: String
        public var version: String
        public var enabled: Bool
        public var status: String?
        public var done: Int
        public var failed: Int
        /// Indexed photos this recognizer has not yet run on at its current version.
        public var queued: Int
    }

    public struct Problem: Codable, Sendable, Equatable {
        public var path: String
        /// `ingest` for unreadable or damaged files, else the recognizer's id.
        public var stage: String
        public var reason: String
        public var at: Date
    }

    public var catalog: String
    public var schema: String
    public var photos: [String: Int]
    public var totalPhotos: Int
    /// Photos waiting for ingest plus (photo, recognizer) pairs waiting for recognition.
    public var queue: Int
    public var recognizers: [Recognizer]
    public var lastErrors: [Problem]
    /// What the daemon last reported about itself (pid, state, folders, watches, reload outcome, the last failed
    /// catalog write); empty when no daemon ever ran on this catalog.
    public var daemon: DaemonStatus
    /// The XMP sidecars' state (`Catalog.sidecarStatus`), filled in by `cairn status`.
    public var sidecars: SidecarStatus? = nil
}

/// The album tree: country ▸ city ▸ landmark, each with its photo count.
public struct AlbumTree: Codable, Sendable, Equatable {
    public struct Country: Codable, Sendable, Equatable {
        public var country: String
        public var countryCode: String?
        public var photos: Int
        public var cities: [City]
    }

    public struct City: Codable, Sendable, Equatable {
        public var city: String
        public var region: String?
        public var photos: Int
        public var landmarks: [Landmark]
    }

    public struct Landmark: Codable, Sendable, Equatable {
        public var landmark: String
        public var photos: Int
    }

    public var countries: [Country]
    /// Photos with no known place (no GPS and no recognised landmark).
    public var unplacedPhotos: Int
}

/// Which photos `cairn photos` lists; every set field must match.
public struct PhotoFilter: Sendable, Equatable {
    public var country: String?
    public var city: String?
    public var landmark: String?
    public var tag: String?
    public var tagKind: String?
    /// Inclusive `YYYY-MM-DD` bounds on the day the photo was taken.
    public var from: String?
    public var to: String?
    public var limit: Int?

    public init(
        country: String? = nil, city: String? = nil, landmark: String? = nil, tag: String? = nil,
        tagKind: String? = nil, from: String? = nil, to: String? = nil, limit: Int? = nil
    ) {
        self.country = country
        self.city = city
        self.landmark = landmark
        self.tag = tag
        self.tagKind = tagKind
        self.from = from
        self.to = to
        self.limit = limit
    }
}

/// One line of `cairn photos`.
public struct PhotoSummary: Codable, Sendable, Equatable {
    public var path: String
    public var takenAt: String?
    public var country: String?
    public var city: String?
    public var landmark: String?
    public var state: String
}

/// Everything known about one photo, for `cairn photo PATH`.
public struct PhotoDetails: Codable, Sendable, Equatable {
    public struct Tag: Codable, Sendable, Equatable {
        public var kind: String
        public var label: String
        public var score: Double
        public var recognizer: String
        public var recognizerVersion: String
        /// For a landmark: `geo` or `references`.
        public var evidence: String?
        /// Why the tag was given (a landmark: score and threshold, checks, nearest reference photo).
        public var detail: String?
    }

    public struct Recognition: Codable, Sendable, Equatable {
        public var recognizer: String
        public var version: String
        public var state: String
        public var error: String?
        public var at: Date
    }

    public struct Place: Codable, Sendable, Equatable {
        public var source: String
        public var countryCode: String?
        public var country: String?
        public var region: String?
        public var city: String?
        public var gazetteer: String
    }

    public var path: String
    public var state: String
    public var errorReason: String?
    public var size: Int64
    public var format: String?
    /// The library that decodes the photo, and for a camera raw file the embedded preview it reads.
    public var decoder: String?
    /// RAW+JPEG: the file this raw file was taken with (it is recognised through it), or the raw files taken with
    /// this one.
    public var pairedWith: [String] = []
    public var contentHash: String?
    public var addedAt: Date
    public var removedAt: Date?
    public var facts: PhotoFactsRecord?
    public var places: [Place]
    public var tags: [Tag]
    public var recognition: [Recognition]

    /// The photo's one place, the one its albums use (the rule of the `photo_place` view): its EXIF place when that
    /// names a country, else its landmark's; else the EXIF row that names nothing near the GPS position.
    public var place: Place? {
        places.first { $0.source == "exif" && $0.country != nil }
            ?? places.first { $0.source == "landmark" && $0.country != nil }
            ?? places.first { $0.source == "exif" }
    }
}

/// A tag label with how many photos carry it, for `cairn tags`.
public struct TagCount: Codable, Sendable, Equatable {
    public var kind: String
    public var label: String
    public var photos: Int
}
