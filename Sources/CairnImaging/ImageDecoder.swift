import Foundation

/// What a cheap look at an image says: its format and declared size. A probe that succeeds means the file is
/// worth decoding; it does not decode pixels.
public struct ImageInfo: Sendable, Equatable {
    public var format: String
    public var width: Int
    public var height: Int
}

/// Decodes the photo formats Cairn can recognise: JPEG (libjpeg, DCT-scaled) and HEIC/HEIF/AVIF (libheif).
/// Other formats are `unsupported`; damaged files fail with the decoder's own message; images above the pixel
/// limit are refused before any pixel memory is allocated.
public struct ImageDecoder: Sendable {
    public var maxPixels: Int
    /// Whether a HEIF/AVIF thumbnail item large enough for `minShortSide` is decoded instead of the full image.
    public var useThumbnails: Bool
    /// JPEG at 1/8 scale: 4:2:0 chroma from each block's DC alone (`JPEGDecoder.dcChroma`).
    public var dcChroma: Bool

    public init(maxPixels: Int = 200_000_000, useThumbnails: Bool = true, dcChroma: Bool = false) {
        self.maxPixels = maxPixels
        self.useThumbnails = useThumbnails
        self.dcChroma = dcChroma
    }

    /// Header and structure check without decoding pixels. For JPEG it also requires the end-of-image marker,
    /// which a truncated upload lacks.
    public func probe(_ bytes: UnsafeRawBufferPointer) throws(ImagingError) -> ImageInfo {
        switch ImageKind.sniff(bytes) {
        case .jpeg:
            let info = try JPEGDecoder(maxPixels: maxPixels).info(of: bytes)
            guard info.width * info.height <= maxPixels else {
                throw ImagingError(
                    code: .tooLarge,
                    message: "image refused: declared size \(info.width)x\(info.height) exceeds the limit of \(maxPixels) pixels")
            }
            guard Self.hasEndOfImage(bytes) else {
                throw ImagingError(code: .truncated, message: "truncated JPEG: the end-of-image marker is missing")
            }
            return ImageInfo(format: "jpeg", width: info.width, height: info.height)
        case .heif:
            return try HEIFDecoder(maxPixels: maxPixels).info(bytes)
        case .other(let name):
            throw ImagingError(code: .unsupported, message: "unsupported format: \(name)")
        case .unknown(let reason):
            throw ImagingError(code: .corrupt, message: reason)
        }
    }

    /// Decodes to upright RGB. JPEGs are decoded at the smallest DCT scale whose short side is still at least
    /// `minShortSide`, then turned by their EXIF `orientation`; HEIF is already upright, decoded from its thumbnail
    /// item when that is large enough (and `useThumbnails`), else at full size, one full-size decode at a time. The
    /// result is then reduced by `reduction` when given (a full-size HEIF straight from the decoder's buffer).
    public func decode(
        _ bytes: UnsafeRawBufferPointer, minShortSide: Int = 224, orientation: Int? = nil,
        reduction: DecodedImage.Reduction? = nil
    ) throws(ImagingError) -> DecodedImage {
        switch ImageKind.sniff(bytes) {
        case .jpeg:
            let image = try JPEGDecoder(maxPixels: maxPixels, dcChroma: dcChroma).decode(bytes, minShortSide: minShortSide)
                .oriented(orientation ?? 1)
            return reduction.map { image.reduced($0) } ?? image
        case .heif:
            return try HEIFDecoder(maxPixels: maxPixels, useThumbnails: useThumbnails)
                .decode(bytes, minShortSide: minShortSide, reduction: reduction)
        case .other(let name):
            throw ImagingError(code: .unsupported, message: "unsupported format: \(name)")
        case .unknown(let reason):
            throw ImagingError(code: .corrupt, message: reason)
        }
    }

    /// Whether the last bytes of a JPEG hold its end-of-image marker (some writers append padding after it).
    static func hasEndOfImage(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let window = max(2, bytes.count - 64 * 1024)
        var i = bytes.count - 2
        while i >= window - 2 && i >= 2 {
            if bytes[i] == 0xFF && bytes[i + 1] == 0xD9 { return true }
            i -= 1
        }
        return false
    }
}

/// Which decoder a file needs, from its first bytes.
enum ImageKind: Equatable {
    case jpeg
    case heif
    /// A real image format Cairn does not decode.
    case other(String)
    /// Not an image at all (empty, truncated to nothing, or garbage under a photo's name).
    case unknown(String)

    static func sniff(_ bytes: UnsafeRawBufferPointer) -> ImageKind {
        guard bytes.count >= 12 else { return .unknown(bytes.isEmpty ? "the file is empty" : "the file is too short to be an image") }
        if bytes[0] == 0xFF && bytes[1] == 0xD8 { return .jpeg }
        if Array(bytes[4..<8]) == Array("ftyp".utf8) {
            let brand = String(decoding: bytes[8..<12], as: UTF8.self)
            if ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis"].contains(brand) {
                return .heif
            }
            return .other("ISO media '\(brand)'")
        }
        if Array(bytes[0..<4]) == [0x89, 0x50, 0x4E, 0x47] { return .other("PNG") }
        if bytes[0] == 0x49 && bytes[1] == 0x49 || bytes[0] == 0x4D && bytes[1] == 0x4D { return .other("TIFF/raw") }
        if Array(bytes[0..<4]) == Array("RIFF".utf8) { return .other("WebP") }
        if Array(bytes[0..<3]) == Array("GIF".utf8) { return .other("GIF") }
        if bytes[0] == 0x42 && bytes[1] == 0x4D { return .other("BMP") }
        if bytes[0] == 0xFF && bytes[1] == 0x0A || Array(bytes[4..<8]) == Array("JXL ".utf8) { return .other("JPEG XL") }
        if Array(bytes[4..<8]) == Array("jP  ".utf8) || Array(bytes[0..<4]) == [0xFF, 0x4F, 0xFF, 0x51] {
            return .other("JPEG 2000")
        }
        if Array(bytes[0..<4]) == Array("8BPS".utf8) { return .other("Photoshop")  }
        if bytes[0] == 0xFF && bytes[1] == 0x01 && Array(bytes[2..<7]) == Array("Exiv2".utf8) {
            return .other("Exiv2 metadata sidecar (no image)")
        }
        let head = bytes.prefix(4).map { String(format: "0x%02x", $0) }.joined(separator: " ")
        return .unknown("not an image Cairn recognises (the file starts with \(head))")
    }
}
