import CairnCatalog
import CairnEXIF
import CairnImaging
import CairnPlaces
import Foundation
import Logging

/// Ingest: the cheap facts of one photo — stat, content hash, EXIF, place, a structural decode check — into the
/// catalog in one transaction. A file that cannot be read, is damaged or is of a format Cairn cannot decode is
/// recorded with the reason (and whatever facts it had); ingest never throws for bad input, only when the
/// catalog itself fails.
public struct PhotoIngester: Sendable {
    public var catalog: Catalog
    public var gazetteer: Gazetteer
    public var maxCityDistanceKm: Double
    public var decoder: ImageDecoder
    public var logger: Logger

    public init(catalog: Catalog, gazetteer: Gazetteer, maxCityDistanceKm: Double, maxPixels: Int, logger: Logger) {
        self.catalog = catalog
        self.gazetteer = gazetteer
        self.maxCityDistanceKm = maxCityDistanceKm
        self.decoder = ImageDecoder(maxPixels: maxPixels)
        self.logger = logger
    }

    public enum Outcome: Sendable, Equatable {
        case unchanged
        case indexed
        case damaged(String)
        case unsupported(String)
    }

    /// Notes the file in the catalog and, when it is new or changed, reads and stores its facts.
    @discardableResult
    public func ingest(_ file: FileIdentity) throws(CatalogError) -> Outcome {
        let (photo, needsIngest) = try catalog.notePhoto(file)
        guard needsIngest, let id = photo.id else { return .unchanged }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file.path), options: .mappedIfSafe)
        } catch {
            let reason = "cannot read the file: \(error.localizedDescription)"
            try catalog.storeIngest(IngestRecord(photoId: id, state: .damaged, reason: reason))
            logger.warning("photo is unreadable", metadata: ["photo.path": "\(file.path)", "reason": "\(reason)"])
            return .damaged(reason)
        }
        let record = data.withUnsafeBytes { bytes in examine(bytes, photoId: id) }
        try catalog.storeIngest(record)
        switch record.state {
        case .damaged:
            logger.warning("photo is damaged", metadata: ["photo.path": "\(file.path)", "reason": "\(record.reason ?? "")"])
            return .damaged(record.reason ?? "")
        case .unsupported:
            logger.info("photo format not supported", metadata: ["photo.path": "\(file.path)", "reason": "\(record.reason ?? "")"])
            return .unsupported(record.reason ?? "")
        default:
            if let issue = record.facts?.locationIssue {
                logger.info("photo stored without a location", metadata: ["photo.path": "\(file.path)", "reason": "\(issue)"])
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
            // The decoder's size is the image's; EXIF's may describe a thumbnail or be missing.
            facts.width = info.width
            facts.height = info.height
            record.facts = facts
        } catch {
            record.state = error.code == .unsupported ? .unsupported : .damaged
            record.reason = error.message
        }
        if let latitude = exif.latitude, let longitude = exif.longitude {
            record.place = placeRecord(photoId: photoId, latitude: latitude, longitude: longitude)
        }
        return record
    }

    /// The EXIF place of a position; a row without names when no city or country is near, so the photo is not
    /// looked up again until the gazetteer changes.
    public func placeRecord(photoId: Int64, latitude: Double, longitude: Double) -> PhotoPlaceRecord {
        let place = gazetteer.place(latitude: latitude, longitude: longitude, maxCityDistanceKm: maxCityDistanceKm)
        return PhotoPlaceRecord(
            photoId: photoId, source: .exif, countryCode: place?.countryCode, country: place?.country,
            adminRegion: place?.adminRegion, city: place?.city, gazetteerVersion: gazetteer.version)
    }
}
