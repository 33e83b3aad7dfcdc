import Foundation
import GRDB

/// Which version of a recognizer last ran on a photo, and how it went. A photo whose stored version differs
/// from the recognizer's current one is stale and queued again: the catalog is the work queue.
public struct RecognitionRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "recognition"

    public enum State: String, Codable, Sendable, DatabaseValueConvertible {
        case done
        case failed
    }

    public enum Columns {
        public static let photoId = Column(CodingKeys.photoId)
        public static let recognizerId = Column(CodingKeys.recognizerId)
        public static let recognizerVersion = Column(CodingKeys.recognizerVersion)
        public static let state = Column(CodingKeys.state)
        public static let updatedAt = Column(CodingKeys.updatedAt)
    }

    public var photoId: Int64
    public var recognizerId: String
    public var recognizerVersion: String
    public var state: State
    public var error: String?
    public var updatedAt: Date

    public init(
        photoId: Int64, recognizerId: String, recognizerVersion: String, state: State, error: String? = nil,
        updatedAt: Date = Date()
    ) {
        self.photoId = photoId
        self.recognizerId = recognizerId
        self.recognizerVersion = recognizerVersion
        self.state = state
        self.error = error
        self.updatedAt = updatedAt
    }
}
