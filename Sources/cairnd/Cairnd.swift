import ArgumentParser
import CairnCatalog
import CairnConfig
import CairnDaemon
import CairnImaging
import CairnIndexing
import CairnInference
import CairnPlaces
import CairnRecognition
import CairnRecognizers
import CairnStartup
import Foundation
import Logging
import ServiceLifecycle

@main
struct Cairnd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairnd",
        abstract: "Cairn's photo-tagging daemon: catalogs photo folders into a SQLite catalog.",
        discussion: """
            cairnd walks the watched folders, reconciles the catalog with what is on disk, stores each photo's \
            facts (EXIF date, camera, GPS position and its city and country), and runs the configured recognizer \
            plugins on each photo. It runs until SIGTERM or SIGINT. SIGHUP (or `cairn reload`) re-reads the \
            configuration and swaps in new models and plugins only if they all load.

            Configuration comes from --config FILE, else \(ConfigurationLoader.systemPath) when it exists, else \
            built-in defaults. --watch and --catalog override the file for a quick start:

              cairnd --watch ~/Pictures --catalog ~/cairn.sqlite
            """,
        version: "0.1.0")

    @Option(name: .long, help: ArgumentHelp("Configuration file (YAML).", valueName: "file"))
    var config: String?

    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp("Folders to watch, instead of the configuration's.", valueName: "dir"))
    var watch: [String] = []

    @Option(name: .long, help: ArgumentHelp("Catalog file, instead of the configuration's.", valueName: "file"))
    var catalog: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String?

    @Flag(name: .long, help: "Catalog facts and places only; run no recognizer.")
    var factsOnly = false

    func run() async throws {
        HeapPolicy.apply()
        Startup.useBestBLAS()
        Startup.ignoreBrokenPipes()
        let settings: CairnConfiguration
        do {
            settings = try loadSettings()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("cairnd: \(error)\n".utf8))
            throw ExitCode(78)
        }
        guard !settings.watch.folders.isEmpty else {
            throw ValidationError("no folders to watch: pass --watch DIR or set watch.folders in the configuration")
        }
        let levelBox = LogLevelBox(Logger.Level(rawValue: settings.log.level.rawValue) ?? .info)
        LoggingSystem.bootstrap { label in ReloadableLogHandler(label: label, box: levelBox) }
        let logger = Logger(label: "cairnd")
        // Only lower the priority (systemd's Nice= may already have); raising it needs privileges.
        errno = 0
        let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        if settings.workers.niceness > current
            && setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Int32(settings.workers.niceness)) != 0
        {
            logger.warning("cannot lower CPU priority", metadata: ["niceness": "\(settings.workers.niceness)"])
        }
        let systemFile = ConfigurationLoader.systemPath
        let configurationInUse = FileManager.default.fileExists(atPath: systemFile) ? systemFile : "built-in defaults"
        logger.notice(
            "starting",
            metadata: [
                "blas": "\(BLAS.coreName)",
                "config": "\(config ?? configurationInUse)",
                "catalog": "\(settings.catalog.path)", "folders": "\(settings.watch.folders.joined(separator: ", "))",
            ])

        let store: Catalog
        do {
            store = try Catalog.openForWriting(path: settings.catalog.path)
        } catch {
            logger.critical("cannot open the catalog", metadata: ["reason": "\(error)"])
            throw ExitCode(error.code == .newerSchema ? 65 : 74)
        }
        let gazetteer: Gazetteer
        do {
            gazetteer = try GazetteerLoader.load(settings.places.gazetteer, catalog: store)
        } catch {
            logger.critical("cannot load the gazetteer", metadata: ["reason": "\(error)"])
            throw ExitCode(78)
        }
        logger.info(
            "places loaded", metadata: ["gazetteer": "\(gazetteer.version)", "cities": "\(gazetteer.cities.count)"])

        let ingester = PhotoIngester(
            catalog: store, gazetteer: gazetteer, maxCityDistanceKm: settings.places.maxCityDistanceKm,
            maxPixels: settings.watch.maxPixels, decodeBudget: settings.watch.decodeBudget,
            pairRawWithJPEG: settings.watch.pairRawWithJPEG, logger: logger)
        let options = self
        // Catalog writes that fail, in watching or in recognition: logged, and shown by `cairn status`.
        let writeFailures = CatalogWriteFailures(logger: logger)
        let pipeline = RecognitionPipeline(
            settings: settings, places: ingester.places, registry: .builtIn, logger: logger)
        if let model = pipeline.model {
            logger.info(
                "backbone loaded",
                metadata: [
                    "model": "\(model.version)", "kernels": "\(model.instructionSet)", "jpeg": "\(JPEGDecoder.engines)",
                    "jpeg-chroma": "\(settings.backbone.jpegChroma.rawValue)",
                ])
        }
        let workers =
            settings.workers.threads > 0 ? settings.workers.threads : ProcessInfo.processInfo.activeProcessorCount
        let recognition = RecognitionService(
            pipeline: pipeline, writer: RecognitionWriter(catalog: store, failures: writeFailures, logger: logger),
            workers: workers, logger: logger)
        // XMP sidecars (sidecars.mode), kept in step with the catalog in the background.
        let sidecars = SidecarService(catalog: store, settings: settings.sidecars, logger: logger)
        // The library's own landmarks, discovered once enough new photos with GPS were recognised (and adopted,
        // with discovery.auto-adopt).
        let discovery = DiscoveryService(catalog: store, settings: settings, logger: logger)
        let service = WatchService(
            settings: settings,
            indexer: LibraryIndexer(ingester: ingester, purgeRemovedAfterDays: settings.catalog.purgeRemovedAfterDays),
            notifier: SystemdNotifier(environment: ProcessInfo.processInfo.environment), logger: logger,
            reloadConfiguration: { try options.loadSettings() }, logLevel: levelBox, recognition: recognition,
            writeFailures: writeFailures, sidecars: sidecars, discovery: discovery)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: service), .init(service: recognition), .init(service: sidecars),
                    .init(service: discovery),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.notice("stopped")
    }

    /// The configuration file (or defaults) with the command line's overrides; used at start and on SIGHUP.
    func loadSettings() throws -> CairnConfiguration {
        var settings = try ConfigurationLoader.builtIn.resolve(path: config).0
        if !watch.isEmpty { settings.watch.folders = watch.map(ConfigurationLoader.absolute) }
        if let catalog { settings.catalog.path = ConfigurationLoader.absolute(catalog) }
        if factsOnly {
            settings.recognizers = settings.recognizers.map {
                var r = $0
                r.enabled = false
                return r
            }
        }
        if let logLevel {
            guard let level = LogConfiguration.Level(rawValue: logLevel.lowercased()) else {
                let levels = LogConfiguration.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--log-level must be one of \(levels)")
            }
            settings.log.level = level
        }
        return settings
    }
}
