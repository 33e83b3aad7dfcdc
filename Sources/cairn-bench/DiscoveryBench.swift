import ArgumentParser
import CairnCatalog
import CairnDiscovery
import CairnInference
import CairnLandmarkBuilder
import CairnStartup
import Embeddings
import Foundation
import Landmarks

extension CairnBench {
    /// Discovery on a simulated library made of the shared data, with the figures issue 22 asks for.
    struct DiscoveryBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "discovery",
            abstract: "Discover landmarks in a simulated library, adopt them, place the photos without GPS.",
            discussion: """
                The landmarks of DATASET are split once (fixed seed) into two halves, and the everyday photos \
                (--everyday, by kind) likewise. A run takes its own landmarks from one half and builds the pack of \
                famous landmarks from the other: --tune runs (seeds 101…) discover the first half's landmarks among \
                the first half of the everyday photos, test runs (seeds 1…) the second half's among the second, so \
                the rules are never tuned on what they are tested on. Each seed simulates a library: 60% of every \
                landmark's photos geotagged within 200 m of it on 2–5 visits, the rest without GPS; half the \
                everyday photos geotagged in four cities (a fifth of them at home, over two years; a burst of 15 \
                at one restaurant on one day), half without. Photos the famous pack recognises by GPS are left out, \
                discovery runs on the stored (128-value, float16) embeddings, every proposal is adopted into the \
                pack with the photos its members show, and the photos without GPS are recognised again. Prints, \
                per seed and as mean ± spread: the own landmarks with 10 or more GPS photos that got a proposal, \
                the proposals that are one landmark (≥ 90% of their photos), the photos without GPS of the \
                proposed landmarks placed at the right one, and the everyday photos without GPS that got a place.
                """)

        @Argument(help: "Landmark dataset (landmarks.tsv and one folder per landmark).") var dataset: String
        @Option(help: "Folder of everyday photos (repeatable).") var everyday: [String] = []
        @Option(help: "Configuration file (backbone model and input preparation).") var config: String?
        @Option(help: "Seeds.") var seeds = 5
        @Flag(help: "Run the tuning seeds on the tuning halves instead of the test seeds on the test halves.")
        var tune = false
        @Option(help: "Worker threads for features not cached.") var threads = 2
        @Option(help: "Rule: radius of a place, metres.") var radius: Double?
        @Option(help: "Rule: photos a proposal needs.") var minimumPhotos: Int?
        @Option(help: "Rule: days a proposal needs.") var minimumDays: Int?
        @Option(help: "Rule: complete-linkage similarity cut.") var minimumSimilarity: Float?
        @Option(help: "Rule: how much likelier a look-alike must be at the place than elsewhere.") var lift: Double?
        @Option(help: "Rule: quantile of the members that sets the look-alike bar.") var quantile: Double?
        @Option(help: "Embedding space: raw (the stored vectors), centred or whitened on the library.") var space =
            "raw"
        @Option(help: "Photos of a proposal that adoption embeds (most typical first).") var adoptPhotos = 40
        @Flag(help: "Recognise without the reference check ω.") var noReferences = false
        @Flag(inversion: .prefixedNo, help: "Give each adopted landmark its own threshold from far-away photos.")
        var calibrate = true
        @Flag(help: "Replace the proposals by one per own landmark with all its GPS photos (an upper bound).")
        var oracle = false
        @Option(help: "Adoption: smallest share of a proposal's photos a centroid needs.") var adoptFraction = 0.1
        @Option(help: "Adoption: complete-linkage distance of the centroids.") var adoptDistance: Float = 1.2
        @Option(help: "Adoption: smallest number of photos a centroid needs.") var adoptSize = 3
        @Flag(help: "Train the famous pack's head (photos only, no augmented views) instead of the untrained PCA.")
        var trained = false
        @Flag(help: "Recognise without the margin μ.") var noMargin = false
        @Flag(
            help: """
                A measurement: train the head on the famous landmarks and, as classes of their own, each proposal's \
                photos (their GPS photos), then build the pack and adopt with it.
                """)
        var trainOwn = false
        @Option(
            help: """
                Placement of the photos without GPS: pack (the adopted landmarks in the pack, what cairnd does) or \
                knn (a measurement: a photo's mean similarity to its --knn-k nearest members of each proposal, \
                against that proposal's --knn-quantile of the same score over far-away photos).
                """)
        var placement = "pack"
        @Option(help: "knn placement: nearest members averaged.") var knnK = 3
        @Option(help: "knn placement: quantile of the far-away photos' scores a photo must pass.") var knnQuantile =
            0.99
        @Flag(help: "knn placement on the backbone's 1,280 features instead of the stored 128 values.") var knnFull =
            false

        func run() throws {
            Startup.useBestBLAS()
            let extractor = try featureExtractor(config: config, threads: threads)
            let data = try LandmarkDataset(root: dataset)
            let landmarks = data.features(with: extractor, log: { print($0) }, progress: { _, _ in })
            let negatives = try extractor.negatives(below: everyday, log: { print($0) }, progress: { _, _ in })
            var rules = DiscoveryRules()
            if let radius { rules.radiusMeters = radius }
            if let minimumPhotos { rules.minimumPhotos = minimumPhotos }
            if let minimumDays { rules.minimumDays = minimumDays }
            if let minimumSimilarity { rules.minimumSimilarity = minimumSimilarity }
            if let lift { rules.minimumLift = lift }
            if let quantile { rules.liftQuantile = quantile }

            // The fixed halves.
            var random = SeededRandom(seed: 4242)
            let shuffled = landmarks.indices.shuffled(using: &random)
            let halves = [
                shuffled.enumerated().filter { $0.offset % 2 == 0 }.map(\.element),
                shuffled.enumerated().filter { $0.offset % 2 == 1 }.map(\.element),
            ]
            let everydayHalves = negatives.split(shares: [1, 1], seed: 4242)
            let own = tune ? halves[0] : halves[1]
            let famous = tune ? halves[1] : halves[0]
            let libraryEveryday = tune ? everydayHalves[0] : everydayHalves[1]
            let packParts = (tune ? everydayHalves[1] : everydayHalves[0]).split(shares: [1, 1], seed: 4243)
            print(
                "\(tune ? "tuning" : "test") halves: own landmarks \(own.map { landmarks[$0].landmark.key }.sorted().joined(separator: ", "))"
            )
            print("famous (in the pack): \(famous.map { landmarks[$0].landmark.key }.sorted().joined(separator: ", "))")
            print(
                "library everyday photos: \(libraryEveryday.count); pack: \(packParts[0].count) exemplars, \(packParts[1].count) calibration negatives"
            )
            print("rules: \(rules), space \(space)")

            var head: EmbeddingHead?
            if trained {
                let started = Date()
                var parameters = TrainingParameters()
                parameters.augmentedViews = 0
                let model = HeadTrainer(parameters: parameters).train(
                    landmarks: famous.map { landmarks[$0].features },
                    regions: famous.map { landmarks[$0].landmark.region },
                    negatives: packParts[0].features)
                head = model.embeddingHead(name: "trained")
                print(String(format: "trained the famous pack's head in %.0f s", Date().timeIntervalSince(started)))
            }
            let (basePack, _) = try PackBuilder().build(
                famous.map { landmarks[$0] }, negatives: packParts[1], backbone: "bench", head: head,
                exemplars: packParts[0].features)
            let projection = CompactProjection()
            var rows: [[Double]] = []
            let seedRange = tune ? 101...(100 + UInt64(seeds)) : 1...UInt64(seeds)
            for seed in seedRange {
                let library = SimulatedLibrary(
                    landmarks: landmarks, own: own, famous: famous, everyday: libraryEveryday, seed: seed)
                let stored = library.photos.map { photo in
                    projection.embed(photo.features).map { Float(Float16($0)) }
                }
                // Photos the famous pack recognises by their GPS are not discovered again.
                let baseSearch = LandmarkSearch(pack: basePack)
                let located = library.photos.indices.filter { library.photos[$0].location != nil }
                let baseMatches = baseSearch.search(
                    features: located.flatMap { library.photos[$0].features }, count: located.count,
                    locations: located.map { library.photos[$0].location })
                let recognised = Set(zip(located, baseMatches).filter { !$0.1.isEmpty }.map(\.0))
                let embeddingSpace: EmbeddingSpace?
                switch space {
                case "raw": embeddingSpace = nil
                case "centred": embeddingSpace = EmbeddingSpace.fitted(stored, whiten: false)!
                default: embeddingSpace = EmbeddingSpace.fitted(stored)!
                }
                let inputs = located.filter { !recognised.contains($0) }.map { index in
                    let photo = library.photos[index]
                    return DiscoveryPhoto(
                        id: Int64(index), latitude: photo.location!.latitude, longitude: photo.location!.longitude,
                        day: photo.day, embedding: embeddingSpace.map { $0.transform(stored[index]) } ?? stored[index])
                }
                let started = Date()
                var proposals = Discovery(rules: rules).propose(inputs)
                if oracle {
                    proposals = own.map { landmark in
                        let members = located.filter { library.photos[$0].truth == landmark }
                        let first = library.photos[members[0]].location!
                        return Proposal(
                            members: members.map(Int64.init), latitude: first.latitude, longitude: first.longitude,
                            days: 2, firstDay: nil, lastDay: nil, coherence: 0)
                    }
                }
                let elapsed = Date().timeIntervalSince(started)

                // Proposals against the truth.
                var majority: [Int] = []
                var pure = 0
                for proposal in proposals {
                    var counts: [Int: Int] = [:]
                    for member in proposal.members { counts[library.photos[Int(member)].truth, default: 0] += 1 }
                    let top = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!
                    majority.append(top.key)
                    if top.key >= 0 && Double(top.value) >= 0.9 * Double(proposal.members.count) { pure += 1 }
                }
                var gpsCount: [Int: Int] = [:]
                for photo in library.photos where photo.location != nil && photo.truth >= 0 {
                    gpsCount[photo.truth, default: 0] += 1
                }
                let eligible = own.filter { gpsCount[$0, default: 0] >= 10 }
                let proposed = Set(majority.filter { $0 >= 0 })
                let found = eligible.filter { proposed.contains($0) }

                // Adopt every proposal, then recognise the photos without GPS.
                var pack = basePack
                if trainOwn {
                    var parameters = TrainingParameters()
                    parameters.augmentedViews = 0
                    let own = proposals.map { $0.members.map { library.photos[Int($0)].features } }
                    let model = HeadTrainer(parameters: parameters).train(
                        landmarks: famous.map { landmarks[$0].features } + own,
                        regions: famous.map { landmarks[$0].landmark.region } + own.map { _ in "own" },
                        negatives: packParts[0].features)
                    pack = try PackBuilder().build(
                        famous.map { landmarks[$0] }, negatives: packParts[1], backbone: "bench",
                        head: model.embeddingHead(name: "trained-own"), exemplars: packParts[0].features
                    ).0
                }
                let candidates = inputs.map {
                    LocatedPhoto(photoId: $0.id, path: "", latitude: $0.latitude, longitude: $0.longitude)
                }
                var adoption = BuildParameters()
                adoption.minClusterFraction = adoptFraction
                adoption.clusterDistance = adoptDistance
                adoption.minClusterSize = adoptSize
                for (index, proposal) in proposals.enumerated() {
                    let members = proposal.members.prefix(adoptPhotos).map { library.photos[Int($0)].features }
                    pack.adding(
                        LandmarkPack.Landmark(
                            key: "own-\(index)", name: "own \(index)", city: "", country: "", region: "",
                            latitude: proposal.latitude, longitude: proposal.longitude, photos: members.count,
                            referencesChecked: false),
                        features: members, builder: PackBuilder(parameters: adoption))
                    if calibrate {
                        let far = Adoption.farAway(candidates, from: (proposal.latitude, proposal.longitude))
                        pack.calibrateThreshold(
                            ofLandmark: pack.landmarks.count - 1,
                            negatives: far.map { library.photos[Int($0.photoId)].features })
                    }
                }
                let search = LandmarkSearch(pack: pack)
                let unlocated = library.photos.indices.filter { library.photos[$0].location == nil }
                let matches = search.search(
                    features: unlocated.flatMap { library.photos[$0].features }, count: unlocated.count,
                    locations: unlocated.map { _ in nil },
                    options: LandmarkSearch.Options(useReferences: !noReferences, useMargin: !noMargin))
                // The knn measurement: each photo without GPS against each proposal's members.
                var knnChoice: [Int: Int] = [:]
                if placement == "knn" {
                    func vector(_ index: Int) -> [Float] {
                        let raw = knnFull ? library.photos[index].features : stored[index]
                        let norm = max(1e-12, raw.reduce(0) { $0 + $1 * $1 }.squareRoot())
                        return raw.map { $0 / norm }
                    }
                    let memberVectors = proposals.map { $0.members.map { vector(Int($0)) } }
                    func score(_ x: [Float], _ members: [[Float]]) -> Float {
                        let sims = members.map { m in zip(x, m).reduce(0) { $0 + $1.0 * $1.1 } }.sorted(by: >)
                        let k = min(knnK, sims.count)
                        return sims.prefix(k).reduce(0, +) / Float(max(1, k))
                    }
                    let thresholds = proposals.indices.map { p -> Float in
                        let far = Adoption.farAway(
                            candidates, from: (proposals[p].latitude, proposals[p].longitude))
                        let scores = far.map { score(vector(Int($0.photoId)), memberVectors[p]) }.sorted()
                        guard !scores.isEmpty else { return 1 }
                        return scores[min(scores.count - 1, Int(knnQuantile * Double(scores.count)))]
                    }
                    for index in unlocated {
                        let x = vector(index)
                        var best: (Int, Float)?
                        for p in proposals.indices {
                            let margin = score(x, memberVectors[p]) - thresholds[p]
                            if margin > 0 && margin > (best?.1 ?? 0) { best = (p, margin) }
                        }
                        if let best { knnChoice[index] = best.0 }
                    }
                }
                var ownPhotos = 0
                var placedRight = 0
                var misses: [String: Int] = [:]
                let loose = search.search(
                    features: unlocated.flatMap { library.photos[$0].features }, count: unlocated.count,
                    locations: unlocated.map { _ in nil },
                    options: LandmarkSearch.Options(k: 1, useReferences: false, useMargin: false))
                var bestUnchecked: [Int: Bool] = [:]
                for (index, found) in zip(unlocated, loose) {
                    if let first = found.first, first.landmark >= basePack.landmarks.count {
                        bestUnchecked[index] =
                            majority[first.landmark - basePack.landmarks.count] == library.photos[index].truth
                    } else if found.first != nil {
                        bestUnchecked[index] = false
                    }
                }
                var everydayPhotos = 0
                var everydayPlaced = 0
                var everydayPlacedAny = 0
                for (index, found) in zip(unlocated, matches) {
                    let truth = library.photos[index].truth
                    let adopted =
                        placement == "knn"
                        ? knnChoice[index]
                        : found.first.flatMap {
                            $0.landmark >= basePack.landmarks.count ? $0.landmark - basePack.landmarks.count : nil
                        }
                    if truth < 0 {
                        everydayPhotos += 1
                        if adopted != nil { everydayPlaced += 1 }
                        if !found.isEmpty { everydayPlacedAny += 1 }
                    } else if own.contains(truth) && proposed.contains(truth) {
                        ownPhotos += 1
                        if let adopted, majority[adopted] == truth {
                            placedRight += 1
                        } else if let adopted {
                            misses[
                                "another own landmark (\(majority[adopted] < 0 ? "everyday" : "landmark"))", default: 0] +=
                                1
                        } else if found.isEmpty {
                            let best = bestUnchecked[index]
                            misses[
                                best.map { $0 ? "rejected, best was right" : "rejected, best was another" }
                                    ?? "no candidate", default: 0] += 1
                        } else {
                            misses["a famous landmark", default: 0] += 1
                        }
                    }
                }
                let row = [
                    100 * Double(found.count) / Double(max(1, eligible.count)),
                    100 * Double(pure) / Double(max(1, proposals.count)),
                    100 * Double(placedRight) / Double(max(1, ownPhotos)),
                    100 * Double(everydayPlaced) / Double(max(1, everydayPhotos)),
                    100 * Double(everydayPlacedAny) / Double(max(1, everydayPhotos)),
                ]
                rows.append(row)
                let impure = proposals.indices.filter { index in
                    let truth = majority[index]
                    let share = proposals[index].members.filter { library.photos[Int($0)].truth == truth }.count
                    return truth < 0 || Double(share) < 0.9 * Double(proposals[index].members.count)
                }
                print(
                    String(
                        format:
                            "seed %d: %d photos (%d with GPS, %d recognised by the pack), %d proposals in %.2f s; found %d of %d landmarks with ≥10 GPS photos (%.0f%%), pure %d (%.0f%%); placed %d of %d photos without GPS (%.1f%%); everyday placed %d of %d (%.2f%%; by any landmark %.2f%%)",
                        Int(seed), library.photos.count, located.count, recognised.count, proposals.count, elapsed,
                        found.count, eligible.count, row[0], pure, row[1], placedRight, ownPhotos, row[2],
                        everydayPlaced, everydayPhotos, row[3], row[4]))
                print(
                    "  misses: "
                        + misses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
                let pureCoherence = proposals.indices.filter { !impure.contains($0) }.map { proposals[$0].coherence }
                    .sorted()
                print("  pure coherence: \(pureCoherence.map { String(format: "%.2f", $0) }.joined(separator: " "))")
                let missed = eligible.filter { !proposed.contains($0) }.map { landmarks[$0].landmark.key }
                if !missed.isEmpty { print("  not proposed: \(missed.joined(separator: ", "))") }
                for index in impure {
                    var counts: [String: Int] = [:]
                    for member in proposals[index].members {
                        let truth = library.photos[Int(member)].truth
                        counts[
                            truth < 0 ? "everyday:" + library.photos[Int(member)].kind : landmarks[truth].landmark.key,
                            default: 0] += 1
                    }
                    print(
                        "  impure proposal \(index): \(proposals[index].members.count) photos, \(proposals[index].days) days, coherence \(proposals[index].coherence), lift \(String(format: "%.0f", proposals[index].lift)): "
                            + counts.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(
                                separator: ", "))
                }
            }
            let names = [
                "landmarks proposed", "proposals of one landmark", "photos without GPS placed right",
                "everyday photos given a place by adoption", "everyday photos given any landmark",
            ]
            print("mean ± spread over \(rows.count) seeds:")
            for (column, name) in names.enumerated() {
                let values = rows.map { $0[column] }
                let mean = values.reduce(0, +) / Double(values.count)
                let spread =
                    (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, values.count - 1)))
                    .squareRoot()
                print(String(format: "  %@: %.1f ± %.1f%%", name, mean, spread))
            }
        }
    }
}

/// A library made of the shared data: positions and days simulated, features real.
struct SimulatedLibrary {
    struct Photo {
        var features: [Float]
        /// The dataset's landmark index, or −1 for an everyday photo.
        var truth: Int
        var kind: String
        var location: (latitude: Double, longitude: Double)?
        var day: Int?
    }

    var photos: [Photo] = []

    static let cities: [(name: String, latitude: Double, longitude: Double)] = [
        ("Berlin", 52.52, 13.405), ("Hanoi", 21.028, 105.834), ("Rome", 41.9, 12.49), ("Leipzig", 51.34, 12.375),
    ]

    init(landmarks: [LandmarkPhotos], own: [Int], famous: [Int], everyday: NegativePhotos, seed: UInt64) {
        var random = SeededRandom(seed: seed)
        func near(_ latitude: Double, _ longitude: Double, within metres: Double) -> (Double, Double) {
            let distance = metres * Double.random(in: 0...1, using: &random).squareRoot()
            let bearing = Double.random(in: 0..<(2 * .pi), using: &random)
            return (
                latitude + distance * cos(bearing) / 111_320,
                longitude + distance * sin(bearing) / (111_320 * cos(latitude * .pi / 180))
            )
        }
        for index in own + famous {
            let entry = landmarks[index]
            let order = entry.features.indices.shuffled(using: &random)
            let located = Int((0.6 * Double(order.count)).rounded())
            let visits = (0..<Int.random(in: 2...5, using: &random)).map { _ in Int.random(in: 0..<730, using: &random)
            }
            for (position, photo) in order.enumerated() {
                var item = Photo(features: entry.features[photo], truth: index, kind: "landmark")
                if position < located {
                    let spot = near(entry.landmark.latitude, entry.landmark.longitude, within: 200)
                    item.location = (spot.0, spot.1)
                    item.day = 20_000 + visits.randomElement(using: &random)!
                }
                photos.append(item)
            }
        }
        let order = everyday.features.indices.shuffled(using: &random)
        let located = order.prefix(order.count / 2)
        let home = near(Self.cities[0].latitude, Self.cities[0].longitude, within: 3000)
        let restaurant = near(Self.cities[0].latitude, Self.cities[0].longitude, within: 3000)
        let burstDay = 20_000 + Int.random(in: 0..<730, using: &random)
        let tripDays = Self.cities.map { _ in (0..<3).map { _ in 20_000 + Int.random(in: 0..<730, using: &random) } }
        for (position, index) in order.enumerated() {
            var item = Photo(features: everyday.features[index], truth: -1, kind: everyday.kinds[index])
            if position < located.count {
                if position < 15 {
                    let spot = near(restaurant.0, restaurant.1, within: 20)
                    item.location = (spot.0, spot.1)
                    item.day = burstDay
                } else if position < 15 + located.count / 5 {
                    let spot = near(home.0, home.1, within: 40)
                    item.location = (spot.0, spot.1)
                    item.day = 20_000 + Int.random(in: 0..<730, using: &random)
                } else {
                    let city = Int.random(in: 0..<Self.cities.count, using: &random)
                    let spot = near(Self.cities[city].latitude, Self.cities[city].longitude, within: 4000)
                    item.location = (spot.0, spot.1)
                    item.day =
                        city == 0
                        ? 20_000 + Int.random(in: 0..<730, using: &random)
                        : tripDays[city].randomElement(using: &random)!
                }
            }
            photos.append(item)
        }
    }
}

/// Another space to compare photos in, for the comparison only (discovery uses the stored vectors as they are): the
/// stored embeddings centred on the library's mean and whitened along its main axes, fitted on the library itself.
/// It measured worse, and in a small library it is fitted on too few photos to mean anything.
struct EmbeddingSpace: Sendable {
    let dimension: Int
    let mean: [Float]
    /// dimension × dimension, row-major; identity when not whitened.
    let matrix: [Float]

    init(dimension: Int, mean: [Float], matrix: [Float]) {
        self.dimension = dimension
        self.mean = mean
        self.matrix = matrix
    }

    /// Fitted on `vectors` (at most `sample` of them, evenly spaced): mean, covariance, eigenvectors; each axis
    /// scaled by 1/√(λ + ε), ε = (`shrink` + d/n) × the mean eigenvalue (keeps the weakest axes from being blown up into
    /// noise). With fewer vectors than dimensions, or if LAPACK fails: centred only.
    static func fitted(
        _ vectors: [[Float]], whiten: Bool = true, shrink: Float = 0.1, sample: Int = 20_000
    ) -> EmbeddingSpace? {
        guard let d = vectors.first?.count, d > 0 else { return nil }
        let chosen = vectors.count <= sample ? vectors : (0..<sample).map { vectors[$0 * vectors.count / sample] }
        let n = chosen.count
        var mean = [Float](repeating: 0, count: d)
        for vector in chosen { for i in 0..<d { mean[i] += vector[i] } }
        for i in 0..<d { mean[i] /= Float(n) }
        var identity = [Float](repeating: 0, count: d * d)
        for i in 0..<d { identity[i * d + i] = 1 }
        guard whiten, n > d else { return EmbeddingSpace(dimension: d, mean: mean, matrix: identity) }
        var centredT = [Float](repeating: 0, count: d * n)
        for (row, vector) in chosen.enumerated() { for i in 0..<d { centredT[i * n + row] = vector[i] - mean[i] } }
        var covariance = [Float](repeating: 0, count: d * d)
        centredT.withUnsafeBufferPointer { t in
            covariance.withUnsafeMutableBufferPointer { c in BLAS.multiplyTransposed(t, t, into: c, m: d, n: d, k: n) }
        }
        guard let eigen = BLAS.symmetricEigen(covariance.map { $0 / Float(n) }, n: d) else {
            return EmbeddingSpace(dimension: d, mean: mean, matrix: identity)
        }
        // Few photos estimate the weak axes badly: shrink more (d/n: 0.04 more at 3,000 photos, 0.85 at 150).
        let epsilon = (shrink + Float(d) / Float(n)) * eigen.values.reduce(0) { $0 + max(0, $1) } / Float(d)
        var matrix = [Float](repeating: 0, count: d * d)
        for axis in 0..<d {
            let scale = 1 / (max(0, eigen.values[axis]) + epsilon).squareRoot()
            for i in 0..<d { matrix[axis * d + i] = eigen.vectors[axis * d + i] * scale }
        }
        return EmbeddingSpace(dimension: d, mean: mean, matrix: matrix)
    }

    /// `vector` in this space, unit length.
    func transform(_ vector: [Float]) -> [Float] {
        let d = dimension
        var output = [Float](repeating: 0, count: d)
        for row in 0..<d {
            var sum: Float = 0
            for i in 0..<d { sum += matrix[row * d + i] * (vector[i] - mean[i]) }
            output[row] = sum
        }
        Discovery.normalise(&output)
        return output
    }
}
