import Foundation

/// Puts an EXIF block with a GPS position into a JPEG (as a phone would have written it), so tests can give real
/// photos from ../shared/data a known position. The block is a little-endian TIFF structure: IFD0 with a GPS IFD
/// pointer; the GPS IFD with latitude/longitude references and degrees, minutes, seconds as rationals.
public enum GPSExifWriter {
    /// `taken` ("YYYY:MM:DD HH:MM:SS"), when given, goes into an Exif IFD as DateTimeOriginal.
    public static func jpeg(_ jpeg: [UInt8], latitude: Double, longitude: Double, taken: String? = nil) -> [UInt8] {
        precondition(jpeg.count > 2 && jpeg[0] == 0xFF && jpeg[1] == 0xD8, "not a JPEG")
        precondition(taken.map { $0.utf8.count == 19 } ?? true, "taken must read YYYY:MM:DD HH:MM:SS")
        let entries = taken == nil ? 1 : 2
        var tiff: [UInt8] = Array("II".utf8) + le16(42) + le32(8)
        // IFD0: the Exif IFD pointer (tag 0x8769) when dated, the GPS IFD pointer (0x8825, LONG), no next IFD.
        let gpsOffset = 8 + 2 + entries * 12 + 4
        let valuesOffset = gpsOffset + 2 + 4 * 12 + 4
        let exifOffset = valuesOffset + 48
        tiff += le16(UInt16(entries))
        if taken != nil { tiff += le16(0x8769) + le16(4) + le32(1) + le32(UInt32(exifOffset)) }
        tiff += le16(0x8825) + le16(4) + le32(1) + le32(UInt32(gpsOffset)) + le32(0)
        // GPS IFD: four entries; rationals follow the IFD.
        tiff += le16(4)
        tiff += le16(0x0001) + le16(2) + le32(2) + Array((latitude >= 0 ? "N" : "S").utf8) + [0, 0, 0]
        tiff += le16(0x0002) + le16(5) + le32(3) + le32(UInt32(valuesOffset))
        tiff += le16(0x0003) + le16(2) + le32(2) + Array((longitude >= 0 ? "E" : "W").utf8) + [0, 0, 0]
        tiff += le16(0x0004) + le16(5) + le32(3) + le32(UInt32(valuesOffset + 24))
        tiff += le32(0)
        tiff += rationals(abs(latitude)) + rationals(abs(longitude))
        if let taken {
            // Exif IFD: DateTimeOriginal (0x9003, ASCII, 20 bytes with its NUL) right after the IFD.
            tiff += le16(1) + le16(0x9003) + le16(2) + le32(20) + le32(UInt32(exifOffset + 18)) + le32(0)
            tiff += Array(taken.utf8) + [0]
        }
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let segment: [UInt8] = [0xFF, 0xE1] + be16(UInt16(payload.count + 2)) + payload
        return [0xFF, 0xD8] + segment + jpeg[2...]
    }

    /// Degrees, minutes and seconds (to 1/10,000 s) as three unsigned rationals.
    static func rationals(_ value: Double) -> [UInt8] {
        let degrees = value.rounded(.down)
        let minutes = ((value - degrees) * 60).rounded(.down)
        let seconds = ((value - degrees) * 60 - minutes) * 60
        return le32(UInt32(degrees)) + le32(1) + le32(UInt32(minutes)) + le32(1)
            + le32(UInt32((seconds * 10_000).rounded())) + le32(10_000)
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
}
