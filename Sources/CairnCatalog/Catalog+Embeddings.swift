import Foundation
import GRDB

/// A photo's compact embedding as the catalog keeps it (`photo_embeddings`, v10): float16 values, little-endian,
/// 2 bytes each (128 values: 256 bytes a photo).
public struct PhotoEmbedding: Sendable, Equatable {
    public var photoId: Int64
    public var vector: [Float]

    public init(photoId: Int64, vector: [Float]) {
        self.photoId = photoId
        self.vector = vector
    }

    /// The stored form: each value rounded to float16.
    public static func encode(_ values: [Float]) -> Data {
        var data = Data(capacity: values.count * 2)
        for value in values {
            let bits = Float16(value).bitPattern.littleEndian
            data.append(UInt8(truncatingIfNeeded: bits))
            data.append(UInt8(truncatingIfNeeded: bits >> 8))
        }
        return data
    }

    /// The values of a stored vector; nil when it is not a whole number of float16 values.
    public static func decode(_ data: Data) -> [Float]? {
        guard data.count % 2 == 0 else { return nil }
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count, by: 2).map { i in
            Float(Float16(bitPattern: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8))
        }
    }
}

extension Catalog {
    /// The embeddings `recognizerId` made at its current version, of photos that are indexed, by photo id. Photos
    /// it has not reached yet, or reached at an older version, are not among them.
    public func embeddings(recognizerId: String) throws(CatalogError) -> [PhotoEmbedding] {
        try discoverySources(recognizerId: recognizerId).map { PhotoEmbedding(photoId: $0.photoId, vector: $0.vector) }
    }

    /// The bytes of vectors `recognizerId` has stored, every version and photo included (what they add to the
    /// catalog, before SQLite's own row and page overhead).
    public func embeddingBytes(recognizerId: String) throws(CatalogError) -> Int {
        try read { db in
            try Int.fetchOne(
                db, sql: "SELECT coalesce(sum(length(vector)), 0) FROM photo_embeddings WHERE recognizerId = ?",
                arguments: [recognizerId]) ?? 0
        }
    }
}
