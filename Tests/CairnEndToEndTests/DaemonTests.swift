import CairnCatalog
import CairnTesting
import Foundation
import Testing

/// Runs the built `cairnd` on a temporary folder of real photos and checks the catalog it writes.
@Suite(.serialized) struct DaemonTests {
    let folder = TemporaryDirectory("cairnd-test")
    var photos: String { folder.file("photos") }
    var catalogPath: String { folder.file("state/cairn.sqlite") }

    /// Real files: street photos with GPS in Berlin and Lund, a camera photo from Madrid, one far from any city,
    /// a landmark photo without EXIF, a corrupt JPEG, and files that are not photos.
    func makeLibrary() throws {
        let exif = "exif/"
        try LibraryFixture.copyGeotaggedPhotos(into: folder)
        try folder.copy(
            TestPaths.data(exif + "Exiv2__exiv2/test/data/FurnaceCreekInn.jpg"), to: "photos/trip/desert.jpg")
        let colosseum = try LibraryFixture.photos(of: "colosseum", count: 1)[0]
        try folder.copy(colosseum, to: "photos/rome/colosseum.jpg")
        try folder.copy(TestPaths.data(exif + "Exiv2__exiv2/test/data/issue_853_poc.jpg"), to: "photos/broken.jpg")
        try folder.write([0xFF, 0xD8], to: "photos/.hidden.jpg")
        try folder.write(Array("notes".utf8), to: "photos/notes.txt")
        try folder.write([0xFF, 0xD8, 0xFF], to: "photos/upload.jpg.part")
        try folder.write([0xFF, 0xD8, 0xFF], to: "photos/.thumbnails/a.jpg")
    }

    func startDaemon(_ extra: [String] = []) throws -> RunningProcess {
        try RunningProcess(
            TestPaths.executable("cairnd"), ["--watch", photos, "--catalog", catalogPath, "--facts-only"] + extra)
    }

    func cairn(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(TestPaths.executable("cairn"), arguments + ["--catalog", catalogPath])
    }

    @Test func indexesARealFolderAndShutsDownOnSIGTERM() throws {
        try makeLibrary()
        let daemon = try startDaemon()
        #expect(daemon.waitForLog("library reconciled"), "\(daemon.stderr)")
        #expect(daemon.stop(signal: SIGTERM) == 0)
        #expect(daemon.stderr.contains("stopped"))

        let catalog = try Catalog.openReadOnly(path: catalogPath)
        let status = try catalog.status()
        #expect(status.totalPhotos == 7)
        #expect(status.photos["indexed"] == 6)
        #expect(status.photos["damaged"] == 1)
        #expect(status.lastErrors.first?.path.hasSuffix("photos/broken.jpg") == true)
        #expect(status.lastErrors.first?.reason.hasPrefix("corrupt JPEG: ") == true)

        let tree = try catalog.albums()
        let places = tree.countries.flatMap { country in country.cities.map { "\($0.city), \(country.country)" } }
        #expect(Set(places) == ["Berlin, Germany", "Lund, Sweden", "Madrid, Spain"])
        #expect(tree.countries.first { $0.countryCode == "US" }?.cities.isEmpty == true)
        #expect(tree.unplacedPhotos == 1)

        let madrid = try catalog.photo(path: folder.file("photos/phone/madrid.jpg"))
        #expect(madrid.facts?.takenAt == "2023-10-06T22:53:51")
        #expect(madrid.facts?.cameraMake == "Google")
        #expect(madrid.contentHash?.hasPrefix("fnv64:") == true)

        // What the user sees.
        let albums = try cairn(["albums"])
        #expect(albums.stdout.contains("Sweden (SE): 1 photo\n  Lund, Skåne County: 1 photo\n"))
    }

    @Test func restartReconcilesNewChangedAndGoneFiles() throws {
        try makeLibrary()
        var daemon = try startDaemon()
        #expect(daemon.waitForLog("library reconciled"))
        #expect(daemon.stop(signal: SIGINT) == 0)

        try FileManager.default.removeItem(atPath: folder.file("photos/berlin/02.jpg"))
        try FileManager.default.removeItem(atPath: folder.file("photos/broken.jpg"))
        try folder.copy(TestPaths.data("exif/mapillary__OpenSfM/data/lund/images/02.jpg"), to: "photos/lund/02.jpg")

        daemon = try startDaemon()
        #expect(daemon.waitForLog("library reconciled"), "\(daemon.stderr)")
        #expect(daemon.stderr.contains("indexed=1"))
        #expect(daemon.stderr.contains("removed=2"))
        #expect(daemon.stop() == 0)

        let status = try Catalog.openReadOnly(path: catalogPath).status()
        #expect(status.photos["removed"] == 2)
        #expect(status.photos["indexed"] == 6)
        // Removed photos keep their facts during the grace period but leave the albums.
        let removed = try Catalog.openReadOnly(path: catalogPath).photo(path: folder.file("photos/berlin/02.jpg"))
        #expect(removed.state == "removed")
        #expect(removed.places.first?.city == "Berlin")
        let berlin = try Catalog.openReadOnly(path: catalogPath).albums(city: "Berlin")
        #expect(berlin.countries.first?.photos == 1)
    }

    @Test func aFolderDroppedWhileStoppedLeavesTheAlbumsAsAReloadWould() throws {
        try makeLibrary()
        var daemon = try RunningProcess(
            TestPaths.executable("cairnd"),
            [
                "--watch", folder.file("photos/berlin"), "--watch", folder.file("photos/lund"), "--catalog",
                catalogPath,
                "--facts-only",
            ])
        #expect(daemon.waitForLog("library reconciled"), "\(daemon.stderr)")
        #expect(daemon.stop() == 0)
        // Restarted without Lund: its photo leaves the albums (kept, removed, until purged), Berlin's stay.
        daemon = try RunningProcess(
            TestPaths.executable("cairnd"),
            ["--watch", folder.file("photos/berlin"), "--catalog", catalogPath, "--facts-only"])
        #expect(daemon.waitForLog("library reconciled"), "\(daemon.stderr)")
        #expect(daemon.stderr.contains("folders no longer watched since the last run"), "\(daemon.stderr)")
        #expect(daemon.stop() == 0)
        let catalog = try Catalog.openReadOnly(path: catalogPath)
        #expect(try catalog.status().photos["removed"] == 1)
        #expect(try catalog.photo(path: folder.file("photos/lund/01.JPG")).state == "removed")
        #expect(try catalog.albums().countries.map(\.country) == ["Germany"])
        // A watched folder's own subfolder given instead: nothing is dropped, the reconcile decides.
        daemon = try RunningProcess(
            TestPaths.executable("cairnd"),
            ["--watch", folder.file("photos"), "--catalog", catalogPath, "--facts-only"])
        #expect(daemon.waitForLog("library reconciled"), "\(daemon.stderr)")
        #expect(!daemon.stderr.contains("folders no longer watched"))
        #expect(daemon.stop() == 0)
        #expect(
            try Catalog.openReadOnly(path: catalogPath).photo(path: folder.file("photos/lund/01.JPG")).state
                == "indexed")
    }

    @Test func badConfigurationStopsWithTheKeyAndLine() throws {
        let config = folder.file("cairn.yaml")
        try "watch:\n  folders: [photos]\nworkers:\n  niceness: 42\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run(TestPaths.executable("cairnd"), ["--config", config])
        #expect(result.status == 78)
        #expect(
            result.stderr == "cairnd: \(config):4: 'workers.niceness' must be a whole number from 0 to 19, got '42'\n")
    }

    @Test func noFoldersIsAUsageError() throws {
        let result = try ProcessRunner.run(
            TestPaths.executable("cairnd"), ["--catalog", catalogPath], currentDirectory: folder.path)
        #expect(result.status == 64)
        #expect(result.stderr.contains("no folders to watch: pass --watch DIR or set watch.folders"))
    }

    @Test func configurationFileDrivesTheDaemon() throws {
        try makeLibrary()
        let config = folder.file("cairn.yaml")
        try """
        watch:
          folders: [photos/berlin]
        catalog:
          path: state/from-config.sqlite
        log:
          level: debug
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", config, "--facts-only"])
        #expect(daemon.waitForLog("library reconciled"), "\(daemon.stderr)")
        #expect(daemon.stop() == 0)
        #expect(daemon.stderr.contains("debug"))
        let status = try Catalog.openReadOnly(path: folder.file("state/from-config.sqlite")).status()
        #expect(status.totalPhotos == 2)
    }
}
