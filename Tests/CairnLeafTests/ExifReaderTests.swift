import CairnEXIF
import CairnTesting
import Foundation
import Testing

/// One row of `exif/groundtruth.tsv`: exiftool 12.57's reading of a file.
struct GroundTruth: Sendable, CustomTestStringConvertible {
    var path: String
    var latitude: String
    var longitude: String
    var dateTimeOriginal: String
    var orientation: String
    var make: String
    var model: String
    var testDescription: String { path }

    static func all() -> [GroundTruth] {
        guard let text = try? String(contentsOf: TestPaths.data("exif/groundtruth.tsv"), encoding: .utf8) else {
            return []
        }
        return text.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return GroundTruth(
                path: f[0], latitude: f[1], longitude: f[2], dateTimeOriginal: f[3], orientation: f[4], make: f[5],
                model: f[6])
        }
    }

    /// "2008:05:08 09:54:28" as "2008-05-08T09:54:28"; nil for a blank or all-zero date.
    var isoDateTime: String? {
        let c = Array(dateTimeOriginal)
        guard c.count >= 19, !dateTimeOriginal.hasPrefix("0000") else { return nil }
        return "\(String(c[0..<4]))-\(String(c[5..<7]))-\(String(c[8..<10]))T\(String(c[11..<19]))"
    }

    var isJPEG: Bool { path.lowercased().hasSuffix(".jpg") || path.lowercased().hasSuffix(".jpeg") }

    /// exiftool's coordinate when it is a usable location.
    var validCoordinate: (Double, Double)? {
        guard let lat = Double(latitude), let lon = Double(longitude), abs(lat) <= 90, abs(lon) <= 180,
            !(lat == 0 && lon == 0)
        else { return nil }
        return (lat, lon)
    }
}

@Suite struct ExifReaderTests {
    static let rows = GroundTruth.all()

    @Test func groundTruthIsPresent() {
        // The whole file, every format: JPEG, HEIC, AVIF, TIFF, DNG, PNG, WebP and Exiv2 sidecars.
        #expect(Self.rows.count == 94, "expected the shared EXIF ground truth beside the repo")
        #expect(Self.rows.filter { $0.validCoordinate != nil }.count == 88)
    }

    @Test(arguments: rows.filter { $0.validCoordinate != nil })
    func coordinatesAgreeWithExiftool(_ row: GroundTruth) throws {
        let facts = try ExifReader.read(path: TestPaths.data("exif/\(row.path)").path)
        let (lat, lon) = row.validCoordinate!
        let latitude = try #require(facts.latitude, "no latitude; issue: \(facts.locationIssue ?? "none")")
        let longitude = try #require(facts.longitude)
        #expect(abs(latitude - lat) <= 1e-6)
        #expect(abs(longitude - lon) <= 1e-6)
        #expect(facts.locationIssue == nil)
    }

    @Test(arguments: rows.filter { $0.validCoordinate == nil })
    func invalidGPSIsNoLocationWithAReason(_ row: GroundTruth) throws {
        let facts = try ExifReader.read(path: TestPaths.data("exif/\(row.path)").path)
        #expect(facts.latitude == nil && facts.longitude == nil)
        #expect(facts.locationIssue != nil)
    }

    @Test(arguments: rows.filter { $0.dateTimeOriginal != "-" && !$0.dateTimeOriginal.isEmpty })
    func dateCameraAndOrientationAgreeWithExiftool(_ row: GroundTruth) throws {
        let facts = try ExifReader.read(path: TestPaths.data("exif/\(row.path)").path)
        if facts.locationIssue?.hasPrefix("EXIF block is damaged") == true {
            // libexif gives up on a truncated block that exiftool still reads; the damage is recorded instead.
            return
        }
        #expect(facts.takenAt == row.isoDateTime)
        // exiftool prints "-" for an absent tag; "" means present but empty to it (HTC's unterminated "HTC"),
        // which Cairn may read as text.
        if row.make != "" { #expect(facts.make == (row.make == "-" ? nil : row.make)) }
        if row.model != "" { #expect(facts.model == (row.model == "-" ? nil : row.model)) }
        // Orientation outside 1…8 (exiftool shows 0) is not an orientation.
        if let orientation = Int(row.orientation) {
            #expect(facts.orientation == ((1...8).contains(orientation) ? orientation : nil))
        }
    }

    @Test func specificEdgeCasesHaveTheirReasons() throws {
        let empty = try ExifReader.read(path: TestPaths.data("exif/immich-app__test-assets/metadata/gps-position/empty_gps.jpg").path)
        #expect(empty.locationIssue == "GPS coordinates are empty or malformed")
        let outOfRange = try ExifReader.read(path: TestPaths.data("exif/python-pillow__Pillow/Tests/images/exif_gps.jpg").path)
        // exiftool reads latitude 4294967295 from this truncated block; libexif rejects the block as damaged.
        #expect(outOfRange.locationIssue?.hasPrefix("EXIF block is damaged (Tag data past end of buffer") == true)
        #expect(outOfRange.latitude == nil)
    }

    @Test func filesWithoutExifGiveEmptyFacts() throws {
        let facts = try ExifReader.read(path: TestPaths.data("distractors-dev/n01440764_tench.jpg").path)
        #expect(facts.isEmpty)
        #expect(throws: ExifError.self) { try ExifReader.read(path: "/nonexistent.jpg") }
    }
}

@Suite struct ExifContainerTests {
    @Test func gpsTimeIsReadAsUTC() throws {
        let google = try ExifReader.read(path: TestPaths.data("exif/exiftool__exiftool/t/images/Google.jpg").path)
        #expect(google.gpsTimestamp == "2023-10-06T20:52:10Z")
        let kodak = try ExifReader.read(path: TestPaths.data("exif/Exiv2__exiv2/test/data/pr_1994_poc2.jpg").path)
        #expect(kodak.gpsTimestamp == "2012-10-31T13:52:34Z")
    }

    @Test(arguments: [
        ("Exiv2__exiv2/test/data/Stonehenge.heic", PhotoFormat.heif),
        ("Exiv2__exiv2/test/data/avif_metadata2.avif", .avif),
        ("Exiv2__exiv2/test/data/IMG_1361.dng", .tiff),
        ("MikeKovarik__exifr/test/fixtures/png/png_with_exif_and_gps.png", .png),
        ("Exiv2__exiv2/test/data/exiv2-bug1199.webp", .webp),
        ("Exiv2__exiv2/test/data/Stonehenge.exv", .exv),
    ])
    func containersAreRecognisedAndTheirEXIFRead(_ file: String, _ format: PhotoFormat) throws {
        let data = try Data(contentsOf: TestPaths.data("exif/\(file)"))
        #expect(data.withUnsafeBytes { PhotoFormat.sniff($0) } == format)
        #expect(data.withUnsafeBytes { ExifReader.read($0) }.latitude != nil)
    }

    @Test func gpsInNoFileIsNoIssue() throws {
        // ExifTool's sample: libexif finds its EXIF damaged, but it has no GPS directory, so no location issue.
        let facts = try ExifReader.read(path: TestPaths.data("exif/exiftool__exiftool/t/images/ExifTool.jpg").path)
        #expect(facts.latitude == nil)
        #expect(facts.locationIssue == nil)
        // Canon's has a GPS directory that libexif cannot read: that is reported.
        let canon = try ExifReader.read(path: TestPaths.data("exif/exiftool__exiftool/t/images/Canon1DmkIII.jpg").path)
        #expect(canon.locationIssue?.hasPrefix("EXIF block is damaged (") == true)
        #expect(canon.make == "Canon")
    }
}
