/// The contract between Cairn and its recognizer plugins. It depends on nothing else of Cairn's, so a plugin
/// depends only on this module (and on imaging/inference if it computes its own pixels).

/// What is already known about a photo when recognizers run.
public struct PhotoFacts: Sendable, Equatable {
    public var path: String
    /// Local time `YYYY-MM-DDTHH:MM:SS`, if the camera recorded it.
    public var takenAt: String?
    public var latitude: Double?
    public var longitude: Double?
    public var city: String?
    public var country: String?
    public var countryCode: String?
    /// Camera make and model as written in EXIF.
    public var cameraMake: String?
    public var cameraModel: String?
    /// Pixel size as stored in the file (before EXIF orientation).
    public var width: Int?
    public var height: Int?

    public init(
        path: String, takenAt: String? = nil, latitude: Double? = nil, longitude: Double? = nil, city: String? = nil,
        country: String? = nil, countryCode: String? = nil, cameraMake: String? = nil, cameraModel: String? = nil,
        width: Int? = nil, height: Int? = nil
    ) {
        self.path = path
        self.takenAt = takenAt
        self.latitude = latitude
        self.longitude = longitude
        self.city = city
        self.country = country
        self.countryCode = countryCode
        self.cameraMake = cameraMake
        self.cameraModel = cameraModel
        self.width = width
        self.height = height
    }
}

/// Upright RGB pixels of a photo, 3 bytes per pixel, row by row.
public struct PhotoPixels: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// `width × height × 3` bytes.
    public var rgb: [UInt8]

    public init(width: Int, height: Int, rgb: [UInt8]) {
        self.width = width
        self.height = height
        self.rgb = rgb
    }
}

/// The photo decoded once, on first request, and shared by every recognizer that asks.
public protocol PixelsProvider: Sendable {
    /// The photo upright, scaled down so its longer side is at most `maxSide` (never up).
    func pixels(maxSide: Int) throws -> PhotoPixels
}

/// The backbone CNN's outputs for one photo, computed at most once and only if a recognizer asks.
public protocol BackboneProvider: Sendable {
    /// Global-average-pooled features (1280 values for EfficientNet-Lite0).
    func features() throws -> [Float]
    /// ImageNet-1k logits (1000 values).
    func logits() throws -> [Float]
    /// The backbone's identity, part of every recognizer version that uses it.
    var backboneVersion: String { get }
}

/// One photo as recognizers see it: what is already known, and what costs something (decoded pixels, the
/// backbone's outputs) behind lazy providers, so a recognizer that needs no CNN costs no CNN.
public struct PhotoAnalysis: Sendable {
    public var facts: PhotoFacts
    public var backbone: any BackboneProvider
    /// Decoded pixels; nil where the host offers none (a recognizer that needs them then fails on the photo).
    public var pixels: (any PixelsProvider)?

    public init(facts: PhotoFacts, backbone: any BackboneProvider, pixels: (any PixelsProvider)? = nil) {
        self.facts = facts
        self.backbone = backbone
        self.pixels = pixels
    }
}

/// One thing a recognizer saw in a photo.
public enum Observation: Sendable, Equatable {
    /// A tag such as a scene label, with a score in 0…1.
    case tag(kind: String, label: String, score: Double)
    /// A recognised landmark, where it is, and which evidence decided (Algorithm 2 of the paper: the geo-scoped
    /// search for a photo with GPS, the reference check for one without). A photo without GPS takes the city and
    /// country of its landmark as its place, marked as inferred from the landmark.
    case landmark(LandmarkSighting)
}

/// A landmark a recognizer found in a photo.
public struct LandmarkSighting: Sendable, Equatable {
    /// Which path of recognition accepted the landmark.
    public enum Evidence: String, Sendable, Equatable {
        /// The photo has GPS: only landmarks near it were searched, with the geo threshold.
        case geo
        /// No GPS: the whole pack was searched, then the landmark's reference photos confirmed it.
        case references
    }

    public var key: String
    public var name: String
    public var city: String
    public var country: String
    public var score: Double
    public var evidence: Evidence
    /// Where the landmark stands, when the recognizer knows it: a photo placed by the landmark is then named by the
    /// gazetteer, exactly as a photo with GPS there would be (same country code, region and city spelling).
    public var latitude: Double?
    public var longitude: Double?
    /// Why it was accepted, for a person: the score and the threshold it passed, the checks, the nearest
    /// reference photo (stored with the tag, shown by `cairn photo`).
    public var detail: String?

    public init(
        key: String, name: String, city: String, country: String, score: Double, evidence: Evidence,
        latitude: Double? = nil, longitude: Double? = nil, detail: String? = nil
    ) {
        self.key = key
        self.name = name
        self.city = city
        self.country = country
        self.score = score
        self.evidence = evidence
        self.latitude = latitude
        self.longitude = longitude
        self.detail = detail
    }
}

/// A recognizer plugin: turns one photo's analysis into observations. Its `version` (code version plus the hash
/// of every model or pack file it loaded, plus settings that change results) is stored with its results; a new
/// version makes old results stale, so they are computed again.
public protocol Recognizer: Sendable {
    var id: String { get }
    var version: String { get }
    /// Whether it reads the backbone's features or logits. The pipeline then runs the backbone on a batch's photos
    /// before the recognizers ask (all decodes back to back, then all networks: each keeps its code and tables in
    /// the core's caches). Default true; a recognizer that never asks should say false, so its photos are not run
    /// through the network for nothing.
    var usesBackbone: Bool { get }
    func recognize(_ photo: PhotoAnalysis) throws -> [Observation]
    /// Several photos at once, one result per photo in order; a recognizer that gains from batching (one matrix
    /// product for many photos) implements it, the others inherit one-at-a-time.
    func recognize(batch photos: [PhotoAnalysis]) -> [Result<[Observation], any Error>]
}

extension Recognizer {
    public func recognize(batch photos: [PhotoAnalysis]) -> [Result<[Observation], any Error>] {
        photos.map { photo in Result { try recognize(photo) } }
    }
}

extension Recognizer {
    public var usesBackbone: Bool { true }
}


/// Where a landmark a recognizer can report stands.
public struct LandmarkLocation: Sendable, Equatable {
    public var key: String
    public var city: String
    public var country: String
    public var latitude: Double
    public var longitude: Double

    public init(key: String, city: String, country: String, latitude: Double, longitude: Double) {
        self.key = key
        self.city = city
        self.country = country
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// A recognizer that knows where every landmark it can report stands (a landmark pack). The host names again,
/// through its gazetteer, the places an earlier version recorded from one of them.
public protocol LandmarkLocating: Recognizer {
    /// Every landmark it can report, by key.
    func landmarkLocations() -> [String: LandmarkLocation]
}
