import CairnEXIF
import CairnPlaces

/// What Cairn already knows about one photo when recognizers run. Later issues add the decoded pixels and the
/// backbone's shared outputs (computed lazily, once per photo).
public struct PhotoAnalysis: Sendable {
    public var path: String
    public var exif: ExifFacts
    public var place: Place?

    public init(path: String, exif: ExifFacts, place: Place?) {
        self.path = path
        self.exif = exif
        self.place = place
    }
}

/// One thing a recognizer saw in a photo.
public enum Observation: Sendable, Equatable {
    /// A tag such as a scene label, with a score in 0…1.
    case tag(kind: String, label: String, score: Double)
    /// A recognised landmark with where it is.
    case landmark(key: String, name: String, city: String, country: String, score: Double)
}

/// A recognizer plugin: turns one photo's analysis into observations. Its `version` (code version plus the hash
/// of every model or pack file it loaded) is stored with its results; a new version makes old results stale.
public protocol Recognizer: Sendable {
    var id: String { get }
    var version: String { get }
    func recognize(_ photo: PhotoAnalysis) async throws -> [Observation]
}
