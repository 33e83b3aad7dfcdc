import CairnTesting
import Foundation
import GRDB
import Testing

@testable import CairnCatalog

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
            #expect(
                try catalog.photos(matching: PhotoFilter(city: city))
                    == all.filter { $0.city?.lowercased() == city.lowercased() }, "\(step): \(city)")
        }
        #expect(
            try catalog.photos(matching: PhotoFilter(country: "IT", limit: 2))
                == Array(all.filter { $0.country == "Italy" }.prefix(2)), "\(step)")
        #expect(try catalog.photos(matching: PhotoFilter(limit: 4)) == Array(all.prefix(4)), "\(step)")
        #expect(try catalog.tagCounts() == catalog.tagCountsByGrouping(), "\(step)")
        #expect(try catalog.tagCounts(kind: "landmark") == catalog.tagCountsByGrouping(kind: "landmark"), "\(step)")
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
        try catalog.storeRecognition(
            photoId: unplacedId, recognizerId: "landmarks", version: "2", result: .success(sighting))
        try expectAgreement("a landmark places a photo without GPS")
        #expect(
            try catalog.albums(city: "paris").countries.first?.cities.first?.landmarks.map(\.landmark) == [
                "Eiffel Tower"
            ])

        let berlin = try #require(all.first { $0.city == "Berlin" })
        #expect(try catalog.markRemoved(path: berlin.path) == 1)
        try expectAgreement("a photo removed")
        let berlinId = try #require(try catalog.photoID(path: berlin.path))
        try catalog.store([.damaged(photoId: berlinId, reason: "truncated")])
        try expectAgreement("the removed photo back, damaged")

        try catalog.storeRecognition(
            photoId: unplacedId, recognizerId: "landmarks", version: "3",
            result: .failure(RecognitionFailure(reason: "x")))
        try expectAgreement("a failure keeps the landmark")
        try catalog.storeRecognition(
            photoId: unplacedId, recognizerId: "landmarks", version: "4",
            result: .success(RecognitionResult(tags: [RecognitionResult.Tag]())))
        try expectAgreement("no landmark any more: the landmark place goes")

        let rome = try #require(all.first { $0.city == "Rome" })
        try catalog.movePhoto(from: rome.path, to: rome.path + ".moved.jpg")
        try expectAgreement("a photo moved")
        #expect(try catalog.markRemoved(path: rome.path + ".moved.jpg") == 1)
        #expect(try catalog.purgeRemoved(before: Date().addingTimeInterval(1)) >= 1)
        try expectAgreement("a photo purged")
    }

    /// RAW+JPEG pairs (v7): the raw file of a pair is no album member and not unplaced either; it carries its
    /// partner's tags; the counts follow a pair made, recognised, broken by removal, and made again.
    @Test func pairsFollowEveryWrite() throws {
        let all = try catalog.photos(matching: PhotoFilter())
        let jpeg = try #require(all.first { $0.city == "Berlin" && $0.state == "indexed" })
        let jpegId = try #require(try catalog.photoID(path: jpeg.path))
        let albumsBefore = try catalog.albums()
        let stem = String(jpeg.path.dropLast(4))
        let place = PhotoPlaceRecord(
            photoId: 0, source: .exif, countryCode: "DE", country: "Germany", adminRegion: "Berlin", city: "Berlin",
            gazetteerVersion: "test")
        func raw(_ suffix: String, inode: Int64) -> (file: FileIdentity, record: IngestRecord) {
            (
                FileIdentity(path: stem + suffix, device: 1, inode: inode, size: 10, mtimeNs: 1),
                IngestRecord(photoId: 0, format: "raw", state: .indexed, place: place)
            )
        }
        try catalog.storeIngest([raw(".NEF", inode: 900_001), raw(".xmp.NEF", inode: 900_002)])
        try expectAgreement("a raw file beside a JPEG")
        // Berlin gains the raw file of another stem only: the pair counts once.
        let berlin = { (tree: AlbumTree) in tree.countries.first { $0.country == "Germany" }?.photos ?? 0 }
        #expect(try berlin(catalog.albums()) == berlin(albumsBefore) + 1)
        #expect(try catalog.albums().unplacedPhotos == albumsBefore.unplacedPhotos)
        #expect(try catalog.photo(path: stem + ".NEF").pairedWith == [jpeg.path])
        #expect(try catalog.photo(path: stem + ".xmp.NEF").pairedWith.isEmpty, "another stem")
        #expect(try catalog.pendingRecognition(limit: 10_000).allSatisfy { $0.path != stem + ".NEF" })

        let result = RecognitionResult(tags: [(kind: "scene", label: "church", score: 0.7)])
        try catalog.storeRecognition(
            photoId: jpegId, recognizerId: "scene-tags", version: "9", result: .success(result))
        try expectAgreement("the partner recognised")
        let partner = try catalog.photo(path: jpeg.path), companion = try catalog.photo(path: stem + ".NEF")
        #expect(companion.tags.map(\.label).contains("church"))
        #expect(companion.tags.map(\.label) == partner.tags.map(\.label))
        #expect(companion.recognition.map(\.version) == partner.recognition.map(\.version))

        #expect(try catalog.markRemoved(path: jpeg.path) == 1)
        try expectAgreement("the partner removed: the raw file stands alone")
        #expect(try catalog.photo(path: stem + ".NEF").pairedWith.isEmpty)
        #expect(try catalog.photo(path: stem + ".NEF").recognition.isEmpty, "due again, for its own preview")
        try catalog.store([.damaged(photoId: jpegId, reason: "back, damaged")])
        try catalog.storeIngest(IngestRecord(photoId: jpegId, state: .indexed))
        try catalog.storeIngest([raw(".NEF", inode: 900_003)])
        try expectAgreement("paired again when the raw file is ingested")
        #expect(try catalog.photo(path: stem + ".NEF").pairedWith == [jpeg.path])
        try catalog.movePhoto(from: stem + ".NEF", to: stem + "-renamed.NEF")
        try expectAgreement("the raw file renamed away from its partner")
        #expect(try catalog.photo(path: stem + "-renamed.NEF").pairedWith.isEmpty)
    }

    /// The v4 counts (damaged album members, tags per label) through states, duplicate tags, removal and purging.
    @Test func memberStatesAndTagCountsFollowEveryWrite() throws {
        let all = try catalog.photos(matching: PhotoFilter())
        let placed = try all.filter { $0.country != nil }.map { try #require(try catalog.photoID(path: $0.path)) }
        let unplacedBefore = try catalog.albums().unplacedPhotos
        // A placed photo found damaged at decode leaves the album count of unplaced photos alone; back to indexed too.
        try catalog.store([.damaged(photoId: placed[0], reason: "truncated")])
        try expectAgreement("a placed photo damaged")
        #expect(try catalog.albums().unplacedPhotos == unplacedBefore)
        try catalog.storeIngest(IngestRecord(photoId: placed[0], state: .indexed))
        try expectAgreement("indexed again")

        // Two recognizers giving one photo the same label count it once; one of them dropping it keeps it counted.
        let tagged = placed[1]
        let hen = RecognitionResult(tags: [
            (kind: "scene", label: "hen", score: 0.5), (kind: "scene", label: "hen", score: 0.4),
        ])
        try catalog.storeRecognition(photoId: tagged, recognizerId: "scene-tags", version: "2", result: .success(hen))
        try catalog.storeRecognition(photoId: tagged, recognizerId: "other", version: "1", result: .success(hen))
        try expectAgreement("one label twice from two recognizers")
        let henBefore = try #require(try catalog.tagCounts(kind: "scene").first { $0.label == "hen" }).photos
        try catalog.storeRecognition(
            photoId: tagged, recognizerId: "other", version: "2",
            result: .success(RecognitionResult(tags: [RecognitionResult.Tag]())))
        try expectAgreement("one recognizer drops the label")
        #expect(try catalog.tagCounts(kind: "scene").first { $0.label == "hen" }?.photos == henBefore)

        // Removed, back, removed again, purged; a tag row changed in place.
        let path = try #require(all.first { try catalog.photoID(path: $0.path) == tagged }).path
        #expect(try catalog.markRemoved(path: path) == 1)
        try expectAgreement("a tagged photo removed")
        #expect(try catalog.tagCounts(kind: "scene").first { $0.label == "hen" }?.photos == henBefore - 1)
        try catalog.store([.damaged(photoId: tagged, reason: "back, damaged")])
        try expectAgreement("back from removal")
        let writer = try DatabaseQueue(path: catalog.path)
        try writer.write { db in
            try db.execute(
                sql: "UPDATE tags SET label = 'rooster' WHERE photoId = ? AND label = 'hen'", arguments: [tagged])
            try db.execute(
                sql: "UPDATE tags SET photoId = ? WHERE photoId = ? AND kind = 'landmark'",
                arguments: [placed[2], placed[3]])
            try db.execute(sql: "DELETE FROM photos WHERE id = ?", arguments: [placed[4]])
        }
        try expectAgreement("tags changed in place, a photo deleted outright")
        #expect(try catalog.markRemoved(path: path) == 1)
        #expect(try catalog.purgeRemoved(before: Date().addingTimeInterval(1)) >= 1)
        try expectAgreement("purged")
        #expect(try catalog.tagCounts().allSatisfy { $0.photos > 0 })
    }

    /// A catalog written before v4 gets its counts from what it holds when it is opened by this build.
    @Test func countsOfAnOlderCatalogAreComputedWhenItIsUpgraded() throws {
        let path = folder.file("old.sqlite")
        let old = try DatabaseQueue(path: path)
        try CatalogSchema.migrator.migrate(old, upTo: "v3: album tables kept by triggers")
        try old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO photos (id, path, device, inode, size, mtimeNs, state, addedAt, updatedAt) VALUES
                      (1, '/a.jpg', 1, 1, 1, 1, 'indexed', 0, 0), (2, '/b.jpg', 1, 2, 1, 1, 'damaged', 0, 0),
                      (3, '/c.jpg', 1, 3, 1, 1, 'removed', 0, 0), (4, '/d.jpg', 1, 4, 1, 1, 'indexed', 0, 0);
                    INSERT INTO photo_places VALUES (1, 'exif', 'IT', 'Italy', NULL, 'Rome', 'g'), (2, 'exif', 'IT', 'Italy', NULL, 'Rome', 'g');
                    INSERT INTO tags (photoId, kind, label, score, recognizerId, recognizerVersion) VALUES
                      (1, 'scene', 'palace', 0.9, 's', '1'), (1, 'scene', 'palace', 0.8, 'x', '1'),
                      (3, 'scene', 'palace', 0.9, 's', '1'), (4, 'scene', 'palace', 0.9, 's', '1');
                    """)
        }
        try old.close()
        let upgraded = try Catalog.openForWriting(path: path)
        #expect(try upgraded.appliedMigrations() == Catalog.knownMigrations)
        #expect(try upgraded.tagCounts() == [TagCount(kind: "scene", label: "palace", photos: 2)])
        #expect(try upgraded.tagCounts() == upgraded.tagCountsByGrouping())
        #expect(try upgraded.albums() == upgraded.albumsByGrouping())
        #expect(try upgraded.albums().unplacedPhotos == 1)
    }
}
