import CairnCatalog
import CairnTesting
import Foundation
import Testing

@Suite struct CatalogQueryTests {
    let folder = TemporaryDirectory()
    let catalog: Catalog

    init() throws {
        catalog = try LibraryFixture.writeCatalog(at: folder.file("cairn.sqlite"))
    }

    @Test func albumsGroupCountryCityLandmarkWithCounts() throws {
        let tree = try catalog.albums()
        #expect(tree.countries.map(\.country) == ["Germany", "Italy"])
        let germany = try #require(tree.countries.first)
        #expect(germany.countryCode == "DE")
        #expect(germany.photos == 5)
        #expect(germany.cities.map(\.city) == ["Berlin", "Cologne"])
        #expect(germany.cities.map(\.photos) == [3, 2])
        let berlin = germany.cities[0]
        #expect(berlin.landmarks.map(\.landmark) == ["Brandenburg Gate", "Berlin Cathedral"])
        #expect(berlin.landmarks.map(\.photos) == [2, 1])
        let rome = try #require(tree.countries.last?.cities.first)
        #expect(rome.city == "Rome")
        #expect(rome.landmarks.map(\.landmark) == ["Colosseum"])
        #expect(tree.unplacedPhotos == 2)
    }

    @Test func albumsNarrowByCountryOrCity() throws {
        #expect(try catalog.albums(country: "it").countries.map(\.country) == ["Italy"])
        let cologne = try catalog.albums(city: "cologne")
        #expect(cologne.countries.map(\.photos) == [2])
        #expect(cologne.countries.first?.cities.map(\.city) == ["Cologne"])
        #expect(try catalog.albums(country: "Narnia").countries.isEmpty)
    }

    @Test func photosFilterByPlaceTagLandmarkAndDate() throws {
        #expect(try catalog.photos(matching: PhotoFilter(city: "Berlin")).count == 3)
        #expect(try catalog.photos(matching: PhotoFilter(landmark: "colosseum")).count == 3)
        #expect(try catalog.photos(matching: PhotoFilter(tag: "hen")).count == 1)
        #expect(try catalog.photos(matching: PhotoFilter(tag: "hen", tagKind: "landmark")).isEmpty)
        // Days 1–3 are the Colosseum photos, 4–5 the Brandenburg Gate.
        let range = try catalog.photos(matching: PhotoFilter(from: "2024-05-03", to: "2024-05-04"))
        #expect(range.map(\.takenAt) == ["2024-05-04T10:00:00", "2024-05-03T10:00:00"])
        #expect(range.map(\.landmark) == ["Brandenburg Gate", "Colosseum"])
        let all = try catalog.photos(matching: PhotoFilter())
        #expect(all.count == 11)
        #expect(all.last?.state == "damaged" || all.contains { $0.state == "damaged" })
        #expect(try catalog.photos(matching: PhotoFilter(limit: 2)).count == 2)
    }

    @Test func photoDetailsHoldFactsPlaceTagsAndRecognition() throws {
        let path = try LibraryFixture.photos(of: "colosseum", count: 1)[0].path
        let photo = try catalog.photo(path: path)
        #expect(photo.state == "indexed")
        #expect(photo.facts?.latitude == 41.8902)
        // The EXIF place and the Colosseum's; the albums (and `place`) use the EXIF one.
        #expect(photo.places.map(\.city) == ["Rome", "Rome"])
        #expect(photo.places.map(\.source) == ["exif", "landmark"])
        #expect(photo.places.last?.gazetteer == "landmark:colosseum")
        #expect(photo.place?.source == "exif")
        #expect(photo.tags.map(\.label) == ["Colosseum"])
        #expect(photo.recognition.map(\.state) == ["done"])
        #expect((#expect(throws: CatalogError.self) { try catalog.photo(path: "/nope.jpg") })?.code == .notFound)
    }

    @Test func namesToMatchComeFromTheCountsWithLandmarkKeys() throws {
        #expect(
            try catalog.countryNames()
                == [
                    CountryName(country: "Germany", countryCode: "DE", photos: 5),
                    CountryName(country: "Italy", countryCode: "IT", photos: 3),
                ])
        #expect(try catalog.cityNames().map(\.city) == ["Berlin", "Rome", "Cologne"])
        #expect(
            try catalog.cityNames(country: "Germany")
                == [
                    CityName(city: "Berlin", country: "Germany", photos: 3),
                    CityName(city: "Cologne", country: "Germany", photos: 2),
                ])
        #expect(try catalog.cityNames(country: "germany").isEmpty)  // an exact name: cairn resolves it first
        #expect(
            try catalog.landmarkNames()
                == [
                    LandmarkName(name: "Colosseum", key: "colosseum", photos: 3),
                    LandmarkName(name: "Brandenburg Gate", key: "brandenburg_gate", photos: 2),
                    LandmarkName(name: "Cologne Cathedral", key: "cologne_cathedral", photos: 2),
                    LandmarkName(name: "Berlin Cathedral", key: "berlin_cathedral", photos: 1),
                ])
        // A landmark tag whose photo records no key (written by a plugin without a place): its name alone.
        let hen = try #require(try catalog.photoID(path: TestPaths.data("distractors-dev/n01514859_hen.jpg").path))
        try catalog.storeRecognition(
            photoId: hen, recognizerId: "landmarks", version: "fixture-1",
            result: .success(RecognitionResult(tags: [(kind: "landmark", label: "Hen House", score: 0.5)])))
        #expect(try catalog.landmarkNames().last == LandmarkName(name: "Hen House", key: nil, photos: 1))
    }

    @Test func tagCountsAndStatus() throws {
        let tags = try catalog.tagCounts()
        #expect(tags.first.map { [$0.kind, $0.label, "\($0.photos)"] } == ["landmark", "Colosseum", "3"])
        #expect(try catalog.tagCounts(kind: "scene").map(\.label) == ["hen", "tench"])
        let status = try catalog.status()
        #expect(status.totalPhotos == 11)
        #expect(status.photos == ["indexed": 10, "damaged": 1, "unsupported": 0, "pending": 0, "removed": 0])
        // Each recognizer ran only on its own photos, so the rest are queued for it.
        #expect(status.recognizers.map(\.id) == ["landmarks", "scene-tags"])
        #expect(status.recognizers.map(\.done) == [8, 2])
        #expect(status.recognizers.map(\.queued) == [2, 8])
        #expect(status.queue == 10)
        #expect(status.lastErrors.map(\.stage) == ["ingest"])
    }

    @Test func aNewRecognizerVersionMakesItsPhotosStale() throws {
        try catalog.registerRecognizers([
            RecognizerRecord(id: "landmarks", version: "fixture-2", enabled: true),
            RecognizerRecord(id: "scene-tags", version: LibraryFixture.recognizerVersion, enabled: true),
        ])
        let status = try catalog.status()
        #expect(status.recognizers.first { $0.id == "landmarks" }?.queued == 10)
        #expect(status.recognizers.first { $0.id == "landmarks" }?.done == 0)
        // Re-recognition goes newest photos first (by date taken; undated ones last), with their EXIF facts.
        let due = try catalog.pendingRecognition(limit: 20)
        #expect(due.count == 10)
        #expect(due.prefix(3).map(\.takenAt) == ["2024-05-08T10:00:00", "2024-05-07T10:00:00", "2024-05-06T10:00:00"])
        #expect(due.last?.takenAt == nil)
        #expect(due.first?.cameraModel == "iPhone 13" && due.first?.width == 512)
        #expect(due.first?.staleRecognizers.contains("landmarks") == true)
    }

    @Test func recognizersLeftOutOrDisabledAreTurnedOffWithTheReason() throws {
        try catalog.registerRecognizers([
            RecognizerRecord(id: "scene-tags", version: "fixture-1", enabled: true, status: "loaded")
        ])
        var status = try catalog.status()
        #expect(
            status.recognizers.first { $0.id == "landmarks" }.map { [$0.enabled ? "on" : "off", $0.status ?? ""] }
                == ["off", "not enabled in the configuration"])
        #expect(status.recognizers.first { $0.id == "landmarks" }?.queued == 0)
        try catalog.setRecognizerStatus(id: "scene-tags", enabled: false, status: "disabled after 5 failures in a row")
        status = try catalog.status()
        #expect(status.recognizers.first { $0.id == "scene-tags" }?.status == "disabled after 5 failures in a row")
        #expect(status.queue == 0)
        #expect(try catalog.pendingRecognition(limit: 10).isEmpty)
    }

    @Test func changedRemovedAndPurgedFiles() throws {
        let file = FileIdentity(path: "/lib/a/x.jpg", device: 1, inode: 7, size: 10, mtimeNs: 5)
        #expect(try catalog.notePhoto(file).needsIngest)
        try catalog.storeFacts(
            PhotoFactsRecord(photoId: try catalog.notePhoto(file).photo.id!), place: nil, contentHash: "h")
        #expect(try catalog.notePhoto(file).needsIngest == false)
        var edited = file
        edited.mtimeNs = 6
        #expect(try catalog.notePhoto(edited).needsIngest)

        try catalog.notePhoto(FileIdentity(path: "/lib/ab/y.jpg", device: 1, inode: 8, size: 1, mtimeNs: 1))
        // Removing folder /lib/a does not touch /lib/ab.
        #expect(try catalog.markRemoved(path: "/lib/a") == 1)
        #expect(try catalog.activePhotos(under: "/lib").map(\.path) == ["/lib/ab/y.jpg"])
        #expect(try catalog.purgeRemoved(before: Date.distantPast) == 0)
        #expect(try catalog.purgeRemoved(before: Date().addingTimeInterval(1)) == 1)
    }

    @Test func recognitionReplacesThatRecognizersTagsOnly() throws {
        let path = try LibraryFixture.photos(of: "colosseum", count: 1)[0].path
        let id = try #require(try catalog.photoID(path: path))
        try catalog.storeRecognition(
            photoId: id, recognizerId: "scene-tags", version: "fixture-1",
            result: .success(RecognitionResult(tags: [(kind: "scene", label: "amphitheatre", score: 0.7)])))
        try catalog.storeRecognition(
            photoId: id, recognizerId: "landmarks", version: "fixture-1",
            result: .failure(RecognitionFailure(reason: "pack missing")))
        let photo = try catalog.photo(path: path)
        #expect(photo.tags.map(\.label) == ["amphitheatre"])
        #expect(photo.recognition.map(\.state) == ["failed", "done"])
        #expect(try catalog.status().lastErrors.first?.reason == "pack missing")
    }
}
