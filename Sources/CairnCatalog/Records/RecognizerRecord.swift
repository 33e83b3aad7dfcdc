import Foundation
import GRDB

/// A recognizer the daemon has loaded, with the version its results are stored under.
public struct RecognizerRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "recognizers"

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let enabled = Column(CodingKeys.enabled)
    }

    public var id: String
    /// Code version plus the hash of every model or pack file it loaded.
    public var version: String
    public var enabled: Bool
    /// The last load outcome, such as "loaded" or the reason it failed.
    public var status: String?
    public var updatedAt: Date

    public init(id: String, version: String, enabled: Bool, status: String? = nil, updatedAt: Date = Date()) {
        self.id = id
        self.version = version
        self.enabled = enabled
        self.status = status
        self.updatedAt = updatedAt
    }
}
