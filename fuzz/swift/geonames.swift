// libFuzzer target over the GeoNames dump reader (Sources/CairnPlaces/GeoNamesDump.swift), which `cairn places import`
// runs on a dump (cities500.txt, allCountries.txt…) and an admin1 codes file downloaded from the web, and over the
// gazetteer built from what it accepts (Gazetteer.swift, GridIndex.swift). Built by scripts/fuzz.sh with CairnPlaces'
// sources (this file joins the module, so it reaches the internal line reader) and libgeonames. Each input is
// written to a file (the reader streams a path) and:
//   - its lines are read in the reader's 1 MiB chunks and in 7-byte ones: the lines must be the same, and no line
//     may hold a newline;
//   - it is read as an admin1 codes file and as a dump with those region names;
//   - a gazetteer of the cities accepted is asked for the place at each of the first ones (it must name a city: a
//     city is 0 km from itself) and at a few fixed points.
import Foundation

private let folder = NSTemporaryDirectory() + "cairn-fuzz-geonames-\(getpid())"
private let path = folder + "/cities500.txt"
private let countries = ["GB": "United Kingdom", "FR": "France", "SE": "Sweden", "DE": "Germany"]
nonisolated(unsafe) private var checksum = 0  // keeps the results from being optimised away

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGeoNamesDump(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: path, contents: bytes) else { return 0 }

    var lines: [[Substring]] = []
    var smallChunkLines: [[Substring]] = []
    guard (try? GeoNamesDump.forEachLine(path: path, { lines.append($0) })) != nil,
        (try? GeoNamesDump.forEachLine(path: path, chunkBytes: 7, { smallChunkLines.append($0) })) != nil
    else { return 0 }
    precondition(lines == smallChunkLines, "the lines depend on where the chunks end")
    for fields in lines {
        precondition(!fields.contains { $0.unicodeScalars.contains("\n") }, "a line holds a line break: \(fields)")
    }

    let admin1 = (try? GeoNamesDump.readAdmin1Names(path: path)) ?? [:]
    checksum &+= admin1.count
    guard let result = try? GeoNamesDump.read(path: path, countryNames: countries, admin1Names: admin1) else {
        return 0
    }
    checksum &+= result.skippedLines &+ result.version.utf8.count
    let gazetteer = Gazetteer(cities: result.cities.map(\.city), version: result.version)
    for imported in result.cities.prefix(8) {
        let place = gazetteer.place(
            latitude: imported.city.latitude, longitude: imported.city.longitude, maxCityDistanceKm: 30)
        precondition(place?.city != nil, "no city at the position of \(imported.city)")
    }
    for (latitude, longitude) in [(0.0, 0.0), (90, 180), (-90, -180), (51.17828, -1.82664)] {
        checksum &+= gazetteer.place(latitude: latitude, longitude: longitude, maxCityDistanceKm: 500)?.city?.count ?? 0
    }
    return 0
}
