import CHeif

/// Decodes HEIC/HEIF and AVIF through libheif (HEVC by libde265, AV1 by dav1d). libheif applies the file's own
/// rotation and mirroring, so its pixels come out upright.
struct HEIFDecoder {
    var maxPixels: Int

    /// Opens the file and its primary image without decoding pixels; the handle's size is checked against the
    /// pixel limit before anything large is allocated.
    private func withPrimaryImage<T>(
        _ bytes: UnsafeRawBufferPointer, _ body: (OpaquePointer, Int, Int) throws(ImagingError) -> T
    ) throws(ImagingError) -> T {
        guard let context = heif_context_alloc() else { throw ImagingError(code: .outOfMemory, message: "out of memory") }
        defer { heif_context_free(context) }
        try check(heif_context_read_from_memory_without_copy(context, bytes.baseAddress, bytes.count, nil))
        var handle: OpaquePointer?
        try check(heif_context_get_primary_image_handle(context, &handle))
        guard let handle else { throw ImagingError(code: .corrupt, message: "corrupt HEIF: no primary image") }
        defer { heif_image_handle_release(handle) }
        let width = Int(heif_image_handle_get_width(handle)), height = Int(heif_image_handle_get_height(handle))
        guard width > 0, height > 0 else { throw ImagingError(code: .corrupt, message: "corrupt HEIF: image has no size") }
        guard width * height <= maxPixels else {
            throw ImagingError(
                code: .tooLarge,
                message: "image refused: declared size \(width)x\(height) exceeds the limit of \(maxPixels) pixels")
        }
        return try body(handle, width, height)
    }

    func info(_ bytes: UnsafeRawBufferPointer) throws(ImagingError) -> ImageInfo {
        try withPrimaryImage(bytes) { _, width, height throws(ImagingError) in
            ImageInfo(format: "heif", width: width, height: height)
        }
    }

    func decode(_ bytes: UnsafeRawBufferPointer) throws(ImagingError) -> DecodedImage {
        try withPrimaryImage(bytes) { handle, _, _ throws(ImagingError) in
            var image: OpaquePointer?
            try check(heif_decode_image(handle, &image, heif_colorspace_RGB, heif_chroma_interleaved_RGB, nil))
            guard let image else { throw ImagingError(code: .corrupt, message: "corrupt HEIF: no pixels decoded") }
            defer { heif_image_release(image) }
            let width = Int(heif_image_get_width(image, heif_channel_interleaved))
            let height = Int(heif_image_get_height(image, heif_channel_interleaved))
            var stride: Int32 = 0
            guard let plane = heif_image_get_plane_readonly(image, heif_channel_interleaved, &stride), width > 0,
                height > 0
            else { throw ImagingError(code: .corrupt, message: "corrupt HEIF: no RGB plane") }
            var rgb = [UInt8](repeating: 0, count: width * height * 3)
            let rowBytes = width * 3
            let planeStride = Int(stride)
            rgb.withUnsafeMutableBytes { out in
                for y in 0..<height {
                    let source = UnsafeRawBufferPointer(start: plane.advanced(by: y * planeStride), count: rowBytes)
                    let start = y * rowBytes
                    UnsafeMutableRawBufferPointer(rebasing: out[start..<(start + rowBytes)]).copyMemory(from: source)
                }
            }
            return DecodedImage(width: width, height: height, rgb: rgb)
        }
    }

    private func check(_ error: heif_error) throws(ImagingError) {
        guard error.code != heif_error_Ok else { return }
        let message = error.message.map { String(cString: $0) } ?? "libheif error \(error.code.rawValue)"
        throw ImagingError(code: .corrupt, message: "corrupt HEIF: \(message)")
    }
}
