import CairnImaging
import CairnInference
import Foundation

/// An augmented view of a photo for training, as in the paper (section 3.3.1): a random resized crop (8–100% of
/// the area… here 40–100%, aspect 3/4–4/3), a random horizontal flip and colour jitter (brightness, contrast and
/// saturation ×0.8–1.2). Every choice is drawn from the seed and the photo's content hash, so a view is the same
/// on every run and its features can be cached under (content hash, seed).
public struct Augmentation: Sendable, Equatable {
    public var seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// The cache key of this view of the photo whose content hash is `hash`.
    func key(_ hash: UInt64) -> UInt64 {
        var random = SeededRandom(seed: hash ^ (seed &* 0x9E37_79B9_7F4A_7C15))
        return random.next()
    }

    /// The `size`×`size` RGB network input of this view of `image`.
    public func view(of image: DecodedImage, hash: UInt64, size: Int) -> [UInt8] {
        var random = SeededRandom(seed: hash ^ seed &+ 0x5851_F42D_4C95_7F2D)
        let area = Double(image.width * image.height) * Double.random(in: 0.4...1, using: &random)
        let aspect = exp(Double.random(in: log(3.0 / 4)...log(4.0 / 3), using: &random))
        let cropWidth = max(1, min(image.width, Int((area * aspect).squareRoot())))
        let cropHeight = max(1, min(image.height, Int((area / aspect).squareRoot())))
        let x0 = Int.random(in: 0...(image.width - cropWidth), using: &random)
        let y0 = Int.random(in: 0...(image.height - cropHeight), using: &random)
        let flip = Bool.random(using: &random)
        let brightness = Float.random(in: 0.8...1.2, using: &random)
        let contrast = Float.random(in: 0.8...1.2, using: &random)
        let saturation = Float.random(in: 0.8...1.2, using: &random)

        var crop = [UInt8](repeating: 0, count: cropWidth * cropHeight * 3)
        for y in 0..<cropHeight {
            for x in 0..<cropWidth {
                let sourceX = flip ? x0 + cropWidth - 1 - x : x0 + x
                let s = ((y0 + y) * image.width + sourceX) * 3
                let d = (y * cropWidth + x) * 3
                crop[d] = image.rgb[s]
                crop[d + 1] = image.rgb[s + 1]
                crop[d + 2] = image.rgb[s + 2]
            }
        }
        var rgb = DecodedImage(width: cropWidth, height: cropHeight, rgb: crop).resized(width: size, height: size).rgb
        var mean: Float = 0
        for value in rgb { mean += Float(value) }
        mean /= Float(rgb.count)
        for pixel in stride(from: 0, to: rgb.count, by: 3) {
            var r = Float(rgb[pixel]) * brightness, g = Float(rgb[pixel + 1]) * brightness,
                b = Float(rgb[pixel + 2]) * brightness
            r = (r - mean * brightness) * contrast + mean * brightness
            g = (g - mean * brightness) * contrast + mean * brightness
            b = (b - mean * brightness) * contrast + mean * brightness
            let grey = 0.299 * r + 0.587 * g + 0.114 * b
            r = grey + (r - grey) * saturation
            g = grey + (g - grey) * saturation
            b = grey + (b - grey) * saturation
            rgb[pixel] = UInt8(max(0, min(255, r.rounded())))
            rgb[pixel + 1] = UInt8(max(0, min(255, g.rounded())))
            rgb[pixel + 2] = UInt8(max(0, min(255, b.rounded())))
        }
        return rgb
    }
}
