import ArgumentParser
import CairnCatalog
import CairnConfig
import CairnIndexing
import CairnSidecars
import Foundation
import Logging

struct SidecarsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sidecars",
        abstract: "XMP sidecars with Cairn's places, landmarks and tags, for Immich, digiKam, darktable, PhotoPrism.",
        discussion: """
            cairnd keeps sidecars in step by itself when the configuration's sidecars.mode is beside or tree; these \
            commands do a one-off pass over what the catalog knows. Only Cairn's own keywords (under "Cairn|"), the \
            words it added to dc:subject, the location it marked and its own namespace are ever changed in a \
            sidecar; everything else in it is kept. See docs/SIDECARS.md.
            """,
        subcommands: [WriteSidecars.self, CheckSidecars.self, RemoveSidecars.self, SidecarUnit.self])
}

/// Which photos and where their sidecars go: the configuration's `sidecars` section unless overridden.
struct SidecarOptions: ParsableArguments {
    @OptionGroup var catalogOptions: CatalogOptions

    @Argument(
        help: ArgumentHelp(
            "Only photos under these folders (default: every photo in the catalog).", valueName: "folder"))
    var folders: [String] = []

    @Option(
        help:
            "beside: PHOTO.EXT.xmp next to each photo; tree: a mirror tree under --folder (default: the configuration's sidecars.mode, beside if that is off)."
    )
    var mode: SidecarsConfiguration.Mode?

    @Option(
        help: ArgumentHelp(
            "The mirror tree's root in tree mode (default: the configuration's sidecars.folder).", valueName: "dir"))
    var folder: String?

    /// The sync, and the photos under the folders.
    func prepare() throws(CLIError) -> (SidecarSync, [Int64]) {
        let context = try WritingContext(catalogOptions)
        var settings = context.settings.sidecars
        if let mode { settings.mode = mode }
        if settings.mode == .off { settings.mode = .beside }
        if let folder { settings.folder = ConfigurationLoader.absolute(folder) }
        guard let placement = SidecarSync.placement(settings) else {
            throw CLIError(code: "usage", message: "--mode must be beside or tree", exitCode: ExitStatus.usage)
        }
        let sync = SidecarSync(
            catalog: context.catalog, placement: placement, writeInferredGPS: settings.writeInferredGPS,
            logger: Logger(label: "cairn", factory: { _ in SwiftLogNoOpLogHandler() }))
        let roots = folders.map { ConfigurationLoader.absolute($0) }
        let photos = try query { () throws(CatalogError) in try context.catalog.sidecarPhotos(under: roots) }
        return (sync, photos)
    }
}

extension SidecarsConfiguration.Mode: ExpressibleByArgument {}

/// A pass of `body` over the photos in batches, with a progress line; then its summary, as JSON (`fields`) or text
/// (`line`, the reasons of failures on stderr). Exit status 1 when any sidecar failed.
private func pass(
    _ options: SidecarOptions, json: Bool, progress verb: String,
    _ body: (SidecarSync, [Int64]) throws(CatalogError) -> SidecarSync.Summary,
    fields: (Int, SidecarSync.Summary) -> [String: Int], line: (Int, SidecarSync.Summary) -> String
) throws {
    var failed = false
    try reporting(json: json) { () throws(CLIError) in
        let (sync, photos) = try options.prepare()
        let progress = ProgressLine()
        var summary = SidecarSync.Summary()
        for start in stride(from: 0, to: photos.count, by: 200) {
            let batch = Array(photos[start..<min(photos.count, start + 200)])
            summary.add(try query { () throws(CatalogError) in try body(sync, batch) })
            progress.update("\(verb) \(start + batch.count) of \(photos.count) photos")
        }
        progress.finish()
        if json {
            printJSON(fields(photos.count, summary))
        } else {
            print(line(photos.count, summary))
            for problem in summary.problems { FileHandle.standardError.write(Data("  \(problem)\n".utf8)) }
        }
        failed = summary.failed > 0
    }
    if failed { throw ExitCode(ExitStatus.failure) }
}

struct WriteSidecars: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Write (or bring up to date) the sidecars of catalogued photos.",
        discussion: "Exit status 1 when some sidecar could not be written (the reasons on stderr).")

    @OptionGroup var options: SidecarOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try pass(
            options, json: output.json, progress: "writing sidecars:",
            { sync, ids throws(CatalogError) in try sync.sync(ids) },
            fields: { photos, summary in
                [
                    "photos": photos, "written": summary.written, "unchanged": summary.unchanged,
                    "moved": summary.moved, "removed": summary.removed, "failed": summary.failed,
                    "skipped": summary.skipped,
                ]
            },
            line: { photos, summary in
                "\(plural(photos, "photo")): \(summary.written) sidecars written, \(summary.unchanged) already in step, "
                    + "\(summary.moved) moved, \(summary.removed) stripped of Cairn's part, \(summary.failed) failed, "
                    + "\(summary.skipped) skipped (not indexed)"
            })
    }
}

struct CheckSidecars: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compare the sidecars on disk with the catalog: in step, stale, missing or unreadable.",
        discussion: "Exit status 1 when any sidecar is stale, missing or unreadable.")

    @OptionGroup var options: SidecarOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "List every sidecar that is not in step.")
    var list = false

    func run() throws {
        var failed = false
        try reporting(json: output.json) { () throws(CLIError) in
            let (sync, photos) = try options.prepare()
            var results: [(path: String, check: SidecarSync.Check, reason: String?)] = []
            for start in stride(from: 0, to: photos.count, by: 200) {
                let batch = Array(photos[start..<min(photos.count, start + 200)])
                results += try query { () throws(CatalogError) in try sync.check(batch) }
            }
            var counts: [String: Int] = [:]
            for result in results { counts[result.check.rawValue, default: 0] += 1 }
            let off = results.filter { $0.check != .inStep && $0.check != .none }
            if output.json {
                printJSON(
                    CheckReport(
                        counts: counts,
                        notInStep: off.map { .init(sidecar: $0.path, state: $0.check.rawValue, reason: $0.reason) }))
            } else {
                print(
                    SidecarSync.Check.allCases.map { "\(counts[$0.rawValue, default: 0]) \($0.rawValue)" }
                        .joined(separator: ", "))
                if list {
                    for result in off {
                        print(
                            "\(result.check.rawValue.padded(to: 10)) \(result.path)\(result.reason.map { "  (\($0))" } ?? "")"
                        )
                    }
                }
            }
            failed = !off.isEmpty
        }
        if failed { throw ExitCode(ExitStatus.failure) }
    }

    struct CheckReport: Encodable {
        struct Entry: Encodable {
            var sidecar: String
            var state: String
            var reason: String?
        }

        var counts: [String: Int]
        var notInStep: [Entry]
    }
}

struct RemoveSidecars: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove Cairn's part of the photos' sidecars; a sidecar only Cairn wrote is deleted.",
        discussion: """
            Everything other tools wrote in a sidecar stays. cairnd writes them again while sidecars.mode is on: \
            set it to off and reload first.
            """)

    @OptionGroup var options: SidecarOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try pass(
            options, json: output.json, progress: "removing Cairn's part:",
            { sync, ids throws(CatalogError) in try sync.remove(ids) },
            fields: { photos, summary in ["photos": photos, "removed": summary.removed, "failed": summary.failed] },
            line: { photos, summary in
                "\(plural(photos, "photo")): \(summary.removed) sidecars cleaned, \(summary.failed) failed"
            })
    }
}

struct SidecarUnit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unit",
        abstract: "Print the systemd drop-in that lets cairnd write sidecars beside the photos.",
        discussion: """
            The unit makes the whole file system read-only to cairnd but its state directory (ProtectSystem=strict). \
            In beside mode it must write in the watched folders:
              cairn sidecars unit > /etc/systemd/system/cairnd.service.d/sidecars.conf
              systemctl daemon-reload && systemctl restart cairnd
            In tree mode only a folder outside /var/lib/cairn needs it.
            """)

    @Option(
        help: ArgumentHelp(
            "Configuration file to read the watched folders and sidecars section from.", valueName: "file"))
    var config: String?

    func run() throws {
        try reporting(json: false) { () throws(CLIError) in
            let settings: CairnConfiguration
            do {
                settings = try ConfigurationLoader.builtIn.resolve(path: config).0
            } catch {
                throw CLIError(code: "config", message: "\(error)", exitCode: ExitStatus.configuration)
            }
            print(Self.dropIn(settings))
        }
    }

    /// The drop-in: ReadWritePaths= for the folders cairnd writes sidecars in.
    static func dropIn(_ settings: CairnConfiguration) -> String {
        var paths: [String] = []
        switch settings.sidecars.mode {
        case .off: break
        case .beside: paths = settings.watch.folders
        case .tree: if !settings.sidecars.folder.hasPrefix("/var/lib/cairn/") { paths = [settings.sidecars.folder] }
        }
        var text = """
            # cairnd writes XMP sidecars (sidecars.mode: \(settings.sidecars.mode.rawValue)); written by `cairn sidecars unit`.
            [Service]
            """
        if paths.isEmpty {
            text +=
                "\n# Nothing to add: \(settings.sidecars.mode == .off ? "sidecars are off" : "the tree is under the state directory")."
        }
        for path in paths {
            // systemd unquotes the value; a path with spaces is quoted.
            text += "\nReadWritePaths=" + (path.contains(" ") ? "\"\(path)\"" : path)
        }
        return text
    }
}
