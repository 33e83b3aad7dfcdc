import CairnCatalog
import CairnConfig
import CairnIndexing
import CairnSidecars
import Foundation
import Logging
import ServiceLifecycle

/// XMP sidecars in the background (`sidecars.mode`): the photos the catalog's triggers put due (new or changed tags
/// or places, a moved photo) get their sidecar written or moved through `SidecarSync`, and a purged photo's sidecar
/// is stripped of Cairn's part. A new placement (the mode or folder changed, at start or on reload) puts every photo
/// due once; else, at start and on reload, the photos whose sidecar could not be written are tried again. With sidecars off the queue is emptied; a purged photo's sidecar is still stripped.
public final class SidecarService: Service, @unchecked Sendable {
    private let catalog: Catalog
    private let logger: Logger
    private let lock = NSLock()
    private var settings: SidecarsConfiguration
    private var settingsChanged = true
    /// Whether a folder's write failure was logged already (one warning per folder, not one per photo).
    private var reportedFolders: Set<String> = []

    public init(catalog: Catalog, settings: SidecarsConfiguration, logger: Logger) {
        self.catalog = catalog
        self.settings = settings
        self.logger = logger
    }

    /// A reloaded configuration's `sidecars` section; applied at the next pass (which also tries failed sidecars
    /// again).
    public func apply(_ new: SidecarsConfiguration) {
        lock.withLock {
            settings = new
            settingsChanged = true
        }
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let (settings, changed) = lock.withLock {
                defer { settingsChanged = false }
                return (self.settings, settingsChanged)
            }
            let more: Bool
            do {
                more = try await onOwnThread { isCancelled in
                    try self.pass(settings, changed: changed, isCancelled: isCancelled)
                }
            } catch {
                logger.error("cannot keep the sidecars in step", metadata: ["reason": "\(error)"])
                more = false
            }
            if !more { try? await Task.sleep(for: .seconds(2)) }
        }
    }

    /// One pass: returns whether photos remain due.
    func pass(
        _ settings: SidecarsConfiguration, changed: Bool, isCancelled: () -> Bool
    ) throws(CatalogError) -> Bool {
        let placement = SidecarSync.placement(settings)
        if changed {
            let name = placement?.name ?? "off"
            if try catalog.sidecarPlacementInUse() != name {
                if placement != nil {
                    let queued = try catalog.queueAllSidecars()
                    logger.notice("writing sidecars", metadata: ["placement": "\(name)", "photos": "\(queued)"])
                }
                try catalog.setSidecarPlacementInUse(name)
            } else if placement != nil {
                // At start and on reload, sidecars that could not be written are tried again: the folder may have
                // been made writable meanwhile (a drop-in, a new ACL).
                let queued = try catalog.queueFailedSidecars()
                if queued > 0 { logger.info("trying failed sidecars again", metadata: ["photos": "\(queued)"]) }
            }
        }
        // Off: nothing is written; a purged photo's sidecar is still stripped of Cairn's part.
        let sync = SidecarSync(
            catalog: catalog, placement: placement ?? .beside, writeInferredGPS: settings.writeInferredGPS,
            logger: logger)
        guard placement != nil else {
            try catalog.clearSidecarQueue()
            let orphans = try catalog.sidecarOrphans(limit: 128)
            for path in orphans { _ = sync.strip(path, reason: "purged from the catalog") }
            try catalog.forgetSidecarOrphans(orphans)
            return orphans.count == 128
        }
        var total = SidecarSync.Summary()
        var more = true
        while more && !isCancelled() {
            let (summary, remaining) = try sync.drainDue()
            total.add(summary)
            more = remaining
        }
        report(total)
        return more
    }

    private func report(_ summary: SidecarSync.Summary) {
        if summary.written + summary.moved + summary.removed > 0 {
            logger.info(
                "sidecars written",
                metadata: [
                    "written": "\(summary.written)", "moved": "\(summary.moved)", "removed": "\(summary.removed)",
                    "failed": "\(summary.failed)",
                ])
        }
        for problem in summary.problems {
            let path = String(problem.prefix { $0 != ":" })
            let folder = (path as NSString).deletingLastPathComponent
            let first = lock.withLock { reportedFolders.insert(folder).inserted }
            if first {
                logger.warning(
                    "cannot write sidecars in a folder (reported once per folder; `cairn status` lists them)",
                    metadata: ["reason": "\(problem)"])
            }
        }
    }
}
