import CairnRecognition
import Foundation
import Yams

/// Reads a YAML configuration file into a `CairnConfiguration`. Unknown keys and invalid values are errors
/// that name the key and its line; nothing is silently ignored. Relative paths in the file are resolved
/// against the file's own folder. It is made with the built-in recognizers' schemas (the executables pass their
/// registry's), so a recognizer section is checked against what that recognizer accepts.
public struct ConfigurationLoader: Sendable {
    /// The built-in recognizers: the ids a section may name, the settings each accepts, and their defaults.
    public var recognizers: [RecognizerSchema]

    public init(recognizers: [RecognizerSchema]) {
        self.recognizers = recognizers
    }

    /// The configuration when no file says otherwise: every built-in recognizer at its defaults.
    public var defaults: CairnConfiguration {
        CairnConfiguration(recognizers: RecognizerConfiguration.defaults(recognizers))
    }

    /// Loads and validates the configuration file at `path`.
    public func load(path: String) throws(ConfigurationError) -> CairnConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(
                code: .unreadable, key: nil, line: nil, source: path,
                message: "cannot read the configuration file: \(error.localizedDescription)")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(yaml: text, source: path, baseDirectory: base)
    }

    /// Parses configuration text; `source` names it in error messages.
    public func parse(
        yaml: String, source: String, baseDirectory: String? = nil
    ) throws(ConfigurationError) -> CairnConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigurationError(
                code: .syntax, key: nil, line: Self.line(of: error), source: source,
                message: "not valid YAML: \(Self.summary(of: error))")
        } catch {
            throw ConfigurationError(
                code: .syntax, key: nil, line: nil, source: source, message: "not valid YAML: \(error)")
        }
        var configuration = defaults
        guard let root, root.null == nil else { return configuration }
        let reader = ConfigReader(source: source, baseDirectory: baseDirectory, schemas: recognizers)
        let top = try reader.mapping(root, key: "")
        try reader.checkKeys(
            top,
            allowed: [
                "watch", "catalog", "log", "places", "workers", "backbone", "sidecars", "discovery", "recognizers",
            ])

        if let watch = try top.value("watch").map({ node throws(ConfigurationError) in
            try reader.mapping(node, key: "watch")
        }) {
            try reader.checkKeys(
                watch,
                allowed: [
                    "folders", "max-pixels", "max-decode-mb", "rescan-minutes", "max-watches", "pair-raw-with-jpeg",
                ])
            if let folders = watch.value("folders") {
                configuration.watch.folders = try reader.pathList(folders, key: "watch.folders")
            }
            if let node = watch.value("max-pixels") {
                configuration.watch.maxPixels = try reader.int(node, key: "watch.max-pixels", in: 1...4_000_000_000)
            }
            if let node = watch.value("max-decode-mb") {
                configuration.watch.maxDecodeMB = try reader.int(node, key: "watch.max-decode-mb", in: 16...65_536)
            }
            if let node = watch.value("rescan-minutes") {
                configuration.watch.rescanMinutes = try reader.int(node, key: "watch.rescan-minutes", in: 1...1440)
            }
            if let node = watch.value("max-watches") {
                configuration.watch.maxWatches = try reader.int(node, key: "watch.max-watches", in: 0...100_000_000)
            }
            if let node = watch.value("pair-raw-with-jpeg") {
                configuration.watch.pairRawWithJPEG = try reader.bool(node, key: "watch.pair-raw-with-jpeg")
            }
        }
        if let catalog = try top.value("catalog").map({ node throws(ConfigurationError) in
            try reader.mapping(node, key: "catalog")
        }) {
            try reader.checkKeys(catalog, allowed: ["path", "purge-removed-after-days"])
            if let node = catalog.value("path") {
                configuration.catalog.path = try reader.path(node, key: "catalog.path")
            }
            if let node = catalog.value("purge-removed-after-days") {
                configuration.catalog.purgeRemovedAfterDays = try reader.int(
                    node, key: "catalog.purge-removed-after-days", in: 0...36_500)
            }
        }
        if let log = try top.value("log").map({ node throws(ConfigurationError) in
            try reader.mapping(node, key: "log")
        }) {
            try reader.checkKeys(log, allowed: ["level"])
            if let node = log.value("level") {
                let text = try reader.string(node, key: "log.level")
                guard let level = LogConfiguration.Level(rawValue: text.lowercased()) else {
                    throw ConfigurationError.invalidValue(
                        "log.level", line: node.mark?.line, source: source,
                        expected: "one of " + LogConfiguration.Level.allCases.map(\.rawValue).joined(separator: ", "),
                        got: text)
                }
                configuration.log.level = level
            }
        }
        if let places = try top.value("places").map({ node throws(ConfigurationError) in
            try reader.mapping(node, key: "places")
        }) {
            try reader.checkKeys(places, allowed: ["gazetteer", "max-city-distance-km"])
            if let node = places.value("gazetteer") {
                configuration.places.gazetteer = try reader.choice(
                    node, key: "places.gazetteer", as: PlacesConfiguration.Gazetteer.self)
            }
            if let node = places.value("max-city-distance-km") {
                configuration.places.maxCityDistanceKm = try reader.double(
                    node, key: "places.max-city-distance-km", in: 0.1...500)
            }
        }
        if let sidecars = try top.value("sidecars").map({ node throws(ConfigurationError) in
            try reader.mapping(node, key: "sidecars")
        }) {
            try reader.checkKeys(sidecars, allowed: ["mode", "folder", "write-inferred-gps"])
            if let node = sidecars.value("mode") {
                configuration.sidecars.mode = try reader.choice(
                    node, key: "sidecars.mode", as: SidecarsConfiguration.Mode.self)
            }
            if let node = sidecars.value("folder") {
                configuration.sidecars.folder = try reader.path(node, key: "sidecars.folder")
            }
            if let node = sidecars.value("write-inferred-gps") {
                configuration.sidecars.writeInferredGPS = try reader.bool(node, key: "sidecars.write-inferred-gps")
            }
        }
        if let discovery = try top.value("discovery").map({ node throws(ConfigurationError) in
            try reader.mapping(node, key: "discovery")
        }) {
            try reader.checkKeys(
                discovery,
                allowed: [
                    "every-photos", "radius-m", "minimum-photos", "minimum-days", "auto-adopt",
                    "auto-adopt-minimum-photos",
                ])
            if let node = discovery.value("every-photos") {
                configuration.discovery.everyPhotos = try reader.int(
                    node, key: "discovery.every-photos", in: 0...10_000_000)
            }
            if let node = discovery.value("radius-m") {
                configuration.discovery.radiusMeters = try reader.double(node, key: "discovery.radius-m", in: 10...5000)
            }
            if let node = discovery.value("minimum-photos") {
                configuration.discovery.minimumPhotos = try reader.int(
                    node, key: "discovery.minimum-photos", in: 2...100_000)
            }
            if let node = discovery.value("minimum-days") {
                configuration.discovery.minimumDays = try reader.int(
                    node, key: "discovery.minimum-days", in: 1...10_000)
            }
            if let node = discovery.value("auto-adopt") {
                configuration.discovery.autoAdopt = try reader.bool(node, key: "discovery.auto-adopt")
            }
            if let node = discovery.value("auto-adopt-minimum-photos") {
                configuration.discovery.autoAdoptMinimumPhotos = try reader.int(
                    node, key: "discovery.auto-adopt-minimum-photos", in: 2...100_000)
            }
        }
        if let workers = try top.value("workers").map({ node throws(ConfigurationError) in
            try reader.mapping(node, key: "workers")
        }) {
            try reader.checkKeys(workers, allowed: ["threads", "niceness"])
            if let node = workers.value("threads") {
                configuration.workers.threads = try reader.int(node, key: "workers.threads", in: 0...256)
            }
            if let node = workers.value("niceness") {
                configuration.workers.niceness = try reader.int(node, key: "workers.niceness", in: 0...19)
            }
        }
        if let backbone = try top.value("backbone").map({ node throws(ConfigurationError) in
            try reader.mapping(node, key: "backbone")
        }) {
            try reader.checkKeys(backbone, allowed: ["model", "framing", "jpeg-chroma"])
            if let node = backbone.value("model") {
                configuration.backbone.model = try reader.path(node, key: "backbone.model")
            }
            if let node = backbone.value("framing") {
                configuration.backbone.framing = try reader.choice(
                    node, key: "backbone.framing", as: BackboneConfiguration.Framing.self)
            }
            if let node = backbone.value("jpeg-chroma") {
                configuration.backbone.jpegChroma = try reader.choice(
                    node, key: "backbone.jpeg-chroma", as: BackboneConfiguration.JPEGChroma.self)
            }
        }
        if let node = top.value("recognizers") {
            configuration.recognizers = try reader.recognizers(node)
        }
        return configuration
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            mark.line
        default:
            nil
        }
    }

    private static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
            .composer(let context, let problem, _, _):
            [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        default:
            "\(error)"
        }
    }
}

extension ConfigurationLoader {
    /// The configuration file used when none is named.
    public static let systemPath = "/etc/cairn/cairn.yaml"

    /// Loads `path` when given (it must exist); otherwise `systemPath` when it exists; otherwise the defaults.
    /// Returns the configuration and the file it came from (nil for the built-in defaults).
    public func resolve(path: String?) throws(ConfigurationError) -> (CairnConfiguration, String?) {
        if let path {
            return (try load(path: path), path)
        }
        if FileManager.default.fileExists(atPath: Self.systemPath) {
            return (try load(path: Self.systemPath), Self.systemPath)
        }
        return (defaults, nil)
    }

    /// `path` made absolute against the current directory.
    public static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
