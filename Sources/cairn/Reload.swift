import ArgumentParser
import CairnCatalog
import Foundation

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the running cairnd re-read its configuration and reload models and plugins.",
        discussion: """
            Sends SIGHUP to the cairnd that writes this catalog (its pid is in the catalog) and waits for its answer. \
            cairnd loads the new recognizers beside the old ones and swaps them in only if all of them load; \
            otherwise it keeps everything as it was and says why. Photos whose recognizer changed version are \
            recognised again in the background, newest first.

            Exit codes: 0 reloaded, 1 cairnd refused the new configuration (the old one stays), 69 no cairnd runs \
            on this catalog, 75 no answer within --timeout, 77 not allowed to signal cairnd.
            """)

    @OptionGroup var catalogOptions: CatalogOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Seconds to wait for cairnd's answer.")
    var timeout = 120.0

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let catalog = try catalogOptions.openCatalog()
            let before = try query { () throws(CatalogError) in try catalog.daemonStatus() }
            guard before.isAlive, let pid = before.pid else {
                throw CLIError(
                    code: "notRunning",
                    message: "no cairnd is running on \(catalog.path); start it, or name its catalog with --catalog or --config",
                    exitCode: ExitStatus.noDaemon)
            }
            let count = before.reloadCount
            guard kill(pid, SIGHUP) == 0 else {
                let reason = String(cString: strerror(errno))
                throw CLIError(
                    code: "signal", message: "cannot signal cairnd (pid \(pid)): \(reason); run as its user or root",
                    exitCode: errno == EPERM ? ExitStatus.notAllowed : ExitStatus.noDaemon)
            }
            let deadline = Date().addingTimeInterval(timeout)
            var after = before
            while after.reloadCount == count || after.pid != before.pid {
                guard Date() < deadline else {
                    throw CLIError(
                        code: "timeout", message: "cairnd (pid \(pid)) did not report a reload within \(Int(timeout)) s",
                        exitCode: ExitStatus.tryLater)
                }
                usleep(100_000)
                // A read that fails (the catalog busy) is tried again on the next round.
                if let status = try? catalog.daemonStatus() { after = status }
            }
            let accepted = after.reloadResult == .ok
            let outcome = after.reload ?? "no outcome recorded"
            // A refused reload is an error: one line on stderr, and {"error": …} with --json.
            guard accepted else {
                throw CLIError(code: "reloadFailed", message: "cairnd (pid \(pid)): \(outcome)", exitCode: ExitStatus.failure)
            }
            if output.json {
                printJSON(ReloadReport(pid: pid, outcome: outcome, at: after.reloadedAt.map(DaemonStatus.text)))
            } else {
                print("cairnd (pid \(pid)) \(outcome)")
            }
        }
    }
}

/// `cairn reload --json` output.
struct ReloadReport: Encodable {
    var pid: Int32
    var outcome: String
    var at: String?
}
