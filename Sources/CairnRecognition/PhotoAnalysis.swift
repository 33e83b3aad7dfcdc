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
