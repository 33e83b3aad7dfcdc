import CairnCatalog
import CairnTesting
import Foundation
import GRDB
import Testing

/// Runs the built `cairn` against a catalog written by the test and compares what it prints.
@Suite struct CLITests {
    let folder = TemporaryDirectory()
    let catalogPath: String

    init() throws {
        catalogPath = folder.file("cairn.sqlite")
        try LibraryFixture.writeCatalog(at: catalogPath)
    }

    func cairn(_ arguments: String...) throws -> ProcessResult {
        try ProcessRunner.run(TestPaths.executable("cairn"), arguments)
    }

    func json(_ result: ProcessResult) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    @Test func albumsJSONIsTheCountryCityLandmarkHierarchy() throws {
        let result = try cairn("albums", "--json", "--catalog", catalogPath)
        #expect(result.status == 0, "\(result.stderr)")
        let decoder = JSONDecoder()
        let tree = try decoder.decode(AlbumTree.self, from: Data(result.stdout.utf8))
        let summary = tree.countries.map { country in
            "\(country.country)/\(country.countryCode ?? "")=\(country.photos): "
                + country.cities.map { city in
                    "\(city.city)=\(city.photos) ["
                        + city.landmarks.map { "\($0.landmark)=\($0.photos)" }.joined(separator: ", ") + "]"
                }.joined(separator: "; ")
        }
        #expect(
            summary == [
                "Germany/DE=5: Berlin=3 [Brandenburg Gate=2, Berlin Cathedral=1]; Cologne=2 [Cologne Cathedral=2]",
                "Italy/IT=3: Rome=3 [Colosseum=3]",
            ])
        #expect(tree.unplacedPhotos == 2)
        // The raw JSON uses the documented key names.
        let object = try #require(try json(result) as? [String: Any])
        #expect(Set(object.keys) == ["countries", "unplacedPhotos"])
        let first = try #require((object["countries"] as? [[String: Any]])?.first)
        #expect(Set(first.keys) == ["country", "countryCode", "photos", "cities"])
    }

    @Test func albumsText() throws {
        let result = try cairn("albums", "--catalog", catalogPath)
        #expect(result.status == 0)
        #expect(
            result.stdout == """
                Germany (DE): 5 photos
                  Berlin, Berlin: 3 photos
                    Brandenburg Gate: 2 photos
                    Berlin Cathedral: 1 photo
                  Cologne, North Rhine-Westphalia: 2 photos
                    Cologne Cathedral: 2 photos
                Italy (IT): 3 photos
                  Rome, Lazio: 3 photos
                    Colosseum: 3 photos
                Without a place: 2 photos

                """)
        let italy = try cairn("albums", "--country", "IT", "--catalog", catalogPath)
        #expect(italy.stdout == "Italy (IT): 3 photos\n  Rome, Lazio: 3 photos\n    Colosseum: 3 photos\n")
        // A city the catalog does not hold is an error (CLINameMatchingTests).
        let none = try cairn("albums", "--city", "Atlantis", "--catalog", catalogPath)
        #expect(none.status == 1)
        #expect(none.stdout.isEmpty)
    }

    @Test func statusTextAndJSON() throws {
        let text = try cairn("status", "--catalog", catalogPath)
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("Photos:  11 (10 indexed, 0 pending, 1 damaged, 0 unsupported, 0 removed)"))
        #expect(lines.contains("Queue:   10"))
        #expect(lines.contains("  landmarks fixture-1 [loaded]: 8 done, 0 failed, 2 queued"))
        #expect(
            lines.contains { $0.hasSuffix("issue_853_poc.jpg (ingest): corrupt JPEG: Unsupported marker type 0x04") })

        let result = try cairn("status", "--json", "--catalog", catalogPath)
        let object = try #require(try json(result) as? [String: Any])
        #expect(object["totalPhotos"] as? Int == 11)
        #expect(object["queue"] as? Int == 10)
        #expect((object["photos"] as? [String: Int])?["damaged"] == 1)
        #expect((object["recognizers"] as? [Any])?.count == 2)
        #expect((object["lastErrors"] as? [[String: Any]])?.first?["stage"] as? String == "ingest")
    }

    @Test func photosByPlaceTagAndDate() throws {
        let berlin = try cairn("photos", "--city", "berlin", "--json", "--catalog", catalogPath)
        let rows = try #require(try json(berlin) as? [[String: Any]])
        #expect(rows.count == 3)
        #expect(Set(rows.compactMap { $0["landmark"] as? String }) == ["Brandenburg Gate", "Berlin Cathedral"])

        let hen = try cairn("photos", "--tag", "hen", "--catalog", catalogPath)
        #expect(hen.stdout.hasPrefix("undated"))
        #expect(hen.stdout.contains("n01514859_hen.jpg"))
        #expect(hen.stdout.split(separator: "\n").count == 1)

        let range = try cairn("photos", "--from", "2024-05-03", "--to", "2024-05-04", "--catalog", catalogPath)
        let lines = range.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("2024-05-04T10:00:00  ") == true)
        #expect(lines.first?.hasSuffix("[Berlin, Germany]  ★ Brandenburg Gate") == true)

        // A landmark in the catalog with no photo in the days asked for: no photo, not an error.
        let none = try cairn(
            "photos", "--landmark", "Colosseum", "--from", "2030-01-01", "--json", "--catalog", catalogPath)
        #expect(none.status == 0)
        #expect((try json(none) as? [Any])?.isEmpty == true)
        // One the catalog does not hold is an error (CLINameMatchingTests).
        let eiffel = try cairn("photos", "--landmark", "Eiffel Tower", "--json", "--catalog", catalogPath)
        #expect(eiffel.status == 1)
        #expect((try json(eiffel) as? [String: [String: String]])?["error"]?["code"] == "noMatch")
    }

    @Test func photoShowsEverythingKnown() throws {
        let path = try LibraryFixture.photos(of: "colosseum", count: 1)[0].path
        let text = try cairn("photo", path, "--catalog", catalogPath)
        #expect(text.status == 0)
        #expect(text.stdout.contains("State:    indexed\n"))
        #expect(text.stdout.contains("Taken:    2024-05-01T10:00:00+02:00\n"))
        #expect(text.stdout.contains("GPS:      41.8902, 12.4922\n"))
        // GPS in Rome and the Colosseum's place: one line, the place the albums use (the EXIF one).
        let places = text.stdout.split(separator: "\n").filter { $0.hasPrefix("Place:") }
        #expect(places.count == 1, "\(places)")
        #expect(places.first?.hasPrefix("Place:    Rome, Lazio, Italy (from exif, libgeonames/") == true)
        #expect(text.stdout.contains("Tag:      landmark Colosseum 0.90 (landmarks)\n"))

        let result = try cairn("photo", path, "--json", "--catalog", catalogPath)
        let object = try #require(try json(result) as? [String: Any])
        #expect(object["path"] as? String == path)
        #expect((object["facts"] as? [String: Any])?["latitude"] as? Double == 41.8902)
        #expect((object["tags"] as? [[String: Any]])?.first?["label"] as? String == "Colosseum")
        // --json keeps every source's place.
        #expect((object["places"] as? [[String: Any]])?.map { $0["source"] as? String } == ["exif", "landmark"])
    }

    @Test func tagsListsLabelsWithCounts() throws {
        let result = try cairn("tags", "--catalog", catalogPath)
        #expect(result.stdout.split(separator: "\n").first == "      3  landmark   Colosseum")
        let scene = try cairn("tags", "--kind", "scene", "--json", "--catalog", catalogPath)
        let rows = try #require(try json(scene) as? [[String: Any]])
        #expect(rows.map { $0["label"] as? String } == ["hen", "tench"])
    }

    @Test func catalogComesFromTheConfigurationWhenNotGiven() throws {
        let config = folder.file("cairn.yaml")
        try "catalog:\n  path: cairn.sqlite\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try cairn("status", "--config", config, "--json")
        #expect(result.status == 0, "\(result.stderr)")
        #expect((try json(result) as? [String: Any])?["totalPhotos"] as? Int == 11)
    }

    @Test func errorsAreOneLineWithDistinctExitCodes() throws {
        let missing = try cairn("albums", "--catalog", folder.file("nope.sqlite"))
        #expect(missing.status == 66)
        #expect(
            missing.stderr
                == "cairn: \(folder.file("nope.sqlite")): no catalog here; start cairnd (or pass --catalog FILE) to create one\n"
        )
        #expect(missing.stdout.isEmpty)

        let missingJSON = try cairn("status", "--json", "--catalog", folder.file("nope.sqlite"))
        #expect(missingJSON.status == 66)
        let error = try #require(try json(missingJSON) as? [String: [String: String]])
        #expect(error["error"]?["code"] == "missing")

        let unknownPhoto = try cairn("photo", "/no/such.jpg", "--catalog", catalogPath)
        #expect(unknownPhoto.status == 1)
        #expect(unknownPhoto.stderr == "cairn: \(catalogPath): no photo at /no/such.jpg in the catalog\n")

        try DatabaseQueue(path: catalogPath).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v2: from the future')")
        }
        let newer = try cairn("status", "--catalog", catalogPath)
        #expect(newer.status == 65)
        #expect(newer.stderr.contains("written by a newer Cairn"))

        let badDate = try cairn("photos", "--from", "2024-13-01", "--catalog", catalogPath)
        #expect(badDate.status == 64)
        #expect(badDate.stderr.contains("--from must be a day as YYYY-MM-DD, got '2024-13-01'"))
        #expect(try cairn("frobnicate").status == 64)

        let notCatalog = try cairn("status", "--catalog", TestPaths.data("distractors-dev/n01440764_tench.jpg").path)
        #expect(notCatalog.status == 74)
        #expect(notCatalog.stderr.hasSuffix("not a Cairn catalog\n"))

        let config = folder.file("bad.yaml")
        try "catalog:\n  pth: x.sqlite\n".write(toFile: config, atomically: true, encoding: .utf8)
        let badConfig = try cairn("status", "--config", config)
        #expect(badConfig.status == 78)
        #expect(
            badConfig.stderr
                == "cairn: \(config):2: unknown key 'catalog.pth'; valid keys here are: path, purge-removed-after-days\n"
        )
    }

    @Test func helpExplainsCommandsAndExitCodes() throws {
        let help = try cairn("--help")
        #expect(help.status == 0)
        for word in ["status", "albums", "photos", "photo", "tags", "Exit codes", "66 no catalog"] {
            #expect(help.stdout.contains(word), "missing \(word)")
        }
    }
}
