import CairnInference
import CairnLandmarkBuilder
import CairnTesting
import Foundation
import Testing

@testable import Landmarks

/// Packs written and read back, and every way a pack file can be wrong.
struct LandmarkPackTests {
    let folder = TemporaryDirectory("cairn-pack")
    static let backbone = "efficientnet-lite0/test"

    /// A pack over random features: 3 landmarks, 6 photos each.
    static func samplePack() throws -> LandmarkPack {
        var random = SeededRandom(seed: 7)
        let cities = [
            ("berlin_a", "Berlin", 52.5163, 13.3777), ("berlin_b", "Berlin", 52.5145, 13.3501),
            ("agra", "Agra", 27.1751, 78.0421),
        ]
        let landmarks = cities.map { key, city, lat, lon in
            LandmarkPhotos(
                landmark: .init(
                    key: key, name: key.capitalized, city: city, country: city == "Agra" ? "India" : "Germany",
                    region: "Europe", latitude: lat, longitude: lon, photos: 0, referencesChecked: false),
                paths: [],
                features: (0..<6).map { _ in (0..<1280).map { _ in Float.random(in: 0...1, using: &random) } },
                checkedReferences: [])
        }
        var parameters = BuildParameters()
        parameters.dimension = 16
        return try PackBuilder(parameters: parameters).build(landmarks, negatives: NegativePhotos(), backbone: backbone)
            .0
    }

    @Test func roundTripsEverything() throws {
        var pack = try Self.samplePack()
        let path = folder.file("sample.cairnpack")
        try pack.write(to: path)
        let loaded = try LandmarkPack.load(path: path, backbone: Self.backbone)
        #expect(loaded.checksum == pack.checksum && !pack.checksum.isEmpty)
        #expect(loaded.landmarks == pack.landmarks)
        #expect(loaded.head.name == pack.head.name)
        #expect(loaded.head.weight == pack.head.weight && loaded.head.bias == pack.head.bias)
        #expect(loaded.centroids == pack.centroids && loaded.centroidLandmark == pack.centroidLandmark)
        #expect(loaded.references == pack.references && loaded.referenceLandmark == pack.referenceLandmark)
        #expect(loaded.thresholds == pack.thresholds)
        #expect(loaded.provenance == pack.provenance)
        #expect(loaded.provenance.parameters["gamma"] == "0.3")
        #expect(loaded.dimension == 16 && loaded.head.inputCount == 1280)
    }

    /// Format 2: everyday exemplars, the margins and the reference photos' names survive a round trip, and the
    /// margin cannot be set without exemplars.
    @Test func roundTripsExemplarsMarginsAndReferenceNames() throws {
        var pack = try Self.samplePack()
        var random = SeededRandom(seed: 11)
        var exemplars = (0..<5 * pack.dimension).map { _ in Float.random(in: -1...1, using: &random) }
        EmbeddingHead.normaliseRows(&exemplars, width: pack.dimension)
        pack.exemplars = exemplars
        pack.thresholds.margin = 0.05
        pack.thresholds.geoMargin = -0.1
        pack.thresholds.sure = 0.8
        for index in pack.landmarks.indices {
            let count = pack.referenceLandmark.filter { $0 == index }.count
            pack.landmarks[index].referencePhotos = (0..<count).map { "\(pack.landmarks[index].key)/\($0).jpg" }
        }
        let path = folder.file("v2.cairnpack")
        try pack.write(to: path)
        let loaded = try LandmarkPack.load(path: path, backbone: Self.backbone)
        #expect(loaded.exemplarCount == 5 && loaded.exemplars == exemplars)
        #expect(loaded.thresholds.margin == 0.05 && loaded.thresholds.geoMargin == -0.1)
        #expect(loaded.thresholds.sure == 0.8 && loaded.thresholds.geoSure == nil)
        #expect(loaded.landmarks == pack.landmarks)
        let search = LandmarkSearch(pack: loaded)
        let firstOfAgra = loaded.referenceLandmark.firstIndex(of: 2)!
        #expect(search.referenceName(row: firstOfAgra) == "agra/0.jpg")
        #expect(search.referenceName(row: firstOfAgra + 1) == "agra/1.jpg")

        var broken = pack
        broken.exemplars = []
        #expect(throws: LandmarkPackError.self) { try broken.write(to: folder.file("broken.cairnpack")) }
        broken = pack
        broken.landmarks[0].referencePhotos = ["one.jpg"]
        #expect(throws: LandmarkPackError.self) { try broken.write(to: folder.file("broken.cairnpack")) }

        // Into a folder that is not there: the reason names it.
        let nowhere = folder.file("state/v2.cairnpack")
        let error = #expect(throws: LandmarkPackError.self) { try pack.write(to: nowhere) }
        #expect(error?.description == "\(nowhere): cannot write the pack: there is no folder \(folder.file("state"))")
    }

    @Test func refusesAPackForAnotherBackbone() throws {
        var pack = try Self.samplePack()
        let path = folder.file("sample.cairnpack")
        try pack.write(to: path)
        #expect(throws: LandmarkPackError.self) {
            try LandmarkPack.load(path: path, backbone: "efficientnet-lite0/other")
        }
        do {
            _ = try LandmarkPack.load(path: path, backbone: "efficientnet-lite0/other")
        } catch {
            #expect(
                error.message.contains(
                    "built for backbone efficientnet-lite0/test, but the loaded backbone is efficientnet-lite0/other"))
        }
    }

    @Test func refusesDamagedTruncatedAndForeignFiles() throws {
        var pack = try Self.samplePack()
        let path = folder.file("sample.cairnpack")
        try pack.write(to: path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))

        func message(_ contents: [UInt8]) -> String {
            let broken = folder.file("broken.cairnpack")
            FileManager.default.createFile(atPath: broken, contents: Data(contents))
            do {
                _ = try LandmarkPack.load(path: broken)
                return "loaded"
            } catch {
                return error.message
            }
        }
        // One flipped bit in a centroid.
        bytes[bytes.count - 100] ^= 0x10
        #expect(message(bytes).contains("the pack is damaged: checksum"))
        bytes[bytes.count - 100] ^= 0x10
        #expect(message(bytes) == "loaded")
        #expect(message(Array(bytes.prefix(bytes.count - 10))).contains("truncated"))
        #expect(message(Array("not a pack".utf8)).contains("not a safetensors file"))
        // The backbone model is a safetensors file, but not a pack.
        let model = TestPaths.repositoryRoot.appendingPathComponent("models/efficientnet-lite0.safetensors").path
        #expect(throws: LandmarkPackError.self) { try LandmarkPack.load(path: model) }
        #expect(
            message([UInt8](try Data(contentsOf: URL(fileURLWithPath: model)))).contains("not a Cairn landmark pack"))
        #expect(throws: LandmarkPackError.self) { try LandmarkPack.load(path: folder.file("missing.cairnpack")) }
    }

    /// A crafted pack, its checksum made to match, is refused with a reason: a landmark index that is not a whole
    /// number (NaN made `Int(Float)` trap before) and a head without rows.
    @Test func refusesCraftedPacksWhoseChecksumMatches() throws {
        var pack = try Self.samplePack()
        let path = folder.file("sample.cairnpack")
        try pack.write(to: path)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = Int(original.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        let headerText = String(decoding: original[8..<(8 + headerLength)], as: UTF8.self)
        let header = try #require(
            try JSONSerialization.jsonObject(with: Data(headerText.utf8)) as? [String: Any])
        let metadata = try #require(header["__metadata__"] as? [String: String])
        let manifest = try #require(metadata["pack"]), stored = try #require(metadata["checksum"])

        /// The pack with `value` written over the first float of `tensor`, the checksum recomputed.
        func crafted(_ tensor: String, _ value: Float) throws -> String {
            var bytes = original
            let entry = try #require(header[tensor] as? [String: Any])
            let start = 8 + headerLength + (try #require(entry["data_offsets"] as? [Int]))[0]
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.replaceSubrange(start..<(start + 4), with: $0) }
            let sum = bytes[(8 + headerLength)...].withUnsafeBytes {
                LandmarkPack.checksum(data: $0, manifest: manifest)
            }
            let newHeader = Array(headerText.replacingOccurrences(of: stored, with: sum).utf8)
            #expect(newHeader.count == headerLength)
            bytes.replaceSubrange(8..<(8 + headerLength), with: newHeader)
            let out = folder.file("crafted-\(tensor).cairnpack")
            FileManager.default.createFile(atPath: out, contents: Data(bytes))
            return out
        }
        for (tensor, value) in [("centroid_landmark", Float.nan), ("reference_landmark", Float(1e30))] {
            let error = #expect(throws: LandmarkPackError.self) {
                try LandmarkPack.load(path: try crafted(tensor, value))
            }
            #expect(error?.message == "tensor \(tensor) holds \(value), not a landmark index")
        }
        let outOfRange = #expect(throws: LandmarkPackError.self) {
            try LandmarkPack.load(path: try crafted("centroid_landmark", 7))
        }
        #expect(outOfRange?.message == "a centroid or reference names a landmark the pack does not have")
    }

    @Test func addsAndRemovesALandmarkWithoutARebuild() throws {
        var pack = try Self.samplePack()
        var random = SeededRandom(seed: 9)
        let features = (0..<4).map { _ in (0..<1280).map { _ in Float.random(in: 0...1, using: &random) } }
        let house = LandmarkPack.Landmark(
            key: "house", name: "Grandma's house", city: "Lund", country: "Sweden", region: "Europe", latitude: 55.7,
            longitude: 13.19, photos: 4, referencesChecked: true)
        let centroids = pack.adding(house, features: features, builder: PackBuilder())
        #expect(centroids >= 1)
        #expect(pack.landmarks.last == house)
        #expect(pack.referenceLandmark.filter { $0 == 3 }.count == 4)
        let path = folder.file("added.cairnpack")
        try pack.write(to: path)
        let loaded = try LandmarkPack.load(path: path)
        #expect(loaded.landmarks.map(\.key) == ["berlin_a", "berlin_b", "agra", "house"])
        let removed = loaded.removing(key: "berlin_b")
        #expect(removed.landmarks.map(\.key) == ["berlin_a", "agra", "house"])
        #expect(Set(removed.centroidLandmark) == [0, 1, 2])
        #expect(removed.centroids.count == removed.centroidLandmark.count * removed.dimension)
    }
    /// `add` from photo files, as `cairn landmarks add` and adoption use it: real photos through the real backbone,
    /// an unreadable file listed, its own threshold from the negatives; and nothing added once it is told to stop.
    @Test func addsFromPhotoFilesAndStopsWhenCancelled() throws {
        let extractor = FeatureExtractor(
            model: try EfficientNetLite0(
                path: TestPaths.repositoryRoot.appendingPathComponent("models/efficientnet-lite0.safetensors").path),
            cacheFolder: nil, threads: 2)
        let taj = TestPaths.data("landmarks-dev/taj_mahal").path
        let photos = try FileManager.default.contentsOfDirectory(atPath: taj).sorted().prefix(4).map { "\(taj)/\($0)" }
        let street = TestPaths.data("everyday-more/street").path
        let negatives = try FileManager.default.contentsOfDirectory(atPath: street).sorted().prefix(12)
            .map { "\(street)/\($0)" }
        let broken = folder.file("broken.jpg")
        try Data("not a photo".utf8).write(to: URL(fileURLWithPath: broken))
        let house = LandmarkPack.Landmark(
            key: "our_taj", name: "Our Taj", city: "Agra", country: "India", region: "", latitude: 27.175,
            longitude: 78.042, photos: 0, referencesChecked: false)

        var stopped = try Self.samplePack()
        let before = stopped.landmarks
        #expect(throws: LandmarkBuildError.self) {
            try stopped.add(house, photos: photos, negatives: negatives, extractor: extractor, isCancelled: { true })
        }
        #expect(stopped.landmarks == before)

        var pack = try Self.samplePack()
        let addition = try pack.add(house, photos: photos + [broken], negatives: negatives, extractor: extractor)
        #expect(addition.photos == 4 && addition.negatives == 12 && addition.centroids >= 1)
        #expect(addition.skipped.count == 1 && addition.skipped[0].hasPrefix(broken), "\(addition.skipped)")
        #expect(pack.landmarks.last?.key == "our_taj" && pack.landmarks.last?.photos == 4)
        #expect(pack.landmarks.last?.threshold == addition.threshold)
    }
}
