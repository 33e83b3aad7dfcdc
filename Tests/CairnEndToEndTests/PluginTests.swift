import CairnCatalog
import CairnTesting
import Foundation
import GRDB
import Testing

/// Paths and helpers shared by the plugin and reload tests.
enum PluginFixtures {
    static let model = TestPaths.repositoryRoot.appendingPathComponent("models/efficientnet-lite0.safetensors").path
    static let daylight = TestPaths.repositoryRoot.appendingPathComponent("Plugins/External/daylight/cairn-daylight")
        .path
    static let misbehaving = TestPaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/plugins/misbehaving").path
    static let mug = TestPaths.data("distractors-dev/n03063599_coffee_mug.jpg")
    static let cat = TestPaths.data("distractors-dev/n02123597_Siamese_cat.jpg")
    /// Taken 2008-05-08 09:54:28 at 36.45° N (exiftool's reading in the shared data's groundtruth.tsv).
    static let inn = TestPaths.data("exif/Exiv2__exiv2/test/data/FurnaceCreekInn.jpg")
    static let small = TestPaths.data("exif/exiftool__exiftool/t/images/Apple.jpg")

    /// Processes whose command line contains `marker` (a plugin is given the test folder as an argument).
    static func processes(containing marker: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(marker)
        }
    }

    /// Every catalog invariant a misbehaving plugin could break: SQLite's own checks, at most one recognition row
    /// per (photo, recognizer), and no tags from a (photo, recognizer) whose recognition failed.
    static func expectConsistent(_ catalogPath: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (integrity, foreignKeys, failedTags) = try DatabaseQueue(path: catalogPath).read { db in
            (
                try String.fetchOne(db, sql: "PRAGMA integrity_check"),
                try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count,
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM tags t JOIN recognition x ON x.photoId = t.photoId AND x.recognizerId = t.recognizerId
                        WHERE x.state = 'failed'
                        """)
            )
        }
        #expect(integrity == "ok", sourceLocation: sourceLocation)
        #expect(foreignKeys == 0, sourceLocation: sourceLocation)
        #expect(failedTags == 0, sourceLocation: sourceLocation)
    }
}

/// The real daemon running external plugins beside the built-in scene tagger: the shipped example does its job, and
/// plugins that crash, hang, print garbage or keep failing cost only their own results.
@Suite(.serialized) struct PluginTests {
    let folder = TemporaryDirectory("cairn-plugins")
    var catalogPath: String { folder.file("cairn.sqlite") }

    func catalog() throws -> Catalog { try Catalog.openReadOnly(path: catalogPath) }

    func recognition(_ path: String, _ recognizer: String) throws -> PhotoDetails.Recognition? {
        try catalog().photo(path: path).recognition.first { $0.recognizer == recognizer }
    }

    @Test func recognitionResultsThatCannotBeStoredAreLoggedAndShownByCairnStatus() throws {
        try FileManager.default.createDirectory(atPath: folder.file("photos"), withIntermediateDirectories: true)
        let config = folder.file("cairn.yaml")
        try """
        watch:
          folders: [photos]
        catalog:
          path: cairn.sqlite
        recognizers:
          scene-tags:
            enabled: false
          landmarks:
            enabled: false
          daylight:
            command: \(PluginFixtures.daylight)

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", config])
        #expect(waitUntil { try catalog().daemonStatus().state == .watching }, "\(daemon.stderr)")
        // A fault in the catalog: it refuses recognition results (ingest still works).
        try DatabaseQueue(path: catalogPath).write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER test_results_refused BEFORE INSERT ON recognition
                    BEGIN SELECT RAISE(ABORT, 'results refused by the test'); END
                    """)
        }
        let photo = try folder.copy(PluginFixtures.inn, to: "photos/inn.jpg")
        #expect(daemon.waitForLog("cannot write to the catalog"), "\(daemon.stderr)")
        #expect(daemon.stderr.contains("write=the recognition of 1 photos from \(photo)"), "\(daemon.stderr)")
        #expect(waitUntil(timeout: 30) { try catalog().daemonStatus().writeFailure != nil }, "\(daemon.stderr)")
        let failure = try #require(try catalog().daemonStatus().writeFailure)
        #expect(failure.hasPrefix("the recognition of 1 photos from \(photo): "), "\(failure)")
        #expect(failure.contains("results refused by the test"), "\(failure)")
        let status = try ProcessRunner.run(TestPaths.executable("cairn"), ["status", "--catalog", catalogPath])
        #expect(status.stdout.contains("Writes:  the last failed ("), "\(status.stdout)")
        #expect(try catalog().photo(path: photo).recognition.isEmpty)
        #expect(daemon.stop() == 0)
    }

    @Test func misbehavingPluginsCostOnlyTheirOwnResults() throws {
        let mug = try folder.copy(PluginFixtures.mug, to: "photos/mug.jpg")
        let inn = try folder.copy(PluginFixtures.inn, to: "photos/inn.jpg")
        let crash = try folder.copy(PluginFixtures.small, to: "photos/crash-me.jpg")
        let hang = try folder.copy(PluginFixtures.small, to: "photos/hang-me.jpg")
        let garbage = try folder.copy(PluginFixtures.small, to: "photos/garbage-me.jpg")
        let all = [mug, inn, crash, hang, garbage]
        let marker = folder.file("plugin-marker")
        func plugin(_ id: String, _ mode: String, trigger: String, extra: String = "") -> String {
            """
              \(id):
                command: \(PluginFixtures.misbehaving)
                arguments: [\(marker)]
            \(extra)    settings:
                  mode: \(mode)
                  trigger: "\(trigger)"

            """
        }
        let config = folder.file("cairn.yaml")
        try """
        watch:
          folders: [photos]
        catalog:
          path: cairn.sqlite
        backbone:
          model: \(PluginFixtures.model)
        workers:
          threads: 2
        recognizers:
          scene-tags:
            enabled: true
          landmarks:
            enabled: false
          daylight:
            command: \(PluginFixtures.daylight)
            arguments: [\(marker)]

        """
        .appending(plugin("crashy", "crash", trigger: "crash-me"))
        // 4 s: under a loaded machine (the whole suite on 2 cores) a restarted plugin answering its next photo took
        // more than 2 s once.
        .appending(plugin("hangy", "hang", trigger: "hang-me", extra: "    timeout-seconds: 4\n"))
        .appending(plugin("noisy", "garbage", trigger: "garbage-me"))
        .appending(plugin("broken", "crash", trigger: "*", extra: "    max-failures: 2\n"))
        .write(toFile: config, atomically: true, encoding: .utf8)

        let daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", config])
        #expect(
            waitUntil(timeout: 180) {
                let status = try catalog().status()
                return status.photos["indexed"] == 5 && status.queue == 0
                    && status.recognizers.first { $0.id == "broken" }?.enabled == false
            }, "\(daemon.stderr.suffix(3000))")
        #expect(daemon.process.isRunning)

        // The others still ran on every photo.
        let status = try catalog().status()
        for id in ["scene-tags", "daylight"] {
            #expect(status.recognizers.first { $0.id == id }?.done == 5, "\(id)")
        }
        #expect(try catalog().photo(path: mug).tags.contains { $0.kind == "scene" && $0.label == "coffee mug" })
        // The example plugin: the EXIF date and GPS latitude give the time of day and the season.
        let innTags = try catalog().photo(path: inn).tags.filter { $0.recognizer == "daylight" }
        #expect(innTags.contains { $0.kind == "time-of-day" && $0.label == "morning" }, "\(innTags)")
        #expect(innTags.contains { $0.kind == "season" && $0.label == "spring" && $0.score == 1 }, "\(innTags)")

        // Each misbehaviour failed that photo for that plugin only, with its reason; its other photos are done.
        let expected = [
            ("crashy", crash, "crashy exited with status 3 while recognising the photo"),
            ("hangy", hang, "hangy gave no answer within 4 s; killed"),
            ("noisy", garbage, "noisy answered malformed output: not JSON: '<<<%%% not json %%%>>>'"),
        ]
        for (id, victim, reason) in expected {
            let failed = try #require(try recognition(victim, id))
            #expect(failed.state == "failed")
            #expect(failed.error == reason)
            #expect(try all.filter { $0 != victim }.allSatisfy { try recognition($0, id)?.state == "done" }, "\(id)")
            #expect(status.recognizers.first { $0.id == id }?.enabled == true)
            #expect(
                daemon.waitForLog("reason=\(reason) recognizer.id=\(id) [CairnPluginHost] external plugin failed"),
                "\(id) not logged")
        }
        #expect(daemon.count("external plugin restarted") >= 3)

        // The plugin that fails on every photo is disabled, and says so.
        let broken = try #require(status.recognizers.first { $0.id == "broken" })
        #expect(
            broken.status?.hasPrefix("disabled after 2 failures in a row (last: broken exited with status 3") == true)
        let shown = try ProcessRunner.run(TestPaths.executable("cairn"), ["status", "--catalog", catalogPath])
        #expect(shown.stdout.contains("[off: disabled after 2 failures in a row"), "\(shown.stdout)")
        #expect(shown.stdout.contains("(hangy): hangy gave no answer within 4 s; killed"))

        try PluginFixtures.expectConsistent(catalogPath)
        #expect(daemon.stop() == 0)
        // No plugin outlives the daemon.
        #expect(waitUntil(timeout: 5) { PluginFixtures.processes(containing: marker).isEmpty })
    }

    @Test func aPluginThatCannotStartIsReportedAndTheRestRuns() throws {
        let mug = try folder.copy(PluginFixtures.mug, to: "photos/mug.jpg")
        let config = folder.file("cairn.yaml")
        try """
        watch:
          folders: [photos]
        catalog:
          path: cairn.sqlite
        recognizers:
          scene-tags:
            enabled: false
          landmarks:
            enabled: false
          daylight:
            command: \(PluginFixtures.daylight)
          ghost:
            command: plugins/ghost
          liar:
            command: \(PluginFixtures.misbehaving)
            settings:
              mode: bad-hello

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", config])
        #expect(
            waitUntil(timeout: 60) { try recognition(mug, "daylight")?.state == "done" },
            "\(daemon.stderr.suffix(2000))")
        let status = try catalog().status()
        #expect(
            status.recognizers.first { $0.id == "ghost" }?.status
                == "\(folder.file("plugins/ghost")) is missing or not executable (chmod +x it)")
        #expect(
            status.recognizers.first { $0.id == "liar" }?.status
                == "liar: bad handshake: not JSON: 'this is not a handshake'")
        #expect(status.queue == 0)
        #expect(daemon.stop() == 0)
    }

    @Test func aPluginBusyWithAPhotoDoesNotHoldUpShutdown() throws {
        let mug = try folder.copy(PluginFixtures.mug, to: "photos/mug.jpg")
        let marker = folder.file("plugin-marker")
        let config = folder.file("cairn.yaml")
        try """
        watch:
          folders: [photos]
        catalog:
          path: cairn.sqlite
        recognizers:
          scene-tags:
            enabled: false
          landmarks:
            enabled: false
          sleepy:
            command: \(PluginFixtures.misbehaving)
            arguments: [\(marker)]
            timeout-seconds: 600
            settings:
              mode: hang

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", config])
        #expect(
            waitUntil(timeout: 30) {
                try catalog().photo(path: mug).state == "indexed"
                    && !PluginFixtures.processes(containing: marker).isEmpty
            })
        usleep(1_000_000)  // the photo is now with the plugin, which never answers
        // SIGTERM: the plugin is killed rather than waited for, and the photo is not blamed; it stays due.
        #expect(daemon.stop(timeout: 20) == 0, "\(daemon.stderr.suffix(1500))")
        #expect(try catalog().photo(path: mug).recognition.isEmpty)
        #expect(try catalog().status().recognizers.first { $0.id == "sleepy" }?.enabled == true)
        #expect(waitUntil(timeout: 5) { PluginFixtures.processes(containing: marker).isEmpty })
    }
}
