import CairnCatalog
import CairnConfig
import CairnDiscovery
import CairnIndexing
import CairnInference
import CairnLandmarkBuilder
import Foundation
import Logging
import ServiceLifecycle

/// Discovery in the background (`discovery.every-photos`): every half minute it counts the photos with GPS that
/// have an embedding, and once that many more arrived since the last run (or since none ran), runs
/// `LibraryDiscovery` at the daemon's priority, logs what it proposed, and records it for `cairn status`. The
/// proposals wait in the catalog for `cairn landmarks discovered / adopt / reject`; with `discovery.auto-adopt`,
/// those of `auto-adopt-minimum-photos` or more are adopted into the configured pack at once (`Adoption`, named
/// after their place) and the daemon reloads to recognise them, as on SIGHUP.
public final class DiscoveryService: Service, @unchecked Sendable {
    private let catalog: Catalog
    private let logger: Logger
    private let interval: Duration
    private let lock = NSLock()
    private var settings: CairnConfiguration
    /// Whether the next check adopts the proposals waiting even without a new discovery run: at start and after a
    /// reload (an adoption a stop interrupted, auto-adopt just turned on), then after each run.
    private var adoptWaiting = true
    private let requestReload: @Sendable () -> Void

    /// `requestReload`: after an automatic adoption, so the recognizers load the written pack (default: SIGHUP to
    /// this process, the reload an admin would ask for).
    public init(
        catalog: Catalog, settings: CairnConfiguration, logger: Logger, interval: Duration = .seconds(30),
        requestReload: @escaping @Sendable () -> Void = { kill(getpid(), SIGHUP) }
    ) {
        self.catalog = catalog
        self.settings = settings
        self.logger = logger
        self.interval = interval
        self.requestReload = requestReload
    }

    /// A reloaded configuration (its `discovery` section, and for auto-adoption the backbone and the pack); used
    /// from the next check on.
    public func apply(_ new: CairnConfiguration) {
        lock.withLock {
            settings = new
            adoptWaiting = true
        }
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let settings = lock.withLock { self.settings }
            if settings.discovery.everyPhotos > 0 {
                // A graceful shutdown cancels an adoption under way: it stops before the next photo.
                do {
                    try await cancelWhenGracefulShutdown {
                        try await onOwnThread { isCancelled in try self.check(settings, isCancelled: isCancelled) }
                    }
                } catch {
                    logger.error("cannot discover landmarks", metadata: ["reason": "\(error)"])
                }
            }
            // Woken by a graceful shutdown, so stopping never waits for the next check.
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }

    /// Runs discovery when `everyPhotos` more photos with GPS have an embedding than at the last run; then, with
    /// `auto-adopt`, adopts what waits (after a run, or at the first check since start or reload).
    func check(
        _ configuration: CairnConfiguration, isCancelled: @escaping @Sendable () -> Bool = { false }
    ) throws(CatalogError) {
        let settings = configuration.discovery
        let discovery = LibraryDiscovery(rules: DiscoveryRules(settings))
        let located = try catalog.locatedEmbeddedCount(recognizerId: discovery.recognizerId)
        let last = try catalog.daemonStatus().discoveryLocated ?? 0
        let due = located - last >= settings.everyPhotos
        if due {
            let outcome = try discovery.run(catalog: catalog)
            let summary =
                "\(outcome.proposals) proposed among \(outcome.located) photos with GPS (\(outcome.saved.added) new, "
                + "\(outcome.saved.kept) kept, \(outcome.saved.removed) gone)"
            logger.notice(
                "discovered landmarks (cairn landmarks discovered lists them)",
                metadata: [
                    "proposals": "\(outcome.proposals)", "new": "\(outcome.saved.added)",
                    "kept": "\(outcome.saved.kept)", "gone": "\(outcome.saved.removed)",
                    "photos-with-gps": "\(outcome.located)", "recognised": "\(outcome.recognised)",
                    "seconds": "\(String(format: "%.2f", outcome.seconds))",
                ])
            try catalog.updateDaemonStatus {
                $0.discoveredAt = Date()
                $0.discovery = summary
                $0.discoveryLocated = located
            }
        }
        let waiting = lock.withLock {
            defer { adoptWaiting = false }
            return adoptWaiting
        }
        guard settings.autoAdopt, due || waiting else { return }
        let adopted = autoAdopt(configuration, isCancelled: isCancelled)
        if !adopted.isEmpty {
            try catalog.updateDaemonStatus {
                $0.discovery =
                    ($0.discovery ?? "")
                    + "; adopted \(adopted.joined(separator: ", ")) (discovery.auto-adopt)"
            }
        }
    }

    /// Adopts every proposal of `auto-adopt-minimum-photos` or more into the configured pack, named after its
    /// place, then asks for a reload. Each failure is logged and leaves the proposal waiting; one about the pack or
    /// the backbone stops the round. Returns the names given.
    func autoAdopt(_ configuration: CairnConfiguration, isCancelled: @escaping @Sendable () -> Bool) -> [String] {
        let minimum = configuration.discovery.autoAdoptMinimumPhotos
        let due: [DiscoveryRecord]
        do {
            due = try catalog.discoveries([.proposed], typical: 0).filter { $0.photos >= minimum }
        } catch {
            logger.error("cannot list the proposals to adopt", metadata: ["reason": "\(error)"])
            return []
        }
        guard !due.isEmpty else { return [] }
        let landmarks = configuration.recognizers.first { $0.id == "landmarks" }
        guard landmarks?.enabled == true, let pack = Adoption.configuredPack(configuration) else {
            logger.warning(
                "discovery.auto-adopt needs the landmarks recognizer with a pack (recognizers.landmarks.pack)",
                metadata: ["left-to-cairn-landmarks-adopt": "\(due.count)"])
            return []
        }
        let extractor: FeatureExtractor
        do {
            extractor = FeatureExtractor(
                model: try EfficientNetLite0(path: configuration.backbone.model), cacheFolder: nil, threads: 1,
                framing: configuration.backbone.framing.imaging, dcChroma: configuration.backbone.jpegChroma == .fast)
        } catch {
            logger.error(
                "cannot adopt discovered landmarks: the backbone does not load", metadata: ["reason": "\(error)"])
            return []
        }
        let adoption = Adoption(catalog: catalog, packPath: pack, extractor: extractor)
        var adopted: [String] = []
        for record in due {
            if isCancelled() {
                logger.notice(
                    "adoption stopped: cairnd is stopping; its next start adopts the rest",
                    metadata: ["left": "\(due.count - adopted.count)"])
                break
            }
            do throws(AdoptionError) {
                let outcome = try adoption.adopt(id: record.id, isCancelled: isCancelled)
                adopted.append(outcome.name)
                logger.notice(
                    "adopted a discovered landmark (discovery.auto-adopt)",
                    metadata: [
                        "id": "\(record.id)", "key": "\(outcome.key)", "name": "\(outcome.name)",
                        "photos": "\(outcome.addition.photos)", "centroids": "\(outcome.addition.centroids)",
                        "threshold": "\(outcome.addition.threshold.map { String(format: "%.3f", $0) } ?? "pack")",
                        "pack": "\(pack)",
                    ])
            } catch let error where error.code == .stopped {
                logger.notice(
                    "adoption stopped: cairnd is stopping; its next start adopts the rest",
                    metadata: ["left": "\(due.count - adopted.count)"])
                break
            } catch {
                logger.error(
                    "cannot adopt a discovered landmark", metadata: ["id": "\(record.id)", "reason": "\(error)"])
                if error.code == .pack || error.code == .write { break }
            }
        }
        if !adopted.isEmpty {
            logger.notice("reloading to recognise the adopted landmarks", metadata: ["adopted": "\(adopted.count)"])
            requestReload()
        }
        return adopted
    }
}
