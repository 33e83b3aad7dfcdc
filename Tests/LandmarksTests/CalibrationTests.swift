import CairnInference
import CairnTesting
import Foundation
import Landmarks
import Testing

@testable import CairnLandmarkBuilder

/// The everyday photos' kinds, their stratified split, and thresholds that hold every kind to its budget.
struct CalibrationTests {
    let folder = TemporaryDirectory("cairn-negatives")

    @Test func everyKindIsHeldToItsOwnBudget() {
        // 100 pets and 100 mountains at 99%: one of each may pass, two in all.
        let kinds = Array(repeating: "animal", count: 100) + Array(repeating: "mountain", count: 100)
        let perKind = Budgets(kinds: kinds, specificity: 0.99, perKind: true)
        let together = Budgets(kinds: kinds, specificity: 0.99, perKind: false)
        #expect(perKind.total == 2 && perKind.perKind == ["animal": 1, "mountain": 1])
        // Scores: the two highest are mountains, then a pet.
        var score = [Float](repeating: 0.1, count: 200)
        score[150] = 0.9
        score[151] = 0.8
        score[3] = 0.7
        let order = score.indices.sorted { score[$0] > score[$1] }
        // Held together, two mountains may pass: η just above the pet's 0.7.
        #expect(together.lowestThreshold(order, score: score) == Float(0.7).nextUp)
        // Per kind, the second mountain is one too many: η just above 0.8.
        #expect(perKind.lowestThreshold(order, score: score) == Float(0.8).nextUp)
        // Nothing to stop: every negative fits.
        #expect(perKind.lowestThreshold([150], score: score) == -1)
        // A kind too small to measure 1% on (50 photos) is not held alone: it counts toward the total only.
        let small = Budgets(kinds: kinds + Array(repeating: "unknown", count: 50), specificity: 0.99, perKind: true)
        #expect(small.total == 2 && small.perKind == ["animal": 1, "mountain": 1])
    }

    /// Kinds come from the subfolders of a --negatives folder (nested ones too), or from its manifest.tsv; files
    /// at the top take the folder's name. Photos that cannot be decoded are listed and left out.
    @Test func kindsComeFromFoldersOrTheManifestAndBadFilesAreListed() throws {
        let fm = FileManager.default
        let root = folder.file("everyday")
        let more = TestPaths.data("everyday-more")
        let names = try fm.contentsOfDirectory(atPath: more.appendingPathComponent("mountain").path).sorted().prefix(3)
        try fm.createDirectory(atPath: root + "/mountain/alps", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/street", withIntermediateDirectories: true)
        for (index, name) in names.enumerated() {
            let target = index == 0 ? root + "/mountain/alps/" + name : index == 1 ? root + "/street/" + name : root + "/" + name
            try fm.createSymbolicLink(atPath: target, withDestinationPath: more.appendingPathComponent("mountain/" + name).path)
        }
        try Data("not a photo".utf8).write(to: URL(fileURLWithPath: root + "/street/broken.jpg"))
        let extractor = FeatureExtractor(
            model: try EfficientNetLite0(path: TestPaths.repositoryRoot.appendingPathComponent("models/efficientnet-lite0.safetensors").path),
            cacheFolder: nil, threads: 2)
        let lines = LockedLines()
        let negatives = try extractor.negatives(below: [root], log: { lines.append($0) }, progress: { _, _ in })
        #expect(negatives.count == 3)
        #expect(negatives.kinds == ["everyday", "mountain", "street"])
        #expect(lines.all.contains { $0.hasPrefix("skipped \(root)/street/broken.jpg:") })
        #expect(lines.all.contains("negatives by kind: everyday 1, mountain 1, street 1"))

        // A manifest names the kinds instead (here: all three are mountains, the broken file is not listed).
        let manifest = "path\tkind\n\(names[2])\tmountain\nstreet/\(names[1])\tmountain\n"
        try manifest.write(toFile: root + "/manifest.tsv", atomically: true, encoding: .utf8)
        let named = try extractor.negatives(below: [root], log: { _ in }, progress: { _, _ in })
        #expect(named.kinds == ["mountain", "mountain", "mountain"])
    }

    @Test func theSplitIsDisjointAndStratifiedByKind() {
        var negatives = NegativePhotos()
        for (kind, count) in [("landscape", 90), ("mountain", 30), ("street", 61)] {
            for index in 0..<count {
                negatives.paths.append("\(kind)/\(index).jpg")
                negatives.kinds.append(kind)
                negatives.features.append([Float(index)])
            }
        }
        let parts = negatives.split(shares: [1, 1, 1], seed: 3)
        #expect(parts.map(\.count).reduce(0, +) == negatives.count)
        #expect(Set(parts[0].paths).isDisjoint(with: parts[1].paths) && Set(parts[1].paths).isDisjoint(with: parts[2].paths))
        #expect(Set(parts[0].paths).isDisjoint(with: parts[2].paths))
        for part in parts {
            let counts = Dictionary(part.kindCounts.map { ($0.kind, $0.count) }, uniquingKeysWith: +)
            #expect(counts["landscape"] == 30 && counts["mountain"] == 10)
            #expect((20...21).contains(counts["street"] ?? 0))
        }
        // The same seed gives the same split; another seed another.
        #expect(negatives.split(shares: [1, 1, 1], seed: 3)[0].paths == parts[0].paths)
        #expect(negatives.split(shares: [1, 1, 1], seed: 4)[0].paths != parts[0].paths)
    }
}

/// Log lines gathered from a @Sendable closure.
final class LockedLines: @unchecked Sendable {
    private var lines: [String] = []
    private let lock = NSLock()
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
