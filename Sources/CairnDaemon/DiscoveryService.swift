import CairnCatalog
import CairnConfig
import CairnDiscovery
import Foundation
import Logging
import ServiceLifecycle

/// Discovery in the background (`discovery.every-photos`): every half minute it counts the photos with GPS that
/// have an embedding, and once that many more arrived since the last run (or since none ran), runs
/// `LibraryDiscovery` at the daemon's priority, logs what it proposed, and records it for `cairn status`. The
/// proposals wait in the catalog for `cairn landmarks discovered / adopt / reject`.
public final class DiscoveryService: Service, @unchecked Sendable {
    private let catalog: Catalog
    private let logger: Logger
    private let interval: Duration
    private let lock = NSLock()
    private var settings: DiscoveryConfiguration

    public init(
        catalog: Catalog, settings: DiscoveryConfiguration, logger: Logger, interval: Duration = .seconds(30)
    ) {
        self.catalog = catalog
        self.settings = settings
        self.logger = logger
        self.interval = interval
    }

    /// A reloaded configuration's `discovery` section; used from the next check on.
    public func apply(_ new: DiscoveryConfiguration) {
        lock.withLock { settings = new }
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let settings = lock.withLock { self.settings }
            if settings.everyPhotos > 0 {
                do {
                    try await onOwnThread { _ in try self.check(settings) }
                } catch {
                    logger.error("cannot discover landmarks", metadata: ["reason": "\(error)"])
                }
            }
            // Woken by a graceful shutdown, so stopping never waits for the next check.
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }

    /// Runs discovery when `everyPhotos` more photos with GPS have an embedding than at the last run.
    func check(_ settings: DiscoveryConfiguration) throws(CatalogError) {
        let discovery = LibraryDiscovery(rules: DiscoveryRules(settings))
        let located = try catalog.locatedEmbeddedCount(recognizerId: discovery.recognizerId)
        let last = try catalog.daemonStatus().discoveryLocated ?? 0
        guard located - last >= settings.everyPhotos else { return }
        let outcome = try discovery.run(catalog: catalog)
        let summary =
            "\(outcome.proposals) proposed among \(outcome.located) photos with GPS (\(outcome.saved.added) new, "
            + "\(outcome.saved.kept) kept, \(outcome.saved.removed) gone)"
        logger.notice(
            "discovered landmarks (cairn landmarks discovered lists them)",
            metadata: [
                "proposals": "\(outcome.proposals)", "new": "\(outcome.saved.added)", "kept": "\(outcome.saved.kept)",
                "gone": "\(outcome.saved.removed)", "photos-with-gps": "\(outcome.located)",
                "recognised": "\(outcome.recognised)", "seconds": "\(String(format: "%.2f", outcome.seconds))",
            ])
        try catalog.updateDaemonStatus {
            $0.discoveredAt = Date()
            $0.discovery = summary
            $0.discoveryLocated = located
        }
    }
}
