import CairnInference
import Foundation

/// A landmark pack: everything the landmark recognizer needs, in one safetensors file.
///
/// Tensors: `head.weight` (D × 1280) and `head.bias` (D), the embedding head; `centroids` (C × D) and
/// `centroid_landmark` (C, the landmark index of each centroid); `references` (R × D) and `reference_landmark`
/// (R). Metadata: `format` = `cairn-landmark-pack`, `format_version` = `1`, `pack` (JSON: landmarks with key,
/// name, city, country, region, coordinates; thresholds η, η_geo, ω and k; provenance) and `checksum` (over the
/// tensor data and the `pack` JSON). Loading checks all of it; a pack built for another backbone is refused.
public struct LandmarkPack: Sendable {
    public static let format = "cairn-landmark-pack"
    /// Version 2 adds the everyday exemplars, the margins μ and μ_geo and the reference photos' names; version 1
    /// packs are still read (no margin check, no reference names). A Cairn that reads only version 1 refuses a
    /// version 2 pack rather than run it without its margin.
    public static let formatVersion = "2"
    public static let readableVersions: Set<String> = ["1", "2"]

    public struct Landmark: Codable, Sendable, Equatable {
        public var key: String
        public var name: String
        public var city: String
        public var country: String
        public var region: String
        public var latitude: Double
        public var longitude: Double
        /// Photos of the landmark the centroids were computed from (after cleaning).
        public var photos: Int
        /// Whether the reference photos were checked by a person (a `references/` folder) or chosen by the builder.
        public var referencesChecked: Bool
        /// The reference photos' file names in the dataset (`KEY/NAME`), in the order of the pack's reference rows,
        /// so a tag can name the photo it looked most like (absent in packs built before format 2).
        public var referencePhotos: [String]?
        /// This landmark's own η for photos without GPS, when it is stricter than the pack's: set when a discovered
        /// landmark is adopted, from the library's photos taken far from it (absent otherwise).
        public var threshold: Float?

        public init(
            key: String, name: String, city: String, country: String, region: String, latitude: Double,
            longitude: Double, photos: Int, referencesChecked: Bool
        ) {
            self.key = key
            self.name = name
            self.city = city
            self.country = country
            self.region = region
            self.latitude = latitude
            self.longitude = longitude
            self.photos = photos
            self.referencesChecked = referencesChecked
        }
    }

    /// The decision thresholds of recognition (the paper's Algorithm 2), all on dot products of unit vectors.
    public struct Thresholds: Codable, Sendable, Equatable {
        /// η: a photo without GPS is a landmark photo only if its best centroid similarity reaches this.
        public var global: Float
        /// η_geo: the same for a photo with GPS, against the landmarks near it only (lower: the position helps).
        public var geo: Float
        /// ω: without GPS, a candidate is kept only if the mean similarity to its reference photos exceeds this.
        public var references: Float
        /// k: at most this many landmarks per photo.
        public var k: Int
        /// μ: without GPS, a candidate's score must exceed the photo's similarity to its nearest everyday exemplar
        /// by at least this much (nil: no margin check, as in packs without exemplars).
        public var margin: Float?
        /// μ_geo: the same margin for a photo with GPS, against the landmarks near it.
        public var geoMargin: Float?
        /// η_sure: a score at or above which the margin is not asked for (a landmark that also looks like everyday
        /// photos — a bay, terraces — is still taken when it is that sure); nil: the margin always applies.
        public var sure: Float?
        /// η_geo,sure: the same with GPS.
        public var geoSure: Float?

        public init(
            global: Float, geo: Float, references: Float, k: Int, margin: Float? = nil, geoMargin: Float? = nil,
            sure: Float? = nil, geoSure: Float? = nil
        ) {
            self.global = global
            self.geo = geo
            self.references = references
            self.k = k
            self.margin = margin
            self.geoMargin = geoMargin
            self.sure = sure
            self.geoSure = geoSure
        }
    }

    /// Where the pack came from.
    public struct Provenance: Codable, Sendable, Equatable {
        /// The backbone model's version (file fingerprint); the pack only works with that model.
        public var backbone: String
        /// The embedding head's name and the fingerprint of its weights.
        public var head: String
        public var headHash: String
        /// The build parameters (γ, clustering threshold, minimum cluster size, target specificity, …).
        public var parameters: [String: String]
        /// What the pack was built from (photo counts, rejected photos, calibration figures).
        public var dataset: [String: String]
        public var createdAt: String

        public init(
            backbone: String, head: String, headHash: String, parameters: [String: String], dataset: [String: String],
            createdAt: String
        ) {
            self.backbone = backbone
            self.head = head
            self.headHash = headHash
            self.parameters = parameters
            self.dataset = dataset
            self.createdAt = createdAt
        }
    }

    struct Manifest: Codable {
        var landmarks: [Landmark]
        var thresholds: Thresholds
        var provenance: Provenance
    }

    public var head: EmbeddingHead
    public var landmarks: [Landmark]
    /// C × D unit vectors, row-major.
    public var centroids: [Float]
    public var centroidLandmark: [Int]
    /// R × D unit vectors, row-major, grouped by landmark.
    public var references: [Float]
    public var referenceLandmark: [Int]
    /// E × D unit vectors: everyday photos without landmarks (the non-landmark class's exemplars), embedded with
    /// the head. A candidate landmark must beat the nearest of them by the margin μ (empty: no margin check).
    public var exemplars: [Float] = []
    public var thresholds: Thresholds
    public var provenance: Provenance
    /// Set when the pack is loaded or written: a fingerprint of its contents, its version.
    public private(set) var checksum: String = ""

    public var dimension: Int { head.outputCount }
    public var centroidCount: Int { centroidLandmark.count }
    public var exemplarCount: Int { dimension == 0 ? 0 : exemplars.count / dimension }

    public init(
        head: EmbeddingHead, landmarks: [Landmark], centroids: [Float], centroidLandmark: [Int], references: [Float],
        referenceLandmark: [Int], thresholds: Thresholds, provenance: Provenance
    ) {
        self.head = head
        self.landmarks = landmarks
        self.centroids = centroids
        self.centroidLandmark = centroidLandmark
        self.references = references
        self.referenceLandmark = referenceLandmark
        self.thresholds = thresholds
        self.provenance = provenance
    }

    // MARK: Reading and writing

    /// Loads and validates a pack. `backbone`, when given, must be the version of the backbone the pack was built
    /// for.
    public static func load(path: String, backbone: String? = nil) throws(LandmarkPackError) -> LandmarkPack {
        let file: TensorFile
        do {
            file = try TensorFile(path: path)
        } catch {
            throw LandmarkPackError(
                path: path,
                message: error.message.replacingOccurrences(of: "model file", with: "pack file")
                    .replacingOccurrences(of: "; run scripts/fetch-model.sh", with: ""))
        }
        guard file.metadata["format"] == format else {
            throw LandmarkPackError(
                path: path,
                message: "not a Cairn landmark pack (format \(file.metadata["format"].map { "'\($0)'" } ?? "missing"))")
        }
        guard let version = file.metadata["format_version"], readableVersions.contains(version) else {
            throw LandmarkPackError(
                path: path,
                message:
                    "pack format version \(file.metadata["format_version"] ?? "?") is not supported (this Cairn reads version \(formatVersion))"
            )
        }
        guard let manifestJSON = file.metadata["pack"], let stored = file.metadata["checksum"] else {
            throw LandmarkPackError(path: path, message: "the pack has no manifest or checksum")
        }
        let actual = file.withDataSection { Self.checksum(data: $0, manifest: manifestJSON) }
        guard actual == stored else {
            throw LandmarkPackError(
                path: path, message: "the pack is damaged: checksum \(actual) does not match the recorded \(stored)")
        }
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(manifestJSON.utf8))
        } catch {
            throw LandmarkPackError(path: path, message: "the pack's manifest is malformed: \(error)")
        }
        if let backbone, manifest.provenance.backbone != backbone {
            throw LandmarkPackError(
                path: path,
                message:
                    "the pack was built for backbone \(manifest.provenance.backbone), but the loaded backbone is \(backbone); rebuild the pack with `cairn landmarks build`"
            )
        }
        func tensor(_ name: String) throws(LandmarkPackError) -> (shape: [Int], values: [Float]) {
            guard let entry = file.entries[name] else {
                throw LandmarkPackError(path: path, message: "tensor \(name) is missing")
            }
            do {
                return (entry.shape, Array(try file.tensor(name, shape: entry.shape)))
            } catch {
                throw LandmarkPackError(path: path, message: error.message)
            }
        }
        let weight = try tensor("head.weight")
        let bias = try tensor("head.bias")
        let centroids = try tensor("centroids")
        let centroidLandmark = try tensor("centroid_landmark")
        let references = try tensor("references")
        let referenceLandmark = try tensor("reference_landmark")
        let exemplars =
            file.entries["exemplars"] == nil
            ? (shape: [0, weight.shape.first ?? 0], values: [Float]()) : try tensor("exemplars")
        guard weight.shape.count == 2, bias.shape == [weight.shape[0]] else {
            throw LandmarkPackError(path: path, message: "head shapes \(weight.shape) and \(bias.shape) do not fit")
        }
        // Landmark indices are stored as floats: each must be a whole number (Int(Float) would trap on NaN).
        func indices(_ tensor: (shape: [Int], values: [Float]), _ name: String) throws(LandmarkPackError) -> [Int] {
            var result: [Int] = []
            result.reserveCapacity(tensor.values.count)
            for value in tensor.values {
                guard let index = Int(exactly: value) else {
                    throw LandmarkPackError(path: path, message: "tensor \(name) holds \(value), not a landmark index")
                }
                result.append(index)
            }
            return result
        }
        let dimension = weight.shape[0]
        guard dimension > 0, weight.shape[1] > 0 else {
            throw LandmarkPackError(path: path, message: "head shape \(weight.shape) has no rows or columns")
        }
        let head = EmbeddingHead(
            name: manifest.provenance.head, inputCount: weight.shape[1], outputCount: dimension, weight: weight.values,
            bias: bias.values)
        var pack = LandmarkPack(
            head: head, landmarks: manifest.landmarks, centroids: centroids.values,
            centroidLandmark: try indices(centroidLandmark, "centroid_landmark"), references: references.values,
            referenceLandmark: try indices(referenceLandmark, "reference_landmark"), thresholds: manifest.thresholds,
            provenance: manifest.provenance)
        pack.exemplars = exemplars.values
        pack.checksum = stored
        if let problem = pack.problem(
            centroidShape: centroids.shape, referenceShape: references.shape, exemplarShape: exemplars.shape)
        {
            throw LandmarkPackError(path: path, message: problem)
        }
        return pack
    }

    /// Writes the pack (atomically: a reader sees the old file or the new one) and sets its checksum.
    public mutating func write(to path: String) throws {
        if let problem = problem(
            centroidShape: [centroidLandmark.count, dimension], referenceShape: [referenceLandmark.count, dimension],
            exemplarShape: [exemplarCount, dimension])
        {
            throw LandmarkPackError(path: path, message: problem)
        }
        let folder = (path as NSString).deletingLastPathComponent
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &isFolder),
            isFolder.boolValue
        else {
            throw LandmarkPackError(path: path, message: "cannot write the pack: there is no folder \(folder)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let manifest = String(
            decoding: try encoder.encode(
                Manifest(landmarks: landmarks, thresholds: thresholds, provenance: provenance)),
            as: UTF8.self)
        var tensors = [
            TensorFileWriter.Tensor(
                name: "centroid_landmark", shape: [centroidLandmark.count], values: centroidLandmark.map(Float.init)),
            TensorFileWriter.Tensor(name: "centroids", shape: [centroidLandmark.count, dimension], values: centroids),
            TensorFileWriter.Tensor(name: "head.bias", shape: [dimension], values: head.bias),
            TensorFileWriter.Tensor(name: "head.weight", shape: [dimension, head.inputCount], values: head.weight),
            TensorFileWriter.Tensor(
                name: "reference_landmark", shape: [referenceLandmark.count], values: referenceLandmark.map(Float.init)),
            TensorFileWriter.Tensor(
                name: "references", shape: [referenceLandmark.count, dimension], values: references),
        ]
        if exemplarCount > 0 {
            tensors.insert(
                TensorFileWriter.Tensor(name: "exemplars", shape: [exemplarCount, dimension], values: exemplars), at: 2)
        }
        // The data section is the tensors' values in order; the checksum covers it and the manifest.
        var data = Data()
        for tensor in tensors { tensor.values.withUnsafeBytes { data.append(contentsOf: $0) } }
        let sum = data.withUnsafeBytes { Self.checksum(data: $0, manifest: manifest) }
        try TensorFileWriter.write(
            tensors,
            metadata: ["format": Self.format, "format_version": Self.formatVersion, "pack": manifest, "checksum": sum],
            to: path)
        checksum = sum
    }

    static func checksum(data: UnsafeRawBufferPointer, manifest: String) -> String {
        let parts = [Fingerprint.fnv1a64(data), Array(manifest.utf8).withUnsafeBytes { Fingerprint.fnv1a64($0) }]
        return parts.withUnsafeBytes { Fingerprint.hex($0) }
    }

    /// What is inconsistent in the pack, or nil.
    func problem(centroidShape: [Int], referenceShape: [Int], exemplarShape: [Int]) -> String? {
        let n = landmarks.count
        guard n > 0 else { return "the pack has no landmarks" }
        guard Set(landmarks.map(\.key)).count == n else { return "landmark keys are not unique" }
        guard head.inputCount == EfficientNetLite0.featureCount else {
            return
                "the embedding head takes \(head.inputCount) features, the backbone gives \(EfficientNetLite0.featureCount)"
        }
        guard centroidShape.count == 2, centroidShape[1] == dimension, centroidShape[0] == centroidLandmark.count else {
            return "centroids have shape \(centroidShape), expected [\(centroidLandmark.count), \(dimension)]"
        }
        guard referenceShape.count == 2, referenceShape[1] == dimension, referenceShape[0] == referenceLandmark.count
        else {
            return "references have shape \(referenceShape), expected [\(referenceLandmark.count), \(dimension)]"
        }
        guard exemplarShape.count == 2, exemplarShape[1] == dimension, exemplarShape[0] * dimension == exemplars.count
        else {
            return "exemplars have shape \(exemplarShape), expected [E, \(dimension)]"
        }
        guard centroidLandmark.allSatisfy({ (0..<n).contains($0) }),
            referenceLandmark.allSatisfy({ (0..<n).contains($0) })
        else {
            return "a centroid or reference names a landmark the pack does not have"
        }
        guard Set(centroidLandmark).count == n else { return "a landmark has no centroid" }
        guard zip(referenceLandmark, referenceLandmark.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            return "references are not grouped by landmark"
        }
        guard head.fingerprint == provenance.headHash else {
            return "the embedding head's weights do not match the recorded hash \(provenance.headHash)"
        }
        guard (head.weight + head.bias + centroids + references + exemplars).allSatisfy(\.isFinite) else {
            return "the pack holds a value that is not a finite number"
        }
        for row in 0..<centroidLandmark.count {
            let v = centroids[(row * dimension)..<((row + 1) * dimension)]
            let norm = v.reduce(0) { $0 + $1 * $1 }
            guard abs(norm - 1) < 1e-3 else { return "centroid \(row) is not a unit vector (squared norm \(norm))" }
        }
        let t = thresholds
        guard (-1...1).contains(t.global), (-1...1).contains(t.geo), (-1...1).contains(t.references),
            (1...100).contains(t.k)
        else {
            return "thresholds out of range: η \(t.global), η_geo \(t.geo), ω \(t.references), k \(t.k)"
        }
        for margin in [t.margin, t.geoMargin].compactMap({ $0 }) where !(-2...2).contains(margin) {
            return "margin \(margin) out of range (−2…2)"
        }
        for sure in [t.sure, t.geoSure].compactMap({ $0 }) where !(-1...1).contains(sure) {
            return "sure threshold \(sure) out of range (−1…1)"
        }
        if (t.margin != nil || t.geoMargin != nil) && exemplars.isEmpty {
            return "the thresholds hold a margin but the pack has no exemplars to measure it against"
        }
        var referenceCounts = [Int](repeating: 0, count: n)
        for owner in referenceLandmark { referenceCounts[owner] += 1 }
        for (index, landmark) in landmarks.enumerated() {
            guard let names = landmark.referencePhotos, names.count != referenceCounts[index] else { continue }
            return "landmark \(landmark.key) names \(names.count) reference photos but has \(referenceCounts[index])"
        }
        for landmark in landmarks
        where !(-90...90).contains(landmark.latitude) || !(-180...180).contains(landmark.longitude) {
            return "landmark \(landmark.key) has coordinates out of range (\(landmark.latitude), \(landmark.longitude))"
        }
        return nil
    }
}

/// Why a landmark pack could not be loaded or written.
public struct LandmarkPackError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
}
