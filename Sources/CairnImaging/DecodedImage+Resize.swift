import CResample
import Synchronization

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

    /// `resized` over RGB rows of `rowBytes` each (a decoder's own plane, or a crop of an image), so a large decode
    /// or a crop need not be copied first. The loops run in C (`CResample`: the same sums in the same order as a
    /// plain per-pixel loop, vectorised by the compiler).
    static func resampled(
        _ source: UnsafeRawBufferPointer, width: Int, height: Int, rowBytes: Int, to newWidth: Int, _ newHeight: Int
    ) -> DecodedImage {
        precondition(source.count >= (height - 1) * rowBytes + width * 3, "the source is smaller than its size says")
        let horizontal = Taps.between(width, newWidth)
        let vertical = Taps.between(height, newHeight)
        var scratch = [Float](repeating: 0, count: (vertical.count + 1) * newWidth * 3 + width * 3 + 1)
        let out = [UInt8](unsafeUninitializedCapacity: newWidth * newHeight * 3) { out, initialised in
            horizontal.starts.withUnsafeBufferPointer { hStarts in
                horizontal.weights.withUnsafeBufferPointer { hWeights in
                    vertical.starts.withUnsafeBufferPointer { vStarts in
                        vertical.weights.withUnsafeBufferPointer { vWeights in
                            scratch.withUnsafeMutableBufferPointer { scratch in
                                let status = cairn_resample_rgb(
                                    source.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(width), Int32(height),
                                    rowBytes, out.baseAddress!, Int32(newWidth), Int32(newHeight),
                                    cairn_taps(starts: hStarts.baseAddress, weights: hWeights.baseAddress, taps: Int32(horizontal.count)),
                                    cairn_taps(starts: vStarts.baseAddress, weights: vWeights.baseAddress, taps: Int32(vertical.count)),
                                    scratch.baseAddress!)
                                precondition(status == 0, "a filter tap lies outside the image")
                            }
                        }
                    }
                }
            }
            initialised = newWidth * newHeight * 3
        }
        return DecodedImage(width: newWidth, height: newHeight, rgb: out)
    }

    /// The largest centred region with the given width:height `aspect` (1: the central square).
    public func centerCropped(aspect: Double = 1) -> DecodedImage {
        let (x0, y0, cropWidth, cropHeight) = centerRegion(aspect: aspect)
        var out = [UInt8](repeating: 0, count: cropWidth * cropHeight * 3)
        for y in 0..<cropHeight {
            let s = ((y0 + y) * width + x0) * 3
            out[(y * cropWidth * 3)..<((y + 1) * cropWidth * 3)] = rgb[s..<(s + cropWidth * 3)]
        }
        return DecodedImage(width: cropWidth, height: cropHeight, rgb: out)
    }

    /// The largest centred region with the given width:height `aspect`: its origin and size.
    func centerRegion(aspect: Double) -> (x: Int, y: Int, width: Int, height: Int) {
        let cropWidth = min(width, Int((Double(height) * aspect).rounded()))
        let cropHeight = min(height, Int((Double(width) / aspect).rounded()))
        return ((width - cropWidth) / 2, (height - cropHeight) / 2, cropWidth, cropHeight)
    }

    /// The central square resampled to `size`×`size`, read in place (no copy of the crop).
    func centerSquareResized(to size: Int) -> DecodedImage {
        let (x0, y0, cropWidth, cropHeight) = centerRegion(aspect: 1)
        if cropWidth == size && cropHeight == size { return centerCropped() }
        return rgb.withUnsafeBytes { bytes in
            Self.resampled(
                UnsafeRawBufferPointer(rebasing: bytes[((y0 * width + x0) * 3)...]), width: cropWidth, height: cropHeight,
                rowBytes: width * 3, to: size, size)
        }
    }

    /// Filter weights in flat arrays: output `i` reads source pixels `starts[i] ..< starts[i] + count` with weights
    /// `weights[i * count ..< (i + 1) * count]`; shorter filters are padded with zero weights, and a start is moved
    /// back where the padding would run past the last source pixel.
    struct Taps: Sendable {
        var starts: [Int32]
        var weights: [Float]
        var count: Int

        /// The taps from `source` to `target` pixels. A library's photos come in few sizes, so the last few dozen
        /// are kept (building them costs a fifth of a 12 MP photo's resize).
        static func between(_ source: Int, _ target: Int) -> Taps {
            let key = SIMD2(source, target)
            if let known = cache.withLock({ $0[key] }) { return known }
            let taps = Taps(filterWeights(from: source, to: target))
            cache.withLock { cache in
                if cache.count >= 64 { cache.removeAll() }
                cache[key] = taps
            }
            return taps
        }

        private static let cache = Mutex<[SIMD2<Int>: Taps]>([:])

        init(_ filters: [(Int, [Float])]) {
            count = filters.map(\.1.count).max() ?? 0
            starts = []
            starts.reserveCapacity(filters.count)
            weights = []
            weights.reserveCapacity(filters.count * count)
            let last = filters.map { $0.0 + $0.1.count }.max() ?? 0  // one past the last source pixel read
            for (start, w) in filters {
                // Pad after the filter, or before it at the right edge; zero weights keep every sum exact.
                let padding = count - w.count
                let after = min(padding, last - (start + w.count))
                starts.append(Int32(start - (padding - after)))
                for _ in 0..<(padding - after) { weights.append(0) }
                weights.append(contentsOf: w)
                for _ in 0..<after { weights.append(0) }
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
        switch framing {
        case .centerCrop: return centerSquareResized(to: size).rgb
        case .squash: return resized(width: size, height: size).rgb
        }
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
