import CExif

/// Typed access to the entries of one EXIF block.
struct ExifEntries {
    enum Directory { case ifd0, exif, gps }

    var ifd0: UnsafeMutablePointer<ExifContent>?
    var exif: UnsafeMutablePointer<ExifContent>?
    var gps: UnsafeMutablePointer<ExifContent>?
    var order: ExifByteOrder

    func entry(_ tag: UInt32, in directory: Directory) -> UnsafeMutablePointer<ExifEntry>? {
        let content: UnsafeMutablePointer<ExifContent>?
        switch directory {
        case .ifd0: content = ifd0
        case .exif: content = exif
        case .gps: content = gps
        }
        guard let content else { return nil }
        return exif_content_get_entry(content, ExifTag(rawValue: tag))
    }

    func has(_ tag: UInt32, in directory: Directory) -> Bool {
        entry(tag, in: directory) != nil
    }

    /// An ASCII tag's text without trailing NULs and blanks; nil when absent or empty.
    func ascii(_ tag: UInt32, in directory: Directory) -> String? {
        guard let entry = entry(tag, in: directory), let data = entry.pointee.data, entry.pointee.size > 0 else {
            return nil
        }
        let bytes = UnsafeBufferPointer(start: data, count: Int(entry.pointee.size))
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        let text = String(decoding: bytes[0..<end], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? nil : text
    }

    /// The first value of a SHORT or LONG tag.
    func integer(_ tag: UInt32, in directory: Directory) -> Int? {
        guard let entry = entry(tag, in: directory), let data = entry.pointee.data,
            entry.pointee.components > 0
        else { return nil }
        switch entry.pointee.format {
        case EXIF_FORMAT_SHORT where entry.pointee.size >= 2:
            return Int(exif_get_short(data, order))
        case EXIF_FORMAT_LONG where entry.pointee.size >= 4:
            return Int(exif_get_long(data, order))
        case EXIF_FORMAT_BYTE where entry.pointee.size >= 1:
            return Int(data.pointee)
        default:
            return nil
        }
    }

    /// The values of an (unsigned or signed) RATIONAL tag, converted exactly; a zero denominator gives nil.
    /// Some writers store GPS degrees as text ("52 deg 31' 12.3\"" or "52.52"); its numbers are read too.
    func rationals(_ tag: UInt32, in directory: Directory) -> [Double?]? {
        guard let entry = entry(tag, in: directory), let data = entry.pointee.data else { return nil }
        if entry.pointee.format == EXIF_FORMAT_ASCII, let text = ascii(tag, in: directory) {
            let numbers = text.split { !($0.isNumber || $0 == ".") }.compactMap { Double($0) }
            return numbers.isEmpty ? nil : numbers.map { Optional($0) }
        }
        let count = Int(entry.pointee.components)
        guard Int(entry.pointee.size) >= count * 8 else { return nil }
        switch entry.pointee.format {
        case EXIF_FORMAT_RATIONAL:
            return (0..<count).map { i in
                let r = exif_get_rational(data + 8 * i, order)
                return r.denominator == 0 ? nil : Double(r.numerator) / Double(r.denominator)
            }
        case EXIF_FORMAT_SRATIONAL:
            return (0..<count).map { i in
                let r = exif_get_srational(data + 8 * i, order)
                return r.denominator == 0 ? nil : Double(r.numerator) / Double(r.denominator)
            }
        default:
            return nil
        }
    }
}

/// Turns the GPS directory into a location or a reason there is none.
struct GPSDecoder {
    var entries: ExifEntries

    func apply(to facts: inout ExifFacts) {
        let hasLatitude = entries.has(0x0002, in: .gps)
        let hasLongitude = entries.has(0x0004, in: .gps)
        guard hasLatitude || hasLongitude else { return }
        guard hasLatitude, hasLongitude else {
            facts.locationIssue = hasLatitude ? "GPS latitude without longitude" : "GPS longitude without latitude"
            return
        }
        guard let latitude = degrees(0x0002), let longitude = degrees(0x0004) else {
            facts.locationIssue = "GPS coordinates are empty or malformed"
            return
        }
        let latitudeRef = entries.ascii(0x0001, in: .gps)?.uppercased()
        let longitudeRef = entries.ascii(0x0003, in: .gps)?.uppercased()
        let signedLatitude = latitudeRef == "S" ? -latitude : latitude
        let signedLongitude = longitudeRef == "W" ? -longitude : longitude
        if !(-90...90).contains(signedLatitude) {
            facts.locationIssue = "GPS latitude \(Self.format(signedLatitude)) is out of range"
        } else if !(-180...180).contains(signedLongitude) {
            facts.locationIssue = "GPS longitude \(Self.format(signedLongitude)) is out of range"
        } else if signedLatitude == 0 && signedLongitude == 0 {
            facts.locationIssue = "GPS position 0, 0 is a null fix"
        } else {
            facts.latitude = signedLatitude
            facts.longitude = signedLongitude
            if let altitude = entries.rationals(0x0006, in: .gps)?.first ?? nil, altitude.isFinite {
                let below = entries.integer(0x0005, in: .gps) == 1
                facts.altitude = below ? -altitude : altitude
            }
        }
    }

    /// GPSDateStamp ("2019:05:04") and GPSTimeStamp (hours, minutes, seconds as rationals) as a UTC time.
    func timestamp() -> String? {
        guard let date = entries.ascii(0x001D, in: .gps), let time = entries.rationals(0x0007, in: .gps),
            time.count == 3, let h = time[0], let m = time[1], let s = time[2],
            (0..<24).contains(h), (0..<60).contains(m), (0..<61).contains(s),
            let day = ExifReader.isoDateTime(date + " 00:00:00")?.prefix(10)
        else { return nil }
        return String(format: "%@T%02d:%02d:%02dZ", String(day), Int(h), Int(m), Int(s))
    }

    /// Degrees, minutes, seconds (any may be missing beyond degrees) → decimal degrees.
    private func degrees(_ tag: UInt32) -> Double? {
        guard let parts = entries.rationals(tag, in: .gps), let d = parts.first ?? nil else { return nil }
        let m = parts.count > 1 ? (parts[1] ?? 0) : 0
        let s = parts.count > 2 ? (parts[2] ?? 0) : 0
        let value = d + m / 60 + s / 3600
        return value.isFinite ? value : nil
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int64(value)) : String(value)
    }
}
