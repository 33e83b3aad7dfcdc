import ArgumentParser
import CairnCatalog
import Foundation

/// A failure the CLI reports as one line on stderr (and as {"error": …} on stdout with --json).
struct CLIError: Error {
    var code: String
    var message: String
    var exitCode: Int32

    init(code: String, message: String, exitCode: Int32) {
        self.code = code
        self.message = message
        self.exitCode = exitCode
    }

    init(_ error: CatalogError) {
        let exitCode: Int32 =
            switch error.code {
            case .missing: ExitStatus.noInput
            case .newerSchema, .olderSchema: ExitStatus.schema
            case .notFound: ExitStatus.failure
            case .notAllowed: ExitStatus.notAllowed
            default: ExitStatus.catalogUnreadable
            }
        // The service's catalog (/var/lib/cairn) is readable by the group cairn (systemd/cairn.sysusers).
        let hint =
            error.code == .notAllowed
            ? "; cairnd's catalog is readable by the group cairn: usermod -aG cairn USER, then log in again"
            : ""
        self.init(code: error.code.description, message: error.description + hint, exitCode: exitCode)
    }
}

/// Every exit status `cairn` ends with, in one place (sysexits(3) numbers where one fits). `summary` is what
/// `cairn --help` says of them.
enum ExitStatus {
    /// Not found (`cairn photo`; a name given to `--landmark`, `--tag`, `--city` or `--country` that matches nothing
    /// in the catalog), cairnd refused a reload.
    static let failure: Int32 = 1
    /// Bad arguments (swift-argument-parser's own), a name that matches several (`NameMatch`).
    static let usage: Int32 = 64
    /// A catalog of a newer or older schema; a GeoNames dump that cannot be read.
    static let schema: Int32 = 65
    /// No catalog, or no folder could be read.
    static let noInput: Int32 = 66
    /// No cairnd runs on this catalog (`cairn reload`).
    static let noDaemon: Int32 = 69
    /// The catalog is unreadable or not a Cairn catalog.
    static let catalogUnreadable: Int32 = 74
    /// Try again later: cairnd did not answer in time (`cairn reload`), or a running cairnd owns the catalog's
    /// recognizers (`cairn index` without `--facts-only`).
    static let tryLater: Int32 = 75
    /// Not allowed to signal cairnd (`cairn reload`) or to read the catalog.
    static let notAllowed: Int32 = 77
    /// Bad configuration.
    static let configuration: Int32 = 78

    static let summary = """
        Exit codes: 0 success, 1 not found (a photo, or a name given to --landmark, --tag, --city or --country), \
        64 bad arguments (or a name that matches several), 65 catalog of a newer or older schema, \
        66 no catalog, 69 no running cairnd (reload), 74 catalog unreadable or not a Cairn catalog, 75 no answer \
        in time (reload) or a running cairnd owns the catalog (index), 77 not allowed to signal cairnd (reload) or to \
        read the catalog, 78 bad configuration.
        """
}

/// Runs a subcommand body, turning errors into a clear line and the right exit code.
func reporting(json: Bool, _ body: () throws(CLIError) -> Void) throws {
    do {
        try body()
    } catch {
        FileHandle.standardError.write(Data("cairn: \(error.message)\n".utf8))
        if json {
            printJSON(["error": ["code": error.code, "message": error.message]])
        }
        throw ExitCode(error.exitCode)
    }
}

func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    // Encoding plain Codable values cannot fail; a failure here is a programming error.
    let data = try! encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}

func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}

/// Runs a catalog query, mapping its error to the CLI's.
func query<T>(_ body: () throws(CatalogError) -> T) throws(CLIError) -> T {
    do {
        return try body()
    } catch {
        throw CLIError(error)
    }
}
