import CairnCatalog
import CairnConfig
import CairnIndexing
import CairnPlaces
import CairnRecognition
import CairnTesting
import Foundation
import Logging
import Synchronization
import Testing

/// The one recognition runner and its one writer, over a real catalog file, with recognizers that are neither built in
/// nor external: the host reaches them through the contract only (no downcast), so a new recognizer needs nothing
/// outside its own folder and a registration line.
@Suite struct RecognitionRunnerTests {
    /// A recognizer whose behaviour each test sets, and which counts how it was ended.
    final class Scripted: Recognizer, @unchecked Sendable {
        let id: String
        var version: String { "scripted-1" }
        var usesBackbone: Bool { false }
        let answer: @Sendable (PhotoAnalysis) throws -> [Observation]
        let hints: [String: PlaceHint]
        let off: String?
        let ended = Mutex<[String]>([])

        init(
            id: String, hints: [String: PlaceHint] = [:], off: String? = nil,
            answer: @escaping @Sendable (PhotoAnalysis) throws -> [Observation]
        ) {
            self.id = id
            self.hints = hints
            self.off = off
            self.answer = answer
        }

        func recognize(_ photo: PhotoAnalysis) throws -> [Observation] { try answer(photo) }
        func placeHints() -> [String: PlaceHint] { hints }
        var disabledReason: String? { off }
        func shutdown() { ended.withLock { $0.append("shutdown") } }
        func terminate() { ended.withLock { $0.append("terminate") } }
    }

    struct Broken: Error, CustomStringConvertible {
        var description: String { "it broke" }
    }

    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    /// A city at the foot of a made-up landmark, in a made-up country, for the place namer.
    static let places = PlaceNamer(
        gazetteer: Gazetteer(
            cities: [
                City(
                    name: "Amesbury", adminRegion: "England", country: "United Kingdom", countryCode: "GB",
                    latitude: 51.17509, longitude: -1.78024, population: 10116)
            ], version: "test-gazetteer"),
        maxCityDistanceKm: 20)

    let folder = TemporaryDirectory()
    let catalog: Catalog

    init() throws {
        catalog = try Catalog.openForWriting(path: folder.file("cairn.sqlite"))
    }

    /// Adds `count` indexed photos (no files: the recognizers here read no pixels).
    func addPhotos(_ count: Int) throws -> [String] {
        try (0..<count).map { i in
            let path = "/library/\(i).jpg"
            let file = FileIdentity(path: path, device: 1, inode: Int64(i + 1), size: 10, mtimeNs: 5)
            let id = try #require(try catalog.notePhoto(file).photo.id)
            try catalog.storeFacts(
                PhotoFactsRecord(photoId: id, takenAt: String(format: "2024-01-01T10:00:%02d", i)), place: nil,
                contentHash: "h\(i)")
            return path
        }
    }

    /// A pipeline of `recognizers`, registered through the writer as the executables do.
    func runner(_ recognizers: [Scripted], places: PlaceNamer? = nil) throws -> RecognitionRunner {
        var registry = RecognizerRegistry()
        for recognizer in recognizers {
            registry.register(
                BuiltInRecognizer(schema: RecognizerSchema(id: recognizer.id, settings: [])) { _ in recognizer })
        }
        var settings = CairnConfiguration()
        settings.recognizers = recognizers.map { RecognizerConfiguration(id: $0.id) }
        settings.backbone.model = "/nonexistent/model.safetensors"
        let pipeline = RecognitionPipeline(settings: settings, places: places, registry: registry, logger: Self.quiet)
        let writer = RecognitionWriter(catalog: catalog, logger: Self.quiet)
        try writer.register(pipeline)
        return RecognitionRunner(pipeline: pipeline, writer: writer)
    }

    @Test func theRunnerHandsEveryDuePhotoToTheOneWriterOnce() throws {
        let paths = try addPhotos(40)
        let seen = Mutex<[String]>([])
        let tagger = Scripted(id: "tagger") { photo in
            seen.withLock { $0.append(photo.facts.path) }
            return [.tag(kind: "test", label: "x", score: 1)]
        }
        let runner = try runner([tagger])
        let progress = Mutex(0)
        let done = try runner.drain(sessions: [nil, nil, nil], progress: { done in progress.withLock { $0 = done } })
        #expect(done == 40)
        #expect(progress.withLock { $0 } == 40)
        #expect(seen.withLock { $0.sorted() } == paths.sorted())
        #expect(try catalog.status().queue == 0)
        #expect(try catalog.photo(path: paths[7]).tags.map(\.label) == ["x"])
        // Nothing is due any more: a second drain runs nothing.
        #expect(try runner.drain(sessions: [nil]) == 0)
        #expect(seen.withLock { $0.count } == 40)
    }

    /// A process that dies during recognition leaves its photos in `recognition_attempts`: the next round runs those
    /// first, one at a time with no other worker, and a photo the process died on while it ran alone is damaged.
    @Test func photosAProcessDiedOnAreRunAloneAndOneItDiedOnAloneIsDamaged() throws {
        let paths = try addPhotos(24)
        let ids = try paths.map { try #require(try catalog.photoID(path: $0)) }
        // What a process killed twice leaves: three photos it died on among others, one it died on alone.
        try catalog.beginAttempts([ids[3], ids[10], ids[17]], alone: false)
        try catalog.beginAttempts([ids[20]], alone: true)
        let running = Mutex(0)
        let seen = Mutex<[(path: String, concurrent: Int, recorded: [Int64: Bool])]>([])
        let store = catalog
        let tagger = Scripted(id: "tagger") { photo in
            let concurrent = running.withLock {
                $0 += 1
                return $0
            }
            let recorded = (try? store.attemptsInProgress()) ?? [:]
            usleep(20_000)
            running.withLock { $0 -= 1 }
            seen.withLock { $0.append((photo.facts.path, concurrent, recorded)) }
            return [.tag(kind: "test", label: "x", score: 1)]
        }
        let round = try runner([tagger]).round(workers: 2, sessions: { [nil, nil] })
        #expect(round.photos == 23 && round.error == nil)
        let order = seen.withLock { $0 }
        #expect(Set(order.prefix(3).map(\.path)) == [paths[3], paths[10], paths[17]])
        #expect(order.prefix(3).allSatisfy { $0.concurrent == 1 })
        // Each recorded as taken alone while it ran (the suspects not run yet still recorded as before).
        let idOf = Dictionary(uniqueKeysWithValues: zip(paths, ids))
        #expect(order.prefix(3).allSatisfy { $0.recorded[idOf[$0.path]!] == true })
        #expect(order.prefix(3).map { $0.recorded.count } == [3, 2, 1])
        // The others ran two at a time, each worker's chunk recorded while it ran.
        #expect(order.dropFirst(3).contains { $0.concurrent == 2 })
        #expect(order.dropFirst(3).allSatisfy { $0.recorded.values.allSatisfy { !$0 } && $0.recorded.count >= 1 })
        // The photo it died on alone is damaged with the reason, never run again; nothing is left recorded.
        let dead = try catalog.photo(path: paths[20])
        #expect(dead.state == "damaged" && dead.errorReason == RecognitionWriter.killedTwiceReason)
        #expect(!order.contains { $0.path == paths[20] })
        #expect(try catalog.attemptsInProgress().isEmpty)
        #expect(try catalog.status().queue == 0)
    }

    @Test func aRecognizerThatTurnedItselfOffIsTurnedOffInTheCatalogWithoutADowncast() throws {
        _ = try addPhotos(3)
        let flaky = Scripted(id: "flaky", off: "disabled after 5 failures in a row") { _ in throw Broken() }
        let runner = try runner([flaky])
        _ = try runner.drain(sessions: [nil])
        let row = try #require(try catalog.status().recognizers.first { $0.id == "flaky" })
        #expect(row.enabled == false)
        #expect(row.status == "disabled after 5 failures in a row")
    }

    @Test func contractCodesDecideWhatHappensToThePhoto() throws {
        let paths = try addPhotos(2)
        let coded = Scripted(id: "coded") { photo in
            if photo.facts.path == paths[0] { throw RecognizerError.stopped("coded") }
            throw RecognizerError.disabled("coded", "coded is off: fix it, then reload")
        }
        let runner = try runner([coded])
        let round = runner.round(workers: 1, sessions: { [nil] })
        #expect(round.photos == 2 && round.error == nil)
        // Stopped: nothing recorded, the photo stays due. Disabled: nothing recorded, the recognizer is off.
        #expect(try catalog.photo(path: paths[0]).recognition.isEmpty)
        #expect(try catalog.photo(path: paths[1]).recognition.isEmpty)
        let row = try #require(try catalog.status().recognizers.first { $0.id == "coded" })
        #expect(row.enabled == false && row.status == "coded is off: fix it, then reload")
    }

    @Test func closingAndTerminatingReachEveryRecognizerThroughTheContract() throws {
        let first = Scripted(id: "first") { _ in [] }
        let second = Scripted(id: "second") { _ in [] }
        let runner = try runner([first, second])
        runner.pipeline.terminate()
        runner.pipeline.close()
        #expect(first.ended.withLock { $0 } == ["terminate", "shutdown"])
        #expect(second.ended.withLock { $0 } == ["terminate", "shutdown"])
    }

    @Test func aFindingsPlaceHintIsNamedByThePlaceNamerLikeAnExifPlace() throws {
        let paths = try addPhotos(1)
        let hint = PlaceHint(
            key: "henge", city: "Henge Town", country: "Hengeland", latitude: 51.1789, longitude: -1.8262)
        let finder = Scripted(id: "finder") { _ in
            [.finding(Finding(kind: "landmark", label: "The Henge", score: 0.8, evidence: "references", place: hint))]
        }
        let runner = try runner([finder], places: Self.places)
        _ = try runner.drain(sessions: [nil])
        let photo = try catalog.photo(path: paths[0])
        #expect(photo.tags.map { "\($0.kind) \($0.label) \($0.evidence ?? "")" } == ["landmark The Henge references"])
        let place = try #require(photo.places.first)
        let exif = Self.places.exifPlace(photoId: 1, latitude: 51.1789, longitude: -1.8262)
        #expect(place.source == "landmark" && place.gazetteer == "landmark:henge")
        #expect(place.country == exif.country && place.countryCode == exif.countryCode && place.city == exif.city)
        #expect(place.region == exif.adminRegion && place.city == "Amesbury")
    }

    @Test func aHintWithoutAPositionOrNamerKeepsItsOwnNames() throws {
        let hint = PlaceHint(key: "k", city: "Somewhere", country: "Someland")
        let named = Self.places.hintedPlace(hint, photoId: 3)
        #expect(named == PlaceNamer.unnamed(hint, photoId: 3))
        #expect(named.city == "Somewhere" && named.country == "Someland" && named.countryCode == nil)
        #expect(named.gazetteerVersion == "landmark:k" && named.source == .landmark)
    }

    @Test func placesAnyRecognizerHintsAtAreNamedAgainWithoutALandmarkDowncast() throws {
        let paths = try addPhotos(2)
        let id = try #require(try catalog.photoID(path: paths[0]))
        try catalog.replaceLandmarkPlaces([
            PhotoPlaceRecord(
                photoId: id, source: .landmark, countryCode: nil, country: "Hengeland", adminRegion: nil,
                city: "Henge Town", gazetteerVersion: "landmark:henge")
        ])
        let hints = [
            "henge": PlaceHint(
                key: "henge", city: "Henge Town", country: "Hengeland", latitude: 51.1789, longitude: -1.8262)
        ]
        let hinting = Scripted(id: "hinting", hints: hints) { _ in [] }
        let runner = try runner([hinting], places: Self.places)
        #expect(try runner.writer.renameHintedPlaces(runner.pipeline) == 1)
        let place = try #require(try catalog.photo(path: paths[0]).places.first)
        #expect(place.countryCode == "GB" && place.country == "United Kingdom" && place.city == "Amesbury")
        #expect(try runner.writer.renameHintedPlaces(runner.pipeline) == 0)
    }

    /// A landmark place recorded before catalog version 9 has its names but not the landmark's position (which a
    /// sidecar writes as the location shown): it gets the position from the hint, once, and its sidecar is due.
    @Test func aLandmarkPlaceWithoutItsPositionGetsItFromTheHint() throws {
        let paths = try addPhotos(1)
        let id = try #require(try catalog.photoID(path: paths[0]))
        try catalog.replaceLandmarkPlaces([
            PhotoPlaceRecord(
                photoId: id, source: .landmark, countryCode: "GB", country: "United Kingdom", adminRegion: "England",
                city: "Amesbury", gazetteerVersion: "landmark:henge")
        ])
        try catalog.clearSidecarQueue()
        let hints = [
            "henge": PlaceHint(
                key: "henge", city: "Henge Town", country: "Hengeland", latitude: 51.1789, longitude: -1.8262)
        ]
        let runner = try runner([Scripted(id: "hinting", hints: hints) { _ in [] }], places: Self.places)
        #expect(try runner.writer.renameHintedPlaces(runner.pipeline) == 1)
        let place = try #require(try catalog.sidecarSources([id]).first?.places.first)
        #expect(place.latitude == 51.1789 && place.longitude == -1.8262 && place.city == "Amesbury")
        #expect(try catalog.dueSidecars(limit: 10) == [id])
        #expect(try runner.writer.renameHintedPlaces(runner.pipeline) == 0)
    }
}
