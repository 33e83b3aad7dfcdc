import ArgumentParser
import CairnCatalog
import CairnConfig
import CairnDiscovery
import CairnLandmarkBuilder
import Foundation
import Landmarks

struct RemoveLandmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a landmark from a pack (a personal one added by mistake, an adopted one you do not want).",
        discussion: """
            Writes the pack again (atomically) without the landmark's centroids and references; nothing else \
            changes. A discovered landmark that was adopted as this key becomes rejected in the catalog, so \
            discovery never proposes it again and auto-adoption never brings it back. Then `cairn reload`: cairnd \
            recognises every photo again with the new pack, and the photos the landmark had placed lose its tag and \
            its place.
            """)

    @OptionGroup var catalogOptions: CatalogOptions
    @OptionGroup var output: OutputOptions

    @Argument(
        help: ArgumentHelp(
            "The landmark's key (the pack's; `cairn landmarks discovered --all` shows adopted ones).", valueName: "key")
    )
    var key: String

    @Option(
        help: ArgumentHelp("The pack (default: recognizers.landmarks.pack of the configuration).", valueName: "file"))
    var pack: String?

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let settings: CairnConfiguration
            do {
                settings = try ConfigurationLoader.builtIn.resolve(path: catalogOptions.config).0
            } catch {
                throw CLIError(code: "config", message: "\(error)", exitCode: ExitStatus.configuration)
            }
            let packPath = try chosenPack(pack, settings: settings)
            let loaded: LandmarkPack
            do {
                loaded = try LandmarkPack.load(path: packPath)
            } catch {
                throw CLIError(code: "pack", message: "\(error)", exitCode: ExitStatus.configuration)
            }
            guard let landmark = loaded.landmarks.first(where: { $0.key == key }) else {
                let keys = loaded.landmarks.map(\.key)
                let shown = keys.prefix(12).joined(separator: ", ") + (keys.count > 12 ? ", …" : "")
                throw CLIError(
                    code: "notFound", message: "\(packPath) has no landmark '\(key)' (it has \(shown))",
                    exitCode: ExitStatus.failure)
            }
            guard loaded.landmarks.count > 1 else {
                throw CLIError(
                    code: "last", message: "'\(key)' is the pack's only landmark: a pack needs one; build another",
                    exitCode: ExitStatus.usage)
            }
            var removed = loaded.removing(key: key)
            do {
                try removed.write(to: packPath)
            } catch {
                throw CLIError(code: "write", message: "\(error)", exitCode: ExitStatus.catalogUnreadable)
            }
            // The catalog's discoveries, when there is a catalog (a pack can be edited where none is).
            let catalogPath = catalogOptions.catalog.map(ConfigurationLoader.absolute) ?? settings.catalog.path
            var adopted: [DiscoveryRecord] = []
            if FileManager.default.fileExists(atPath: catalogPath) {
                let catalog = try query { () throws(CatalogError) in try Catalog.openForWriting(path: catalogPath) }
                adopted = try query { () throws(CatalogError) in
                    try catalog.discoveries([.adopted], typical: 0).filter { $0.landmarkKey == key }
                }
                for record in adopted {
                    try query { () throws(CatalogError) in try catalog.setDiscovery(id: record.id, status: .rejected) }
                }
            }
            if output.json {
                printJSON([
                    "key": key, "pack": packPath, "checksum": removed.checksum,
                    "landmarks": "\(removed.landmarks.count)",
                    "rejected": adopted.map { "\($0.id)" }.joined(separator: ","),
                ])
            } else {
                print(
                    "removed \(key) (\(landmark.name)) from \(packPath): \(removed.landmarks.count) landmarks left, version pack:\(removed.checksum)"
                )
                for record in adopted {
                    print("discovered landmark #\(record.id) is rejected now: it will not be proposed or adopted again")
                }
                print("run `cairn reload` (or systemctl reload cairnd) so cairnd recognises the photos again")
            }
        }
    }
}
