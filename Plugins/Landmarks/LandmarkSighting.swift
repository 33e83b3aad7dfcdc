import CairnRecognition

/// A landmark the recognizer found in a photo, and which evidence decided (Algorithm 2 of the paper: the geo-scoped
/// search for a photo with GPS, the reference check for one without). It reaches the host as a `landmark` finding
/// whose place hint is the landmark's city, country and position.
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
    /// Where the landmark stands, when known.
    public var latitude: Double?
    public var longitude: Double?
    /// Why it was accepted, for a person: the score and the threshold it passed, the checks, the nearest reference
    /// photo.
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

    /// What the host stores: a `landmark` tag with its evidence and detail, and the landmark's place as a hint.
    public var observation: Observation {
        .finding(
            Finding(
                kind: "landmark", label: name, score: score, evidence: evidence.rawValue, detail: detail,
                place: PlaceHint(key: key, city: city, country: country, latitude: latitude, longitude: longitude)))
    }
}
