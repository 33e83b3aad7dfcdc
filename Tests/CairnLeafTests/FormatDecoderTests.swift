import CairnEXIF
import CairnImaging
import CairnTesting
import Foundation
import Testing

/// PNG, WebP, TIFF, JPEG XL and camera raw files, decoded from real files of `../shared/data/exif` and compared with
/// a reference decoder: Pillow for PNG, WebP and TIFF, libjxl's own `djxl` for JPEG XL.
@Suite struct FormatDecoderTests {
    static func bytes(_ relative: String) throws -> Data {
        try Data(contentsOf: TestPaths.data(relative))
    }

    /// Pixels as a reference decoder gives them: width, height and packed RGB read from a binary PPM.
    static func reference(_ file: URL, djxl: Bool = false) throws -> DecodedImage {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-ref-\(UUID().uuidString).ppm")
        defer { try? FileManager.default.removeItem(at: out) }
        let result: ProcessResult
        if djxl {
            result = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/djxl"), [file.path, out.path])
        } else {
            let script =
                "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB').save(sys.argv[2], 'PPM')"
            result = try ProcessRunner.run(
                URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, file.path, out.path])
        }
        #expect(result.status == 0, "\(result.stderr)")
        let data = [UInt8](try Data(contentsOf: out))
        // "P6\n<w> <h>\n255\n" then the pixels.
        var fields: [Int] = [], index = 2, current = ""
        while fields.count < 3, index < data.count {
            let c = Character(UnicodeScalar(data[index]))
            if c.isNumber {
                current.append(c)
            } else if !current.isEmpty {
                fields.append(Int(current)!)
                current = ""
            }
            index += 1
        }
        #expect(fields.count == 3 && fields[2] == 255)
        return DecodedImage(
            width: fields[0], height: fields[1], rgb: Array(data[index..<(index + fields[0] * fields[1] * 3)]))
    }

    /// Mean and largest absolute difference per sample.
    static func difference(_ a: DecodedImage, _ b: DecodedImage) -> (mean: Double, max: Int) {
        var total = 0, largest = 0
        for (x, y) in zip(a.rgb, b.rgb) {
            let d = abs(Int(x) - Int(y))
            total += d
            largest = max(largest, d)
        }
        return (Double(total) / Double(max(1, a.rgb.count)), largest)
    }

    @Test(arguments: [
        ("exif/MikeKovarik__exifr/test/fixtures/png/png_with_exif_and_gps.png", "png"),
        ("exif/python-pillow__Pillow/Tests/images/exif.png", "png"),
        ("exif/immich-app__test-assets/formats/webp/denali.webp", "webp"),
        ("exif/Exiv2__exiv2/test/data/exiv2-bug1199.webp", "webp"),
        ("exif/python-pillow__Pillow/Tests/images/tiff_adobe_deflate.tif", "tiff"),
        ("exif/python-pillow__Pillow/Tests/images/tiff_strip_planar_lzw.tiff", "tiff"),
        ("exif/python-pillow__Pillow/Tests/images/tiff_tiled_raw.tif", "tiff"),
        ("exif/photoview__photoview/api/scanner/test_media/real_media/jpegxl.jxl", "jxl"),
        ("exif/Exiv2__exiv2/test/data/Reagan.jxl", "jxl"),
    ])
    func pixelsMatchTheReferenceDecoder(_ file: String, _ format: String) throws {
        let data = try Self.bytes(file)
        let decoder = ImageDecoder()
        let info = try data.withUnsafeBytes { try decoder.probe($0) }
        #expect(info.format == format)
        // Full size, not turned: the reference decoders do not turn either.
        let image = try data.withUnsafeBytes { try decoder.decode($0, minShortSide: 100_000, orientation: 1) }
        #expect(image.width == info.width && image.height == info.height)
        let reference = try Self.reference(TestPaths.data(file), djxl: format == "jxl")
        #expect(image.width == reference.width && image.height == reference.height)
        let (mean, largest) = Self.difference(image, reference)
        #expect(mean < 0.5, "\(file): mean difference \(mean)")
        #expect(largest <= 4, "\(file): largest difference \(largest)")
    }

    /// The daemon's decode: reduced straight from the library's buffer (libwebp scales while it decodes) and turned
    /// by the EXIF orientation the PNG carries.
    @Test func largeImagesAreReducedAndTurnedByTheirOrientation() throws {
        let reduction = DecodedImage.Reduction(minShortSide: 448, longSide: 1024)
        let png = try Self.bytes("exif/python-pillow__Pillow/Tests/images/exif.png")
        let plain = try png.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 100_000, orientation: 1) }
        let turned = try png.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 100_000, orientation: 3) }
        #expect(Array(turned.rgb.prefix(3)) == Array(plain.rgb.suffix(3)))

        let webp = try Self.bytes("exif/immich-app__test-assets/formats/webp/denali.webp")
        let info = try webp.withUnsafeBytes { try ImageDecoder().probe($0) }
        let small = try webp.withUnsafeBytes { try ImageDecoder().decode($0, reduction: reduction) }
        #expect(
            max(small.width, small.height) <= 1024
                && min(small.width, small.height) >= min(448, min(info.width, info.height)))
        #expect(abs(Double(small.width) / Double(small.height) - Double(info.width) / Double(info.height)) < 0.02)
    }

    /// Damaged files of each format fail with the library's own reason and code; absurd sizes are refused before
    /// anything is allocated.
    @Test func damagedFilesFailWithTheLibrarysReason() throws {
        func failure(
            _ bytes: [UInt8], maxPixels: Int = 200_000_000, budget: DecodeBudget = .standard
        ) -> ImagingError? {
            #expect(throws: ImagingError.self) {
                try bytes.withUnsafeBytes { raw in
                    _ = try ImageDecoder(maxPixels: maxPixels, budget: budget).decode(raw, minShortSide: 224)
                }
            }
        }
        for (file, name) in [
            ("exif/python-pillow__Pillow/Tests/images/exif.png", "PNG"),
            ("exif/immich-app__test-assets/formats/webp/denali.webp", "WebP"),
            ("exif/python-pillow__Pillow/Tests/images/tiff_adobe_deflate.tif", "TIFF"),
            ("exif/photoview__photoview/api/scanner/test_media/real_media/jpegxl.jxl", "JPEG XL"),
        ] {
            let whole = [UInt8](try Self.bytes(file))
            let cut = failure(Array(whole.prefix(whole.count / 4)))
            #expect(cut?.code == .truncated || cut?.code == .corrupt, "\(file): \(cut?.message ?? "")")
            #expect(
                cut?.message.contains(name) == true || cut?.message.hasPrefix("image refused") == true,
                "\(cut?.message ?? "")")
            let limited = failure(whole, maxPixels: 1000)
            #expect(limited?.code == .tooLarge, "\(file)")
            #expect(limited?.message.contains("exceeds the limit of 1000 pixels") == true)
        }
        // Real crash files of the suites: Pillow's truncated PNG, a TIFF whose strip reads run negative, a TIFF
        // declaring 65535×900 with a strip libtiff would allocate 171 GB for.
        let truncated = failure([UInt8](try Self.bytes("exif/python-pillow__Pillow/Tests/images/truncated_image.png")))
        #expect(truncated?.code == .truncated)
        #expect(truncated?.message == "truncated PNG: end of stream")
        let strip = failure(
            [UInt8](
                try Self.bytes(
                    "exif/python-pillow__Pillow/Tests/images/crash-0c7e0e8e11ce787078f00b5b0ca409a167f070e0.tif")))
        #expect(strip?.code == .corrupt)
        #expect(strip?.message.hasPrefix("corrupt TIFF: Read error on strip 0") == true)
        // The decode budget refuses it first; without one, libtiff's allocation cap still does.
        let bombBytes = [UInt8](try Self.bytes("exif/python-pillow__Pillow/Tests/images/libtiff_segfault.tif"))
        let refused = failure(bombBytes)
        #expect(refused?.code == .tooLarge)
        #expect(refused?.message.contains("a 65535x900 TIFF whole takes about 401 MB") == true)
        let bomb = failure(bombBytes, budget: .unlimited)
        #expect(bomb?.message.contains("beyond the 268435456 byte limit") == true, "\(bomb?.message ?? "")")
        // A PNG decompression bomb: a valid header declaring 100,000 × 100,000 pixels.
        var header = Array(
            [UInt8](try Self.bytes("exif/MikeKovarik__exifr/test/fixtures/png/png_with_exif_and_gps.png")).prefix(33))
        header.replaceSubrange(16..<24, with: [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0])
        let crc =
            header[12..<29].reduce(UInt32(0xFFFF_FFFF)) { crc, byte in
                (0..<8).reduce(crc ^ UInt32(byte)) { c, _ in c & 1 == 1 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
            } ^ 0xFFFF_FFFF
        header.replaceSubrange(
            29..<33, with: [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)])
        let huge = failure(header + Array(repeating: 0, count: 64))
        #expect(huge?.code == .tooLarge, "\(huge?.message ?? "")")
        #expect(huge?.message == "image refused: declared size 100000x100000 exceeds the limit of 200000000 pixels")
    }

    /// Found by fuzz/formats.c: 5 KB of a Phase One header whose entry count kept LibRaw 0.20 reading past the end
    /// of the data for minutes (4 min 41 s here). The budgeted datastream stops it with an error at once.
    @Test func aCraftedRawHeaderCannotKeepLibRawBusy() throws {
        let data = try Data(
            contentsOf: TestPaths.repositoryRoot.appendingPathComponent(
                "Tests/Fixtures/formats/phase-one-read-loop.iiq"))
        let error = #expect(throws: ImagingError.self) {
            try data.withUnsafeBytes { _ = try ImageDecoder().decode($0) }
        }
        #expect(error?.code == .corrupt, "\(error?.message ?? "")")
        #expect(error?.message.hasPrefix("corrupt TIFF: ") == true, "\(error?.message ?? "")")
    }

    /// A raw file made by `exiftool` from one of the suite's stripped camera files, with a real photo written in as
    /// its preview (what a camera does), and optionally an orientation.
    static func rawFile(from source: String, tag: String, named name: String, orientation: Int? = nil) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-raw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let out = folder.appendingPathComponent(name)
        let photo = TestPaths.data("landmarks-dev/colosseum/7fbdb2fcf3d6.jpg").path
        var arguments = ["-m", "-q", "-q", "-\(tag)<=\(photo)"]
        if let orientation { arguments.append("-Orientation#=\(orientation)") }
        arguments += ["-o", out.path, TestPaths.data(source).path]
        let result = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/exiftool"), arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return out
    }

    /// Each raw family of the suite whose structure LibRaw reads: the embedded preview is found, decoded by the JPEG
    /// path, and turned by the raw file's own orientation.
    @Test(arguments: [
        ("exif/exiftool__exiftool/t/images/Nikon.nef", "PreviewImage", "photo.nef", nil as Int?),
        ("exif/exiftool__exiftool/t/images/Nikon.nef", "JpgFromRaw", "photo.nef", nil),
        ("exif/exiftool__exiftool/t/images/Panasonic.rw2", "JpgFromRaw", "photo.rw2", nil),
        ("exif/exiftool__exiftool/t/images/Panasonic.rw2", "JpgFromRaw", "photo.rw2", 6),
        ("exif/exiftool__exiftool/t/images/FujiFilm.raf", "ThumbnailImage", "photo.raf", nil),
        ("exif/exiftool__exiftool/t/images/Minolta.mrw", "PreviewImage", "photo.mrw", nil),
    ])
    func rawFilesAreReadByTheirEmbeddedPreview(
        _ source: String, _ tag: String, _ name: String, _ orientation: Int?
    ) throws {
        let file = try Self.rawFile(from: source, tag: tag, named: name, orientation: orientation)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let data = try Data(contentsOf: file)
        let info = try data.withUnsafeBytes { try ImageDecoder().probe($0) }
        #expect(info.format == "raw")
        #expect(info.decoder.hasPrefix("LibRaw 0."))
        #expect(info.decoder.hasSuffix(", embedded JPEG preview 512×342"))
        let image = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 100_000) }
        let preview = try JPEGDecoder().decode(
            path: TestPaths.data("landmarks-dev/colosseum/7fbdb2fcf3d6.jpg").path, minShortSide: 100_000)
        #expect(image.rgb == preview.oriented(orientation ?? 1).rgb)
        #expect((image.width, image.height) == (orientation == 6 ? (342, 512) : (512, 342)))
    }

    /// What the suite's own raw files hold, each with its reason: stripped test files whose previews are 8×8 pixels
    /// or missing, or cut short.
    @Test(arguments: [
        (
            "exif/exiftool__exiftool/t/images/FujiFilm.raf", ImagingError.Code.unsupported,
            "camera raw whose embedded preview is only 160x120 (Cairn reads raw files by their preview and needs a short side of 224; it does not develop raw data)"
        ),
        (
            "exif/exiftool__exiftool/t/images/Panasonic.rw2", .unsupported,
            "camera raw whose embedded preview is only 8x8"
        ),
        (
            "exif/Exiv2__exiv2/test/data/exiv2-canon-powershot-s40.crw", .unsupported,
            "unsupported camera raw: the raw file has no embedded preview"
        ),
        ("exif/Exiv2__exiv2/test/data/IMG_1361.dng", .truncated, "truncated camera raw: "),
        // Stripped of their image data by the suites that carry them: LibRaw does not know them as raw files.
        (
            "exif/Exiv2__exiv2/test/data/Canon-R6-pruned.CR3", .unsupported,
            "unsupported camera raw: Unsupported file format or not RAW file"
        ),
        (
            "exif/exiftool__exiftool/t/images/SigmaDP2.x3f", .unsupported,
            "unsupported camera raw: Unsupported file format or not RAW file"
        ),
        (
            "exif/exiftool__exiftool/t/images/CanonRaw.cr3", .truncated,
            "truncated camera raw: the file ends before its embedded preview does"
        ),
        // A CR2 LibRaw refuses is read as the TIFF it is built on; its IFD 0 is an old-style JPEG without tables.
        ("exif/exiftool__exiftool/t/images/CanonRaw.cr2", .corrupt, "corrupt TIFF: Missing JPEG tables"),
    ])
    func rawFilesWithoutAUsablePreviewSaySo(_ file: String, _ code: ImagingError.Code, _ message: String) throws {
        let data = try Self.bytes(file)
        let error = #expect(throws: ImagingError.self) {
            try data.withUnsafeBytes { _ = try ImageDecoder().decode($0) }
        }
        #expect(error?.code == code, "\(error?.message ?? "")")
        #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "")")
        // The 160×120 preview itself is there: a caller content with it gets it.
        if file.hasSuffix(".raf") {
            let small = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 100) }
            #expect((small.width, small.height) == (160, 120))
        }
    }
}
