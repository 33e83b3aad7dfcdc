import CairnPluginHost
import CairnRecognition
import CairnTesting
import Foundation
import Logging
import Testing

/// External plugins as real child processes: the shipped example, and a test plugin that crashes, hangs or prints
/// garbage on the photos it is told to.
@Suite struct ExternalRecognizerTests {
    static let daylight = TestPaths.repositoryRoot.appendingPathComponent("Plugins/External/daylight/cairn-daylight")
        .path
    static let misbehaving = TestPaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/plugins/misbehaving").path
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Inputs for a plugin; the backbone fails loudly, so a test shows that a plugin needing no CNN never asks.
    struct NoBackbone: BackboneProvider {
        func features() throws -> [Float] { throw PluginTestError.backboneAsked }
        func logits() throws -> [Float] { throw PluginTestError.backboneAsked }
        var backboneVersion: String { "none" }
    }

    struct Pixels: PixelsProvider {
        var image: PhotoPixels
        func pixels(maxSide: Int) throws -> PhotoPixels { image }
    }

    enum PluginTestError: Error { case backboneAsked }

    func photo(
        _ path: String, takenAt: String? = nil, latitude: Double? = nil, rgb: (UInt8, UInt8, UInt8) = (128, 128, 128)
    ) -> PhotoAnalysis {
        let pixels = PhotoPixels(width: 8, height: 4, rgb: (0..<32).flatMap { _ in [rgb.0, rgb.1, rgb.2] })
        return PhotoAnalysis(
            facts: PhotoFacts(path: path, takenAt: takenAt, latitude: latitude, longitude: latitude.map { _ in 151.2 }),
            backbone: NoBackbone(), pixels: Pixels(image: pixels))
    }

    func misbehaving(
        _ mode: String, trigger: String, timeout: Double = 5, maxFailures: Int = 5
    ) throws -> ExternalRecognizer {
        try ExternalRecognizer(
            spec: ExternalPluginSpec(
                id: "test-\(mode)", command: Self.misbehaving, settings: ["mode": mode, "trigger": trigger],
                timeoutSeconds: timeout, maxFailures: maxFailures),
            backboneVersion: nil, logger: logger)
    }

    /// The plugin's own error behind the contract's `RecognizerError` a failed photo throws.
    func pluginError(_ body: () throws -> Void) -> PluginError? {
        do {
            try body()
            return nil
        } catch {
            return (error as? RecognizerError)?.cause as? PluginError ?? error as? PluginError
        }
    }

    @Test func theExampleTagsTimeSeasonLightAndColourFromTheDateAndPixels() throws {
        let plugin = try ExternalRecognizer(
            spec: ExternalPluginSpec(id: "daylight", command: Self.daylight, settings: ["hemisphere": "north"]),
            backboneVersion: nil, logger: logger)
        defer { plugin.shutdown() }
        #expect(plugin.needs == ["image"])
        #expect(plugin.usesBackbone == false, "asks for pixels only: the pipeline must not run the network for it")
        #expect(plugin.version.hasPrefix("daylight/1.0 cairn-daylight:"))
        #expect(plugin.version.contains("image-size=256 hemisphere=north"))
        // An evening in July in Sydney (southern winter), a dark blue picture.
        let sydney = try plugin.recognize(
            photo("/p/sydney.jpg", takenAt: "2019-07-14T19:30:00", latitude: -33.9, rgb: (10, 20, 60)))
        #expect(
            sydney == [
                .tag(kind: "time-of-day", label: "evening", score: 1), .tag(kind: "season", label: "winter", score: 1),
                .tag(kind: "light", label: "dark", score: 0.831), .tag(kind: "colour", label: "blue", score: 1),
            ])
        // No GPS: the configured hemisphere, with less confidence; a white page is bright and black and white.
        let morning = try plugin.recognize(photo("/p/page.jpg", takenAt: "2020-04-02T08:00:00", rgb: (250, 250, 250)))
        #expect(morning.contains(.tag(kind: "time-of-day", label: "morning", score: 1)))
        #expect(morning.contains(.tag(kind: "season", label: "spring", score: 0.8)))
        #expect(morning.contains(.tag(kind: "colour", label: "black and white", score: 1)))
        #expect(morning.contains { if case .tag("light", "bright", _) = $0 { true } else { false } })
        // No date, mid-grey: nothing to say, and that is not an error.
        #expect(
            try plugin.recognize(photo("/p/grey.jpg")) == [.tag(kind: "colour", label: "black and white", score: 1)])
    }

    @Test func aCrashFailsThatPhotoAndThePluginIsRestartedForTheNext() throws {
        let plugin = try misbehaving("crash", trigger: "bad")
        defer { plugin.shutdown() }
        #expect(try plugin.recognize(photo("/p/one.jpg")) == [.tag(kind: "test", label: "ok", score: 1)])
        let error = pluginError { _ = try plugin.recognize(photo("/p/bad.jpg")) }
        #expect(error?.code == .crashed)
        #expect(error?.message == "test-crash exited with status 3 while recognising the photo")
        #expect(try plugin.recognize(photo("/p/two.jpg")) == [.tag(kind: "test", label: "ok", score: 1)])
        #expect(plugin.restarts == 1)
        #expect(plugin.disabledReason == nil)
    }

    @Test func aHangIsKilledAtTheTimeout() throws {
        let plugin = try misbehaving("hang", trigger: "bad", timeout: 1)
        defer { plugin.shutdown() }
        let error = pluginError { _ = try plugin.recognize(photo("/p/bad.jpg")) }
        #expect(error?.code == .timeout)
        #expect(error?.message == "test-hang gave no answer within 1 s; killed")
        #expect(try plugin.recognize(photo("/p/good.jpg")) == [.tag(kind: "test", label: "ok", score: 1)])
        #expect(plugin.restarts == 1)
    }

    @Test(arguments: [
        ("garbage", "test-garbage answered malformed output: not JSON: '<<<%%% not json %%%>>>'"),
        ("wrong-request", "test-wrong-request answered malformed output: answered request 101, expected 1"),
    ])
    func malformedOutputIsRejectedWithTheReason(_ mode: String, _ message: String) throws {
        let plugin = try misbehaving(mode, trigger: "bad")
        defer { plugin.shutdown() }
        let error = pluginError { _ = try plugin.recognize(photo("/p/bad.jpg")) }
        #expect(error?.code == .malformed)
        #expect(error?.message == message)
        #expect(try plugin.recognize(photo("/p/good.jpg")) == [.tag(kind: "test", label: "ok", score: 1)])
    }

    @Test func aPluginThatKeepsFailingIsDisabled() throws {
        let plugin = try misbehaving("crash", trigger: "*", maxFailures: 2)
        defer { plugin.shutdown() }
        #expect(pluginError { _ = try plugin.recognize(photo("/p/1.jpg")) }?.code == .crashed)
        #expect(plugin.disabledReason == nil)
        #expect(pluginError { _ = try plugin.recognize(photo("/p/2.jpg")) }?.code == .crashed)
        #expect(
            plugin.disabledReason?.hasPrefix(
                "disabled after 2 failures in a row (last: test-crash exited with status 3") == true)
        let error = pluginError { _ = try plugin.recognize(photo("/p/3.jpg")) }
        #expect(error?.code == .disabled)
        #expect(plugin.restarts == 1)
    }

    @Test func aBadHandshakeOrAMissingProgramRefusesToLoad() throws {
        let bad = pluginError { _ = try misbehaving("bad-hello", trigger: "*") }
        #expect(bad?.code == .handshake)
        #expect(bad?.message == "test-bad-hello: bad handshake: not JSON: 'this is not a handshake'")
        let missing = pluginError {
            _ = try ExternalRecognizer(
                spec: ExternalPluginSpec(id: "gone", command: "/nonexistent/plugin"), backboneVersion: nil,
                logger: logger)
        }
        #expect(missing?.code == .launch)
        #expect(missing?.message == "/nonexistent/plugin is missing or not executable (chmod +x it)")
    }

    @Test func theVersionFollowsTheProgramsContent() throws {
        let folder = TemporaryDirectory("cairn-plugin-version")
        let copy = try folder.copy(URL(fileURLWithPath: Self.misbehaving), to: "plugin")
        let spec = ExternalPluginSpec(id: "copy", command: copy, settings: ["mode": "crash", "trigger": "never"])
        let first = try ExternalRecognizer(spec: spec, backboneVersion: nil, logger: logger)
        first.shutdown()
        #expect(try ExternalRecognizer(spec: spec, backboneVersion: nil, logger: logger).version == first.version)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
        handle.seekToEndOfFile()
        handle.write(Data("# changed\n".utf8))
        try handle.close()
        let second = try ExternalRecognizer(spec: spec, backboneVersion: nil, logger: logger)
        second.shutdown()
        #expect(second.version != first.version)
        #expect(second.version.hasPrefix("copy/1 plugin:"))
    }

    /// A library must not set what the whole process does with a signal: writing to a plugin that exited fails that
    /// photo with EPIPE even while SIGPIPE's default action (ending the process) is in force, and leaves it in force.
    @Test func aPluginThatExitedFailsThePhotoWithoutSIGPIPEOrChangingItsDisposition() throws {
        let folder = TemporaryDirectory("cairn-plugin-gone")
        let script = folder.file("plugin")
        try """
        #!/usr/bin/env python3
        import json, sys
        hello = json.loads(sys.stdin.readline())
        print(json.dumps({"type": "hello", "id": hello["id"], "version": "1"}), flush=True)
        sys.stdin.close()
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let previous = signal(SIGPIPE, SIG_DFL)
        defer { signal(SIGPIPE, previous) }
        let plugin = try ExternalRecognizer(
            spec: ExternalPluginSpec(id: "gone", command: script), backboneVersion: nil, logger: logger)
        defer { plugin.shutdown() }
        // Let it exit: the request then goes to a pipe nobody reads (a large photo so the write cannot be buffered).
        usleep(500_000)
        let error = pluginError { _ = try plugin.recognize(photo("/p/" + String(repeating: "x", count: 200_000))) }
        #expect(error?.code == .crashed)
        let now = signal(SIGPIPE, SIG_DFL)
        #expect(
            unsafeBitCast(now, to: Int.self) == unsafeBitCast(SIG_DFL, to: Int.self),
            "the plugin host changed what SIGPIPE does to the whole process")
    }

    @Test func landmarksAndBadObservationsAreCheckedOneByOne() throws {
        let folder = TemporaryDirectory("cairn-plugin-observations")
        let script = folder.file("plugin")
        try """
        #!/usr/bin/env python3
        import json, sys
        hello = json.loads(sys.stdin.readline())
        print(json.dumps({"type": "hello", "id": hello["id"], "version": "2"}), flush=True)
        for line in sys.stdin:
            r = json.loads(line)
            if "tower" in r["path"]:
                o = [{"type": "landmark", "name": " Eiffel Tower ", "city": "Paris", "country": "France", "score": 0.9}]
            elif "placed" in r["path"]:
                o = [{"type": "landmark", "name": "Eiffel Tower", "city": "Paris", "country": "France", "score": 0.9,
                      "latitude": 48.8584, "longitude": 2.2945}]
            elif "half" in r["path"]:
                o = [{"type": "landmark", "name": "Eiffel Tower", "city": "Paris", "country": "France", "score": 0.9,
                      "latitude": 48.8584}]
            elif "score" in r["path"]:
                o = [{"type": "tag", "kind": "x", "label": "y", "score": 1},
                     {"type": "tag", "kind": "x", "label": "y", "score": 2}]
            else:
                o = [{"type": "face", "score": 1}]
            print(json.dumps({"type": "result", "request": r["request"], "observations": o}), flush=True)
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let plugin = try ExternalRecognizer(
            spec: ExternalPluginSpec(id: "checks", command: script), backboneVersion: nil, logger: logger)
        defer { plugin.shutdown() }
        #expect(plugin.needs.isEmpty)
        // Evidence defaults from the photo: GPS means the geo path.
        func landmark(_ evidence: String, latitude: Double? = nil, longitude: Double? = nil) -> Observation {
            .finding(
                Finding(
                    kind: "landmark", label: "Eiffel Tower", score: 0.9, evidence: evidence,
                    place: PlaceHint(
                        key: "Eiffel Tower", city: "Paris", country: "France", latitude: latitude, longitude: longitude)
                ))
        }
        #expect(try plugin.recognize(photo("/p/tower.jpg", latitude: 48.86)) == [landmark("geo")])
        #expect(try plugin.recognize(photo("/p/tower.jpg")) == [landmark("references")])
        // A position, when given, travels with the place hint (the daemon names the place from it); half of one is
        // refused.
        #expect(
            try plugin.recognize(photo("/p/placed.jpg")) == [
                landmark("references", latitude: 48.8584, longitude: 2.2945)
            ])
        #expect(
            pluginError { _ = try plugin.recognize(photo("/p/half.jpg")) }?.message
                == "checks answered malformed output: observation 0: \"latitude\" and \"longitude\" go together: "
                + "degrees, -90 to 90 and -180 to 180"
        )
        #expect(
            pluginError { _ = try plugin.recognize(photo("/p/score.jpg")) }?.message
                == "checks answered malformed output: observation 1: \"score\" must be a number from 0 to 1")
        #expect(
            pluginError { _ = try plugin.recognize(photo("/p/face.jpg")) }?.message
                == "checks answered malformed output: observation 0: \"type\" must be \"tag\" or \"landmark\"")
    }
}
