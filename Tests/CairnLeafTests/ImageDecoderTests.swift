import CairnEXIF
import CairnImaging
import CairnTesting
import Foundation
import Testing

@Suite struct ImageDecoderTests {
    static func bytes(_ relative: String) throws -> Data {
        try Data(contentsOf: TestPaths.data(relative))
    }

    @Test func everyFileOfTheExifSuiteGoesThroughReaderAndDecoderWithAReasonForEachFailure() throws {
        let root = TestPaths.data("exif")
        let files = FileManager.default.enumerator(atPath: root.path)!.compactMap { $0 as? String }
            .filter { !$0.hasSuffix("groundtruth.tsv") }
            .filter {
                (try? root.appendingPathComponent($0).resourceValues(forKeys: [.isRegularFileKey]).isRegularFile)
                    == true
            }
        #expect(files.count > 900)
        var decoded = 0, unsupported = 0, damaged = 0
        let decoder = ImageDecoder(maxPixels: 100_000_000)
        for file in files {
            let data = try Data(contentsOf: root.appendingPathComponent(file))
            data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Void in
                let facts = ExifReader.read(bytes)
                if facts.latitude != nil { #expect(facts.longitude != nil, "\(file)") }
                do {
                    _ = try decoder.probe(bytes)
                    let image = try decoder.decode(bytes, minShortSide: 224, orientation: facts.orientation)
                    #expect(image.width > 0 && image.rgb.count == image.width * image.height * 3, "\(file)")
                    decoded += 1
                } catch let error as ImagingError {
                    #expect(!error.message.isEmpty, "\(file)")
                    if error.code == .unsupported { unsupported += 1 } else { damaged += 1 }
                } catch {
                    Issue.record("\(file): unexpected error \(error)")
                }
            }
        }
        // Most real photos decode; the suite's crash files and other formats fail with reasons.
        #expect(decoded > 300)
        #expect(unsupported > 100)
        #expect(damaged > 50)
    }

    @Test(arguments: [
        "exif/Exiv2__exiv2/test/data/Stonehenge.heic", "exif/immich-app__test-assets/formats/heic/IMG_2682.heic",
        "exif/Exiv2__exiv2/test/data/2021-02-13-1929.heic",
    ])
    func decodesHEIC(_ file: String) throws {
        let data = try Self.bytes(file)
        let decoder = ImageDecoder(useThumbnails: false)
        let info = try data.withUnsafeBytes { try decoder.probe($0) }
        #expect(info.format == "heif")
        let image = try data.withUnsafeBytes { try decoder.decode($0) }
        #expect(image.width == info.width && image.height == info.height || image.width == info.height)
        #expect(Set(image.rgb.prefix(30_000)).count > 20)
    }

    /// A HEIF thumbnail item is decoded instead of the photo when its short side is large enough and it has the
    /// photo's shape: the smallest such one; otherwise the photo at full size.
    @Test(arguments: [
        ("exif/immich-app__test-assets/formats/heic/IMG_2682.heic", 320, 240),  // iPhone: 4032×3024, thumbnail 320×240
        ("exif/mattiasw__ExifReader/test/fixtures/images/test.heic", 240, 320),  // portrait, thumbnail 240×320
        ("exif/Exiv2__exiv2/test/data/Sony.HIF", 1616, 1080),  // 8640×5760; thumbnails 1616×1080 and 320×212
        ("exif/Exiv2__exiv2/test/data/Canon.HIF", 2400, 1600),  // its thumbnail 320×214 is too small: full size
    ])
    func heifThumbnailLargeEnoughIsDecodedInstead(_ file: String, _ width: Int, _ height: Int) throws {
        let data = try Self.bytes(file)
        let image = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 224) }
        #expect(image.width == width && image.height == height)
        #expect(image.rgb.count == width * height * 3)
        // The phone photos' thumbnails are real pictures (Exiv2's camera files hold nearly flat test images).
        if file.hasSuffix(".heic") { #expect(Set(image.rgb).count > 100) }
    }

    /// A full-size HEIF is reduced straight from libheif's buffer to what a plain decode then `reduced` gives.
    @Test func fullSizeHEIFIsReducedFromTheDecodersBufferWithTheSamePixels() throws {
        let data = try Self.bytes("exif/immich-app__test-assets/formats/heic/IMG_2682.heic")
        let decoder = ImageDecoder(useThumbnails: false)
        let reduction = DecodedImage.Reduction(minShortSide: 448, longSide: 1024)
        let direct = try data.withUnsafeBytes { try decoder.decode($0, reduction: reduction) }
        let full = try data.withUnsafeBytes { try decoder.decode($0) }
        let afterwards = full.reduced(reduction)
        #expect(full.width == 4032 && full.height == 3024)
        #expect(direct.width == 1024 && direct.height == 768)
        #expect(direct.width == afterwards.width && direct.height == afterwards.height && direct.rgb == afterwards.rgb)
    }

    /// A 50 MP 10-bit camera HEIF without a thumbnail is decoded whole by libheif (near 400 MB): over the decode
    /// budget it is refused with the estimate, already by the probe ingest runs, and decoded when the budget allows.
    @Test func aWholeImageDecodeOverTheBudgetIsRefusedWithItsEstimate() throws {
        let data = try Self.bytes("exif/Exiv2__exiv2/test/data/issue_9292_sony_1_top_left.HIF")
        let decoder = ImageDecoder()
        let probed = #expect(throws: ImagingError.self) { try data.withUnsafeBytes { try decoder.probe($0) } }
        #expect(probed?.code == .tooLarge)
        #expect(
            probed?.message
                == "image refused: decoding a 7008x4672 10-bit HEIF without a thumbnail of at least 224 px whole "
                + "takes about 413 MB, over the decode budget of 160 MB (watch.max-decode-mb)")
        let decoded = #expect(throws: ImagingError.self) {
            try data.withUnsafeBytes { try decoder.decode($0, reduction: .init(minShortSide: 224, longSide: 512)) }
        }
        #expect(decoded == probed)
        let generous = ImageDecoder(budget: DecodeBudget(maxBytes: 512 << 20))
        #expect(try data.withUnsafeBytes { try generous.probe($0) }.width == 7008)
        let image = try data.withUnsafeBytes {
            try generous.decode($0, reduction: .init(minShortSide: 224, longSide: 512))
        }
        #expect(image.width == 512 && image.height == 341)
        // A phone HEIC with a usable thumbnail costs only its thumbnail, whatever the budget.
        let phone = try Self.bytes("exif/Exiv2__exiv2/test/data/IMG_3578.heic")
        let tight = ImageDecoder(budget: DecodeBudget(maxBytes: 16 << 20))
        #expect(try phone.withUnsafeBytes { try tight.decode($0) }.width > 0)
    }

    @Test func aPNGOverTheBudgetIsRefusedBeforeItIsDecoded() throws {
        let data = try Self.bytes("exif/Exiv2__exiv2/test/data/ReaganLargePng.png")
        let tight = ImageDecoder(budget: DecodeBudget(maxBytes: 1 << 20))
        let error = #expect(throws: ImagingError.self) { try data.withUnsafeBytes { try tight.decode($0) } }
        #expect(error?.code == .tooLarge)
        #expect(error?.message.contains("PNG whole takes about") == true, "\(error?.message ?? "")")
        #expect(try data.withUnsafeBytes { try ImageDecoder().decode($0) }.width > 0)
    }

    @Test func heicPixelLimitIsCheckedBeforeDecoding() throws {
        let data = try Self.bytes("exif/Exiv2__exiv2/test/data/Stonehenge.heic")
        let error = #expect(throws: ImagingError.self) {
            try data.withUnsafeBytes { try ImageDecoder(maxPixels: 10_000).decode($0) }
        }
        #expect(error?.code == .tooLarge)
    }

    @Test(arguments: [
        ("landmarks-dev/petra/44224f7ea640.jpg", "grayscale"),
        ("exif/python-pillow__Pillow/Tests/images/pil_sample_cmyk.jpg", "CMYK"),
        ("exif/immich-app__test-assets/albums/text/japanese-shop.jpg", "progressive"),
    ])
    func decodesGrayscaleCMYKAndProgressiveJPEGToRGB(_ file: String, _ kind: String) throws {
        let data = try Self.bytes(file)
        let image = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 64) }
        #expect(image.rgb.count == image.width * image.height * 3, "\(kind)")
        #expect(min(image.width, image.height) >= 64)
        let pixels = stride(from: 0, to: image.rgb.count, by: 3)
        if kind == "grayscale" {
            #expect(pixels.allSatisfy { image.rgb[$0] == image.rgb[$0 + 1] && image.rgb[$0 + 1] == image.rgb[$0 + 2] })
        } else {
            #expect(
                pixels.contains { abs(Int(image.rgb[$0]) - Int(image.rgb[$0 + 2])) > 8 },
                "\(kind) photo decoded without colour")
        }
    }

    @Test func dctScalingPicksTheSmallestScaleAtLeast224() throws {
        // 1024×768 street photo: 1/2 gives 512×384 and 1/4 gives 256×192 < 224, so 1/2.
        let data = try Self.bytes("exif/mapillary__OpenSfM/data/lund/images/01.jpg")
        let image = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 224) }
        #expect((image.width, image.height) == (512, 384))
        let small = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 96) }
        #expect((small.width, small.height) == (128, 96))
    }

    @Test func exifOrientationTurnsTheImageUpright() throws {
        let data = try Self.bytes("exif/rwcarlsen__goexif/exif/samples/has-lens-info.jpg")
        let facts = data.withUnsafeBytes { ExifReader.read($0) }
        #expect(facts.orientation == 6)
        let stored = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 1) }
        let upright = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 1, orientation: 6) }
        #expect((upright.width, upright.height) == (stored.height, stored.width))
        // Orientation 6: the stored image's left column becomes the upright top row.
        for x in [0, upright.width / 2, upright.width - 1] {
            let sy = stored.height - 1 - x
            #expect(
                Array(upright.rgb[(x * 3)..<(x * 3 + 3)])
                    == Array(stored.rgb[(sy * stored.width * 3)..<(sy * stored.width * 3 + 3)]))
        }
    }

    @Test(arguments: 1...8)
    func everyOrientationMapsCornersAsTheSpecificationSays(_ orientation: Int) {
        // A 3×2 image whose pixels are numbered 0…5 in their red channel.
        let image = DecodedImage(width: 3, height: 2, rgb: (0..<6).flatMap { [UInt8($0), 0, 0] })
        let turned = image.oriented(orientation)
        let red = stride(from: 0, to: turned.rgb.count, by: 3).map { Int(turned.rgb[$0]) }
        let expected: [Int: [Int]] = [
            1: [0, 1, 2, 3, 4, 5], 2: [2, 1, 0, 5, 4, 3], 3: [5, 4, 3, 2, 1, 0], 4: [3, 4, 5, 0, 1, 2],
            5: [0, 3, 1, 4, 2, 5], 6: [3, 0, 4, 1, 5, 2], 7: [5, 2, 4, 1, 3, 0], 8: [2, 5, 1, 4, 0, 3],
        ]
        #expect(red == expected[orientation])
    }

    @Test func truncatedJPEGIsDamagedWithTheDecodersMessage() throws {
        let data = try Self.bytes("exif/mapillary__OpenSfM/data/lund/images/01.jpg")
        let truncated = data.prefix(data.count * 2 / 3)
        let probe = #expect(throws: ImagingError.self) {
            try truncated.withUnsafeBytes { try ImageDecoder().probe($0) }
        }
        #expect(probe?.code == .truncated)
        let decode = #expect(throws: ImagingError.self) {
            try truncated.withUnsafeBytes { try ImageDecoder().decode($0) }
        }
        #expect(decode?.code == .truncated)
        #expect(decode?.message == "truncated JPEG: Premature end of JPEG file")
    }

    @Test func otherFormatsAreUnsupportedAndGarbageIsDamaged() throws {
        let jp2 = try Self.bytes("exif/Exiv2__exiv2/test/data/relax.jp2")
        let unsupported = #expect(throws: ImagingError.self) {
            try jp2.withUnsafeBytes { try ImageDecoder().probe($0) }
        }
        #expect(unsupported?.code == .unsupported)
        #expect(unsupported?.message == "unsupported format: JPEG 2000")
        let gif = try Self.bytes("exif/photoview__photoview/api/scanner/test_media/real_media/gif.gif")
        let animated = #expect(throws: ImagingError.self) { try gif.withUnsafeBytes { try ImageDecoder().probe($0) } }
        #expect(animated?.message == "unsupported format: GIF")
        let garbage = try Self.bytes("exif/Exiv2__exiv2/test/data/issue_ghsa_496f_x7cq_cq39_poc.jpg")
        let damaged = #expect(throws: ImagingError.self) {
            try garbage.withUnsafeBytes { try ImageDecoder().probe($0) }
        }
        #expect(damaged?.code == .corrupt)
        #expect(damaged?.message.hasPrefix("not an image Cairn recognises (the file starts with 0xc5 0xd0") == true)
        let sidecar = try Self.bytes("exif/Exiv2__exiv2/test/data/test_issue_1472.jpg")
        let noImage = #expect(throws: ImagingError.self) {
            try sidecar.withUnsafeBytes { try ImageDecoder().probe($0) }
        }
        #expect(noImage?.message == "unsupported format: Exiv2 metadata sidecar (no image)")
        let empty = #expect(throws: ImagingError.self) { try Data().withUnsafeBytes { try ImageDecoder().probe($0) } }
        #expect(empty?.message == "the file is empty")
    }
}
