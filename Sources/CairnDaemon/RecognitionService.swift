import CairnCatalog
import CairnConfig
import CairnIndexing
import CairnInference
import Foundation
import Logging
import ServiceLifecycle

/// Recognition in the background: the daemon's schedule around the one `RecognitionRunner` (shared with
/// `cairn index`): a round whenever photos are due, an idle wait when none is, and reloads. Bounded by `workers`, each
/// with its own preallocated backbone session; OpenBLAS stays single-threaded and the daemon runs at low priority.
/// Everything recognition writes goes through its one `RecognitionWriter`.
///
/// A reload builds a whole new pipeline beside the current one and swaps it in only if everything loaded; photos in
/// flight finish on the old one, which is then closed.
public final class RecognitionService: Service, @unchecked Sendable {
    /// Why a new set of recognizers was refused.
    public struct ReloadFailure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    private let lock = NSLock()
    private var pipeline: RecognitionPipeline
    private var generation = 0
    private var retired: [RecognitionPipeline] = []
    private var stopping = false
    /// The workers' backbone sessions and the pipeline generation they were made for; made when photos are due.
    private var sessions: [BackboneSession?] = []
    private var sessionsGeneration = -1
    private let workers: Int
    /// The one writer of recognition's catalog state.
    public let writer: RecognitionWriter
    private let logger: Logger

    public init(pipeline: RecognitionPipeline, writer: RecognitionWriter, workers: Int, logger: Logger) {
        self.pipeline = pipeline
        self.writer = writer
        self.workers = max(1, workers)
        self.logger = logger
    }

    /// The pipeline photos are recognised with now.
    public var current: RecognitionPipeline { lock.withLock { pipeline } }

    public func run() async throws {
        // At shutdown, a plugin busy with a photo (or hung) must not hold the daemon up to its timeout.
        try await withGracefulShutdownHandler {
            try await work()
        } onGracefulShutdown: {
            let (last, old) = self.lock.withLock {
                self.stopping = true
                return (self.pipeline, self.retired)
            }
            for each in old + [last] { each.terminate() }
        }
    }

    private func work() async throws {
        try writer.register(current)
        announce(current)
        renameHintedPlaces(current)
        var done = 0
        defer {
            let (last, old) = lock.withLock { (pipeline, retired) }
            for each in old + [last] { each.close() }
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Retired pipelines first: one swapped out after this point is still read below, and closed next time.
            closeRetired()
            let (pipeline, generation) = lock.withLock { (self.pipeline, self.generation) }
            guard !pipeline.recognizers.isEmpty else {
                try? await Task.sleep(for: .seconds(2))
                continue
            }
            // Workers stop taking photos once a reload swapped the pipeline or the daemon is stopping.
            let runner = RecognitionRunner(pipeline: pipeline, writer: writer)
            let workers = workers
            let round = await onOwnThread { _ in
                runner.round(
                    workers: workers, sessions: { self.sessions(for: pipeline, generation: generation) },
                    keepGoing: { self.isCurrent(generation) && !self.isStopping })
            }
            done += round.photos
            if let error = round.error {
                logger.error("cannot read the recognition queue", metadata: ["reason": "\(error)"])
                try? await Task.sleep(for: .seconds(5))
            } else if round.idle {
                if done > 0 {
                    logger.notice("recognition queue empty", metadata: ["photos": "\(done)"])
                    done = 0
                    // Idle: give the workers' network arenas and the freed decode buffers back to the system; the
                    // sessions are made again when work comes.
                    lock.withLock {
                        sessions = []
                        sessionsGeneration = -1
                    }
                    Self.returnFreedMemory()
                }
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }

    /// A set of recognizers loaded beside the current ones and not yet in use: `commit` swaps it in (after its
    /// `records` were written to the catalog), `discard` closes it. Made by `prepareReload`.
    public struct PreparedReload: Sendable {
        let new: RecognitionPipeline
        let old: RecognitionPipeline
        /// The recognizers' rows for the catalog (`Catalog.commitReload`).
        public var records: [RecognizerRecord] { new.records }
    }

    /// Loads the recognizers `settings` configures beside the current ones, changing nothing else: fails, the new set
    /// closed, if a recognizer that loads now does not load any more (one already unavailable for the same reason
    /// does not block a reload).
    public func prepareReload(_ settings: CairnConfiguration) -> Result<PreparedReload, ReloadFailure> {
        let old = current
        let new = RecognitionPipeline(settings: settings, places: old.places, registry: old.registry, logger: logger)
        let failures = new.unavailable.filter { !old.unavailable.contains($0) }
        guard failures.isEmpty else {
            new.close()
            return .failure(ReloadFailure(message: failures.map { "\($0.id): \($0.reason)" }.joined(separator: "; ")))
        }
        return .success(PreparedReload(new: new, old: old))
    }

    /// Closes a prepared set that will not be used.
    public func discard(_ prepared: PreparedReload) {
        prepared.new.close()
    }

    /// Swaps a prepared set in, once the catalog holds its records; the old set's photos in flight finish, then it is
    /// closed. Returns what changed, for the log, `cairn status` and `cairn reload`.
    public func commit(_ prepared: PreparedReload) -> String {
        let (old, new) = (prepared.old, prepared.new)
        lock.withLock {
            pipeline = new
            generation += 1
            retired.append(old)
        }
        announce(new)
        renameHintedPlaces(new)
        let oldVersions = Dictionary(old.recognizers.map { ($0.id, $0.version) }, uniquingKeysWith: { a, _ in a })
        let newIds = Set(new.recognizers.map(\.id))
        var changes: [String] = []
        for recognizer in new.recognizers {
            switch oldVersions[recognizer.id] {
            case nil: changes.append("\(recognizer.id) added")
            case recognizer.version?: break
            default: changes.append("\(recognizer.id) changed version")
            }
        }
        changes += old.recognizers.map(\.id).filter { !newIds.contains($0) }.map { "\($0) removed" }
        // Photos due, per recognizer (a new model makes every recognizer that reads it stale: one photo counts once
        // for each).
        let queued =
            (try? writer.catalog.status(errorLimit: 0).recognizers).map { recognizers in
                let due = recognizers.filter { $0.queued > 0 }.map { "\($0.id) \($0.queued)" }
                return due.isEmpty ? ", nothing queued" : ", photos queued: " + due.joined(separator: ", ")
            } ?? ""
        let summary = changes.isEmpty ? "recognizers unchanged" : "recognizers: " + changes.joined(separator: ", ")
        return summary + queued
    }

    /// The workers' sessions for `pipeline`, made again after a reload or an idle spell.
    private func sessions(for pipeline: RecognitionPipeline, generation: Int) -> [BackboneSession?] {
        lock.withLock {
            if sessionsGeneration != generation {
                sessions = (0..<workers).map { _ in pipeline.makeSession() }
                sessionsGeneration = generation
            }
            return sessions
        }
    }

    private func isCurrent(_ generation: Int) -> Bool { lock.withLock { self.generation == generation } }

    private var isStopping: Bool { lock.withLock { stopping } }

    /// Closes pipelines replaced by a reload; called between batches, when no photo runs on them any more.
    private func closeRetired() {
        let old = lock.withLock { () -> [RecognitionPipeline] in
            defer { retired = [] }
            return retired
        }
        for pipeline in old { pipeline.close() }
    }

    private func announce(_ pipeline: RecognitionPipeline) {
        for recognizer in pipeline.recognizers {
            logger.notice(
                "recognizer loaded",
                metadata: ["recognizer.id": "\(recognizer.id)", "recognizer.version": "\(recognizer.version)"])
        }
        for entry in pipeline.unavailable {
            logger.warning(
                "recognizer unavailable", metadata: ["recognizer.id": "\(entry.id)", "reason": "\(entry.reason)"])
        }
    }

    /// Names again, through the gazetteer, the landmark places an earlier version recorded without a country code.
    private func renameHintedPlaces(_ pipeline: RecognitionPipeline) {
        do {
            let renamed = try writer.renameHintedPlaces(pipeline)
            if renamed > 0 { logger.notice("landmark places renamed", metadata: ["photos": "\(renamed)"]) }
        } catch {
            if let failures = writer.failures {
                failures.failed("landmark places named again", error)
            } else {
                logger.error("cannot rename landmark places", metadata: ["reason": "\(error)"])
            }
        }
    }
}

extension RecognitionService {
    /// glibc's malloc_trim(0): hands freed heap pages back to the kernel, which glibc otherwise keeps after a burst
    /// of large allocations (decoded photos). It is declared in <malloc.h>, which Swift's Glibc module does not
    /// export, so it is looked up by name; elsewhere this does nothing.
    static func returnFreedMemory() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        typealias MallocTrim = @convention(c) (Int) -> Int32
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    }
}
