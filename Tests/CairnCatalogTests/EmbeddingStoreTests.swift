import CairnCatalog
import CairnTesting
import Foundation
import Testing

/// Compact embeddings stored with recognition results (`photo_embeddings`, v10), in the fixture catalog of real
/// photos.
@Suite struct EmbeddingStoreTests {
    let folder = TemporaryDirectory()
    let catalog: Catalog
    let photoIds: [Int64]

    init() throws {
        catalog = try LibraryFixture.writeCatalog(at: folder.file("cairn.sqlite"))
        try catalog.registerRecognizers([
            RecognizerRecord(id: "embeddings", version: "e1", enabled: true, status: "loaded"),
            RecognizerRecord(
                id: "landmarks", version: LibraryFixture.recognizerVersion, enabled: true, status: "loaded"),
            RecognizerRecord(
                id: "scene-tags", version: LibraryFixture.recognizerVersion, enabled: true, status: "loaded"),
        ])
        let catalog = catalog
        photoIds = try LibraryFixture.photos(of: "colosseum", count: 3).map {
            try #require(try catalog.photoID(path: $0.path))
        }
    }

    static func vector(_ seed: Int) -> [Float] {
        var values = (0..<128).map { Float(sin(Double($0 * 7 + seed))) }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in values.indices { values[i] /= norm }
        return values
    }

    func store(_ photoId: Int64, _ vector: [Float]?, version: String = "e1") throws {
        try catalog.storeRecognition(
            photoId: photoId, recognizerId: "embeddings", version: version,
            result: .success(RecognitionResult(tags: [], embedding: vector)))
    }

    @Test func anEmbeddingIsStoredAsFloat16AndReadBackWithItsPhoto() throws {
        try store(photoIds[0], Self.vector(1))
        try store(photoIds[1], Self.vector(2))
        let stored = try catalog.embeddings(recognizerId: "embeddings")
        #expect(stored.map(\.photoId) == photoIds.prefix(2).sorted())
        let first = try #require(stored.first { $0.photoId == photoIds[0] })
        #expect(first.vector.count == 128)
        // float16 keeps 11 significant bits: within 2^-11 of a value below 1.
        #expect(zip(first.vector, Self.vector(1)).allSatisfy { abs($0 - $1) <= 1.0 / 2048 })
        let size = try catalog.embeddingBytes(recognizerId: "embeddings")
        #expect(size == 2 * 128 * 2)
    }

    @Test func onlyTheCurrentVersionsEmbeddingsOfIndexedPhotosAreRead() throws {
        try store(photoIds[0], Self.vector(1))
        try store(photoIds[1], Self.vector(2), version: "e0")
        try store(photoIds[2], Self.vector(3))
        #expect(
            try catalog.embeddings(recognizerId: "embeddings").map(\.photoId) == [photoIds[0], photoIds[2]].sorted())
        // A photo removed from disk is no longer compared; purged, its embedding goes with it.
        let removed = try LibraryFixture.photos(of: "colosseum", count: 3)[2].path
        #expect(try catalog.markRemoved(path: removed, now: Date(timeIntervalSince1970: 0)) == 1)
        #expect(try catalog.embeddings(recognizerId: "embeddings").map(\.photoId) == [photoIds[0]])
        #expect(try catalog.purgeRemoved(before: Date(timeIntervalSince1970: 1)) == 1)
        #expect(try catalog.embeddingBytes(recognizerId: "embeddings") == 2 * 128 * 2)
        // A newer version that failed on a photo leaves it no embedding.
        try catalog.storeRecognition(
            photoId: photoIds[0], recognizerId: "embeddings", version: "e1",
            result: .failure(RecognitionFailure(reason: "backbone gave 12 features")))
        #expect(try catalog.embeddings(recognizerId: "embeddings").isEmpty)
        #expect(try catalog.embeddingBytes(recognizerId: "embeddings") == 128 * 2)
    }

    @Test func aDamagedVectorIsLeftOut() throws {
        #expect(PhotoEmbedding.decode(Data([1, 2, 3])) == nil)
        #expect(PhotoEmbedding.decode(PhotoEmbedding.encode([0.5, -0.25, 1])) == [0.5, -0.25, 1])
    }
}
