@testable import CairnCatalog
import CairnTesting
import Foundation
import Testing

/// The album tables (migration v3) are kept by triggers; after every kind of write they must say what grouping the
/// photos themselves says.
@Suite struct AlbumTablesTests {
    let folder = TemporaryDirectory()
    let catalog: Catalog

    init() throws {
        catalog = try LibraryFixture.writeCatalog(at: folder.file("cairn.sqlite"))
    }

    private func expectAgreement(_ step: String) throws {
        #expect(try catalog.albums() == catalog.albumsByGrouping(), "\(step)")
        #expect(try catalog.albums(country: "de") == catalog.albumsByGrouping(country: "de"), "\(step)")
        #expect(try catalog.albums(city: "BERLIN") == catalog.albumsByGrouping(city: "BERLIN"), "\(step)")
        let all = try catalog.photos(matching: PhotoFilter())
        for city in ["Berlin", "rome", "Paris"] {
            #expect(try catalog.photos(matching: PhotoFilter(city: city))
                == all.filter { $0.city?.lowercased() == city.lowercased() }, "\(step): \(city)")
        }
        #expect(try catalog.photos(matching: PhotoFilter(country: "IT", limit: 2))
            == Array(all.filter { $0.country == "Italy" }.prefix(2)), "\(step)")
        #expect(try catalog.photos(matching: PhotoFilter(limit: 4)) == Array(all.prefix(4)), "\(step)")
    }

    @Test func albumTablesFollowEveryWrite() throws {
        try expectAgreement("fixture")
        let all = try catalog.photos(matching: PhotoFilter())
        let unplaced = try #require(all.first { $0.country == nil && $0.state == "indexed" })
        let unplacedId = try #require(try catalog.photoID(path: unplaced.path))
        let sighting = RecognitionResult(
            tags: [RecognitionResult.Tag(kind: "landmark", label: "Eiffel Tower", score: 0.9, evidence: "references")],
            landmarkPlace: PhotoPlaceRecord(
                photoId: unplacedId, source: .landmark, countryCode: nil, country: "France", adminRegion: nil,
                city: "Paris", gazetteerVersion: "landmark:eiffel"))
        try catalog.storeRecognition(photoId: unplacedId, recognizerId: "landmarks", version: "2", result: .success(sighting))
        try expectAgreement("a landmark places a photo without GPS")
        #expect(try catalog.albums(city: "paris").countries.first?.cities.first?.landmarks.map(\.landmark) == ["Eiffel Tower"])

        let berlin = try #require(all.first { $0.city == "Berlin" })
        #expect(try catalog.markRemoved(path: berlin.path) == 1)
        try expectAgreement("a photo removed")
        let berlinId = try #require(try catalog.photoID(path: berlin.path))
        try catalog.store([.damaged(photoId: berlinId, reason: "truncated")])
        try expectAgreement("the removed photo back, damaged")

        try catalog.storeRecognition(
            photoId: unplacedId, recognizerId: "landmarks", version: "3", result: .failure(RecognitionFailure(reason: "x")))
        try expectAgreement("a failure keeps the landmark")
        try catalog.storeRecognition(
            photoId: unplacedId, recognizerId: "landmarks", version: "4", result: .success(RecognitionResult(tags: [RecognitionResult.Tag]())))
        try expectAgreement("no landmark any more: the landmark place goes")

        let rome = try #require(all.first { $0.city == "Rome" })
        try catalog.movePhoto(from: rome.path, to: rome.path + ".moved.jpg")
        try expectAgreement("a photo moved")
        #expect(try catalog.markRemoved(path: rome.path + ".moved.jpg") == 1)
        #expect(try catalog.purgeRemoved(before: Date().addingTimeInterval(1)) >= 1)
        try expectAgreement("a photo purged")
    }
}
