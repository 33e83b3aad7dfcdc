// libFuzzer target over the EXIF reader (Sources/CairnEXIF) over a whole file, as cairnd reads any file dropped into a
// watched folder: format sniffing, the EXIF locator (JPEG APP1, TIFF/DNG, the HEIF `Exif` item, PNG `eXIf`, WebP
// `EXIF`), the TIFF directory checks and repacking, libexif's parse and the XMP packet. Built by scripts/fuzz.sh
// together with the module's sources (this file joins the CairnEXIF module, so it reaches the internal parts).
// libexif underneath is not instrumented; Swift's own checks (bounds, overflow) trap on what the sanitizer cannot see.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExif(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = PhotoFormat.sniff(bytes)
    _ = ExifReader.read(bytes)
    if let found = ExifLocator.find(in: bytes) {
        // Repacking is only used on blocks over 64 kB in cairnd; here on every block, to reach it from small inputs.
        _ = TIFFDirectory.hasGPSPointer(found.tiff)
        _ = TIFFDirectory.compacted(found.tiff)
    }
    return 0
}
