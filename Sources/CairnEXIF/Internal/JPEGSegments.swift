/// Finds the EXIF APP1 segment of a JPEG by walking its markers. libexif stops at the first APP1, which
/// in many files is XMP rather than EXIF.
enum JPEGSegments {
    /// The bytes from "Exif\\0\\0" to the end of its APP1 segment, or nil when the data is not a JPEG with EXIF.
    static func exifBlock(in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var offset = 2
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { return nil }
            let marker = bytes[offset + 1]
            if marker == 0xFF {  // fill byte
                offset += 1
                continue
            }
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 {  // no length
                offset += 2
                continue
            }
            if marker == 0xDA || marker == 0xD9 { return nil }  // image data starts: no EXIF before it
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { return nil }
            let start = offset + 4
            if marker == 0xE1, length >= 8, bytes[start] == 0x45, bytes[start + 1] == 0x78, bytes[start + 2] == 0x69,
                bytes[start + 3] == 0x66, bytes[start + 4] == 0, bytes[start + 5] == 0
            {
                return UnsafeRawBufferPointer(rebasing: bytes[start..<(offset + 2 + length)])
            }
            offset += 2 + length
        }
        return nil
    }
}
