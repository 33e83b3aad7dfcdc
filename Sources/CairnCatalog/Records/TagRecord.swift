import GRDB

/// One observation a recognizer made about a photo.
public struct TagRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "tags"

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let photoId = Column(CodingKeys.photoId)
        public static let kind = Column(CodingKeys.kind)
        public static let label = Column(CodingKeys.label)
        public static let recognizerId = Column(CodingKeys.recognizerId)
    }

    public var id: Int64?
    public var photoId: Int64
    /// `scene`, `landmark`, or a plugin's own kind.
    public var kind: String
    public var label: String
    public var score: Double
    public var recognizerId: String
    public var recognizerVersion: String
    /// For a landmark: which evidence accepted it (`geo` or `references`).
    public var evidence: String?
    /// Why the tag was given, for a person (v5).
    public var detail: String?

    public init(
        id: Int64? = nil, photoId: Int64, kind: String, label: String, score: Double, recognizerId: String,
        recognizerVersion: String, evidence: String? = nil, detail: String? = nil
    ) {
        self.id = id
        self.photoId = photoId
        self.kind = kind
        self.label = label
        self.score = score
        self.recognizerId = recognizerId
        self.recognizerVersion = recognizerVersion
        self.evidence = evidence
        self.detail = detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
