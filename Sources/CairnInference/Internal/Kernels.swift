import CKernels

/// Small free functions over the C kernels (CKernels: pointwise and depthwise convolutions per instruction set)
/// and the few loops that stay in Swift.

/// TensorFlow "same" padding: (output size, padding before) for an input of `size` (extra padding goes after).
@inline(__always)
func samePadding(size: Int, kernel: Int, stride: Int) -> (output: Int, before: Int) {
    let output = (size + stride - 1) / stride
    let total = max((output - 1) * stride + kernel - size, 0)
    return (output, total / 2)
}

/// Packs a pointwise convolution's weight (cin, cout) and bias (cout) into the layout of `instructionSet`'s kernel.
func packPointwise(_ weight: [Float], bias: [Float], cin: Int, cout: Int, for instructionSet: InstructionSet) -> [Float] {
    require(weight.count == cin * cout && bias.count == cout, "pointwise weight (cin, cout) and bias (cout)")
    let count = cairn_pointwise_packed_count(instructionSet.isa, Int32(cin), Int32(cout))
    var packed = [Float](repeating: 0, count: count)
    packed.withUnsafeMutableBufferPointer { p in
        cairn_pointwise_pack(instructionSet.isa, weight, bias, Int32(cin), Int32(cout), p.baseAddress!)
    }
    return packed
}

/// out (rows, cout) = input (rows, cin) · W + b, then ReLU6 when asked, then + residual (rows, cout) when given;
/// W and b packed by `packPointwise` for the same instruction set. Bias, activation and residual add happen while
/// the tile is still in registers: no extra pass over the activations.
@inline(__always)
func pointwise(
    _ input: UnsafePointer<Float>,  // (rows, cin)
    _ packed: UnsafePointer<Float>,  // packPointwise(weight (cin, cout), bias (cout))
    _ output: UnsafeMutablePointer<Float>,  // (rows, cout)
    rows: Int, cin: Int, cout: Int, relu6: Bool, residual: UnsafePointer<Float>? = nil,
    instructionSet: InstructionSet
) {
    cairn_pointwise(
        instructionSet.isa, input, Int32(rows), Int32(cin), packed, Int32(cout), relu6 ? 1 : 0, residual, output)
}

/// Depthwise k×k convolution with TF "same" padding, bias and ReLU6, channels-last.
@inline(__always)
func depthwise(
    _ input: UnsafePointer<Float>,  // (h, w, c)
    _ weight: UnsafePointer<Float>,  // (k, k, c)
    _ bias: UnsafePointer<Float>,  // (c)
    _ output: UnsafeMutablePointer<Float>,  // (⌈h/stride⌉, ⌈w/stride⌉, c)
    height: Int, width: Int, channels: Int, kernel: Int, stride: Int, instructionSet: InstructionSet
) {
    cairn_depthwise(
        instructionSet.isa, input, Int32(height), Int32(width), Int32(channels), weight, bias, Int32(kernel),
        Int32(stride), output)
}

/// Output rows `outputRows` of a depthwise convolution over an image of `height` rows, reading only the input rows
/// they need, which `input` holds starting with row `firstRow` (see `depthwiseInputRows`).
@inline(__always)
func depthwiseRows(
    _ input: UnsafePointer<Float>,  // (rows firstRow…, w, c)
    firstRow: Int,
    _ weight: UnsafePointer<Float>,  // (k, k, c)
    _ bias: UnsafePointer<Float>,  // (c)
    _ output: UnsafeMutablePointer<Float>,  // the whole (⌈h/stride⌉, ⌈w/stride⌉, c)
    height: Int, width: Int, channels: Int, kernel: Int, stride: Int, outputRows: Range<Int>,
    instructionSet: InstructionSet
) {
    cairn_depthwise_rows(
        instructionSet.isa, input, Int32(firstRow), Int32(height), Int32(width), Int32(channels), weight, bias,
        Int32(kernel), Int32(stride), Int32(outputRows.lowerBound), Int32(outputRows.upperBound), output)
}

/// The input rows (first and last, inclusive, within the image) that a depthwise convolution's `outputRows` read.
func depthwiseInputRows(height: Int, kernel: Int, stride: Int, outputRows: Range<Int>) -> (first: Int, last: Int) {
    var first: Int32 = 0, last: Int32 = 0
    cairn_depthwise_input_rows(
        Int32(height), Int32(kernel), Int32(stride), Int32(outputRows.lowerBound), Int32(outputRows.upperBound),
        &first, &last)
    return (Int(first), Int(last))
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
