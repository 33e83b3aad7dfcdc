import Foundation

/// The XMP packet of a file, read for the facts some editors write only there (GPS, date, camera). EXIF wins
/// where both have a value.
struct XMPPacket {
    var text: String

    /// The `<x:xmpmeta …>` packet inside `bytes`, if any. In a JPEG only the APP segments before the image data
    /// are searched; in other containers the first 256 KiB.
    static func find(in bytes: UnsafeRawBufferPointer) -> XMPPacket? {
        var limit = min(bytes.count, 256 * 1024)
        if PhotoFormat.sniff(bytes) == .jpeg, let end = ExifLocator.jpegHeaderEnd(bytes) { limit = end }
        let window = UnsafeRawBufferPointer(rebasing: bytes[0..<limit])
        guard let start = Self.search(window, "<x:xmpmeta"),
            let length = Self.search(UnsafeRawBufferPointer(rebasing: window[start...]), "</x:xmpmeta>")
        else { return nil }
        let slice = window[start..<(start + length + 12)]
        return XMPPacket(text: String(decoding: slice, as: UTF8.self))
    }

    /// Offset of `needle` in `haystack`: memchr to each candidate first byte, then memcmp (this runs on every
    /// photo, so it must not be a byte-by-byte generic search).
    private static func search(_ haystack: UnsafeRawBufferPointer, _ needle: String) -> Int? {
        let pattern = Array(needle.utf8)
        guard let base = haystack.baseAddress, haystack.count >= pattern.count else { return nil }
        var offset = 0
        let last = haystack.count - pattern.count
        while offset <= last {
            guard let hit = memchr(base + offset, Int32(pattern[0]), last - offset + 1) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + at, pattern, pattern.count) == 0 { return at }
            offset = at + 1
        }
        return nil
    }

    /// The value of property `name` (such as `exif:GPSLatitude`), written as an attribute or an element.
    func value(_ name: String) -> String? {
        for pattern in ["\(name)=\"", "\(name)='"] {
            if let range = text.range(of: pattern) {
                let quote = pattern.last!
                let rest = text[range.upperBound...]
                if let close = rest.firstIndex(of: quote) { return String(rest[..<close]) }
            }
        }
        if let open = text.range(of: "<\(name)>"), let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex) {
            return String(text[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return nil
    }

    /// XMP GPS coordinate "DDD,MM.mmmmK" or "DDD,MM,SSK" (K one of NSEW) → signed degrees.
    static func coordinate(_ text: String) -> Double? {
        guard let reference = text.last, "NSEW".contains(reference) else { return Double(text) }
        let parts = text.dropLast().split(separator: ",").map { Double($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        let values = parts.map { $0! }
        var degrees = values[0]
        if values.count > 1 { degrees += values[1] / 60 }
        if values.count > 2 { degrees += values[2] / 3600 }
        return reference == "S" || reference == "W" ? -degrees : degrees
    }

    /// Fills the facts EXIF did not have.
    func fill(_ facts: inout ExifFacts) {
        if facts.latitude == nil && facts.locationIssue == nil,
            let latitudeText = value("exif:GPSLatitude"), let longitudeText = value("exif:GPSLongitude")
        {
            if let latitude = Self.coordinate(latitudeText), let longitude = Self.coordinate(longitudeText),
                (-90...90).contains(latitude), (-180...180).contains(longitude), !(latitude == 0 && longitude == 0)
            {
                facts.latitude = latitude
                facts.longitude = longitude
            } else {
                facts.locationIssue = "XMP GPS position '\(latitudeText), \(longitudeText)' is not valid"
            }
        }
        if facts.takenAt == nil, let date = value("exif:DateTimeOriginal") ?? value("photoshop:DateCreated") {
            // "2022-01-10T15:15:44-07:00" or "2022-01-10T15:15:44.12".
            let local = String(date.prefix(19))
            if local.count == 19, ExifReader.isoDateTime(local.replacingOccurrences(of: "-", with: ":").replacingOccurrences(of: "T", with: " ")) != nil {
                facts.takenAt = local
                let zone = date.dropFirst(19).drop { $0 == "." || $0.isNumber }
                if facts.takenAtOffset == nil, let offset = ExifReader.offset(String(zone)) { facts.takenAtOffset = offset }
            }
        }
        if facts.orientation == nil, let text = value("tiff:Orientation"), let o = Int(text), (1...8).contains(o) {
            facts.orientation = o
        }
        if facts.make == nil, let make = value("tiff:Make"), !make.isEmpty { facts.make = make }
        if facts.model == nil, let model = value("tiff:Model"), !model.isEmpty { facts.model = model }
    }
}
