import CairnImaging
import CairnInference
import CairnTesting
import Foundation
import Testing

/// The Swift backbone against NumPy's float64 reference (tools/reference_numpy.py) on real photos.
@Suite struct BackboneTests {
    struct Reference: Decodable {
        struct Photo: Decodable {
            var photo: String
            var input_sha256: String
            var top5: [Int]
            var logits: [Float]
            var features: [Float]
        }
        var weights_sha256: String
        var photos: [Photo]
    }

    static let modelPath = TestPaths.repositoryRoot.appendingPathComponent("models/efficientnet-lite0.safetensors").path
    static let model: EfficientNetLite0? = try? EfficientNetLite0(path: modelPath)
    /// The model with its weights packed for each instruction set this CPU can run: every kernel build is checked
    /// against the reference, not only the one this machine would choose.
    static let models: [InstructionSet: EfficientNetLite0] = Dictionary(
        uniqueKeysWithValues: InstructionSet.supported.compactMap {
            isa in (try? EfficientNetLite0(path: modelPath, instructionSet: isa)).map { (isa, $0) }
        })
    static let reference: Reference? = {
        let url = TestPaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/backbone-reference.json")
        return (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode(Reference.self, from: $0) }
    }()

    static func sha256(_ bytes: [UInt8]) throws -> String {
        let folder = TemporaryDirectory()
        let path = try folder.write(bytes, to: "input.rgb")
        let result = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/sha256sum"), [path])
        return String(result.stdout.prefix(64))
    }

    /// The photo as `cairn-bench preprocess` prepared it for the reference: decoded, upright, squashed to 224².
    static func input(_ relative: String) throws -> [UInt8] {
        let data = try Data(contentsOf: TestPaths.data(relative))
        let image = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 224) }
        return image.networkInput(framing: .squash)
    }

    @Test func modelAndFixturesArePresent() throws {
        #expect(Self.model != nil, "run scripts/fetch-model.sh")
        #expect(Self.reference?.photos.count ?? 0 >= 8)
    }

    @Test(arguments: reference?.photos.map(\.photo) ?? [], InstructionSet.supported)
    func matchesTheIndependentReference(_ photo: String, _ instructionSet: InstructionSet) throws {
        let model = try #require(Self.models[instructionSet])
        #expect(model.instructionSet == instructionSet)
        let expected = try #require(Self.reference?.photos.first { $0.photo == photo })
        let bytes = try Self.input(photo)
        #expect(try Self.sha256(bytes) == expected.input_sha256, "preprocessing changed; regenerate the fixture")
        let output = BackboneSession(model: model).run([BackboneInput.normalised(bytes)])[0]
        let maxDifference = zip(output.logits, expected.logits).map { abs($0 - $1) }.max() ?? .infinity
        #expect(maxDifference <= 1e-3, "max |logit difference| \(maxDifference)")
        let dot = zip(output.features, expected.features).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        let norms =
            (output.features.reduce(0) { $0 + Double($1 * $1) } * expected.features.reduce(0) { $0 + Double($1 * $1) })
            .squareRoot()
        #expect(dot / norms >= 0.99999, "feature cosine \(dot / norms)")
        let top5 = output.logits.enumerated().sorted { $0.element > $1.element }.prefix(5).map(\.offset)
        #expect(top5 == expected.top5)
    }

    @Test func batchesGiveTheSameAnswersAsSingleImages() throws {
        let model = try #require(Self.model)
        let photos = [
            "distractors-dev/n03063599_coffee_mug.jpg", "distractors-dev/n02123597_Siamese_cat.jpg",
            "landmarks-dev/taj_mahal/06fca5aa601f.jpg",
        ]
        let inputs = try photos.map { BackboneInput.normalised(try Self.input($0)) }
        let session = BackboneSession(model: model, batchSize: 4)
        let batched = session.run(inputs)
        for (i, input) in inputs.enumerated() {
            let single = BackboneSession(model: model).run([input])[0]
            let difference = zip(single.logits, batched[i].logits).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference < 1e-4)
        }
        // The session is reusable: a second run on the same arena gives the same result.
        #expect(session.run(inputs)[1].logits == batched[1].logits)
    }

    @Test func sanityOnRealPhotos() throws {
        let model = try #require(Self.model)
        let session = BackboneSession(model: model)
        func top(_ photo: String) throws -> Int {
            let logits = session.run([BackboneInput.normalised(try Self.input(photo))])[0].logits
            return logits.indices.max { logits[$0] < logits[$1] }!
        }
        // coffee mug, espresso, cup
        #expect([504, 967, 968].contains(try top("distractors-dev/n03063599_coffee_mug.jpg")))
        #expect((281...285).contains(try top("distractors-dev/n02123597_Siamese_cat.jpg")))  // a domestic cat class
    }

    /// Shapes and offsets are checked with explicit, overflow-checked arithmetic (the module is built with
    /// -Ounchecked, where `*` wraps silently): a crafted header is refused with a reason, not read out of bounds.
    @Test(arguments: [
        ("[-2, -2]", "[0, 16]", "tensor t has an impossible shape [-2, -2]"),
        ("[4611686018427387904, 4]", "[0, 0]", "tensor t has an impossible shape [4611686018427387904, 4]"),
        ("[2305843009213693952]", "[0, 0]", "tensor t: byte range does not match its shape [2305843009213693952]"),
        ("[2]", "[9223372036854775800, 9223372036854775808]", "tensor t has a malformed header entry"),
        ("[2]", "[9223372036854775800, -9223372036854775808]", "tensor t: byte range does not match its shape [2]"),
        ("[4]", "[0, 16]", nil),
    ])
    func craftedTensorHeadersAreRefused(_ shape: String, _ offsets: String, _ reason: String?) throws {
        let folder = TemporaryDirectory()
        let header = Array(#"{"t":{"dtype":"F32","shape":\#(shape),"data_offsets":\#(offsets)}}"#.utf8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
        bytes += [UInt8](repeating: 0, count: 16)
        let path = try folder.write(bytes, to: "crafted.safetensors")
        if let reason {
            let error = #expect(throws: ModelError.self) { try TensorFile(path: path) }
            #expect(error?.message == reason)
        } else {
            #expect(try TensorFile(path: path).tensor("t", shape: [4]).count == 4)
        }
    }

    /// The model's own shapes decide its blocks: a crafted one (a 0-d expansion, a 0-wide kernel) is refused with a
    /// reason before anything is indexed by it.
    @Test(arguments: [
        ("_blocks.1._expand_conv.weight", "[]", 1, "block 1 has an expansion of shape []"),
        ("_blocks.2._depthwise_conv.weight", "[144, 1, 0, 0]", 0, "block 2 has a 0-wide depthwise kernel, not 3 or 5"),
    ])
    func craftedModelShapesAreRefused(_ tensor: String, _ shape: String, _ count: Int, _ reason: String) throws {
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.modelPath)))
        let length = Int(whole.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        var header = try #require(
            try JSONSerialization.jsonObject(with: Data(whole[8..<(8 + length)])) as? [String: Any])
        var entry = try #require(header[tensor] as? [String: Any])
        let start = try #require(entry["data_offsets"] as? [Int])[0]
        entry["shape"] = try JSONSerialization.jsonObject(with: Data(shape.utf8))
        entry["data_offsets"] = [start, start + 4 * count]
        header[tensor] = entry
        var text = [UInt8](try JSONSerialization.data(withJSONObject: header))
        #expect(text.count <= length)
        text += [UInt8](repeating: UInt8(ascii: " "), count: length - text.count)
        let folder = TemporaryDirectory()
        let path = try folder.write(Array(whole[0..<8]) + text + Array(whole[(8 + length)...]), to: "m.safetensors")
        let error = #expect(throws: ModelError.self) { try EfficientNetLite0(path: path) }
        #expect(error?.message == reason)
    }

    @Test func missingTruncatedOrForeignModelFilesAreRefused() throws {
        let folder = TemporaryDirectory()
        let missing = #expect(throws: ModelError.self) { try EfficientNetLite0(path: folder.file("none.safetensors")) }
        #expect(missing?.message == "model file is missing; run scripts/fetch-model.sh")

        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.modelPath))
        let truncated = try folder.write(Array(whole.prefix(whole.count / 2)), to: "truncated.safetensors")
        let cut = #expect(throws: ModelError.self) { try EfficientNetLite0(path: truncated) }
        #expect(cut?.message.hasPrefix("file is truncated: tensor ") == true)

        let photo = try folder.copy(TestPaths.data("distractors-dev/n01440764_tench.jpg"), to: "photo.safetensors")
        let foreign = #expect(throws: ModelError.self) { try EfficientNetLite0(path: photo) }
        #expect(foreign?.message.hasPrefix("not a safetensors file") == true)
    }
}
