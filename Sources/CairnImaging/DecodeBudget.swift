import Foundation

/// The memory a decode that holds the whole image may take, the way `maxPixels` bounds its size. JPEG (and a camera
/// raw file's JPEG preview) decodes at a DCT scale and a WebP that is at least halved is scaled by libwebp while it
/// decodes, so their cost follows the reduced size; a HEIF/AVIF without a large enough thumbnail, a PNG, a TIFF, a
/// JPEG XL or an unscaled WebP is held whole by its library (libheif 1.15 has no reduced or tiled decode). Their
/// cost is estimated from the declared size before anything is allocated, and a photo over the budget is refused
/// with the estimate and the setting to raise (`watch.max-decode-mb`); large decodes run one at a time.
public struct DecodeBudget: Sendable, Equatable {
    /// The largest estimated cost, in bytes, of one decode.
    public var maxBytes: Int

    public init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// 160 MB: with cairnd's own ~100 MB (model, two backbone sessions, catalog) and another worker's scaled decode,
    /// a run stays under 300 MB (docs/PERFORMANCE.md, "Memory: decode budget").
    public static let standard = DecodeBudget(maxBytes: 160 << 20)
    public static let unlimited = DecodeBudget(maxBytes: .max)

    /// Above this estimate a decode waits for any other large one to finish: two at once are what took cairnd past
    /// 1 GB before (docs/PERFORMANCE.md, "Memory").
    static let largeBytes = 32 << 20
    private static let large = NSLock()

    /// Bytes per pixel at the peak of a whole-image decode, measured with `/usr/bin/time` over `cairn-bench
    /// preprocess` on Debian 12's libraries (24 MP PNG 6.2, TIFF 6.6 beyond its file, WebP 5.7, JPEG XL 5.8; HEIF
    /// 8-bit 5.9 at 12 MP; 10-bit 11.6 at 50 MP and AVIF 10-bit 12.1 at 20 MP with dav1d on one thread), rounded up,
    /// plus 8 MB for the libraries' own tables.
    enum Kind {
        case heif(bitsPerSample: Int)
        case png, tiff, webp, jxl

        var bytesPerPixel: Int {
            switch self {
            case .heif(let bits) where bits > 8: 13
            default: 7
            }
        }
    }

    static func estimate(_ kind: Kind, width: Int, height: Int) -> Int {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow else { return .max }
        let (bytes, tooMany) = pixels.multipliedReportingOverflow(by: kind.bytesPerPixel)
        return tooMany ? .max : bytes + (8 << 20)
    }

    /// Refuses a decode of `kind` at `width`×`height` whose estimate is over the budget; `what` says what would be
    /// decoded whole ("a 7008x4672 10-bit HEIF without a thumbnail of at least 224 px").
    func check(_ kind: Kind, width: Int, height: Int, what: String) throws(ImagingError) {
        let bytes = Self.estimate(kind, width: width, height: height)
        guard bytes > maxBytes else { return }
        throw ImagingError(
            code: .tooLarge,
            message:
                "image refused: decoding \(what) whole takes about \(bytes >> 20) MB, over the decode budget of "
                + "\(maxBytes >> 20) MB (watch.max-decode-mb)")
    }

    /// Runs `body`, one at a time with any other large decode when the estimate is large.
    static func run<T>(
        estimate bytes: Int, _ body: () throws(ImagingError) -> T
    ) throws(ImagingError) -> T {
        guard bytes > largeBytes else { return try body() }
        large.lock()
        defer { large.unlock() }
        return try body()
    }
}
