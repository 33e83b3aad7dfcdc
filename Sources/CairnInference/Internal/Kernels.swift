import COpenBLAS

/// Small free functions over cblas_sgemm and SIMD loops: the whole arithmetic of the backbone.

/// TensorFlow "same" padding: (output size, padding before) for an input of `size` (extra padding goes after).
@inline(__always)
func samePadding(size: Int, kernel: Int, stride: Int) -> (output: Int, before: Int) {
    let output = (size + stride - 1) / stride
    let total = max((output - 1) * stride + kernel - size, 0)
    return (output, total / 2)
}

/// out (rows, cout) = input (rows, cin) · weight (cin, cout), then + bias and ReLU6 when asked.
func pointwise(
    _ input: UnsafePointer<Float>,  // (rows, cin)
    _ weight: UnsafePointer<Float>,  // (cin, cout)
    _ bias: UnsafePointer<Float>,  // (cout)
    _ output: UnsafeMutablePointer<Float>,  // (rows, cout)
    rows: Int, cin: Int, cout: Int, relu6: Bool
) {
    cblas_sgemm(
        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(cout), Int32(cin), 1, input, Int32(cin), weight,
        Int32(cout), 0, output, Int32(cout))
    addBias(output, bias, rows: rows, channels: cout, relu6: relu6)
}

/// x (rows, channels) += bias, then ReLU6 when asked.
func addBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, channels: Int, relu6: Bool) {
    let vectors = channels / 8
    let zero = SIMD8<Float>(repeating: 0), six = SIMD8<Float>(repeating: 6)
    for r in 0..<rows {
        let row = x + r * channels
        for v in 0..<vectors {
            let p = UnsafeMutableRawPointer(row + v * 8)
            var value = p.loadUnaligned(as: SIMD8<Float>.self)
                + UnsafeRawPointer(bias + v * 8).loadUnaligned(as: SIMD8<Float>.self)
            if relu6 { value = value.clamped(lowerBound: zero, upperBound: six) }
            p.storeBytes(of: value, as: SIMD8<Float>.self)
        }
        for c in (vectors * 8)..<channels {
            let value = row[c] + bias[c]
            row[c] = relu6 ? min(max(value, 0), 6) : value
        }
    }
}

/// Depthwise k×k convolution with TF "same" padding, bias and ReLU6, channels-last, vectorised over channels.
func depthwise(
    _ input: UnsafePointer<Float>,  // (h, w, c)
    _ weight: UnsafePointer<Float>,  // (k, k, c)
    _ bias: UnsafePointer<Float>,  // (c)
    _ output: UnsafeMutablePointer<Float>,  // (oh, ow, c)
    height: Int, width: Int, channels c: Int, kernel k: Int, stride: Int
) {
    let (oh, padTop) = samePadding(size: height, kernel: k, stride: stride)
    let (ow, padLeft) = samePadding(size: width, kernel: k, stride: stride)
    let vectors = c / 8
    let zero = SIMD8<Float>(repeating: 0), six = SIMD8<Float>(repeating: 6)
    for oy in 0..<oh {
        let y0 = oy * stride - padTop
        let kyStart = max(0, -y0), kyEnd = min(k, height - y0)
        for ox in 0..<ow {
            let x0 = ox * stride - padLeft
            let kxStart = max(0, -x0), kxEnd = min(k, width - x0)
            let out = output + (oy * ow + ox) * c
            for v in 0..<vectors {
                var sum = UnsafeRawPointer(bias + v * 8).loadUnaligned(as: SIMD8<Float>.self)
                for ky in kyStart..<kyEnd {
                    let inRow = input + ((y0 + ky) * width) * c + v * 8
                    let wRow = weight + (ky * k) * c + v * 8
                    for kx in kxStart..<kxEnd {
                        let a = UnsafeRawPointer(inRow + (x0 + kx) * c).loadUnaligned(as: SIMD8<Float>.self)
                        let b = UnsafeRawPointer(wRow + kx * c).loadUnaligned(as: SIMD8<Float>.self)
                        sum += a * b  // not addingProduct: without FMA in the target it becomes a libm call per lane
                    }
                }
                UnsafeMutableRawPointer(out + v * 8).storeBytes(
                    of: sum.clamped(lowerBound: zero, upperBound: six), as: SIMD8<Float>.self)
            }
            for ch in (vectors * 8)..<c {
                var sum = bias[ch]
                for ky in kyStart..<kyEnd {
                    for kx in kxStart..<kxEnd {
                        sum += input[((y0 + ky) * width + x0 + kx) * c + ch] * weight[(ky * k + kx) * c + ch]
                    }
                }
                out[ch] = min(max(sum, 0), 6)
            }
        }
    }
}

/// im2col for a k×k convolution with TF "same" padding: (oh·ow, k·k·cin) rows, zero where the window leaves the
/// image. Column order is (ky, kx, cin), matching the stem's rearranged weight.
func im2col(
    _ input: UnsafePointer<Float>,  // (h, w, cin)
    _ columns: UnsafeMutablePointer<Float>,  // (oh·ow, k·k·cin)
    height: Int, width: Int, channels cin: Int, kernel k: Int, stride: Int
) {
    let (oh, padTop) = samePadding(size: height, kernel: k, stride: stride)
    let (ow, padLeft) = samePadding(size: width, kernel: k, stride: stride)
    let rowLength = k * k * cin
    for oy in 0..<oh {
        for ox in 0..<ow {
            let row = columns + (oy * ow + ox) * rowLength
            for ky in 0..<k {
                let y = oy * stride - padTop + ky
                for kx in 0..<k {
                    let x = ox * stride - padLeft + kx
                    let dst = row + (ky * k + kx) * cin
                    if y >= 0 && y < height && x >= 0 && x < width {
                        let src = input + (y * width + x) * cin
                        for ch in 0..<cin { dst[ch] = src[ch] }
                    } else {
                        for ch in 0..<cin { dst[ch] = 0 }
                    }
                }
            }
        }
    }
}
