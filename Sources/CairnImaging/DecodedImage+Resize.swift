extension DecodedImage {
    /// The image resampled to `width`×`height` with an antialiased triangle (bilinear) filter whose support
    /// widens with the reduction, so downscaling averages every source pixel instead of skipping most of them.
    public func resized(width newWidth: Int, height newHeight: Int) -> DecodedImage {
        precondition(newWidth > 0 && newHeight > 0, "size must be positive")
        if newWidth == width && newHeight == height { return self }
        let horizontal = Self.filterWeights(from: width, to: newWidth)
        let vertical = Self.filterWeights(from: height, to: newHeight)
        // Horizontal pass into floats (height × newWidth × 3), then vertical pass into bytes.
        var middle = [Float](repeating: 0, count: height * newWidth * 3)
        rgb.withUnsafeBufferPointer { src in
            middle.withUnsafeMutableBufferPointer { mid in
                for y in 0..<height {
                    let row = y * width * 3
                    for x in 0..<newWidth {
                        let (start, weights) = horizontal[x]
                        var r: Float = 0, g: Float = 0, b: Float = 0
                        for (i, weight) in weights.enumerated() {
                            let s = row + (start + i) * 3
                            r += weight * Float(src[s])
                            g += weight * Float(src[s + 1])
                            b += weight * Float(src[s + 2])
                        }
                        let d = (y * newWidth + x) * 3
                        mid[d] = r
                        mid[d + 1] = g
                        mid[d + 2] = b
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        middle.withUnsafeBufferPointer { mid in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<newHeight {
                    let (start, weights) = vertical[y]
                    for x in 0..<(newWidth * 3) {
                        var sum: Float = 0
                        for (i, weight) in weights.enumerated() {
                            sum += weight * mid[(start + i) * newWidth * 3 + x]
                        }
                        dst[y * newWidth * 3 + x] = UInt8(min(max(sum.rounded(), 0), 255))
                    }
                }
            }
        }
        return DecodedImage(width: newWidth, height: newHeight, rgb: out)
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
