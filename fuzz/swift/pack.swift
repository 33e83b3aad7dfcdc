// libFuzzer target over the landmark pack reader (Plugins/Landmarks/LandmarkPack.swift) and the search a loaded pack
// is used for (LandmarkSearch.swift), built by scripts/fuzz.sh with the Landmarks module's sources and CairnInference
// and CairnRecognition as modules. A pack carries a checksum over its manifest and tensors, so a mutated pack is
// almost always refused at the checksum and the checks behind it are never reached: the harness reseals each input
// first (it recomputes the checksum with the reader's own function and writes it into the header), so the fuzzer's
// changes to the manifest, the shapes, the indices and the values reach the reader's checks. Inputs whose header is
// not a JSON object with a manifest are loaded as they are. A pack the reader accepts must then be usable: 16
// photos' features, with and without GPS, are searched with it, and every match must name one of its landmarks.
//
// With CAIRN_FUZZ_WRITE_SEEDS=DIRECTORY set, the binary writes its seed packs there (through LandmarkPack.write, as
// `cairn landmarks build` does) and exits.
import CairnInference
import Foundation

private let path = NSTemporaryDirectory() + "cairn-fuzz-pack-\(getpid()).cairnpack"
nonisolated(unsafe) private var checksum: Float = 0  // keeps the search from being optimised away

@_cdecl("LLVMFuzzerInitialize")
public func initializePackFuzzer(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    if let variable = getenv("CAIRN_FUZZ_WRITE_SEEDS") {
        do {
            try writeSeeds(to: String(cString: variable))
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("pack: writing the seeds failed: \(error)\n".utf8))
            exit(1)
        }
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLandmarkPack(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    guard FileManager.default.createFile(atPath: path, contents: resealed(bytes) ?? bytes) else { return 0 }
    guard let pack = try? LandmarkPack.load(path: path) else { return 0 }
    let search = LandmarkSearch(pack: pack)
    let count = 16
    var features = [Float](repeating: 0, count: count * pack.head.inputCount)
    for index in features.indices { features[index] = Float((index * 7919) % 97) / 97 }
    let locations: [(latitude: Double, longitude: Double)?] = (0..<count).map { photo in
        guard photo % 2 == 0, !pack.landmarks.isEmpty else { return nil }
        let landmark = pack.landmarks[photo / 2 % pack.landmarks.count]
        return (landmark.latitude + 0.001, landmark.longitude)
    }
    for matches in search.search(features: features, count: count, locations: locations) {
        for match in matches {
            guard pack.landmarks.indices.contains(match.landmark) else {
                fatalError("a match names landmark \(match.landmark) of \(pack.landmarks.count)")
            }
            checksum += match.score
            _ = search.explanation(match)
        }
    }
    return 0
}

/// The input with its checksum recomputed, when it is a safetensors file whose header is a JSON object holding a
/// pack manifest; else nil.
private func resealed(_ bytes: Data) -> Data? {
    guard bytes.count >= 8 else { return nil }
    let length = bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    guard length <= UInt64(bytes.count - 8) else { return nil }
    let headerEnd = 8 + Int(length)
    guard
        var header = try? JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<headerEnd)) as? [String: Any],
        var metadata = header["__metadata__"] as? [String: Any], let manifest = metadata["pack"] as? String
    else { return nil }
    let dataSection = bytes.subdata(in: headerEnd..<bytes.count)
    metadata["checksum"] = dataSection.withUnsafeBytes { LandmarkPack.checksum(data: $0, manifest: manifest) }
    header["__metadata__"] = metadata
    guard var json = try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]) else { return nil }
    while (8 + json.count) % 8 != 0 { json.append(UInt8(ascii: " ")) }
    var result = Data()
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { result.append(contentsOf: $0) }
    return result + json + dataSection
}

/// Two small packs as `cairn landmarks build` writes them: three landmarks in 4 dimensions, one with a margin over
/// everyday exemplars and named reference photos.
private func writeSeeds(to directory: String) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    func landmark(_ key: String, _ city: String, _ latitude: Double, _ longitude: Double) -> LandmarkPack.Landmark {
        LandmarkPack.Landmark(
            key: key, name: key.capitalized, city: city, country: "Somewhere", region: "Europe", latitude: latitude,
            longitude: longitude, photos: 10, referencesChecked: true)
    }
    var weight = [Float](repeating: 0, count: 4 * EfficientNetLite0.featureCount)
    for row in 0..<4 { weight[row * EfficientNetLite0.featureCount + row * 3] = 1 }
    let head = EmbeddingHead(
        name: "seed", inputCount: EfficientNetLite0.featureCount, outputCount: 4, weight: weight, bias: [0, 0, 0, 0.1])
    var plain = LandmarkPack(
        head: head,
        landmarks: [
            landmark("gate", "Berlin", 52.5163, 13.3777), landmark("column", "Berlin", 52.5145, 13.3801),
            landmark("taj", "Agra", 27.1751, 78.0421),
        ],
        centroids: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], centroidLandmark: [0, 1, 2, 2],
        references: [1, 0, 0, 0, 0.6, 0.8, 0, 0, 0, 0, 1, 0], referenceLandmark: [0, 1, 2],
        thresholds: .init(global: 0.5, geo: 0.2, references: 0.3, k: 3),
        provenance: .init(
            backbone: "b", head: "seed", headHash: head.fingerprint, parameters: ["views": "1"], dataset: [:],
            createdAt: "2026-12-05T00:00:00Z"))
    try plain.write(to: directory + "/plain.cairnpack")
    var margin = plain
    margin.exemplars = [0.6, 0, 0.8, 0, 0, 0, 0.6, 0.8]
    margin.thresholds.margin = 0.05
    margin.thresholds.geoMargin = -0.2
    margin.thresholds.sure = 0.9
    margin.landmarks[0].referencePhotos = ["gate/0001.jpg"]
    margin.landmarks[1].referencePhotos = ["column/0007.jpg"]
    margin.landmarks[2].referencePhotos = ["taj/0003.jpg"]
    try margin.write(to: directory + "/margin.cairnpack")
}
