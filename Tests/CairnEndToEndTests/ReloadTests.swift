import CairnCatalog
import CairnTesting
import Foundation
import GRDB
import Testing

/// Reloading recognizers in the running daemon, by SIGHUP and by `cairn reload`: a new model swaps in and re-runs
/// only its recognizer's photos; a corrupt one is refused and the old one keeps working; a plugin removed from the
/// configuration is turned off and its program ends.
@Suite(.serialized) struct ReloadTests {
    let folder = TemporaryDirectory("cairn-reload")
    var catalogPath: String { folder.file("cairn.sqlite") }
    var modelPath: String { folder.file("model.safetensors") }
    var configPath: String { folder.file("cairn.yaml") }
    /// Given to every plugin as an argument, to find their processes.
    var marker: String { folder.file("plugin-marker") }

    func catalog() throws -> Catalog { try Catalog.openReadOnly(path: catalogPath) }

    func recognizer(_ id: String) throws -> CatalogStatus.Recognizer? {
        try catalog().status().recognizers.first { $0.id == id }
    }

    /// The configuration: the model copy in the test folder, scene tags, and the given external plugins.
    func writeConfig(plugins: [String: String]) throws {
        var text = """
            watch:
              folders: [photos]
            catalog:
              path: cairn.sqlite
            backbone:
              model: model.safetensors
            workers:
              threads: 1
            recognizers:
              scene-tags:
                enabled: true
              landmarks:
                enabled: false

            """
        for (id, command) in plugins.sorted(by: { $0.key < $1.key }) {
            text +=
                "  \(id):\n    command: \(command)\n    arguments: [\(marker)]\n    settings:\n      trigger: never\n"
        }
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Replaces the model file at once (write beside, rename over), as an admin's deploy would.
    func replaceModel(_ bytes: Data) throws {
        let temporary = folder.file("model.safetensors.new")
        try bytes.write(to: URL(fileURLWithPath: temporary))
        _ = rename(temporary, modelPath)
    }

    func recognitionRows(_ recognizer: String) throws -> [Row] {
        try DatabaseQueue(path: catalogPath).read {
            try Row.fetchAll(
                $0, sql: "SELECT * FROM recognition WHERE recognizerId = ? ORDER BY photoId", arguments: [recognizer])
        }
    }

    func startSettled(_ photos: Int, environment: [String: String] = [:]) throws -> RunningProcess {
        let daemon = try RunningProcess(
            TestPaths.executable("cairnd"), ["--config", configPath], environment: environment)
        #expect(
            waitUntil(timeout: 120) {
                let status = try catalog().status()
                return status.photos["indexed"] == photos && status.queue == 0
                    && status.recognizers.first { $0.id == "scene-tags" }?.done == photos
            }, "\(daemon.stderr.suffix(2000))")
        return daemon
    }

    @Test func aValidNewModelChangesItsRecognizersVersionAndReRunsOnlyItsPhotos() throws {
        try folder.copy(PluginFixtures.mug, to: "photos/mug.jpg")
        try folder.copy(PluginFixtures.cat, to: "photos/cat.jpg")
        try folder.copy(URL(fileURLWithPath: PluginFixtures.model), to: "model.safetensors")
        try writeConfig(plugins: ["daylight": PluginFixtures.daylight])
        let notify = try NotifySocket(path: folder.file("notify.sock"))
        let daemon = try startSettled(2, environment: ["NOTIFY_SOCKET": notify.path])
        let oldScene = try #require(try recognizer("scene-tags")).version
        let daylightBefore = try recognitionRows("daylight")
        #expect(daylightBefore.count == 2)

        // Another valid model: the same weights with the lowest bit of one changed, so its hash differs.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: modelPath))
        bytes[bytes.count - 4] ^= 1
        try replaceModel(bytes)
        daemon.send(SIGHUP)
        #expect(daemon.waitForLog("configuration reloaded"), "\(daemon.stderr.suffix(2000))")
        // The embeddings are made from the same features, so they are stale too.
        #expect(
            daemon.stderr.contains(
                "recognizers: scene-tags changed version, embeddings changed version, photos queued: "))
        #expect(daemon.stderr.contains("scene-tags 2") && daemon.stderr.contains("embeddings 2"))
        let newScene = try #require(try recognizer("scene-tags")).version
        #expect(newScene != oldScene)
        #expect(newScene.hasPrefix("scene-tags/1 efficientnet-lite0/"))

        // Its photos are recognised again with the new version; the unchanged plugin re-ran nothing.
        #expect(waitUntil(timeout: 60) { try recognizer("scene-tags")?.done == 2 && catalog().status().queue == 0 })
        #expect(try recognitionRows("scene-tags").allSatisfy { $0["recognizerVersion"] == newScene })
        #expect(
            try catalog().photo(path: folder.file("photos/mug.jpg")).tags.contains {
                $0.label == "coffee mug" && $0.recognizerVersion == newScene
            })
        #expect(try recognitionRows("daylight") == daylightBefore)
        #expect(notify.saw("RELOADING=1"))
        #expect(waitUntil { notify.messages.filter { $0.contains("READY=1") }.count >= 2 })
        let shown = try ProcessRunner.run(TestPaths.executable("cairn"), ["status", "--catalog", catalogPath])
        #expect(
            shown.stdout.contains(
                "Reload:  reloaded: 0 folders added, 0 removed, log level info; recognizers: scene-tags changed version"
            ))
        try PluginFixtures.expectConsistent(catalogPath)
        #expect(daemon.stop() == 0)
    }

    @Test func aCorruptModelIsRefusedAndTheOldOneKeepsWorking() throws {
        try folder.copy(PluginFixtures.mug, to: "photos/mug.jpg")
        try folder.copy(URL(fileURLWithPath: PluginFixtures.model), to: "model.safetensors")
        try writeConfig(plugins: [:])
        let notify = try NotifySocket(path: folder.file("notify.sock"))
        let daemon = try startSettled(1, environment: ["NOTIFY_SOCKET": notify.path])
        let before = try #require(try recognizer("scene-tags"))

        // Cut in half, as an interrupted copy would leave it.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: modelPath))
        try replaceModel(bytes.prefix(bytes.count / 2))
        let reload = try ProcessRunner.run(TestPaths.executable("cairn"), ["reload", "--catalog", catalogPath])
        #expect(reload.status == 1)
        #expect(
            reload.stderr.contains(
                "reload failed, keeping the previous configuration and recognizers: recognizers failed to load: scene-tags: backbone unavailable: \(modelPath): file is truncated"
            ),
            "\(reload.stderr)")
        // The daemon records the outcome, then logs it: `cairn reload` can return before the line is written.
        #expect(daemon.waitForLog("reload failed, keeping the previous configuration and recognizers"))
        #expect(
            waitUntil {
                notify.messages.contains { $0.contains("STATUS=Reload failed: recognizers failed to load: scene-tags") }
            })

        // Nothing changed: same version, loaded, nothing queued; the error is in `cairn status`.
        let after = try #require(try recognizer("scene-tags"))
        #expect(after.version == before.version && after.enabled && after.status == "loaded")
        #expect(try catalog().status().queue == 0)
        let shown = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["status", "--catalog", catalogPath, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let report = try #require(object["daemon"] as? [String: String])
        #expect(report["reloadResult"] == "failed")
        #expect(report["reload"]?.contains("file is truncated") == true)

        // The old model, still in memory, tags a photo added now.
        let cat = try folder.copy(PluginFixtures.cat, to: "photos/cat.jpg")
        #expect(
            waitUntil(timeout: 60) {
                try catalog().photo(path: cat).tags.contains { $0.recognizerVersion == before.version }
            })
        #expect(try catalog().photo(path: cat).tags.first?.label == "Siamese cat")
        try PluginFixtures.expectConsistent(catalogPath)
        #expect(daemon.stop() == 0)
    }

    @Test func aPluginRemovedFromTheConfigurationIsTurnedOffAndItsProgramEnds() throws {
        let mug = try folder.copy(PluginFixtures.mug, to: "photos/mug.jpg")
        try folder.copy(URL(fileURLWithPath: PluginFixtures.model), to: "model.safetensors")
        try writeConfig(plugins: ["daylight": PluginFixtures.daylight, "steady": PluginFixtures.misbehaving])
        let daemon = try startSettled(1)
        #expect(try recognizer("daylight")?.done == 1)
        #expect(PluginFixtures.processes(containing: marker).count == 2)
        let sceneVersion = try #require(try recognizer("scene-tags")).version

        try writeConfig(plugins: ["steady": PluginFixtures.misbehaving])
        let reload = try ProcessRunner.run(TestPaths.executable("cairn"), ["reload", "--catalog", catalogPath])
        #expect(reload.status == 0, "\(reload.stderr)")
        #expect(
            reload.stdout.contains(
                "cairnd (pid \(daemon.process.processIdentifier)) reloaded: 0 folders added, 0 removed, log level info; recognizers: daylight removed"
            ), "\(reload.stdout)")

        let daylight = try #require(try recognizer("daylight"))
        #expect(!daylight.enabled)
        #expect(daylight.status == "not enabled in the configuration")
        #expect(try recognizer("scene-tags")?.version == sceneVersion)
        // The old daylight program ended once the swap was done; the new set runs its own "steady".
        #expect(waitUntil(timeout: 10) { PluginFixtures.processes(containing: marker).count == 1 })

        // A new photo: recognised by what is configured now, not by the removed plugin, whose old results stay.
        let cat = try folder.copy(PluginFixtures.cat, to: "photos/cat.jpg")
        #expect(
            waitUntil(timeout: 60) {
                try catalog().photo(path: cat).recognition.count == 3 && catalog().status().queue == 0
            })
        #expect(
            try Set(catalog().photo(path: cat).recognition.map(\.recognizer)) == ["scene-tags", "embeddings", "steady"])
        #expect(
            try catalog().photo(path: mug).recognition.contains { $0.recognizer == "daylight" && $0.state == "done" })
        let shown = try ProcessRunner.run(TestPaths.executable("cairn"), ["status", "--catalog", catalogPath])
        #expect(shown.stdout.contains("[off: not enabled in the configuration]"))
        try PluginFixtures.expectConsistent(catalogPath)
        #expect(daemon.stop() == 0)
        #expect(waitUntil(timeout: 5) { PluginFixtures.processes(containing: marker).isEmpty })

        let stopped = try ProcessRunner.run(TestPaths.executable("cairn"), ["reload", "--catalog", catalogPath])
        #expect(stopped.status == 69)
        #expect(stopped.stderr.contains("no cairnd is running on"))
    }

    @Test func aReloadWhoseFolderStepFailsAfterTheRecognizersLoadedChangesNothing() throws {
        try folder.copy(PluginFixtures.mug, to: "photos/mug.jpg")
        let kept = try folder.copy(PluginFixtures.cat, to: "old/cat.jpg")
        func writeConfig(folders: String, level: String, daylight: Bool) throws {
            var text = """
                watch:
                  folders: [\(folders)]
                catalog:
                  path: cairn.sqlite
                log:
                  level: \(level)
                recognizers:
                  scene-tags:
                    enabled: false
                  landmarks:
                    enabled: false

                """
            if daylight { text += "  daylight:\n    command: \(PluginFixtures.daylight)\n    arguments: [\(marker)]\n" }
            try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        }
        func state(_ path: String) -> String? { try? catalog().photo(path: path).state }
        func registry() throws -> [String] {
            try catalog().status().recognizers.map { "\($0.id) \($0.version) \($0.enabled) \($0.status ?? "")" }
        }
        try writeConfig(folders: "photos, old", level: "info", daylight: false)
        let daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", configPath])
        #expect(
            waitUntil(timeout: 60) {
                try catalog().status().photos["indexed"] == 2 && catalog().daemonStatus().state == .watching
            }, "\(daemon.stderr)")
        let registryBefore = try registry()

        // The new configuration loads (daylight's program starts and shakes hands), then its folder step fails: the
        // catalog refuses to mark the photos of the folder no longer watched as removed (a fault put in the catalog).
        try DatabaseQueue(path: catalogPath).write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER test_removal_fails BEFORE UPDATE OF state ON photos WHEN NEW.state = 'removed'
                    BEGIN SELECT RAISE(ABORT, 'removal refused by the test'); END
                    """)
        }
        try writeConfig(folders: "photos", level: "debug", daylight: true)
        let refused = try ProcessRunner.run(TestPaths.executable("cairn"), ["reload", "--catalog", catalogPath])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("cannot record the new configuration in the catalog"), "\(refused.stderr)")
        #expect(refused.stderr.contains("removal refused by the test"), "\(refused.stderr)")

        // Nothing changed: the recognizers and their versions, the watched folders, the log level.
        #expect(try registry() == registryBefore)
        let status = try catalog().daemonStatus()
        #expect(status.reloadResult == .failed)
        #expect(status.folders == [folder.file("photos"), folder.file("old")])
        #expect(status.watches == 2)
        #expect(state(kept) == "indexed")
        let later = try folder.copy(PluginFixtures.small, to: "old/later.jpg")
        #expect(waitUntil { state(later) == "indexed" }, "the folder no longer configured is still watched")
        #expect(!daemon.stderr.contains(" debug cairnd: "))
        #expect(waitUntil(timeout: 10) { PluginFixtures.processes(containing: marker).isEmpty })

        // Without the fault, the same configuration applies whole.
        try DatabaseQueue(path: catalogPath).write { try $0.execute(sql: "DROP TRIGGER test_removal_fails") }
        let accepted = try ProcessRunner.run(TestPaths.executable("cairn"), ["reload", "--catalog", catalogPath])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(
            accepted.stdout.contains(
                "reloaded: 0 folders added, 1 removed, log level debug; recognizers: daylight added"),
            "\(accepted.stdout)")
        #expect(try registry().contains { $0.hasPrefix("daylight ") && $0.hasSuffix(" true loaded") })
        #expect(state(kept) == "removed")
        #expect(try catalog().daemonStatus().watches == 1)
        #expect(daemon.stop() == 0)
    }
}
