import CExif
import Foundation

/// Reads EXIF facts with libexif from a JPEG file or a raw EXIF block. Broken EXIF never throws: what can be
/// read is returned, and invalid GPS becomes "no location" with the reason in `locationIssue`.
public enum ExifReader {
    /// Reads the EXIF of a photo held in memory: JPEG, TIFF/DNG, HEIC/HEIF/AVIF, PNG, WebP or Exiv2 `.exv`.
    public static func read(_ bytes: UnsafeRawBufferPointer) -> ExifFacts {
        var facts = ExifFacts()
        if let found = ExifLocator.find(in: bytes) {
            if found.tiff.count > 65_000, let compact = TIFFDirectory.compacted(found.tiff) {
                facts = compact.withUnsafeBytes { read(tiff: $0) }
            } else {
                facts = read(tiff: found.tiff)
            }
        }
        XMPPacket.find(in: bytes).map { $0.fill(&facts) }
        return facts
    }

    /// Reads a TIFF-structured EXIF block (starting at "II*\0" or "MM\0*").
    static func read(tiff: UnsafeRawBufferPointer) -> ExifFacts {
        guard let data = exif_data_new() else { return ExifFacts() }
        defer { exif_data_unref(data) }
        let log = CorruptionLog()
        log.attach(to: data)
        // Read what the file says: libexif's "follow the specification" fix-ups would drop or invent tags, and
        // tags in an unusual directory (Make in the EXIF IFD) are still the camera's word.
        exif_data_unset_option(data, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION)
        exif_data_unset_option(data, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS)
        // libexif wants the APP1 payload: "Exif\0\0" then the TIFF block.
        var block = [UInt8](repeating: 0, count: 6 + tiff.count)
        block[0...5] = [0x45, 0x78, 0x69, 0x66, 0, 0]
        block.withUnsafeMutableBytes { UnsafeMutableRawBufferPointer(rebasing: $0[6...]).copyMemory(from: tiff) }
        exif_data_load_data(data, block, UInt32(clamping: block.count))
        var facts = facts(of: data)
        if facts.latitude == nil && facts.locationIssue == nil, let problem = log.firstProblem,
            TIFFDirectory.hasGPSPointer(tiff)
        {
            facts.locationIssue = "EXIF block is damaged (\(problem)); GPS not read"
        }
        return facts
    }

    /// Reads the EXIF of the file at `path`. Throws only when the file cannot be read at all.
    public static func read(path: String) throws(ExifError) -> ExifFacts {
        let contents: Data
        do {
            contents = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw ExifError.unreadable(path, error)
        }
        return contents.withUnsafeBytes { read($0) }
    }

    static func facts(of data: UnsafeMutablePointer<ExifData>) -> ExifFacts {
        let order = exif_data_get_byte_order(data)
        let ifds = data.pointee.ifd
        let entries = ExifEntries(ifd0: ifds.0, exif: ifds.2, gps: ifds.3, order: order)
        var facts = ExifFacts()
        facts.make = entries.ascii(0x010F, in: .ifd0) ?? entries.ascii(0x010F, in: .exif)
        facts.model = entries.ascii(0x0110, in: .ifd0) ?? entries.ascii(0x0110, in: .exif)
        facts.orientation = entries.integer(0x0112, in: .ifd0).flatMap { (1...8).contains($0) ? $0 : nil }
        facts.pixelWidth = entries.integer(0xA002, in: .exif)
        facts.pixelHeight = entries.integer(0xA003, in: .exif)
        facts.takenAt = entries.ascii(0x9003, in: .exif).flatMap(Self.isoDateTime)
        facts.takenAtOffset = entries.ascii(0x9011, in: .exif).flatMap(Self.offset)
        GPSDecoder(entries: entries).apply(to: &facts)
        facts.gpsTimestamp = GPSDecoder(entries: entries).timestamp()
        return facts
    }

    /// "2008:05:08 09:54:28" → "2008-05-08T09:54:28"; nil for blank or malformed values.
    static func isoDateTime(_ text: String) -> String? {
        let chars = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        guard chars.count >= 19 else { return nil }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
        guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(chars[$0]) }) else { return nil }
        let s = String(decoding: chars[0..<19], as: UTF8.self)
        let year = s.prefix(4), month = s.dropFirst(5).prefix(2), day = s.dropFirst(8).prefix(2)
        guard year != "0000", month != "00", day != "00" else { return nil }
        return "\(year)-\(month)-\(day)T\(s.dropFirst(11).prefix(8))"
    }

    /// "+02:00" stays; anything else is dropped.
    static func offset(_ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.count == 6, t.first == "+" || t.first == "-", t.dropFirst(3).first == ":" else { return nil }
        return t
    }
}

/// Why a file's EXIF could not be read.
public struct ExifError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }

    static func unreadable(_ path: String, _ error: any Error) -> Self {
        ExifError(path: path, message: "cannot read the file: \(error.localizedDescription)")
    }
}
