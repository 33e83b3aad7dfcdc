import CairnImaging
import CairnTesting
import Foundation
import Testing

/// Cairn's own 1/8-scale JPEG decoder (Sources/CJPEG/eighth.c) must give exactly what libjpeg gives, on every
/// file, and leave every damaged or unusual file to libjpeg.
@Suite struct EighthScaleDecoderTests {
    /// What one decoder made of a file: the pixels or the error, for comparing two decoders.
    enum Outcome: Equatable {
        case image(width: Int, height: Int, rgb: [UInt8])
        case failure(ImagingError)
    }

    static func outcome(_ data: Data, libjpegOnly: Bool, minShortSide: Int = 1) -> (Outcome, JPEGDecoder.Engine?) {
        data.withUnsafeBytes { bytes in
            do throws(ImagingError) {
                let (image, engine) = try JPEGDecoder(libjpegOnly: libjpegOnly)
                    .decodeReportingEngine(bytes, minShortSide: minShortSide)
                return (.image(width: image.width, height: image.height, rgb: image.rgb), engine)
            } catch {
                return (.failure(error), nil)
            }
        }
    }

    static func sharedJPEGs() throws -> [URL] {
        let root = TestPaths.sharedData
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }
            .filter { ["jpg", "jpeg"].contains($0.pathExtension.lowercased()) }
            .sorted { $0.path < $1.path }
    }

    /// minShortSide 1 puts every file at 1/8 scale, so all of the shared data's variety goes through the new
    /// decoder: 4:2:0, 4:2:2, 4:4:4 and grayscale, restart markers, camera files, web photos, damaged files.
    @Test func matchesLibjpegByteForByteOnEverySharedJPEG() throws {
        let files = try Self.sharedJPEGs()
        #expect(files.count > 2000, "the shared data should hold some 2,300 JPEGs")
        var handled = 0, failedBoth = 0, mismatches: [String] = []
        for url in files {
            guard let data = try? Data(contentsOf: url) else { continue }
            let (reference, _) = Self.outcome(data, libjpegOnly: true)
            let (candidate, engine) = Self.outcome(data, libjpegOnly: false)
            if candidate != reference { mismatches.append(url.lastPathComponent) }
            if engine == .eighthScale { handled += 1 }
            if case .failure = reference { failedBoth += 1 }
        }
        #expect(mismatches.count == 0, "differs from libjpeg: \(mismatches.prefix(10))")
        // Progressive files, CMYK and damaged files go to libjpeg; nearly everything else is handled.
        #expect(handled > files.count * 9 / 10, "the 1/8 decoder took \(handled) of \(files.count) files")
        #expect(failedBoth > 0, "the shared data has damaged files; both decoders must report them alike")
    }

    /// `dcChroma` (the pipeline's default, `backbone.jpeg-chroma: fast`) changes only the chroma of 4:2:0 files:
    /// every other file, grayscale and 4:4:4 included, and every damaged one come out exactly as before, and a
    /// 4:2:0 photo stays within a few levels of libjpeg's pixels.
    @Test func dcChromaChangesOnlyTheChromaOf420FilesAndOnlyALittle() throws {
        func decode(_ data: Data, dcChroma: Bool, minShortSide: Int = 1) -> Outcome {
            data.withUnsafeBytes { bytes in
                do throws(ImagingError) {
                    let image = try JPEGDecoder(dcChroma: dcChroma).decode(bytes, minShortSide: minShortSide)
                    return .image(width: image.width, height: image.height, rgb: image.rgb)
                } catch {
                    return .failure(error)
                }
            }
        }
        var identical = 0, changed = 0, worstMean = 0.0, worstFile = "", means: [Double] = []
        for url in try Self.sharedJPEGs() {
            guard let data = try? Data(contentsOf: url) else { continue }
            let exact = decode(data, dcChroma: false), fast = decode(data, dcChroma: true)
            if exact == fast {
                identical += 1
                continue
            }
            guard case .image(let w, let h, let a) = exact, case .image(w, h, let b) = fast else {
                Issue.record("\(url.lastPathComponent): \(exact) against \(fast)")
                continue
            }
            changed += 1
            let mean = Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.count)
            means.append(mean)
            if mean > worstMean { (worstMean, worstFile) = (mean, url.lastPathComponent) }
        }
        // At minShortSide 1 a web photo shrinks to some 60×45 pixels, where one block's chroma is a large share:
        // measured 2,013 files changed (median 2.7 levels of mean difference, p95 5.6, worst 10.1), 331 identical.
        means.sort()
        #expect(changed > 1500 && identical > 250, "\(changed) changed, \(identical) identical")
        #expect(
            means.isEmpty || (means[means.count / 2] < 4 && means[means.count * 95 / 100] < 8),
            "median \(means[means.count / 2]), p95 \(means[means.count * 95 / 100])")
        #expect(worstMean < 16, "\(worstFile): mean difference \(worstMean) levels")
        // Grayscale and 4:4:4 photos have no chroma to take from the DC alone.
        for path in [
            "landmarks-dev/petra/44224f7ea640.jpg", "exif/immich-app__test-assets/metadata/rating/mongolels.jpg",
        ] {
            let data = try Data(contentsOf: TestPaths.data(path))
            #expect(decode(data, dcChroma: true) == decode(data, dcChroma: false), "\(path)")
        }
        // The 8 MP phone photo at the pipeline's scale: each 2×2 pixel block shares its chroma, so within one the
        // colour differences (red − green, blue − green) vary only with rounding.
        let phone = try Data(contentsOf: TestPaths.data("exif/mapillary__OpenSfM/data/berlin/images/01.jpg"))
        guard case .image(let width, let height, let rgb) = decode(phone, dcChroma: true, minShortSide: 224) else {
            Issue.record("the phone photo did not decode")
            return
        }
        var spread = 0
        for y in stride(from: 0, to: height - 1, by: 2) {
            for x in stride(from: 0, to: width - 1, by: 2) {
                let pixels = [(x, y), (x + 1, y), (x, y + 1), (x + 1, y + 1)].map { (px, py) in (py * width + px) * 3 }
                if pixels.contains(where: { p in (0..<3).contains { rgb[p + $0] == 0 || rgb[p + $0] == 255 } }) {
                    continue
                }
                let redMinusGreen = pixels.map { Int(rgb[$0]) - Int(rgb[$0 + 1]) }
                let blueMinusGreen = pixels.map { Int(rgb[$0 + 2]) - Int(rgb[$0 + 1]) }
                spread = max(
                    spread, redMinusGreen.max()! - redMinusGreen.min()!, blueMinusGreen.max()! - blueMinusGreen.min()!)
            }
        }
        #expect(spread <= 4, "colour differences within a 2×2 block spread by \(spread)")
    }

    @Test func handlesRestartMarkersAndEveryCommonSampling() throws {
        // Small files need minShortSide 1 to be decoded at 1/8; the phone photo is there at the pipeline's 224.
        let cases = [
            ("exif/Exiv2__exiv2/test/data/FurnaceCreekInn.jpg", 1),  // 4:2:2, a restart every 25 MCUs
            ("exif/Exiv2__exiv2/test/data/preview/exiv2-bug501-preview1.jpg", 1),  // 4:2:0, restart every 8
            ("exif/immich-app__test-assets/metadata/rating/mongolels.jpg", 1),  // 4:4:4, restart every 119
            ("exif/mapillary__OpenSfM/data/berlin/images/01.jpg", 224),  // 8 MP phone photo, 4:2:0
        ]
        for (path, minShortSide) in cases {
            let data = try Data(contentsOf: TestPaths.data(path))
            let (reference, _) = Self.outcome(data, libjpegOnly: true, minShortSide: minShortSide)
            let (candidate, engine) = Self.outcome(data, libjpegOnly: false, minShortSide: minShortSide)
            let same = candidate == reference
            #expect(engine == .eighthScale, "\(path) should go through the 1/8 decoder")
            #expect(same, "\(path) differs from libjpeg")
        }
    }

    /// Truncated files and flipped bits in the entropy-coded data: whatever libjpeg makes of them (pixels with a
    /// warning, or an error), the default decoder makes the same, and nothing crashes.
    @Test func damagedPhotosComeOutAsLibjpegMakesThem() throws {
        let photo = try Data(contentsOf: TestPaths.data("exif/mapillary__OpenSfM/data/berlin/images/02.jpg"))
        var variants: [(String, Data)] = []
        for fraction in [0.3, 0.6, 0.95, 0.999] {
            variants.append(("truncated at \(fraction)", photo.prefix(Int(Double(photo.count) * fraction))))
        }
        var generator = SplitMix64(seed: 42)
        for flips in [1, 3, 20] {
            for round in 0..<4 {
                var damaged = photo
                for _ in 0..<flips {
                    // Past the headers (the first 64 KB hold EXIF and tables), inside the scan.
                    let at = 65_536 + Int(generator.next() % UInt64(photo.count - 65_538))
                    damaged[at] ^= UInt8(1 << (generator.next() % 8))
                }
                variants.append(("\(flips) flipped bits, round \(round)", damaged))
            }
        }
        for (name, data) in variants {
            let (reference, _) = Self.outcome(data, libjpegOnly: true, minShortSide: 224)
            let (candidate, _) = Self.outcome(data, libjpegOnly: false, minShortSide: 224)
            let same = candidate == reference
            #expect(same, "\(name): differs from libjpeg")
        }
        let (truncated, _) = Self.outcome(variants[0].1, libjpegOnly: false, minShortSide: 224)
        guard case .failure(let error) = truncated else {
            Issue.record("a photo cut at 30% must fail as truncated")
            return
        }
        #expect(error.code == .truncated)
    }
}

extension EighthScaleDecoderTests {
    /// A Huffman table whose codes reach the reserved all-ones code is refused by libjpeg; the 1/8 decoder must
    /// refuse it too and leave the file to libjpeg, so both report the same error. The photo's luma AC table gets
    /// one more 16-bit code, which the scan never uses: a decoder that accepted the table would decode the photo.
    @Test func aHuffmanTableLibjpegRefusesGivesLibjpegsError() throws {
        var data = try Data(contentsOf: TestPaths.data("exif/mapillary__OpenSfM/data/berlin/images/02.jpg"))
        var at = 2, edited = false
        while !edited, at + 4 < data.count, data[at] == 0xFF, data[at + 1] != 0xDA {
            let length = Int(data[at + 2]) << 8 + Int(data[at + 3])
            if data[at + 1] == 0xC4 {
                var table = at + 4
                while table < at + 2 + length {
                    let counts = (1...16).map { Int(data[table + $0]) }
                    if data[table] == 0x10 {
                        // Canonical codes: the next free 16-bit code must be the all-ones one.
                        let next = counts.enumerated().reduce(0) { ($0 + $1.element) << ($1.offset < 15 ? 1 : 0) }
                        try #require(next == 0xFFFF, "the luma AC table has one free 16-bit code left")
                        data.insert(0x0A, at: table + 17 + counts.reduce(0, +))
                        data[table + 16] += 1
                        data[at + 2] = UInt8((length + 1) >> 8)
                        data[at + 3] = UInt8((length + 1) & 0xFF)
                        edited = true
                        break
                    }
                    table += 17 + counts.reduce(0, +)
                }
            }
            at += 2 + length
        }
        try #require(edited, "the photo has a luma AC table")

        let (reference, _) = Self.outcome(data, libjpegOnly: true, minShortSide: 224)
        let (candidate, engine) = Self.outcome(data, libjpegOnly: false, minShortSide: 224)
        guard case .failure(let error) = reference else {
            Issue.record("libjpeg should refuse the table")
            return
        }
        #expect(error.message.contains("Huffman table"), "libjpeg's reason: \(error.message)")
        #expect(engine == nil)
        let same = candidate == reference
        #expect(same, "the default decoder reports something else than libjpeg")
    }

    /// Found by fuzz/eighth.c: a 48x40 4:2:0 file whose damaged data decodes without a warning to chroma coefficients
    /// no encoder writes. libjpeg-turbo's SSE2 2x2 IDCT saturates them in 16 bits where the C arithmetic wraps, so
    /// the pixels differed; the 1/8 decoder now leaves such a block to libjpeg, and the output is libjpeg's.
    @Test func chromaOutOfAnEncodersRangeGoesToLibjpeg() throws {
        let data = try Data(
            contentsOf: TestPaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/jpeg/simd-idct-2x2-range.jpg"))
        let (reference, _) = Self.outcome(data, libjpegOnly: true)
        let (candidate, engine) = Self.outcome(data, libjpegOnly: false)
        guard case .image(let width, let height, _) = reference else {
            Issue.record("libjpeg should decode the file")
            return
        }
        #expect(width == 6 && height == 5)
        #expect(engine == .libjpeg)
        let same = candidate == reference
        #expect(same, "the 1/8 decoder's pixels differ from libjpeg's")
    }

    /// Found by fuzz/eighth.c: a 4:2:0 file whose entropy data holds fill bytes before a stuffed zero (FF FF ... FF
    /// 00), which no encoder writes. libjpeg-turbo's slow Huffman decoder reads them as one 0xFF data byte, its fast
    /// one as a marker, and which runs depends on how much input is buffered: decoded from memory, as Cairn does,
    /// libjpeg gave other pixels than the 1/8 decoder (which read them as the slow one does). The 1/8 decoder now
    /// declines such a scan, and the output is libjpeg's.
    @Test func fillBytesBeforeAStuffedZeroGoToLibjpeg() throws {
        let data = try Data(
            contentsOf: TestPaths.repositoryRoot.appendingPathComponent(
                "Tests/Fixtures/jpeg/fill-before-stuffed-zero.jpg"))
        let (reference, _) = Self.outcome(data, libjpegOnly: true)
        let (candidate, engine) = Self.outcome(data, libjpegOnly: false)
        guard case .image = reference else {
            Issue.record("libjpeg should decode the file")
            return
        }
        #expect(engine == .libjpeg)
        let same = candidate == reference
        #expect(same, "the 1/8 decoder's pixels differ from libjpeg's")
    }
}

/// A small deterministic generator (Steele, Lea and Flood's SplitMix64), so the damaged variants are the same on
/// every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
