import CairnCatalog
import CairnConfig
import CairnIndexing
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// The daemon's main service: installs inotify watches on the configured folders, tells systemd it is ready,
/// reconciles the catalog with the disk, then applies file events as they come. Around that: watchdog pings while
/// the pipeline is alive, periodic rescans of folders that could not be watched, and SIGHUP reloads (recognizers and
/// their models, folders added or removed, log level: all applied, or nothing if a recognizer fails to load).
public final class WatchService: Service, @unchecked Sendable {
    /// Re-reads the configuration for a reload (the executable knows the file and the command-line overrides).
    public typealias ConfigurationSource = @Sendable () throws -> CairnConfiguration

    private let handler: WatchEventHandler
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let reloadConfiguration: ConfigurationSource?
    private let logLevel: LogLevelBox?
    private let recognition: RecognitionService?
    private let sidecars: SidecarService?
    private let discovery: DiscoveryService?
    private let lock = NSLock()
    private var reloadFailure: String?
    /// What `cairn status` shows the daemon doing.
    private var phase = DaemonStatus.State.starting
    /// Catalog writes that failed (here, or in recognition), recorded in `daemon_status` by the next report.
    private let writeFailures: CatalogWriteFailures
    private var reloadCount = 0
    private var settings: CairnConfiguration
    private var lastProgress = Date()
    private var busy = false

    private var catalog: Catalog { handler.indexer.ingester.catalog }

    public init(
        settings: CairnConfiguration, indexer: LibraryIndexer, notifier: SystemdNotifier, logger: Logger,
        reloadConfiguration: ConfigurationSource? = nil, logLevel: LogLevelBox? = nil,
        recognition: RecognitionService? = nil, writeFailures: CatalogWriteFailures? = nil,
        sidecars: SidecarService? = nil, discovery: DiscoveryService? = nil
    ) {
        self.writeFailures = writeFailures ?? CatalogWriteFailures(logger: logger)
        self.recognition = recognition
        self.sidecars = sidecars
        self.discovery = discovery
        self.settings = settings
        self.handler = WatchEventHandler(indexer: indexer, logger: logger)
        self.notifier = notifier
        self.logger = logger
        self.reloadConfiguration = reloadConfiguration
        self.logLevel = logLevel
    }

    private var roots: [String] { lock.withLock { settings.watch.folders } }

    public func run() async throws {
        // Trap SIGHUP before announcing readiness, so an early reload cannot kill the daemon.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let watch = try FolderWatch(maxWatches: lock.withLock { settings.watch.maxWatches })
        for root in roots { install(root, in: watch) }
        watch.start()
        markDroppedFolders()
        try report(watch, starting: true)
        notifier.notify("READY=1\nSTATUS=\(statusLine(watch, phase: "Reconciling the catalog with the disk"))")
        logger.notice(
            "watching",
            metadata: [
                "folders": "\(roots.count)", "watches": "\(watch.watchCount)",
                "watch.budget": "\(FolderWatch.maxUserWatches.map(String.init) ?? "unknown")",
            ])

        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.reconcileThenFollow(watch) }
                    group.addTask { await self.housekeeping(watch) }
                    if self.notifier.watchdogInterval != nil {
                        group.addTask { await self.pingWatchdog(watch) }
                    }
                    group.addTask { try await self.reloads(hangups, watch) }
                    // The first child to end (on shutdown, or with a catalog error) ends the others.
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch is CancellationError {
            // Graceful shutdown cancelled the children.
        }
        notifier.notify("STOPPING=1\nSTATUS=Stopping")
        watch.stop()
        do {
            try catalog.updateDaemonStatus { $0.state = .stopped }
        } catch {
            writeFailed("the daemon's stop", error)
        }
        logger.info("watch service stopped")
    }

    /// Folders the last run watched and this one does not (taken out of the configuration while cairnd was stopped):
    /// their photos are marked removed, as a reload that drops a folder does, so a restart and a reload leave the same
    /// catalog. A dropped folder that holds or lies inside a folder still watched is left to the reconcile.
    private func markDroppedFolders() {
        let current = roots
        let previous: [String]
        do {
            previous = try catalog.daemonStatus().folders ?? []
        } catch {
            writeFailed("reading the last run's folders", error)
            return
        }
        func inside(_ path: String, _ folder: String) -> Bool { path == folder || path.hasPrefix(folder + "/") }
        let dropped = previous.filter { old in !current.contains { inside(old, $0) || inside($0, old) } }
        guard !dropped.isEmpty else { return }
        do {
            let removed = try catalog.commitReload(recognizers: nil, removedFolders: dropped)
            logger.notice(
                "folders no longer watched since the last run: their photos marked removed",
                metadata: ["folders": "\(dropped.joined(separator: ", "))", "photos": "\(removed)"])
        } catch {
            writeFailed("marking the photos of folders no longer watched", error)
        }
    }

    // MARK: The pipeline

    private func reconcileThenFollow(_ watch: FolderWatch) async throws {
        setBusy(true)
        let roots = self.roots
        // Blocking work (a walk of every folder, catalog writes) on a thread of its own: see `onOwnThread`.
        let summary = try await onOwnThread { isCancelled in
            var lastStatus = Date.distantPast
            return try self.handler.indexer.index(
                roots: roots, shouldStop: isCancelled,
                progress: { progress in
                    self.touch()
                    guard Date().timeIntervalSince(lastStatus) >= 2 else { return }
                    lastStatus = Date()
                    self.notifier.notify("STATUS=Indexing \(progress.done)/\(progress.total)")
                })
        }
        for (folder, reason) in summary.unreadableFolders {
            logger.error("cannot read folder", metadata: ["folder": "\(folder)", "reason": "\(reason)"])
        }
        logger.notice(
            "library reconciled",
            metadata: [
                "seen": "\(summary.seen)", "indexed": "\(summary.indexed)", "unchanged": "\(summary.unchanged)",
                "moved": "\(summary.moved)", "damaged": "\(summary.damaged.count)",
                "unsupported": "\(summary.unsupported.count)", "removed": "\(summary.removed)",
                "purged": "\(summary.purged)", "seconds": "\(String(format: "%.1f", summary.seconds))",
            ])
        var renamed = 0
        do {
            let ingester = handler.indexer.ingester
            renamed = try await onOwnThread { isCancelled in
                try PlaceRenamer(ingester: ingester).run(shouldStop: isCancelled)
            }
        } catch {
            writeFailed("places named again after a gazetteer change", error)
        }
        if renamed > 0 {
            logger.notice(
                "places renamed",
                metadata: ["photos": "\(renamed)", "gazetteer": "\(handler.indexer.ingester.gazetteer.version)"])
        }
        setBusy(false)
        lock.withLock { phase = .watching }
        await reportOrLogOffThePool(watch)
        notifier.notify("STATUS=\(statusLine(watch, phase: "Watching"))")

        for await event in watch.events {
            setBusy(true)
            do {
                let roots = self.roots
                try await onOwnThread { _ in try self.handler.handle(event, roots: roots) }
            } catch {
                // The catalog failed (disk full, locked too long): log it, record it, and keep watching.
                writeFailed("a file event (\(event))", error)
            }
            setBusy(false)
        }
    }

    /// Watchdog pings while the pipeline is alive: a task of its own that never blocks, so neither a rescan nor a
    /// slow catalog write holds them up (the blocking work runs on threads of its own).
    private func pingWatchdog(_ watch: FolderWatch) async {
        let tick: Duration = notifier.watchdogInterval.map { min($0, .seconds(5)) } ?? .seconds(5)
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            if Task.isCancelled { return }
            if isAlive(watch) {
                notifier.notify("WATCHDOG=1")
            } else {
                logger.critical("pipeline stalled; not pinging the watchdog so systemd restarts cairnd")
            }
        }
    }

    /// Periodic rescans of unwatched folders, checks for roots that went away, status refreshes.
    private func housekeeping(_ watch: FolderWatch) async {
        let rescanEvery = Double(lock.withLock { settings.watch.rescanMinutes } * 60)
        var lastRescan = Date()
        var lastRootCheck = Date()
        var lastReport = Date()
        let tick: Duration = notifier.watchdogInterval.map { min($0, .seconds(5)) } ?? .seconds(5)
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            if Task.isCancelled { return }
            if Date().timeIntervalSince(lastRootCheck) >= min(60, rescanEvery) {
                lastRootCheck = Date()
                for root in roots where FileManager.default.fileExists(atPath: root) && !watch.isWatching(root) {
                    logger.notice("watched folder is back; watching and rescanning it", metadata: ["folder": "\(root)"])
                    install(root, in: watch)
                    do {
                        let roots = self.roots
                        try await onOwnThread { _ in try self.handler.handle(.folderAppeared(root), roots: roots) }
                    } catch {
                        writeFailed("a watched folder that came back (\(root))", error)
                    }
                }
            }
            if Date().timeIntervalSince(lastRescan) >= rescanEvery {
                lastRescan = Date()
                let unwatched = watch.unwatchedFolders
                if !unwatched.isEmpty {
                    logger.info("rescanning folders without a watch", metadata: ["folders": "\(unwatched.count)"])
                    do {
                        _ = try await onOwnThread { isCancelled in
                            try self.handler.indexer.index(roots: unwatched, shouldStop: isCancelled)
                        }
                    } catch {
                        writeFailed("a rescan of folders without a watch", error)
                    }
                }
            }
            // Refresh what `cairn status` and `systemctl status` show once a minute, not every tick: an idle daemon
            // should not keep writing to the disk. A failed write not yet recorded is recorded at the next tick.
            if Date().timeIntervalSince(lastReport) >= 60 || hasUnrecordedWriteFailure {
                lastReport = Date()
                await reportOrLogOffThePool(watch)
                // STATUS= was sent only after the start-up scan and reloads, so `systemctl status` kept the queue
                // of that moment ("queue 16" with nothing left to do). The scan's own progress lines stay.
                if lock.withLock({ phase }) == .watching {
                    let line = await onOwnThread { _ in self.statusLine(watch, phase: "Watching") }
                    notifier.notify("STATUS=\(line)")
                }
            }
        }
    }

    // MARK: Reload

    private func reloads(_ hangups: UnixSignalsSequence, _ watch: FolderWatch) async throws {
        for await _ in hangups {
            notifier.notify("RELOADING=1\nSTATUS=Reloading the configuration")
            logger.notice("SIGHUP: reloading the configuration")
            guard let reloadConfiguration else {
                notifier.notify("READY=1")
                continue
            }
            let outcome: String
            var failure: String?
            do {
                // Loading models and starting plugins block: on a thread of their own.
                outcome = try await onOwnThread { _ in try self.reload(try reloadConfiguration(), watch) }
            } catch {
                failure = "\(error)"
                outcome = "reload failed, keeping the previous configuration and recognizers: \(error)"
            }
            let count = lock.withLock {
                reloadFailure = failure
                reloadCount += 1
                return reloadCount
            }
            let result: DaemonStatus.ReloadResult = failure == nil ? .ok : .failed
            await onOwnThread { _ in
                do {
                    try self.catalog.updateDaemonStatus { status in
                        status.reload = outcome
                        status.reloadResult = result
                        status.reloadCount = count
                        status.reloadedAt = Date()
                    }
                } catch {
                    self.writeFailed("a reload's outcome", error)
                }
            }
            if failure == nil {
                logger.notice("configuration reloaded", metadata: ["outcome": "\(outcome)"])
            } else {
                logger.error("\(outcome)")
            }
            await reportOrLogOffThePool(watch)
            // A reason can span lines (a YAML error quotes the file): STATUS= gets its first line, or systemd drops
            // the whole message and READY=1 with it, and the unit stays "reloading".
            let phase =
                failure.map {
                    "Reload failed: \(SystemdNotifier.statusValue($0)) (the previous configuration stays). Watching"
                } ?? "Watching"
            notifier.notify("READY=1\nSTATUS=\(statusLine(watch, phase: phase, mentionReloadFailure: false))")
        }
    }

    /// Applies a re-read configuration whole, or nothing of it. Prepares first: the recognizers loaded beside the
    /// current ones (nothing in use changes). Then the catalog's part in one transaction: the recognizers' versions
    /// and the photos of folders no longer watched marked removed. Only then what cannot fail: the recognizers swapped
    /// in, watches, folders and log level. Throws, having changed nothing, if a step before that fails. The scan of
    /// an added folder comes after, like a file event: a failure there is logged and recorded, the folder stays.
    private func reload(_ new: CairnConfiguration, _ watch: FolderWatch) throws -> String {
        var prepared: RecognitionService.PreparedReload?
        if let recognition {
            switch recognition.prepareReload(new) {
            case .success(let loaded): prepared = loaded
            case .failure(let failure): throw ReloadError(message: "recognizers failed to load: \(failure)")
            }
        }
        let old = lock.withLock { settings }
        let added = new.watch.folders.filter { !old.watch.folders.contains($0) }
        let removed = old.watch.folders.filter { !new.watch.folders.contains($0) }
        do {
            try catalog.commitReload(recognizers: prepared?.records, removedFolders: removed)
        } catch {
            if let prepared { recognition?.discard(prepared) }
            throw ReloadError(message: "cannot record the new configuration in the catalog: \(error)")
        }

        let recognizers = prepared.flatMap { prepared in recognition.map { "; " + $0.commit(prepared) } } ?? ""
        for root in removed { watch.removeRoot(root) }
        logLevel?.level = Logger.Level(rawValue: new.log.level.rawValue) ?? .info
        sidecars?.apply(new.sidecars)
        discovery?.apply(new)
        lock.withLock {
            settings.watch.folders = new.watch.folders
            settings.log = new.log
        }
        for root in added {
            install(root, in: watch)
            do {
                try handler.handle(.folderAppeared(root), roots: new.watch.folders)
            } catch {
                writeFailed("the scan of an added folder (\(root))", error)
            }
        }
        for (key, changed) in [
            ("catalog.path", old.catalog != new.catalog), ("places", old.places != new.places),
            ("workers", old.workers != new.workers),
        ] where changed {
            logger.warning("\(key) changed: restart cairnd to apply it")
        }
        return "reloaded: \(added.count) folders added, \(removed.count) removed, log level \(new.log.level.rawValue)"
            + recognizers
    }

    // MARK: Helpers

    private func install(_ root: String, in watch: FolderWatch) {
        guard FileManager.default.fileExists(atPath: root) else {
            logger.error(
                "watched folder is missing; cairnd checks for it every minute", metadata: ["folder": "\(root)"])
            return
        }
        let failed = watch.addRoot(root)
        if failed > 0 {
            logger.warning(
                "inotify watch budget spent: some folders are rescanned periodically instead of watched; raise fs.inotify.max_user_watches (systemd/cairn-inotify.conf)",
                metadata: ["folder": "\(root)", "unwatched": "\(failed)"])
        }
    }

    private func setBusy(_ value: Bool) {
        lock.withLock {
            busy = value
            lastProgress = Date()
        }
    }

    private func touch() {
        lock.withLock { lastProgress = Date() }
    }

    /// Alive: the inotify reader loops, and the pipeline is idle or made progress within the last minute.
    private func isAlive(_ watch: FolderWatch) -> Bool {
        let (busy, last) = lock.withLock { (self.busy, lastProgress) }
        return watch.secondsSinceHeartbeat < 5 && (!busy || Date().timeIntervalSince(last) < 60)
    }

    private func statusLine(_ watch: FolderWatch, phase: String, mentionReloadFailure: Bool = true) -> String {
        let status = try? catalog.status(errorLimit: 0)
        let photos = status.map { ", \($0.totalPhotos) photos, queue \($0.queue)" } ?? ""
        let failure =
            mentionReloadFailure
            ? lock.withLock { reloadFailure }.map { "; last reload failed: \(SystemdNotifier.statusValue($0))" } ?? ""
            : ""
        return "\(phase): \(roots.count) folders, \(watch.watchCount) watches\(photos)\(failure)"
    }

    /// Refreshes what `cairn status` shows about the daemon (and a failed write not yet recorded).
    private func report(_ watch: FolderWatch, starting: Bool = false) throws {
        let (folders, state) = lock.withLock { (settings.watch.folders, phase) }
        let failure = writeFailures.unrecorded
        let watches = watch.watchCount, unwatched = watch.unwatchedFolders.count
        let now = Date()
        try catalog.updateDaemonStatus(now: now) { status in
            status.pid = getpid()
            status.folders = folders
            status.watches = watches
            status.unwatchedFolders = unwatched
            status.watchBudget = FolderWatch.maxUserWatches.map(String.init) ?? "unknown"
            status.heartbeatAt = now
            status.state = state
            if starting {
                status.startedAt = now
                status.reloadCount = 0
            }
            if let failure {
                status.writeFailure = failure.description
                status.writeFailedAt = failure.at
            }
        }
        if let failure { writeFailures.recorded(failure) }
    }

    /// `report`, its own failure logged and kept to be recorded later.
    private func reportOrLog(_ watch: FolderWatch) {
        do {
            try report(watch)
        } catch {
            writeFailed("the daemon's status", error, replacingUnrecorded: false)
        }
    }

    /// `reportOrLog` on a thread of its own: a busy catalog can hold a write for its busy timeout (10 s).
    private func reportOrLogOffThePool(_ watch: FolderWatch) async {
        await onOwnThread { _ in self.reportOrLog(watch) }
    }

    /// A catalog write failed: logged now, and recorded in `daemon_status` (for `cairn status`) by the next report
    /// that succeeds; the daemon carries on.
    private func writeFailed(_ what: String, _ error: any Error, replacingUnrecorded: Bool = true) {
        writeFailures.failed(what, error, replacingUnrecorded: replacingUnrecorded)
    }

    private var hasUnrecordedWriteFailure: Bool { writeFailures.unrecorded != nil }
}

/// Why a reload was refused.
struct ReloadError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
