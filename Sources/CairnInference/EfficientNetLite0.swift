import Foundation

/// EfficientNet-Lite0 with ImageNet weights: the backbone every photo goes through once. Batch norm is folded into
/// the convolutions at load, and the weights are packed for the instruction set's kernels (CKernels: pointwise
/// convolutions as register-tiled matrix products with bias, ReLU6 and the residual add fused; depthwise
/// convolutions over channel vectors), all over channels-last activations. The loaded model is immutable and
/// shared; each worker runs it through its own `BackboneSession`, whose preallocated arena means no allocation per
/// image.
public final class EfficientNetLite0: Sendable {
    public static let inputSize = 224
    public static let featureCount = 1280
    public static let classCount = 1000
    /// Batch norm epsilon of the TensorFlow-trained weights.
    static let epsilon: Float = 1e-3
    /// Blocks that halve the resolution (the first block of stages 2, 3, 4 and 6).
    static let strideTwoBlocks: Set<Int> = [1, 3, 5, 11]

    /// The model file's identity: its name and content hash; stored as part of every recognizer version.
    public let version: String
    /// The kernels' instruction set, which the weights are packed for.
    public let instructionSet: InstructionSet

    struct Conv: Sendable {
        var packed: [Float]  // packPointwise of weight (cin, cout) — (k·k·cin, cout) for the stem — and bias (cout)
        var cin: Int
        var cout: Int
    }

    struct Depthwise: Sendable {
        var weight: [Float]  // (k, k, c)
        var bias: [Float]  // (c)
        var channels: Int
        var kernel: Int
        var stride: Int
    }

    struct Block: Sendable {
        var expand: Conv?
        var depthwise: Depthwise
        var project: Conv
        var residual: Bool
        /// Output rows per band of the expansion and depthwise convolution (all of them: no banding); set at load.
        var bandRows = 0
    }

    let stem: Conv
    let blocks: [Block]
    let head: Conv
    let classifier: Conv  // weight (1280, 1000)
    /// The largest activation of one image, in floats, for sizing arenas.
    let largestActivation: Int

    /// Loads and validates the model; a missing, truncated or foreign file is refused with the reason. The kernels
    /// use `instructionSet` (the best the CPU has unless a test asks for another; one it lacks falls back to best).
    public convenience init(path: String, instructionSet: InstructionSet = .best) throws(ModelError) {
        try self.init(file: try TensorFile(path: path), instructionSet: instructionSet)
    }

    public init(file: TensorFile, instructionSet requested: InstructionSet = .best) throws(ModelError) {
        let isa = requested.rawValue <= InstructionSet.best.rawValue ? requested : .best
        instructionSet = isa
        version = "efficientnet-lite0/" + (try Self.fingerprint(file.path))
        stem = try Self.convolution(file, "_conv_stem.weight", bn: "_bn0", cin: 3, cout: 32, kernel: 3, isa: isa)
        var blocks: [Block] = []
        var channels = 32
        var index = 0
        while file.has("_blocks.\(index)._depthwise_conv.weight") {
            let prefix = "_blocks.\(index)."
            var expanded = channels
            var expand: Conv?
            // Shapes are read from the file, so each is checked before it is indexed: this module is built with
            // -Ounchecked, where an index past an array's end is not caught.
            if let shape = file.entries[prefix + "_expand_conv.weight"]?.shape {
                guard shape.count == 4, shape[0] > 0 else {
                    throw ModelError(path: file.path, message: "block \(index) has an expansion of shape \(shape)")
                }
                expanded = shape[0]
                expand = try Self.convolution(
                    file, prefix + "_expand_conv.weight", bn: prefix + "_bn0", cin: channels, cout: expanded, kernel: 1,
                    isa: isa)
            }
            guard let dwShape = file.entries[prefix + "_depthwise_conv.weight"]?.shape, dwShape.count == 4 else {
                throw ModelError(path: file.path, message: "block \(index) has no depthwise convolution")
            }
            guard [3, 5].contains(dwShape[2]) else {
                throw ModelError(
                    path: file.path, message: "block \(index) has a \(dwShape[2])-wide depthwise kernel, not 3 or 5")
            }
            let depthwise = try Self.depthwise(
                file, prefix + "_depthwise_conv.weight", bn: prefix + "_bn1", channels: expanded, kernel: dwShape[2],
                stride: Self.strideTwoBlocks.contains(index) ? 2 : 1)
            guard let projectShape = file.entries[prefix + "_project_conv.weight"]?.shape, projectShape.count == 4,
                projectShape[0] > 0
            else {
                throw ModelError(path: file.path, message: "block \(index) has no projection")
            }
            let project = try Self.convolution(
                file, prefix + "_project_conv.weight", bn: prefix + "_bn2", cin: expanded, cout: projectShape[0],
                kernel: 1,
                isa: isa)
            blocks.append(
                Block(
                    expand: expand, depthwise: depthwise, project: project,
                    residual: depthwise.stride == 1 && channels == project.cout))
            channels = project.cout
            index += 1
        }
        guard blocks.count == 16, channels == 320 else {
            throw ModelError(
                path: file.path,
                message:
                    "found \(blocks.count) blocks ending in \(channels) channels; EfficientNet-Lite0 has 16 ending in 320"
            )
        }
        // Each block's bands, and the widest activation of one image across the network (an expansion run band by
        // band counts one band).
        var size = Self.inputSize / 2, largest = size * size * 32
        for i in blocks.indices {
            let dw = blocks[i].depthwise
            let out = (size + dw.stride - 1) / dw.stride
            let rows = Self.bandRows(size: size, channels: dw.channels, kernel: dw.kernel, stride: dw.stride)
            blocks[i].bandRows = rows
            let expandedRows = rows >= out ? size : min(size, (rows - 1) * dw.stride + dw.kernel)
            largest = max(largest, expandedRows * size * dw.channels, out * out * dw.channels)
            size = out
        }
        self.blocks = blocks
        head = try Self.convolution(file, "_conv_head.weight", bn: "_bn1", cin: 320, cout: 1280, kernel: 1, isa: isa)
        let fc = try file.tensor("_fc.weight", shape: [1000, 1280])  // (out, in)
        let fcBias = try file.tensor("_fc.bias", shape: [1000])
        var transposed = [Float](repeating: 0, count: 1280 * 1000)
        for o in 0..<1000 { for i in 0..<1280 { transposed[i * 1000 + o] = fc[o * 1280 + i] } }
        classifier = Conv(
            packed: packPointwise(transposed, bias: Array(fcBias), cin: 1280, cout: 1000, for: isa), cin: 1280,
            cout: 1000)

        largestActivation = max(largest, 7 * 7 * 1280)
    }

    /// The most bytes of expanded rows a band may hold: expanded activations larger than this (the 112×112 and
    /// 56×56 ones, up to 4.8 MB) are expanded and convolved band by band, so the band is still in the core's cache
    /// when the depthwise convolution reads it.
    static let bandBudget = 1 << 20

    /// Output rows per band of a block's expansion and depthwise convolution: all of them when the expanded
    /// activation is within the budget, else as many as keep a band's input rows within it.
    static func bandRows(size: Int, channels: Int, kernel: Int, stride: Int) -> Int {
        let out = (size + stride - 1) / stride
        let rowBytes = size * channels * MemoryLayout<Float>.size
        guard size * rowBytes > bandBudget else { return out }
        let rows = max(kernel, bandBudget / rowBytes)  // input rows of b output rows: (b − 1)·stride + kernel
        return min(out, max(1, (rows - kernel) / stride + 1))
    }

    // MARK: Loading

    /// A convolution with its batch norm folded in: W' = W·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε).
    private static func convolution(
        _ file: TensorFile, _ name: String, bn: String, cin: Int, cout: Int, kernel k: Int, isa: InstructionSet
    ) throws(ModelError) -> Conv {
        let weight = try file.tensor(name, shape: [cout, cin, k, k])  // (cout, cin, kh, kw)
        let (scale, shift) = try batchNorm(file, bn, channels: cout)
        var folded = [Float](repeating: 0, count: k * k * cin * cout)  // ((ky·k + kx)·cin + ci, co)
        for co in 0..<cout {
            for ci in 0..<cin {
                for ky in 0..<k {
                    for kx in 0..<k {
                        folded[((ky * k + kx) * cin + ci) * cout + co] =
                            weight[((co * cin + ci) * k + ky) * k + kx] * scale[co]
                    }
                }
            }
        }
        return Conv(
            packed: packPointwise(folded, bias: shift, cin: k * k * cin, cout: cout, for: isa), cin: k * k * cin,
            cout: cout)
    }

    private static func depthwise(
        _ file: TensorFile, _ name: String, bn: String, channels c: Int, kernel k: Int, stride: Int
    ) throws(ModelError) -> Depthwise {
        let weight = try file.tensor(name, shape: [c, 1, k, k])
        let (scale, shift) = try batchNorm(file, bn, channels: c)
        var folded = [Float](repeating: 0, count: k * k * c)  // (ky, kx, c)
        for ch in 0..<c {
            for i in 0..<(k * k) { folded[i * c + ch] = weight[ch * k * k + i] * scale[ch] }
        }
        return Depthwise(weight: folded, bias: shift, channels: c, kernel: k, stride: stride)
    }

    private static func batchNorm(
        _ file: TensorFile, _ prefix: String, channels: Int
    ) throws(ModelError) -> ([Float], [Float]) {
        let gamma = try file.tensor(prefix + ".weight", shape: [channels])
        let beta = try file.tensor(prefix + ".bias", shape: [channels])
        let mean = try file.tensor(prefix + ".running_mean", shape: [channels])
        let variance = try file.tensor(prefix + ".running_var", shape: [channels])
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for c in 0..<channels {
            scale[c] = gamma[c] / (variance[c] + epsilon).squareRoot()
            shift[c] = beta[c] - mean[c] * scale[c]
        }
        return (scale, shift)
    }

    /// The model file's name and a 64-bit content fingerprint.
    private static func fingerprint(_ path: String) throws(ModelError) -> String {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw ModelError(path: path, message: "cannot read the model file")
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { bytes in
            for i in 0..<(bytes.count / 8) {
                hash = (hash ^ bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x0000_0100_0000_01B3
            }
        }
        return String(hash, radix: 16)
    }
}

/// The backbone's outputs for one image.
public struct BackboneOutput: Sendable {
    /// Global-average-pooled head activations, 1280 values.
    public var features: [Float]
    /// ImageNet-1k logits, 1000 values.
    public var logits: [Float]
}

/// Runs the model on batches of up to `batchSize` images with buffers allocated once. Not thread-safe: give each
/// worker its own session (it is Sendable only so a worker task can own it).
public final class BackboneSession: @unchecked Sendable {
    public let model: EfficientNetLite0
    public let batchSize: Int
    private var current: [Float]
    private var expanded: [Float]
    private var depthwiseOut: [Float]
    private var projected: [Float]
    private var columns: [Float]
    private var pooled: [Float]
    private var logits: [Float]

    public init(model: EfficientNetLite0, batchSize: Int = 1) {
        require(batchSize >= 1, "batch size must be at least 1")
        self.model = model
        self.batchSize = batchSize
        let activation = model.largestActivation * batchSize
        current = [Float](repeating: 0, count: activation)
        expanded = current
        depthwiseOut = current
        projected = current
        columns = [Float](repeating: 0, count: 112 * 112 * 27 * batchSize)
        pooled = [Float](repeating: 0, count: EfficientNetLite0.featureCount * batchSize)
        logits = [Float](repeating: 0, count: EfficientNetLite0.classCount * batchSize)
    }

    /// Runs the network on `inputs`, each 224×224×3 channels-last floats already normalised ((v − 127) / 128).
    public func run(_ inputs: [[Float]]) -> [BackboneOutput] {
        require(inputs.count >= 1 && inputs.count <= batchSize, "between 1 and \(batchSize) images")
        require(inputs.allSatisfy { $0.count == 224 * 224 * 3 }, "inputs must be 224×224×3")
        let n = inputs.count
        let m = model
        var outputs: [BackboneOutput] = []
        current.withUnsafeMutableBufferPointer { x in
            expanded.withUnsafeMutableBufferPointer { e in
                depthwiseOut.withUnsafeMutableBufferPointer { d in
                    projected.withUnsafeMutableBufferPointer { p in
                        columns.withUnsafeMutableBufferPointer { cols in
                            var x = x.baseAddress!, p = p.baseAddress!
                            let e = e.baseAddress!, d = d.baseAddress!
                            // Stem: im2col, then one pointwise kernel over the batch.
                            for (i, input) in inputs.enumerated() {
                                input.withUnsafeBufferPointer {
                                    im2col(
                                        $0.baseAddress!, cols.baseAddress! + i * 112 * 112 * 27,
                                        height: 224, width: 224, channels: 3, kernel: 3, stride: 2)
                                }
                            }
                            let isa = m.instructionSet
                            Self.apply(m.stem, cols.baseAddress!, x, rows: n * 112 * 112, relu6: true, isa: isa)
                            var size = 112, channels = 32
                            for block in m.blocks {
                                let dw = block.depthwise, ce = dw.channels, stride = dw.stride
                                let out = (size + stride - 1) / stride
                                let bandRows = block.bandRows
                                dw.weight.withUnsafeBufferPointer { w in
                                    dw.bias.withUnsafeBufferPointer { b in
                                        if let expand = block.expand, bandRows < out {
                                            // Expansion and depthwise band by band, image by image: a band's
                                            // expanded rows are still in cache when the depthwise reads them.
                                            for i in 0..<n {
                                                let image = UnsafePointer(x) + i * size * size * channels
                                                for oy0 in Swift.stride(from: 0, to: out, by: bandRows) {
                                                    let oy1 = min(out, oy0 + bandRows)
                                                    let (first, last) = depthwiseInputRows(
                                                        height: size, kernel: dw.kernel, stride: stride,
                                                        outputRows: oy0..<oy1)
                                                    Self.apply(
                                                        expand, image + first * size * channels, e,
                                                        rows: (last - first + 1) * size, relu6: true, isa: isa)
                                                    depthwiseRows(
                                                        e, firstRow: first, w.baseAddress!, b.baseAddress!,
                                                        d + i * out * out * ce, height: size, width: size, channels: ce,
                                                        kernel: dw.kernel, stride: stride, outputRows: oy0..<oy1,
                                                        instructionSet: isa)
                                                }
                                            }
                                        } else {
                                            var source = UnsafePointer(x)
                                            if let expand = block.expand {
                                                Self.apply(
                                                    expand, source, e, rows: n * size * size, relu6: true, isa: isa)
                                                source = UnsafePointer(e)
                                            }
                                            for i in 0..<n {
                                                depthwise(
                                                    source + i * size * size * ce, w.baseAddress!, b.baseAddress!,
                                                    d + i * out * out * ce, height: size, width: size, channels: ce,
                                                    kernel: dw.kernel, stride: stride, instructionSet: isa)
                                            }
                                        }
                                    }
                                }
                                // The residual add happens inside the projection's kernel.
                                Self.apply(
                                    block.project, d, p, rows: n * out * out, relu6: false,
                                    residual: block.residual ? UnsafePointer(x) : nil, isa: isa)
                                swap(&x, &p)
                                size = out
                                channels = block.project.cout
                            }
                            require(channels == 320 && size == 7, "network shape")
                            // Head, pool, classifier.
                            Self.apply(m.head, x, e, rows: n * 49, relu6: true, isa: isa)
                            pooled.withUnsafeMutableBufferPointer { pool in
                                for i in 0..<n {
                                    for c in 0..<1280 {
                                        var sum: Float = 0
                                        for r in 0..<49 { sum += e[(i * 49 + r) * 1280 + c] }
                                        pool[i * 1280 + c] = sum / 49
                                    }
                                }
                                logits.withUnsafeMutableBufferPointer { out in
                                    Self.apply(
                                        m.classifier, pool.baseAddress!, out.baseAddress!, rows: n, relu6: false,
                                        isa: isa)
                                    for i in 0..<n {
                                        outputs.append(
                                            BackboneOutput(
                                                features: Array(pool[(i * 1280)..<((i + 1) * 1280)]),
                                                logits: Array(out[(i * 1000)..<((i + 1) * 1000)])))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return outputs
    }

    private static func apply(
        _ conv: EfficientNetLite0.Conv, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
        rows: Int, relu6: Bool, residual: UnsafePointer<Float>? = nil, isa: InstructionSet
    ) {
        conv.packed.withUnsafeBufferPointer { w in
            pointwise(
                input, w.baseAddress!, output, rows: rows, cin: conv.cin, cout: conv.cout, relu6: relu6,
                residual: residual, instructionSet: isa)
        }
    }
}
