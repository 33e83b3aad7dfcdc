import CairnCatalog
import Logging

/// The one writer of recognition's catalog state for a process: the recognizers' registry rows, what recognition found
/// (`RecognitionOutcome`), recognizers that turned themselves off, and landmark places named again. A failed write of
/// an outcome is logged and kept for `cairn status` (`CatalogWriteFailures`), never dropped; the photos stay due.
public final class RecognitionWriter: Sendable {
    public let catalog: Catalog
    /// Where a catalog write that fails is logged and kept for `cairn status` (nil: logged only).
    public let failures: CatalogWriteFailures?
    let logger: Logger

    public init(catalog: Catalog, failures: CatalogWriteFailures? = nil, logger: Logger) {
        self.catalog = catalog
        self.failures = failures
        self.logger = logger
    }

    /// Records a pipeline's recognizers and their versions; their versions decide which photos are stale. Recognizers
    /// no longer configured are turned off.
    public func register(_ pipeline: RecognitionPipeline) throws(CatalogError) {
        try catalog.registerRecognizers(pipeline.records)
    }

    /// Writes one batch's outcome: the recognizers that turned themselves off, then every result in one transaction.
    public func store(_ outcome: RecognitionOutcome) {
        for off in outcome.turnedOff { turnOff(off.id, reason: off.reason) }
        do {
            try catalog.store(outcome.writes)
        } catch {
            let first = outcome.photos.first ?? ""
            if let failures {
                failures.failed("the recognition of \(outcome.photos.count) photos from \(first)", error)
            } else {
                logger.error(
                    "cannot store recognition",
                    metadata: [
                        "photo.path": "\(first)", "photos": "\(outcome.photos.count)", "reason": "\(error)",
                    ])
            }
        }
    }

    /// Names again, through the pipeline's place namer, the places landmarks gave photos before such places were named
    /// that way (country without its code, no region) or kept their landmark's position (before catalog version 9),
    /// when a recognizer still hints at the landmark with a position; returns how many. A catalog from an earlier
    /// version then shows one album per country, and its sidecars the location shown, without running any
    /// recognizer again.
    public func renameHintedPlaces(_ pipeline: RecognitionPipeline) throws(CatalogError) -> Int {
        guard let places = pipeline.places else { return 0 }
        let hints = pipeline.placeHints
        guard !hints.isEmpty else { return 0 }
        var after: Int64 = 0, renamed = 0
        while true {
            let batch = try catalog.landmarkPlacesToName(after: after)
            guard let last = batch.last else { break }
            after = last.photoId
            let named = batch.compactMap { row -> PhotoPlaceRecord? in
                guard let hint = hints[row.key] else { return nil }
                let place = places.hintedPlace(hint, photoId: row.photoId)
                return place.countryCode == nil || place.latitude == nil ? nil : place
            }
            try catalog.replaceLandmarkPlaces(named)
            renamed += named.count
        }
        return renamed
    }

    /// Why a photo that recognition died on twice, the second time alone, is marked damaged.
    public static let killedTwiceReason =
        "recognition died twice on this photo, the second time with it alone: the process was killed (for memory, "
        + "at the unit's MemoryMax=, or by a crash in a decoder library); not tried again until the file changes"

    /// Settles what a process that died during recognition left (`Catalog.settleInterruptedAttempts`): photos it died
    /// on while running them alone are marked damaged and logged; returns the photos it died on among others, to be
    /// run alone.
    public func settleInterruptedAttempts() -> [Int64] {
        do {
            let (damaged, suspects) = try catalog.settleInterruptedAttempts(reason: Self.killedTwiceReason)
            for path in damaged {
                logger.error(
                    "photo is damaged", metadata: ["photo.path": "\(path)", "reason": "\(Self.killedTwiceReason)"])
            }
            if !suspects.isEmpty {
                logger.warning(
                    "recognition stopped unfinished last time: running those photos one at a time",
                    metadata: ["photos": "\(suspects.count)"])
            }
            return suspects
        } catch {
            failed("the photos recognition was working on when it last stopped", error)
            return []
        }
    }

    /// Records that a worker takes `chunk` (`alone`: with no other worker running), so a process that dies on it
    /// leaves its name behind.
    public func begin(_ chunk: [Int64], alone: Bool) {
        do {
            try catalog.beginAttempts(chunk, alone: alone)
        } catch {
            failed("the photos a recognition worker takes", error)
        }
    }

    /// Forgets `chunk`: the process lived through it.
    public func end(_ chunk: [Int64]) {
        do {
            try catalog.endAttempts(chunk)
        } catch {
            failed("the photos a recognition worker finished", error)
        }
    }

    private func failed(_ what: String, _ error: CatalogError) {
        if let failures {
            failures.failed(what, error)
        } else {
            logger.error("cannot write the catalog", metadata: ["write": "\(what)", "reason": "\(error)"])
        }
    }

    /// Marks a recognizer off in the catalog, so the queue stops counting it and `cairn status` says why.
    private func turnOff(_ id: String, reason: String) {
        do {
            try catalog.setRecognizerStatus(id: id, enabled: false, status: reason)
        } catch {
            if let failures {
                failures.failed("the status of recognizer \(id)", error)
            } else {
                logger.error(
                    "cannot record a recognizer's status", metadata: ["recognizer.id": "\(id)", "reason": "\(error)"])
            }
        }
    }
}
