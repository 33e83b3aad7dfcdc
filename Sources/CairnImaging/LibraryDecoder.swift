import CFormats
import Foundation

/// PNG, WebP, TIFF and JPEG XL through Debian's libraries (libspng, libwebp, libtiff, libjxl), one C call each
/// (Sources/CFormats): the pixel limit is checked on the declared size before anything is allocated, each library's
/// message becomes the `ImagingError`, and a large image is reduced straight from the library's buffer.
struct LibraryDecoder {
    enum Format: Equatable {
        case png, webp, tiff, jxl

        var name: String {
            switch self {
            case .png: "PNG"
            case .webp: "WebP"
            case .tiff: "TIFF"
            case .jxl: "JPEG XL"
            }
        }

        var identifier: String {
            switch self {
            case .png: "png"
            case .webp: "webp"
            case .tiff: "tiff"
            case .jxl: "jxl"
            }
        }

        /// The library and its version, as `cairn photo` shows it.
        var library: String {
            switch self {
            case .png: "libspng \(String(cString: cairn_png_version()))"
            case .webp: "libwebp \(Self.dotted(cairn_webp_version(), base: 256))"
            case .tiff: "libtiff \(Self.tiffVersion)"
            case .jxl: "libjxl \(Self.dotted(cairn_jxl_version(), base: 1000))"
            }
        }

        private static func dotted(_ version: Int32, base: Int32) -> String {
            "\(version / (base * base)).\(version / base % base).\(version % base)"
        }

        /// "LIBTIFF, Version 4.5.0\nCopyright…" → "4.5.0".
        private static let tiffVersion: String = {
            let text = String(cString: cairn_tiff_version())
            let line = text.split(separator: "\n").first.map(String.init) ?? text
            return line.components(separatedBy: "Version ").last ?? line
        }()
    }

    var format: Format
    var maxPixels: Int
    var budget = DecodeBudget.standard

    /// Refuses a whole-image decode over the budget; returns its estimate. A WebP that libwebp scales while decoding
    /// (`scaled`) costs its scaled size.
    @discardableResult
    private func checkBudget(width: Int, height: Int, scaled: Bool = false) throws(ImagingError) -> Int {
        let kind: DecodeBudget.Kind
        switch format {
        case .png: kind = .png
        case .tiff: kind = .tiff
        case .jxl: kind = .jxl
        case .webp:
            guard !scaled else { return 0 }
            kind = .webp
        }
        try budget.check(kind, width: width, height: height, what: "a \(width)x\(height) \(format.name)")
        return DecodeBudget.estimate(kind, width: width, height: height)
    }

    func info(_ bytes: UnsafeRawBufferPointer) throws(ImagingError) -> ImageInfo {
        var info = cairn_format_info()
        let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let status: cairn_format_status
        switch format {
        case .png: status = cairn_png_probe(data, bytes.count, &info)
        case .webp: status = cairn_webp_probe(data, bytes.count, &info)
        case .tiff: status = cairn_tiff_probe(data, bytes.count, &info)
        case .jxl: status = cairn_jxl_probe(data, bytes.count, &info)
        }
        guard status == CAIRN_FORMAT_OK else { throw ImagingError(status: status, info: info, format: format.name) }
        let width = Int(info.width), height = Int(info.height)
        guard width > 0, height > 0 else {
            throw ImagingError(code: .corrupt, message: "corrupt \(format.name): the image has no size")
        }
        guard width * height <= maxPixels else { throw ImagingError.tooLarge(width, height, limit: maxPixels) }
        // A WebP is scaled while it decodes whenever recognition halves it or more, so only its scaled size counts.
        try checkBudget(width: width, height: height, scaled: format == .webp)
        return ImageInfo(format: format.identifier, width: width, height: height, decoder: format.library)
    }

    /// The image upright: a PNG or WebP turned by the EXIF `orientation` it carries, a TIFF by its own Orientation
    /// tag, a JPEG XL by libjxl. Reduced by `reduction` when given (a WebP by libwebp while it decodes).
    func decode(
        _ bytes: UnsafeRawBufferPointer, orientation: Int?, reduction: DecodedImage.Reduction?
    ) throws(ImagingError) -> DecodedImage {
        let declared = try info(bytes)
        var scaled: (Int, Int) = (0, 0)
        // libwebp's own scaling saves the full-size buffer and time on a large reduction (12 MP to 1,024 px:
        // 208 ms against 276 ms), but costs time on a small one (1200×800 to 1,024 px: 35 ms against 26 ms).
        if format == .webp, let reduction,
            let size = DecodedImage.reducedSize(width: declared.width, height: declared.height, reduction),
            size.0 * 2 <= declared.width
        {
            scaled = size
        }
        let estimate = try checkBudget(width: declared.width, height: declared.height, scaled: scaled.0 > 0)
        return try DecodeBudget.run(estimate: estimate) { () throws(ImagingError) in
            try decode(bytes, scaled: scaled, orientation: orientation, reduction: reduction)
        }
    }

    private func decode(
        _ bytes: UnsafeRawBufferPointer, scaled: (Int, Int), orientation: Int?, reduction: DecodedImage.Reduction?
    ) throws(ImagingError) -> DecodedImage {
        var info = cairn_format_info()
        var pixels: UnsafeMutablePointer<UInt8>?
        let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let limit = UInt64(max(0, maxPixels))
        let status: cairn_format_status
        var turn = orientation ?? 1
        switch format {
        case .png:
            status = cairn_png_decode(data, bytes.count, limit, &pixels, &info)
        case .webp:
            status = cairn_webp_decode(data, bytes.count, limit, UInt32(scaled.0), UInt32(scaled.1), &pixels, &info)
        case .tiff:
            status = cairn_tiff_decode(data, bytes.count, limit, &pixels, &info)
            turn = Int(info.orientation)
        case .jxl:
            status = cairn_jxl_decode(data, bytes.count, limit, &pixels, &info)
            turn = 1
        }
        guard status == CAIRN_FORMAT_OK, let pixels else {
            throw ImagingError(status: status, info: info, format: format.name)
        }
        defer { free(pixels) }
        let image = DecodedImage.copied(
            from: pixels, width: Int(info.width), height: Int(info.height), reduction: reduction)
        return image.oriented(turn)
    }
}

extension DecodedImage {
    /// Packed RGB from a C buffer, reduced by `reduction` on the way when it is large (no second full-size copy).
    static func copied(
        from pixels: UnsafePointer<UInt8>, width: Int, height: Int, reduction: Reduction?
    ) -> DecodedImage {
        let source = UnsafeRawBufferPointer(start: pixels, count: width * height * 3)
        if let reduction, let (w, h) = reducedSize(width: width, height: height, reduction) {
            return resampled(source, width: width, height: height, rowBytes: width * 3, to: w, h)
        }
        return DecodedImage(width: width, height: height, rgb: Array(source.bindMemory(to: UInt8.self)))
    }
}

extension ImagingError {
    init(status: cairn_format_status, info: cairn_format_info, format: String) {
        let text = withUnsafeBytes(of: info.message) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        switch status {
        case CAIRN_FORMAT_TOO_LARGE: self.init(code: .tooLarge, message: "image refused: \(text)")
        case CAIRN_FORMAT_TRUNCATED: self.init(code: .truncated, message: "truncated \(format): \(text)")
        case CAIRN_FORMAT_NO_MEMORY: self.init(code: .outOfMemory, message: "out of memory while decoding")
        case CAIRN_FORMAT_UNSUPPORTED: self.init(code: .unsupported, message: "unsupported \(format): \(text)")
        default: self.init(code: .corrupt, message: "corrupt \(format): \(text.isEmpty ? "no reason given" : text)")
        }
    }

    static func tooLarge(_ width: Int, _ height: Int, limit: Int) -> ImagingError {
        ImagingError(
            code: .tooLarge,
            message: "image refused: declared size \(width)x\(height) exceeds the limit of \(limit) pixels")
    }
}
