import ArgumentParser
import CairnCatalog
import CairnConfig
import CairnIndexing
import CairnPlaces
import Foundation
import Logging

/// The catalog and settings for subcommands that write (`index`, `places import`).
struct WritingContext {
    var settings: CairnConfiguration
    var catalog: Catalog

    init(_ options: CatalogOptions) throws(CLIError) {
        try self.init(catalog: options.catalog, config: options.config)
    }

    init(catalog catalogPath: String?, config: String?) throws(CLIError) {
        do {
            settings = try ConfigurationLoader.builtIn.resolve(path: config).0
        } catch {
            throw CLIError(code: "config", message: "\(error)", exitCode: ExitStatus.configuration)
        }
        if let catalogPath { settings.catalog.path = ConfigurationLoader.absolute(catalogPath) }
        let path = settings.catalog.path
        catalog = try query { () throws(CatalogError) in try Catalog.openForWriting(path: path) }
    }

    /// An ingester with the configured gazetteer; ingest messages are not logged (the summary reports them).
    func ingester() throws(CLIError) -> PhotoIngester {
        let gazetteer: Gazetteer
        do {
            gazetteer = try GazetteerLoader.load(settings.places.gazetteer, catalog: catalog)
        } catch {
            throw CLIError(code: "gazetteer", message: "\(error)", exitCode: ExitStatus.configuration)
        }
        return PhotoIngester(
            catalog: catalog, gazetteer: gazetteer, maxCityDistanceKm: settings.places.maxCityDistanceKm,
            maxPixels: settings.watch.maxPixels, decodeBudget: settings.watch.decodeBudget,
            pairRawWithJPEG: settings.watch.pairRawWithJPEG,
            logger: Logger(label: "cairn", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}

/// A progress line on stderr, redrawn at most ten times a second, only when stderr is a terminal. Safe to update
/// from worker threads.
final class ProgressLine: @unchecked Sendable {
    private let enabled = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var drawn = false

    func update(_ text: @autoclosure () -> String, force: Bool = false) {
        guard enabled else { return }
        lock.withLock {
            guard force || Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = Date()
            drawn = true
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text())".utf8))
        }
    }

    func finish() {
        guard enabled else { return }
        lock.withLock {
            guard drawn else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
    }
}

/// Sets a flag on SIGINT/SIGTERM so long work can stop between files and still print its summary.
final class InterruptFlag: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var raised = false

    init() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.lock.withLock { self?.raised = true } }
            source.resume()
            sources.append(source)
        }
    }

    var isRaised: Bool { lock.withLock { raised } }
}

func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    let s = Int(seconds.rounded())
    return s >= 3600
        ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}
