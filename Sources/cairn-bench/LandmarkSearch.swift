import ArgumentParser
import CairnInference
import CairnLandmarkBuilder
import CairnStartup
import Foundation
import Landmarks

extension CairnBench {
    struct Landmarks: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "landmarks",
            abstract: "Pack load time and centroid search time per photo, on a synthetic pack of the paper's size.",
            discussion: """
                Writes a pack of --centroids random unit centroids (--dimension wide, three per landmark, five \
                references each) to a temporary file, loads it --runs times, then searches batches of random \
                queries without GPS (one matrix product over every centroid) and with GPS. --exemplars E adds E \
                everyday exemplars and a margin μ (pack format 2), so the margin's cost shows. Build with -c release.
                """)

        @Option(help: "Centroids in the pack (the paper: 15,250).")
        var centroids = 15_250

        @Option(help: "Embedding size.")
        var dimension = 512

        @Option(help: "Repetitions of each measurement.")
        var runs = 7

        @Option(help: "Everyday exemplars in the pack (0: no margin check, as in a format 1 pack).")
        var exemplars = 0

        func run() throws {
            Startup.useBestBLAS()
            print("OpenBLAS kernels: \(BLAS.coreName)")
            var random = SeededRandom(seed: 3)
            func unitRows(_ count: Int) -> [Float] {
                var values = (0..<(count * dimension)).map { _ in Float.random(in: -1...1, using: &random) }
                EmbeddingHead.normaliseRows(&values, width: dimension)
                return values
            }
            let landmarkCount = centroids / 3
            let landmarks = (0..<landmarkCount).map { i in
                LandmarkPack.Landmark(
                    key: "l\(i)", name: "Landmark \(i)", city: "City \(i / 10)", country: "Country", region: "",
                    latitude: Double.random(in: -60...60, using: &random), longitude: Double.random(in: -180...180, using: &random),
                    photos: 100, referencesChecked: false)
            }
            let head = EmbeddingHead(
                name: "random", inputCount: EfficientNetLite0.featureCount, outputCount: dimension,
                weight: unitRows(dimension).flatMap { [$0] + [Float](repeating: 0, count: EfficientNetLite0.featureCount - 1) }.prefix(dimension * EfficientNetLite0.featureCount).map { $0 },
                bias: [Float](repeating: 0, count: dimension))
            var pack = LandmarkPack(
                head: head, landmarks: landmarks, centroids: unitRows(landmarkCount * 3),
                centroidLandmark: (0..<(landmarkCount * 3)).map { $0 / 3 }, references: unitRows(landmarkCount * 5),
                referenceLandmark: (0..<(landmarkCount * 5)).map { $0 / 5 },
                thresholds: .init(
                    global: 0.5, geo: 0.3, references: 0.2, k: 3, margin: exemplars > 0 ? 0.05 : nil,
                    geoMargin: exemplars > 0 ? 0 : nil),
                provenance: .init(backbone: "bench", head: "random", headHash: head.fingerprint, parameters: [:], dataset: [:], createdAt: ""))
            pack.exemplars = exemplars > 0 ? unitRows(exemplars) : []
            let path = NSTemporaryDirectory() + "cairn-bench-\(getpid()).cairnpack"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try pack.write(to: path)
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            print("pack: \(landmarkCount) landmarks, \(landmarkCount * 3) centroids × \(dimension), \(exemplars) exemplars, \(String(format: "%.1f", Double(size) / 1_048_576)) MB")

            var loads: [Double] = []
            var loaded: LandmarkPack?
            for _ in 0..<runs {
                let start = DispatchTime.now().uptimeNanoseconds
                loaded = try LandmarkPack.load(path: path)
                loads.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            print(String(format: "pack load (validate + checksum): median %.0f ms", loads.sorted()[loads.count / 2]))

            let search = LandmarkSearch(pack: loaded!)
            print("search                       ms per photo (median of \(runs))")
            for batch in [1, 4, 8, 32, 128] {
                let queries = unitRows(batch)
                var times: [Double] = []
                for _ in 0..<runs {
                    let start = DispatchTime.now().uptimeNanoseconds
                    _ = search.search(embeddings: queries, count: batch, locations: Array(repeating: nil, count: batch))
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(batch))
                }
                print("  no GPS, batch \(batch)".padding(toLength: 30, withPad: " ", startingAt: 0) + String(format: "%8.3f", times.sorted()[times.count / 2]))
            }
            let queries = unitRows(32)
            let places = (0..<32).map { i in (latitude: landmarks[i % landmarks.count].latitude, longitude: landmarks[i % landmarks.count].longitude) as (latitude: Double, longitude: Double)? }
            var times: [Double] = []
            for _ in 0..<runs {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = search.search(embeddings: queries, count: 32, locations: places)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / 32)
            }
            print("  GPS, batch 32".padding(toLength: 30, withPad: " ", startingAt: 0) + String(format: "%8.3f", times.sorted()[times.count / 2]))
        }
    }
}
