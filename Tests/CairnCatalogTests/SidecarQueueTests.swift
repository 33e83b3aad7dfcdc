import CairnTesting
import Foundation
import Testing

@testable import CairnCatalog

/// The sidecar queue (migration v9) is kept by triggers: every change to what a sidecar says puts its photo due, and a
/// purged photo leaves its sidecar's path to be cleaned.
@Suite struct SidecarQueueTests {
    let folder = TemporaryDirectory()
    let catalog: Catalog

    init() throws {
        catalog = try LibraryFixture.writeCatalog(at: folder.file("cairn.sqlite"))
    }

    private func drain() throws -> Set<Int64> {
        let due = try catalog.dueSidecars(limit: 10_000)
        try catalog.finishSidecars(due)
        return Set(due)
    }

    @Test func everyChangeOfTagsPlacesOrPathPutsThePhotoDue() throws {
        let all = try catalog.photos(matching: PhotoFilter())
        #expect(try drain().count > 0)  // the fixture's own writes
        #expect(try drain().isEmpty)
        let unplaced = try #require(all.first { $0.country == nil && $0.state == "indexed" })
        let id = try #require(try catalog.photoID(path: unplaced.path))
        let sighting = RecognitionResult(
            tags: [RecognitionResult.Tag(kind: "landmark", label: "Eiffel Tower", score: 0.9, evidence: "references")],
            landmarkPlace: PhotoPlaceRecord(
                photoId: id, source: .landmark, countryCode: "FR", country: "France", adminRegion: nil,
                city: "Paris", gazetteerVersion: "landmark:eiffel", latitude: 48.8584, longitude: 2.2945))
        try catalog.storeRecognition(photoId: id, recognizerId: "landmarks", version: "2", result: .success(sighting))
        #expect(try drain() == [id])
        // The landmark's position is kept with its place.
        let source = try #require(try catalog.sidecarSources([id]).first)
        #expect(source.places.first { $0.source == .landmark }?.latitude == 48.8584)
        #expect(source.tags.filter { $0.kind == "landmark" }.map(\.label) == ["Eiffel Tower"])
        // Recognised again with another version: due again, even with the same tags.
        try catalog.storeRecognition(photoId: id, recognizerId: "landmarks", version: "3", result: .success(sighting))
        #expect(try drain() == [id])
        // Moved.
        try catalog.movePhoto(from: unplaced.path, to: unplaced.path + ".moved.jpg")
        #expect(try drain() == [id])
        // Nothing that a sidecar says: not due.
        try catalog.storeRecognition(
            photoId: id, recognizerId: "other", version: "1", result: .failure(RecognitionFailure(reason: "x")))
        #expect(try drain().isEmpty)
        // Purged: its sidecar's path is left for cleaning, and it leaves the queue.
        try catalog.recordSidecar(
            photoId: id, SidecarRecord(path: "/x/a.jpg.xmp", placement: "beside", fingerprint: "f", error: nil))
        try catalog.storeRecognition(photoId: id, recognizerId: "landmarks", version: "4", result: .success(sighting))
        #expect(try catalog.markRemoved(path: unplaced.path + ".moved.jpg") == 1)
        #expect(try catalog.purgeRemoved(before: Date().addingTimeInterval(1)) >= 1)
        #expect(try catalog.sidecarOrphans(limit: 10) == ["/x/a.jpg.xmp"])
        #expect(try drain().isEmpty)
        #expect(try catalog.sidecarSources([id]).isEmpty)
    }

    @Test func aNewPlacementPutsEveryIndexedPhotoDue() throws {
        _ = try drain()
        let indexed = try catalog.status().photos["indexed"] ?? 0
        #expect(try catalog.queueAllSidecars() == indexed)
        #expect(try drain().count == indexed)
        #expect(try catalog.sidecarPlacementInUse() == nil)
        try catalog.setSidecarPlacementInUse("tree:/srv/sidecars")
        #expect(try catalog.sidecarPlacementInUse() == "tree:/srv/sidecars")
    }
}
