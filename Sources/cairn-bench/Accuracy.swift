import ArgumentParser
import CairnImaging
import CairnInference
import Foundation

extension CairnBench {
    struct Accuracy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "ImageNet top-1/top-5 accuracy on photos named after their synset (n01440764_tench.jpg).",
            discussion: "Used to choose between squashing and centre-cropping photos into the 224×224 input.")

        @Option(help: "The converted model.") var model = "models/efficientnet-lite0.safetensors"
        @Option(help: "ImageNet synset ids in class order, one per line (timm's imagenet_synsets.txt).") var synsets: String
        @Argument(help: "Folder of photos named nXXXXXXXX_*.jpg.") var folder: String

        func run() throws {
            let order = try String(contentsOfFile: synsets, encoding: .utf8).split(separator: "\n").map(String.init)
            let index = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
            let network = try EfficientNetLite0(path: model)
            let session = BackboneSession(model: network)
            let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
                .filter { $0.count > 10 && $0.hasPrefix("n") && index[String($0.prefix(9))] != nil }
            for framing in DecodedImage.Framing.allCases {
                var top1 = 0, top5 = 0
                for file in files {
                    let truth = index[String(file.prefix(9))]!
                    let data = try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(file))
                    let image = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 224) }
                    let logits = session.run([BackboneInput.normalised(image.networkInput(framing: framing))])[0].logits
                    let ranked = logits.indices.sorted { logits[$0] > logits[$1] }
                    if ranked[0] == truth { top1 += 1 }
                    if ranked.prefix(5).contains(truth) { top5 += 1 }
                }
                print(String(format: "%@: top-1 %.1f%%, top-5 %.1f%% (%d photos)", framing.rawValue,
                             100 * Double(top1) / Double(files.count), 100 * Double(top5) / Double(files.count), files.count))
            }
        }
    }
}
