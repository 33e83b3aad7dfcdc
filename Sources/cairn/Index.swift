import ArgumentParser
import CairnCatalog
import CairnConfig
import CairnIndexing
import CairnInference
import CairnPlaces
import CairnRecognizers
import CairnStartup
import Foundation
import Logging

struct Index: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Index photo folders into the catalog without the daemon.",
        discussion: """
            For a first import or a cron job. Reads each new or changed photo's facts (EXIF date, camera, GPS and \
            its place) and checks that it decodes; files already catalogued and unchanged are only stat'ed. Photos \
            that vanished from these folders are marked removed. Shows a progress line on a terminal and a summary \
            at the end. Ctrl-C stops after the current photo.

            Then runs the enabled recognizers on the photos they have not seen, unless --facts-only. The recognizers \
            of a catalog have one owner: while cairnd runs on this catalog (its pid is in the catalog and alive), \
            `cairn index` refuses to run them and exits with 75, changing nothing; `cairn index --facts-only` is safe \
            while cairnd runs, and cairnd recognises the new photos itself.
            """)

    @OptionGroup var catalogOptions: CatalogOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("Folders to index.", valueName: "dir"))
    var folders: [String]

    @Option(help: "How many damaged or unsupported files to list in the text summary.")
    var show = 10

    @Flag(help: "Read facts and places only; run no recognizer.")
    var factsOnly = false

    func validate() throws {
        if folders.isEmpty { throw ValidationError("name at least one folder to index") }
    }

    func run() throws {
        if !factsOnly {
            Startup.useBestBLAS()
        }
        try reporting(json: output.json) { () throws(CLIError) in
            let context = try WritingContext(catalogOptions)
            if !factsOnly { try refuseIfADaemonOwns(context.catalog) }
            let indexer = LibraryIndexer(
                ingester: try context.ingester(), purgeRemovedAfterDays: context.settings.catalog.purgeRemovedAfterDays)
            let interrupt = InterruptFlag()
            let line = ProgressLine()
            let roots = folders.map(ConfigurationLoader.absolute)
            let summary = try query { () throws(CatalogError) in
                try indexer.index(roots: roots, shouldStop: { interrupt.isRaised }) { progress in
                    let rate = Double(progress.done) / max(progress.elapsed, 0.001)
                    let eta = Double(progress.total - progress.done) / max(rate, 0.001)
                    let speed = String(format: "%.1f", rate)
                    line.update(
                        "\(progress.done)/\(progress.total) photos  \(speed)/s  ETA \(formatDuration(eta))",
                        force: progress.done == progress.total)
                }
            }
            line.finish()
            let renamed = try query { () throws(CatalogError) in
                try PlaceRenamer(ingester: indexer.ingester).run { interrupt.isRaised }
            }
            let recognised =
                factsOnly || interrupt.isRaised
                ? nil : try recognise(context, places: indexer.ingester.places, interrupt: interrupt, line: line)
            if output.json {
                printJSON(
                    IndexReport(summary, renamed: renamed, interrupted: interrupt.isRaised, recognised: recognised))
            } else {
                printSummary(summary, renamed: renamed, interrupted: interrupt.isRaised)
                if let recognised { print(recognised.text) }
            }
            if !summary.unreadableFolders.isEmpty && summary.seen == 0 {
                throw CLIError(code: "folders", message: "no folder could be read", exitCode: ExitStatus.noInput)
            }
        }
    }

    /// The recognizers, their versions and the results of a catalog have one writer: a running cairnd registers its
    /// own recognizers and would see them turned off or re-versioned by another configuration.
    private func refuseIfADaemonOwns(_ catalog: Catalog) throws(CLIError) {
        let daemon = try query { () throws(CatalogError) in try catalog.daemonStatus() }
        guard daemon.isAlive, let pid = daemon.pid else { return }
        throw CLIError(
            code: "daemonOwnsCatalog",
            message: "cairnd (pid \(pid)) runs on \(catalog.path) and owns its recognizers; run `cairn index "
                + "--facts-only` (cairnd then recognises the new photos), or stop cairnd first",
            exitCode: ExitStatus.tryLater)
    }

    /// Runs the enabled recognizers on every photo of the catalog they have not seen at their current version.
    private func recognise(
        _ context: WritingContext, places: PlaceNamer, interrupt: InterruptFlag, line: ProgressLine
    ) throws(CLIError) -> RecognitionReport {
        let quiet = Logger(label: "cairn", factory: { _ in SwiftLogNoOpLogHandler() })
        let pipeline = RecognitionPipeline(
            settings: context.settings, places: places, registry: .builtIn, logger: quiet)
        defer { pipeline.close() }
        let writer = RecognitionWriter(catalog: context.catalog, logger: quiet)
        try query { () throws(CatalogError) in
            try writer.register(pipeline)
            _ = try writer.renameHintedPlaces(pipeline)
        }
        var report = RecognitionReport(
            recognizers: pipeline.recognizers.map(\.id),
            unavailable: pipeline.unavailable.map { "\($0.id): \($0.reason)" })
        guard !pipeline.recognizers.isEmpty else { return report }
        let threads = context.settings.workers.threads
        let workers = max(1, threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount)
        let sessions = (0..<workers).map { _ in pipeline.makeSession() }
        let started = Date()
        let runner = RecognitionRunner(pipeline: pipeline, writer: writer)
        report.photos = try query { () throws(CatalogError) in
            try runner.drain(
                sessions: sessions, shouldStop: { interrupt.isRaised },
                progress: { done in
                    let rate = Double(done) / max(Date().timeIntervalSince(started), 0.001)
                    line.update("recognising: \(done) photos  \(String(format: "%.1f", rate))/s")
                })
        }
        line.finish()
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    private func printSummary(_ summary: IndexSummary, renamed: Int, interrupted: Bool) {
        let rate = Double(summary.seen) / max(summary.seconds, 0.001)
        print(
            "\(interrupted ? "Interrupted after" : "Indexed") \(plural(summary.seen, "photo")) in "
                + "\(String(format: "%.1f", summary.seconds)) s (\(String(format: "%.1f", rate)) photos/s): "
                + "\(summary.indexed) indexed, \(summary.unchanged) unchanged, \(summary.damaged.count) damaged, "
                + "\(summary.unsupported.count) unsupported, \(summary.removed) removed")
        if renamed > 0 { print("Places named again with the current gazetteer: \(plural(renamed, "photo"))") }
        for (title, list) in [
            ("Damaged", summary.damaged), ("Unsupported", summary.unsupported),
            ("Unreadable folders", summary.unreadableFolders),
        ] where !list.isEmpty {
            print("\(title):")
            for (path, reason) in list.prefix(show) { print("  \(path): \(reason)") }
            if list.count > show { print("  … and \(list.count - show) more (cairn status shows the latest)") }
        }
    }
}

/// `cairn index --json` output.
struct IndexReport: Encodable {
    struct Problem: Encodable {
        var path: String
        var reason: String
    }

    var seen, indexed, unchanged, removed, renamedPlaces: Int
    var seconds: Double
    var interrupted: Bool
    var damaged, unsupported, unreadableFolders: [Problem]

    var recognition: RecognitionReport?

    init(_ s: IndexSummary, renamed: Int, interrupted: Bool, recognised: RecognitionReport?) {
        recognition = recognised
        seen = s.seen
        indexed = s.indexed
        unchanged = s.unchanged
        removed = s.removed
        renamedPlaces = renamed
        seconds = s.seconds
        self.interrupted = interrupted
        damaged = s.damaged.map { Problem(path: $0.path, reason: $0.reason) }
        unsupported = s.unsupported.map { Problem(path: $0.path, reason: $0.reason) }
        unreadableFolders = s.unreadableFolders.map { Problem(path: $0.path, reason: $0.reason) }
    }
}

/// What `cairn index` recognised after reading facts.
struct RecognitionReport: Encodable {
    var recognizers: [String]
    var unavailable: [String]
    var photos = 0
    var seconds = 0.0

    var text: String {
        var lines: [String] = []
        if !recognizers.isEmpty {
            let took = String(format: "%.1f", seconds)
            let names = recognizers.joined(separator: ", ")
            lines.append("Recognised \(plural(photos, "photo")) with \(names) in \(took) s")
        }
        for problem in unavailable { lines.append("Not run: \(problem)") }
        return lines.joined(separator: "\n")
    }
}
