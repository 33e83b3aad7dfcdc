import CairnEXIF
import CairnImaging
import CairnInference
import Foundation

/// One photo as the landmark tools see it: its backbone features and the GPS position its EXIF holds.
public struct PhotoFeatures: Sendable {
    public var path: String
    public var features: [Float]
    public var latitude: Double?
    public var longitude: Double?
}

/// Backbone features for many photos, computed in parallel (one backbone session per thread) and cached by
/// content hash, so a rebuild or an evaluation after a build does not run the network again.
///
/// The cache is one file per backbone and way of preparing its input, `features-<backbone fingerprint>.f32` for the
/// defaults (centre crop, exact JPEG chroma) and `features-<backbone fingerprint>[-squash][-dc-chroma].f32`
/// otherwise, in the cache folder: a 16-byte
/// header (`CAIRNFEATURES` + 3 zero bytes), then records of a little-endian UInt64 content hash and 1,280
/// little-endian Float32 values. New records are appended; a partial last record is ignored.
public final class FeatureExtractor: @unchecked Sendable {
    public let model: EfficientNetLite0
    public let threads: Int
    let framing: DecodedImage.Framing
    let decoder: ImageDecoder
    let cachePath: String?
    private var cache: [UInt64: [Float]] = [:]
    private let lock = NSLock()

    static let header = Array("CAIRNFEATURES".utf8) + [0, 0, 0]
    static let recordSize = 8 + 4 * EfficientNetLite0.featureCount

    /// `dcChroma`: decode large JPEGs as the daemon does with `backbone.jpeg-chroma: fast`, so a pack's centroids
    /// come from the same pixels as the photos it is searched with.
    public init(
        model: EfficientNetLite0, cacheFolder: String?, threads: Int, framing: DecodedImage.Framing = .centerCrop,
        dcChroma: Bool = false
    ) {
        self.model = model
        self.threads = max(1, threads)
        self.framing = framing
        decoder = ImageDecoder(dcChroma: dcChroma)
        if let cacheFolder {
            let name =
                "features-" + model.version.replacingOccurrences(of: "/", with: "-")
                + (framing == .centerCrop ? "" : "-\(framing.rawValue)") + (dcChroma ? "-dc-chroma" : "") + ".f32"
            cachePath = (cacheFolder as NSString).appendingPathComponent(name)
        } else {
            cachePath = nil
        }
        loadCache()
    }

    /// How many feature vectors the cache holds.
    public var cachedCount: Int { lock.withLock { cache.count } }

    /// The features of every photo, in order; a photo that cannot be read or decoded gives its reason instead.
    /// `progress` hears (done, total) as photos complete.
    public func features(
        of paths: [String], augmentation: Augmentation? = nil, progress: @Sendable (Int, Int) -> Void = { _, _ in },
        isCancelled: @Sendable () -> Bool = { false }
    ) -> [Result<PhotoFeatures, LandmarkBuildError>] {
        let results = ResultSlots<Result<PhotoFeatures, LandmarkBuildError>>(count: paths.count)
        let next = Counter()
        let done = Counter()
        let fresh = FreshRecords()
        let workers = min(threads, max(1, paths.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let session = BackboneSession(model: model)
            while true {
                let index = next.increment() - 1
                guard index < paths.count else { break }
                if isCancelled() {
                    results.set(index, .failure(LandmarkBuildError("\(paths[index]): not read, the work was stopped")))
                    continue
                }
                let result = self.photo(paths[index], augmentation: augmentation, session: session, fresh: fresh)
                results.set(index, result)
                progress(done.increment(), paths.count)
            }
        }
        appendToCache(fresh.take())
        return results.values()
    }

    private func photo(
        _ path: String, augmentation: Augmentation?, session: BackboneSession, fresh: FreshRecords
    ) -> Result<PhotoFeatures, LandmarkBuildError> {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            return .failure(LandmarkBuildError("\(path): cannot read the file: \(error.localizedDescription)"))
        }
        return data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Result<PhotoFeatures, LandmarkBuildError> in
            let exif = ExifReader.read(bytes)
            let contentHash = Fingerprint.fnv1a64(bytes)
            let hash = augmentation?.key(contentHash) ?? contentHash
            var photo = PhotoFeatures(path: path, features: [], latitude: exif.latitude, longitude: exif.longitude)
            if let cached = lock.withLock({ cache[hash] }) {
                photo.features = cached
                return .success(photo)
            }
            do {
                let image = try decoder.decode(
                    bytes, minShortSide: EfficientNetLite0.inputSize, orientation: exif.orientation)
                let pixels =
                    augmentation?.view(of: image, hash: contentHash, size: EfficientNetLite0.inputSize)
                    ?? image.networkInput(size: EfficientNetLite0.inputSize, framing: framing)
                let input = BackboneInput.normalised(pixels)
                photo.features = session.run([input])[0].features
            } catch {
                return .failure(LandmarkBuildError("\(path): \((error as? ImagingError)?.message ?? "\(error)")"))
            }
            lock.withLock { cache[hash] = photo.features }
            fresh.add(hash, photo.features)
            return .success(photo)
        }
    }

    private func loadCache() {
        guard let cachePath, let data = FileManager.default.contents(atPath: cachePath) else { return }
        guard data.count >= 16, Array(data.prefix(16)) == Self.header else {
            // Not a cache this build wrote: start a new one.
            try? FileManager.default.removeItem(atPath: cachePath)
            return
        }
        let whole = 16 + (data.count - 16) / Self.recordSize * Self.recordSize
        if whole != data.count, let handle = FileHandle(forWritingAtPath: cachePath) {
            // A run stopped while appending: drop the partial record so later records stay aligned.
            try? handle.truncate(atOffset: UInt64(whole))
            try? handle.close()
        }
        data.withUnsafeBytes { bytes in
            var offset = 16
            while offset + Self.recordSize <= bytes.count {
                let hash = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                var values = [Float](repeating: 0, count: EfficientNetLite0.featureCount)
                values.withUnsafeMutableBytes {
                    $0.copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: bytes[(offset + 8)..<(offset + Self.recordSize)]))
                }
                cache[hash] = values
                offset += Self.recordSize
            }
        }
    }

    private func appendToCache(_ records: [(UInt64, [Float])]) {
        guard let cachePath, !records.isEmpty else { return }
        let folder = (cachePath as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var bytes = Data()
        if !FileManager.default.fileExists(atPath: cachePath) { bytes.append(contentsOf: Self.header) }
        for (hash, values) in records {
            withUnsafeBytes(of: hash.littleEndian) { bytes.append(contentsOf: $0) }
            values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        guard
            let handle = FileHandle(forWritingAtPath: cachePath)
                ?? {
                    _ = FileManager.default.createFile(atPath: cachePath, contents: nil)
                    return FileHandle(forWritingAtPath: cachePath)
                }()
        else { return }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: bytes)
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func increment() -> Int {
        lock.withLock {
            value += 1
            return value
        }
    }
}

/// Features computed in this run, to append to the cache.
final class FreshRecords: @unchecked Sendable {
    private var records: [(UInt64, [Float])] = []
    private let lock = NSLock()
    func add(_ hash: UInt64, _ values: [Float]) { lock.withLock { records.append((hash, values)) } }
    func take() -> [(UInt64, [Float])] { lock.withLock { records } }
}

/// One result per index, filled by concurrent workers.
final class ResultSlots<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Value) { lock.withLock { slots[index] = value } }
    func values() -> [Value] { lock.withLock { slots.map { $0! } } }
}
