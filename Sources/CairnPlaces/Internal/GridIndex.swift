import Foundation

/// Points bucketed into 1° × 1° cells; a radius query visits only the cells the radius can reach.
struct GridIndex: Sendable {
    private let latitudes: [Double]
    private let longitudes: [Double]
    private let cells: [Int: [Int]]

    init(points: [(Double, Double)]) {
        latitudes = points.map(\.0)
        longitudes = points.map(\.1)
        var cells: [Int: [Int]] = [:]
        for (i, point) in points.enumerated() {
            cells[Self.key(Self.row(point.0), Self.column(point.1)), default: []].append(i)
        }
        self.cells = cells
    }

    func nearest(latitude: Double, longitude: Double, withinKm radius: Double) -> (Int, Double)? {
        within(latitude: latitude, longitude: longitude, radiusKm: radius).min { $0.1 < $1.1 }
    }

    /// Every point within `radius` km, with its distance.
    func within(latitude: Double, longitude: Double, radiusKm radius: Double) -> [(Int, Double)] {
        let latitudeSpan = Int((radius / 111.0).rounded(.up))
        let cosine = max(cos(min(abs(latitude) + Double(latitudeSpan), 89.9) * .pi / 180), 0.01)
        let longitudeSpan = min(Int((radius / (111.0 * cosine)).rounded(.up)), 180)
        let row = Self.row(latitude), column = Self.column(longitude)
        var found: [(Int, Double)] = []
        for r in (row - latitudeSpan)...(row + latitudeSpan) where (0..<180).contains(r) {
            for c in (column - longitudeSpan)...(column + longitudeSpan) {
                let wrapped = ((c % 360) + 360) % 360
                for i in cells[Self.key(r, wrapped)] ?? [] {
                    let d = Self.haversineKm(latitude, longitude, latitudes[i], longitudes[i])
                    if d <= radius { found.append((i, d)) }
                }
            }
        }
        return found
    }

    static func row(_ latitude: Double) -> Int { min(max(Int((latitude + 90).rounded(.down)), 0), 179) }
    static func column(_ longitude: Double) -> Int { ((Int((longitude + 180).rounded(.down)) % 360) + 360) % 360 }
    static func key(_ row: Int, _ column: Int) -> Int { row * 360 + column }

    /// Great-circle distance on a sphere of radius 6371 km.
    static func haversineKm(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let rad = Double.pi / 180
        let dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat1 * rad) * cos(lat2 * rad) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * 6371 * asin(min(1, sqrt(a)))
    }
}
