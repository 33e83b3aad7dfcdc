import CairnCatalog
import CairnTesting
import Foundation
import Testing

/// `cairn landmarks build / recognize / add / eval` and the daemon's landmark recognizer, run as a user would:
/// the real binaries on real landmark photos from ../shared/data/landmarks-dev, with the real backbone.
@Suite(.serialized) struct LandmarkTests {
    let folder = TemporaryDirectory("cairn-landmarks")
    static let model = TestPaths.repositoryRoot.appendingPathComponent("models/efficientnet-lite0.safetensors").path
    /// Three Berlin landmarks (the same city: the geo-scoped path and the same-city rule) and one in Agra.
    static let keys = ["brandenburg_gate", "victory_column", "checkpoint_charlie", "taj_mahal"]

    func cairn(_ arguments: [String], timeout: TimeInterval = 300) throws -> ProcessResult {
        try ProcessRunner.run(
            TestPaths.executable("cairn"),
            arguments + ["--model", Self.model, "--cache", folder.file("cache"), "--threads", "2"], timeout: timeout)
    }

    /// A daemon configuration watching `photos`, with its catalog in the temp folder and the landmark `pack`.
    func daemonConfig(watching photos: String, pack: String, extra: String = "") throws -> String {
        let config = folder.file("cairn.yaml")
        try """
        watch:
          folders: [\(photos)]
        catalog:
          path: \(folder.file("cairn.sqlite"))
        backbone:
          model: \(Self.model)
        workers:
          threads: 1
        recognizers:
          landmarks:
            pack: \(pack)
        \(extra)
        """.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    /// A second valid backbone file (one weight changed), which has another version.
    func anotherBackbone() throws -> String {
        var weights = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.model)))
        weights[weights.count - 8] ^= 0x01
        return try folder.write(weights, to: "other.safetensors")
    }

    /// Builds a pack from the fixture dataset; returns the dataset and the pack's path.
    func buildPack() throws -> (LandmarkDatasetFixture, String) {
        // 120 negatives: with 40, η rests on a dozen calibration photos and moves with the CPU's floating point
        // (a coffee mug scored 0.510 against an η of 0.499 with AVX2 kernels, below it with AVX-512).
        let dataset = try LandmarkDatasetFixture(in: folder, keys: Self.keys, photosPerLandmark: 12, negatives: 120)
        let pack = folder.file("dev.cairnpack")
        let built = try cairn(["landmarks", "build", dataset.root, "--negatives", dataset.negatives, "--out", pack])
        #expect(built.status == 0, "\(built.stderr)")
        return (dataset, pack)
    }

    @Test func buildLogsEveryStepAndARebuildReusesTheFeatureCache() throws {
        let (dataset, pack) = try buildPack()
        let first = try cairn([
            "landmarks", "build", dataset.root, "--negatives", dataset.negatives, "--out", pack, "--json",
        ])
        #expect(first.status == 0, "\(first.stderr)")
        // 4 × 12 landmark photos and 120 negatives were embedded once, by the build in buildPack().
        #expect(first.stderr.contains("dataset \(dataset.root): 4 landmarks, 44 photos; feature cache holds 164"))
        #expect(first.stderr.contains("embedded 44 landmark photos of 4 landmarks"))
        #expect(first.stderr.contains("embedded 120 negative photos"))
        #expect(first.stderr.contains("cleaning (γ = 0.3): kept"))
        #expect(first.stderr.contains("references checked for 0 of 4 landmarks"))
        #expect(first.stderr.contains("calibration on"))
        #expect(first.stderr.contains("clustering (complete linkage, distance ≤ 1.2):"))
        let summary = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as! [String: Any]
        #expect(summary["landmarks"] as? Int == 4)
        #expect((summary["centroids"] as? Int ?? 0) >= 4)
        let thresholds = summary["thresholds"] as! [String: Any]
        // η stays near η_geo, or is no floor at all (−1) when another gate keeps the specificity on the calibration
        // photos: the reference check ω or the margin μ.
        let global = thresholds["global"] as! Double, references = thresholds["references"] as? Double ?? -1
        #expect(
            global > (thresholds["geo"] as! Double) - 0.2
                || global == -1 && (references > 0 || thresholds["margin"] is Double),
            "\(thresholds)")
        #expect(thresholds["k"] as? Int == 3)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.file("cache"))
        // One cache file, named for how photos were prepared: the default configuration decodes like the daemon.
        #expect(
            files.count == 1 && files[0].hasPrefix("features-efficientnet-lite0-")
                && files[0].hasSuffix("-dc-chroma.f32"), "\(files)")
    }

    @Test func recognizeFindsHeldOutLandmarksAndUsesGPS() throws {
        let (dataset, pack) = try buildPack()
        let gate = dataset.heldOut["brandenburg_gate"]!
        let taj = dataset.heldOut["taj_mahal"]!
        let mug = TestPaths.data("distractors-dev/n03063599_coffee_mug.jpg").path
        let result = try cairn(["landmarks", "recognize", "--pack", pack, "--json"] + taj.prefix(6) + [mug])
        #expect(result.status == 0, "\(result.stderr)")
        let photos = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]]
        #expect(photos.count == 7)
        let found = photos.prefix(6).map { (($0["landmarks"] as! [[String: Any]]).first?["key"] as? String) }
        // Held-out photos of the Taj Mahal: most are recognised, and never as another landmark.
        #expect(found.filter { $0 == "taj_mahal" }.count >= 4, "\(found)")
        #expect(found.allSatisfy { $0 == nil || $0 == "taj_mahal" })
        #expect((photos[6]["landmarks"] as! [Any]).isEmpty, "a coffee mug is no landmark")

        // The same photos as lossless PNG and WebP (written by Pillow): the same pixels, so the same answers.
        var converted: [String] = []
        for (index, path) in taj.prefix(6).enumerated() {
            for format in ["png", "webp"] {
                let out = folder.file("taj-\(index).\(format)")
                let script =
                    "import sys; from PIL import Image; Image.open(sys.argv[1]).save(sys.argv[2], lossless=True)"
                let saved = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, path, out])
                #expect(saved.status == 0, "\(saved.stderr)")
                converted.append(out)
            }
        }
        let again = try cairn(["landmarks", "recognize", "--pack", pack, "--json"] + converted)
        let answers = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as! [[String: Any]]
        let keys = answers.map { (($0["landmarks"] as! [[String: Any]]).first?["key"] as? String) }
        #expect(keys == found.flatMap { [$0, $0] }, "\(keys) against \(found)")

        // A Brandenburg Gate photo with a phone's GPS position 200 m from the gate: decided by the geo path.
        let (lat, lon) = dataset.coordinates("brandenburg_gate")
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: gate[0])))
        let located = try folder.write(
            GPSExifWriter.jpeg(original, latitude: lat + 0.0018, longitude: lon), to: "gate-gps.jpg")
        let text = try cairn(["landmarks", "recognize", "--pack", pack, located])
        #expect(text.stdout.contains("\(located): Brandenburg Gate (Berlin, Germany) score "), "\(text.stdout)")
        #expect(text.stdout.contains("via geo"))
        // The same photo placed in Paris: no landmark of the pack is near, so none is found.
        let paris = try folder.write(
            GPSExifWriter.jpeg(original, latitude: 48.8584, longitude: 2.2945), to: "gate-paris.jpg")
        let far = try cairn(["landmarks", "recognize", "--pack", pack, paris])
        #expect(far.stdout.contains("\(paris): no landmark near its GPS position"))
        // A missing photo is reported, the others still run, and the exit status says so.
        let missing = try cairn(["landmarks", "recognize", "--pack", pack, folder.file("nope.jpg"), located])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("nope.jpg: cannot read the file"))
        #expect(missing.stdout.contains("Brandenburg Gate"))
    }

    @Test func aPackForAnotherBackboneOrABrokenOneIsRefused() throws {
        let (_, pack) = try buildPack()
        let broken = try folder.write(Array("this is not a pack".utf8), to: "broken.cairnpack")
        let photo = TestPaths.data("distractors-dev/n03063599_coffee_mug.jpg").path
        let refused = try cairn(["landmarks", "recognize", "--pack", broken, photo])
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("broken.cairnpack: not a safetensors file"))
        let otherModel = try anotherBackbone()
        let other = try ProcessRunner.run(
            TestPaths.executable("cairn"),
            ["landmarks", "recognize", "--pack", pack, "--model", otherModel, "--no-cache", photo])
        #expect(other.status == 78)
        #expect(other.stderr.contains("the pack was built for backbone efficientnet-lite0/"))
        #expect(other.stderr.contains("rebuild the pack with `cairn landmarks build`"))
    }

    @Test func addTeachesAPersonalLandmarkWithoutARebuild() throws {
        let (_, pack) = try buildPack()
        // "Grandma's house" stands in for a personal landmark: photos of Hoi An, which the pack does not know.
        let hoiAn = try FileManager.default.contentsOfDirectory(atPath: TestPaths.data("landmarks-dev/hoi_an").path)
            .sorted()
            .map { TestPaths.data("landmarks-dev/hoi_an/" + $0).path }
        let added = try cairn(
            [
                "landmarks", "add", "grandmas_house", "--pack", pack, "--name", "Grandma's house", "--city", "Hoi An",
                "--country", "Vietnam", "--lat", "15.8801", "--lon", "108.338",
            ] + hoiAn.prefix(12))
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("added grandmas_house (Grandma's house, Hoi An, Vietnam) from 12 photos"))
        #expect(added.stdout.contains("now has 5 landmarks"))
        let again = try cairn([
            "landmarks", "add", "grandmas_house", "--pack", pack, "--name", "x", "--city", "y", "--country", "z",
            "--lat", "1", "--lon", "2", hoiAn[0],
        ])
        #expect(again.status == 64)
        #expect(again.stderr.contains("already has a landmark 'grandmas_house'; use --replace"))
        let recognised = try cairn(
            ["landmarks", "recognize", "--pack", pack, "--json"] + hoiAn.dropFirst(12).prefix(8))
        let photos = try JSONSerialization.jsonObject(with: Data(recognised.stdout.utf8)) as! [[String: Any]]
        let keys = photos.map { (($0["landmarks"] as! [[String: Any]]).first?["key"] as? String) }
        #expect(keys.filter { $0 == "grandmas_house" }.count >= 4, "\(keys)")
    }

    @Test func evalReportsTheTablePerKindOverSeveralSeeds() throws {
        // Negatives: 60 everyday photos at the top and 9 of each hard kind in subfolders (their kinds).
        let dataset = try LandmarkDatasetFixture(
            in: folder, keys: Self.keys, photosPerLandmark: 14, negatives: 60, hardKinds: 9)
        let result = try cairn([
            "landmarks", "eval", dataset.root, "--negatives", dataset.negatives, "--geo", "--seeds", "2",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        for row in [
            "several centroids, k = 1 ", "several centroids, k = 3 ", "several centroids, k = 5 ", "no margin, k = 1 ",
            "1 centroid, k = 1 ", "several centroids, k = 1, GPS", "1 centroid, k = 1, GPS",
        ] {
            #expect(result.stdout.contains(row), "\(row)")
        }
        #expect(result.stdout.contains("seed 1: 4 landmarks (4 rare: < 100 photos)"))
        #expect(result.stdout.contains("seed 2: 4 landmarks"))
        // Three disjoint parts, each with every kind: 20 + 3 + 3 + 3 test negatives.
        #expect(
            result.stdout.contains("29 test negatives (mountain 3, negatives 20, seascape 3, street 3)"),
            "\(result.stdout)")
        #expect(
            result.stderr.contains("29 training, 29 calibration and 29 test negatives, stratified by kind"),
            "\(result.stderr)")
        #expect(result.stdout.contains("mountain  seascape  street"), "\(result.stdout)")
        #expect(result.stdout.contains("over 2 seeds (mean ± standard deviation):"))
        let json = try cairn(["landmarks", "eval", dataset.root, "--negatives", dataset.negatives, "--json"])
        let output = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let report = (output["reports"] as! [[String: Any]])[0]
        let rows = report["rows"] as! [[String: Any]]
        #expect(rows.count == 5)
        // Four distinct landmarks, 4–5 held-out photos each: the untrained embedding gets most of them right.
        #expect((rows[0]["top1Accuracy"] as! Double) >= 0.7, "\(rows[0])")
        #expect((rows[0]["specificity"] as! Double) >= 0.9, "\(rows[0])")
        let kinds = rows[0]["kindSpecificity"] as! [String: Double]
        #expect(Set(kinds.keys) == ["negatives", "mountain", "seascape", "street"])
        let summary = output["summary"] as! [[String: Any]]
        #expect(summary.count == 5 && summary[0]["seeds"] as? Int == 1)
    }

    @Test func trainWritesADeterministicHeadThatBuildUses() throws {
        let dataset = try LandmarkDatasetFixture(in: folder, keys: Self.keys, photosPerLandmark: 12, negatives: 40)
        let head = folder.file("head.safetensors")
        let arguments = [
            "landmarks", "train", dataset.root, "--negatives", dataset.negatives, "--out", head, "--epochs", "6",
            "--augment", "1",
        ]
        let trained = try cairn(arguments)
        #expect(trained.status == 0, "\(trained.stderr)")
        // Curriculum: Berlin's landmarks (Europe) first, then the Taj Mahal (FarEast) added.
        #expect(trained.stderr.contains("training stage 1/2: 1 region (Europe), 3 landmarks"))
        #expect(trained.stderr.contains("training stage 2/2: 2 regions (Europe, FarEast), 4 landmarks"))
        #expect(trained.stderr.contains("stage 2/2 done: loss"))
        // A fifth of each landmark's photos (12, or 8 for Checkpoint Charlie) is set aside for the build's calibration.
        #expect(
            trained.stderr.contains("set aside 8 landmark photos for the build's calibration; training on 36"),
            "\(trained.stderr)")
        #expect(trained.stderr.contains("augmented views: 1 per photo for 36 photos"))
        #expect(trained.stdout.contains("wrote \(head): trained (512-d, 6 epochs"))
        // The same seed and data give the same head; the augmented views came from the cache the second time.
        let again = try cairn(arguments)
        let hash = { (text: String) in text.components(separatedBy: "hash ").last?.components(separatedBy: ",").first }
        #expect(hash(trained.stdout) != nil && hash(trained.stdout) == hash(again.stdout))

        let pack = folder.file("trained.cairnpack")
        let built = try cairn([
            "landmarks", "build", dataset.root, "--negatives", dataset.negatives, "--out", pack, "--head", head,
        ])
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.stderr.contains("embedding: trained (512-d, 6 epochs"))
        #expect(
            built.stderr.contains("calibrating on the 8 landmark photos the head set aside (of 8 it names)"),
            "\(built.stderr)")
        #expect(built.stderr.contains("everyday exemplars: 40 in the pack, for the margin μ"))
        let taj = dataset.heldOut["taj_mahal"]!
        let found = try cairn(["landmarks", "recognize", "--pack", pack, "--json"] + taj.prefix(6))
        let photos = try JSONSerialization.jsonObject(with: Data(found.stdout.utf8)) as! [[String: Any]]
        let keys = photos.map { (($0["landmarks"] as! [[String: Any]]).first?["key"] as? String) }
        #expect(keys.filter { $0 == "taj_mahal" }.count >= 4, "\(keys)")
        // Each found landmark says why: threshold, margin and the nearest reference photo by its dataset name.
        let first = try #require(photos.compactMap { ($0["landmarks"] as! [[String: Any]]).first }.first)
        #expect((first["threshold"] as? Double).map { $0 <= (first["score"] as! Double) } == true)
        #expect((first["nearestReference"] as? String)?.hasPrefix("taj_mahal/") == true, "\(first)")
        #expect((first["why"] as? String)?.hasPrefix("references: score ") == true, "\(first)")
        // A head is refused by a build on another backbone.
        let otherModel = try anotherBackbone()
        let refused = try ProcessRunner.run(
            TestPaths.executable("cairn"),
            [
                "landmarks", "build", dataset.root, "--out", folder.file("x.cairnpack"), "--head", head, "--model",
                otherModel, "--no-cache",
            ])
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("the head was trained on backbone efficientnet-lite0/"))
    }

    /// `split` deals every kind out into disjoint train, calibration and test folders of symbolic links, and what
    /// it wrote trains and calibrates a pack as the docs say.
    @Test func splitDealsEveryKindIntoDisjointParts() throws {
        let dataset = try LandmarkDatasetFixture(
            in: folder, keys: Self.keys, photosPerLandmark: 12, negatives: 30, hardKinds: 9)
        let parts = folder.file("parts")
        let split = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["landmarks", "split", dataset.negatives, "--out", parts, "--seed", "2"])
        #expect(split.status == 0, "\(split.stderr)")
        #expect(
            split.stdout.contains("train: 19 photos (mountain 3, negatives 10, seascape 3, street 3)"),
            "\(split.stdout)")
        #expect(split.stdout.contains("calibration: 19 photos"))
        #expect(split.stdout.contains("test: 19 photos"))
        let fm = FileManager.default
        var seen: [String: String] = [:]
        for part in ["train", "calibration", "test"] {
            for kind in ["mountain", "negatives", "seascape", "street"] {
                let names = try fm.contentsOfDirectory(atPath: "\(parts)/\(part)/\(kind)")
                for name in names {
                    let target = try fm.destinationOfSymbolicLink(atPath: "\(parts)/\(part)/\(kind)/\(name)")
                    #expect(seen[target] == nil, "\(target) in \(part) and \(seen[target] ?? "")")
                    seen[target] = part
                }
            }
        }
        #expect(seen.count == 57)
        // The same command again refuses to write over what it wrote.
        let again = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["landmarks", "split", dataset.negatives, "--out", parts])
        #expect(again.status == 64)
        #expect(again.stderr.contains("exists already; name a new folder"))
        // The parts train and calibrate: every kind of the calibration part is named in the build's log.
        let head = folder.file("head.safetensors")
        let trained = try cairn([
            "landmarks", "train", dataset.root, "--negatives", parts + "/train", "--out", head, "--epochs", "3",
            "--augment", "0",
        ])
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(
            trained.stderr.contains("negatives by kind: mountain 3, negatives 10, seascape 3, street 3"),
            "\(trained.stderr)")
        let built = try cairn([
            "landmarks", "build", dataset.root, "--negatives", parts + "/calibration", "--head", head, "--out",
            folder.file("p.cairnpack"),
        ])
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.stderr.contains("everyday exemplars: 19 in the pack"))
        #expect(built.stderr.contains("calibration on 8 held-out photos and 19 negatives"), "\(built.stderr)")
    }

    @Test func theAblationComparesEachPartOfTheMethod() throws {
        let dataset = try LandmarkDatasetFixture(in: folder, keys: Self.keys, photosPerLandmark: 14, negatives: 60)
        let result = try cairn([
            "landmarks", "eval", dataset.root, "--negatives", dataset.negatives, "--ablation", "--epochs", "4",
            "--augment", "0", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let output = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let report = (output["reports"] as! [[String: Any]])[0]
        let names = (report["rows"] as! [[String: Any]]).map { $0["name"] as! String }
        #expect(
            names == [
                "untrained projection, k = 1", "softmax only, k = 1", "softmax + center loss, k = 1",
                "+ curriculum (full), k = 1",
                "+ curriculum (full), k = 3", "+ curriculum (full), k = 5", "full, 1 centroid, k = 1",
                "full, no margin, k = 1",
            ])
        // The negatives that set the thresholds are never trained on: three disjoint thirds.
        #expect(result.stderr.contains("20 training, 20 calibration and 20 test negatives, stratified by kind"))
    }

    @Test func theDaemonTagsLandmarksIntoCityAlbums() throws {
        let (dataset, pack) = try buildPack()
        let photos = folder.file("photos")
        try FileManager.default.createDirectory(atPath: photos + "/trip", withIntermediateDirectories: true)
        // With sidecars beside the photos, the inferred position asked for.
        let config = try daemonConfig(
            watching: photos, pack: pack, extra: "sidecars:\n  mode: beside\n  write-inferred-gps: true")
        let daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", config])
        #expect(daemon.waitForLog("library reconciled"), "\(daemon.stderr)")
        // The recognition service announces its recognizers on its own task: not necessarily before the reconcile.
        #expect(daemon.waitForLog("recognizer.id=landmarks recognizer.version=landmarks/2 pack:"), "\(daemon.stderr)")
        // A Taj Mahal photo without GPS (the reference path, and its place from the landmark) and a Brandenburg
        // Gate photo with GPS (the geo path, its place from EXIF).
        let taj = try folder.copy(URL(fileURLWithPath: dataset.heldOut["taj_mahal"]![1]), to: "photos/trip/taj.jpg")
        let (lat, lon) = dataset.coordinates("brandenburg_gate")
        let gateBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dataset.heldOut["brandenburg_gate"]![0])))
        let gate = try folder.write(
            GPSExifWriter.jpeg(gateBytes, latitude: lat, longitude: lon + 0.002), to: "photos/trip/gate.jpg")
        // Another Taj Mahal photo, with GPS: its place comes from the gazetteer, and the one placed by the landmark
        // must land in the same country and city album, not in a second "India" without its code.
        let (tajLat, tajLon) = dataset.coordinates("taj_mahal")
        let tajBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dataset.heldOut["taj_mahal"]![0])))
        try folder.write(
            GPSExifWriter.jpeg(tajBytes, latitude: tajLat, longitude: tajLon), to: "photos/trip/taj-gps.jpg")
        let catalog = { try Catalog.openReadOnly(path: folder.file("cairn.sqlite")) }
        #expect(
            waitUntil(timeout: 120) {
                (try catalog().status().recognizers.first { $0.id == "landmarks" }?.done) == 3
            }, "\(daemon.stderr)")
        let tajTags = try catalog().photo(path: taj).tags.filter { $0.kind == "landmark" }
        #expect(tajTags.map(\.label) == ["Taj Mahal"])
        #expect(tajTags.first?.evidence == "references")
        let gateTags = try catalog().photo(path: gate).tags.filter { $0.kind == "landmark" }
        #expect(gateTags.first?.label == "Brandenburg Gate")
        #expect(gateTags.first?.evidence == "geo")

        let albums = try ProcessRunner.run(TestPaths.executable("cairn"), ["albums", "--config", config])
        #expect(
            albums.stdout.contains("India (IN): 2 photos\n  Agra, State of Uttar Pradesh: 2 photos\n    Taj Mahal: "),
            "\(albums.stdout)")
        #expect(albums.stdout.components(separatedBy: "India").count == 2, "\(albums.stdout)")
        #expect(albums.stdout.contains("Berlin: 1 photo\n    Brandenburg Gate: 1 photo"), "\(albums.stdout)")
        let shown = try ProcessRunner.run(TestPaths.executable("cairn"), ["photo", taj, "--config", config])
        #expect(
            shown.stdout.contains("Place:    Agra, State of Uttar Pradesh, India (from landmark"), "\(shown.stdout)")
        #expect(shown.stdout.contains("Tag:      landmark Taj Mahal 0."))
        #expect(shown.stdout.contains("via references"))
        // Why: the score and the threshold it passed, and the pack's reference photo it looked most like.
        #expect(shown.stdout.contains("  why:    references: score 0."), "\(shown.stdout)")
        #expect(shown.stdout.contains("nearest reference taj_mahal/"), "\(shown.stdout)")
        let gateShown = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["photo", gate, "--config", config, "--json"])
        let gateJSON = try JSONSerialization.jsonObject(with: Data(gateShown.stdout.utf8)) as! [String: Any]
        let gateDetail =
            (gateJSON["tags"] as! [[String: Any]]).first { $0["kind"] as? String == "landmark" }?["detail"] as? String
        #expect(
            gateDetail?.hasPrefix("geo: score 0.") == true && gateDetail?.contains("≥ η_geo") == true,
            "\(gateShown.stdout)")
        let listed = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["photos", "--landmark", "Brandenburg Gate", "--config", config])
        #expect(listed.stdout.contains("trip/gate.jpg"))

        // The sidecars, as exiftool reads them: the landmark in the place hierarchy and as the location shown, with
        // its position; the Taj Mahal photo without GPS gets that position as its own, marked inferred; the gate
        // photo keeps only its measured one (in the JPEG, not in the sidecar).
        func xmp(_ photo: String, _ tag: String) throws -> Any? {
            let result = try ProcessRunner.run(
                URL(fileURLWithPath: "/usr/bin/exiftool"), ["-j", "-G1", "-n", "-" + tag, photo + ".xmp"])
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
            return object?.first?[tag]
        }
        // exiftool prints a bag of one as its item.
        func keywords(_ photo: String) throws -> [String] {
            let value = try xmp(photo, "XMP-lr:HierarchicalSubject")
            return (value as? [String]) ?? (value as? String).map { [$0] } ?? []
        }
        // The sidecar service writes a photo's sidecar once its facts are in and again after its tags: wait for the
        // landmarks, not for the first sidecar.
        #expect(
            waitUntil(interval: 0.5) {
                try keywords(taj).contains("Cairn|Places|India|Agra|Taj Mahal")
                    && keywords(gate).contains("Cairn|Places|Germany|Berlin|Brandenburg Gate")
            },
            "\(daemon.stderr)")
        #expect(try keywords(taj).contains("Cairn|Places|India|Agra|Taj Mahal"))
        #expect(try xmp(taj, "XMP-iptcExt:LocationShownLocationName") as? String == "Taj Mahal")
        let inferred = try #require(try xmp(taj, "XMP-exif:GPSLatitude") as? Double)
        #expect(abs(inferred - tajLat) < 0.001)
        #expect(try xmp(taj, "XMP-cairn:GPSInferredFrom") as? String == "landmark")
        #expect(try xmp(gate, "XMP-exif:GPSLatitude") == nil)
        #expect(try xmp(gate, "XMP-cairn:GPSInferredFrom") == nil)
        #expect(try keywords(gate).contains("Cairn|Places|Germany|Berlin|Brandenburg Gate"))
        let shownLatitude = try #require(try xmp(gate, "XMP-iptcExt:LocationShownGPSLatitude") as? Double)
        #expect(abs(shownLatitude - lat) < 0.001)
        #expect(daemon.stop() == 0)

        // A catalog from before landmark places were named by the gazetteer: the place the next start names again.
        let tajId = try #require(try catalog().photo(path: taj).facts?.photoId)
        try Catalog.openForWriting(path: folder.file("cairn.sqlite")).replaceLandmarkPlaces([
            PhotoPlaceRecord(
                photoId: tajId, source: .landmark, countryCode: nil, country: "India", adminRegion: nil, city: "Agra",
                gazetteerVersion: "landmark:taj_mahal")
        ])
        #expect(
            try ProcessRunner.run(TestPaths.executable("cairn"), ["albums", "--config", config]).stdout.contains(
                "India: 1 photo"))
        let again = try RunningProcess(TestPaths.executable("cairnd"), ["--config", config])
        #expect(again.waitForLog("photos=1 [CairnDaemon] landmark places renamed"), "\(again.stderr)")
        let renamed = try ProcessRunner.run(TestPaths.executable("cairn"), ["albums", "--config", config])
        #expect(
            renamed.stdout.contains("India (IN): 2 photos\n  Agra, State of Uttar Pradesh: 2 photos"),
            "\(renamed.stdout)")
        #expect(again.stop() == 0)
    }

    @Test func aBrokenPackTurnsOffOnlyTheLandmarkRecognizer() throws {
        let photos = folder.file("photos")
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        _ = try folder.copy(TestPaths.data("distractors-dev/n03063599_coffee_mug.jpg"), to: "photos/mug.jpg")
        let broken = try folder.write(Array(repeating: 0x41, count: 64), to: "broken.cairnpack")
        let config = try daemonConfig(watching: photos, pack: broken)
        let daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", config])
        let catalog = { try Catalog.openReadOnly(path: folder.file("cairn.sqlite")) }
        #expect(
            waitUntil(timeout: 120) {
                (try catalog().status().recognizers.first { $0.id == "scene-tags" }?.done) == 1
            }, "\(daemon.stderr)")
        let status = try ProcessRunner.run(TestPaths.executable("cairn"), ["status", "--config", config])
        #expect(
            status.stdout.contains(
                "landmarks unavailable [off: landmark pack unavailable: \(broken): not a safetensors file"),
            "\(status.stdout)")
        #expect(daemon.stop() == 0)
    }
}
