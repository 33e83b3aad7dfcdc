import ArgumentParser
import CairnConfig
import CairnInference
import CairnLandmarkBuilder
import Foundation
import Landmarks

struct BuildPack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build a landmark pack from a dataset.",
        discussion: """
            DATASET holds landmarks.tsv (tab-separated: key, name, city, country, region, lat, lon) and one folder \
            of photos per key, optionally with KEY/references/ holding 3–5 photos you checked. Steps: embed every \
            photo (cached by content hash), choose references where none were checked, reject photos unlike their \
            references (γ), cluster each landmark (complete linkage) into centroids, and calibrate the thresholds on \
            held-out photos and the --negatives (photos without landmarks) for the target specificity: every kind \
            of negative (each subfolder of a --negatives folder, or the kind column of its manifest.tsv) is held to \
            the target on its own (--no-per-kind: only all together). With --head, the everyday photos the head was \
            trained on go into the pack as exemplars, and a landmark must beat the nearest of them by a calibrated \
            margin μ. Give negatives the head never saw, with the kinds your library holds (landscapes, mountains, \
            coasts, streets, pets). Without --negatives the thresholds are uncalibrated defaults.
            """)

    @OptionGroup var backbone: BackboneOptions
    @OptionGroup var build: BuildOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The dataset folder.", valueName: "dataset"))
    var dataset: String

    @Option(help: ArgumentHelp("Where to write the pack.", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp(
        "A folder of photos without landmarks (nested folders: one kind each), to calibrate the thresholds; repeatable.",
        valueName: "dir"))
    var negatives: [String] = []

    @Option(help: ArgumentHelp("A trained embedding head (`cairn landmarks train`) instead of the untrained projection.", valueName: "file"))
    var head: String?

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let started = Date()
            let extractor = try backbone.extractor()
            var trainedHead: HeadFile.Trained?
            if let head {
                do {
                    trainedHead = try HeadFile.load(path: ConfigurationLoader.absolute(head), backbone: extractor.model.version)
                } catch {
                    throw CLIError(code: "head", message: "\(error)", exitCode: 78)
                }
            }
            let log = StepLog(line: ProgressLine())
            let (data, landmarks, negativeFeatures) = try embedDataset(dataset, negatives: negatives, extractor: extractor, log: log)
            let builder = PackBuilder(parameters: build.parameters, log: { log($0) })
            // The photos the head never saw (it records them) calibrate the thresholds.
            let heldOutNames = Set(trainedHead?.heldOut ?? [])
            let heldOut = Set(landmarks.flatMap { item in
                item.paths.filter { heldOutNames.contains(PackBuilder.datasetName($0, key: item.landmark.key)) }
            })
            if !heldOutNames.isEmpty {
                log("calibrating on the \(heldOut.count) landmark photos the head set aside (of \(heldOutNames.count) it names)")
            }
            var (pack, report): (LandmarkPack, BuildReport)
            do {
                (pack, report) = try builder.build(
                    landmarks, negatives: negativeFeatures, backbone: extractor.model.version, head: trainedHead?.head,
                    exemplars: trainedHead?.exemplars ?? [], heldOut: heldOut,
                    dataset: ["source": data.root, "negatives": "\(negativeFeatures.count)"])
                try pack.write(to: ConfigurationLoader.absolute(out))
            } catch {
                throw CLIError(code: "build", message: "\(error)", exitCode: 74)
            }
            let seconds = Date().timeIntervalSince(started)
            if output.json {
                printJSON(PackSummary(pack: pack, path: out, report: report, seconds: seconds))
            } else {
                print("wrote \(out): \(pack.landmarks.count) landmarks, \(pack.centroidCount) centroids, \(report.rejected) photos rejected, in \(String(format: "%.1f", seconds)) s")
                print(thresholdsLine(pack.thresholds) + ", k \(pack.thresholds.k)")
                if let c = report.calibration {
                    print(String(format: "calibration: sensitivity %.1f%% at specificity %.1f%% without GPS; %.1f%% at %.1f%% with GPS (%d held-out photos, %d negatives)",
                        100 * c.sensitivity, 100 * c.specificity, 100 * c.geoSensitivity, 100 * c.geoSpecificity, c.positives, c.negatives))
                }
                print("version: pack:\(pack.checksum)")
            }
        }
    }
}

struct PackSummary: Encodable {
    var path: String
    var checksum: String
    var landmarks: Int
    var centroids: Int
    var thresholds: LandmarkPack.Thresholds
    var report: BuildReport
    var seconds: Double

    init(pack: LandmarkPack, path: String, report: BuildReport, seconds: Double) {
        self.path = path
        checksum = pack.checksum
        landmarks = pack.landmarks.count
        centroids = pack.centroidCount
        thresholds = pack.thresholds
        self.report = report
        self.seconds = seconds
    }
}

