import CairnImaging
import CairnInference
import CairnRecognition
import Foundation

/// One photo's costly inputs, each computed on first request and shared by every recognizer: the decoded image
/// (DCT-scaled, upright) and the backbone's outputs on it. A recognizer that asks for neither costs neither; a
/// decode failure is thrown to every recognizer that asks.
final class PhotoSource: BackboneProvider, PixelsProvider, @unchecked Sendable {
    let path: String
    let orientation: Int?
    let decoder: ImageDecoder
    let framing: DecodedImage.Framing
    let session: BackboneSession?
    private let lock = NSLock()
    private var decoded: Result<DecodedImage, any Error>?
    private var cached: Result<BackboneOutput, any Error>?

    init(path: String, orientation: Int?, decoder: ImageDecoder, framing: DecodedImage.Framing, session: BackboneSession?) {
        self.path = path
        self.orientation = orientation
        self.decoder = decoder
        self.framing = framing
        self.session = session
    }

    var backboneVersion: String { session?.model.version ?? "none" }

    func features() throws -> [Float] { try output().features }
    func logits() throws -> [Float] { try output().logits }

    func pixels(maxSide: Int) throws -> PhotoPixels {
        let image = try lock.withLock { () throws -> DecodedImage in try decodedImage() }
        let scale = min(1, Double(maxSide) / Double(max(image.width, image.height)))
        let small = scale < 1
            ? image.resized(width: max(1, Int((Double(image.width) * scale).rounded())),
                            height: max(1, Int((Double(image.height) * scale).rounded())))
            : image
        return PhotoPixels(width: small.width, height: small.height, rgb: small.rgb)
    }

    /// What the decoded image is reduced to when it is large: a short side of at least twice the network's input
    /// and a long side of about 1,024 (plugins get at most that). A JPEG is already decoded at a DCT scale near
    /// this; a full-size HEIC is reduced straight from the decoder's buffer (a batch of them held at full size took
    /// cairnd over 1 GB).
    static let reduction = DecodedImage.Reduction(minShortSide: 2 * EfficientNetLite0.inputSize, longSide: 1024)

    /// The decoded image; call with the lock held.
    private func decodedImage() throws -> DecodedImage {
        if let decoded { return try decoded.get() }
        let result = Result<DecodedImage, any Error> {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
            } catch {
                throw ImagingError(code: .unreadable, message: "cannot read the file: \(error.localizedDescription)")
            }
            return try data.withUnsafeBytes { bytes throws(ImagingError) in
                try decoder.decode(
                    bytes, minShortSide: EfficientNetLite0.inputSize, orientation: orientation, reduction: Self.reduction)
            }
        }
        decoded = result
        return try result.get()
    }

    /// Decodes the photo now; a failure is kept for the recognizers that ask.
    func prepareDecode() {
        lock.withLock { _ = try? decodedImage() }
    }

    /// Runs the backbone now; a failure is kept for the recognizers that ask.
    func prepareBackbone() {
        _ = try? output()
    }

    private func output() throws -> BackboneOutput {
        try lock.withLock {
            if let cached { return try cached.get() }
            let result = Result<BackboneOutput, any Error> {
                guard let session else { throw ModelError(path: path, message: "no backbone model is loaded") }
                let input = BackboneInput.normalised(try decodedImage().networkInput(size: EfficientNetLite0.inputSize, framing: framing))
                return session.run([input])[0]
            }
            cached = result
            return try result.get()
        }
    }
}
