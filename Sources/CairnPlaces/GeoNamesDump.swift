import Foundation

/// Reads a GeoNames dump (`cities500.txt`, `cities1000.txt`, `cities15000.txt`, `allCountries.txt`: tab-separated,
/// 19 columns) into cities. Only populated places (feature class `P`) are kept; malformed lines are counted and
/// skipped, never fatal unless nothing usable is left.
public struct GeoNamesDump: Sendable {
    public struct Result: Sendable {
        public var cities: [ImportedCity]
        public var skippedLines: Int
        /// SHA-free fingerprint of the file: its name, size and a content hash, stored as the gazetteer version.
        public var version: String
    }

    /// A populated place of the dump.
    public struct ImportedCity: Sendable, Equatable {
        public var geonameId: Int64
        public var city: City
    }

    /// GeoNames admin1 codes (`admin1CodesASCII.txt`: `CC.code<TAB>name<TAB>asciiname<TAB>id`) → region names.
    public static func readAdmin1Names(path: String) throws(PlacesError) -> [String: String] {
        var names: [String: String] = [:]
        try forEachLine(path: path) { fields in
            if fields.count >= 2 { names[String(fields[0])] = String(fields[1]) }
        }
        return names
    }

    /// Parses the dump at `path`. `countryNames` maps ISO codes to names (unknown codes keep the code);
    /// `admin1Names` maps "CC.admin1" to region names. `progress` hears the bytes read so far.
    public static func read(
        path: String, countryNames: [String: String], admin1Names: [String: String] = [:],
        progress: (Int) -> Void = { _ in }
    ) throws(PlacesError) -> Result {
        var cities: [ImportedCity] = []
        var skipped = 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var bytesRead = 0
        try forEachLine(
            path: path,
            onChunk: { chunk in
                bytesRead += chunk.count
                for byte in chunk { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
                progress(bytesRead)
            }
        ) { fields in
            guard fields.count >= 15, let id = Int64(fields[0]), let latitude = Double(fields[4]),
                let longitude = Double(fields[5]), (-90...90).contains(latitude), (-180...180).contains(longitude),
                !fields[1].isEmpty, fields[8].count == 2
            else {
                skipped += 1
                return
            }
            guard fields[6] == "P" else { return }  // populated places only
            let code = String(fields[8])
            let admin1 = admin1Names["\(code).\(fields[10])"]
            cities.append(
                ImportedCity(
                    geonameId: id,
                    city: City(
                        name: String(fields[1]), adminRegion: admin1, country: countryNames[code] ?? code,
                        countryCode: code, latitude: latitude, longitude: longitude,
                        population: Int(fields[14]) ?? 0)))
        }
        guard !cities.isEmpty else {
            throw PlacesError(
                message: "\(path): no populated places found; is this a GeoNames dump (19 tab-separated columns)?")
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        return Result(cities: cities, skippedLines: skipped, version: "geonames:\(name):\(String(hash, radix: 16))")
    }

    /// Streams a text file line by line (splitting on tabs), in chunks of `chunkBytes` (1 MiB; the fuzz target reads
    /// in small ones too, and checks that the lines are the same). Lines end at "\n", a "\r" before it (CRLF line
    /// ends) is not part of the line, and empty lines and lines starting with "#" are skipped, the last line too.
    static func forEachLine(
        path: String, chunkBytes: Int = 1 << 20, onChunk: (Data) -> Void = { _ in }, _ body: ([Substring]) -> Void
    ) throws(PlacesError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PlacesError(message: "\(path): cannot open the file")
        }
        defer { try? handle.close() }
        var pending = Data()
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: chunkBytes) ?? Data()
            } catch {
                throw PlacesError(message: "\(path): cannot read: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            onChunk(chunk)
            pending.append(chunk)
            guard let lastNewline = pending.lastIndex(of: 0x0A) else { continue }
            // Split as bytes: as text, "\r\n" is one Character, so a CRLF file would not split at "\n" at all.
            for line in pending[pending.startIndex..<lastNewline].split(separator: 0x0A) {
                emit(line, body)
            }
            pending = Data(pending[(lastNewline + 1)...])
        }
        emit(pending, body)
    }

    /// Hands `body` one line's fields: without a final "\r"; nothing for an empty line or a comment.
    private static func emit(_ line: Data, _ body: ([Substring]) -> Void) {
        let text = line.last == 0x0D ? line.dropLast() : line
        guard let first = text.first, first != UInt8(ascii: "#") else { return }
        body(String(decoding: text, as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false))
    }
}

/// Why a gazetteer could not be read.
public struct PlacesError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}

extension Gazetteer {
    /// ISO country code → country name, as libgeonames spells them.
    public var countryNames: [String: String] {
        cities.reduce(into: [:]) { names, city in names[city.countryCode] = city.country }
    }
}
