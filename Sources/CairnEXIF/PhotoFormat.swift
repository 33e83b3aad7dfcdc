/// A photo file format, recognised from its first bytes (never from its name).
public enum PhotoFormat: String, Sendable, Equatable, CaseIterable {
    case jpeg
    /// Exiv2's metadata sidecar: a JPEG-like stream of segments without an image.
    case exv
    case tiff
    case heif
    case avif
    case png
    case webp

    /// The format of `bytes`, or nil when it is none Cairn knows.
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> PhotoFormat? {
        guard bytes.count >= 12 else { return nil }
        if bytes[0] == 0xFF && bytes[1] == 0xD8 { return .jpeg }
        if bytes[0] == 0xFF && bytes[1] == 0x01 && Array(bytes[2..<7]) == Array("Exiv2".utf8) { return .exv }
        if (bytes[0] == 0x49 && bytes[1] == 0x49 && bytes[2] == 0x2A && bytes[3] == 0)
            || (bytes[0] == 0x4D && bytes[1] == 0x4D && bytes[2] == 0 && bytes[3] == 0x2A)
        {
            return .tiff
        }
        if Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if Array(bytes[0..<4]) == Array("RIFF".utf8) && Array(bytes[8..<12]) == Array("WEBP".utf8) { return .webp }
        if Array(bytes[4..<8]) == Array("ftyp".utf8) {
            let brand = String(decoding: bytes[8..<12], as: UTF8.self)
            if brand == "avif" || brand == "avis" { return .avif }
            if ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"].contains(brand) { return .heif }
        }
        return nil
    }
}
