import CFormats
import CHeif
import Foundation

/// Decodes HEIC/HEIF and AVIF through libheif (HEVC by libde265, AV1 by dav1d). libheif applies the file's own
/// rotation and mirroring, so its pixels come out upright.
///
/// libheif 1.15 has no scaled or tiled decode: a full-size decode of a 12 MP iPhone photo peaks near 80 MB, a 50 MP
/// 10-bit camera HEIF near 400 MB. So a thumbnail item large enough for the caller is decoded instead when the file
/// has one; a full-size decode must fit the `DecodeBudget` (refused with the estimate otherwise, already when the
/// file is probed), runs one at a time with other large decodes, with its codec's threads on one CPU, and is
/// reduced straight from libheif's plane.
struct HEIFDecoder {
    var maxPixels: Int
    var budget = DecodeBudget.standard
    var useThumbnails = true

    static let library = "libheif \(String(cString: heif_get_version()))"

    /// Opens the file and its primary image without decoding pixels; the handle's size is checked against the
    /// pixel limit before anything large is allocated.
    private func withPrimaryImage<T>(
        _ bytes: UnsafeRawBufferPointer, _ body: (OpaquePointer, Int, Int) throws(ImagingError) -> T
    ) throws(ImagingError) -> T {
        guard let context = heif_context_alloc() else {
            throw ImagingError(code: .outOfMemory, message: "out of memory")
        }
        defer { heif_context_free(context) }
        try check(heif_context_read_from_memory_without_copy(context, bytes.baseAddress, bytes.count, nil))
        var handle: OpaquePointer?
        try check(heif_context_get_primary_image_handle(context, &handle))
        guard let handle else { throw ImagingError(code: .corrupt, message: "corrupt HEIF: no primary image") }
        defer { heif_image_handle_release(handle) }
        let width = Int(heif_image_handle_get_width(handle)), height = Int(heif_image_handle_get_height(handle))
        guard width > 0, height > 0 else {
            throw ImagingError(code: .corrupt, message: "corrupt HEIF: image has no size")
        }
        guard width * height <= maxPixels else {
            throw ImagingError(
                code: .tooLarge,
                message: "image refused: declared size \(width)x\(height) exceeds the limit of \(maxPixels) pixels")
        }
        return try body(handle, width, height)
    }

    /// The size, and whether the image can be decoded within the budget for a caller that needs `minShortSide`.
    func info(_ bytes: UnsafeRawBufferPointer, minShortSide: Int = 224) throws(ImagingError) -> ImageInfo {
        try withPrimaryImage(bytes) { handle, width, height throws(ImagingError) in
            if let thumbnail = usableThumbnail(of: handle, width: width, height: height, minShortSide: minShortSide) {
                heif_image_handle_release(thumbnail)
            } else {
                try checkFullSize(handle, width: width, height: height, minShortSide: minShortSide)
            }
            return ImageInfo(format: "heif", width: width, height: height, decoder: Self.library)
        }
    }

    /// Refuses a full-size decode over the budget; returns its estimate.
    @discardableResult
    private func checkFullSize(
        _ handle: OpaquePointer, width: Int, height: Int, minShortSide: Int
    ) throws(ImagingError) -> Int {
        let bits = Int(heif_image_handle_get_luma_bits_per_pixel(handle))
        let kind = DecodeBudget.Kind.heif(bitsPerSample: bits)
        let thumbnails = useThumbnails ? "a thumbnail of at least \(minShortSide) px" : "thumbnails in use"
        try budget.check(
            kind, width: width, height: height, what: "a \(width)x\(height) \(bits)-bit HEIF without \(thumbnails)")
        return DecodeBudget.estimate(kind, width: width, height: height)
    }

    /// The upright image: the smallest thumbnail whose short side is at least `minShortSide` and whose shape is the
    /// primary image's, else the primary image at full size. Either is reduced by `reduction` when given.
    func decode(
        _ bytes: UnsafeRawBufferPointer, minShortSide: Int, reduction: DecodedImage.Reduction?
    ) throws(ImagingError) -> DecodedImage {
        try withPrimaryImage(bytes) { handle, width, height throws(ImagingError) in
            if let thumbnail = usableThumbnail(of: handle, width: width, height: height, minShortSide: minShortSide) {
                defer { heif_image_handle_release(thumbnail) }
                if let image = try? pixels(of: thumbnail, reduction: reduction) { return image }
            }
            let estimate = try checkFullSize(handle, width: width, height: height, minShortSide: minShortSide)
            return try DecodeBudget.run(estimate: estimate) { () throws(ImagingError) in
                var cpus = cairn_cpu_mask()
                cairn_thread_pin_one_cpu(&cpus)
                defer { cairn_thread_restore_cpus(&cpus) }
                return try pixels(of: handle, reduction: reduction)
            }
        }
    }

    /// The smallest thumbnail whose short side is at least `minShortSide` and whose shape is the primary image's (the
    /// caller releases it); nil when there is none or thumbnails are not in use.
    private func usableThumbnail(
        of handle: OpaquePointer, width: Int, height: Int, minShortSide: Int
    ) -> OpaquePointer? {
        guard useThumbnails else { return nil }
        let count = Int(heif_image_handle_get_number_of_thumbnails(handle))
        guard count > 0 else { return nil }
        var ids = [heif_item_id](repeating: 0, count: count)
        let listed = Int(heif_image_handle_get_list_of_thumbnail_IDs(handle, &ids, Int32(count)))
        var best: (OpaquePointer, Int)?  // the smallest one that is large enough
        for id in ids.prefix(listed) {
            var thumbnail: OpaquePointer?
            guard heif_image_handle_get_thumbnail(handle, id, &thumbnail).code == heif_error_Ok, let thumbnail else {
                continue
            }
            let w = Int(heif_image_handle_get_width(thumbnail)), h = Int(heif_image_handle_get_height(thumbnail))
            // Large enough, and the same shape and orientation as the photo (a 4:3 photo with a 3:4 thumbnail
            // would be a thumbnail that was not turned like the photo).
            let sameShape =
                abs(Double(w) / Double(h) - Double(width) / Double(height)) < 0.05 * Double(width) / Double(height)
            if min(w, h) >= minShortSide, sameShape, best.map({ w * h < $0.1 }) ?? true {
                if let previous = best { heif_image_handle_release(previous.0) }
                best = (thumbnail, w * h)
            } else {
                heif_image_handle_release(thumbnail)
            }
        }
        return best?.0
    }

    /// Decodes `handle` to RGB and copies it out, reduced by `reduction` directly from libheif's plane when it is
    /// large, so no second full-size buffer exists.
    private func pixels(
        of handle: OpaquePointer, reduction: DecodedImage.Reduction?
    ) throws(ImagingError) -> DecodedImage {
        var image: OpaquePointer?
        try check(heif_decode_image(handle, &image, heif_colorspace_RGB, heif_chroma_interleaved_RGB, nil))
        guard let image else { throw ImagingError(code: .corrupt, message: "corrupt HEIF: no pixels decoded") }
        defer { heif_image_release(image) }
        // Some thumbnails decode at their coded size (Sony's 1616×1080 preview as 1664×1088, padding included): keep
        // the size the file declares for the item.
        let width = min(
            Int(heif_image_get_width(image, heif_channel_interleaved)), Int(heif_image_handle_get_width(handle)))
        let height = min(
            Int(heif_image_get_height(image, heif_channel_interleaved)), Int(heif_image_handle_get_height(handle)))
        var stride: Int32 = 0
        guard let plane = heif_image_get_plane_readonly(image, heif_channel_interleaved, &stride), width > 0,
            height > 0
        else { throw ImagingError(code: .corrupt, message: "corrupt HEIF: no RGB plane") }
        let planeStride = Int(stride)
        let source = UnsafeRawBufferPointer(start: plane, count: planeStride * (height - 1) + width * 3)
        if let reduction, let (w, h) = DecodedImage.reducedSize(width: width, height: height, reduction) {
            return DecodedImage.resampled(source, width: width, height: height, rowBytes: planeStride, to: w, h)
        }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        let rowBytes = width * 3
        rgb.withUnsafeMutableBytes { out in
            for y in 0..<height {
                let row = UnsafeRawBufferPointer(rebasing: source[(y * planeStride)..<(y * planeStride + rowBytes)])
                let start = y * rowBytes
                UnsafeMutableRawBufferPointer(rebasing: out[start..<(start + rowBytes)]).copyMemory(from: row)
            }
        }
        return DecodedImage(width: width, height: height, rgb: rgb)
    }

    private func check(_ error: heif_error) throws(ImagingError) {
        guard error.code != heif_error_Ok else { return }
        let message = error.message.map { String(cString: $0) } ?? "libheif error \(error.code.rawValue)"
        throw ImagingError(code: .corrupt, message: "corrupt HEIF: \(message)")
    }
}
