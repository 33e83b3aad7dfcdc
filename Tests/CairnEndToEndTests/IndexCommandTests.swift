import CairnCatalog
import CairnTesting
import Foundation
import Testing

/// Runs the built `cairn index` and `cairn places import` on real photos and checks the catalog and the output.
@Suite struct IndexCommandTests {
    let folder = TemporaryDirectory("cairn-index")
    var catalogPath: String { folder.file("cairn.sqlite") }

    /// Runs `cairn`; `index` reads facts only here (recognition has its own tests).
    func cairn(_ arguments: [String]) throws -> ProcessResult {
        let arguments = arguments.first == "index" ? arguments + ["--facts-only"] : arguments
        return try ProcessRunner.run(TestPaths.executable("cairn"), arguments, timeout: 300)
    }

    @Test func indexingTheSharedExifSuiteGivesItsCities() throws {
        let result = try cairn(["index", TestPaths.data("exif").path, "--catalog", catalogPath, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let seen = try #require(report["seen"] as? Int)
        #expect(seen > 700)
        #expect(report["indexed"] as? Int ?? 0 > 300)
        #expect((report["damaged"] as? [[String: String]])?.allSatisfy { !($0["reason"] ?? "").isEmpty } == true)
        // What no library Cairn links reads (GIF, BMP, JPEG 2000, PSD, float TIFF, raw files without a usable
        // preview), each with its reason; PNG, WebP, TIFF, JPEG XL and raw previews are decoded.
        let unsupported = (report["unsupported"] as? [[String: String]]) ?? []
        #expect(unsupported.count > 40 && unsupported.count < 100, "\(unsupported.count)")
        #expect(unsupported.allSatisfy { !($0["reason"] ?? "").isEmpty })
        #expect(
            !unsupported.contains {
                ($0["path"] ?? "").lowercased().hasSuffix(".png") || ($0["path"] ?? "").hasSuffix(".webp")
            })
        // Photos a library would decode whole beyond the decode budget (the 50 MP 10-bit Sony HEIFs without a
        // thumbnail, a 20 MP 10-bit AVIF, a TIFF declaring 65535×900) are refused with the estimate.
        let overBudget = ((report["damaged"] as? [[String: String]]) ?? [])
            .filter { ($0["reason"] ?? "").hasSuffix("over the decode budget of 160 MB (watch.max-decode-mb)") }
            .map { URL(fileURLWithPath: $0["path"] ?? "").lastPathComponent }
        #expect(
            Set(overBudget) == [
                "issue_9292_sony_1_top_left.HIF", "issue_9292_sony_3_bottom_right.HIF",
                "issue_9292_sony_6_right_top.HIF", "issue_9292_sony_8_left-bottom.HIF", "10bit-HDR-P3-nclx.avif",
                "libtiff_segfault.tif",
            ], "\(overBudget)")
        // No progress line when stderr is not a terminal.
        #expect(result.stderr.isEmpty)

        let albums = try cairn(["albums", "--catalog", catalogPath])
        for city in ["Lund, Skåne County", "Berlin, Berlin", "Madrid, Madrid", "Salisbury, England", "Beijing"] {
            #expect(albums.stdout.contains(city), "no album for \(city)")
        }
        // HEIC photos get places and dates too.
        let heic = try cairn([
            "photo", TestPaths.data("exif/Exiv2__exiv2/test/data/Stonehenge.heic").path, "--catalog", catalogPath,
        ])
        #expect(heic.stdout.contains("Place:    Salisbury, England, United Kingdom"))
        #expect(heic.stdout.contains("State:    indexed"))
    }

    @Test func reindexingAnUnchangedFolderOnlyStatsIt() throws {
        let photos = folder.file("photos")
        try folder.copy(TestPaths.data("exif/mapillary__OpenSfM/data/berlin/images/01.jpg"), to: "photos/01.jpg")
        try folder.copy(TestPaths.data("exif/mapillary__OpenSfM/data/berlin/images/02.jpg"), to: "photos/02.jpg")
        try folder.copy(
            TestPaths.data("exif/MikeKovarik__exifr/test/fixtures/png/png_with_exif_and_gps.png"), to: "photos/scan.png"
        )
        try folder.copy(TestPaths.data("exif/Exiv2__exiv2/test/data/relax.jp2"), to: "photos/relax.jp2")
        let data = try Data(contentsOf: TestPaths.data("exif/mapillary__OpenSfM/data/lund/images/01.jpg"))
        try folder.write(Array(data.prefix(data.count / 2)), to: "photos/half-uploaded.jpg")

        let first = try cairn(["index", photos, "--catalog", catalogPath])
        #expect(first.status == 0, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Indexed 5 photos in ") == true)
        #expect(lines.first?.hasSuffix(": 3 indexed, 0 unchanged, 1 damaged, 1 unsupported, 0 removed") == true)
        #expect(
            lines.contains(
                "  \(folder.file("photos/half-uploaded.jpg")): truncated JPEG: the end-of-image marker is missing"))
        #expect(lines.contains("  \(folder.file("photos/relax.jp2")): unsupported format: JPEG 2000"))

        // Same size and modification time: the file is only stat'ed, never read again (its new bytes go unseen).
        let path = folder.file("photos/01.jpg")
        var before = stat()
        stat(path, &before)
        let hashBefore = try Catalog.openReadOnly(path: catalogPath).photo(path: path).contentHash
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        let second = try cairn(["index", photos, "--catalog", catalogPath])
        #expect(try Catalog.openReadOnly(path: catalogPath).photo(path: path).contentHash == hashBefore)
        #expect(second.stdout.hasPrefix("Indexed 5 photos in "))
        #expect(second.stdout.contains(": 0 indexed, 5 unchanged, 0 damaged, 0 unsupported, 0 removed"))

        // The PNG is decoded by libspng, and its GPS (an eXIf chunk) places it.
        let png = try cairn(["photo", folder.file("photos/scan.png"), "--catalog", catalogPath, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(png.stdout.utf8)) as? [String: Any])
        #expect(object["state"] as? String == "indexed")
        #expect(object["format"] as? String == "png")
        #expect((object["decoder"] as? String)?.hasPrefix("libspng 0.") == true)
        #expect((object["places"] as? [[String: Any]])?.first?["country"] as? String == "Czech Republic")
        // An unsupported file still gets its place when it has GPS; this JPEG 2000 file has none.
        let jp2 = try cairn(["photo", folder.file("photos/relax.jp2"), "--catalog", catalogPath])
        #expect(jp2.stdout.contains("State:    unsupported (unsupported format: JPEG 2000)"))
        #expect(!jp2.stdout.contains("Decoder:"))

        try FileManager.default.removeItem(atPath: folder.file("photos/02.jpg"))
        let third = try cairn(["index", photos, "--catalog", catalogPath])
        #expect(third.stdout.contains(": 0 indexed, 4 unchanged, 0 damaged, 0 unsupported, 1 removed"))
    }

    /// New files are ingested a batch to a transaction (all of a batch share one time stamp); a bad file in a batch
    /// is still recorded with its own reason and the others are indexed.
    @Test func newFilesAreIngestedInBatchesAndBadOnesKeepTheirReasons() throws {
        let distractors = try FileManager.default.contentsOfDirectory(atPath: TestPaths.data("distractors-dev").path)
            .filter { $0.hasSuffix(".jpg") }.sorted().prefix(66)
        for name in distractors {
            try folder.copy(TestPaths.data("distractors-dev/\(name)"), to: "photos/\(name)")
        }
        let data = try Data(contentsOf: TestPaths.data("exif/mapillary__OpenSfM/data/lund/images/01.jpg"))
        try folder.write(Array(data.prefix(data.count / 2)), to: "photos/m-half-uploaded.jpg")
        try folder.write([], to: "photos/n-empty.jpg")
        try folder.copy(
            TestPaths.data("exif/MikeKovarik__exifr/test/fixtures/png/png_with_exif_and_gps.png"),
            to: "photos/o-scan.png")
        try folder.copy(TestPaths.data("exif/Exiv2__exiv2/test/data/relax.jp2"), to: "photos/o-scan.jp2")
        try folder.copy(TestPaths.data("exif/Exiv2__exiv2/test/data/Stonehenge.heic"), to: "photos/p-stonehenge.heic")

        let result = try cairn(["index", folder.file("photos"), "--catalog", catalogPath])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Indexed 71 photos in "))
        #expect(result.stdout.contains(": 68 indexed, 0 unchanged, 2 damaged, 1 unsupported, 0 removed"))
        let catalog = try Catalog.openReadOnly(path: catalogPath)
        #expect(
            try catalog.photo(path: folder.file("photos/m-half-uploaded.jpg")).errorReason
                == "truncated JPEG: the end-of-image marker is missing")
        #expect(try catalog.photo(path: folder.file("photos/n-empty.jpg")).errorReason == "the file is empty")
        #expect(try catalog.photo(path: folder.file("photos/o-scan.png")).state == "indexed")
        #expect(
            try catalog.photo(path: folder.file("photos/o-scan.jp2")).errorReason == "unsupported format: JPEG 2000")
        #expect(try catalog.photo(path: folder.file("photos/p-stonehenge.heic")).state == "indexed")
        let paths = try FileManager.default.contentsOfDirectory(atPath: folder.file("photos")).map {
            folder.file("photos/\($0)")
        }
        let stamps = Set(try paths.map { try catalog.photo(path: $0).addedAt })
        #expect(stamps.count <= 3, "71 new files in \(stamps.count) transactions")
    }

    @Test func importedGeoNamesDumpGivesFinerPlacesAfterReindexing() throws {
        let photos = folder.file("photos")
        try folder.copy(TestPaths.data("exif/Exiv2__exiv2/test/data/Stonehenge.heic"), to: "photos/stonehenge.heic")
        #expect(try cairn(["index", photos, "--catalog", catalogPath]).status == 0)
        let before = try Catalog.openReadOnly(path: catalogPath).photo(path: folder.file("photos/stonehenge.heic"))
        #expect(before.places.first?.city == "Salisbury")

        let dump = try folder.write(Array(GeoNamesSample.cities.utf8), to: "cities500.txt")
        let admin1 = try folder.write(Array(GeoNamesSample.admin1.utf8), to: "admin1CodesASCII.txt")
        let imported = try cairn(["places", "import", dump, "--admin1", admin1, "--catalog", catalogPath])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(
            imported.stdout.hasPrefix(
                "Imported 2 places from \(dump) (2 malformed lines skipped) as geonames:cities500.txt:"))
        #expect(imported.stdout.contains("set `places.gazetteer: imported`"))

        let config = folder.file("cairn.yaml")
        try "catalog:\n  path: cairn.sqlite\nplaces:\n  gazetteer: imported\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let reindex = try cairn(["index", photos, "--config", config])
        #expect(reindex.status == 0, "\(reindex.stderr)")
        #expect(reindex.stdout.contains("Places named again with the current gazetteer: 1 photo"))
        let after = try Catalog.openReadOnly(path: catalogPath).photo(path: folder.file("photos/stonehenge.heic"))
        #expect(after.places.first?.city == "Amesbury")
        #expect(after.places.first?.region == "England")
        #expect(after.places.first?.gazetteer.hasPrefix("geonames:cities500.txt:") == true)
    }

    @Test func importingSomethingElseFailsClearly() throws {
        let notes = try folder.write(Array("hello\n".utf8), to: "notes.txt")
        let result = try cairn(["places", "import", notes, "--catalog", catalogPath])
        #expect(result.status == 65)
        #expect(result.stderr.contains("no populated places found; is this a GeoNames dump"))
        let missing = try cairn(["index", folder.file("nope"), "--catalog", catalogPath])
        #expect(missing.status == 66)
        #expect(missing.stdout.contains("Unreadable folders:\n  \(folder.file("nope")): missing or not a folder"))
    }

    @Test func indexRefusesToRecogniseWhileALiveCairndOwnsTheCatalog() throws {
        let cairn = TestPaths.executable("cairn")
        try folder.copy(TestPaths.data("exif/mapillary__OpenSfM/data/berlin/images/01.jpg"), to: "photos/01.jpg")
        let more = try folder.copy(
            TestPaths.data("exif/mapillary__OpenSfM/data/berlin/images/02.jpg"), to: "more/02.jpg")
        let daemon = try RunningProcess(
            TestPaths.executable("cairnd"),
            ["--watch", folder.file("photos"), "--catalog", catalogPath, "--facts-only"])
        #expect(daemon.waitForLog("library reconciled"), "\(daemon.stderr)")
        let pid = daemon.process.processIdentifier

        // Recognition would register this configuration's recognizers over the daemon's: refused, nothing written.
        let refused = try ProcessRunner.run(cairn, ["index", folder.file("more"), "--catalog", catalogPath])
        #expect(refused.status == 75, "\(refused.stdout)\(refused.stderr)")
        #expect(
            refused.stderr == "cairn: cairnd (pid \(pid)) runs on \(catalogPath) and owns its recognizers; run "
                + "`cairn index --facts-only` (cairnd then recognises the new photos), or stop cairnd first\n")
        #expect(refused.stdout.isEmpty)
        let json = try ProcessRunner.run(cairn, ["index", folder.file("more"), "--catalog", catalogPath, "--json"])
        #expect(json.status == 75)
        let error = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: [String: String]])
        #expect(error["error"]?["code"] == "daemonOwnsCatalog")
        let status = try Catalog.openReadOnly(path: catalogPath).status()
        #expect(status.recognizers.isEmpty)
        #expect(status.totalPhotos == 1)
        #expect(throws: CatalogError.self) { try Catalog.openReadOnly(path: catalogPath).photo(path: more) }

        // Facts only is no second writer of the recognizers: allowed while cairnd runs.
        let facts = try ProcessRunner.run(
            cairn, ["index", folder.file("more"), "--catalog", catalogPath, "--facts-only"])
        #expect(facts.status == 0, "\(facts.stderr)")
        #expect(try Catalog.openReadOnly(path: catalogPath).photo(path: more).state == "indexed")

        let help = try ProcessRunner.run(cairn, ["index", "--help"])
        #expect(
            help.stdout.replacingOccurrences(of: "\n", with: " ").contains("refuses to run them and exits with 75"),
            "\(help.stdout)")

        // Once cairnd stopped, `cairn index` runs the recognizers again (a dead pid in the catalog is no owner).
        #expect(daemon.stop() == 0)
        let config = folder.file("none.yaml")
        try "recognizers:\n  scene-tags:\n    enabled: false\n  landmarks:\n    enabled: false\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let after = try ProcessRunner.run(
            cairn, ["index", folder.file("more"), "--catalog", catalogPath, "--config", config])
        #expect(after.status == 0, "\(after.stderr)")
    }
}
