import ArgumentParser
import CairnConfig
import CairnIndexing
import CairnInference
import CairnLandmarkBuilder
import CairnStartup
import Foundation
import Landmarks

struct LandmarksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "landmarks",
        abstract: "Build, evaluate and try landmark packs.",
        discussion: """
            A landmark pack holds what cairnd's landmark recognizer needs: the embedding head, the centroids of \
            every landmark, its reference photos, the thresholds and where it all came from. Build one from a \
            dataset (landmarks.tsv and a folder of photos per landmark), measure it with `eval`, try it on photos \
            with `recognize`, add your own places with `add`, then point recognizers.landmarks.pack at it and \
            reload cairnd. See docs/LANDMARKS.md.
            """,
        subcommands: [
            SplitNegatives.self, TrainHead.self, BuildPack.self, EvaluatePack.self, RecognizeLandmarks.self,
            AddLandmark.self, RemoveLandmark.self, DiscoverLandmarks.self, ListDiscovered.self, AdoptDiscovered.self,
            RejectDiscovered.self,
        ])
}

/// The backbone and feature cache shared by the landmark subcommands.
struct BackboneOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("The backbone model file (default: backbone.model of the configuration).", valueName: "file")
    )
    var model: String?

    @Option(
        help: ArgumentHelp("The configuration file (default: /etc/cairn/cairn.yaml when it exists).", valueName: "file")
    )
    var config: String?

    @Option(
        help: ArgumentHelp(
            "Folder for the feature cache (default: $XDG_CACHE_HOME/cairn or ~/.cache/cairn).", valueName: "dir"))
    var cache: String?

    @Flag(help: "Neither read nor write the feature cache.")
    var noCache = false

    @Option(
        help: ArgumentHelp("Threads for the backbone (default: workers.threads of the configuration).", valueName: "n"))
    var threads: Int?

    func extractor() throws(CLIError) -> FeatureExtractor {
        Startup.useBestBLAS()
        let settings: CairnConfiguration
        do {
            settings = try ConfigurationLoader.builtIn.resolve(path: config).0
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
        let cacheFolder =
            noCache
            ? nil
            : cache.map(ConfigurationLoader.absolute)
                ?? environment["XDG_CACHE_HOME"].map { $0 + "/cairn" }
                ?? environment["HOME"].map { $0 + "/.cache/cairn" }
        return FeatureExtractor(
            model: network, cacheFolder: cacheFolder, threads: threads ?? settings.workers.threads,
            framing: settings.backbone.framing.imaging, dcChroma: settings.backbone.jpegChroma == .fast)
    }
}

/// Build parameters a user may change.
struct BuildOptions: ParsableArguments {
    @Option(help: "Target specificity without GPS, for η and ω.")
    var specificity = 0.99

    @Option(help: "Target specificity with GPS, for η_geo.")
    var geoSpecificity = 0.995

    @Option(help: "γ: photos less similar than this to their landmark's reference centroid are rejected.")
    var gamma: Float = 0.3

    @Option(help: "Complete-linkage distance threshold for a landmark's clusters (unit vectors: 0…2).")
    var clusterDistance: Float = 1.2

    @Option(help: "Smallest valid cluster: at least this many photos…")
    var minClusterSize = 3

    @Option(help: "…and at least this share of the landmark's photos.")
    var minClusterFraction = 0.1

    @Flag(help: "One mean centroid per landmark instead of clustering.")
    var singleCentroid = false

    @Option(help: "k: at most this many landmarks per photo.")
    var k = 3

    @Option(help: "Seed for the held-out splits and synthetic GPS positions.")
    var seed: UInt64 = 1

    @Flag(
        help: "Hold only all negatives together to the target specificity, not also each kind (subfolder) on its own.")
    var noPerKind = false

    @Flag(help: "No margin over the everyday exemplars a trained head brings (only η, ω and η_geo).")
    var noMargin = false

    @Flag(help: "Also search η_sure, a score from which the margin is waived (more landmarks, more look-alikes).")
    var sure = false

    var parameters: BuildParameters {
        var p = BuildParameters()
        p.targetSpecificity = specificity
        p.targetGeoSpecificity = geoSpecificity
        p.gamma = gamma
        p.clusterDistance = clusterDistance
        p.minClusterSize = minClusterSize
        p.minClusterFraction = minClusterFraction
        p.singleCentroid = singleCentroid
        p.k = k
        p.seed = seed
        p.perKind = !noPerKind
        p.margin = !noMargin
        p.sure = sure
        return p
    }
}

/// Log lines on stderr that do not tangle with the progress line.
struct StepLog: Sendable {
    let line: ProgressLine
    /// Progress only, no lines (a repeated step, such as the dataset embedded again for the next seed).
    var quiet = false
    func callAsFunction(_ text: String) {
        guard !quiet else { return }
        line.finish()
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }

    func progress(_ what: String) -> @Sendable (Int, Int) -> Void {
        let line = self.line
        return { done, total in line.update("\(what): \(done)/\(total) photos", force: done == total) }
    }
}

/// The dataset's landmarks and the negatives (every photo below each folder, with its kind), embedded; with
/// `negativeViews`, also that many augmented views of each negative (cached like the photos).
func embedDataset(
    _ dataset: String, negatives: [String], negativeViews: Int = 0, seed: UInt64 = 1, extractor: FeatureExtractor,
    log: StepLog
) throws(CLIError) -> (LandmarkDataset, [LandmarkPhotos], NegativePhotos) {
    let data: LandmarkDataset
    do { data = try LandmarkDataset(root: dataset) } catch {
        throw CLIError(code: "dataset", message: "\(error)", exitCode: 66)
    }
    log(
        "dataset \(dataset): \(data.entries.count) landmarks, \(data.photoCount) photos; feature cache holds \(extractor.cachedCount)"
    )
    let landmarks = data.features(
        with: extractor, log: { log($0) }, progress: log.progress("embedding landmark photos"))
    var negativePhotos = NegativePhotos()
    guard !negatives.isEmpty else { return (data, landmarks, negativePhotos) }
    do {
        negativePhotos = try extractor.negatives(
            below: negatives.map(ConfigurationLoader.absolute), log: { log($0) },
            progress: log.progress("embedding negatives"))
        if negativeViews > 0 {
            negativePhotos.views = negativePhotos.paths.map { _ in [] }
            var position: [String: Int] = [:]
            for (index, path) in negativePhotos.paths.enumerated() { position[path] = index }
            for view in 1...negativeViews {
                let augmentation = Augmentation(seed: seed &* 1000 &+ 500 &+ UInt64(view))
                let augmented = try extractor.negatives(
                    below: negatives.map(ConfigurationLoader.absolute), augmentation: augmentation, log: { _ in },
                    progress: log.progress("augmented view \(view) of the negatives"))
                for (path, features) in zip(augmented.paths, augmented.features) {
                    if let index = position[path] { negativePhotos.views[index].append(features) }
                }
            }
            log("augmented views of the negatives: \(negativeViews) per photo (cached by content hash and seed)")
        }
    } catch {
        throw CLIError(code: "negatives", message: "\(error)", exitCode: 66)
    }
    return (data, landmarks, negativePhotos)
}

/// "thresholds: η 0.675, ω 0.400, μ 0.05; η_geo 0.476, μ_geo off", for build and eval.
func thresholdsLine(_ t: LandmarkPack.Thresholds) -> String {
    func margin(_ value: Float?) -> String { value.map { String(format: "%.2f", $0) } ?? "off" }
    return String(
        format: "thresholds: η %.3f, ω %.3f, μ %@, η_sure %@; η_geo %.3f, μ_geo %@, η_geo,sure %@", t.global,
        t.references,
        margin(t.margin), margin(t.sure), t.geo, margin(t.geoMargin), margin(t.geoSure))
}
