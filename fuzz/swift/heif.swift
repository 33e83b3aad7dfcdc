// libFuzzer target over the HEIF/AVIF probe and decode (Sources/CairnImaging/HEIFDecoder.swift over libheif), built
// by scripts/fuzz.sh together with the CairnImaging module's sources (this file joins the module, so it reaches the
// internal decoder). First the path cairnd takes (a thumbnail large enough when there is one, reduced as PhotoSource
// asks), then a full-size decode copied out unreduced, for images up to a megapixel. libheif, libde265 and dav1d are
// not instrumented; the sanitizer and Swift's checks watch the plane arithmetic and the thumbnail choice.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHEIF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let decoder = HEIFDecoder(maxPixels: 16 << 20)
    guard (try? decoder.info(bytes)) != nil else { return 0 }
    let reduction = DecodedImage.Reduction(minShortSide: 448, longSide: 1024)
    _ = try? decoder.decode(bytes, minShortSide: 224, reduction: reduction)
    _ = try? HEIFDecoder(maxPixels: 1 << 20, useThumbnails: false).decode(bytes, minShortSide: 224, reduction: nil)
    return 0
}
