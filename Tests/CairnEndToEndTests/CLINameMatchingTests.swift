import CairnCatalog
import CairnPlaces
import CairnTesting
import Foundation
import Testing

/// Runs the built `cairn` with `--landmark`, `--tag`, `--city` and `--country` typed as a person would (any case, a
/// landmark's key, the start or part of a name) against the fixture catalog, with a photo of Petra placed by its
/// landmark alone (no GPS) and one of the Berlin Zoo beside the Berlin Cathedral.
@Suite struct CLINameMatchingTests {
    let folder = TemporaryDirectory()
    let catalogPath: String

    init() throws {
        catalogPath = folder.file("cairn.sqlite")
        let catalog = try LibraryFixture.writeCatalog(at: catalogPath)
        let landmarks = try LibraryFixture.landmarks()
        try LibraryFixture.storeLandmarkPhoto(
            try LibraryFixture.photos(of: "petra", count: 1)[0], of: landmarks["petra"]!,
            takenAt: "2024-05-09T10:00:00", gps: false, in: catalog, gazetteer: Gazetteer.libgeonames())
        try LibraryFixture.storeLandmarkPhoto(
            try LibraryFixture.photos(of: "berlin_zoo", count: 1)[0], of: landmarks["berlin_zoo"]!,
            takenAt: "2024-05-10T10:00:00", in: catalog, gazetteer: Gazetteer.libgeonames())
    }

    func cairn(_ arguments: String...) throws -> ProcessResult {
        try ProcessRunner.run(TestPaths.executable("cairn"), arguments + ["--catalog", catalogPath])
    }

    /// The landmark folder and file name of each photo `cairn photos ARGUMENTS --json` lists.
    func photos(_ arguments: String...) throws -> [String] {
        let result = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["photos"] + arguments + ["--json", "--catalog", catalogPath])
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
        return rows.compactMap { ($0["path"] as? String).map { URL(fileURLWithPath: $0).pathComponents.suffix(2) } }
            .map { $0.joined(separator: "/") }.sorted()
    }

    func folders(_ arguments: String...) throws -> [String: Int] {
        let result = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["photos"] + arguments + ["--json", "--catalog", catalogPath])
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
        var counts: [String: Int] = [:]
        for row in rows {
            let path = URL(fileURLWithPath: row["path"] as? String ?? "")
            counts[path.deletingLastPathComponent().lastPathComponent, default: 0] += 1
        }
        return counts
    }

    @Test func landmarkByItsNameOrKeyInAnyCase() throws {
        #expect(try folders("--landmark", "petra") == ["petra": 1])
        #expect(try folders("--landmark", "PETRA (al-khazneh)") == ["petra": 1])
        #expect(try folders("--landmark", "BRANDENBURG_GATE") == ["brandenburg_gate": 2])
        #expect(try folders("--landmark", "cologne CATHEDRAL") == ["cologne_cathedral": 2])
        #expect(try folders("--landmark", "colosseum") == ["colosseum": 3])
    }

    @Test func landmarkByTheStartOrPartOfItsNameOrKey() throws {
        #expect(try folders("--landmark", "brand") == ["brandenburg_gate": 2])
        #expect(try folders("--landmark", "berlin z") == ["berlin_zoo": 1])
        #expect(try folders("--landmark", "khazneh") == ["petra": 1])
        #expect(try folders("--landmark", "_zoo") == ["berlin_zoo": 1])
    }

    @Test func aNameThatMatchesSeveralListsThemAndFails() throws {
        let berlin = try cairn("photos", "--landmark", "berlin")
        #expect(berlin.status == 64)
        #expect(berlin.stdout.isEmpty)
        #expect(
            berlin.stderr
                == "cairn: --landmark 'berlin' matches 2 landmarks: Berlin Cathedral (berlin_cathedral), "
                + "Berlin Zoological Garden (Elephant Gate) (berlin_zoo); give more of the name\n")

        let b = try cairn("photos", "--landmark", "B", "--json")
        #expect(b.status == 64)
        let error = try #require(
            try JSONSerialization.jsonObject(with: Data(b.stdout.utf8)) as? [String: [String: String]])
        #expect(error["error"]?["code"] == "ambiguous")
        #expect(
            error["error"]?["message"]
                == "--landmark 'B' matches 3 landmarks: Berlin Cathedral (berlin_cathedral), Berlin Zoological "
                + "Garden (Elephant Gate) (berlin_zoo), Brandenburg Gate (brandenburg_gate); give more of the name")

        let tag = try cairn("photos", "--tag", "c")
        #expect(tag.status == 64)
        #expect(
            tag.stderr
                == "cairn: --tag 'c' matches 2 tags: Cologne Cathedral (landmark), Colosseum (landmark); "
                + "give more of the name\n")
    }

    @Test func aNameThatMatchesNothingSaysWhatThereIs() throws {
        let eiffel = try cairn("photos", "--landmark", "Eiffel Tower")
        #expect(eiffel.status == 1)
        #expect(eiffel.stdout.isEmpty)
        #expect(
            eiffel.stderr
                == "cairn: --landmark 'Eiffel Tower' matches no landmark; the catalog has Berlin Cathedral "
                + "(berlin_cathedral), Berlin Zoological Garden (Elephant Gate) (berlin_zoo), Brandenburg Gate "
                + "(brandenburg_gate), Cologne Cathedral (cologne_cathedral), Colosseum, "
                + "Petra (Al-Khazneh) (petra)\n")

        let zebra = try cairn("photos", "--tag", "zebra", "--kind", "scene", "--json")
        #expect(zebra.status == 1)
        let error = try #require(
            try JSONSerialization.jsonObject(with: Data(zebra.stdout.utf8)) as? [String: [String: String]])
        #expect(error["error"]?["code"] == "noMatch")
        #expect(
            error["error"]?["message"]
                == "--tag 'zebra' matches no scene tag; the catalog has hen (scene), tench (scene)")

        let atlantis = try cairn("albums", "--city", "Atlantis")
        #expect(atlantis.status == 1)
        #expect(atlantis.stderr.hasPrefix("cairn: --city 'Atlantis' matches no city; the catalog has Berlin (Germany)"))

        // A city is looked for in the country given.
        let rome = try cairn("photos", "--country", "de", "--city", "rome")
        #expect(rome.status == 1)
        #expect(
            rome.stderr
                == "cairn: --city 'rome' matches no city in Germany; the catalog has Berlin (Germany), "
                + "Cologne (Germany)\n")
    }

    @Test func cityAndCountryInAnyCaseByNameCodeOrStart() throws {
        #expect(try folders("--city", "BERLIN") == ["brandenburg_gate": 2, "berlin_cathedral": 1, "berlin_zoo": 1])
        #expect(try folders("--city", "cOLOGNE") == ["cologne_cathedral": 2])
        #expect(try folders("--city", "col") == ["cologne_cathedral": 2])
        #expect(try folders("--country", "ITALY") == ["colosseum": 3])
        #expect(try folders("--country", "it") == ["colosseum": 3])
        #expect(try folders("--country", "ital") == ["colosseum": 3])
        #expect(try folders("--country", "jordan") == ["petra": 1])
        #expect(
            try folders("--country", "GERM", "--city", "b") == [
                "brandenburg_gate": 2, "berlin_cathedral": 1, "berlin_zoo": 1,
            ])

        let albums = try cairn("albums", "--country", "ITA")
        #expect(albums.status == 0, "\(albums.stderr)")
        #expect(albums.stdout == "Italy (IT): 3 photos\n  Rome, Lazio: 3 photos\n    Colosseum: 3 photos\n")
        let cologne = try cairn("albums", "--city", "cologne")
        #expect(cologne.stdout.hasPrefix("Germany (DE): 2 photos\n  Cologne, North Rhine-Westphalia: 2 photos\n"))
    }

    @Test func tagInAnyCaseOrByItsLandmarksKey() throws {
        #expect(try photos("--tag", "HEN") == ["distractors-dev/n01514859_hen.jpg"])
        #expect(try photos("--tag", "Tench", "--kind", "scene") == ["distractors-dev/n01440764_tench.jpg"])
        #expect(try folders("--tag", "colos") == ["colosseum": 3])
        #expect(try folders("--tag", "brandenburg_gate") == ["brandenburg_gate": 2])
        let hen = try cairn("photos", "--tag", "hen", "--kind", "landmark")
        #expect(hen.status == 1)
        #expect(hen.stderr.hasPrefix("cairn: --tag 'hen' matches no landmark tag; the catalog has "))
    }

    @Test func photoPlacedByItsLandmarkAloneSaysWhich() throws {
        // No GPS: one place, the landmark's, with its key.
        let petra = try LibraryFixture.photos(of: "petra", count: 1)[0].path
        let text = try cairn("photo", petra)
        #expect(text.status == 0, "\(text.stderr)")
        let places = text.stdout.split(separator: "\n").filter { $0.hasPrefix("Place:") }
        #expect(places.count == 1, "\(places)")
        #expect(places.first?.hasSuffix("Jordan (from landmark petra)") == true, "\(places)")
    }
}
