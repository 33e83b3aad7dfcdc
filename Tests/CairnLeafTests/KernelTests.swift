@testable import CairnInference
import Testing

/// The C convolution kernels (CKernels) of every instruction set this CPU runs, against plain loops in Double, on
/// the shapes the network never has: row counts that leave a partial register tile, output channels that leave a
/// partial vector, channel counts past the last whole vector, a kernel size without a vector path, and depthwise
/// convolutions run band by band.
@Suite struct KernelTests {
    /// Deterministic values in [-2, 2).
    struct Values {
        var state: UInt64
        mutating func next(_ count: Int) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(state >> 40) / Float(1 << 24) * 4 - 2
            }
        }
    }

    static let pointwiseShapes: [(rows: Int, cin: Int, cout: Int)] = [
        (1, 27, 32), (13, 16, 96), (50, 144, 40), (7, 96, 24), (25, 5, 3), (30, 500, 72), (12, 8, 16),
    ]

    @Test(arguments: InstructionSet.supported)
    func pointwiseMatchesPlainLoops(_ isa: InstructionSet) {
        var values = Values(state: 1)
        for (rows, cin, cout) in Self.pointwiseShapes {
            let input = values.next(rows * cin), weight = values.next(cin * cout), bias = values.next(cout)
            let residual = values.next(rows * cout)
            let packed = packPointwise(weight, bias: bias, cin: cin, cout: cout, for: isa)
            for relu6 in [false, true] {
                for withResidual in [false, true] {
                    var output = [Float](repeating: .nan, count: rows * cout + 1)
                    output[rows * cout] = 12345  // must survive: nothing written past the output
                    input.withUnsafeBufferPointer { x in
                        packed.withUnsafeBufferPointer { p in
                            residual.withUnsafeBufferPointer { r in
                                output.withUnsafeMutableBufferPointer { o in
                                    pointwise(x.baseAddress!, p.baseAddress!, o.baseAddress!, rows: rows, cin: cin, cout: cout,
                                              relu6: relu6, residual: withResidual ? r.baseAddress! : nil, instructionSet: isa)
                                }
                            }
                        }
                    }
                    var worst = 0.0
                    for r in 0..<rows {
                        for c in 0..<cout {
                            var sum = Double(bias[c])
                            for k in 0..<cin { sum += Double(input[r * cin + k]) * Double(weight[k * cout + c]) }
                            if relu6 { sum = min(max(sum, 0), 6) }
                            if withResidual { sum += Double(residual[r * cout + c]) }
                            worst = max(worst, abs(sum - Double(output[r * cout + c])))
                        }
                    }
                    #expect(worst < 1e-3, "\(isa) \(rows)×\(cin)→\(cout) relu6 \(relu6) residual \(withResidual): \(worst)")
                    #expect(output[rows * cout] == 12345, "\(isa) \(rows)×\(cin)→\(cout) wrote past its output")
                }
            }
        }
    }

    static let depthwiseShapes: [(size: Int, channels: Int, kernel: Int, stride: Int)] = [
        (15, 20, 5, 2), (9, 16, 7, 1), (8, 48, 5, 2), (6, 16, 5, 1), (11, 32, 3, 2), (12, 40, 3, 1),
    ]

    @Test(arguments: InstructionSet.supported)
    func depthwiseMatchesPlainLoopsWholeAndInBands(_ isa: InstructionSet) {
        var values = Values(state: 2)
        for (size, c, k, stride) in Self.depthwiseShapes {
            let input = values.next(size * size * c), weight = values.next(k * k * c), bias = values.next(c)
            let (out, padTop) = samePadding(size: size, kernel: k, stride: stride)
            var whole = [Float](repeating: .nan, count: out * out * c)
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        whole.withUnsafeMutableBufferPointer { o in
                            depthwise(x.baseAddress!, w.baseAddress!, b.baseAddress!, o.baseAddress!, height: size,
                                      width: size, channels: c, kernel: k, stride: stride, instructionSet: isa)
                        }
                    }
                }
            }
            var worst = 0.0
            for oy in 0..<out {
                for ox in 0..<out {
                    for ch in 0..<c {
                        var sum = Double(bias[ch])
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let y = oy * stride - padTop + ky, x = ox * stride - padTop + kx
                                guard y >= 0, y < size, x >= 0, x < size else { continue }
                                sum += Double(input[(y * size + x) * c + ch]) * Double(weight[(ky * k + kx) * c + ch])
                            }
                        }
                        worst = max(worst, abs(min(max(sum, 0), 6) - Double(whole[(oy * out + ox) * c + ch])))
                    }
                }
            }
            #expect(worst < 1e-4, "\(isa) depthwise \(size)² × \(c), \(k)×\(k) stride \(stride): \(worst)")

            // Band by band, each band given only the input rows it needs (the rest of its buffer NaN): the same
            // numbers exactly.
            for bandRows in [1, 3, 5] {
                var banded = [Float](repeating: .nan, count: out * out * c)
                for oy0 in Swift.stride(from: 0, to: out, by: bandRows) {
                    let rows = oy0..<min(out, oy0 + bandRows)
                    let (first, last) = depthwiseInputRows(height: size, kernel: k, stride: stride, outputRows: rows)
                    var band = [Float](repeating: .nan, count: size * size * c)
                    band.replaceSubrange(0..<((last - first + 1) * size * c),
                                         with: input[(first * size * c)..<((last + 1) * size * c)])
                    band.withUnsafeBufferPointer { x in
                        weight.withUnsafeBufferPointer { w in
                            bias.withUnsafeBufferPointer { b in
                                banded.withUnsafeMutableBufferPointer { o in
                                    depthwiseRows(x.baseAddress!, firstRow: first, w.baseAddress!, b.baseAddress!,
                                                  o.baseAddress!, height: size, width: size, channels: c, kernel: k,
                                                  stride: stride, outputRows: rows, instructionSet: isa)
                                }
                            }
                        }
                    }
                }
                #expect(banded == whole, "\(isa) depthwise \(size)² × \(c), \(k)×\(k) stride \(stride) in bands of \(bandRows)")
            }
        }
    }
}
