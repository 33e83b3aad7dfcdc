import ArgumentParser
import CairnCatalog

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
            let status = try query { () throws(CatalogError) in try catalog.status(errorLimit: errors) }
            if output.json {
                printJSON(status)
                return
            }
            print("Catalog: \(status.catalog)")
            print("Schema:  \(status.schema)")
            let states = ["indexed", "pending", "damaged", "unsupported", "removed"].map { "\(status.photos[$0] ?? 0) \($0)" }
            print("Photos:  \(status.totalPhotos) (\(states.joined(separator: ", ")))")
            print("Queue:   \(status.queue)")
            if status.recognizers.isEmpty {
                print("Recognizers: none registered yet")
            } else {
                print("Recognizers:")
                for r in status.recognizers {
                    let state = r.enabled ? (r.status ?? "enabled") : "disabled"
                    print("  \(r.id) \(r.version) [\(state)]: \(r.done) done, \(r.failed) failed, \(r.queued) queued")
                }
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
}
