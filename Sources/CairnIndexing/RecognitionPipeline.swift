import CairnCatalog
import CairnConfig
import CairnImaging
import CairnInference
import CairnRecognition
import Foundation
import Landmarks
import Logging
import SceneTagger

/// The recognizers the configuration enables, with the shared backbone, and how to run them on one photo and
/// store what they say. Used by the daemon's recognition service and by `cairn index`.
public struct RecognitionPipeline: Sendable {
    /// A recognizer that is configured but cannot run, and why.
    public struct Unavailable: Sendable {
        public var id: String
        public var reason: String
        public init(id: String, reason: String) {
            self.id = id
            self.reason = reason
        }
    }

    public let catalog: Catalog
    public let recognizers: [any Recognizer]
    public let unavailable: [Unavailable]
    public let model: EfficientNetLite0?
    public let framing: DecodedImage.Framing
    let decoder: ImageDecoder
    let logger: Logger

    /// Builds the enabled recognizers. A missing or broken model file turns off those that need it, with the
    /// reason; cataloguing goes on.
    public init(settings: CairnConfiguration, catalog: Catalog, logger: Logger) {
        self.catalog = catalog
        self.logger = logger
        decoder = ImageDecoder(maxPixels: settings.watch.maxPixels)
        framing = DecodedImage.Framing(rawValue: settings.backbone.framing) ?? .centerCrop
        var model: EfficientNetLite0?
        var modelProblem = ""
        let enabled = settings.recognizers.filter(\.enabled)
        if !enabled.isEmpty {
            do {
                model = try EfficientNetLite0(path: settings.backbone.model)
            } catch {
                modelProblem = "backbone unavailable: \(error)"
            }
        }
        self.model = model
        var recognizers: [any Recognizer] = []
        var unavailable: [Unavailable] = []
        for configured in enabled {
            switch configured.id {
            case "scene-tags":
                guard let model else {
                    unavailable.append(Unavailable(id: configured.id, reason: modelProblem))
                    continue
                }
                var maxTags = 3
                if case .int(let n) = configured.settings["max-tags"] { maxTags = n }
                recognizers.append(SceneTagger(
                    backboneVersion: model.version, minScore: configured.settings["min-score"]?.doubleValue ?? 0.25,
                    maxTags: maxTags))
            case "landmarks":
                guard let model else {
                    unavailable.append(Unavailable(id: configured.id, reason: modelProblem))
                    continue
                }
                guard case .string(let pack) = configured.settings["pack"] else {
                    unavailable.append(Unavailable(id: configured.id, reason: "no landmark pack is configured"))
                    continue
                }
                do {
                    recognizers.append(try LandmarkRecognizer(
                        packPath: pack, backboneVersion: model.version,
                        geoSquareKm: configured.settings["geo-square-km"]?.doubleValue ?? 1))
                } catch {
                    unavailable.append(Unavailable(id: configured.id, reason: "landmark pack unavailable: \(error)"))
                }
            default:
                unavailable.append(Unavailable(id: configured.id, reason: "not available in this build of Cairn yet"))
            }
        }
        self.recognizers = recognizers
        self.unavailable = unavailable
    }

    /// Records the recognizers and their versions in the catalog; their versions decide which photos are stale.
    public func register() throws(CatalogError) {
        try catalog.registerRecognizers(
            recognizers.map { RecognizerRecord(id: $0.id, version: $0.version, enabled: true, status: "loaded") }
                + unavailable.map { RecognizerRecord(id: $0.id, version: "unavailable", enabled: false, status: $0.reason) })
    }

    /// A backbone session for one worker (nil without a model).
    public func makeSession() -> BackboneSession? {
        model.map { BackboneSession(model: $0) }
    }

    /// Runs every stale recognizer on one photo and stores the results.
    public func recognize(_ work: RecognitionWork, session: BackboneSession?) {
        let backbone = PhotoBackbone(
            path: work.path, orientation: work.orientation, decoder: decoder, framing: framing, session: session)
        let analysis = PhotoAnalysis(
            facts: PhotoFacts(
                path: work.path, takenAt: work.takenAt, latitude: work.latitude, longitude: work.longitude,
                city: work.city, country: work.country, countryCode: work.countryCode),
            backbone: backbone)
        for recognizer in recognizers where work.staleRecognizers.contains(recognizer.id) {
            do {
                let observations = try recognizer.recognize(analysis)
                try catalog.storeRecognition(
                    photoId: work.photoId, recognizerId: recognizer.id, version: recognizer.version,
                    result: .success(result(of: observations, photoId: work.photoId)))
            } catch let error as ImagingError {
                // The photo cannot be decoded: it is damaged, and no recognizer will run on it.
                try? catalog.markDamaged(photoId: work.photoId, reason: error.message)
                logger.warning("photo is damaged", metadata: ["photo.path": "\(work.path)", "reason": "\(error.message)"])
                return
            } catch let error as CatalogError {
                logger.error("cannot store recognition", metadata: ["photo.path": "\(work.path)", "reason": "\(error)"])
                return
            } catch {
                // One recognizer failing on one photo is recorded for that pair; the others still run.
                try? catalog.storeRecognition(
                    photoId: work.photoId, recognizerId: recognizer.id, version: recognizer.version,
                    result: .failure(RecognitionFailure(reason: "\(error)")))
                logger.warning("recognizer failed", metadata: [
                    "photo.path": "\(work.path)", "recognizer.id": "\(recognizer.id)", "reason": "\(error)",
                ])
            }
        }
    }

    private func result(of observations: [Observation], photoId: Int64) -> RecognitionResult {
        var tags: [RecognitionResult.Tag] = []
        var place: PhotoPlaceRecord?
        for observation in observations {
            switch observation {
            case .tag(let kind, let label, let score):
                tags.append(RecognitionResult.Tag(kind: kind, label: label, score: score))
            case .landmark(let sighting):
                tags.append(RecognitionResult.Tag(
                    kind: "landmark", label: sighting.name, score: sighting.score, evidence: sighting.evidence.rawValue))
                place = place ?? PhotoPlaceRecord(
                    photoId: photoId, source: .landmark, countryCode: nil, country: sighting.country,
                    adminRegion: nil, city: sighting.city, gazetteerVersion: "landmark:\(sighting.key)")
            }
        }
        return RecognitionResult(tags: tags, landmarkPlace: place)
    }
}

/// The backbone's outputs for one photo, computed on first request: decode (DCT-scaled, upright), frame, resize,
/// normalise, run. A decode failure is thrown to every recognizer that asks.
final class PhotoBackbone: BackboneProvider, @unchecked Sendable {
    let path: String
    let orientation: Int?
    let decoder: ImageDecoder
    let framing: DecodedImage.Framing
    let session: BackboneSession?
    private let lock = NSLock()
    private var cached: Result<BackboneOutput, any Error>?

    init(path: String, orientation: Int?, decoder: ImageDecoder, framing: DecodedImage.Framing, session: BackboneSession?) {
        self.path = path
        self.orientation = orientation
        self.decoder = decoder
        self.framing = framing
        self.session = session
    }

    var backboneVersion: String { session?.model.version ?? "none" }

    func features() throws -> [Float] { try output().features }
    func logits() throws -> [Float] { try output().logits }

    private func output() throws -> BackboneOutput {
        try lock.withLock {
            if let cached { return try cached.get() }
            let result = Result<BackboneOutput, any Error> {
                guard let session else { throw ModelError(path: path, message: "no backbone model is loaded") }
                let data: Data
                do {
                    data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
                } catch {
                    throw ImagingError(code: .unreadable, message: "cannot read the file: \(error.localizedDescription)")
                }
                let image = try data.withUnsafeBytes { bytes throws(ImagingError) in
                    try decoder.decode(bytes, minShortSide: EfficientNetLite0.inputSize, orientation: orientation)
                }
                let input = BackboneInput.normalised(image.networkInput(size: EfficientNetLite0.inputSize, framing: framing))
                return session.run([input])[0]
            }
            cached = result
            return try result.get()
        }
    }
}
