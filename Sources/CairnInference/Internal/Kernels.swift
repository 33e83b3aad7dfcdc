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

/// Depthwise k×k convolution with TF "same" padding, bias and ReLU6, channels-last. Row by row: the output row
/// starts as the bias, each of the k×k taps adds input × weight across the whole row (a straight loop over
/// contiguous channels, which LLVM vectorises), then ReLU6 clamps it.
func depthwise(
    _ input: UnsafePointer<Float>,  // (h, w, c)
    _ weight: UnsafePointer<Float>,  // (k, k, c)
    _ bias: UnsafePointer<Float>,  // (c)
    _ output: UnsafeMutablePointer<Float>,  // (oh, ow, c)
    height: Int, width: Int, channels c: Int, kernel k: Int, stride: Int
) {
    let (oh, padTop) = samePadding(size: height, kernel: k, stride: stride)
    let (ow, padLeft) = samePadding(size: width, kernel: k, stride: stride)
    for oy in 0..<oh {
        let outRow = output + oy * ow * c
        for ox in 0..<ow { (outRow + ox * c).update(from: bias, count: c) }
        for ky in 0..<k {
            let y = oy * stride - padTop + ky
            guard y >= 0 && y < height else { continue }
            let inRow = input + y * width * c
            for kx in 0..<k {
                let tap = weight + (ky * k + kx) * c
                // Output columns whose input column x = ox·stride − padLeft + kx lies inside the image.
                let first = max(0, (padLeft - kx + stride - 1) / stride)
                let last = min(ow - 1, (width - 1 + padLeft - kx) / stride)
                guard first <= last else { continue }
                for ox in first...last {
                    let src = inRow + (ox * stride - padLeft + kx) * c
                    let dst = outRow + ox * c
                    for ch in 0..<c { dst[ch] += src[ch] * tap[ch] }
                }
            }
        }
        clampReLU6(outRow, count: ow * c)
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
