import ArgumentParser
import CairnConfig
import CairnInference
import CairnLandmarkBuilder
import CairnRecognizers
import CairnStartup
import Embeddings
import Foundation

extension CairnBench {
    /// How much of the backbone features' power to find photos of the same place the compact embedding keeps.
    struct Embeddings: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "embeddings",
            abstract: "Same-landmark retrieval with the full features, the stored 128-value embedding and a PCA.",
            discussion: """
                Every landmark photo of DATASET is a query against every other landmark photo and half of the \
                everyday photos (--everyday, split by kind, seeded); a PCA fitted on the other half is compared. \
                Prints, per way of reducing the features, the share of queries whose nearest photo shows the same \
                landmark (P@1), the mean average precision, and P@1 among one city's landmarks (the landmarks of \
                the city with the most), each as mean ± spread over --seeds seeds (the everyday split and the \
                random matrix's seed change together). Features come from the landmark tools' cache.
                """)

        @Argument(help: "Landmark dataset (landmarks.tsv and one folder per landmark).") var dataset: String
        @Option(help: "Folder of everyday photos (repeatable).") var everyday: [String] = []
        @Option(help: "Configuration file (backbone model and input preparation).") var config: String?
        @Option(help: "Seeds.") var seeds = 5
        @Option(help: "Worker threads for features not cached.") var threads = 2

        func run() throws {
            Startup.useBestBLAS()
            let extractor = try featureExtractor(config: config, threads: threads)
            let landmarks = try LandmarkDataset(root: dataset).features(
                with: extractor, log: { print($0) }, progress: { _, _ in })
            let negatives = try extractor.negatives(below: everyday, log: { print($0) }, progress: { _, _ in })
            let labels = landmarks.enumerated().flatMap { index, entry in entry.features.map { _ in index } }
            let queries = landmarks.flatMap(\.features)
            var cities: [String: Int] = [:]
            for entry in landmarks { cities[entry.landmark.city, default: 0] += 1 }
            let city = cities.max { $0.value < $1.value }!.key
            let inCity = Set(landmarks.indices.filter { landmarks[$0].landmark.city == city })
            print(
                "\(queries.count) landmark photos of \(landmarks.count) landmarks, \(negatives.count) everyday photos; "
                    + "one city: \(city), \(inCity.count) landmarks")

            var figures: [String: [[Double]]] = [:]
            var order: [String] = []
            for seed in 1...UInt64(seeds) {
                let parts = negatives.split(shares: [1, 1], seed: seed)
                let (fit, distractors) = (parts[0].features, parts[1].features)
                let random = CompactProjection(seed: seed)
                let ways: [(String, ([Float]) -> [Float])] = [
                    ("features 1,280", { unit($0) }),
                    ("features 1,280, square root", { unit($0.map { $0.squareRoot() }) }),
                    ("random orthonormal 128 (stored)", { random.embed($0) }),
                    ("  the same in float16", { random.embed($0).map { Float(Float16($0)) } }),
                    (
                        "random orthonormal 128, square root",
                        { unit(project(unit($0.map { $0.squareRoot() }), random)) }
                    ),
                    ("random orthonormal 64", { CompactProjection(seed: seed, outputCount: 64).embed($0) }),
                    pca(fit, dimension: 128, sqrt: true),
                    pca(fit, dimension: 128, sqrt: false),
                ]
                for (name, way) in ways {
                    if figures[name] == nil { order.append(name) }
                    let q = queries.map(way)
                    let d = distractors.map(way)
                    figures[name, default: []].append(retrieval(q, labels: labels, distractors: d, inCity: inCity))
                }
            }
            print(
                "way (mean ± spread over \(seeds) seeds)".padding(toLength: 50, withPad: " ", startingAt: 0)
                    + "P@1           mAP           P@1 in \(city)")
            for name in order {
                let runs = figures[name]!
                let columns = (0..<3).map { column -> String in
                    let values = runs.map { $0[column] * 100 }
                    let mean = values.reduce(0, +) / Double(values.count)
                    let spread =
                        (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, values.count - 1)))
                        .squareRoot()
                    return String(format: "%5.1f ± %3.1f%%", mean, spread)
                }
                print(name.padding(toLength: 50, withPad: " ", startingAt: 0) + columns.joined(separator: "  "))
            }
        }
    }
}

/// The landmark tools' feature extractor for the configuration's backbone, with their cache
/// (`$XDG_CACHE_HOME/cairn`, else `~/.cache/cairn`).
func featureExtractor(config: String?, threads: Int) throws -> FeatureExtractor {
    let settings = try ConfigurationLoader.builtIn.resolve(path: config).0
    let environment = ProcessInfo.processInfo.environment
    let cache = environment["XDG_CACHE_HOME"].map { $0 + "/cairn" } ?? environment["HOME"].map { $0 + "/.cache/cairn" }
    return FeatureExtractor(
        model: try EfficientNetLite0(path: settings.backbone.model), cacheFolder: cache, threads: threads,
        framing: settings.backbone.framing.imaging, dcChroma: settings.backbone.jpegChroma == .fast)
}

private func unit(_ values: [Float]) -> [Float] {
    var copy = values
    CompactProjection.normalise(&copy)
    return copy
}

private func project(_ values: [Float], _ projection: CompactProjection) -> [Float] {
    var output = [Float](repeating: 0, count: projection.outputCount)
    projection.weight.withUnsafeBufferPointer { w in
        values.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                BLAS.dotRows(w, rows: projection.outputCount, dim: projection.inputCount, query: x, into: y)
            }
        }
    }
    return output
}

/// PCA fitted on `fit` (centred, whitened): the `dimension` main axes of the unit (optionally square-rooted) features.
private func pca(_ fit: [[Float]], dimension: Int, sqrt: Bool) -> (String, ([Float]) -> [Float]) {
    let prepare: ([Float]) -> [Float] = { sqrt ? unit($0.map { $0.squareRoot() }) : unit($0) }
    let rows = fit.map(prepare)
    let f = rows[0].count
    var mean = [Float](repeating: 0, count: f)
    for row in rows { for i in 0..<f { mean[i] += row[i] / Float(rows.count) } }
    let n = rows.count
    var transposed = [Float](repeating: 0, count: f * n)
    for (r, row) in rows.enumerated() { for i in 0..<f { transposed[i * n + r] = row[i] - mean[i] } }
    var covariance = [Float](repeating: 0, count: f * f)
    transposed.withUnsafeBufferPointer { t in
        covariance.withUnsafeMutableBufferPointer { c in BLAS.multiplyTransposed(t, t, into: c, m: f, n: f, k: n) }
    }
    let eigen = BLAS.symmetricEigen(covariance.map { $0 / Float(n) }, n: f)!
    var weight: [Float] = []
    var scales: [Float] = []
    for axis in stride(from: f - 1, through: f - dimension, by: -1) {
        weight += eigen.vectors[(axis * f)..<((axis + 1) * f)]
        scales.append(1 / max(eigen.values[axis], 1e-9).squareRoot())
    }
    let projection = CompactProjection(weight: weight, inputCount: f, outputCount: dimension)
    let name = "PCA \(dimension) fitted on everyday, whitened\(sqrt ? ", square root" : "")"
    return (
        name,
        { features in
            let x = prepare(features)
            let centred = (0..<f).map { x[$0] - mean[$0] }
            return unit(zip(project(centred, projection), scales).map { $0 * $1 })
        }
    )
}

/// P@1, mean average precision, and P@1 among the landmarks of one city (queries and database of that city's
/// landmarks, with the distractors): every query against every other landmark photo and every distractor.
private func retrieval(_ queries: [[Float]], labels: [Int], distractors: [[Float]], inCity: Set<Int>) -> [Double] {
    let database = queries + distractors
    let n = queries.count
    let m = database.count
    let k = queries[0].count
    let a = queries.flatMap { $0 }
    let b = database.flatMap { $0 }
    var scores = [Float](repeating: 0, count: n * m)
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            scores.withUnsafeMutableBufferPointer { c in BLAS.multiplyTransposed(a, b, into: c, m: n, n: m, k: k) }
        }
    }
    var top1 = 0
    var precisionSum = 0.0
    var cityQueries = 0
    var cityTop1 = 0
    for q in 0..<n {
        let row = scores[(q * m)..<((q + 1) * m)]
        let ranked = (0..<m).filter { $0 != q }.sorted { row[q * m + $0] > row[q * m + $1] }
        let relevant = ranked.map { $0 < n && labels[$0] == labels[q] }
        if relevant[0] { top1 += 1 }
        var hits = 0
        var sum = 0.0
        for (rank, hit) in relevant.enumerated() where hit {
            hits += 1
            sum += Double(hits) / Double(rank + 1)
        }
        precisionSum += hits > 0 ? sum / Double(hits) : 0
        if inCity.contains(labels[q]) {
            cityQueries += 1
            if let first = ranked.first(where: { $0 >= n || inCity.contains(labels[$0]) }), first < n,
                labels[first] == labels[q]
            {
                cityTop1 += 1
            }
        }
    }
    return [Double(top1) / Double(n), precisionSum / Double(n), Double(cityTop1) / Double(max(1, cityQueries))]
}
