import ArgumentParser
import CairnCatalog

struct Tags: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Tag labels with how many photos carry each.")

    @OptionGroup var catalogOptions: CatalogOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Only tags of this kind, such as scene or landmark.")
    var kind: String?

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let catalog = try catalogOptions.openCatalog()
            let tags = try query { () throws(CatalogError) in try catalog.tagCounts(kind: kind) }
            if output.json {
                printJSON(tags)
                return
            }
            if tags.isEmpty { print("No tags yet.") }
            for tag in tags {
                print("\(String(tag.photos).leftPadded(to: 7))  \(tag.kind.padded(to: 10)) \(tag.label)")
            }
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
    func padded(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
