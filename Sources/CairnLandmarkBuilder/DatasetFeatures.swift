import CairnInference
import Foundation
import Landmarks

extension LandmarkDataset {
    /// Every landmark's photos with their backbone features. Photos that cannot be read or decoded are reported
    /// through `log` and left out; nothing else stops.
    public func features(
        with extractor: FeatureExtractor, log: @Sendable (String) -> Void,
        progress: @escaping @Sendable (Int, Int) -> Void
    ) -> [LandmarkPhotos] {
        let paths = entries.flatMap(\.photos)
        let results = extractor.features(of: paths, progress: progress)
        var offset = 0
        var failed = 0
        var landmarks: [LandmarkPhotos] = []
        for entry in entries {
            var photos: [String] = []
            var features: [[Float]] = []
            var references: [Int] = []
            for (index, path) in entry.photos.enumerated() {
                switch results[offset + index] {
                case .success(let photo):
                    if entry.references.contains(path) { references.append(features.count) }
                    photos.append(path)
                    features.append(photo.features)
                case .failure(let error):
                    failed += 1
                    log("skipped \(error)")
                }
            }
            offset += entry.photos.count
            let landmark = LandmarkPack.Landmark(
                key: entry.key, name: entry.name, city: entry.city, country: entry.country, region: entry.region,
                latitude: entry.latitude, longitude: entry.longitude, photos: features.count,
                referencesChecked: !references.isEmpty)
            landmarks.append(
                LandmarkPhotos(landmark: landmark, paths: photos, features: features, checkedReferences: references))
        }
        log(
            "embedded \(paths.count - failed) landmark photos of \(entries.count) landmarks\(failed > 0 ? ", \(failed) skipped" : "")"
        )
        return landmarks
    }
}

/// Photos without landmarks (the non-landmark class), with each photo's kind: what sort of everyday photo it is
/// (landscape, mountain, street, pets, …), so thresholds can be held to their target on every kind and figures
/// reported per kind.
public struct NegativePhotos: Sendable {
    public var paths: [String] = []
    public var kinds: [String] = []
    /// 1,280 values per photo.
    public var features: [[Float]] = []
    /// Augmented views of each photo (features), for training the non-landmark class; empty: none.
    public var views: [[[Float]]] = []

    public init() {}

    public var count: Int { paths.count }

    /// Every photo's features and its augmented views: what trains the non-landmark class.
    public var trainingViews: [[Float]] { features + views.flatMap { $0 } }

    /// How many photos of each kind, sorted by kind.
    public var kindCounts: [(kind: String, count: Int)] {
        var counts: [String: Int] = [:]
        for kind in kinds { counts[kind, default: 0] += 1 }
        return counts.keys.sorted().map { ($0, counts[$0]!) }
    }

    /// The photos at `indices`, in that order.
    public func subset(_ indices: [Int]) -> NegativePhotos {
        var copy = NegativePhotos()
        copy.paths = indices.map { paths[$0] }
        copy.kinds = indices.map { kinds[$0] }
        copy.features = features.isEmpty ? [] : indices.map { features[$0] }
        copy.views = views.isEmpty ? [] : indices.map { views[$0] }
        return copy
    }

    public static func + (a: NegativePhotos, b: NegativePhotos) -> NegativePhotos {
        var sum = a
        sum.paths += b.paths
        sum.kinds += b.kinds
        sum.features += b.features
        sum.views =
            a.views.isEmpty && b.views.isEmpty
            ? []
            : (a.views.isEmpty ? a.features.map { _ in [] } : a.views)
                + (b.views.isEmpty ? b.features.map { _ in [] } : b.views)
        return sum
    }

    /// Splits into `parts.count` disjoint parts with the given shares, stratified by kind: each kind is shuffled
    /// (seeded) and dealt out in those shares, so every part holds every kind in the same proportion.
    public func split(shares: [Double], seed: UInt64) -> [NegativePhotos] {
        var random = SeededRandom(seed: seed)
        var parts = [[Int]](repeating: [], count: shares.count)
        let total = shares.reduce(0, +)
        for (kind, _) in kindCounts {
            let members = kinds.indices.filter { kinds[$0] == kind }.shuffled(using: &random)
            var start = 0
            var cumulative = 0.0
            for (part, share) in shares.enumerated() {
                cumulative += share
                let end =
                    part == shares.count - 1
                    ? members.count : Int((Double(members.count) * cumulative / total).rounded())
                parts[part] += members[start..<max(start, end)]
                start = max(start, end)
            }
        }
        return parts.map { subset($0.sorted()) }
    }

    /// The kind of each photo below `root`: from `root/manifest.tsv` when it has `path` and `kind` columns (paths
    /// relative to `root`), else the first folder below `root` that holds it, else `root`'s own name.
    static func kinds(of paths: [String], below root: String) -> [String] {
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        var manifest: [String: String] = [:]
        if let text = try? String(contentsOfFile: base + "/manifest.tsv", encoding: .utf8) {
            let lines = text.split(separator: "\n").map {
                $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            }
            if let header = lines.first, let pathColumn = header.firstIndex(of: "path"),
                let kindColumn = header.firstIndex(of: "kind")
            {
                for fields in lines.dropFirst() where fields.count > max(pathColumn, kindColumn) {
                    manifest[fields[pathColumn]] = fields[kindColumn]
                }
            }
        }
        let name = (base as NSString).lastPathComponent
        return paths.map { path in
            let relative = path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
            if let kind = manifest[relative], !kind.isEmpty { return kind }
            let components = relative.split(separator: "/")
            return components.count > 1 ? String(components[0]) : name
        }
    }
}

extension NegativePhotos {
    /// The photos below each of `folders` with their kinds, not yet embedded.
    public static func listed(below folders: [String]) throws(LandmarkBuildError) -> NegativePhotos {
        var all = NegativePhotos()
        for folder in folders {
            let paths = try LandmarkDataset.photos(below: folder)
            all.paths += paths
            all.kinds += kinds(of: paths, below: folder)
        }
        return all
    }
}

extension FeatureExtractor {
    /// The features of the photos below each of `folders` (nested folders, any format Cairn decodes), with their
    /// kinds; photos that cannot be read or decoded are listed through `log` and left out.
    public func negatives(
        below folders: [String], augmentation: Augmentation? = nil, log: @Sendable (String) -> Void,
        progress: @escaping @Sendable (Int, Int) -> Void
    ) throws(LandmarkBuildError) -> NegativePhotos {
        var all = NegativePhotos()
        for folder in folders {
            let paths = try LandmarkDataset.photos(below: folder)
            let kinds = NegativePhotos.kinds(of: paths, below: folder)
            var skipped = 0
            for (index, result) in self.features(of: paths, augmentation: augmentation, progress: progress).enumerated()
            {
                switch result {
                case .success(let photo):
                    all.paths.append(paths[index])
                    all.kinds.append(kinds[index])
                    all.features.append(photo.features)
                case .failure(let error):
                    skipped += 1
                    log("skipped \(error)")
                }
            }
            if augmentation == nil {
                log(
                    "embedded \(paths.count - skipped) negative photos from \(folder)\(skipped > 0 ? " (\(skipped) skipped, listed above)" : "")"
                )
            }
        }
        if augmentation == nil {
            log("negatives by kind: " + all.kindCounts.map { "\($0.kind) \($0.count)" }.joined(separator: ", "))
        }
        return all
    }
}
