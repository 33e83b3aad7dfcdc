import ArgumentParser
import CairnImaging
import CairnInference
import Foundation

extension CairnBench {
    struct Preprocess: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes the backbone's 224×224×3 RGB input bytes for a photo (for tools/reference_numpy.py).")

        @Argument var photo: String
        @Argument var output: String
        @Option(help: "squash or center-crop.") var framing = "squash"

        func run() throws {
            let data = try Data(contentsOf: URL(fileURLWithPath: photo))
            let facts = data.withUnsafeBytes { CairnEXIFBridge.orientation($0) }
            let image = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 224, orientation: facts) }
            guard let mode = DecodedImage.Framing(rawValue: framing) else { throw ValidationError("unknown framing \(framing)") }
            try Data(image.networkInput(framing: mode)).write(to: URL(fileURLWithPath: output))
        }
    }

    struct Classify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Top-5 ImageNet classes of photos, and the time per image.")

        @Option(help: "The converted model.") var model = "models/efficientnet-lite0.safetensors"
        @Option(help: "Class names, one per line.") var classes = "Plugins/SceneTagger/imagenet_classes.txt"
        @Option(help: "squash or center-crop.") var framing = "squash"
        @Flag(help: "Decode HEIF/AVIF at full size even when it has a thumbnail large enough.") var noThumbnails = false
        @Flag(help: "Also run each photo decoded at full size and say how far the outputs move.") var compareFullSize = false
        @Argument var photos: [String]

        func run() throws {
            let start = Date()
            let network = try EfficientNetLite0(path: model)
            print(String(format: "model loaded in %.0f ms: %@", Date().timeIntervalSince(start) * 1000, network.version))
            let names = (try? String(contentsOfFile: classes, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
            let session = BackboneSession(model: network)
            guard let mode = DecodedImage.Framing(rawValue: framing) else { throw ValidationError("unknown framing \(framing)") }
            for photo in photos {
                let data = try Data(contentsOf: URL(fileURLWithPath: photo))
                let orientation = data.withUnsafeBytes { CairnEXIFBridge.orientation($0) }
                let image = try data.withUnsafeBytes { try ImageDecoder(useThumbnails: !noThumbnails).decode($0, minShortSide: 224, orientation: orientation) }
                let input = BackboneInput.normalised(image.networkInput(framing: mode))
                let t0 = DispatchTime.now().uptimeNanoseconds
                let output = session.run([input])[0]
                let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                let top = output.logits.enumerated().sorted { $0.element > $1.element }.prefix(5)
                let labels = top.map { names.indices.contains($0.offset) ? names[$0.offset] : "#\($0.offset)" }
                var line = "\(URL(fileURLWithPath: photo).lastPathComponent) \(image.width)×\(image.height): \(labels.joined(separator: ", "))  (\(String(format: "%.1f", ms)) ms)"
                if compareFullSize {
                    // The same photo decoded at full size (HEIF without its thumbnail): how far the outputs move.
                    let full = try data.withUnsafeBytes {
                        try ImageDecoder(useThumbnails: false).decode($0, minShortSide: 224, orientation: orientation)
                    }
                    let other = session.run([BackboneInput.normalised(full.networkInput(framing: mode))])[0]
                    let dot = zip(output.features, other.features).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                    let norms = [output.features, other.features].map { $0.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot() }
                    let otherTop = other.logits.enumerated().sorted { $0.element > $1.element }.prefix(5).map(\.offset)
                    line += String(format: "  | full %d×%d: feature cosine %.4f, top-1 %@, top-5 overlap %d/5", full.width,
                        full.height, dot / (norms[0] * norms[1]), otherTop.first == top.first?.offset ? "same" : "differs",
                        Set(otherTop).intersection(top.map(\.offset)).count)
                }
                print(line)
            }
        }
    }
}
