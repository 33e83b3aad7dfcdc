import Foundation

/// What a cheap look at an image says: its format and declared size. A probe that succeeds means the file is
/// worth decoding; it does not decode pixels.
public struct ImageInfo: Sendable, Equatable {
    /// `jpeg`, `heif`, `png`, `webp`, `tiff`, `jxl` or `raw`.
    public var format: String
    /// The size the decoder reads: the image's, or for a camera raw file its embedded preview's.
    public var width: Int
    public var height: Int
    /// The library that decodes it, with its version, and for a camera raw file the preview it reads
    /// ("LibRaw 0.20.2, embedded JPEG preview 1616×1080").
    public var decoder: String
}

/// Decodes the photo formats Cairn can recognise: JPEG (libjpeg, DCT-scaled), HEIC/HEIF/AVIF (libheif), PNG
/// (libspng), WebP (libwebp), TIFF (libtiff), JPEG XL (libjxl) and camera raw files by their embedded preview
/// (LibRaw). Other formats (GIF, BMP, JPEG 2000, Photoshop) are `unsupported`; damaged files fail with the
/// decoder's own message; images above the pixel limit are refused before any pixel memory is allocated.
public struct ImageDecoder: Sendable {
    public var maxPixels: Int
    /// The memory a whole-image decode (HEIF/AVIF without a large enough thumbnail, PNG, TIFF, JPEG XL) may take.
    public var budget: DecodeBudget
    /// Whether a HEIF/AVIF thumbnail item large enough for `minShortSide` is decoded instead of the full image.
    public var useThumbnails: Bool
    /// JPEG at 1/8 scale: 4:2:0 chroma from each block's DC alone (`JPEGDecoder.dcChroma`).
    public var dcChroma: Bool

    public init(
        maxPixels: Int = 200_000_000, budget: DecodeBudget = .standard, useThumbnails: Bool = true,
        dcChroma: Bool = false
    ) {
        self.maxPixels = maxPixels
        self.budget = budget
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
                    message:
                        "image refused: declared size \(info.width)x\(info.height) exceeds the limit of \(maxPixels) pixels"
                )
            }
            guard Self.hasEndOfImage(bytes) else {
                throw ImagingError(code: .truncated, message: "truncated JPEG: the end-of-image marker is missing")
            }
            return ImageInfo(format: "jpeg", width: info.width, height: info.height, decoder: JPEGDecoder.library)
        case .heif:
            return try HEIFDecoder(maxPixels: maxPixels, budget: budget, useThumbnails: useThumbnails).info(bytes)
        case .library(let format):
            return try LibraryDecoder(format: format, maxPixels: maxPixels, budget: budget).info(bytes)
        case .raw:
            return try RawPreviewDecoder(maxPixels: maxPixels).info(bytes)
        case .tiff:
            return try tiffOrRaw(bytes) { raw throws(ImagingError) in
                try raw.info(bytes)
            } tiff: { tiff throws(ImagingError) in
                try tiff.info(bytes)
            }
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
            let image = try JPEGDecoder(maxPixels: maxPixels, dcChroma: dcChroma).decode(
                bytes, minShortSide: minShortSide
            )
            .oriented(orientation ?? 1)
            return reduction.map { image.reduced($0) } ?? image
        case .heif:
            return try HEIFDecoder(maxPixels: maxPixels, budget: budget, useThumbnails: useThumbnails)
                .decode(bytes, minShortSide: minShortSide, reduction: reduction)
        case .library(let format):
            return try LibraryDecoder(format: format, maxPixels: maxPixels, budget: budget)
                .decode(bytes, orientation: orientation, reduction: reduction)
        case .raw:
            return try RawPreviewDecoder(maxPixels: maxPixels, dcChroma: dcChroma)
                .decode(bytes, minShortSide: minShortSide, reduction: reduction)
        case .tiff:
            return try tiffOrRaw(bytes) { raw throws(ImagingError) in
                try raw.decode(bytes, minShortSide: minShortSide, reduction: reduction)
            } tiff: { tiff throws(ImagingError) in
                try tiff.decode(bytes, orientation: orientation, reduction: reduction)
            }
        case .other(let name):
            throw ImagingError(code: .unsupported, message: "unsupported format: \(name)")
        case .unknown(let reason):
            throw ImagingError(code: .corrupt, message: reason)
        }
    }

    /// A TIFF-structured file is a camera raw (DNG, NEF, CR2, ARW, PEF, …) when LibRaw knows it as one, and is then
    /// read by its preview; a raw file without a usable preview is tried as a plain TIFF (some cameras' TIFFs), and
    /// when that fails too the raw reason is the one given. Any other TIFF goes to libtiff.
    private func tiffOrRaw<T>(
        _ bytes: UnsafeRawBufferPointer, raw: (RawPreviewDecoder) throws(ImagingError) -> T,
        tiff: (LibraryDecoder) throws(ImagingError) -> T
    ) throws(ImagingError) -> T {
        let plain = LibraryDecoder(format: .tiff, maxPixels: maxPixels, budget: budget)
        guard RawPreviewDecoder.isRaw(bytes) else { return try tiff(plain) }
        do {
            return try raw(RawPreviewDecoder(maxPixels: maxPixels, dcChroma: dcChroma))
        } catch let rawError {
            guard rawError.code == .unsupported || rawError.code == .corrupt else { throw rawError }
            do {
                return try tiff(plain)
            } catch {
                throw rawError
            }
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
    /// PNG, WebP or JPEG XL.
    case library(LibraryDecoder.Format)
    /// TIFF structure: a plain TIFF or a camera raw file built on TIFF (DNG, NEF, CR2, ARW, PEF, SRW, IIQ, …).
    case tiff
    /// A camera raw file with its own structure (CR3, CRW, RAF, ORF, RW2, X3F, MRW).
    case raw
    /// A real image format Cairn does not decode.
    case other(String)
    /// Not an image at all (empty, truncated to nothing, or garbage under a photo's name).
    case unknown(String)

    static func sniff(_ bytes: UnsafeRawBufferPointer) -> ImageKind {
        guard bytes.count >= 12 else {
            return .unknown(bytes.isEmpty ? "the file is empty" : "the file is too short to be an image")
        }
        if bytes[0] == 0xFF && bytes[1] == 0xD8 { return .jpeg }
        if Array(bytes[4..<8]) == Array("ftyp".utf8) {
            let brand = String(decoding: bytes[8..<12], as: UTF8.self)
            if ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis"].contains(brand) {
                return .heif
            }
            if brand == "crx " { return .raw }  // Canon CR3
            return .other("ISO media '\(brand)'")
        }
        let head = Array(bytes[0..<12])
        if Array(head[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .library(.png) }
        if Array(head[0..<4]) == Array("RIFF".utf8) {
            return Array(head[8..<12]) == Array("WEBP".utf8) ? .library(.webp) : .other("RIFF (not WebP)")
        }
        if head[0] == 0xFF && head[1] == 0x0A || Array(head[4..<8]) == Array("JXL ".utf8) { return .library(.jxl) }
        if let raw = rawSignature(head) { return raw }
        if head[0] == 0x49 && head[1] == 0x49 && (head[2] == 0x2A || head[2] == 0x2B) && head[3] == 0
            || head[0] == 0x4D && head[1] == 0x4D && head[2] == 0 && (head[3] == 0x2A || head[3] == 0x2B)
        {
            return .tiff
        }
        if head[0] == 0x49 && head[1] == 0x49 || head[0] == 0x4D && head[1] == 0x4D { return .other("TIFF-like") }
        if Array(head[0..<3]) == Array("GIF".utf8) { return .other("GIF") }
        if head[0] == 0x42 && head[1] == 0x4D { return .other("BMP") }
        if Array(bytes[4..<8]) == Array("jP  ".utf8) || Array(bytes[0..<4]) == [0xFF, 0x4F, 0xFF, 0x51] {
            return .other("JPEG 2000")
        }
        if Array(bytes[0..<4]) == Array("8BPS".utf8) { return .other("Photoshop") }
        if bytes[0] == 0xFF && bytes[1] == 0x01 && Array(bytes[2..<7]) == Array("Exiv2".utf8) {
            return .other("Exiv2 metadata sidecar (no image)")
        }
        let start = bytes.prefix(4).map { String(format: "0x%02x", $0) }.joined(separator: " ")
        return .unknown("not an image Cairn recognises (the file starts with \(start))")
    }

    /// The camera raw files that do not start like a TIFF: Canon CRW ("HEAPCCDR" at 6), Fujifilm RAF, Olympus ORF
    /// ("IIRO", "IIRS", "MMOR"), Panasonic RW2 ("IIU"), Sigma X3F ("FOVb"), Minolta MRW.
    private static func rawSignature(_ head: [UInt8]) -> ImageKind? {
        if Array(head[6..<12]) == Array("HEAPCC".utf8) { return .raw }
        if Array(head[0..<8]) == Array("FUJIFILM".utf8) { return .raw }
        let four = String(decoding: head[0..<4], as: UTF8.self)
        if ["IIRO", "IIRS", "MMOR", "FOVb"].contains(four) { return .raw }
        if head[0..<4] == [0x49, 0x49, 0x55, 0x00] || head[0..<4] == [0x00, 0x4D, 0x52, 0x4D] { return .raw }
        return nil
    }
}
