import CairnCatalog
import CairnEXIF
import CairnImaging
import CairnPlaces
import Foundation
import Logging

/// Ingest: the cheap facts of one photo (stat, content hash, EXIF, place) into the catalog. A file that cannot
/// be read, or is not a valid image, is recorded as damaged with the reason; ingest never throws for bad input.
public struct PhotoIngester: Sendable {
    public var catalog: Catalog
    public var gazetteer: Gazetteer
    public var maxCityDistanceKm: Double
    public var decoder: JPEGDecoder
    public var logger: Logger

    public init(catalog: Catalog, gazetteer: Gazetteer, maxCityDistanceKm: Double, maxPixels: Int, logger: Logger) {
        self.catalog = catalog
        self.gazetteer = gazetteer
        self.maxCityDistanceKm = maxCityDistanceKm
        self.decoder = JPEGDecoder(maxPixels: maxPixels)
        self.logger = logger
    }

    public enum Outcome: Sendable, Equatable {
        case unchanged
        case indexed
        case damaged(String)
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
            try catalog.markDamaged(photoId: id, reason: reason)
            logger.warning("photo is unreadable", metadata: ["photo.path": "\(file.path)", "reason": "\(reason)"])
            return .damaged(reason)
        }
        let (facts, hash, problem) = data.withUnsafeBytes { bytes in
            (ExifReader.read(bytes), ContentHash.of(bytes), validate(bytes, path: file.path))
        }
        if let problem {
            try catalog.markDamaged(photoId: id, reason: problem)
            logger.warning("photo is damaged", metadata: ["photo.path": "\(file.path)", "reason": "\(problem)"])
            return .damaged(problem)
        }
        var record = PhotoFactsRecord(
            photoId: id, takenAt: facts.takenAt, takenAtOffset: facts.takenAtOffset, cameraMake: facts.make,
            cameraModel: facts.model, orientation: facts.orientation, width: facts.pixelWidth,
            height: facts.pixelHeight, latitude: facts.latitude, longitude: facts.longitude,
            altitude: facts.altitude, locationIssue: facts.locationIssue)
        var placeRecord: PhotoPlaceRecord?
        if let latitude = facts.latitude, let longitude = facts.longitude,
            let place = gazetteer.place(latitude: latitude, longitude: longitude, maxCityDistanceKm: maxCityDistanceKm)
        {
            placeRecord = PhotoPlaceRecord(
                photoId: id, source: .exif, countryCode: place.countryCode, country: place.country,
                adminRegion: place.adminRegion, city: place.city, gazetteerVersion: gazetteer.version)
        }
        if let issue = facts.locationIssue {
            logger.info("photo stored without a location", metadata: ["photo.path": "\(file.path)", "reason": "\(issue)"])
            record.locationIssue = issue
        }
        try catalog.storeFacts(record, place: placeRecord, contentHash: hash)
        return .indexed
    }

    /// A reason the file is not a usable image, or nil. JPEGs must have a readable header within the pixel limit.
    private func validate(_ bytes: UnsafeRawBufferPointer, path: String) -> String? {
        guard bytes.count > 0 else { return "the file is empty" }
        let lower = path.lowercased()
        guard lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") || lower.hasSuffix(".jpe") else { return nil }
        do {
            let info = try decoder.info(of: bytes)
            if info.width * info.height > decoder.maxPixels {
                return "image refused: declared size \(info.width)x\(info.height) exceeds the limit of \(decoder.maxPixels) pixels"
            }
            return nil
        } catch {
            return error.message
        }
    }
}
