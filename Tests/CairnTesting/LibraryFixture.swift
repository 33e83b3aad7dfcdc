import CairnCatalog
import CairnPlaces
import Foundation

/// A catalog written from real photos of `../shared/data`: landmark photos placed at their landmark's
/// coordinates (reverse-geocoded with the real gazetteer) and tagged with the landmark, everyday photos tagged
/// with their ImageNet class and no place, and one damaged file.
public enum LibraryFixture {
    /// One row of `landmarks-dev/landmarks.tsv`.
    public struct Landmark: Sendable {
        public var key: String
        public var name: String
        public var city: String
        public var country: String
        public var latitude: Double
        public var longitude: Double
    }

    /// Landmarks and how many of their photos the fixture catalogs.
    public static let landmarkPhotos: [(key: String, count: Int)] = [
        ("colosseum", 3), ("brandenburg_gate", 2), ("berlin_cathedral", 1), ("cologne_cathedral", 2),
    ]

    /// Everyday photos the fixture catalogs, with the scene tag it gives each.
    public static let everydayPhotos: [(file: String, tag: String)] = [
        ("n01440764_tench.jpg", "tench"), ("n01514859_hen.jpg", "hen"),
    ]

    public static let recognizerVersion = "fixture-1"

    public static func landmarks() throws -> [String: Landmark] {
        let text = try String(contentsOf: TestPaths.data("landmarks-dev/landmarks.tsv"), encoding: .utf8)
        var result: [String: Landmark] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 7, let lat = Double(f[5]), let lon = Double(f[6]) else { continue }
            result[f[0]] = Landmark(key: f[0], name: f[1], city: f[2], country: f[3], latitude: lat, longitude: lon)
        }
        return result
    }

    /// The first `count` photos of a landmark's folder, by name.
    public static func photos(of key: String, count: Int) throws -> [URL] {
        let folder = TestPaths.data("landmarks-dev/\(key)")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".jpg") }.sorted().prefix(count).map { folder.appendingPathComponent($0) }
    }

    /// Writes the fixture catalog at `path` and returns it open for writing.
    @discardableResult
    public static func writeCatalog(at path: String) throws -> Catalog {
        let catalog = try Catalog.openForWriting(path: path)
        let gazetteer = Gazetteer.libgeonames()
        let landmarks = try landmarks()
        try catalog.registerRecognizers([
            RecognizerRecord(id: "landmarks", version: recognizerVersion, enabled: true, status: "loaded"),
            RecognizerRecord(id: "scene-tags", version: recognizerVersion, enabled: true, status: "loaded"),
        ])
        var day = 0
        for (key, count) in landmarkPhotos {
            for url in try photos(of: key, count: count) {
                day += 1
                try storeLandmarkPhoto(
                    url, of: landmarks[key]!, takenAt: String(format: "2024-05-%02dT10:00:00", day), in: catalog,
                    gazetteer: gazetteer)
            }
        }
        for (file, tag) in everydayPhotos {
            let id = try note(TestPaths.data("distractors-dev/\(file)"), in: catalog)
            try catalog.storeFacts(PhotoFactsRecord(photoId: id), place: nil, contentHash: nil)
            try catalog.storeRecognition(
                photoId: id, recognizerId: "scene-tags", version: recognizerVersion,
                result: .success(RecognitionResult(tags: [(kind: "scene", label: tag, score: 0.8)])))
        }
        let broken = try note(TestPaths.data("exif/Exiv2__exiv2/test/data/issue_853_poc.jpg"), in: catalog)
        try catalog.markDamaged(photoId: broken, reason: "corrupt JPEG: Unsupported marker type 0x04")
        return catalog
    }

    /// Catalogs a photo of `landmark` as cairnd does: with GPS at the landmark (`gps`), its EXIF place, and the
    /// landmark tag with the place the landmark gives it (named by the gazetteer at the landmark's coordinates,
    /// recorded with its key); without GPS, the landmark's place alone.
    public static func storeLandmarkPhoto(
        _ url: URL, of landmark: Landmark, takenAt: String, gps: Bool = true, in catalog: Catalog,
        gazetteer: Gazetteer
    ) throws {
        let id = try note(url, in: catalog)
        let place = gazetteer.place(latitude: landmark.latitude, longitude: landmark.longitude, maxCityDistanceKm: 30)
        try catalog.storeFacts(
            PhotoFactsRecord(
                photoId: id, takenAt: takenAt, takenAtOffset: "+02:00", cameraMake: "Apple",
                cameraModel: "iPhone 13", orientation: 1, width: 512, height: 384,
                latitude: gps ? landmark.latitude : nil, longitude: gps ? landmark.longitude : nil),
            place: gps
                ? place.map {
                    PhotoPlaceRecord(
                        photoId: id, source: .exif, countryCode: $0.countryCode, country: $0.country,
                        adminRegion: $0.adminRegion, city: $0.city, gazetteerVersion: gazetteer.version)
                } : nil,
            contentHash: nil)
        let landmarkPlace = PhotoPlaceRecord(
            photoId: id, source: .landmark, countryCode: place?.countryCode,
            country: place?.country ?? landmark.country,
            adminRegion: place?.city == nil ? nil : place?.adminRegion, city: place?.city ?? landmark.city,
            gazetteerVersion: "landmark:\(landmark.key)")
        try catalog.storeRecognition(
            photoId: id, recognizerId: "landmarks", version: recognizerVersion,
            result: .success(
                RecognitionResult(
                    tags: [(kind: "landmark", label: landmark.name, score: 0.9)], landmarkPlace: landmarkPlace)))
    }

    private static func note(_ url: URL, in catalog: Catalog) throws -> Int64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        let inode = (attributes[.systemFileNumber] as? NSNumber)?.int64Value ?? 0
        let file = FileIdentity(path: url.path, device: 1, inode: inode, size: size, mtimeNs: 0)
        return try catalog.notePhoto(file).photo.id!
    }

    /// Copies four camera photos with EXIF GPS into `folder`: two of Berlin (photos/berlin/01.jpg, 02.jpg), one of
    /// Lund with an upper-case extension (photos/lund/01.JPG) and a phone photo of Madrid (photos/phone/madrid.jpg).
    public static func copyGeotaggedPhotos(into folder: TemporaryDirectory) throws {
        let exif = "exif/"
        try folder.copy(
            TestPaths.data(exif + "mapillary__OpenSfM/data/berlin/images/01.jpg"), to: "photos/berlin/01.jpg")
        try folder.copy(
            TestPaths.data(exif + "mapillary__OpenSfM/data/berlin/images/02.jpg"), to: "photos/berlin/02.jpg")
        try folder.copy(TestPaths.data(exif + "mapillary__OpenSfM/data/lund/images/01.jpg"), to: "photos/lund/01.JPG")
        try folder.copy(TestPaths.data(exif + "exiftool__exiftool/t/images/Google.jpg"), to: "photos/phone/madrid.jpg")
    }
}
