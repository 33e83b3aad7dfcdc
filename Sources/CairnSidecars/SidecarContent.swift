import Foundation

/// What Cairn says about one photo in its XMP sidecar: its place, its landmark and its tags, with what produced each.
/// The keywords the photo managers read are derived from it here, once (`hierarchicalKeywords`, `tagsList`,
/// `subjects`).
public struct SidecarContent: Sendable, Equatable {
    public struct Place: Sendable, Equatable {
        public var countryCode: String?
        public var country: String?
        public var region: String?
        public var city: String?

        public init(countryCode: String?, country: String?, region: String?, city: String?) {
            self.countryCode = countryCode
            self.country = country
            self.region = region
            self.city = city
        }
    }

    public struct Tag: Sendable, Equatable {
        public var kind: String
        public var label: String
        public var score: Double
        public var recognizer: String
        public var version: String
        /// `geo` or `references` for a landmark.
        public var evidence: String?

        public init(
            kind: String, label: String, score: Double, recognizer: String, version: String, evidence: String? = nil
        ) {
            self.kind = kind
            self.label = label
            self.score = score
            self.recognizer = recognizer
            self.version = version
            self.evidence = evidence
        }
    }

    public struct Position: Sendable, Equatable {
        public var latitude: Double
        public var longitude: Double

        public init(latitude: Double, longitude: Double) {
            self.latitude = latitude
            self.longitude = longitude
        }
    }

    /// The photo's place: from its GPS, else from its landmark.
    public var place: Place?
    /// The landmark the photo shows (the highest-scoring landmark tag).
    public var landmark: String?
    /// The landmark's own position, written inside LocationShown (where the shown place is, not the camera).
    public var landmarkPosition: Position?
    /// Every tag, landmark included.
    public var tags: [Tag]
    /// The photo's position inferred from its landmark, written as exif:GPSLatitude/GPSLongitude and marked
    /// inferred: only when the configuration asks and the photo has no GPS of its own.
    public var inferredPosition: Position?

    public init(
        place: Place? = nil, landmark: String? = nil, landmarkPosition: Position? = nil, tags: [Tag] = [],
        inferredPosition: Position? = nil
    ) {
        self.place = place
        self.landmark = landmark
        self.landmarkPosition = landmarkPosition
        self.tags = tags
        self.inferredPosition = inferredPosition
    }

    /// Nothing to say: no sidecar is written for it (and Cairn's part of an existing one is removed).
    public var isEmpty: Bool {
        place?.country == nil && place?.city == nil && landmark == nil && tags.isEmpty
    }

    /// The root every Cairn keyword sits under.
    public static let root = "Cairn"

    /// Keyword paths, root first: `Cairn, Places, Italy, Rome, Colosseum`, `Cairn, Scenes, palace`, and for a
    /// plugin's kind `Cairn, <Kind>, label`.
    public var keywordPaths: [[String]] {
        var paths: [[String]] = []
        let placePath = [place?.country, place?.city, landmark].compactMap { $0 }.filter { !$0.isEmpty }
        if !placePath.isEmpty { paths.append([Self.root, "Places"] + placePath) }
        for tag in tags where tag.kind != "landmark" {
            let path = [Self.root, Self.group(of: tag.kind), tag.label]
            if !paths.contains(path) { paths.append(path) }
        }
        return paths
    }

    /// lr:hierarchicalSubject (Lightroom, darktable, Immich, digiKam): levels joined by `|`.
    public var hierarchicalKeywords: [String] {
        keywordPaths.map { $0.map { Self.level($0, separator: "|") }.joined(separator: "|") }
    }

    /// digiKam:TagsList (digiKam, Immich): levels joined by `/`.
    public var tagsList: [String] {
        keywordPaths.map { $0.map { Self.level($0, separator: "/") }.joined(separator: "/") }
    }

    /// dc:subject leaf words: country, city, landmark, then each tag's label, each once.
    public var subjects: [String] {
        var words: [String] = []
        for word in [place?.country, place?.city, landmark].compactMap({ $0 }) + tags.map(\.label)
        where !word.isEmpty && !words.contains(word) {
            words.append(word)
        }
        return words
    }

    /// A fingerprint of everything written, to tell whether a sidecar is in step with the catalog.
    public var fingerprint: String {
        var text = "v1\u{1F}"
        for path in keywordPaths { text += path.joined(separator: "\u{1E}") + "\u{1F}" }
        for field in [place?.countryCode, place?.country, place?.region, place?.city, landmark] {
            text += (field ?? "") + "\u{1F}"
        }
        for position in [landmarkPosition, inferredPosition] {
            text += position.map { "\($0.latitude),\($0.longitude)" } ?? "-"
            text += "\u{1F}"
        }
        for tag in tags {
            text +=
                [
                    tag.kind, tag.label, String(format: "%.4f", tag.score), tag.recognizer, tag.version,
                    tag.evidence ?? "",
                ]
                .joined(separator: "\u{1E}") + "\u{1F}"
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(hash, radix: 16)
    }

    /// A tag kind's group name: `scene` → `Scenes`, `daylight` → `Daylight`.
    static func group(of kind: String) -> String {
        guard let first = kind.first else { return "Tags" }
        let name = first.uppercased() + kind.dropFirst()
        return kind == "scene" ? "Scenes" : name
    }

    /// A level of a keyword path: the separator inside a name would split it, so it becomes a hyphen.
    static func level(_ name: String, separator: Character) -> String {
        String(name.map { $0 == separator ? "-" : $0 })
    }
}
