extension DecodedImage {
    /// The image resampled to `width`×`height` with an antialiased triangle (bilinear) filter whose support
    /// widens with the reduction, so downscaling averages every source pixel instead of skipping most of them.
    public func resized(width newWidth: Int, height newHeight: Int) -> DecodedImage {
        precondition(newWidth > 0 && newHeight > 0, "size must be positive")
        if newWidth == width && newHeight == height { return self }
        return rgb.withUnsafeBytes { bytes in
            Self.resampled(bytes, width: width, height: height, rowBytes: width * 3, to: newWidth, newHeight)
        }
    }

    /// `resized` over RGB rows of `rowBytes` each (a decoder's own plane), so a large decode need not be copied first.
    static func resampled(
        _ source: UnsafeRawBufferPointer, width: Int, height: Int, rowBytes: Int, to newWidth: Int, _ newHeight: Int
    ) -> DecodedImage {
        // Each output pixel's weights padded to the same tap count (zero weights add exactly nothing), in flat
        // arrays: the inner loops then index raw buffers only (arrays of arrays cost 5 ms per photo here).
        let horizontal = Taps(Self.filterWeights(from: width, to: newWidth))
        let vertical = Taps(Self.filterWeights(from: height, to: newHeight))
        // Horizontal pass into floats (height × newWidth × 3), then vertical pass into bytes. Each sum adds the same
        // products in the same order as a plain per-pixel loop; only the loops are arranged for speed (a source row
        // converted to floats once; the vertical pass accumulates whole rows, which the compiler vectorises).
        var middle = [Float](repeating: 0, count: height * newWidth * 3)
        var sourceRow = [Float](repeating: 0, count: width * 3)
        do {
            let src = source.assumingMemoryBound(to: UInt8.self)
            middle.withUnsafeMutableBufferPointer { mid in
                sourceRow.withUnsafeMutableBufferPointer { row in
                    horizontal.starts.withUnsafeBufferPointer { starts in
                        horizontal.weights.withUnsafeBufferPointer { weights in
                            let taps = horizontal.count, rowLength = width * 3
                            for y in 0..<height {
                                let first = y * rowBytes
                                for i in 0..<rowLength { row[i] = Float(src[first &+ i]) }
                                for x in 0..<newWidth {
                                    // Wrapping arithmetic (&+, &*): the indices are bounded by the filter
                                    // construction, and overflow checks keep the compiler from vectorising.
                                    var s = starts[x] &* 3
                                    var r: Float = 0, g: Float = 0, b: Float = 0
                                    for i in (x &* taps)..<(x &* taps &+ taps) {
                                        let weight = weights[i]
                                        r += weight * row[s]
                                        g += weight * row[s &+ 1]
                                        b += weight * row[s &+ 2]
                                        s &+= 3
                                    }
                                    let d = (y &* newWidth &+ x) &* 3
                                    mid[d] = r
                                    mid[d &+ 1] = g
                                    mid[d &+ 2] = b
                                }
                            }
                        }
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        var sums = [Float](repeating: 0, count: newWidth * 3)
        middle.withUnsafeBufferPointer { mid in
            out.withUnsafeMutableBufferPointer { dst in
                sums.withUnsafeMutableBufferPointer { sum in
                    vertical.starts.withUnsafeBufferPointer { starts in
                        vertical.weights.withUnsafeBufferPointer { weights in
                            let taps = vertical.count, stride = newWidth * 3
                            for y in 0..<newHeight {
                                for x in 0..<stride { sum[x] = 0 }
                                for i in 0..<taps {
                                    let weight = weights[y &* taps &+ i]
                                    let m = (starts[y] &+ i) &* stride
                                    for x in 0..<stride { sum[x] += weight * mid[m &+ x] }
                                }
                                let d = y &* stride
                                for x in 0..<stride { dst[d &+ x] = Self.roundedByte(sum[x]) }
                            }
                        }
                    }
                }
            }
        }
        return DecodedImage(width: newWidth, height: newHeight, rgb: out)
    }

    /// `value` clamped to 0…255 and rounded half away from zero, as `UInt8(min(max(value.rounded(), 0), 255))` but
    /// without a libm call per pixel: for 0 ≤ v < 256, v − trunc(v) is exact.
    @inline(__always)
    static func roundedByte(_ value: Float) -> UInt8 {
        let v = min(max(value, 0), 255)
        let whole = Int32(v)
        return UInt8(truncatingIfNeeded: v - Float(whole) >= 0.5 ? whole &+ 1 : whole)
    }

    /// The largest centred region with the given width:height `aspect` (1: the central square).
    public func centerCropped(aspect: Double = 1) -> DecodedImage {
        let cropWidth = min(width, Int((Double(height) * aspect).rounded()))
        let cropHeight = min(height, Int((Double(width) / aspect).rounded()))
        let x0 = (width - cropWidth) / 2, y0 = (height - cropHeight) / 2
        var out = [UInt8](repeating: 0, count: cropWidth * cropHeight * 3)
        for y in 0..<cropHeight {
            let s = ((y0 + y) * width + x0) * 3
            out[(y * cropWidth * 3)..<((y + 1) * cropWidth * 3)] = rgb[s..<(s + cropWidth * 3)]
        }
        return DecodedImage(width: cropWidth, height: cropHeight, rgb: out)
    }

    /// Filter weights in flat arrays: output `i` reads source pixels `starts[i] ..< starts[i] + count` with weights
    /// `weights[i * count ..< (i + 1) * count]`; shorter filters are padded with zero weights, and a start is moved
    /// back where the padding would run past the last source pixel.
    struct Taps {
        var starts: [Int]
        var weights: [Float]
        var count: Int

        init(_ filters: [(Int, [Float])]) {
            count = filters.map(\.1.count).max() ?? 0
            starts = []
            weights = []
            let last = filters.map { $0.0 + $0.1.count }.max() ?? 0  // one past the last source pixel read
            for (start, w) in filters {
                // Pad after the filter, or before it at the right edge; zero weights keep every sum exact.
                let padding = count - w.count
                let after = min(padding, last - (start + w.count))
                starts.append(start - (padding - after))
                weights += [Float](repeating: 0, count: padding - after) + w + [Float](repeating: 0, count: after)
            }
        }
    }

    /// For each output index: the first source index and the normalised weights of the source pixels it averages.
    static func filterWeights(from source: Int, to target: Int) -> [(Int, [Float])] {
        let scale = Double(source) / Double(target)
        let support = max(scale, 1)  // triangle filter radius in source pixels
        return (0..<target).map { i in
            let center = (Double(i) + 0.5) * scale
            let first = max(0, Int((center - support).rounded(.down)))
            let last = min(source - 1, Int((center + support).rounded(.up)))
            var weights: [Float] = []
            var total = 0.0
            for s in first...last {
                let w = max(0, 1 - abs((Double(s) + 0.5 - center) / support))
                weights.append(Float(w))
                total += w
            }
            return (first, weights.map { $0 / Float(total) })
        }
    }
}

extension DecodedImage {
    /// How a photo becomes the square CNN input.
    public enum Framing: String, Sendable, CaseIterable {
        /// The whole photo, squeezed to a square.
        case squash
        /// The central square, the rest cut off.
        case centerCrop = "center-crop"
    }

    /// The `size`×`size` RGB bytes the backbone reads.
    public func networkInput(size: Int = 224, framing: Framing = .centerCrop) -> [UInt8] {
        let framed = framing == .centerCrop ? centerCropped() : self
        return framed.resized(width: size, height: size).rgb
    }
}

extension DecodedImage {
    /// How far a large decoded image is reduced for its users: the short side kept at `minShortSide` or more, the
    /// long side brought to about `longSide`; an image already within 10% of that is left alone.
    public struct Reduction: Sendable, Equatable {
        public var minShortSide: Int
        public var longSide: Int

        public init(minShortSide: Int, longSide: Int) {
            self.minShortSide = minShortSide
            self.longSide = longSide
        }
    }

    /// The size `reduction` gives a `width`×`height` image, or nil when it stays as it is.
    static func reducedSize(width: Int, height: Int, _ reduction: Reduction) -> (Int, Int)? {
        let short = Double(min(width, height)), long = Double(max(width, height))
        let scale = min(1, max(Double(reduction.minShortSide) / short, Double(reduction.longSide) / long))
        guard scale < 0.9 else { return nil }
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }

    /// The image reduced by `reduction` (itself when it is small enough already).
    public func reduced(_ reduction: Reduction) -> DecodedImage {
        guard let (w, h) = Self.reducedSize(width: width, height: height, reduction) else { return self }
        return resized(width: w, height: h)
    }
}
