import CairnCatalog
import CairnEXIF
import CairnImaging
import CairnPlaces
import Foundation
import Logging

/// Ingest: the cheap facts of a photo — stat, content hash, EXIF, place, a structural decode check — into the
/// catalog in one transaction (one for a whole batch of files). A file that cannot be read, is damaged or is of a
/// format Cairn cannot decode is recorded with the reason (and whatever facts it had); ingest never throws for bad
/// input, only when the catalog itself fails.
public struct PhotoIngester: Sendable {
    public var catalog: Catalog
    /// Names the place of a photo's EXIF position.
    public var places: PlaceNamer
    public var gazetteer: Gazetteer { places.gazetteer }
    public var maxCityDistanceKm: Double { places.maxCityDistanceKm }
    public var decoder: ImageDecoder
    /// RAW+JPEG pairs (`watch.pair-raw-with-jpeg`): found as files are ingested, undone when off.
    public var pairRawWithJPEG: Bool
    public var logger: Logger

    public init(
        catalog: Catalog, gazetteer: Gazetteer, maxCityDistanceKm: Double, maxPixels: Int,
        decodeBudget: DecodeBudget = .standard, pairRawWithJPEG: Bool = true, logger: Logger
    ) {
        self.catalog = catalog
        self.places = PlaceNamer(gazetteer: gazetteer, maxCityDistanceKm: maxCityDistanceKm)
        self.decoder = ImageDecoder(maxPixels: maxPixels, budget: decodeBudget)
        self.pairRawWithJPEG = pairRawWithJPEG
        self.logger = logger
    }

    public enum Outcome: Sendable, Equatable {
        /// Nothing stored: the file is as catalogued, or it was gone by the time it was to be read.
        case unchanged
        case indexed
        case damaged(String)
        case unsupported(String)
    }

    /// Notes the file in the catalog and, when it is new or changed, reads and stores its facts: one catalog read and,
    /// when the file is new or changed, one write transaction.
    @discardableResult
    public func ingest(_ file: FileIdentity) throws(CatalogError) -> Outcome {
        try ingest(batch: [file])[0]
    }

    /// Ingests several files with one catalog read and at most one write transaction, and returns each file's
    /// outcome in order. A bad file is recorded with its reason like any other (it never stops the batch); only a
    /// failure of the catalog itself throws, and then nothing of the batch is stored.
    public func ingest(batch files: [FileIdentity]) throws(CatalogError) -> [Outcome] {
        let due = try catalog.needsIngest(files)
        var items: [(file: FileIdentity, record: IngestRecord)] = []
        var itemIndices: [Int] = []
        for (index, file) in files.enumerated() where due[index] {
            guard let record = read(file) else { continue }
            items.append((file, record))
            itemIndices.append(index)
        }
        let ids = try catalog.storeIngest(items, pairing: pairRawWithJPEG)
        var outcomes = Array(repeating: Outcome.unchanged, count: files.count)
        for (item, (index, id)) in zip(items, zip(itemIndices, ids)) where id != nil {
            outcomes[index] = outcome(of: item.record, path: item.file.path)
        }
        return outcomes
    }

    /// What ingest learns from the file at `file.path` (photo id 0 until the catalog sets it); nil when the file
    /// is gone since it was seen (renamed or deleted at once: the event that follows says where it went).
    private func read(_ file: FileIdentity) -> IngestRecord? {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: file.path), options: .mappedIfSafe)
            return data.withUnsafeBytes { bytes in examine(bytes, photoId: 0) }
        } catch {
            guard FileManager.default.fileExists(atPath: file.path) else { return nil }
            return IngestRecord(
                photoId: 0, state: .damaged, reason: "cannot read the file: \(error.localizedDescription)")
        }
    }

    private func outcome(of record: IngestRecord, path: String) -> Outcome {
        switch record.state {
        case .damaged:
            logger.warning("photo is damaged", metadata: ["photo.path": "\(path)", "reason": "\(record.reason ?? "")"])
            return .damaged(record.reason ?? "")
        case .unsupported:
            logger.info(
                "photo format not supported", metadata: ["photo.path": "\(path)", "reason": "\(record.reason ?? "")"])
            return .unsupported(record.reason ?? "")
        default:
            if let issue = record.facts?.locationIssue {
                logger.info(
                    "photo stored without a location", metadata: ["photo.path": "\(path)", "reason": "\(issue)"])
            }
            return .indexed
        }
    }

    /// Everything ingest learns from the bytes of one file.
    func examine(_ bytes: UnsafeRawBufferPointer, photoId: Int64) -> IngestRecord {
        let exif = ExifReader.read(bytes)
        var facts = PhotoFactsRecord(
            photoId: photoId, takenAt: exif.takenAt, takenAtOffset: exif.takenAtOffset, cameraMake: exif.make,
            cameraModel: exif.model, orientation: exif.orientation, width: exif.pixelWidth, height: exif.pixelHeight,
            latitude: exif.latitude, longitude: exif.longitude, altitude: exif.altitude,
            gpsTimestamp: exif.gpsTimestamp, locationIssue: exif.locationIssue)
        var record = IngestRecord(
            photoId: photoId, contentHash: ContentHash.of(bytes), format: PhotoFormat.sniff(bytes)?.rawValue,
            state: .indexed, facts: facts)
        do {
            let info = try decoder.probe(bytes)
            // The decoder's size is the image's; EXIF's may describe a thumbnail or be missing. A camera raw file
            // keeps EXIF's size (the sensor's): the decoder's is its preview's, which `decoder` names.
            if info.format != "raw" || facts.width == nil || facts.height == nil {
                facts.width = info.width
                facts.height = info.height
            }
            record.facts = facts
            record.decoder = info.decoder
            record.format = info.format == "raw" ? "raw" : record.format ?? info.format
        } catch {
            record.state = error.code == .unsupported ? .unsupported : .damaged
            record.reason = error.message
        }
        if let latitude = exif.latitude, let longitude = exif.longitude {
            record.place = places.exifPlace(photoId: photoId, latitude: latitude, longitude: longitude)
        }
        return record
    }
}
