import Foundation
import GRDB

/// A photo file Cairn knows about, identified on disk by path and by device+inode.
public struct PhotoRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "photos"

    public enum State: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// Seen on disk; facts not read yet.
        case pending
        /// Facts stored; ready for recognition.
        case indexed
        /// Unreadable or corrupt; `errorReason` says why.
        case damaged
        /// A format Cairn cannot decode yet; `errorReason` names it.
        case unsupported
        /// Gone from disk; kept with its tags until the grace period ends.
        case removed
    }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let path = Column(CodingKeys.path)
        public static let device = Column(CodingKeys.device)
        public static let inode = Column(CodingKeys.inode)
        public static let state = Column(CodingKeys.state)
        public static let updatedAt = Column(CodingKeys.updatedAt)
    }

    public var id: Int64?
    public var path: String
    public var device: Int64
    public var inode: Int64
    public var size: Int64
    public var mtimeNs: Int64
    public var contentHash: String?
    /// The file format sniffed from its bytes (`jpeg`, `heif`, …); nil until ingest read it.
    public var format: String?
    /// The library that decodes it, and for a camera raw file the embedded preview it reads; nil until ingest
    /// read it, or when nothing can decode it.
    public var decoder: String?
    public var state: State
    public var errorReason: String?
    public var addedAt: Date
    public var updatedAt: Date
    public var removedAt: Date?

    public init(
        id: Int64? = nil, path: String, device: Int64, inode: Int64, size: Int64, mtimeNs: Int64,
        contentHash: String? = nil, format: String? = nil, decoder: String? = nil, state: State = .pending,
        errorReason: String? = nil,
        addedAt: Date = Date(), updatedAt: Date = Date(), removedAt: Date? = nil
    ) {
        self.id = id
        self.path = path
        self.device = device
        self.inode = inode
        self.size = size
        self.mtimeNs = mtimeNs
        self.contentHash = contentHash
        self.format = format
        self.decoder = decoder
        self.state = state
        self.errorReason = errorReason
        self.addedAt = addedAt
        self.updatedAt = updatedAt
        self.removedAt = removedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
