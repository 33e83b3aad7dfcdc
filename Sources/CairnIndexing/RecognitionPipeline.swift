import CairnCatalog
import CairnConfig
import CairnImaging
import CairnInference
import CairnPlaces
import CairnPluginHost
import CairnRecognition
import Foundation
import Logging

/// One loaded set of recognizers: the enabled ones the configuration lists, in its order, built by
/// `RecognizerFactory` around one shared backbone, and how to run them on one photo and store what they say. Used
/// by the daemon's recognition service (which swaps in a new pipeline on reload) and by `cairn index`.
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

    public let catalog: Catalog
    public let recognizers: [any Recognizer]
    public let unavailable: [Unavailable]
    public let model: EfficientNetLite0?
    public let framing: DecodedImage.Framing
    /// Names the place of a photo placed by a landmark, from the landmark's position (nil: the recognizer's own
    /// city and country strings are kept).
    public let gazetteer: Gazetteer?
    /// The built-in recognizers this build offers (a reload builds its new set from the same).
    public let registry: RecognizerRegistry
    /// Where a catalog write that fails is logged and kept for `cairn status` (nil: logged only).
    public let writeFailures: CatalogWriteFailures?
    let maxCityDistanceKm: Double
    let decoder: ImageDecoder
    let logger: Logger

    /// Builds the enabled recognizers. A missing or broken model file (or one whose outputs are not finite) turns
    /// off those that need it, with the reason; an external plugin that does not start or shake hands is off with
    /// its reason; cataloguing goes on. `gazetteer` should be the one ingest names EXIF places with, so a photo
    /// placed by its landmark lands in the same country and city album as a photo with GPS there.
    public init(
        settings: CairnConfiguration, catalog: Catalog, gazetteer: Gazetteer?, registry: RecognizerRegistry,
        writeFailures: CatalogWriteFailures? = nil, logger: Logger
    ) {
        self.catalog = catalog
        self.registry = registry
        self.writeFailures = writeFailures
        self.logger = logger
        self.gazetteer = gazetteer
        maxCityDistanceKm = settings.places.maxCityDistanceKm
        decoder = Self.decoder(settings)
        framing = settings.backbone.framing.imaging
        var model: EfficientNetLite0?
        var modelProblem = ""
        let enabled = settings.recognizers.filter(\.enabled)
        if enabled.contains(where: { $0.external == nil }) {
            do {
                model = try Self.loadBackbone(settings.backbone.model)
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
        ImageDecoder(maxPixels: settings.watch.maxPixels, dcChroma: settings.backbone.jpegChroma == .fast)
    }

    /// Loads the backbone and checks it on a grey image: a file that loads but gives non-finite outputs is refused.
    static func loadBackbone(_ path: String) throws(ModelError) -> EfficientNetLite0 {
        let model = try EfficientNetLite0(path: path)
        let size = EfficientNetLite0.inputSize
        let output = BackboneSession(model: model).run([BackboneInput.normalised([UInt8](repeating: 128, count: size * size * 3))])[0]
        guard output.logits.count == EfficientNetLite0.classCount, output.features.count == EfficientNetLite0.featureCount,
            output.logits.allSatisfy(\.isFinite), output.features.allSatisfy(\.isFinite)
        else {
            throw ModelError(path: path, message: "the model loads but gives non-finite outputs; the file is damaged")
        }
        return model
    }

    /// Records the recognizers and their versions in the catalog; their versions decide which photos are stale.
    /// Recognizers no longer configured are turned off.
    public func register() throws(CatalogError) {
        try catalog.registerRecognizers(records)
    }

    /// What `register` records: each recognizer loaded, with its version, and each unavailable one with the reason.
    public var records: [RecognizerRecord] {
        recognizers.map { RecognizerRecord(id: $0.id, version: $0.version, enabled: true, status: "loaded") }
            + unavailable.map { RecognizerRecord(id: $0.id, version: "unavailable", enabled: false, status: $0.reason) }
    }

    /// Names again, through the gazetteer, the places landmarks gave photos before such places were named that way
    /// (country without its code, no region), when the loaded pack still has the landmark; returns how many. A
    /// catalog from an earlier version then shows one album per country without running any recognizer again.
    public func renameLandmarkPlaces() throws(CatalogError) -> Int {
        guard gazetteer != nil,
            let recognizer = recognizers.lazy.compactMap({ $0 as? any LandmarkLocating }).first
        else { return 0 }
        let landmarks = recognizer.landmarkLocations()
        var after: Int64 = 0, renamed = 0
        while true {
            let batch = try catalog.landmarkPlacesWithoutCountryCode(after: after)
            guard let last = batch.last else { break }
            after = last.photoId
            let places = batch.compactMap { row -> PhotoPlaceRecord? in
                guard let landmark = landmarks[row.key] else { return nil }
                let place = landmarkPlace(
                    key: landmark.key, city: landmark.city, country: landmark.country,
                    position: (landmark.latitude, landmark.longitude), photoId: row.photoId)
                return place.countryCode == nil ? nil : place
            }
            try catalog.replaceLandmarkPlaces(places)
            renamed += places.count
        }
        return renamed
    }

    /// A backbone session for one worker (nil without a model).
    public func makeSession() -> BackboneSession? {
        model.map { BackboneSession(model: $0) }
    }

    /// Stops the external plugins' programs; call once no photo runs on this pipeline any more.
    public func close() {
        for case let external as ExternalRecognizer in recognizers { external.shutdown() }
    }

    /// Kills the external plugins' programs now, photos in flight included (those stay due): for shutdown.
    public func terminate() {
        for case let external as ExternalRecognizer in recognizers { external.terminate() }
    }

    /// Runs every stale recognizer on a batch of photos and stores the results. Each photo is decoded and run
    /// through the backbone at most once, when a recognizer first asks; each recognizer gets the batch's photos
    /// it has not seen at its version in one call, so a recognizer that gains from batching (the landmark search:
    /// one matrix product for all) does.
    public func recognize(batch works: [RecognitionWork], session: BackboneSession?) {
        let sources = works.map { work in
            PhotoSource(
                path: work.path, orientation: work.orientation, decoder: decoder, framing: framing, session: session)
        }
        // Stage by stage over the batch when a due recognizer reads the backbone: every decode, then every network
        // run, so each keeps its code and tables in the core's caches (7–9% more photos per second on 12 MP JPEGs
        // than decoding and running one photo at a time; docs/PERFORMANCE.md).
        let backboneDue = works.indices.filter { index in
            recognizers.contains { $0.usesBackbone && works[index].staleRecognizers.contains($0.id) }
        }
        if session != nil && backboneDue.count > 1 {
            for index in backboneDue { sources[index].prepareDecode() }
            for index in backboneDue { sources[index].prepareBackbone() }
        }
        let analyses = zip(works, sources).map { work, source in
            PhotoAnalysis(
                facts: PhotoFacts(
                    path: work.path, takenAt: work.takenAt, latitude: work.latitude, longitude: work.longitude,
                    city: work.city, country: work.country, countryCode: work.countryCode, cameraMake: work.cameraMake,
                    cameraModel: work.cameraModel, width: work.width, height: work.height),
                backbone: source, pixels: source)
        }
        // Photos found damaged, or left for after a restart, take no further recognizer. The outcomes of the whole
        // batch are stored in one transaction at the end.
        var finished = Set<Int>()
        var writes: [RecognitionWrite] = []
        for recognizer in recognizers {
            let due = works.indices.filter { !finished.contains($0) && works[$0].staleRecognizers.contains(recognizer.id) }
            guard !due.isEmpty else { continue }
            let results = recognizer.recognize(batch: due.map { analyses[$0] })
            for (index, outcome) in zip(due, results) {
                if !collect(outcome, of: recognizer, for: works[index], into: &writes) { finished.insert(index) }
            }
        }
        do {
            try catalog.store(writes)
        } catch {
            if let writeFailures {
                writeFailures.failed("the recognition of \(works.count) photos from \(works.first?.path ?? "")", error)
            } else {
                logger.error("cannot store recognition", metadata: [
                    "photo.path": "\(works.first?.path ?? "")", "photos": "\(works.count)", "reason": "\(error)",
                ])
            }
        }
    }

    /// Adds what to store of one recognizer's outcome for one photo; false when no other recognizer should run on
    /// the photo.
    private func collect(
        _ outcome: Result<[Observation], any Error>, of recognizer: any Recognizer, for work: RecognitionWork,
        into writes: inout [RecognitionWrite]
    ) -> Bool {
        do {
            let observations = try outcome.get()
            writes.append(.result(
                photoId: work.photoId, recognizerId: recognizer.id, version: recognizer.version,
                result: .success(result(of: observations, photoId: work.photoId))))
        } catch let error as ImagingError {
            // The photo cannot be decoded: it is damaged, and no recognizer will run on it.
            writes.append(.damaged(photoId: work.photoId, reason: error.message))
            logger.warning("photo is damaged", metadata: ["photo.path": "\(work.path)", "reason": "\(error.message)"])
            return false
        } catch let error as PluginError where error.code == .disabled {
            // Off since an earlier photo: nothing to record for this one.
            turnOff(recognizer.id, reason: error.message)
        } catch let error as PluginError where error.code == .stopped {
            // The daemon is stopping: the photo stays due and is done after the next start.
            return false
        } catch {
            // One recognizer failing on one photo is recorded for that pair; the others still run.
            writes.append(.result(
                photoId: work.photoId, recognizerId: recognizer.id, version: recognizer.version,
                result: .failure(RecognitionFailure(reason: "\(error)"))))
            logger.warning("recognizer failed", metadata: [
                "photo.path": "\(work.path)", "recognizer.id": "\(recognizer.id)", "reason": "\(error)",
            ])
            if let reason = (recognizer as? ExternalRecognizer)?.disabledReason {
                turnOff(recognizer.id, reason: reason)
            }
        }
        return true
    }

    /// Marks a recognizer off in the catalog, so the queue stops counting it and `cairn status` says why.
    private func turnOff(_ id: String, reason: String) {
        do {
            try catalog.setRecognizerStatus(id: id, enabled: false, status: reason)
        } catch {
            if let writeFailures {
                writeFailures.failed("the status of recognizer \(id)", error)
            } else {
                logger.error("cannot record a recognizer's status", metadata: ["recognizer.id": "\(id)", "reason": "\(error)"])
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
                    kind: "landmark", label: sighting.name, score: sighting.score, evidence: sighting.evidence.rawValue,
                    detail: sighting.detail))
                let position = sighting.latitude.flatMap { latitude in sighting.longitude.map { (latitude, $0) } }
                place = place ?? landmarkPlace(
                    key: sighting.key, city: sighting.city, country: sighting.country, position: position, photoId: photoId)
            }
        }
        return RecognitionResult(tags: tags, landmarkPlace: place)
    }

    /// The place a landmark gives a photo: named by the gazetteer at the landmark's position when both are known
    /// (the country with its code, the city with its region; the recognizer's city when the gazetteer names no
    /// city there), else the recognizer's own city and country.
    func landmarkPlace(
        key: String, city: String, country: String, position: (latitude: Double, longitude: Double)?, photoId: Int64
    ) -> PhotoPlaceRecord {
        if let gazetteer, let position,
            let named = gazetteer.place(
                latitude: position.latitude, longitude: position.longitude, maxCityDistanceKm: maxCityDistanceKm),
            let namedCountry = named.country
        {
            return PhotoPlaceRecord(
                photoId: photoId, source: .landmark, countryCode: named.countryCode, country: namedCountry,
                adminRegion: named.city == nil ? nil : named.adminRegion, city: named.city ?? city,
                gazetteerVersion: "landmark:\(key)")
        }
        return PhotoPlaceRecord(
            photoId: photoId, source: .landmark, countryCode: nil, country: country, adminRegion: nil, city: city,
            gazetteerVersion: "landmark:\(key)")
    }
}
