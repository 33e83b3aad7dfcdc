import CairnCatalog
import CairnImaging
import CairnInference
import CairnRecognition
import Foundation

/// What recognition found in one batch of photos, for `RecognitionWriter.store` to write in one transaction.
public struct RecognitionOutcome: Sendable {
    /// A recognizer that turned itself off while the batch ran, and why.
    public struct TurnedOff: Sendable, Equatable {
        public var id: String
        public var reason: String
    }

    /// The results, failures and damaged photos, in the order found.
    public var writes: [RecognitionWrite] = []
    /// Recognizers to mark off in the catalog, so the queue stops counting them and `cairn status` says why.
    public var turnedOff: [TurnedOff] = []
    /// The batch's photos, for the message when the writes fail.
    public var photos: [String] = []
}

extension RecognitionPipeline {
    /// Runs every stale recognizer on a batch of photos and returns what to store; writes nothing. Each photo is
    /// decoded and run through the backbone at most once, when a recognizer first asks; each recognizer gets the
    /// batch's photos it has not seen at its version in one call, so a recognizer that gains from batching (the
    /// landmark search: one matrix product for all) does.
    public func recognize(batch works: [RecognitionWork], session: BackboneSession?) -> RecognitionOutcome {
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
        // Photos found damaged, or left for after a restart, take no further recognizer.
        var finished = Set<Int>()
        var outcome = RecognitionOutcome(photos: works.map(\.path))
        for recognizer in recognizers {
            let due = works.indices.filter {
                !finished.contains($0) && works[$0].staleRecognizers.contains(recognizer.id)
            }
            guard !due.isEmpty else { continue }
            let results = recognizer.recognize(batch: due.map { analyses[$0] })
            for (index, result) in zip(due, results) {
                if !collect(result, of: recognizer, for: works[index], into: &outcome) { finished.insert(index) }
            }
        }
        return outcome
    }

    /// Adds what to store of one recognizer's result for one photo; false when no other recognizer should run on
    /// the photo.
    private func collect(
        _ result: Result<[Observation], any Error>, of recognizer: any Recognizer, for work: RecognitionWork,
        into outcome: inout RecognitionOutcome
    ) -> Bool {
        do {
            let observations = try result.get()
            outcome.writes.append(
                .result(
                    photoId: work.photoId, recognizerId: recognizer.id, version: recognizer.version,
                    result: .success(self.result(of: observations, photoId: work.photoId))))
        } catch let error as ImagingError {
            // The photo cannot be decoded: it is damaged, and no recognizer will run on it.
            outcome.writes.append(.damaged(photoId: work.photoId, reason: error.message))
            logger.warning("photo is damaged", metadata: ["photo.path": "\(work.path)", "reason": "\(error.message)"])
            return false
        } catch let error as RecognizerError where error.code == .disabled {
            // Off since an earlier photo: nothing to record for this one.
            outcome.turnedOff.append(.init(id: recognizer.id, reason: error.message))
        } catch let error as RecognizerError where error.code == .stopped {
            // The host is stopping: the photo stays due and is done after the next start.
            return false
        } catch {
            // One recognizer failing on one photo is recorded for that pair; the others still run.
            outcome.writes.append(
                .result(
                    photoId: work.photoId, recognizerId: recognizer.id, version: recognizer.version,
                    result: .failure(RecognitionFailure(reason: "\(error)"))))
            logger.warning(
                "recognizer failed",
                metadata: [
                    "photo.path": "\(work.path)", "recognizer.id": "\(recognizer.id)", "reason": "\(error)",
                ])
            if let reason = recognizer.disabledReason {
                outcome.turnedOff.append(.init(id: recognizer.id, reason: reason))
            }
        }
        return true
    }

    private func result(of observations: [Observation], photoId: Int64) -> RecognitionResult {
        var tags: [RecognitionResult.Tag] = []
        var place: PhotoPlaceRecord?
        var embedding: [Float]?
        for observation in observations {
            switch observation {
            case .tag(let kind, let label, let score):
                tags.append(RecognitionResult.Tag(kind: kind, label: label, score: score))
            case .finding(let finding):
                tags.append(
                    RecognitionResult.Tag(
                        kind: finding.kind, label: finding.label, score: finding.score, evidence: finding.evidence,
                        detail: finding.detail))
                if place == nil, let hint = finding.place {
                    place = places.hintedPlace(hint, photoId: photoId)
                }
            case .embedding(let values):
                embedding = values
            }
        }
        return RecognitionResult(tags: tags, landmarkPlace: place, embedding: embedding)
    }
}
