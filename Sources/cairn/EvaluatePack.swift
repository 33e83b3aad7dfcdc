import ArgumentParser
import CairnConfig
import CairnInference
import CairnLandmarkBuilder
import Foundation
import Landmarks

struct EvaluatePack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure recognition on a dataset: the paper's offline test, on disjoint parts, over several seeds.",
        discussion: """
            Holds out 30% of every landmark's photos and splits the everyday photos of --negatives in three disjoint \
            parts stratified by kind (each subfolder is a kind: landscape, mountain, seascape, street, …): one trains \
            the heads and becomes the pack's exemplars, one calibrates the thresholds, one tests. Builds a pack from \
            the rest with the same steps and options as `build`, then reports on the held-out photos: sensitivity \
            (landmark photos whose top-1 landmark is right and accepted) and specificity (test negatives given no \
            landmark), overall and per kind, for several centroids and one, k = 1, 3, 5, with and without the \
            margin. --geo adds the same with GPS positions synthesised a few hundred metres from the landmark \
            (negatives near a random landmark). --train trains a head on the training part (metric learning, with \
            the training options); --ablation compares the untrained projection, softmax only, softmax + center \
            loss, + curriculum, one centroid and no margin. --seeds N repeats it on N splits (seeds --seed, \
            --seed + 1, …) and ends with the mean ± standard deviation of every row.
            """)

    @OptionGroup var backbone: BackboneOptions
    @OptionGroup var build: BuildOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The dataset folder.", valueName: "dataset"))
    var dataset: String

    @Option(help: ArgumentHelp(
        "A folder of photos without landmarks (nested folders: one kind each); repeatable.", valueName: "dir"))
    var negatives: [String]

    @Flag(help: "Also evaluate with synthetic GPS positions (the geo-scoped search).")
    var geo = false

    @Flag(help: "Train heads on the training split and compare: untrained, softmax only, + center loss, + curriculum, 1 centroid, no margin.")
    var ablation = false

    @Flag(help: "Train a head (with the training options) on the training split and evaluate it.")
    var train = false

    @Option(help: "How many splits (seeds --seed, --seed + 1, …) to evaluate; the summary gives mean ± standard deviation.")
    var seeds = 1

    @Option(help: ArgumentHelp(
        "Train the heads only on these kinds of the training part (comma-separated), to measure what the others bring.",
        valueName: "kinds"))
    var trainingKinds: String?

    @Flag(help: "List the test negatives the main method gave a landmark, with the landmark and its score.")
    var listMistakes = false

    @Flag(help: "Train the heads on the photos that calibrate the thresholds too (for comparison; builds never do).")
    var calibrateOnSeen = false

    @OptionGroup var training: TrainingOptions

    func validate() throws {
        if train && ablation { throw ValidationError("--train and --ablation exclude each other (--ablation trains too)") }
        if negatives.isEmpty { throw ValidationError("name at least one --negatives folder of everyday photos") }
        if seeds < 1 { throw ValidationError("--seeds must be at least 1") }
    }

    /// The hard kinds the targets name, printed as columns when present.
    static let hardKinds = ["landscape", "mountain", "seascape", "street"]

    struct Output: Encodable {
        var reports: [Evaluation.Report]
        var summary: [Summary]
    }

    /// One row over every seed.
    struct Summary: Encodable {
        var name: String
        var seeds: Int
        var top1: Spread
        var sensitivity: Spread
        var specificity: Spread
        var kindSpecificity: [String: Spread]
    }

    struct Spread: Encodable {
        var mean: Double
        var std: Double
        var min: Double
        var max: Double
        init(_ values: [Double]) {
            mean = values.reduce(0, +) / Double(Swift.max(1, values.count))
            let m = mean
            std = values.count > 1 ? (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot() : 0
            self.min = values.min() ?? 0
            self.max = values.max() ?? 0
        }
    }

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let extractor = try backbone.extractor()
            let log = StepLog(line: ProgressLine())
            var reports: [Evaluation.Report] = []
            let trains = ablation || train
            for index in 0..<seeds {
                let seed = build.seed &+ UInt64(index)
                let parameters = training.parameters(seed: seed)
                let (_, landmarks, negativePhotos) = try embedDataset(
                    dataset, negatives: negatives, negativeViews: trains ? parameters.negativeAugmentedViews : 0, seed: seed,
                    extractor: extractor, log: index == 0 ? log : StepLog(line: log.line, quiet: true))
                var buildParameters = build.parameters
                buildParameters.seed = seed
                var evaluation = Evaluation(parameters: buildParameters, geo: geo, log: { log($0) })
                evaluation.ablation = ablation
                evaluation.train = train
                evaluation.training = parameters
                evaluation.calibrateOnSeen = calibrateOnSeen
                evaluation.trainingKinds = trainingKinds.map { Set($0.split(separator: ",").map(String.init)) }
                let views = trains ? augmentedViews(landmarks, extractor: extractor, parameters: parameters, log: log) : nil
                do {
                    reports.append(try evaluation.run(
                        landmarks, negatives: negativePhotos, backbone: extractor.model.version, augmented: views))
                } catch {
                    throw CLIError(code: "eval", message: "\(error)", exitCode: 74)
                }
                if !output.json {
                    printReport(reports.last!)
                    fflush(nil)
                }
            }
            let summary = summarise(reports)
            if output.json { return printJSON(Output(reports: reports, summary: summary)) }
            if seeds > 1 { printSummary(summary) }
        }
    }

    func kindColumns(_ kinds: [String: Int]) -> [String] {
        Self.hardKinds.filter { kinds[$0] != nil }
    }

    func percent(_ value: Double?) -> String { value.map { String(format: "%5.1f%%", 100 * $0) } ?? "    — " }

    func printReport(_ report: Evaluation.Report) {
        print("seed \(report.seed): \(report.landmarks) landmarks (\(report.rareLandmarks) rare: < \(report.rareBelow) photos); \(report.testPhotos) test photos, \(report.testNegatives) test negatives (" + report.testKinds.keys.sorted().map { "\($0) \(report.testKinds[$0]!)" }.joined(separator: ", ") + "); built on \(report.trainingPhotos) photos, heads trained on \(report.trainingNegatives) negatives, calibrated on \(report.calibrationNegatives)")
        print(thresholdsLine(report.thresholds))
        let kinds = kindColumns(report.testKinds)
        print("variant                                 centroids  top-1  sensitivity  specificity" + kinds.map { " " + $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined() + "  worst kind")
        for row in report.rows {
            let worst = row.kindSpecificity.min { $0.value < $1.value }
            print(row.name.padding(toLength: 40, withPad: " ", startingAt: 0)
                + String(format: "%9d", row.centroids) + "  " + percent(row.top1Accuracy) + "  " + percent(row.sensitivity)
                + "       " + percent(row.specificity) + "    "
                + kinds.map { percent(row.kindSpecificity[$0]) + "    " }.joined()
                + (worst.map { "\($0.key) " + percent($0.value) } ?? ""))
        }
        if listMistakes {
            print("test negatives given a landmark by the main method (without GPS):")
            for mistake in report.falsePositives {
                print(String(format: "  %@ (%@) → %@ %.3f", mistake.path, mistake.kind, mistake.landmark, mistake.score))
            }
            print("held-out landmark photos the main method missed (without GPS):")
            for mistake in report.missed {
                print(String(
                    format: "  %@ (%@) → %@ %.3f", mistake.path, mistake.kind,
                    mistake.landmark.isEmpty ? "no landmark" : mistake.landmark, mistake.score))
            }
        }
        print("")
    }

    func summarise(_ reports: [Evaluation.Report]) -> [Summary] {
        guard let first = reports.first else { return [] }
        return first.rows.map { row in
            let rows = reports.compactMap { report in report.rows.first { $0.name == row.name } }
            var kinds: [String: Spread] = [:]
            for kind in row.kindSpecificity.keys {
                kinds[kind] = Spread(rows.compactMap { $0.kindSpecificity[kind] })
            }
            return Summary(
                name: row.name, seeds: rows.count, top1: Spread(rows.map(\.top1Accuracy)),
                sensitivity: Spread(rows.map(\.sensitivity)), specificity: Spread(rows.map(\.specificity)),
                kindSpecificity: kinds)
        }
    }

    func printSummary(_ summary: [Summary]) {
        print("over \(seeds) seeds (mean ± standard deviation):")
        let kinds = Self.hardKinds.filter { kind in summary.first?.kindSpecificity[kind] != nil }
        print("variant                                 top-1          sensitivity    specificity  " + kinds.map { " " + $0.padding(toLength: 14, withPad: " ", startingAt: 0) }.joined())
        func spread(_ s: Spread) -> String { String(format: "%5.1f ± %4.1f%%", 100 * s.mean, 100 * s.std) }
        for row in summary {
            print(row.name.padding(toLength: 40, withPad: " ", startingAt: 0) + spread(row.top1) + "  " + spread(row.sensitivity)
                + "  " + spread(row.specificity) + "  " + kinds.map { row.kindSpecificity[$0].map(spread) ?? "      —       " }.joined(separator: " "))
        }
    }
}
