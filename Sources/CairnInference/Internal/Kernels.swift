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

/// x (rows, channels) += bias, then ReLU6 when asked. Plain loops: LLVM vectorises them better than SIMD types.
func addBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, channels: Int, relu6: Bool) {
    for r in 0..<rows {
        let row = x + r * channels
        if relu6 {
            for c in 0..<channels { row[c] = min(max(row[c] + bias[c], 0), 6) }
        } else {
            for c in 0..<channels { row[c] += bias[c] }
        }
    }
}

/// Depthwise k×k convolution with TF "same" padding, bias and ReLU6, channels-last. For each output pixel, blocks of
/// 16 channels are accumulated in four SSE-width registers over all k×k taps and stored once; a tail of fewer than
/// 16 channels takes a plain loop.
func depthwise(
    _ input: UnsafePointer<Float>,  // (h, w, c)
    _ weight: UnsafePointer<Float>,  // (k, k, c)
    _ bias: UnsafePointer<Float>,  // (c)
    _ output: UnsafeMutablePointer<Float>,  // (oh, ow, c)
    height: Int, width: Int, channels c: Int, kernel k: Int, stride: Int
) {
    let (oh, padTop) = samePadding(size: height, kernel: k, stride: stride)
    let (ow, padLeft) = samePadding(size: width, kernel: k, stride: stride)
    let blocks = c / 16
    @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
    }
    @inline(__always) func store(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
        let clamped = pointwiseMin(pointwiseMax(v, SIMD4<Float>(repeating: 0)), SIMD4<Float>(repeating: 6))
        UnsafeMutableRawPointer(p).storeBytes(of: clamped, as: SIMD4<Float>.self)
    }
    for oy in 0..<oh {
        let y0 = oy * stride - padTop
        let kyStart = max(0, -y0), kyEnd = min(k, height - y0)
        for ox in 0..<ow {
            let x0 = ox * stride - padLeft
            let kxStart = max(0, -x0), kxEnd = min(k, width - x0)
            let dst = output + (oy * ow + ox) * c
            for block in 0..<blocks {
                let ch = block * 16
                var a0 = load(bias + ch), a1 = load(bias + ch + 4), a2 = load(bias + ch + 8), a3 = load(bias + ch + 12)
                for ky in kyStart..<kyEnd {
                    let inRow = input + ((y0 + ky) * width + x0) * c + ch
                    let wRow = weight + ky * k * c + ch
                    for kx in kxStart..<kxEnd {
                        let s = inRow + kx * c, w = wRow + kx * c
                        a0 += load(s) * load(w)
                        a1 += load(s + 4) * load(w + 4)
                        a2 += load(s + 8) * load(w + 8)
                        a3 += load(s + 12) * load(w + 12)
                    }
                }
                store(a0, dst + ch)
                store(a1, dst + ch + 4)
                store(a2, dst + ch + 8)
                store(a3, dst + ch + 12)
            }
            for ch in (blocks * 16)..<c {
                var sum = bias[ch]
                for ky in kyStart..<kyEnd {
                    for kx in kxStart..<kxEnd {
                        sum += input[((y0 + ky) * width + x0 + kx) * c + ch] * weight[(ky * k + kx) * c + ch]
                    }
                }
                dst[ch] = min(max(sum, 0), 6)
            }
        }
    }
}

/// x = min(max(x, 0), 6) over `count` floats.
func clampReLU6(_ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = min(max(x[i], 0), 6) }
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
