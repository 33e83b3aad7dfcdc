/// One thing a recognizer saw in a photo.
public enum Observation: Sendable, Equatable {
    /// A tag such as a scene label, with a score in 0…1.
    case tag(kind: String, label: String, score: Double)
    /// A tag that comes with the evidence that decided it, why it was accepted, and where the thing stands (a
    /// recognised landmark). A photo without GPS takes the place hint as its place, named as a photo with GPS there
    /// would be.
    case finding(Finding)
    /// A compact description of how the photo looks (unit length, a few hundred values at most), stored with the
    /// photo so photos can be compared later without decoding them again.
    case embedding([Float])
}

/// A tag with its evidence and, optionally, where the thing it names stands.
public struct Finding: Sendable, Equatable {
    /// The tag's kind ("landmark").
    public var kind: String
    public var label: String
    /// 0…1.
    public var score: Double
    /// Which path of recognition accepted it, in the recognizer's words ("geo", "references"); stored with the tag.
    public var evidence: String?
    /// Why it was accepted, for a person (stored with the tag, shown by `cairn photo`).
    public var detail: String?
    /// Where the thing stands; nil when it gives the photo no place.
    public var place: PlaceHint?

    public init(
        kind: String, label: String, score: Double, evidence: String? = nil, detail: String? = nil,
        place: PlaceHint? = nil
    ) {
        self.kind = kind
        self.label = label
        self.score = score
        self.evidence = evidence
        self.detail = detail
        self.place = place
    }
}

/// Where something a recognizer found stands: its own city and country names, and its position when known. The host
/// names the place through its gazetteer at the position (so a photo placed by a hint lands in the same country and
/// city album as a photo with GPS there) and falls back to the hint's own names.
public struct PlaceHint: Sendable, Equatable {
    /// What the hint is about, stable across versions (a landmark's key): the host finds the hint again by it to name
    /// an old place anew (`Recognizer.placeHints()`).
    public var key: String
    public var city: String
    public var country: String
    public var latitude: Double?
    public var longitude: Double?

    public init(key: String, city: String, country: String, latitude: Double? = nil, longitude: Double? = nil) {
        self.key = key
        self.city = city
        self.country = country
        self.latitude = latitude
        self.longitude = longitude
    }

    /// The position, when both coordinates are known.
    public var position: (latitude: Double, longitude: Double)? {
        guard let latitude, let longitude else { return nil }
        return (latitude, longitude)
    }
}
