import CairnConfig
import CairnRecognition
import CairnRecognizers
import CairnTesting
import Testing

@Suite struct ConfigurationLoaderTests {
    @Test func shippedFileParsesWithEveryKey() throws {
        let path = TestPaths.repositoryRoot.appendingPathComponent("Config/cairn.yaml").path
        let configuration = try ConfigurationLoader.builtIn.load(path: path)
        #expect(configuration.watch.folders == ["/srv/photos"])
        #expect(configuration.watch.maxPixels == 200_000_000)
        #expect(configuration.watch.rescanMinutes == 10)
        #expect(configuration.watch.maxWatches == 0)
        #expect(configuration.catalog.path == "/var/lib/cairn/catalog.sqlite")
        #expect(configuration.catalog.purgeRemovedAfterDays == 30)
        #expect(configuration.log.level == .info)
        #expect(configuration.places.gazetteer == .libgeonames)
        #expect(configuration.places.maxCityDistanceKm == 30)
        #expect(configuration.workers.threads == 0)
        #expect(configuration.workers.niceness == 10)
        #expect(configuration.recognizers.map(\.id) == ["scene-tags", "landmarks", "embeddings", "daylight"])
        #expect(
            configuration.recognizers[3].external
                == ExternalPluginConfiguration(
                    command: "/usr/local/lib/cairn/plugins/cairn-daylight", arguments: [], timeoutSeconds: 30,
                    maxFailures: 5,
                    imageSize: 256))
        #expect(configuration.recognizers[3].settings == ["hemisphere": .string("north")])
        #expect(
            configuration.backbone
                == BackboneConfiguration(
                    model: "/usr/local/share/cairn/efficientnet-lite0.safetensors", framing: .centerCrop,
                    jpegChroma: .fast))
        #expect(configuration.recognizers[0].settings["min-score"] == .double(0.25))
        #expect(configuration.recognizers[1].settings["pack"] == .string("/var/lib/cairn/landmarks.cairnpack"))
        #expect(
            configuration.sidecars
                == SidecarsConfiguration(mode: .off, folder: "/var/lib/cairn/sidecars", writeInferredGPS: false))
    }

    @Test func sidecarsAreReadWithTheirFolderFromTheFilesFolder() throws {
        let folder = TemporaryDirectory()
        let path = folder.file("cairn.yaml")
        try "sidecars:\n  mode: tree\n  folder: xmp\n  write-inferred-gps: true\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader.builtIn.load(path: path)
        #expect(
            configuration.sidecars
                == SidecarsConfiguration(mode: .tree, folder: folder.file("xmp"), writeInferredGPS: true))
    }

    @Test func discoveryIsReadWithDefaultsForWhatIsLeftOut() throws {
        let folder = TemporaryDirectory()
        let path = folder.file("cairn.yaml")
        try "discovery:\n  every-photos: 0\n  radius-m: 150\n".write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader.builtIn.load(path: path)
        #expect(configuration.discovery == DiscoveryConfiguration(everyPhotos: 0, radiusMeters: 150))
        #expect(configuration.discovery.minimumPhotos == 8 && configuration.discovery.minimumDays == 2)
        #expect(!configuration.discovery.autoAdopt && configuration.discovery.autoAdoptMinimumPhotos == 20)
        try "discovery:\n  auto-adopt: true\n  auto-adopt-minimum-photos: 12\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let adopting = try ConfigurationLoader.builtIn.load(path: path).discovery
        #expect(adopting == DiscoveryConfiguration(autoAdopt: true, autoAdoptMinimumPhotos: 12))
        #expect(CairnConfiguration().discovery == DiscoveryConfiguration(everyPhotos: 500, radiusMeters: 300))
    }

    @Test func externalPluginsAreReadInOrderWithTheirLimits() throws {
        let yaml = """
            recognizers:
              faces:
                command: plugins/faces.py
                arguments: [--fast, "2"]
                timeout-seconds: 2.5
                max-failures: 3
                image-size: 128
                settings:
                  threshold: 0.7
                  model: faces.bin
              scene-tags:
                enabled: false
              off:
                enabled: false
                command: /usr/bin/off
            """
        let configuration = try ConfigurationLoader.builtIn.parse(
            yaml: yaml, source: "c.yaml", baseDirectory: "/etc/cairn")
        #expect(configuration.recognizers.map(\.id) == ["faces", "scene-tags", "off", "landmarks", "embeddings"])
        let faces = configuration.recognizers[0]
        #expect(faces.enabled)
        #expect(
            faces.external
                == ExternalPluginConfiguration(
                    command: "/etc/cairn/plugins/faces.py", arguments: ["--fast", "2"], timeoutSeconds: 2.5,
                    maxFailures: 3,
                    imageSize: 128))
        #expect(faces.settings == ["threshold": .string("0.7"), "model": .string("faces.bin")])
        #expect(configuration.recognizers[1].external == nil && !configuration.recognizers[1].enabled)
        #expect(
            configuration.recognizers[2].external?.command == "/usr/bin/off" && !configuration.recognizers[2].enabled)
    }

    @Test func emptyFileGivesDefaults() throws {
        let defaults = ConfigurationLoader.builtIn.defaults
        #expect(try ConfigurationLoader.builtIn.parse(yaml: "", source: "empty.yaml") == defaults)
        #expect(try ConfigurationLoader.builtIn.parse(yaml: "# only a comment\n", source: "c.yaml") == defaults)
        #expect(defaults.watch == WatchConfiguration())
        #expect(defaults.watch.maxDecodeMB == 160)
        let raised = try ConfigurationLoader.builtIn.parse(yaml: "watch:\n  max-decode-mb: 1024\n", source: "c.yaml")
        #expect(raised.watch.maxDecodeMB == 1024)
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.builtIn.parse(yaml: "watch:\n  max-decode-mb: 8\n", source: "c.yaml")
        }
        #expect(
            defaults.recognizers.map { "\($0.id) \($0.settings.sorted { $0.key < $1.key })" } == [
                #"scene-tags [(key: "max-tags", value: 3), (key: "min-score", value: 0.25)]"#,
                #"landmarks [(key: "geo-square-km", value: 1.0), (key: "pack", value: landmarks.cairnpack)]"#,
                "embeddings []",
            ])
    }

    /// A recognizer's settings come from its own schema (declared in its plugin's folder): the loader knows no
    /// recognizer of its own, so a new one needs no change here.
    @Test func recognizerSectionsAreCheckedAgainstTheSchemasTheLoaderIsGiven() throws {
        let loader = ConfigurationLoader(recognizers: [
            RecognizerSchema(
                id: "colours",
                settings: [
                    .init(key: "palette", kind: .string, defaultValue: .string("warm")),
                    .init(key: "count", kind: .int(1...8), defaultValue: .int(4)),
                    .init(key: "table", kind: .path, defaultValue: .string("colours.bin")),
                ])
        ])
        #expect(loader.defaults.recognizers.map(\.id) == ["colours"])
        let configuration = try loader.parse(
            yaml: "recognizers:\n  colours:\n    count: 2\n    table: t.bin\n", source: "c.yaml",
            baseDirectory: "/etc/cairn")
        #expect(
            configuration.recognizers.first?.settings == [
                "palette": .string("warm"), "count": .int(2), "table": .string("/etc/cairn/t.bin"),
            ])
        let outOfRange = #expect(throws: ConfigurationError.self) {
            try loader.parse(yaml: "recognizers:\n  colours:\n    count: 9\n", source: "c.yaml")
        }
        #expect(outOfRange?.key == "recognizers.colours.count")
        let unknown = #expect(throws: ConfigurationError.self) {
            try loader.parse(yaml: "recognizers:\n  landmarks:\n    pack: p.cairnpack\n", source: "c.yaml")
        }
        #expect(unknown?.code == .unknownKey)
        #expect(unknown?.message.contains("built-in ones are colours") == true)
    }

    @Test func valuesAreReadAndRelativePathsResolvedAgainstTheFile() throws {
        let yaml = """
            watch:
              folders: [photos, /abs/pics]
            catalog:
              path: data/cairn.sqlite
            log:
              level: DEBUG
            workers:
              threads: 4
              niceness: 19
            recognizers:
              landmarks:
                enabled: false
                geo-square-km: 2.5
            """
        let configuration = try ConfigurationLoader.builtIn.parse(
            yaml: yaml, source: "c.yaml", baseDirectory: "/etc/cairn")
        #expect(configuration.watch.folders == ["/etc/cairn/photos", "/abs/pics"])
        #expect(configuration.catalog.path == "/etc/cairn/data/cairn.sqlite")
        #expect(configuration.log.level == .debug)
        #expect(configuration.workers == WorkersConfiguration(threads: 4, niceness: 19))
        // Listed recognizers run first, in the order written; the others follow with their defaults.
        #expect(configuration.recognizers.map(\.id) == ["landmarks", "scene-tags", "embeddings"])
        #expect(configuration.recognizers[0].enabled == false)
        #expect(configuration.recognizers[0].settings["geo-square-km"] == .double(2.5))
        #expect(configuration.recognizers[0].settings["pack"] == .string("landmarks.cairnpack"))
        #expect(configuration.recognizers[1].enabled)
    }

    struct Rejected: Sendable, CustomTestStringConvertible {
        var yaml: String
        var code: ConfigurationError.Code
        var key: String?
        var line: Int?
        var messagePart: String
        var testDescription: String { messagePart }
    }

    static let rejected: [Rejected] = [
        Rejected(
            yaml: "watchh:\n  folders: []\n", code: .unknownKey, key: "watchh", line: 1,
            messagePart:
                "unknown key 'watchh'; valid keys here are: watch, catalog, log, places, workers, backbone, sidecars, discovery, recognizers"
        ),
        Rejected(
            yaml: "log:\n  level: info\nwatch:\n  folder: /x\n", code: .unknownKey, key: "watch.folder", line: 4,
            messagePart:
                "unknown key 'watch.folder'; valid keys here are: folders, max-pixels, max-decode-mb, rescan-minutes, max-watches"
        ),
        Rejected(
            yaml: "recognizers:\n  faces:\n    enabled: true\n", code: .unknownKey, key: "recognizers.faces",
            line: 2,
            messagePart:
                "unknown recognizer 'faces'; built-in ones are scene-tags, landmarks, embeddings, and an external plugin needs a 'command:' key"
        ),
        Rejected(
            yaml: "recognizers:\n  faces:\n    command: /bin/true\n    timeout: 3\n", code: .unknownKey,
            key: "recognizers.faces.timeout", line: 4, messagePart: "timeout-seconds, max-failures"),
        Rejected(
            yaml: "recognizers:\n  faces:\n    command: /bin/true\n    timeout-seconds: 0\n", code: .invalidValue,
            key: "recognizers.faces.timeout-seconds", line: 4, messagePart: "a number from 0.1 to 3600.0"),
        Rejected(
            yaml: "recognizers:\n  Faces!:\n    command: /bin/true\n", code: .invalidValue,
            key: "recognizers.Faces!", line: 2, messagePart: "must be 1 to 64 lower-case letters"),
        Rejected(
            yaml: "recognizers:\n  faces:\n    command: /bin/true\n    settings:\n      level: [1, 2]\n",
            code: .invalidValue, key: "recognizers.faces.settings.level", line: 5, messagePart: "a text value"),
        Rejected(
            yaml: "recognizers:\n  scene-tags:\n    min-scor: 0.1\n", code: .unknownKey,
            key: "recognizers.scene-tags.min-scor", line: 3, messagePart: "min-score, max-tags"),
        Rejected(
            yaml: "sidecars:\n  mode: always\n", code: .invalidValue, key: "sidecars.mode", line: 2,
            messagePart: "'sidecars.mode' must be off, beside or tree, got 'always'"),
        Rejected(
            yaml: "sidecars:\n  mode: tree\n  root: /x\n", code: .unknownKey, key: "sidecars.root", line: 3,
            messagePart: "valid keys here are: mode, folder, write-inferred-gps"),
        Rejected(
            yaml: "discovery:\n  minimum-days: 0\n", code: .invalidValue, key: "discovery.minimum-days", line: 2,
            messagePart: "'discovery.minimum-days' must be a whole number from 1 to 10000, got '0'"),
        Rejected(
            yaml: "discovery:\n  auto-adopt: yes please\n", code: .invalidValue, key: "discovery.auto-adopt",
            line: 2, messagePart: "yes please"),
        Rejected(
            yaml: "discovery:\n  auto-adopt-photos: 5\n", code: .unknownKey, key: "discovery.auto-adopt-photos",
            line: 2, messagePart: "minimum-days, auto-adopt, auto-adopt-minimum-photos"),
        Rejected(
            yaml: "workers:\n  niceness: 25\n", code: .invalidValue, key: "workers.niceness", line: 2,
            messagePart: "'workers.niceness' must be a whole number from 0 to 19, got '25'"),
        Rejected(
            yaml: "workers:\n  threads: many\n", code: .invalidValue, key: "workers.threads", line: 2,
            messagePart: "got 'many'"),
        Rejected(
            yaml: "backbone:\n  jpeg-chroma: slow\n", code: .invalidValue, key: "backbone.jpeg-chroma", line: 2,
            messagePart: "fast or exact"),
        Rejected(
            yaml: "log:\n  level: loud\n", code: .invalidValue, key: "log.level", line: 2,
            messagePart: "'log.level' must be one of trace, debug, info"),
        Rejected(
            yaml: "recognizers:\n  scene-tags:\n    min-score: 2\n", code: .invalidValue,
            key: "recognizers.scene-tags.min-score", line: 3, messagePart: "a number from 0.0 to 1.0"),
        Rejected(
            yaml: "recognizers:\n  landmarks:\n    enabled: maybe\n", code: .invalidValue,
            key: "recognizers.landmarks.enabled", line: 3, messagePart: "must be true or false"),
        Rejected(
            yaml: "watch:\n  folders: /one/folder\n", code: .invalidValue, key: "watch.folders", line: 2,
            messagePart: "must be a list of folders"),
        Rejected(
            yaml: "watch: yes\n", code: .invalidValue, key: "watch", line: 1,
            messagePart: "a section of 'key: value' lines"),
        Rejected(
            yaml: "log:\n  level: info\nlog:\n  level: debug\n", code: .syntax, key: nil, line: nil,
            messagePart: "duplicated key(s): 'log'"),
        Rejected(
            yaml: "places:\n  gazetteer: cities500.txt\n", code: .invalidValue, key: "places.gazetteer", line: 2,
            messagePart: "must be libgeonames or imported, got 'cities500.txt'"),
        Rejected(yaml: "watch:\n  folders: [a, b\n", code: .syntax, key: nil, line: 3, messagePart: "not valid YAML"),
    ]

    @Test(arguments: rejected)
    func badConfigurationIsRejectedNamingKeyAndLine(_ example: Rejected) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.builtIn.parse(yaml: example.yaml, source: "cairn.yaml")
        }
        #expect(error?.code == example.code)
        #expect(error?.key == example.key)
        #expect(error?.line == example.line)
        #expect(error?.description.contains(example.messagePart) == true, "\(error?.description ?? "no error")")
        if let line = example.line {
            #expect(error?.description.hasPrefix("cairn.yaml:\(line): ") == true)
        }
    }

    /// Yams reads YAML 1.1's sexagesimal whole numbers (`1:30` is 90) with unchecked arithmetic, and trapped on one of
    /// 11 parts or more: a configuration file could crash cairnd at start or at a reload
    /// (fuzz/regressions/config/sexagesimal-overflow.yaml). They are read with checked arithmetic now.
    @Test func sexagesimalWholeNumbersAreReadWithoutOverflow() throws {
        let loader = ConfigurationLoader.builtIn
        #expect(try loader.parse(yaml: "watch:\n  rescan-minutes: 1:30\n", source: "c.yaml").watch.rescanMinutes == 90)
        let days = try loader.parse(yaml: "catalog:\n  purge-removed-after-days: 1:0:0\n", source: "c.yaml")
        #expect(days.catalog.purgeRemovedAfterDays == 3600)
        for (yaml, key) in [
            ("workers:\n  threads: 1:0:0:0:0:0:0:0:0:0:0\n", "workers.threads"),
            ("watch:\n  max-pixels: 59:59:59:59:59:59:59:59:59:59:59:59\n", "watch.max-pixels"),
            ("watch:\n  max-watches: -1:0:0:0:0:0:0:0:0:0:0:0:0\n", "watch.max-watches"),
            ("recognizers:\n  scene-tags:\n    max-tags: 1:2:3:4:5:6:7:8:9:10:11\n", "recognizers.scene-tags.max-tags"),
        ] {
            let error = #expect(throws: ConfigurationError.self) { try loader.parse(yaml: yaml, source: "c.yaml") }
            #expect(error?.code == .invalidValue)
            #expect(error?.key == key)
        }
    }

    @Test func missingFileIsAnUnreadableError() {
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.builtIn.load(path: "/nonexistent/cairn.yaml")
        }
        #expect(error?.code == .unreadable)
        #expect(error?.description.hasPrefix("/nonexistent/cairn.yaml: cannot read") == true)
    }
}
