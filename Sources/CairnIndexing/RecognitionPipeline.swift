import CairnCatalog
import CairnConfig
import CairnImaging
import CairnInference
import CairnRecognition
import Foundation
import Logging

/// One loaded set of recognizers: the enabled ones the configuration lists, in its order, built by
/// `RecognizerFactory` around one shared backbone, and how to run them on a batch of photos
/// (`RecognitionPipeline+Batch`). It reads and writes no catalog: `RecognitionRunner` feeds it due photos and hands
/// what it finds to the one `RecognitionWriter`. Used by the daemon's recognition service (which swaps in a new
/// pipeline on reload) and by `cairn index`.
public final class RecognitionPipeline: Sendable {
    /// A recognizer that is configured but cannot run, and why.
    public struct Unavailable: Sendable, Equatable {
        public var id: String
        public var reason: String
        public init(id: String, reason: String) {
            self.id = id
            self.reason = reason
        }
    }

    public let recognizers: [any Recognizer]
    public let unavailable: [Unavailable]
    public let model: EfficientNetLite0?
    public let framing: DecodedImage.Framing
    /// Names the place a recognizer's hint gives a photo (nil: the hint's own city and country are kept).
    public let places: PlaceNamer?
    /// The built-in recognizers this build offers (a reload builds its new set from the same).
    public let registry: RecognizerRegistry
    let decoder: ImageDecoder
    let logger: Logger

    /// Builds the enabled recognizers. A missing or broken model file (or one whose outputs are not finite) turns
    /// off those that need it, with the reason; an external plugin that does not start or shake hands is off with
    /// its reason; cataloguing goes on. `places` should be the namer ingest names EXIF places with, so a photo
    /// placed by its landmark lands in the same country and city album as a photo with GPS there.
    public init(
        settings: CairnConfiguration, places: PlaceNamer?, registry: RecognizerRegistry, logger: Logger
    ) {
        self.registry = registry
        self.logger = logger
        self.places = places
        decoder = Self.decoder(settings)
        framing = settings.backbone.framing.imaging
        var model: EfficientNetLite0?
        var modelProblem = ""
        let enabled = settings.recognizers.filter(\.enabled)
        if enabled.contains(where: { $0.external == nil }) {
            do {
                model = try Backbone.load(settings.backbone.model)
            } catch {
                modelProblem = "backbone unavailable: \(error)"
            }
        }
        self.model = model
        let context = RecognizerFactory.Context(backbone: model, backboneProblem: modelProblem, logger: logger)
        var recognizers: [any Recognizer] = []
        var unavailable: [Unavailable] = []
        for configured in enabled {
            do {
                recognizers.append(try RecognizerFactory.make(configured, context: context, registry: registry))
            } catch {
                unavailable.append(Unavailable(id: configured.id, reason: error.reason))
            }
        }
        self.recognizers = recognizers
        self.unavailable = unavailable
    }

    /// The image decoder the configuration asks for (pixel limit, JPEG chroma).
    public static func decoder(_ settings: CairnConfiguration) -> ImageDecoder {
        ImageDecoder(
            maxPixels: settings.watch.maxPixels, budget: settings.watch.decodeBudget,
            dcChroma: settings.backbone.jpegChroma == .fast)
    }

    /// What the catalog records of this set (`RecognitionWriter.register`): each recognizer loaded, with its version,
    /// and each unavailable one with the reason. The versions decide which photos are stale.
    public var records: [RecognizerRecord] {
        recognizers.map { RecognizerRecord(id: $0.id, version: $0.version, enabled: true, status: "loaded") }
            + unavailable.map { RecognizerRecord(id: $0.id, version: "unavailable", enabled: false, status: $0.reason) }
    }

    /// Every place the recognizers can hint at, by key (the first recognizer's where two name the same key).
    public var placeHints: [String: PlaceHint] {
        recognizers.reduce(into: [:]) { hints, recognizer in
            hints.merge(recognizer.placeHints()) { first, _ in first }
        }
    }

    /// A backbone session for one worker (nil without a model).
    public func makeSession() -> BackboneSession? {
        model.map { BackboneSession(model: $0) }
    }

    /// Ends what the recognizers run beside Cairn (external programs); call once no photo runs on this pipeline.
    public func close() {
        for recognizer in recognizers { recognizer.shutdown() }
    }

    /// Ends the recognizers now, photos in flight included (those stay due): for shutdown.
    public func terminate() {
        for recognizer in recognizers { recognizer.terminate() }
    }
}
