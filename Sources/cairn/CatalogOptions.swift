import ArgumentParser
import CairnCatalog
import CairnConfig
import Foundation

/// How a subcommand finds the catalog: --catalog, else the configuration's.
struct CatalogOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Catalog file to read.", valueName: "file"))
    var catalog: String?

    @Option(name: .long, help: ArgumentHelp("Configuration file whose catalog path to use.", valueName: "file"))
    var config: String?

    func openCatalog() throws(CLIError) -> Catalog {
        try Self.openCatalog(catalog: catalog, config: config)
    }

    static func openCatalog(catalog: String?, config: String?) throws(CLIError) -> Catalog {
        let path: String
        if let catalog {
            path = ConfigurationLoader.absolute(catalog)
        } else {
            do {
                path = try ConfigurationLoader.builtIn.resolve(path: config).0.catalog.path
            } catch {
                throw CLIError(code: "config", message: "\(error)", exitCode: ExitStatus.configuration)
            }
        }
        do {
            return try Catalog.openReadOnly(path: path)
        } catch {
            throw CLIError(error)
        }
    }
}

/// Text or JSON output.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false
}
