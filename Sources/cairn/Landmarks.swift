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
        discussion: """
            A landmark pack holds what cairnd's landmark recognizer needs: the embedding head, the centroids of \
            every landmark, its reference photos, the thresholds and where it all came from. Build one from a \
            dataset (landmarks.tsv and a folder of photos per landmark), measure it with `eval`, try it on photos \
            with `recognize`, add your own places with `add`, then point recognizers.landmarks.pack at it and \
            reload cairnd. See docs/LANDMARKS.md.
            """,
        subcommands: [BuildPack.self, TrainHead.self, EvaluatePack.self, RecognizeLandmarks.self, AddLandmark.self])
}

/// The backbone and feature cache shared by the landmark subcommands.
struct BackboneOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The backbone model file (default: backbone.model of the configuration).", valueName: "file"))
    var model: String?

    @Option(help: ArgumentHelp("The configuration file (default: /etc/cairn/cairn.yaml when it exists).", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Folder for the feature cache (default: $XDG_CACHE_HOME/cairn or ~/.cache/cairn).", valueName: "dir"))
    var cache: String?

    @Flag(help: "Neither read nor write the feature cache.")
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
            framing: .init(rawValue: settings.backbone.framing) ?? .centerCrop,
            dcChroma: settings.backbone.jpegChroma == "fast")
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
        return p
    }
}

/// Log lines on stderr that do not tangle with the progress line.
struct StepLog: Sendable {
    let line: ProgressLine
    func callAsFunction(_ text: String) {
        line.finish()
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }

    func progress(_ what: String) -> @Sendable (Int, Int) -> Void {
        let line = self.line
        return { done, total in line.update("\(what): \(done)/\(total) photos", force: done == total) }
    }
}

/// The dataset's landmarks and the negatives, embedded.
func embedDataset(
    _ dataset: String, negatives: String?, extractor: FeatureExtractor, log: StepLog
) throws(CLIError) -> (LandmarkDataset, [LandmarkPhotos], [[Float]]) {
    let data: LandmarkDataset
    do { data = try LandmarkDataset(root: dataset) } catch { throw CLIError(code: "dataset", message: "\(error)", exitCode: 66) }
    log("dataset \(dataset): \(data.entries.count) landmarks, \(data.photoCount) photos; feature cache holds \(extractor.cachedCount)")
    let landmarks = data.features(with: extractor, log: { log($0) }, progress: log.progress("embedding landmark photos"))
    var negativeFeatures: [[Float]] = []
    if let negatives {
        do {
            negativeFeatures = try extractor.negatives(below: negatives, log: { log($0) }, progress: log.progress("embedding negatives"))
        } catch {
            throw CLIError(code: "negatives", message: "\(error)", exitCode: 66)
        }
    }
    return (data, landmarks, negativeFeatures)
}

struct BuildPack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build a landmark pack from a dataset.",
        discussion: """
            DATASET holds landmarks.tsv (tab-separated: key, name, city, country, region, lat, lon) and one folder \
            of photos per key, optionally with KEY/references/ holding 3–5 photos you checked. Steps: embed every \
            photo (cached by content hash), choose references where none were checked, reject photos unlike their \
            references (γ), cluster each landmark (complete linkage) into centroids, and calibrate the thresholds on \
            held-out photos and the --negatives (photos without landmarks) for the target specificity. Without \
            --negatives the thresholds are uncalibrated defaults.
            """)

    @OptionGroup var backbone: BackboneOptions
    @OptionGroup var build: BuildOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The dataset folder.", valueName: "dataset"))
    var dataset: String

    @Option(help: ArgumentHelp("Where to write the pack.", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("A folder of photos without landmarks, to calibrate the thresholds.", valueName: "dir"))
    var negatives: String?

    @Option(help: ArgumentHelp("A trained embedding head (`cairn landmarks train`) instead of the untrained projection.", valueName: "file"))
    var head: String?

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let started = Date()
            let extractor = try backbone.extractor()
            var trainedHead: EmbeddingHead?
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
            var (pack, report): (LandmarkPack, BuildReport)
            do {
                (pack, report) = try builder.build(
                    landmarks, negatives: negativeFeatures, backbone: extractor.model.version, head: trainedHead,
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
                print(String(format: "thresholds: η %.3f, η_geo %.3f, ω %.3f, k %d", pack.thresholds.global, pack.thresholds.geo, pack.thresholds.references, pack.thresholds.k))
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

struct EvaluatePack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure recognition on a dataset: the paper's offline test.",
        discussion: """
            Holds out 30% of every landmark's photos and half of the negatives, builds a pack from the rest (with the \
            same steps and options as `build`), then reports on the held-out photos: sensitivity (landmark photos \
            whose top-1 landmark is right) and specificity (negatives given no landmark), for several centroids and \
            one, k = 1, 3, 5, split by rare (< 100 photos) and frequent landmarks. --geo adds the same with GPS \
            positions synthesised a few hundred metres from the landmark (negatives near a random landmark). \
            --train trains a head on the training split (metric learning, with the training options) and evaluates \
            it; --ablation compares the untrained projection, softmax only, softmax + center loss, + curriculum and \
            one centroid. Both split the negatives in three: training, calibration and test, never shared.
            """)

    @OptionGroup var backbone: BackboneOptions
    @OptionGroup var build: BuildOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The dataset folder.", valueName: "dataset"))
    var dataset: String

    @Option(help: ArgumentHelp("A folder of photos without landmarks.", valueName: "dir"))
    var negatives: String

    @Flag(help: "Also evaluate with synthetic GPS positions (the geo-scoped search).")
    var geo = false

    @Flag(help: "Train heads on the training split and compare: untrained, softmax only, + center loss, + curriculum, 1 centroid.")
    var ablation = false

    @Flag(help: "Train a head (with the training options) on the training split and evaluate it.")
    var train = false

    @OptionGroup var training: TrainingOptions

    func validate() throws {
        if train && ablation { throw ValidationError("--train and --ablation exclude each other (--ablation trains too)") }
    }

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let extractor = try backbone.extractor()
            let log = StepLog(line: ProgressLine())
            let (_, landmarks, negativeFeatures) = try embedDataset(dataset, negatives: negatives, extractor: extractor, log: log)
            var evaluation = Evaluation(parameters: build.parameters, geo: geo, log: { log($0) })
            evaluation.ablation = ablation
            evaluation.train = train
            evaluation.training = training.parameters(seed: build.seed)
            let views = ablation || train ? augmentedViews(landmarks, extractor: extractor, parameters: evaluation.training, log: log) : nil
            let report: Evaluation.Report
            do {
                report = try evaluation.run(landmarks, negatives: negativeFeatures, backbone: extractor.model.version, augmented: views)
            } catch {
                throw CLIError(code: "eval", message: "\(error)", exitCode: 74)
            }
            if output.json { return printJSON(report) }
            print("\(report.landmarks) landmarks (\(report.rareLandmarks) rare: < \(report.rareBelow) photos); \(report.testPhotos) test photos, \(report.testNegatives) test negatives; built on \(report.trainingPhotos) photos, calibrated on \(report.calibrationNegatives) negatives")
            print(String(format: "thresholds: η %.3f, η_geo %.3f, ω %.3f", report.thresholds.global, report.thresholds.geo, report.thresholds.references))
            print("")
            print("variant                           centroids  top-1  sensitivity  specificity  rare   frequent")
            for row in report.rows {
                func percent(_ value: Double?) -> String { value.map { String(format: "%5.1f%%", 100 * $0) } ?? "    — " }
                print(row.name.padding(toLength: 34, withPad: " ", startingAt: 0)
                    + String(format: "%9d", row.centroids) + "  " + percent(row.top1Accuracy) + "  " + percent(row.sensitivity)
                    + "       " + percent(row.specificity) + "       " + percent(row.rareSensitivity) + "  " + percent(row.frequentSensitivity))
            }
        }
    }
}

struct RecognizeLandmarks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recognize",
        abstract: "Recognise landmarks in photos with a pack, without the daemon.",
        discussion: """
            Uses each photo's EXIF GPS when it has one (the geo-scoped search), else the whole pack with the \
            reference check. Prints the landmarks found with their scores and the path that decided, or that none \
            was found. Exit status 1 if a photo could not be read.
            """)

    @OptionGroup var backbone: BackboneOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("The landmark pack.", valueName: "file"))
    var pack: String

    @Option(help: "Side of the search square around a photo with GPS, in km.")
    var geoSquareKm = 1.0

    @Argument(help: ArgumentHelp("Photos to recognise.", valueName: "photo"))
    var photos: [String]

    struct PhotoResult: Encodable {
        struct Found: Encodable {
            var key: String
            var name: String
            var city: String
            var country: String
            var score: Double
            var evidence: String
            var referenceScore: Double?
        }

        var path: String
        var latitude: Double?
        var longitude: Double?
        var landmarks: [Found]
        var error: String?
    }

    func validate() throws {
        if photos.isEmpty { throw ValidationError("name at least one photo") }
    }

    func run() throws {
        var failed = false
        try reporting(json: output.json) { () throws(CLIError) in
            let extractor = try backbone.extractor()
            let loaded: LandmarkPack
            do {
                loaded = try LandmarkPack.load(path: ConfigurationLoader.absolute(pack), backbone: extractor.model.version)
            } catch {
                throw CLIError(code: "pack", message: "\(error)", exitCode: 78)
            }
            let search = LandmarkSearch(pack: loaded)
            let paths = photos.map(ConfigurationLoader.absolute)
            var results = paths.map { PhotoResult(path: $0, landmarks: []) }
            // Every readable photo is embedded and searched in one batch: one product over the centroids for all.
            var readable: [(index: Int, photo: PhotoFeatures)] = []
            for (index, result) in extractor.features(of: paths).enumerated() {
                switch result {
                case .failure(let error):
                    failed = true
                    results[index].error = "\(error)"
                case .success(let photo):
                    readable.append((index, photo))
                }
            }
            let embeddings = loaded.head.embed(readable.flatMap(\.photo.features), count: readable.count)
            let locations = readable.map { item -> (latitude: Double, longitude: Double)? in
                guard let latitude = item.photo.latitude, let longitude = item.photo.longitude else { return nil }
                return (latitude, longitude)
            }
            let found = search.search(
                embeddings: embeddings, count: readable.count, locations: locations, options: .init(geoSquareKm: geoSquareKm))
            for (item, matches) in zip(readable, found) {
                results[item.index].latitude = item.photo.latitude
                results[item.index].longitude = item.photo.longitude
                results[item.index].landmarks = matches.map { match in
                    let landmark = loaded.landmarks[match.landmark]
                    return .init(
                        key: landmark.key, name: landmark.name, city: landmark.city, country: landmark.country,
                        score: Double(match.score), evidence: match.evidence.rawValue,
                        referenceScore: match.referenceScore.map(Double.init))
                }
            }
            if output.json { return printJSON(results) }
            for result in results {
                if let error = result.error {
                    print(error)
                } else if result.landmarks.isEmpty {
                    print("\(result.path): no landmark\(result.latitude == nil ? "" : " near its GPS position")")
                } else {
                    for found in result.landmarks {
                        print("\(result.path): \(found.name) (\(found.city), \(found.country)) score \(String(format: "%.3f", found.score)) via \(found.evidence)")
                    }
                }
            }
        }
        if failed { throw ExitCode(1) }
    }
}

struct AddLandmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a personal landmark (a family house, the local church) to a pack from a few photos.",
        discussion: """
            Embeds the photos with the pack's head, clusters them into centroids like `build` does, keeps up to 5 of \
            them as checked references, and writes the pack again (atomically) without a rebuild. The thresholds \
            stay as they were. Reload cairnd afterwards.
            """)

    @OptionGroup var backbone: BackboneOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("A short unique key, such as grandmas_house.", valueName: "key"))
    var key: String

    @Option(help: ArgumentHelp("The landmark pack to add to.", valueName: "file"))
    var pack: String

    @Option(help: ArgumentHelp("Write the result here instead of over --pack.", valueName: "file"))
    var out: String?

    @Option var name: String
    @Option var city: String
    @Option var country: String
    @Option var region = ""
    @Option(help: "Latitude in degrees.") var lat: Double
    @Option(help: "Longitude in degrees.") var lon: Double

    @Flag(help: "Replace a landmark that already has this key.")
    var replace = false

    @Argument(help: ArgumentHelp("Photos of the landmark (3 or more recommended).", valueName: "photo"))
    var photos: [String]

    func validate() throws {
        if photos.isEmpty { throw ValidationError("name at least one photo of the landmark") }
        if !(-90...90).contains(lat) || !(-180...180).contains(lon) { throw ValidationError("--lat/--lon are not a valid position") }
        if key.isEmpty || key.contains("/") { throw ValidationError("the key must be non-empty and contain no '/'") }
    }

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let extractor = try backbone.extractor()
            let path = ConfigurationLoader.absolute(pack)
            var loaded: LandmarkPack
            do {
                loaded = try LandmarkPack.load(path: path, backbone: extractor.model.version)
            } catch {
                throw CLIError(code: "pack", message: "\(error)", exitCode: 78)
            }
            if loaded.landmarks.contains(where: { $0.key == key }) {
                guard replace else {
                    throw CLIError(code: "exists", message: "the pack already has a landmark '\(key)'; use --replace to replace it", exitCode: 64)
                }
                loaded = loaded.removing(key: key)
            }
            var features: [[Float]] = []
            for result in extractor.features(of: photos.map(ConfigurationLoader.absolute)) {
                switch result {
                case .success(let photo): features.append(photo.features)
                case .failure(let error): FileHandle.standardError.write(Data("cairn: skipped \(error)\n".utf8))
                }
            }
            guard !features.isEmpty else { throw CLIError(code: "photos", message: "no photo could be read", exitCode: 66) }
            var parameters = BuildParameters()
            if let distance = loaded.provenance.parameters["cluster-distance"].flatMap(Float.init) { parameters.clusterDistance = distance }
            let landmark = LandmarkPack.Landmark(
                key: key, name: name, city: city, country: country, region: region, latitude: lat, longitude: lon,
                photos: features.count, referencesChecked: true)
            let centroids = loaded.adding(landmark, features: features, builder: PackBuilder(parameters: parameters))
            let destination = ConfigurationLoader.absolute(out ?? pack)
            do {
                try loaded.write(to: destination)
            } catch {
                throw CLIError(code: "write", message: "\(error)", exitCode: 74)
            }
            if output.json {
                printJSON(["pack": destination, "key": key, "checksum": loaded.checksum, "centroids": "\(centroids)", "landmarks": "\(loaded.landmarks.count)"])
            } else {
                print("added \(key) (\(name), \(city), \(country)) from \(plural(features.count, "photo")): \(plural(centroids, "centroid")); \(destination) now has \(loaded.landmarks.count) landmarks, version pack:\(loaded.checksum)")
            }
        }
    }
}

/// Training parameters a user may change (defaults: docs/LANDMARKS.md, "Metric learning").
struct TrainingOptions: ParsableArguments {
    @Option(help: "Training epochs per curriculum stage.")
    var epochs = TrainingParameters().epochs

    @Option(help: "λ of the center loss (0: softmax only).")
    var lambda = TrainingParameters().lambda

    @Option(help: "How far a center moves toward its class's batch mean per step.")
    var centerRate = TrainingParameters().centerRate

    @Option(help: "Learning rate of the embedding layer in the first stage (α2).")
    var embeddingRate = TrainingParameters().embeddingRate

    @Option(help: "Learning rate of the embedding layer in later curriculum stages (the paper: 0.0001).")
    var laterEmbeddingRate = TrainingParameters().laterEmbeddingRate

    @Option(help: "Learning rate of the classifier (α3).")
    var classifierRate = TrainingParameters().classifierRate

    @Flag(help: "Train on all regions at once instead of the curriculum.")
    var noCurriculum = false

    @Option(help: "Scale of the cosine classifier (0: the paper's linear classifier on the raw embedding).")
    var cosineScale: Float = TrainingParameters().cosineScale ?? 0

    @Option(help: "Augmented views per photo (random resized crop, flip, colour jitter), cached like the photos' features.")
    var augment = TrainingParameters.defaultAugmentedViews

    func parameters(seed: UInt64) -> TrainingParameters {
        var p = TrainingParameters()
        p.epochs = epochs
        p.lambda = lambda
        p.centerRate = centerRate
        p.embeddingRate = embeddingRate
        p.classifierRate = classifierRate
        p.laterEmbeddingRate = laterEmbeddingRate
        p.curriculum = !noCurriculum
        p.cosineScale = cosineScale > 0 ? cosineScale : nil
        p.augmentedViews = augment
        p.seed = seed
        return p
    }
}

struct TrainHead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the landmark embedding head (metric learning) on a dataset.",
        discussion: """
            Trains a fully connected layer with batch norm (the embedding) and a classifier over the landmarks \
            plus a non-landmark class, on the frozen backbone's features of the dataset's photos and of the \
            --negatives: softmax cross-entropy plus the modified center loss (no center for non-landmarks), SGD \
            with momentum, curriculum learning over the landmarks' regions. Progress (stage, epoch, loss, \
            accuracy) on a terminal. Use the head with `cairn landmarks build --head HEAD`. Keep the negatives you \
            train on apart from those that calibrate the pack's thresholds.
            """)

    @OptionGroup var backbone: BackboneOptions
    @OptionGroup var training: TrainingOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The dataset folder.", valueName: "dataset"))
    var dataset: String

    @Option(help: ArgumentHelp("A folder of photos without landmarks (the non-landmark class).", valueName: "dir"))
    var negatives: String

    @Option(help: ArgumentHelp("Where to write the head.", valueName: "file"))
    var out: String

    @Option(help: "Seed: the same seed, data and options give the same head.")
    var seed: UInt64 = 1

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let started = Date()
            let extractor = try backbone.extractor()
            let log = StepLog(line: ProgressLine())
            let parameters = training.parameters(seed: seed)
            let (_, landmarks, negativeFeatures) = try embedDataset(dataset, negatives: negatives, extractor: extractor, log: log)
            let views = augmentedViews(landmarks, extractor: extractor, parameters: parameters, log: log)
            let line = log.line
            let model = HeadTrainer(parameters: parameters, log: { log($0) }).train(
                landmarks: landmarks.indices.map { landmarks[$0].features + views[$0].flatMap { $0 } }, regions: landmarks.map(\.landmark.region), negatives: negativeFeatures
            ) { progress in
                line.update(String(
                    format: "stage %d/%d  epoch %d/%d  loss %.4f  accuracy %.1f%%", progress.stage, progress.stages,
                    progress.epoch, progress.epochs, progress.loss, 100 * progress.accuracy), force: progress.epoch == progress.epochs)
                if progress.epoch == progress.epochs {
                    log(String(format: "stage %d/%d done: loss %.4f, training accuracy %.1f%%", progress.stage, progress.stages, progress.loss, 100 * progress.accuracy))
                }
            }
            let head = model.embeddingHead(name: "trained (\(parameters.summary))")
            do {
                try HeadFile.write(head, backbone: extractor.model.version, to: ConfigurationLoader.absolute(out))
            } catch {
                throw CLIError(code: "write", message: "\(error)", exitCode: 74)
            }
            let seconds = Date().timeIntervalSince(started)
            if output.json {
                printJSON(["head": out, "name": head.name, "hash": head.fingerprint, "seconds": String(format: "%.1f", seconds)])
            } else {
                print("wrote \(out): \(head.name), hash \(head.fingerprint), in \(String(format: "%.1f", seconds)) s")
            }
        }
    }
}

/// Augmented views of every landmark photo: per landmark, per photo, `augmentedViews` feature vectors (a photo
/// that cannot be read has none).
func augmentedViews(
    _ landmarks: [LandmarkPhotos], extractor: FeatureExtractor, parameters: TrainingParameters, log: StepLog
) -> [[[[Float]]]] {
    var views = landmarks.map { $0.paths.map { _ in [[Float]]() } }
    guard parameters.augmentedViews > 0 else { return views }
    let paths = landmarks.flatMap(\.paths)
    for view in 1...parameters.augmentedViews {
        let augmentation = Augmentation(seed: parameters.seed &* 1000 &+ UInt64(view))
        let results = extractor.features(of: paths, augmentation: augmentation, progress: log.progress("augmented view \(view)"))
        var offset = 0
        for (index, item) in landmarks.enumerated() {
            for position in item.paths.indices {
                if case .success(let photo) = results[offset + position] { views[index][position].append(photo.features) }
            }
            offset += item.paths.count
        }
    }
    log("augmented views: \(parameters.augmentedViews) per photo for \(paths.count) photos (cached by content hash and seed)")
    return views
}
