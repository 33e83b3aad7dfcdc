import ArgumentParser
import CairnConfig
import CairnInference
import CairnLandmarkBuilder
import Foundation
import Landmarks

struct LandmarksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "landmarks",
        abstract: "Build, evaluate and try landmark packs.",
        subcommands: [BuildPack.self])
}

/// The backbone and feature cache shared by the landmark subcommands.
struct BackboneOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The backbone model file (default: backbone.model of the configuration).", valueName: "file"))
    var model: String?

    @Option(help: ArgumentHelp("The configuration file (default: /etc/cairn/cairn.yaml when it exists).", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Folder for the feature cache (default: $XDG_CACHE_HOME/cairn or ~/.cache/cairn).", valueName: "dir"))
    var cache: String?

    @Flag(help: "Do not read or write the feature cache.")
    var noCache = false

    @Option(help: ArgumentHelp("Threads for the backbone (default: workers.threads of the configuration).", valueName: "n"))
    var threads: Int?

    func extractor() throws(CLIError) -> FeatureExtractor {
        BLAS.reexecWithBetterKernels(
            environment: ProcessInfo.processInfo.environment,
            cpuinfo: try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))
        BLAS.useSingleThread()
        let settings: CairnConfiguration
        do {
            settings = try ConfigurationLoader.resolve(path: config).0
        } catch {
            throw CLIError(code: "config", message: "\(error)", exitCode: 78)
        }
        let modelPath = model.map(ConfigurationLoader.absolute) ?? settings.backbone.model
        let network: EfficientNetLite0
        do {
            network = try EfficientNetLite0(path: modelPath)
        } catch {
            throw CLIError(code: "model", message: "\(error)", exitCode: 78)
        }
        let environment = ProcessInfo.processInfo.environment
        let cacheFolder = noCache ? nil : cache.map(ConfigurationLoader.absolute)
            ?? environment["XDG_CACHE_HOME"].map { $0 + "/cairn" }
            ?? environment["HOME"].map { $0 + "/.cache/cairn" }
        return FeatureExtractor(
            model: network, cacheFolder: cacheFolder, threads: threads ?? settings.workers.threads,
            framing: .init(rawValue: settings.backbone.framing) ?? .centerCrop)
    }
}

struct BuildPack: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Build a landmark pack from a dataset.")

    @OptionGroup var backbone: BackboneOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The dataset folder: landmarks.tsv and one folder of photos per landmark key.", valueName: "dataset"))
    var dataset: String

    @Option(help: ArgumentHelp("Where to write the pack.", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("A folder of photos without landmarks, to calibrate the thresholds.", valueName: "dir"))
    var negatives: String?

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let extractor = try backbone.extractor()
            let data: LandmarkDataset
            do { data = try LandmarkDataset(root: dataset) } catch { throw CLIError(code: "dataset", message: "\(error)", exitCode: 66) }
            var paths = data.entries.flatMap(\.photos)
            if let negatives { paths += (try? LandmarkDataset.photos(below: negatives)) ?? [] }
            let line = ProgressLine()
            let results = extractor.features(of: paths) { done, total in line.update("\(done)/\(total)") }
            line.finish()
            print("features: \(results.count), failed \(results.filter { if case .failure = $0 { true } else { false } }.count)")
        }
    }
}
