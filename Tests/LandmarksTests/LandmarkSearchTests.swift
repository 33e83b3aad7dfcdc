import Landmarks
import Testing

/// Algorithm 2 on a hand-made pack in 4 dimensions, where every similarity is known.
struct LandmarkSearchTests {
    /// Landmarks: 0 and 1 in Berlin 300 m apart, 2 in Agra. Centroids are axes; landmark 2 has two centroids.
    static func pack(global: Float = 0.8, geo: Float = 0.5, references: Float = 0.7, k: Int = 3) -> LandmarkPack {
        let landmarks: [LandmarkPack.Landmark] = [
            .init(key: "gate", name: "Gate", city: "Berlin", country: "Germany", region: "Europe", latitude: 52.5163, longitude: 13.3777, photos: 10, referencesChecked: true),
            .init(key: "column", name: "Column", city: "Berlin", country: "Germany", region: "Europe", latitude: 52.5145, longitude: 13.3801, photos: 10, referencesChecked: true),
            .init(key: "taj", name: "Taj", city: "Agra", country: "India", region: "FarEast", latitude: 27.1751, longitude: 78.0421, photos: 10, referencesChecked: true),
        ]
        let head = EmbeddingHead(name: "test", inputCount: 1280, outputCount: 4, weight: [Float](repeating: 0, count: 4 * 1280), bias: [0, 0, 0, 0])
        return LandmarkPack(
            head: head, landmarks: landmarks,
            centroids: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], centroidLandmark: [0, 1, 2, 2],
            references: [1, 0, 0, 0, 0.6, 0.8, 0, 0, 0, 0, 1, 0], referenceLandmark: [0, 1, 2],
            thresholds: .init(global: global, geo: geo, references: references, k: k),
            provenance: .init(backbone: "b", head: "test", headHash: head.fingerprint, parameters: [:], dataset: [:], createdAt: ""))
    }

    static func unit(_ v: [Float]) -> [Float] {
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / n }
    }

    @Test func withoutGPSTheWholePackIsSearchedAndReferencesConfirm() {
        let search = LandmarkSearch(pack: Self.pack())
        let queries: [[Float]] = [
            Self.unit([0.9, 0.1, 0, 0]),  // gate, reference agrees
            Self.unit([0.1, 0.95, 0, 0]),  // column above η, but its reference (0.6, 0.8) gives ≈ 0.82 > 0.7: kept
            [0, 0, 0, 1],  // taj through its second centroid; its reference is (0, 0, 1, 0): 0 < ω, rejected
            Self.unit([0.5, 0.5, 0.5, 0.5]),  // nothing reaches η
        ]
        let found = search.search(embeddings: queries.flatMap { $0 }, count: 4, locations: [nil, nil, nil, nil])
        #expect(found[0].map(\.landmark) == [0])
        #expect(found[0].first?.evidence == .references)
        #expect(found[1].map(\.landmark) == [1])
        #expect(found[2].isEmpty)
        #expect(found[3].isEmpty)
        // Without the reference check the taj query is accepted.
        let unchecked = search.search(embeddings: [0, 0, 0, 1], count: 1, locations: [nil], options: .init(useReferences: false))
        #expect(unchecked[0].map(\.landmark) == [2])
    }

    @Test func withGPSOnlyNearbyLandmarksCountAndTheLowerThresholdApplies() {
        let search = LandmarkSearch(pack: Self.pack())
        let atGate = (latitude: 52.5160, longitude: 13.3780)
        let query = Self.unit([0.6, 0.1, 0.6, 0])  // 0.70 to gate and to taj: below η, above η_geo
        let near = search.search(embeddings: query, count: 1, locations: [atGate])[0]
        #expect(near.map(\.landmark) == [0])
        #expect(near[0].evidence == .geo)
        #expect(search.search(embeddings: query, count: 1, locations: [nil])[0].isEmpty)
        // Far from every landmark, nothing is searched at all.
        #expect(search.search(embeddings: [1, 0, 0, 0], count: 1, locations: [(48.85, 2.29)])[0].isEmpty)
        // The 1 km square: the column (≈ 250 m away) is inside, the gate 5 km away is not.
        #expect(Set(search.landmarks(near: atGate, squareKm: 1)) == [0, 1])
        #expect(search.landmarks(near: (52.56, 13.3777), squareKm: 1).isEmpty)
    }

    /// A photo more like an everyday exemplar than like the landmark is refused once the pack asks for a margin;
    /// an accepted one says why, naming its nearest reference photo.
    @Test func theMarginOverEverydayExemplarsRefusesLookAlikes() throws {
        var pack = Self.pack(global: 0.6, geo: 0.5, references: -1)
        pack.exemplars = Self.unit([0.8, 0, 0, 0.6])  // an everyday photo between the gate and the fourth axis
        pack.landmarks[0].referencePhotos = ["gate/front.jpg"]
        let mountainLike = Self.unit([0.75, 0, 0, 0.6])  // 0.78 to the gate, 1.0 to the exemplar
        let gate = Self.unit([0.95, 0.05, 0, 0])  // 0.998 to the gate, 0.8 to the exemplar
        let queries = mountainLike + gate
        let plain = LandmarkSearch(pack: pack).search(embeddings: queries, count: 2, locations: [nil, nil])
        #expect(plain.map { $0.map(\.landmark) } == [[0], [0]])

        pack.thresholds.margin = 0.1
        pack.thresholds.geoMargin = 0.0
        let search = LandmarkSearch(pack: pack)
        let found = search.search(embeddings: queries, count: 2, locations: [nil, nil])
        #expect(found[0].isEmpty)
        #expect(found[1].map(\.landmark) == [0])
        let match = found[1][0]
        #expect(match.threshold == 0.6 && match.marginThreshold == 0.1)
        #expect(abs((match.margin ?? 0) - (0.998 - 0.8)) < 0.01)
        #expect(match.nearestReference == 0)
        let why = search.explanation(match)
        #expect(why.hasPrefix("references: score 0.99"))
        #expect(why.contains("≥ η 0.600") && why.contains("≥ μ 0.100") && why.contains("nearest reference gate/front.jpg (0.99"))
        // With GPS at the gate: the geo path checks μ_geo the same way.
        let atGate = (latitude: 52.5160, longitude: 13.3780)
        let geo = search.search(embeddings: queries, count: 2, locations: [atGate, atGate])
        #expect(geo[0].isEmpty)
        #expect(geo[1].first?.evidence == .geo)
        #expect(search.explanation(geo[1][0]).hasPrefix("geo: score 0.99"))
        // A threshold the calibration left at the bottom of the scale is not named as if it decided.
        var open = pack
        open.thresholds.global = -1
        let openSearch = LandmarkSearch(pack: open)
        let openMatch = try #require(openSearch.search(embeddings: gate, count: 1, locations: [nil])[0].first)
        #expect(openSearch.explanation(openMatch).contains("(no η floor); margin"))
        // From η_sure on, the margin is not asked for: the look-alike scores 0.78 to the gate.
        var sure = pack
        sure.thresholds.sure = 0.75
        let sureSearch = LandmarkSearch(pack: sure)
        let waived = try #require(sureSearch.search(embeddings: mountainLike, count: 1, locations: [nil])[0].first)
        #expect(waived.landmark == 0 && waived.sure == 0.75 && waived.margin == nil)
        #expect(sureSearch.explanation(waived).contains("score ≥ η_sure 0.750: sure enough without the margin"))
        sure.thresholds.sure = 0.8
        #expect(LandmarkSearch(pack: sure).search(embeddings: mountainLike, count: 1, locations: [nil])[0].isEmpty)
        // The evaluation's switch turns the margin off.
        let unchecked = search.search(embeddings: queries, count: 2, locations: [nil, nil], options: .init(useMargin: false))
        #expect(unchecked[0].map(\.landmark) == [0])
    }

    @Test func topKLandmarksMustShareACity() {
        let search = LandmarkSearch(pack: Self.pack(global: 0.3, references: -1))
        // Similar to gate, column and taj; the best is the gate, so taj (Agra) is dropped, the column kept.
        let query = Self.unit([0.7, 0.6, 0.5, 0])
        let found = search.search(embeddings: query, count: 1, locations: [nil])[0]
        #expect(found.map(\.landmark) == [0, 1])
        let one = search.search(embeddings: query, count: 1, locations: [nil], options: .init(k: 1))[0]
        #expect(one.map(\.landmark) == [0])
    }

    @Test func aBatchGivesWhatOnePhotoAtATimeGives() {
        let search = LandmarkSearch(pack: Self.pack(global: 0.3, references: -1))
        let queries: [[Float]] = (0..<16).map { i in Self.unit([Float(i % 4) + 0.1, Float(i % 3), Float(i % 5), 0.2]) }
        let batch = search.search(embeddings: queries.flatMap { $0 }, count: 16, locations: Array(repeating: nil, count: 16))
        for (i, query) in queries.enumerated() {
            #expect(search.search(embeddings: query, count: 1, locations: [nil])[0] == batch[i])
        }
    }
}
