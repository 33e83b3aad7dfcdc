import ArgumentParser
import CairnConfig
import CairnInference
import CairnLandmarkBuilder
import Foundation
import Landmarks

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

    @Option(help: "Augmented views per negative (everyday) photo, for the non-landmark class.")
    var augmentNegatives = TrainingParameters.defaultNegativeAugmentedViews

    @Option(help: "Non-landmark samples per landmark sample in each epoch (the paper: 0.4).")
    var nonLandmarkRatio = TrainingParameters().nonLandmarkRatio

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
        p.negativeAugmentedViews = augmentNegatives
        p.nonLandmarkRatio = nonLandmarkRatio
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
            accuracy) on a terminal. The non-landmark class is drawn from every photo below the --negatives \
            folders (nested folders and any format Cairn reads; unreadable files are listed and skipped): give it \
            thousands of everyday photos, the hard kinds included (landscapes, mountains, coasts, streets). Their \
            features are saved in the head file as the pack's everyday exemplars. Use the head with `cairn \
            landmarks build --head HEAD`, and calibrate there with other everyday photos than these.
            """)

    @OptionGroup var backbone: BackboneOptions
    @OptionGroup var training: TrainingOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The dataset folder.", valueName: "dataset"))
    var dataset: String

    @Option(help: ArgumentHelp(
        "A folder of photos without landmarks (the non-landmark class; nested folders are read); repeatable.",
        valueName: "dir"))
    var negatives: [String]

    func validate() throws {
        if negatives.isEmpty { throw ValidationError("name at least one --negatives folder of everyday photos") }
    }

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
            let (_, landmarks, negativePhotos) = try embedDataset(
                dataset, negatives: negatives, negativeViews: parameters.negativeAugmentedViews, seed: seed,
                extractor: extractor, log: log)
            // A fifth of each landmark's photos is set aside: the build calibrates its thresholds on them, as on
            // photos the head never saw.
            let (headTraining, heldOut) = landmarks.calibrationSplit(fraction: BuildParameters().calibrationFraction, seed: seed)
            let heldOutNames = landmarks.flatMap { item in
                item.paths.filter(heldOut.contains).map { PackBuilder.datasetName($0, key: item.landmark.key) }
            }
            log("set aside \(heldOutNames.count) landmark photos for the build's calibration; training on \(headTraining.reduce(0) { $0 + $1.features.count })")
            let views = augmentedViews(headTraining, extractor: extractor, parameters: parameters, log: log)
            let line = log.line
            let model = HeadTrainer(parameters: parameters, log: { log($0) }).train(
                landmarks: headTraining.indices.map { headTraining[$0].features + views[$0].flatMap { $0 } },
                regions: headTraining.map(\.landmark.region), negatives: negativePhotos.trainingViews
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
                try HeadFile.write(
                    HeadFile.Trained(head: head, exemplars: negativePhotos.features, heldOut: heldOutNames),
                    backbone: extractor.model.version,
                    to: ConfigurationLoader.absolute(out))
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
