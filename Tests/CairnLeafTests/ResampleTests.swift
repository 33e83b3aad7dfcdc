@testable import CairnImaging
import CairnTesting
import Foundation
import Testing

/// The resampler's C loops (`CResample`) against a plain per-pixel loop over the same filters, on real photos: the
/// bytes must be identical, for the network's centre crop read in place and for plain reductions and enlargements.
@Suite struct ResampleTests {
    /// A plain loop: each output value sums its filter's products in order from 0, horizontal pass first, rounded
    /// half away from zero and clamped.
    static func reference(_ image: DecodedImage, to newWidth: Int, _ newHeight: Int) -> [UInt8] {
        let horizontal = DecodedImage.filterWeights(from: image.width, to: newWidth)
        let vertical = DecodedImage.filterWeights(from: image.height, to: newHeight)
        var middle = [Float](repeating: 0, count: image.height * newWidth * 3)
        for y in 0..<image.height {
            for (x, (start, weights)) in horizontal.enumerated() {
                for c in 0..<3 {
                    var sum: Float = 0
                    for (i, weight) in weights.enumerated() {
                        sum += weight * Float(image.rgb[(y * image.width + start + i) * 3 + c])
                    }
                    middle[(y * newWidth + x) * 3 + c] = sum
                }
            }
        }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        for (y, (start, weights)) in vertical.enumerated() {
            for x in 0..<(newWidth * 3) {
                var sum: Float = 0
                for (i, weight) in weights.enumerated() { sum += weight * middle[(start + i) * newWidth * 3 + x] }
                out[y * newWidth * 3 + x] = UInt8(min(max(sum, 0), 255).rounded(.toNearestOrAwayFromZero))
            }
        }
        return out
    }

    /// How many bytes differ (every byte, when the sizes do).
    static func differing(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.count == b.count ? zip(a, b).filter { $0 != $1 }.count : max(a.count, b.count)
    }

    static let photos = [
        "landmarks-dev/taj_mahal/" + (try! FileManager.default.contentsOfDirectory(atPath: TestPaths.data("landmarks-dev/taj_mahal").path).filter { $0.hasSuffix(".jpg") }.sorted()[0]),
        "distractors-dev/n03063599_coffee_mug.jpg",
        "landmarks-dev/petra/44224f7ea640.jpg",  // grayscale
    ]

    @Test(arguments: photos)
    func theNetworkInputMatchesAPlainLoopOverTheCentreCrop(_ photo: String) throws {
        let data = try Data(contentsOf: TestPaths.data(photo))
        // Full size and DCT-scaled, so crops of several shapes are read in place.
        for minShortSide in [1, 224, 100_000] {
            let image = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: minShortSide) }
            let crop = image.centerCropped()
            let differing = Self.differing(image.networkInput(size: 224, framing: .centerCrop), Self.reference(crop, to: 224, 224))
            #expect(differing == 0, "\(photo) at \(image.width)×\(image.height): \(differing) bytes differ")
        }
    }

    @Test(arguments: photos)
    func reductionsAndEnlargementsMatchAPlainLoop(_ photo: String) throws {
        let data = try Data(contentsOf: TestPaths.data(photo))
        let image = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 224) }
        for (width, height) in [(224, 224), (97, 301), (image.width + 7, image.height / 2 + 3), (1, 1), (image.width, 5)] {
            let resized = image.resized(width: width, height: height)
            #expect(resized.width == width && resized.height == height)
            let differing = Self.differing(resized.rgb, Self.reference(image, to: width, height))
            #expect(differing == 0, "\(photo) to \(width)×\(height): \(differing) bytes differ")
        }
    }
}
