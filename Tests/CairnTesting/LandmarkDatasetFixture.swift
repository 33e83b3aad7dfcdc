import Foundation

/// A small landmark dataset in a temporary folder, made of real photos from ../shared/data/landmarks-dev
/// (symbolic links, nothing copied into the repository): `landmarks.tsv`, a folder per landmark with its first
/// `photosPerLandmark` photos, the landmark's other photos held out for recognition, and a folder of negatives.
public struct LandmarkDatasetFixture {
    public let root: String
    public let negatives: String
    /// Photos of each landmark left out of the dataset, by key.
    public let heldOut: [String: [String]]
    /// The landmarks' rows from landmarks-dev's landmarks.tsv, by key.
    public let rows: [String: [String]]

    /// `hardKinds`: that many photos of each of everyday-more's mountain, seascape and street folders join the
    /// negatives, in subfolders of those names (their kinds).
    public init(
        in folder: TemporaryDirectory, keys: [String], photosPerLandmark: Int = 12, negatives negativeCount: Int = 40,
        hardKinds: Int = 0
    ) throws {
        let source = TestPaths.data("landmarks-dev")
        let fm = FileManager.default
        root = folder.file("dataset")
        negatives = folder.file("negatives")
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: negatives, withIntermediateDirectories: true)
        let table = try String(contentsOf: source.appendingPathComponent("landmarks.tsv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        var rows: [String: [String]] = [:]
        var tsv = table[0].joined(separator: "\t") + "\n"
        var heldOut: [String: [String]] = [:]
        for key in keys {
            guard let row = table.first(where: { $0.first == key }) else { throw CocoaError(.fileNoSuchFile) }
            rows[key] = row
            tsv += row.joined(separator: "\t") + "\n"
            let photos = try fm.contentsOfDirectory(atPath: source.appendingPathComponent(key).path).sorted()
            try fm.createDirectory(atPath: root + "/" + key, withIntermediateDirectories: true)
            for name in photos.prefix(photosPerLandmark) {
                try fm.createSymbolicLink(atPath: root + "/" + key + "/" + name, withDestinationPath: source.appendingPathComponent(key + "/" + name).path)
            }
            heldOut[key] = photos.dropFirst(photosPerLandmark).map { source.appendingPathComponent(key + "/" + $0).path }
        }
        try tsv.write(toFile: root + "/landmarks.tsv", atomically: true, encoding: .utf8)
        let distractors = TestPaths.data("distractors-dev")
        for name in try fm.contentsOfDirectory(atPath: distractors.path).sorted().prefix(negativeCount) {
            try fm.createSymbolicLink(atPath: negatives + "/" + name, withDestinationPath: distractors.appendingPathComponent(name).path)
        }
        let everyday = TestPaths.data("everyday-more")
        for kind in hardKinds > 0 ? ["mountain", "seascape", "street"] : [] {
            try fm.createDirectory(atPath: negatives + "/" + kind, withIntermediateDirectories: true)
            for name in try fm.contentsOfDirectory(atPath: everyday.appendingPathComponent(kind).path).sorted().prefix(hardKinds) {
                try fm.createSymbolicLink(
                    atPath: negatives + "/" + kind + "/" + name, withDestinationPath: everyday.appendingPathComponent(kind + "/" + name).path)
            }
        }
        self.rows = rows
        self.heldOut = heldOut
    }

    /// The landmark's coordinates from landmarks.tsv.
    public func coordinates(_ key: String) -> (latitude: Double, longitude: Double) {
        (Double(rows[key]![5])!, Double(rows[key]![6])!)
    }
}
