import CairnCatalog
import CairnTesting
import Foundation
import Testing

/// cairnd with `sidecars.mode` on a folder of real photos: sidecars written beside them and read back by exiftool,
/// someone's sidecar merged, sidecars kept in step as photos move, are renamed and deleted, and a read-only folder
/// reported, not fatal. And `cairn sidecars` over the catalog.
@Suite(.serialized) struct SidecarDaemonTests {
    let folder = TemporaryDirectory("cairn-sidecars")
    var photos: String { folder.file("photos") }
    var catalogPath: String { folder.file("state/cairn.sqlite") }
    static let exiftool = URL(fileURLWithPath: "/usr/bin/exiftool")

    func makeLibrary() throws {
        try LibraryFixture.copyGeotaggedPhotos(into: folder)
        // Someone's sidecar for the Lund photo: a rating, a title, their keywords.
        let edit = try ProcessRunner.run(
            Self.exiftool,
            [
                "-q", "-o", folder.file("photos/lund/01.JPG.xmp"), "-XMP-xmp:Rating=4", "-XMP-dc:Title=Lund at noon",
                "-XMP-dc:Subject=Anna", "-XMP-lr:HierarchicalSubject=People|Anna", "-XMP-digiKam:TagsList=People/Anna",
            ])
        #expect(edit.status == 0, "\(edit.stderr)")
    }

    func config(mode: String, extra: String = "") throws -> String {
        let path = folder.file("cairn.yaml")
        try """
        watch:
          folders: [\(photos)]
        catalog:
          path: \(catalogPath)
          purge-removed-after-days: 0
        sidecars:
          mode: \(mode)
          folder: \(folder.file("tree"))
        \(extra)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func startDaemon(_ config: String) throws -> RunningProcess {
        try RunningProcess(TestPaths.executable("cairnd"), ["--config", config, "--facts-only"])
    }

    /// exiftool's reading of one XMP tag (a list for a bag), or nil.
    static func read(_ sidecar: String, _ tag: String) throws -> [String]? {
        let result = try ProcessRunner.run(exiftool, ["-j", "-G1", "-" + tag, sidecar])
        guard result.status == 0,
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]],
            let value = object.first?[tag]
        else { return nil }
        return (value as? [Any])?.map { "\($0)" } ?? ["\(value)"]
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: folder.file(path)) }

    @Test func besideModeKeepsSidecarsInStepWithThePhotos() throws {
        try makeLibrary()
        let config = try config(mode: "beside")
        // The folder the photo moves to exists before: a move into a folder made a moment before can beat its inotify
        // watch, and the photo is then catalogued anew (its old entry removed), not moved.
        try FileManager.default.createDirectory(atPath: folder.file("photos/album"), withIntermediateDirectories: true)
        var daemon = try startDaemon(config)
        #expect(waitUntil { exists("photos/phone/madrid.jpg.xmp") && exists("photos/berlin/02.jpg.xmp") })
        #expect(
            waitUntil {
                try Self.read(folder.file("photos/lund/01.JPG.xmp"), "XMP-lr:HierarchicalSubject")?.count == 2
            }, "\(daemon.stderr)")
        #expect(
            try Self.read(folder.file("photos/phone/madrid.jpg.xmp"), "XMP-lr:HierarchicalSubject") == [
                "Cairn|Places|Spain|Madrid"
            ])
        #expect(
            try Self.read(folder.file("photos/phone/madrid.jpg.xmp"), "XMP-iptcExt:LocationShownCountryCode") == ["ES"])
        // Someone's sidecar: theirs kept, Cairn's added.
        let lund = folder.file("photos/lund/01.JPG.xmp")
        #expect(try Self.read(lund, "XMP-lr:HierarchicalSubject") == ["People|Anna", "Cairn|Places|Sweden|Lund"])
        #expect(try Self.read(lund, "XMP-xmp:Rating") == ["4"])
        #expect(try Self.read(lund, "XMP-dc:Title") == ["Lund at noon"])
        #expect(try Self.read(lund, "XMP-dc:Subject") == ["Anna", "Sweden", "Lund"])
        #expect(try Self.read(lund, "XMP-digiKam:TagsList") == ["People/Anna", "Cairn/Places/Sweden/Lund"])

        // A photo moved alone: its sidecar follows. A folder renamed: its sidecars went with it.
        try FileManager.default.moveItem(
            atPath: folder.file("photos/berlin/01.jpg"), toPath: folder.file("photos/album/01.jpg"))
        try FileManager.default.moveItem(atPath: folder.file("photos/phone"), toPath: folder.file("photos/mobile"))
        #expect(
            waitUntil { exists("photos/album/01.jpg.xmp") && !exists("photos/berlin/01.jpg.xmp") }, "\(daemon.stderr)")
        #expect(exists("photos/mobile/madrid.jpg.xmp"))
        #expect(
            try Self.read(folder.file("photos/album/01.jpg.xmp"), "XMP-lr:HierarchicalSubject") == [
                "Cairn|Places|Germany|Berlin"
            ])
        // Cairn's own writes come back as inotify events that are dropped by name: no sidecar is ever catalogued.
        #expect(daemon.stop() == 0)
        var catalog = try Catalog.openReadOnly(path: catalogPath)
        #expect(try catalog.status().totalPhotos == 4)
        #expect(try catalog.sidecarStatus().written == 4)

        // Deleted photos: once purged, a sidecar only Cairn wrote goes; someone's keeps all of theirs.
        try FileManager.default.removeItem(atPath: folder.file("photos/lund/01.JPG"))
        try FileManager.default.removeItem(atPath: folder.file("photos/mobile/madrid.jpg"))
        daemon = try startDaemon(config)
        #expect(waitUntil { !exists("photos/mobile/madrid.jpg.xmp") }, "\(daemon.stderr)")
        #expect(waitUntil { try Self.read(lund, "XMP-lr:HierarchicalSubject") == ["People|Anna"] })
        #expect(try Self.read(lund, "XMP-xmp:Rating") == ["4"])
        #expect(try Self.read(lund, "XMP-dc:Subject") == ["Anna"])
        #expect(daemon.stop() == 0)
        catalog = try Catalog.openReadOnly(path: catalogPath)
        #expect(try catalog.sidecarStatus().written == 2)
    }

    @Test func aNewPlacementMovesCairnsPartAndTheTreeFollowsMoves() throws {
        try makeLibrary()
        var daemon = try startDaemon(try config(mode: "beside"))
        let lund = folder.file("photos/lund/01.JPG.xmp")
        #expect(waitUntil { exists("photos/phone/madrid.jpg.xmp") && exists("photos/berlin/02.jpg.xmp") })
        #expect(waitUntil { try Self.read(lund, "XMP-lr:HierarchicalSubject")?.count == 2 }, "\(daemon.stderr)")
        #expect(daemon.stop() == 0)

        // Tree mode now: the sidecars only Cairn wrote beside the photos go, Cairn's part leaves someone's, and the
        // tree gets them all.
        daemon = try startDaemon(try config(mode: "tree"))
        let tree = folder.file("tree")
        let madrid = tree + folder.file("photos/phone/madrid.jpg") + ".xmp"
        #expect(
            waitUntil { FileManager.default.fileExists(atPath: madrid) && !exists("photos/phone/madrid.jpg.xmp") },
            "\(daemon.stderr)")
        #expect(waitUntil { try Self.read(lund, "XMP-lr:HierarchicalSubject") == ["People|Anna"] })
        #expect(try Self.read(lund, "XMP-xmp:Rating") == ["4"])
        #expect(
            try Self.read(tree + folder.file("photos/lund/01.JPG") + ".xmp", "XMP-lr:HierarchicalSubject") == [
                "Cairn|Places|Sweden|Lund"
            ])
        #expect(!exists("photos/berlin/01.jpg.xmp"))

        // A photo moved: its sidecar moves in the tree.
        try FileManager.default.moveItem(
            atPath: folder.file("photos/phone/madrid.jpg"), toPath: folder.file("photos/madrid.jpg"))
        let moved = tree + folder.file("photos/madrid.jpg") + ".xmp"
        #expect(
            waitUntil {
                FileManager.default.fileExists(atPath: moved) && !FileManager.default.fileExists(atPath: madrid)
            },
            "\(daemon.stderr)")
        #expect(try Self.read(moved, "XMP-lr:HierarchicalSubject") == ["Cairn|Places|Spain|Madrid"])
        #expect(daemon.stop() == 0)
    }

    @Test func aReadOnlyPhotoFolderIsReportedNotFatal() throws {
        try makeLibrary()
        let config = try config(mode: "beside")
        let readOnly = folder.file("photos/berlin")
        // As root, file modes do not stop a write: the folder is bind-mounted read-only in a mount namespace of the
        // daemon's own; otherwise its mode is enough.
        let daemon: RunningProcess
        if getuid() == 0 {
            daemon = try RunningProcess(
                URL(fileURLWithPath: "/usr/bin/unshare"),
                [
                    "-m", "sh", "-c",
                    "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" && exec \"$1\" --config \"$2\" --facts-only",
                    readOnly, TestPaths.executable("cairnd").path, config,
                ])
        } else {
            chmod(readOnly, 0o555)
            daemon = try startDaemon(config)
        }
        defer { chmod(readOnly, 0o755) }
        #expect(waitUntil { exists("photos/phone/madrid.jpg.xmp") }, "\(daemon.stderr)")
        #expect(daemon.waitForLog("cannot write sidecars in a folder"), "\(daemon.stderr)")
        #expect(daemon.count("cannot write sidecars in a folder") == 1)
        #expect(daemon.stderr.contains("sidecars.mode: tree"))
        let status = try ProcessRunner.run(TestPaths.executable("cairn"), ["status", "--catalog", catalogPath])
        #expect(status.stdout.contains("Sidecars: beside, 2 written, 2 failed"), "\(status.stdout)")
        #expect(status.stdout.contains("berlin/01.jpg.xmp: cannot write a sidecar in this folder"), "\(status.stdout)")
        // The daemon carries on: a new photo elsewhere gets its sidecar.
        try folder.copy(TestPaths.data("exif/mapillary__OpenSfM/data/lund/images/02.jpg"), to: "photos/lund/02.jpg")
        #expect(waitUntil { exists("photos/lund/02.jpg.xmp") }, "\(daemon.stderr)")
        #expect(daemon.stop() == 0)
    }

    @Test func theCLIWritesChecksAndRemovesSidecarsInATree() throws {
        try makeLibrary()
        let config = try config(mode: "off")
        let index = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["index", photos, "--facts-only", "--config", config])
        #expect(index.status == 0, "\(index.stderr)")
        func cairn(_ arguments: [String]) throws -> ProcessResult {
            try ProcessRunner.run(TestPaths.executable("cairn"), ["sidecars"] + arguments + ["--config", config])
        }
        let tree = folder.file("tree")
        var check = try cairn(["check", "--mode", "tree"])
        #expect(check.status == 1)
        #expect(check.stdout.contains("0 in step, 0 stale, 4 missing, 0 unparsable, 0 none"), "\(check.stdout)")

        let write = try cairn(["write", "--mode", "tree", folder.file("photos/berlin"), folder.file("photos/phone")])
        #expect(write.status == 0, "\(write.stderr)")
        #expect(write.stdout.contains("3 photos: 3 sidecars written"), "\(write.stdout)")
        let madrid = tree + folder.file("photos/phone/madrid.jpg") + ".xmp"
        #expect(try Self.read(madrid, "XMP-lr:HierarchicalSubject") == ["Cairn|Places|Spain|Madrid"])
        // Nothing beside the photos; the Lund photo's own sidecar is untouched.
        #expect(!exists("photos/phone/madrid.jpg.xmp"))
        #expect(try Self.read(folder.file("photos/lund/01.JPG.xmp"), "XMP-lr:HierarchicalSubject") == ["People|Anna"])

        check = try cairn(["check", "--mode", "tree", "--list"])
        #expect(check.stdout.contains("3 in step, 0 stale, 1 missing"), "\(check.stdout)")
        #expect(check.stdout.contains("missing    \(tree)\(folder.file("photos/lund/01.JPG")).xmp"), "\(check.stdout)")

        // A sidecar that is not XMP is reported and left alone.
        try FileManager.default.removeItem(atPath: madrid)
        try "not xml".write(toFile: madrid, atomically: true, encoding: .utf8)
        check = try cairn(["check", "--mode", "tree", "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any]
        #expect((report?["counts"] as? [String: Int])?["unparsable"] == 1, "\(check.stdout)")
        let rewrite = try cairn(["write", "--mode", "tree"])
        #expect(rewrite.status == 1)
        #expect(rewrite.stderr.contains("not a readable XMP sidecar"), "\(rewrite.stderr)")
        #expect(try String(contentsOfFile: madrid, encoding: .utf8) == "not xml")
        try FileManager.default.removeItem(atPath: madrid)

        let remove = try cairn(["remove", "--mode", "tree"])
        #expect(remove.status == 0, "\(remove.stderr)")
        #expect(remove.stdout.contains("4 photos: 3 sidecars cleaned"), "\(remove.stdout)")
        let left = FileManager.default.enumerator(atPath: tree)?.compactMap { $0 as? String }.filter {
            $0.hasSuffix(".xmp")
        }
        #expect(left == [])
    }

    @Test func theUnitDropInNamesTheFoldersCairndWrites() throws {
        let besideConfig = try config(mode: "beside")
        let unit = try ProcessRunner.run(TestPaths.executable("cairn"), ["sidecars", "unit", "--config", besideConfig])
        #expect(unit.status == 0)
        #expect(unit.stdout.contains("[Service]\nReadWritePaths=\(photos)\n"), "\(unit.stdout)")
        // systemd accepts it: the unit with the drop-in's section added verifies without a complaint about it.
        let unitText = try String(
            contentsOf: TestPaths.repositoryRoot.appendingPathComponent("systemd/cairnd.service"), encoding: .utf8)
        let combined = folder.file("cairnd.service")
        try (unitText + "\n" + unit.stdout).write(toFile: combined, atomically: true, encoding: .utf8)
        let verify = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/systemd-analyze"), ["verify", combined])
        #expect(!verify.stderr.contains("ReadWritePaths"), "\(verify.stderr)")
        // Off: nothing to add.
        let off = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["sidecars", "unit", "--config", try config(mode: "off")])
        #expect(!off.stdout.contains("ReadWritePaths="))
    }
}
