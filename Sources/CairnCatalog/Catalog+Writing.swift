import Foundation
import GRDB

/// What a file on disk looks like now, from stat(2).
public struct FileIdentity: Sendable, Equatable {
    public var path: String
    public var device: Int64
    public var inode: Int64
    public var size: Int64
    public var mtimeNs: Int64

    public init(path: String, device: Int64, inode: Int64, size: Int64, mtimeNs: Int64) {
        self.path = path
        self.device = device
        self.inode = inode
        self.size = size
        self.mtimeNs = mtimeNs
    }
}

/// The outcome of ingesting one photo, stored in one transaction by `Catalog.storeIngest`.
public struct IngestRecord: Sendable, Equatable {
    public var photoId: Int64
    public var contentHash: String?
    public var format: String?
    /// The library that decodes it (and for a camera raw file, the preview it reads); nil when none can.
    public var decoder: String?
    /// `indexed`, `damaged` or `unsupported`.
    public var state: PhotoRecord.State
    /// Why the photo is damaged or unsupported.
    public var reason: String?
    public var facts: PhotoFactsRecord?
    public var place: PhotoPlaceRecord?

    public init(
        photoId: Int64, contentHash: String? = nil, format: String? = nil, decoder: String? = nil,
        state: PhotoRecord.State, reason: String? = nil, facts: PhotoFactsRecord? = nil, place: PhotoPlaceRecord? = nil
    ) {
        self.photoId = photoId
        self.contentHash = contentHash
        self.format = format
        self.decoder = decoder
        self.state = state
        self.reason = reason
        self.facts = facts
        self.place = place
    }
}

/// What a recognizer observed about one photo, ready to store.
public struct RecognitionResult: Sendable {
    /// One tag: kind, label, score, and for a landmark the evidence that accepted it.
    public struct Tag: Sendable, Equatable {
        public var kind: String
        public var label: String
        public var score: Double
        public var evidence: String?
        /// Why the tag was given, for a person.
        public var detail: String?
        public init(kind: String, label: String, score: Double, evidence: String? = nil, detail: String? = nil) {
            self.kind = kind
            self.label = label
            self.score = score
            self.evidence = evidence
            self.detail = detail
        }
    }

    public var tags: [Tag]
    /// A place inferred from a recognised landmark, used when the photo has no EXIF place.
    public var landmarkPlace: PhotoPlaceRecord?
    /// The photo's compact embedding (unit length), stored as float16 (`photo_embeddings`).
    public var embedding: [Float]?

    public init(tags: [Tag], landmarkPlace: PhotoPlaceRecord? = nil, embedding: [Float]? = nil) {
        self.tags = tags
        self.landmarkPlace = landmarkPlace
        self.embedding = embedding
    }

    public init(tags: [(kind: String, label: String, score: Double)], landmarkPlace: PhotoPlaceRecord? = nil) {
        self.init(tags: tags.map { Tag(kind: $0.kind, label: $0.label, score: $0.score) }, landmarkPlace: landmarkPlace)
    }
}

extension Catalog {
    /// Records a file seen on disk. A new path is inserted as pending; a known path whose size or mtime
    /// changed goes back to pending; an unchanged one is left alone. Returns the row and whether it needs ingest.
    @discardableResult
    public func notePhoto(
        _ file: FileIdentity, now: Date = Date()
    ) throws(CatalogError) -> (photo: PhotoRecord, needsIngest: Bool) {
        try write { db in try Self.note(db, file, now: now) }
    }

    /// Which of `files` ingest has to read: new paths, and known ones that changed, came back from removal or are
    /// still pending. A read only, so a pass over unchanged files writes nothing.
    public func needsIngest(_ files: [FileIdentity]) throws(CatalogError) -> [Bool] {
        try read { db in
            try files.map { file in
                guard let photo = try Self.photo(db, path: file.path) else {
                    return true
                }
                return Self.differs(photo, from: file) || photo.state == .removed || photo.state == .pending
            }
        }
    }

    /// Notes each file (as `notePhoto`) and stores what ingest learnt about it (as `storeIngest`), the whole batch in
    /// one transaction: every file or none. A record's photo id is set here. A file found unchanged by then is left
    /// alone and has no id in the answer.
    /// With `pairing`, a camera raw file and a JPEG or HEIF of the same stem in one folder become a RAW+JPEG pair
    /// (`Catalog+Pairs.swift`); without, pairs of these files are undone.
    @discardableResult
    public func storeIngest(
        _ batch: [(file: FileIdentity, record: IngestRecord)], pairing: Bool = true, now: Date = Date()
    ) throws(CatalogError) -> [Int64?] {
        guard !batch.isEmpty else { return [] }
        return try write { db in
            try batch.map { item -> Int64? in
                let (photo, needsIngest) = try Self.note(db, item.file, now: now)
                guard needsIngest, let id = photo.id else { return nil }
                var record = item.record
                record.photoId = id
                record.facts?.photoId = id
                record.place?.photoId = id
                try Self.storeIngest(db, record, now: now)
                try Self.updatePair(db, path: item.file.path, enabled: pairing)
                return id
            }
        }
    }

    private static func photo(_ db: Database, path: String) throws -> PhotoRecord? {
        try PhotoRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM photos WHERE path = ?"), arguments: [path])
    }

    private static func differs(_ photo: PhotoRecord, from file: FileIdentity) -> Bool {
        photo.size != file.size || photo.mtimeNs != file.mtimeNs || photo.device != file.device
            || photo.inode != file.inode
    }

    private static func note(
        _ db: Database, _ file: FileIdentity, now: Date
    ) throws -> (photo: PhotoRecord, needsIngest: Bool) {
        if var photo = try Self.photo(db, path: file.path) {
            let changed = differs(photo, from: file)
            let wasRemoved = photo.state == .removed
            guard changed || wasRemoved || photo.state == .pending else { return (photo, false) }
            photo.device = file.device
            photo.inode = file.inode
            photo.size = file.size
            photo.mtimeNs = file.mtimeNs
            photo.removedAt = nil
            photo.updatedAt = now
            if changed {
                photo.contentHash = nil
            }
            // A changed file, or one back from removal, has its cheap facts read again; its tags stay, and
            // recognition reruns only if the recognizer's version differs.
            photo.state = .pending
            photo.errorReason = nil
            try photo.update(db)
            return (photo, photo.state == .pending)
        }
        var photo = PhotoRecord(
            path: file.path, device: file.device, inode: file.inode, size: file.size, mtimeNs: file.mtimeNs,
            addedAt: now, updatedAt: now)
        try photo.insert(db)
        return (photo, true)
    }

    /// Stores what ingest learnt about a photo — its state, reason, hash, format, facts and EXIF place — in one
    /// transaction, so a crash never leaves half a photo.
    public func storeIngest(_ record: IngestRecord, now: Date = Date()) throws(CatalogError) {
        try write { db in try Self.storeIngest(db, record, now: now) }
    }

    private static func storeIngest(_ db: Database, _ record: IngestRecord, now: Date) throws {
        if let facts = record.facts {
            try facts.upsert(db)
        }
        // Cached statements: a statement on these tables compiles the album and count triggers into itself, and
        // compiling (with GRDB's authorizer) cost more than running it.
        try db.cachedStatement(sql: "DELETE FROM photo_places WHERE photoId = ? AND source = 'exif'")
            .execute(arguments: [record.photoId])
        try record.place?.insert(db)
        try db.cachedStatement(
            sql: """
                UPDATE photos SET state = ?, errorReason = ?, contentHash = ?, format = ?, decoder = ?, updatedAt = ?
                WHERE id = ?
                """
        ).execute(
            arguments: [
                record.state, record.reason, record.contentHash, record.format, record.decoder, now, record.photoId,
            ])
    }

    /// Stores a photo's facts and EXIF place and marks it indexed (for tests and tools that build catalogs).
    public func storeFacts(
        _ facts: PhotoFactsRecord, place: PhotoPlaceRecord?, contentHash: String?, now: Date = Date()
    ) throws(CatalogError) {
        try storeIngest(
            IngestRecord(photoId: facts.photoId, contentHash: contentHash, state: .indexed, facts: facts, place: place),
            now: now)
    }

    /// Marks a photo damaged with the reason, keeping whatever was known about it.
    public func markDamaged(photoId: Int64, reason: String, now: Date = Date()) throws(CatalogError) {
        try markFailed(photoId: photoId, state: .damaged, reason: reason, now: now)
    }

    private func markFailed(photoId: Int64, state: PhotoRecord.State, reason: String, now: Date) throws(CatalogError) {
        try write { db in
            try db.execute(
                sql: "UPDATE photos SET state = ?, errorReason = ?, updatedAt = ? WHERE id = ?",
                arguments: [state, reason, now, photoId])
        }
    }

    /// Marks photos under `path` (the file, or every file below a folder) as removed. Their tags are kept
    /// until `purgeRemoved(before:)`. Returns how many were marked.
    @discardableResult
    public func markRemoved(path: String, now: Date = Date()) throws(CatalogError) -> Int {
        try write { db in try Self.markRemoved(db, path: path, now: now) }
    }

    static func markRemoved(_ db: Database, path: String, now: Date) throws -> Int {
        try db.execute(
            sql: """
                UPDATE photos SET state = 'removed', removedAt = ?, updatedAt = ?
                WHERE state <> 'removed' AND (path = ? OR substr(path, 1, ?) = ?)
                """,
            arguments: [now, now, path, path.utf8.count + 1, path + "/"])
        return db.changesCount
    }

    /// Deletes photos removed before `date`, with their facts, places, tags and recognition state.
    @discardableResult
    public func purgeRemoved(before date: Date) throws(CatalogError) -> Int {
        try write { db in
            try PhotoRecord.filter(PhotoRecord.Columns.state == "removed" && Column("removedAt") < date).deleteAll(db)
        }
    }

    /// Records the recognizers loaded now; their versions decide which photos are stale. Recognizers not in the list
    /// (no longer configured, or disabled) are turned off; their tags stay.
    public func registerRecognizers(_ recognizers: [RecognizerRecord]) throws(CatalogError) {
        try write { db in try Self.registerRecognizers(db, recognizers) }
    }

    static func registerRecognizers(_ db: Database, _ recognizers: [RecognizerRecord]) throws {
        try db.execute(
            sql: "UPDATE recognizers SET enabled = 0, status = 'not enabled in the configuration' WHERE enabled")
        for recognizer in recognizers {
            try recognizer.upsert(db)
        }
    }

    /// What a reload changes in the catalog, in one transaction, so that a reload is applied whole or not at all:
    /// the recognizers it loaded (nil: left as they are) and the photos under the folders it stops watching, marked
    /// removed. Returns how many photos were marked.
    @discardableResult
    public func commitReload(
        recognizers: [RecognizerRecord]?, removedFolders: [String], now: Date = Date()
    ) throws(CatalogError) -> Int {
        try write { db in
            if let recognizers { try Self.registerRecognizers(db, recognizers) }
            var removed = 0
            for folder in removedFolders { removed += try Self.markRemoved(db, path: folder, now: now) }
            return removed
        }
    }

    /// Changes one recognizer's enabled flag and status (an external plugin disabled after repeated failures).
    public func setRecognizerStatus(id: String, enabled: Bool, status: String, now: Date = Date()) throws(CatalogError)
    {
        try write { db in
            try db.execute(
                sql: "UPDATE recognizers SET enabled = ?, status = ?, updatedAt = ? WHERE id = ?",
                arguments: [enabled, status, now, id])
        }
    }

    /// Replaces what `recognizerId` said about a photo with a new result, in one transaction.
    public func storeRecognition(
        photoId: Int64, recognizerId: String, version: String, result: Result<RecognitionResult, RecognitionFailure>,
        now: Date = Date()
    ) throws(CatalogError) {
        try store([.result(photoId: photoId, recognizerId: recognizerId, version: version, result: result)], now: now)
    }

    /// Stores the outcomes of a batch of photos in one transaction: every write or none.
    public func store(_ writes: [RecognitionWrite], now: Date = Date()) throws(CatalogError) {
        guard !writes.isEmpty else { return }
        try write { db in
            for each in writes {
                switch each {
                case .result(let photoId, let recognizerId, let version, let result):
                    try Self.storeRecognition(
                        db, photoId: photoId, recognizerId: recognizerId, version: version, result: result, now: now)
                case .damaged(let photoId, let reason):
                    try db.cachedStatement(
                        sql: "UPDATE photos SET state = 'damaged', errorReason = ?, updatedAt = ? WHERE id = ?"
                    )
                    .execute(arguments: [reason, now, photoId])
                }
            }
        }
    }

    private static func storeRecognition(
        _ db: Database, photoId: Int64, recognizerId: String, version: String,
        result: Result<RecognitionResult, RecognitionFailure>, now: Date
    ) throws {
        try db.cachedStatement(sql: "DELETE FROM tags WHERE photoId = ? AND recognizerId = ?")
            .execute(arguments: [photoId, recognizerId])
        try db.cachedStatement(sql: "DELETE FROM photo_embeddings WHERE photoId = ? AND recognizerId = ?")
            .execute(arguments: [photoId, recognizerId])
        switch result {
        case .success(let observed):
            if let embedding = observed.embedding {
                try db.cachedStatement(
                    sql: "INSERT INTO photo_embeddings (photoId, recognizerId, vector) VALUES (?, ?, ?)"
                )
                .execute(arguments: [photoId, recognizerId, PhotoEmbedding.encode(embedding)])
            }
            for tag in observed.tags {
                var record = TagRecord(
                    photoId: photoId, kind: tag.kind, label: tag.label, score: tag.score,
                    recognizerId: recognizerId, recognizerVersion: version, evidence: tag.evidence,
                    detail: tag.detail)
                try record.insert(db)
            }
            if let place = observed.landmarkPlace {
                try place.upsert(db)
            }
            // A place inferred from a landmark lasts only as long as some landmark tag does.
            try db.cachedStatement(
                sql: """
                    DELETE FROM photo_places WHERE photoId = ? AND source = 'landmark'
                    AND NOT EXISTS (SELECT 1 FROM tags WHERE photoId = ? AND kind = 'landmark')
                    """
            ).execute(arguments: [photoId, photoId])
            try RecognitionRecord(
                photoId: photoId, recognizerId: recognizerId, recognizerVersion: version, state: .done,
                updatedAt: now
            ).upsert(db)
        case .failure(let failure):
            try RecognitionRecord(
                photoId: photoId, recognizerId: recognizerId, recognizerVersion: version, state: .failed,
                error: failure.reason, updatedAt: now
            ).upsert(db)
        }
        // The raw file of a RAW+JPEG pair carries what its partner was given.
        for companion in try companions(db, of: photoId) {
            try copyRecognition(db, from: photoId, to: companion, recognizerId: recognizerId)
        }
    }
}

/// One outcome of recognition to store with others of the same batch (`Catalog.store(_:)`).
public enum RecognitionWrite: Sendable {
    /// What one recognizer said about one photo, or why it failed.
    case result(
        photoId: Int64, recognizerId: String, version: String, result: Result<RecognitionResult, RecognitionFailure>)
    /// The photo cannot be decoded: it is marked damaged with the reason.
    case damaged(photoId: Int64, reason: String)
}

/// Why a recognizer failed on one photo; stored so `cairn status` and `cairn photo` can show it.
public struct RecognitionFailure: Error, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}
