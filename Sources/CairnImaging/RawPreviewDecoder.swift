import CFormats
import Foundation

/// Camera raw files (CR2, CR3, CRW, NEF, ARW, RAF, ORF, RW2, PEF, SRW, DNG, X3F, MRW, IIQ, …) by the preview the
/// camera embedded, never by demosaicing: LibRaw finds the preview (`libraw_unpack_thumb`), a JPEG preview is decoded
/// by Cairn's JPEG path at the smallest DCT scale that keeps `minShortSide`, and the image is turned by the raw
/// file's own orientation. A file whose preview is missing or smaller than `minShortSide` is `unsupported`, with
/// that as the reason.
struct RawPreviewDecoder {
    var maxPixels: Int
    var dcChroma = false

    /// "LibRaw 0.20.2" (the library says "0.20.2-Release").
    static let library = "LibRaw \(String(cString: cairn_raw_version()).replacingOccurrences(of: "-Release", with: ""))"

    /// What LibRaw extracted: the preview's bytes (a JPEG stream or packed RGB) and what it knows of the file.
    private struct Preview {
        var bytes: [UInt8]
        var isJPEG: Bool
        var width: Int
        var height: Int
        var orientation: Int
    }

    /// Whether LibRaw knows `bytes` as a camera raw file (it reads the header only).
    static func isRaw(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var info = cairn_format_info()
        return cairn_raw_probe(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &info)
            == CAIRN_FORMAT_OK
    }

    private func preview(_ bytes: UnsafeRawBufferPointer) throws(ImagingError) -> Preview {
        var info = cairn_format_info()
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        let status = cairn_raw_preview(
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, UInt64(max(0, maxPixels)), &out,
            &length, &info)
        guard status == CAIRN_FORMAT_OK, let out else {
            throw ImagingError(status: status, info: info, format: "camera raw")
        }
        defer { free(out) }
        return Preview(
            bytes: Array(UnsafeBufferPointer(start: out, count: length)), isJPEG: info.preview_is_jpeg != 0,
            width: Int(info.preview_width), height: Int(info.preview_height), orientation: Int(info.orientation))
    }

    /// The preview's size (from its JPEG header when it is one), checked to be large enough.
    private func size(of preview: Preview, minShortSide: Int) throws(ImagingError) -> (Int, Int) {
        var width = preview.width, height = preview.height
        if preview.isJPEG {
            let header = try Self.withBytes(preview.bytes) { bytes throws(ImagingError) in
                do throws(ImagingError) {
                    return try JPEGDecoder(maxPixels: maxPixels).info(of: bytes)
                } catch {
                    throw ImagingError(code: .corrupt, message: "camera raw with a damaged preview: \(error.message)")
                }
            }
            width = header.width
            height = header.height
        }
        // Recognition needs a short side of 224; a caller asking for less (or for full size) sets its own floor.
        let floor = min(minShortSide, 224)
        guard min(width, height) >= floor else {
            throw ImagingError(
                code: .unsupported,
                message: "camera raw whose embedded preview is only \(width)x\(height) (Cairn reads raw files by their "
                    + "preview and needs a short side of \(floor); it does not develop raw data)")
        }
        return (width, height)
    }

    func info(_ bytes: UnsafeRawBufferPointer, minShortSide: Int = 224) throws(ImagingError) -> ImageInfo {
        let preview = try preview(bytes)
        let (width, height) = try size(of: preview, minShortSide: minShortSide)
        let kind = preview.isJPEG ? "JPEG" : "RGB"
        return ImageInfo(
            format: "raw", width: width, height: height,
            decoder: "\(Self.library), embedded \(kind) preview \(width)×\(height)")
    }

    func decode(
        _ bytes: UnsafeRawBufferPointer, minShortSide: Int, reduction: DecodedImage.Reduction?
    ) throws(ImagingError) -> DecodedImage {
        let preview = try preview(bytes)
        let (width, height) = try size(of: preview, minShortSide: minShortSide)
        let image: DecodedImage
        if preview.isJPEG {
            image = try Self.withBytes(preview.bytes) { jpeg throws(ImagingError) in
                try JPEGDecoder(maxPixels: maxPixels, dcChroma: dcChroma).decode(jpeg, minShortSide: minShortSide)
            }
        } else {
            image = preview.bytes.withUnsafeBufferPointer { rgb in
                DecodedImage.copied(from: rgb.baseAddress!, width: width, height: height, reduction: reduction)
            }
        }
        let upright = image.oriented(preview.orientation)
        return reduction.map { upright.reduced($0) } ?? upright
    }

    /// `withUnsafeBytes` for a body that throws only `ImagingError`.
    private static func withBytes<T>(
        _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(ImagingError) -> T
    ) throws(ImagingError) -> T {
        let result: Result<T, ImagingError> = bytes.withUnsafeBytes { raw in
            Result { () throws(ImagingError) in try body(raw) }
        }
        return try result.get()
    }
}
