import ArgumentParser
import CairnCatalog
import Foundation

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Photo counts by state, the work queue, recognizers and the latest errors.")

    @OptionGroup var catalogOptions: CatalogOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "How many recent errors to show.")
    var errors = 5

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let catalog = try catalogOptions.openCatalog()
            var status = try query { () throws(CatalogError) in try catalog.status(errorLimit: errors) }
            if !status.daemon.isEmpty { status.daemon.running = status.daemon.isAlive }
            status.sidecars = try query { () throws(CatalogError) in try catalog.sidecarStatus(errorLimit: errors) }
            if output.json {
                printJSON(status)
                return
            }
            print("Catalog: \(status.catalog)")
            print("Schema:  \(status.schema)")
            let states = ["indexed", "pending", "damaged", "unsupported", "removed"].map {
                "\(status.photos[$0] ?? 0) \($0)"
            }
            print("Photos:  \(status.totalPhotos) (\(states.joined(separator: ", ")))")
            print("Queue:   \(status.queue)")
            printDaemon(status.daemon)
            if status.recognizers.isEmpty {
                print("Recognizers: none registered yet")
            } else {
                print("Recognizers:")
                for r in status.recognizers {
                    let state = r.enabled ? (r.status ?? "enabled") : "off: \(r.status ?? "disabled")"
                    print("  \(r.id) \(r.version) [\(state)]: \(r.done) done, \(r.failed) failed, \(r.queued) queued")
                }
            }
            if let sidecars = status.sidecars {
                let placement = sidecars.placement.map { $0.hasPrefix("tree:") ? "tree in \($0.dropFirst(5))" : $0 }
                print(
                    "Sidecars: \(placement ?? "off"), \(sidecars.written) written, \(sidecars.failed) failed, "
                        + "\(sidecars.due) due")
                for problem in sidecars.problems { print("  \(problem.reason)") }
            }
            if status.lastErrors.isEmpty {
                print("Last errors: none")
            } else {
                print("Last errors:")
                for problem in status.lastErrors {
                    print("  \(problem.path) (\(problem.stage)): \(problem.reason)")
                }
            }
        }
    }

    private func printDaemon(_ daemon: DaemonStatus) {
        guard !daemon.isEmpty else {
            print("Daemon:  never ran on this catalog")
            return
        }
        let state = daemon.state?.rawValue ?? "?"
        let since = daemon.startedAt.map(DaemonStatus.text) ?? "?"
        print(
            "Daemon:  \(daemon.running == true ? "running (pid \(daemon.pid.map(String.init) ?? "?")), \(state)" : "not running") since \(since)"
        )
        let folders = daemon.folders ?? []
        let unwatched = daemon.unwatchedFolders ?? 0
        print(
            "Watch:   \(plural(folders.count, "folder")) with \(daemon.watches.map(String.init) ?? "?") inotify watches (budget \(daemon.watchBudget ?? "?"))"
                + (unwatched > 0
                    ? "; \(unwatched) folders without a watch, rescanned periodically" : "; every folder watched"))
        if let reload = daemon.reload {
            print("Reload:  \(reload) (\(daemon.reloadedAt.map(DaemonStatus.text) ?? "?"))")
        }
        if let discovery = daemon.discovery {
            print(
                "Discovery: \(discovery) (\(daemon.discoveredAt.map(DaemonStatus.text) ?? "?")); cairn landmarks discovered lists them"
            )
        }
        if let failure = daemon.writeFailure {
            print("Writes:  the last failed (\(daemon.writeFailedAt.map(DaemonStatus.text) ?? "?")): \(failure)")
        }
    }
}
