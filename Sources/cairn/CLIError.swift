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
        let exitCode: Int32 = switch error.code {
        case .missing: 66
        case .newerSchema, .olderSchema: 65
        case .notFound: 1
        default: 74
        }
        self.init(code: error.code.description, message: error.description, exitCode: exitCode)
    }
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
