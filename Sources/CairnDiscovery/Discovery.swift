import CairnInference
import CairnLandmarkBuilder
import Foundation

/// A photo as discovery sees it: where and on which day it was taken, and its compact embedding.
public struct DiscoveryPhoto: Sendable {
    public var id: Int64
    public var latitude: Double
    public var longitude: Double
    /// The day it was taken (days since 1970-01-01 of the camera's local date); nil when undated.
    public var day: Int?
    /// The stored embedding (unit length).
    public var embedding: [Float]

    public init(id: Int64, latitude: Double, longitude: Double, day: Int?, embedding: [Float]) {
        self.id = id
        self.latitude = latitude
        self.longitude = longitude
        self.day = day
        self.embedding = embedding
    }
}

/// The rules that decide what is a landmark of the library: how near, how many photos, over how many days, and
/// how alike. Defaults chosen on tuning seeds of the test library (docs/DISCOVERY.md), never on its test seeds.
public struct DiscoveryRules: Sendable, Equatable {
    /// Photos within this distance of a place's centre belong to it (a place is at most twice this across).
    public var radiusMeters = 300.0
    /// A proposal needs at least this many photos…
    public var minimumPhotos = 8
    /// …taken on at least this many different days (a burst at a restaurant is not a landmark).
    public var minimumDays = 2
    /// Visual clusters: complete linkage cut where the least similar pair of a cluster would fall below this
    /// (dot product of whitened, unit-length embeddings).
    public var minimumSimilarity: Float = 0.3
    /// A place with more photos is clustered on an even sample of this many; the rest join the nearest cluster
    /// when they are as alike as its members must be (keeps discovery linear in the library).
    public var largestSample = 1500
    /// A photo taken at a proposal's place must be at least this many times likelier to look like it than one taken
    /// elsewhere (a pet, a sunset, a plate look alike everywhere; a landmark only where it stands). 0: no check.
    public var minimumLift = 30.0
    /// The member whose similarity sets what "looks like it" means: 0.5 the median member, 0.1 one of the least
    /// alike.
    public var liftQuantile = 0.1
    /// How many typical photos a proposal shows.
    public var typicalCount = 5

    public init() {}
}

/// A place the library seems to have a landmark at.
public struct Proposal: Sendable, Equatable {
    /// The member photos, most typical first.
    public var members: [Int64]
    public var latitude: Double
    public var longitude: Double
    /// Different days among the members, and the first and last of them (days since 1970).
    public var days: Int
    public var firstDay: Int?
    public var lastDay: Int?
    /// How alike the members look: the mean similarity of two of them (whitened space).
    public var coherence: Float
    /// How much likelier a photo taken at the place is to look like the members than one taken elsewhere.
    public var lift = 0.0

    public init(
        members: [Int64], latitude: Double, longitude: Double, days: Int, firstDay: Int?, lastDay: Int?,
        coherence: Float
    ) {
        self.members = members
        self.latitude = latitude
        self.longitude = longitude
        self.days = days
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.coherence = coherence
    }

    public func typical(_ count: Int) -> [Int64] { Array(members.prefix(count)) }
}

/// Finds the library's own landmarks: places where photos taken on several days gather (spatial groups a few
/// hundred metres across) and, inside each, groups of photos that look alike (the pack builder's complete-linkage
/// clustering on the stored embeddings) and like nothing photographed elsewhere.
public struct Discovery: Sendable {
    public var rules: DiscoveryRules

    public init(rules: DiscoveryRules = DiscoveryRules()) {
        self.rules = rules
    }

    /// What one pass found and why it left the rest: the places with enough photos, and the visual groups each rule
    /// turned down.
    public struct Tally: Sendable, Codable, Equatable {
        /// Places with enough photos, and of those, photographed on one day only (or undated).
        public var places = 0
        public var placesOnOneDay = 0
        /// Visual groups with enough photos, and of those, turned down: on too few days, alike to photos taken
        /// elsewhere.
        public var groups = 0
        public var groupsOnOneDay = 0
        public var alikeElsewhere = 0

        public init() {}
    }

    /// The proposals among `photos` (each with a position; the caller leaves out photos a pack already recognised),
    /// largest first.
    public func propose(_ photos: [DiscoveryPhoto]) -> [Proposal] { proposeCounting(photos).proposals }

    /// The proposals, and what the rules turned down.
    public func proposeCounting(_ photos: [DiscoveryPhoto]) -> (proposals: [Proposal], tally: Tally) {
        let vectors = photos.map(\.embedding)
        let all = Matrix(vectors)
        var proposals: [Proposal] = []
        var tally = Tally()
        for place in Self.places(photos, radiusMeters: rules.radiusMeters, minimumPhotos: rules.minimumPhotos) {
            tally.places += 1
            guard Self.dayCount(place.map { photos[$0] }) >= rules.minimumDays else {
                tally.placesOnOneDay += 1
                continue
            }
            for group in visualGroups(place.map { vectors[$0] }) where group.count >= rules.minimumPhotos {
                tally.groups += 1
                let members = group.map { place[$0] }
                guard Self.dayCount(members.map { photos[$0] }) >= rules.minimumDays else {
                    tally.groupsOnOneDay += 1
                    continue
                }
                let candidate = proposal(members, photos: photos, vectors: vectors)
                let lift = lift(candidate.centroid, members: members, photos: photos, all: all)
                guard lift >= rules.minimumLift else {
                    tally.alikeElsewhere += 1
                    continue
                }
                var proposal = candidate.proposal
                proposal.lift = lift
                proposals.append(proposal)
            }
        }
        let sorted = proposals.sorted {
            $0.members.count != $1.members.count ? $0.members.count > $1.members.count : $0.members[0] < $1.members[0]
        }
        return (sorted, tally)
    }

    /// How much likelier a photo taken at the proposal's place is to look like it than a photo taken elsewhere:
    /// the share of the place's photos (within twice the radius) at least as alike to `centroid` as the least
    /// alike members are (`elsewhereQuantile`), over the same share among the photos taken elsewhere. A landmark
    /// looks like itself only where it stands; a cat, a sunset or a plate looks alike everywhere, even when many of
    /// them were taken at home.
    func lift(_ centroid: [Float], members: [Int], photos: [DiscoveryPhoto], all: Matrix) -> Double {
        let alikeness = all.dots(centroid)
        let similarities = members.map { alikeness[$0] }.sorted()
        let bar = similarities[min(similarities.count - 1, Int(rules.liftQuantile * Double(similarities.count)))]
        var latitude = 0.0
        var longitude = 0.0
        for member in members {
            latitude += photos[member].latitude
            longitude += photos[member].longitude
        }
        let centre = (latitude / Double(members.count), longitude / Double(members.count))
        var here = (photos: 0, alike: 0)
        var elsewhere = (photos: 0, alike: 0)
        for index in photos.indices {
            let alike = alikeness[index] >= bar ? 1 : 0
            if Self.distanceMeters(centre, (photos[index].latitude, photos[index].longitude)) > 2 * rules.radiusMeters {
                elsewhere.photos += 1
                elsewhere.alike += alike
            } else {
                here.photos += 1
                here.alike += alike
            }
        }
        guard elsewhere.alike > 0 else { return .infinity }
        let shareHere = Double(here.alike) / Double(max(1, here.photos))
        return shareHere / (Double(elsewhere.alike) / Double(elsewhere.photos))
    }

    // MARK: Places

    /// Groups of photo indices within `radiusMeters` of a centre, densest first: photos are binned into cells
    /// of that size; from the fullest cell on, a centre is the mean position of its unclaimed photos, moved twice
    /// to the mean of the photos within the radius, and those photos form a place if there are enough of them.
    /// Linear in the photos (each looks at nine cells).
    static func places(_ photos: [DiscoveryPhoto], radiusMeters: Double, minimumPhotos: Int) -> [[Int]] {
        let cellLatitude = radiusMeters / metresPerDegree
        func row(_ latitude: Double) -> Int { Int((latitude / cellLatitude).rounded(.down)) }
        func cellLongitude(_ row: Int) -> Double {
            let latitude = (Double(row) + 0.5) * cellLatitude
            return radiusMeters / (metresPerDegree * max(0.01, cos(latitude * .pi / 180)))
        }
        struct Cell: Hashable {
            var row: Int
            var column: Int
        }
        func cell(_ latitude: Double, _ longitude: Double) -> Cell {
            let r = row(latitude)
            return Cell(row: r, column: Int((longitude / cellLongitude(r)).rounded(.down)))
        }
        var cells: [Cell: [Int]] = [:]
        for (index, photo) in photos.enumerated() {
            cells[cell(photo.latitude, photo.longitude), default: []].append(index)
        }
        var claimed = [Bool](repeating: false, count: photos.count)
        func within(_ centre: (Double, Double)) -> [Int] {
            let r = row(centre.0)
            var found: [Int] = []
            for dr in -1...1 {
                let width = cellLongitude(r + dr)
                let column = Int((centre.1 / width).rounded(.down))
                for dc in -1...1 {
                    for index in cells[Cell(row: r + dr, column: column + dc)] ?? [] where !claimed[index] {
                        if distanceMeters(centre, (photos[index].latitude, photos[index].longitude)) <= radiusMeters {
                            found.append(index)
                        }
                    }
                }
            }
            return found
        }
        func centre(_ indices: [Int]) -> (Double, Double) {
            var latitude = 0.0
            var longitude = 0.0
            for index in indices {
                latitude += photos[index].latitude
                longitude += photos[index].longitude
            }
            return (latitude / Double(indices.count), longitude / Double(indices.count))
        }
        let order = cells.sorted {
            $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.value[0] < $1.value[0]
        }
        var places: [[Int]] = []
        for (_, indices) in order {
            let unclaimed = indices.filter { !claimed[$0] }
            guard !unclaimed.isEmpty else { continue }
            var members = unclaimed
            for _ in 0..<2 {
                let moved = within(centre(members))
                guard !moved.isEmpty else { break }
                members = moved
            }
            guard members.count >= minimumPhotos else { continue }
            for index in members { claimed[index] = true }
            places.append(members.sorted())
        }
        return places
    }

    static let metresPerDegree = 111_320.0

    /// Equirectangular distance: exact enough within a few kilometres.
    static func distanceMeters(_ a: (Double, Double), _ b: (Double, Double)) -> Double {
        let y = (a.0 - b.0) * metresPerDegree
        let x = (a.1 - b.1) * metresPerDegree * cos((a.0 + b.0) / 2 * .pi / 180)
        return (x * x + y * y).squareRoot()
    }

    static func dayCount(_ photos: [DiscoveryPhoto]) -> Int { Set(photos.compactMap(\.day)).count }

    // MARK: Looks

    /// The visual groups of one place's photos (their vectors in this space): indices into `vectors`.
    func visualGroups(_ vectors: [[Float]]) -> [[Int]] {
        let d = vectors.first?.count ?? 0
        let sample: [Int] =
            vectors.count <= rules.largestSample
            ? Array(vectors.indices)
            : (0..<rules.largestSample).map { $0 * vectors.count / rules.largestSample }
        let threshold = (2 - 2 * rules.minimumSimilarity).squareRoot()
        var groups = Clustering.completeLinkage(
            sample.flatMap { vectors[$0] }, count: sample.count, dimension: d, threshold: max(0, threshold)
        ).map { $0.map { sample[$0] } }
        guard sample.count < vectors.count else { return groups }
        // The photos left out of the sample join the group whose every sampled member they are alike enough to
        // (one matrix product per block of them against the members of the groups large enough to count).
        let counted = groups.indices.filter { groups[$0].count >= rules.minimumPhotos }
        let members = Matrix(counted.flatMap { groups[$0] }.map { vectors[$0] })
        var columns: [Range<Int>] = []
        for g in counted {
            let start = columns.last?.upperBound ?? 0
            columns.append(start..<(start + groups[g].count))
        }
        let sampled = Set(sample)
        let rest = vectors.indices.filter { !sampled.contains($0) }
        guard !counted.isEmpty else { return groups }
        for start in stride(from: 0, to: rest.count, by: 512) {
            let block = Array(rest[start..<min(rest.count, start + 512)])
            let scores = Matrix(block.map { vectors[$0] }).products(members)
            for (row, index) in block.enumerated() {
                var best = (group: -1, worst: -Float.infinity)
                for (c, g) in counted.enumerated() {
                    var worst = Float.infinity
                    for column in columns[c] { worst = min(worst, scores[row * members.rows + column]) }
                    if worst >= rules.minimumSimilarity && worst > best.worst { best = (g, worst) }
                }
                if best.group >= 0 { groups[best.group].append(index) }
            }
        }
        return groups
    }

    func proposal(
        _ members: [Int], photos: [DiscoveryPhoto], vectors: [[Float]]
    ) -> (proposal: Proposal, centroid: [Float]) {
        var centroid = [Float](repeating: 0, count: vectors[members[0]].count)
        for member in members { for i in centroid.indices { centroid[i] += vectors[member][i] } }
        Self.normalise(&centroid)
        let similarity = members.map { Self.dot(vectors[$0], centroid) }
        let order = members.indices.sorted {
            similarity[$0] != similarity[$1] ? similarity[$0] > similarity[$1] : members[$0] < members[$1]
        }
        let days = members.compactMap { photos[$0].day }
        let proposal = Proposal(
            members: order.map { photos[members[$0]].id },
            latitude: members.reduce(0) { $0 + photos[$1].latitude } / Double(members.count),
            longitude: members.reduce(0) { $0 + photos[$1].longitude } / Double(members.count),
            days: Set(days).count, firstDay: days.min(), lastDay: days.max(),
            coherence: Self.meanPairSimilarity(members.map { vectors[$0] }))
        return (proposal, centroid)
    }

    /// The mean dot product of two different unit vectors of `vectors`: (|Σv|² − n) / (n(n − 1)).
    static func meanPairSimilarity(_ vectors: [[Float]]) -> Float {
        let n = Float(vectors.count)
        guard vectors.count > 1, let d = vectors.first?.count else { return 1 }
        var sum = [Float](repeating: 0, count: d)
        for vector in vectors { for i in 0..<d { sum[i] += vector[i] } }
        return (dot(sum, sum) - n) / (n * (n - 1))
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }

    public static func normalise(_ values: inout [Float]) {
        let norm = dot(values, values).squareRoot()
        guard norm > 0 else { return }
        for i in values.indices { values[i] /= norm }
    }
}

/// Row vectors in one block of memory, for BLAS.
struct Matrix {
    let rows: Int
    let columns: Int
    let values: [Float]

    init(_ vectors: [[Float]]) {
        rows = vectors.count
        columns = vectors.first?.count ?? 0
        values = vectors.flatMap { $0 }
    }

    /// Each row's dot product with `vector`.
    func dots(_ vector: [Float]) -> [Float] {
        var result = [Float](repeating: 0, count: rows)
        guard rows > 0 else { return result }
        values.withUnsafeBufferPointer { m in
            vector.withUnsafeBufferPointer { q in
                result.withUnsafeMutableBufferPointer { r in
                    BLAS.dotRows(m, rows: rows, dim: columns, query: q, into: r)
                }
            }
        }
        return result
    }

    /// Every row's dot product with every row of `other`: rows × other.rows, row-major.
    func products(_ other: Matrix) -> [Float] {
        var result = [Float](repeating: 0, count: rows * other.rows)
        guard rows > 0, other.rows > 0 else { return result }
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { c in
                    BLAS.multiplyTransposed(a, b, into: c, m: rows, n: other.rows, k: columns)
                }
            }
        }
        return result
    }
}
