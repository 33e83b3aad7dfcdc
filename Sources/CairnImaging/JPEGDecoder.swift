import CJPEG
import Foundation

/// Decodes JPEG files through libjpeg, and baseline files at 1/8 scale (the phone photo the recognition pipeline
/// sees most) through Cairn's own decoder, whose output is byte-identical to libjpeg's (Sources/CJPEG/eighth.c).
/// Corrupt data, truncated files and oversize images come back as `ImagingError` with libjpeg's own message;
/// nothing crashes or hangs.
public struct JPEGDecoder: Sendable {
    /// The decoder as `cairn photo` names it: libjpeg-turbo, with Cairn's own 1/8-scale decoder for baseline files.
    public static let library = "libjpeg-turbo, DCT-scaled"

    /// Images whose declared width × height exceed this are refused before any pixel memory is allocated.
    public var maxPixels: Int
    /// Never use Cairn's 1/8 decoder (tests and `cairn-bench` compare the two).
    public var libjpegOnly: Bool
    /// Let Cairn's 1/8 decoder take a 4:2:0 photo's chroma from each block's DC coefficient alone: about a fifth
    /// less decode time on a 12 MP phone photo, at the cost of libjpeg's exact chroma (docs/PERFORMANCE.md).
    public var dcChroma: Bool

    /// Which decoder made an image's pixels.
    public enum Engine: Sendable, Equatable {
        case libjpeg
        /// Cairn's 1/8-scale decoder for baseline files.
        case eighthScale
    }

    /// What decodes JPEGs in this process, for the daemon's log: Cairn's 1/8 decoder unless
    /// `CAIRN_JPEG_LIBJPEG_ONLY=1` is in the environment.
    public static var engines: String {
        cairn_jpeg_eighth_enabled() != 0
            ? "Cairn's 1/8 decoder for baseline files, libjpeg for the rest"
            : "libjpeg only (CAIRN_JPEG_LIBJPEG_ONLY)"
    }

    public init(maxPixels: Int = 200_000_000, libjpegOnly: Bool = false, dcChroma: Bool = false) {
        self.maxPixels = maxPixels
        self.libjpegOnly = libjpegOnly
        self.dcChroma = dcChroma
    }

    /// Header facts of a JPEG without decoding it.
    public struct Info: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var components: Int
        public var progressive: Bool
    }

    public func info(of bytes: UnsafeRawBufferPointer) throws(ImagingError) -> Info {
        var info = cairn_jpeg_info()
        let status = cairn_jpeg_read_info(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &info)
        guard status == CAIRN_JPEG_OK else { throw ImagingError(status: status, info: info) }
        return Info(
            width: Int(info.width), height: Int(info.height), components: Int(info.components),
            progressive: info.progressive != 0)
    }

    /// Decodes at the smallest DCT scale (1/8, 1/4, 1/2, 1/1) whose short side is still ≥ `minShortSide`.
    public func decode(_ bytes: UnsafeRawBufferPointer, minShortSide: Int = 224) throws(ImagingError) -> DecodedImage {
        try decodeReportingEngine(bytes, minShortSide: minShortSide).image
    }

    /// `decode`, and which decoder made the pixels.
    public func decodeReportingEngine(
        _ bytes: UnsafeRawBufferPointer, minShortSide: Int = 224
    ) throws(ImagingError) -> (image: DecodedImage, engine: Engine) {
        var info = cairn_jpeg_info()
        var pixels: UnsafeMutablePointer<UInt8>?
        let flags = (libjpegOnly ? Int32(CAIRN_JPEG_LIBJPEG_ONLY) : 0) | (dcChroma ? Int32(CAIRN_JPEG_DC_CHROMA) : 0)
        let status = cairn_jpeg_decode_rgb(
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, UInt32(clamping: minShortSide),
            UInt64(maxPixels), flags, &pixels, &info)
        guard status == CAIRN_JPEG_OK, let pixels else { throw ImagingError(status: status, info: info) }
        defer { free(pixels) }
        let width = Int(info.width), height = Int(info.height)
        let image = DecodedImage(
            width: width, height: height, rgb: Array(UnsafeBufferPointer(start: pixels, count: width * height * 3)))
        return (image, info.engine == CAIRN_JPEG_ENGINE_EIGHTH ? .eighthScale : .libjpeg)
    }

    /// Reads and decodes the file at `path`.
    public func decode(path: String, minShortSide: Int = 224) throws(ImagingError) -> DecodedImage {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw ImagingError(code: .unreadable, message: "cannot read the file: \(error.localizedDescription)")
        }
        let result = data.withUnsafeBytes { bytes in
            Result { () throws(ImagingError) in try decode(bytes, minShortSide: minShortSide) }
        }
        return try result.get()
    }
}
