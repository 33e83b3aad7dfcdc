import CairnCatalog
import CairnTesting
import Foundation
import GRDB
import Testing

/// The real `cairnd` on a temporary folder with real inotify and a real SQLite catalog.
@Suite(.serialized) struct WatchTests {
    let folder = TemporaryDirectory("cairnd-watch")
    var root: String { folder.file("photos") }
    var catalogPath: String { folder.file("cairn.sqlite") }
    static let small = TestPaths.data("exif/exiftool__exiftool/t/images/Apple.jpg")  // an 8×8 camera JPEG
    static let street = TestPaths.data("exif/mapillary__OpenSfM/data/berlin/images/01.jpg")

    init() throws {
        try FileManager.default.createDirectory(atPath: folder.file("photos"), withIntermediateDirectories: true)
    }

    func start(_ extra: [String] = [], environment: [String: String] = [:]) throws -> RunningProcess {
        let daemon = try RunningProcess(
            TestPaths.executable("cairnd"), ["--watch", root, "--catalog", catalogPath, "--facts-only"] + extra,
            environment: environment)
        #expect(daemon.waitForLog("library reconciled"), "\(daemon.stderr)")
        return daemon
    }

    func catalog() throws -> Catalog { try Catalog.openReadOnly(path: catalogPath) }

    func state(_ path: String) -> String? { try? catalog().photo(path: path).state }

    func id(_ path: String) -> Int64? { try? catalog().photoID(path: path) }

    /// Tags a photo as a recognizer would, so a test can see that tags survive moves.
    func tag(_ path: String, label: String) throws {
        let writer = try Catalog.openForWriting(path: catalogPath)
        let id = try #require(try writer.photoID(path: path))
        try writer.storeRecognition(
            photoId: id, recognizerId: "test", version: "1",
            result: .success(RecognitionResult(tags: [(kind: "scene", label: label, score: 1)])))
    }

    @Test func newPhotoIsIndexedOnceAfterItIsFullyWritten() throws {
        let daemon = try start()
        let copied = try folder.copy(Self.street, to: "photos/new/copied.jpg")
        #expect(waitUntil { state(copied) == "indexed" })

        // A large file written slowly in pieces, as cp does over a slow link: nothing is read until it is closed.
        let data = [UInt8](try Data(contentsOf: Self.street))
        let slow = folder.file("photos/slow.jpg")
        let fd = open(slow, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0)
        for chunk in stride(from: 0, to: data.count, by: data.count / 5) {
            let piece = Array(data[chunk..<min(chunk + data.count / 5, data.count)])
            #expect(write(fd, piece, piece.count) == piece.count)
            usleep(200_000)
            #expect(state(slow) == nil, "read before the writer closed it")
        }
        close(fd)
        #expect(waitUntil { state(slow) == "indexed" })
        usleep(300_000)
        #expect(daemon.count("photo.path=\(slow) [CairnDaemon] photo indexed") == 1)
        #expect(daemon.stop() == 0)
    }

    @Test func atomicWriteAndHiddenOrTemporaryFiles() throws {
        let daemon = try start()
        let temporary = try folder.copy(Self.street, to: "photos/.upload.jpg.tmp")
        let final = folder.file("photos/upload.jpg")
        try FileManager.default.moveItem(atPath: temporary, toPath: final)
        try folder.copy(Self.street, to: "photos/.hidden.jpg")
        try folder.copy(Self.street, to: "photos/partial.jpg.part")
        try folder.write(Array("notes".utf8), to: "photos/notes.txt")
        #expect(waitUntil { state(final) == "indexed" })
        usleep(500_000)
        #expect(try catalog().status().totalPhotos == 1)
        #expect(daemon.stop() == 0)
    }

    @Test func renamedAndMovedPhotosKeepTheirIdentityAndTags() throws {
        let original = try folder.copy(Self.street, to: "photos/a/one.jpg")
        var daemon = try start()
        let firstId = try #require(id(original))
        try tag(original, label: "street")

        let renamed = folder.file("photos/a/renamed.jpg")
        try FileManager.default.moveItem(atPath: original, toPath: renamed)
        #expect(waitUntil { id(renamed) == firstId })
        let moved = folder.file("photos/b/moved.jpg")
        try FileManager.default.createDirectory(atPath: folder.file("photos/b"), withIntermediateDirectories: true)
        usleep(200_000)  // let the new folder's watch be installed
        try FileManager.default.moveItem(atPath: renamed, toPath: moved)
        #expect(waitUntil { id(moved) == firstId })
        #expect(try catalog().photo(path: moved).tags.map(\.label) == ["street"])

        // Out of the watched tree: removed, tags kept for the grace period. Back in: the same photo again.
        let outside = folder.file("elsewhere.jpg")
        try FileManager.default.moveItem(atPath: moved, toPath: outside)
        #expect(waitUntil { state(moved) == "removed" })
        try FileManager.default.moveItem(atPath: outside, toPath: moved)
        #expect(waitUntil { state(moved) == "indexed" })
        #expect(id(moved) == firstId)
        #expect(try catalog().photo(path: moved).tags.map(\.label) == ["street"])

        // Renamed while the daemon is stopped: matched at start-up by device+inode.
        #expect(daemon.stop() == 0)
        let offline = folder.file("photos/offline-name.jpg")
        try FileManager.default.moveItem(atPath: moved, toPath: offline)
        daemon = try start()
        #expect(daemon.stderr.contains("moved=1"))
        #expect(id(offline) == firstId)
        #expect(try catalog().photo(path: offline).tags.map(\.label) == ["street"])

        // Copied to another name and the original deleted while stopped: matched by content hash.
        #expect(daemon.stop() == 0)
        let copy = try folder.copy(URL(fileURLWithPath: offline), to: "photos/copy.jpg")
        try FileManager.default.removeItem(atPath: offline)
        daemon = try start()
        #expect(id(copy) == firstId)
        #expect(try catalog().photo(path: copy).tags.map(\.label) == ["street"])

        try FileManager.default.removeItem(atPath: copy)
        #expect(waitUntil { state(copy) == "removed" })
        #expect(daemon.stop() == 0)
    }

    @Test func renamingAFolderOf200PhotosKeepsEveryTagWithoutReindexing() throws {
        for i in 0..<200 { try folder.copy(Self.small, to: "photos/2019 trip/\(i).jpg") }
        let daemon = try start()
        #expect(try catalog().status().photos["indexed"] == 200)
        let ids = try (0..<200).map { try #require(id(folder.file("photos/2019 trip/\($0).jpg"))) }
        try tag(folder.file("photos/2019 trip/7.jpg"), label: "beach")

        let ingestedBefore = daemon.count("photo indexed")
        try FileManager.default.moveItem(
            atPath: folder.file("photos/2019 trip"), toPath: folder.file("photos/2019 Portugal"))
        #expect(waitUntil { id(folder.file("photos/2019 Portugal/199.jpg")) == ids[199] })
        #expect((0..<200).map { id(folder.file("photos/2019 Portugal/\($0).jpg")) } == ids)
        #expect(try catalog().photo(path: folder.file("photos/2019 Portugal/7.jpg")).tags.map(\.label) == ["beach"])
        // One folder move, no photo read again.
        #expect(daemon.count("photos=200 [CairnDaemon] folder moved") == 1)
        #expect(daemon.count("photo indexed") == ingestedBefore)

        // The moved folder's watches follow it: a new photo inside is seen.
        let added = try folder.copy(Self.street, to: "photos/2019 Portugal/new.jpg")
        #expect(waitUntil { state(added) == "indexed" })
        try FileManager.default.removeItem(atPath: folder.file("photos/2019 Portugal"))
        #expect(waitUntil { (try? catalog().status().photos["removed"]) == 201 })
        #expect(daemon.stop() == 0)
    }

    @Test func aFolderMovedInIsWatchedAndScanned() throws {
        let daemon = try start()
        let outside = folder.file("incoming")
        for i in 0..<5 { try folder.copy(Self.small, to: "incoming/sub/\(i).jpg") }
        try FileManager.default.moveItem(atPath: outside, toPath: folder.file("photos/incoming"))
        #expect(waitUntil { (try? catalog().status().photos["indexed"]) == 5 })
        let later = try folder.copy(Self.small, to: "photos/incoming/sub/later.jpg")
        #expect(waitUntil { state(later) == "indexed" })
        #expect(daemon.stop() == 0)
    }

    @Test func queueOverflowTriggersARescanThatMakesTheCatalogExact() throws {
        let flood = folder.file("photos/flood")
        try FileManager.default.createDirectory(atPath: flood, withIntermediateDirectories: true)
        let daemon = try start()
        daemon.send(SIGSTOP)  // the reader is paused: 40,000 events overflow the kernel's queue of 16,384
        let data = try Data(contentsOf: Self.small)
        for i in 0..<20_000 {
            FileManager.default.createFile(atPath: "\(flood)/\(i).jpg", contents: data)
        }
        daemon.send(SIGCONT)
        #expect(
            waitUntil(timeout: 240) { (try? catalog().status().photos["indexed"]) == 20_000 },
            "\(daemon.stderr.suffix(2000))")
        #expect(daemon.stderr.contains("inotify queue overflowed; rescanning"))
        #expect(try catalog().status().totalPhotos == 20_000)
        #expect(daemon.stop() == 0)
    }

    @Test func killedDuringIngestThenRestartedLeavesACompleteConsistentCatalog() throws {
        for i in 0..<1_500 { try folder.copy(Self.small, to: "photos/batch/\(i).jpg") }
        let daemon = try RunningProcess(
            TestPaths.executable("cairnd"), ["--watch", root, "--catalog", catalogPath, "--facts-only"])
        #expect(waitUntil { (try? catalog().status().photos["indexed"] ?? 0) ?? 0 > 100 })
        daemon.send(SIGKILL)
        _ = daemon.stop()
        let partial = try catalog().status().photos["indexed"] ?? 0
        #expect(partial < 1_500, "the daemon finished before it was killed; the test proves nothing")

        let restarted = try start()
        let status = try catalog().status()
        #expect(status.photos["indexed"] == 1_500)
        #expect(status.photos["pending"] == 0)
        #expect(status.totalPhotos == 1_500)
        let check = try DatabaseQueue(path: catalogPath).read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
        #expect(check == "ok")
        let facts = try DatabaseQueue(path: catalogPath).read {
            try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM photo_facts")
        }
        #expect(facts == 1_500)
        #expect(restarted.stop() == 0)
    }

    @Test func sighupReloadAddsAFolderAndChangesTheLogLevel() throws {
        let second = folder.file("more")
        try folder.copy(Self.street, to: "more/extra.jpg")
        let config = folder.file("cairn.yaml")
        try "watch:\n  folders: [photos]\ncatalog:\n  path: cairn.sqlite\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let notify = try NotifySocket(path: folder.file("notify.sock"))
        let daemon = try RunningProcess(
            TestPaths.executable("cairnd"), ["--config", config, "--facts-only"],
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"])
        #expect(daemon.waitForLog("library reconciled"), "\(daemon.stderr)")
        #expect(waitUntil { notify.saw("READY=1") })
        #expect(notify.messages.contains { $0.contains("STATUS=") })
        #expect(waitUntil(timeout: 5) { notify.saw("WATCHDOG=1") })

        try "watch:\n  folders: [photos, more]\ncatalog:\n  path: cairn.sqlite\nlog:\n  level: debug\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        #expect(daemon.waitForLog("configuration reloaded"), "\(daemon.stderr)")
        #expect(waitUntil { state(folder.file("more/extra.jpg")) == "indexed" })
        #expect(notify.saw("RELOADING=1"))
        #expect(notify.messages.filter { $0.contains("READY=1") }.count >= 2)
        let later = try folder.copy(Self.small, to: "more/later.jpg")
        #expect(waitUntil { state(later) == "indexed" })
        #expect(daemon.stderr.contains(" debug cairnd: "))
        let status = try ProcessRunner.run(TestPaths.executable("cairn"), ["status", "--catalog", catalogPath])
        #expect(status.stdout.contains("Reload:  reloaded: 1 folders added, 0 removed, log level debug"))
        #expect(status.stdout.contains("Watch:   2 folders with 2 inotify watches"))
        #expect(status.stdout.contains("Daemon:  running (pid \(daemon.process.processIdentifier)), watching"))

        // A broken configuration keeps the old one and says why.
        try "watch:\n  folderz: []\n".write(toFile: config, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        #expect(daemon.waitForLog("reload failed, keeping the previous configuration"))
        #expect(waitUntil { notify.messages.contains { $0.contains("STATUS=Reload failed: ") } })

        #expect(daemon.stop() == 0)
        #expect(waitUntil(timeout: 2) { notify.saw("STOPPING=1") })
    }

    @Test func aReloadErrorOfManyLinesStillEndsTheReloadForSystemd() throws {
        // systemd 252 drops a notification over 4096 bytes whole: a YAML error quoting the shipped configuration
        // in STATUS= took READY=1 with it, and a real systemd left the unit "reloading" until it timed out.
        let config = folder.file("cairn.yaml")
        let shipped = try String(
            contentsOfFile: TestPaths.repositoryRoot.appendingPathComponent("Config/cairn.yaml").path, encoding: .utf8)
        let good = "watch:\n  folders: [photos]\ncatalog:\n  path: cairn.sqlite\n"
        try good.write(toFile: config, atomically: true, encoding: .utf8)
        let notify = try NotifySocket(path: folder.file("notify.sock"))
        let daemon = try RunningProcess(
            TestPaths.executable("cairnd"), ["--config", config, "--facts-only"],
            environment: ["NOTIFY_SOCKET": notify.path])
        #expect(daemon.waitForLog("library reconciled"), "\(daemon.stderr)")
        #expect(waitUntil { notify.saw("READY=1") })
        let readyBefore = notify.messages.filter { $0.contains("READY=1") }.count

        try (good + shipped.replacingOccurrences(of: "/srv/photos", with: "photos") + "log:\n  level: debug\n")
            .write(toFile: config, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        #expect(daemon.waitForLog("reload failed, keeping the previous configuration"), "\(daemon.stderr)")
        #expect(waitUntil { notify.messages.filter { $0.contains("READY=1") }.count > readyBefore })
        let messages = notify.messages
        #expect(messages.allSatisfy { $0.utf8.count <= 4096 }, "\(messages.map(\.utf8.count))")
        // Every line is one assignment: a reason's own lines never leak into the message.
        let lines = messages.flatMap { $0.split(separator: "\n") }
        #expect(
            lines.allSatisfy { $0.range(of: #"^[A-Z_]+="#, options: .regularExpression) != nil }, "\(lines.prefix(20))")
        #expect(messages.contains { $0.contains("STATUS=Reload failed: ") && $0.contains("duplicated key") })
        #expect(daemon.stop() == 0)
    }

    @Test func watchdogPingsKeepComingDuringALongReconcileOnOneCPU() throws {
        let data = try Data(contentsOf: Self.small)
        for i in 0..<8_000 {
            FileManager.default.createFile(atPath: folder.file("photos/\(i).jpg"), contents: data)
        }
        let notify = try NotifySocket(path: folder.file("notify.sock"))
        let daemon = try RunningProcess(
            URL(fileURLWithPath: "/usr/bin/taskset"),
            [
                "-c", "0", TestPaths.executable("cairnd").path, "--watch", root, "--catalog", catalogPath,
                "--facts-only",
            ],
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        // What systemd received by the time the reconcile ended.
        var received: [String] = []
        let deadline = Date().addingTimeInterval(240)
        while !daemon.stderr.contains("library reconciled") && Date() < deadline && daemon.process.isRunning {
            received = notify.messages
            usleep(20_000)
        }
        #expect(daemon.waitForLog("library reconciled", timeout: 1), "\(daemon.stderr.suffix(2000))")
        let seconds =
            daemon.stderr.components(separatedBy: "seconds=").dropFirst().first
            .flatMap { Double($0.prefix { $0 == "." || $0.isNumber }) } ?? 0
        #expect(seconds >= 2, "the reconcile took \(seconds) s: too short to prove anything")
        let afterReady = received.drop { !$0.contains("READY=1") }
        let pings = afterReady.filter { $0 == "WATCHDOG=1" }.count
        // A ping every 0.5 s while the reconcile runs (a watchdog of 1 s); a starved pinger sends none.
        #expect(Double(pings) >= seconds - 1, "\(pings) pings during a reconcile of \(seconds) s")
        #expect(daemon.stop() == 0)
    }

    @Test func aCatalogWriteThatFailsIsLoggedAndShownByCairnStatus() throws {
        let config = folder.file("cairn.yaml")
        try "watch:\n  folders: [photos]\ncatalog:\n  path: cairn.sqlite\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", config, "--facts-only"])
        #expect(waitUntil { try catalog().daemonStatus().state == .watching }, "\(daemon.stderr)")

        // Another process holds the catalog's write lock past cairnd's busy timeout (10 s) while cairnd reloads and
        // records the reload's outcome.
        let holder = CatalogLockHolder(path: catalogPath)
        try holder.lock()
        daemon.send(SIGHUP)
        #expect(daemon.waitForLog("cannot write to the catalog", timeout: 40), "\(daemon.stderr)")
        #expect(daemon.stderr.contains("write=a reload's outcome"), "\(daemon.stderr)")
        holder.unlock()

        // Recorded once the catalog can be written again; `cairn status` shows it.
        #expect(waitUntil(timeout: 40) { try catalog().daemonStatus().writeFailure != nil }, "\(daemon.stderr)")
        let recorded = try catalog().daemonStatus()
        #expect(recorded.writeFailure?.hasPrefix("a reload's outcome: ") == true, "\(String(describing: recorded))")
        #expect(recorded.writeFailure?.contains("database is locked") == true, "\(String(describing: recorded))")
        #expect(recorded.writeFailedAt != nil)
        let status = try ProcessRunner.run(TestPaths.executable("cairn"), ["status", "--catalog", catalogPath])
        #expect(status.stdout.contains("Writes:  the last failed ("), "\(status.stdout)")
        #expect(status.stdout.contains("a reload's outcome: "), "\(status.stdout)")
        let json = try ProcessRunner.run(TestPaths.executable("cairn"), ["status", "--catalog", catalogPath, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let report = try #require(object["daemon"] as? [String: String])
        #expect(report["writeFailure"]?.contains("database is locked") == true)
        #expect(report["running"] == "true")
        #expect(daemon.stop() == 0, "\(daemon.stderr)")
    }

    @Test func foldersBeyondTheWatchBudgetAreRescannedPeriodically() throws {
        for name in ["a", "b", "c"] {
            try FileManager.default.createDirectory(
                atPath: folder.file("photos/\(name)"), withIntermediateDirectories: true)
        }
        let config = folder.file("cairn.yaml")
        try "watch:\n  folders: [photos]\n  max-watches: 2\n  rescan-minutes: 1\ncatalog:\n  path: cairn.sqlite\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", config, "--facts-only"])
        #expect(daemon.waitForLog("library reconciled"), "\(daemon.stderr)")
        #expect(daemon.stderr.contains("inotify watch budget spent"))
        let status = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["status", "--catalog", catalogPath, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let report = try #require(object["daemon"] as? [String: String])
        #expect(report["watches"] == "2")
        #expect(report["unwatchedFolders"] == "2")
        #expect(report["running"] == "true")

        // Photos land in every subfolder; the unwatched ones are found by the next periodic rescan.
        let photos = try ["a", "b", "c"].map { try folder.copy(Self.small, to: "photos/\($0)/new.jpg") }
        #expect(
            waitUntil(timeout: 90) { photos.allSatisfy { state($0) == "indexed" } }, "\(daemon.stderr.suffix(1500))")
        #expect(daemon.stderr.contains("rescanning folders without a watch"))
        #expect(daemon.stop() == 0)
    }

    @Test func everySystemCallTheDaemonMakesPassesTheUnitsFilter() throws {
        // A real run under strace: start-up with the backbone and an external plugin (a child process, under the
        // same filter), ingest, recognition, a new file, a rename, a new folder, SIGHUP, SIGTERM. Every call must be
        // allowed by the unit's SystemCallFilter= lines.
        try folder.copy(TestPaths.data("distractors-dev/n03063599_coffee_mug.jpg"), to: "photos/mug.jpg")
        let trace = folder.file("trace.log")
        let model = TestPaths.repositoryRoot.appendingPathComponent("models/efficientnet-lite0.safetensors").path
        let config = folder.file("cairn.yaml")
        let daylight = TestPaths.repositoryRoot.appendingPathComponent("Plugins/External/daylight/cairn-daylight").path
        try
            "watch:\n  folders: [photos]\ncatalog:\n  path: cairn.sqlite\nbackbone:\n  model: \(model)\nworkers:\n  threads: 1\n"
            .appending("recognizers:\n  daylight:\n    command: \(daylight)\n")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let traced = try RunningProcess(
            URL(fileURLWithPath: "/usr/bin/strace"),
            ["-f", "-qq", "-o", trace, TestPaths.executable("cairnd").path, "--config", config])
        #expect(
            waitUntil(timeout: 120) {
                let recognizers = try catalog().status().recognizers
                return recognizers.first { $0.id == "scene-tags" }?.done == 1
                    && recognizers.first { $0.id == "daylight" }?.done == 1
            }, "\(traced.stderr)")
        let pid = try #require(try catalog().status().daemon.pid)
        try folder.copy(Self.small, to: "photos/new.jpg")
        try FileManager.default.moveItem(
            atPath: folder.file("photos/new.jpg"), toPath: folder.file("photos/renamed.jpg"))
        try FileManager.default.createDirectory(atPath: folder.file("photos/sub"), withIntermediateDirectories: true)
        #expect(
            waitUntil { state(folder.file("photos/renamed.jpg")) == "indexed" },
            "\(String(describing: state(folder.file("photos/renamed.jpg")))) \(traced.stderr.suffix(3000))")
        kill(pid, SIGHUP)
        #expect(traced.waitForLog("configuration reloaded"))
        kill(pid, SIGTERM)
        #expect(traced.stop(signal: 0, timeout: 30) == 0)
        let check = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", TestPaths.repositoryRoot.appendingPathComponent("tools/check_syscalls.py").path,
                TestPaths.repositoryRoot.appendingPathComponent("systemd/cairnd.service").path, trace,
            ])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("distinct system calls in the trace"))
    }

    @Test func shippedUnitPassesSystemdAnalyzeVerify() throws {
        let stage = TemporaryDirectory("cairn-root")
        let install = try ProcessRunner.run(
            URL(fileURLWithPath: "/bin/bash"),
            [TestPaths.repositoryRoot.appendingPathComponent("scripts/install.sh").path, "--no-build"],
            environment: ["DESTDIR": stage.path, "BINDIR": TestPaths.productsDirectory.path])
        #expect(install.status == 0, "\(install.stderr)")
        for path in [
            "usr/local/bin/cairnd", "usr/local/bin/cairn", "etc/systemd/system/cairnd.service",
            "etc/sysctl.d/60-cairn-inotify.conf", "etc/cairn/cairn.yaml",
        ] {
            #expect(FileManager.default.fileExists(atPath: stage.file(path)), "\(path) not installed")
        }
        // systemd-analyze resolves units and commands inside --root: give it the system's units and kill(1).
        try FileManager.default.createDirectory(
            atPath: stage.file("usr/lib/systemd"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: stage.file("usr/bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: "/usr/lib/systemd/system", toPath: stage.file("usr/lib/systemd/system"))
        try FileManager.default.copyItem(atPath: "/usr/bin/kill", toPath: stage.file("usr/bin/kill"))
        try FileManager.default.createSymbolicLink(atPath: stage.file("bin"), withDestinationPath: "usr/bin")
        let verify = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/systemd-analyze"),
            ["verify", "--man=no", "--root=\(stage.path)", "/etc/systemd/system/cairnd.service"])
        #expect(verify.status == 0)
        #expect(verify.stdout.isEmpty && verify.stderr.isEmpty, "\(verify.stdout)\(verify.stderr)")
    }
}

/// Holds a catalog's write lock (an open `BEGIN IMMEDIATE` transaction) from another connection until `unlock`.
final class CatalogLockHolder: @unchecked Sendable {
    private let path: String
    private let locked = DispatchSemaphore(value: 0)
    private let release = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let failure = LockedError()

    init(path: String) { self.path = path }

    func lock() throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)  // the daemon may be writing
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        let (locked, release, done, failure) = (locked, release, done, failure)
        Thread.detachNewThread {
            do {
                try queue.inDatabase { db in
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    locked.signal()
                    release.wait()
                    try db.execute(sql: "ROLLBACK")
                }
            } catch {
                failure.error = error
                locked.signal()
            }
            done.signal()
        }
        locked.wait()
        if let error = failure.error { throw error }
    }

    func unlock() {
        release.signal()
        done.wait()
    }
}

private final class LockedError: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (any Error)?
    var error: (any Error)? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
