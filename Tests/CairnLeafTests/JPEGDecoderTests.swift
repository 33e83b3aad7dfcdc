import CairnImaging
import CairnTesting
import Foundation
import Testing

@Suite struct JPEGDecoderTests {
    @Test func decodesARealPhotoAtTheSmallestSufficientScale() throws {
        let url = TestPaths.data("distractors-dev/n01440764_tench.jpg")
        let data = try Data(contentsOf: url)
        let info = try data.withUnsafeBytes { try JPEGDecoder().info(of: $0) }
        let image = try JPEGDecoder().decode(path: url.path, minShortSide: 100)
        let shortSide = min(image.width, image.height)
        #expect(shortSide >= 100)
        // Halving once more would drop below the requested size, unless already at 1/8.
        #expect(shortSide / 2 < 100 || image.width * 8 <= info.width + 7)
        #expect(image.rgb.count == image.width * image.height * 3)
        // A real photo is not a flat colour.
        #expect(Set(image.rgb.prefix(3000)).count > 20)
        let full = try JPEGDecoder().decode(path: url.path, minShortSide: 10_000)
        #expect(full.width == info.width && full.height == info.height)
    }

    @Test func refusesImagesAboveThePixelLimitBeforeDecoding() throws {
        let url = TestPaths.data("distractors-dev/n01440764_tench.jpg")
        let error = #expect(throws: ImagingError.self) { try JPEGDecoder(maxPixels: 1000).decode(path: url.path) }
        #expect(error?.code == .tooLarge)
        #expect(error?.message.contains("exceeds the limit of 1000 pixels") == true)
    }

    @Test func truncatedAndGarbageDataGiveReasonsNotCrashes() throws {
        let data = try Data(contentsOf: TestPaths.data("distractors-dev/n01440764_tench.jpg"))
        let truncated = data.prefix(data.count / 3)
        // libjpeg recovers from a truncated stream with a warning; the decoder must still return or fail cleanly.
        _ = try? truncated.withUnsafeBytes { try JPEGDecoder().decode($0) }
        let garbage = Data(repeating: 0x42, count: 1000)
        let error = #expect(throws: ImagingError.self) { try garbage.withUnsafeBytes { try JPEGDecoder().decode($0) } }
        #expect(error?.code == .corrupt)
        #expect(error?.message.hasPrefix("corrupt JPEG: Not a JPEG file") == true)
    }
}
