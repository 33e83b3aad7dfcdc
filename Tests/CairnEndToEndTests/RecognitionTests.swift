import CairnCatalog
import CairnTesting
import Foundation
import GRDB
import Testing

/// The real daemon and CLI recognising real photos with the real backbone (models/efficientnet-lite0.safetensors,
/// from scripts/fetch-model.sh).
@Suite(.serialized) struct RecognitionTests {
    let folder = TemporaryDirectory("cairn-recognition")
    var catalogPath: String { folder.file("cairn.sqlite") }
    static let model = TestPaths.repositoryRoot.appendingPathComponent("models/efficientnet-lite0.safetensors").path

    func library() throws -> (mug: String, cat: String) {
        (
            try folder.copy(TestPaths.data("distractors-dev/n03063599_coffee_mug.jpg"), to: "photos/kitchen/mug.jpg"),
            try folder.copy(TestPaths.data("distractors-dev/n02123597_Siamese_cat.jpg"), to: "photos/pets/cat.jpg")
        )
    }

    func config(model: String) throws -> String {
        let path = folder.file("cairn.yaml")
        // The landmark pack is named inside the temporary folder, so a ./landmarks.cairnpack left by scripts/run.sh
        // in the repository does not change what these tests see.
        try
            "watch:\n  folders: [photos]\ncatalog:\n  path: cairn.sqlite\nbackbone:\n  model: \(model)\nworkers:\n  threads: 1\nrecognizers:\n  landmarks:\n    pack: no-pack.cairnpack\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func catalog() throws -> Catalog { try Catalog.openReadOnly(path: catalogPath) }

    @Test func daemonTagsScenesOnceAndTheCLIFindsThem() throws {
        let (mug, cat) = try library()
        let configPath = try config(model: Self.model)
        var daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", configPath])
        #expect(
            waitUntil(timeout: 120) {
                (try catalog().status().recognizers.first { $0.id == "scene-tags" }?.done) == 2
            }, "\(daemon.stderr)")
        #expect(try catalog().photo(path: mug).tags.first?.label == "coffee mug")
        #expect(try catalog().photo(path: cat).tags.first?.label == "Siamese cat")

        let found = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["photos", "--tag", "coffee mug", "--catalog", catalogPath])
        #expect(found.stdout.contains("kitchen/mug.jpg"))
        #expect(!found.stdout.contains("cat.jpg"))
        let shown = try ProcessRunner.run(TestPaths.executable("cairn"), ["photo", mug, "--catalog", catalogPath])
        #expect(shown.stdout.contains("Tag:      scene coffee mug 0."))
        #expect(shown.stdout.contains("Ran:      scene-tags scene-tags/1 efficientnet-lite0/"))
        #expect(daemon.stop() == 0)

        // Restarted: the catalog is the queue, and nothing is recognised twice.
        let before = try DatabaseQueue(path: catalogPath).read {
            try Row.fetchAll($0, sql: "SELECT * FROM recognition ORDER BY photoId")
        }
        daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", configPath])
        #expect(daemon.waitForLog("recognizer loaded"))
        usleep(3_000_000)
        let after = try DatabaseQueue(path: catalogPath).read {
            try Row.fetchAll($0, sql: "SELECT * FROM recognition ORDER BY photoId")
        }
        #expect(before == after)
        #expect(try catalog().status().queue == 0)
        #expect(daemon.stop() == 0)
    }

    @Test func aMissingModelTurnsRecognitionOffButNotTheDaemon() throws {
        let (mug, _) = try library()
        let daemon = try RunningProcess(
            TestPaths.executable("cairnd"), ["--config", try config(model: folder.file("no-model.safetensors"))])
        #expect(daemon.waitForLog("library reconciled"), "\(daemon.stderr)")
        // The recognition service logs its recognizers on its own task, beside the watcher's reconcile: wait for it.
        #expect(daemon.waitForLog("model file is missing; run scripts/fetch-model.sh"), "\(daemon.stderr)")
        #expect(try catalog().photo(path: mug).state == "indexed")
        let status = try ProcessRunner.run(TestPaths.executable("cairn"), ["status", "--catalog", catalogPath])
        #expect(
            status.stdout.contains(
                "scene-tags unavailable [off: backbone unavailable: \(folder.file("no-model.safetensors")): model file is missing"
            ))
        #expect(daemon.stop() == 0)
    }

    /// Once the queue is empty the daemon gives its heap back: two workers' decodes (full-size camera HEIFs among
    /// them) and backbone sessions leave little more than the model resident (40 MB of heap here; 153 MB of freed
    /// arena tops stayed before cairnd fixed glibc's malloc thresholds and arenas, `HeapPolicy`).
    @Test func idleDaemonReturnsTheMemoryRecognitionUsed() throws {
        let everyday = try FileManager.default.contentsOfDirectory(atPath: TestPaths.data("distractors-dev").path)
            .filter { $0.hasSuffix(".jpg") }.sorted().prefix(60)
        for name in everyday {
            try folder.copy(TestPaths.data("distractors-dev/\(name)"), to: "photos/\(name)")
        }
        for file in [
            "Exiv2__exiv2/test/data/Canon.HIF", "immich-app__test-assets/formats/heic/IMG_2682.heic",
            "Exiv2__exiv2/test/data/issue_9292_sony_1_top_left.HIF",
            "Exiv2__exiv2/test/data/issue_9292_sony_3_bottom_right.HIF",
            "Exiv2__exiv2/test/data/IMG_3578.heic", "immich-app__test-assets/formats/avif/8bit-sRGB.avif",
        ] {
            try folder.copy(
                TestPaths.data("exif/\(file)"), to: "photos/\(URL(fileURLWithPath: file).lastPathComponent)")
        }
        let configPath = try config(model: Self.model)
        // A budget that lets the two 50 MP Sony HEIFs (no thumbnail) be decoded whole, as this test is about that.
        try String(contentsOfFile: configPath, encoding: .utf8).replacingOccurrences(
            of: "threads: 1", with: "threads: 2"
        )
        .replacingOccurrences(of: "folders: [photos]\n", with: "folders: [photos]\n  max-decode-mb: 1024\n")
        .write(toFile: configPath, atomically: true, encoding: .utf8)
        let daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", configPath])
        #expect(daemon.waitForLog("recognition queue empty", timeout: 300), "\(daemon.stderr)")
        #expect(try catalog().status().recognizers.first { $0.id == "scene-tags" }?.done == 66)
        usleep(500_000)
        let resident = try #require(procStatusKB(daemon.process.processIdentifier, "RssAnon"))
        #expect(resident < 100 * 1024, "\(resident / 1024) MB of heap still resident when idle")
        #expect(daemon.stop() == 0)
    }

    /// A photo that takes the daemon down costs that photo, not the daemon. cairnd is killed with SIGKILL, as the
    /// kernel's OOM killer does at the unit's `MemoryMax=`, when its RSS passes 250 MB: only the 50 MP Sony HEIF
    /// (no thumbnail) gets it there, decoded whole under a raised `watch.max-decode-mb`. The next start runs the
    /// photos it died on alone first, and dies on it again; the third marks it damaged and recognises the rest.
    @Test func aPhotoThatKillsTheDaemonTwiceIsDamagedAndTheOthersAreRecognised() throws {
        let everyday = try FileManager.default.contentsOfDirectory(atPath: TestPaths.data("distractors-dev").path)
            .filter { $0.hasSuffix(".jpg") }.sorted().prefix(12)
        for name in everyday {
            try folder.copy(TestPaths.data("distractors-dev/\(name)"), to: "photos/\(name)")
        }
        let sony = try folder.copy(
            TestPaths.data("exif/Exiv2__exiv2/test/data/issue_9292_sony_1_top_left.HIF"), to: "photos/sony.HIF")
        let configPath = try config(model: Self.model)
        try String(contentsOfFile: configPath, encoding: .utf8).replacingOccurrences(
            of: "threads: 1", with: "threads: 2"
        )
        .replacingOccurrences(of: "folders: [photos]\n", with: "folders: [photos]\n  max-decode-mb: 1024\n")
        .write(toFile: configPath, atomically: true, encoding: .utf8)
        for start in 1...2 {
            let daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", configPath])
            let pid = daemon.process.processIdentifier
            #expect(
                waitUntil(timeout: 180, interval: 0.005) { (procStatusKB(pid, "VmRSS") ?? 0) > 250 * 1024 },
                "start \(start): \(daemon.stderr)")
            kill(pid, SIGKILL)
            daemon.process.waitUntilExit()
            if start == 2 {
                #expect(
                    daemon.stderr.contains(
                        "recognition stopped unfinished last time: running those photos one at a time"))
            }
        }
        let daemon = try RunningProcess(TestPaths.executable("cairnd"), ["--config", configPath])
        #expect(daemon.waitForLog("recognition queue empty", timeout: 300), "\(daemon.stderr)")
        let photo = try catalog().photo(path: sony)
        #expect(photo.state == "damaged")
        #expect(
            photo.errorReason?.hasPrefix("recognition died twice on this photo, the second time with it alone") == true)
        #expect(try catalog().status().recognizers.first { $0.id == "scene-tags" }?.done == 12)
        #expect(daemon.stop() == 0)
    }

    /// Every recognised photo gets its compact embedding in the catalog (128 float16 values, unit length), and it
    /// keeps what the backbone sees: photos of one landmark are nearer each other than to everyday photos.
    @Test func cairnIndexStoresACompactEmbeddingPerPhoto() throws {
        var groups: [String: [String]] = [:]
        for key in ["colosseum", "taj_mahal"] {
            for url in try LibraryFixture.photos(of: key, count: 4) {
                groups[key, default: []].append(try folder.copy(url, to: "photos/\(key)/\(url.lastPathComponent)"))
            }
        }
        let everyday = try FileManager.default.contentsOfDirectory(atPath: TestPaths.data("distractors-dev").path)
            .filter { $0.hasSuffix(".jpg") }.sorted().prefix(8)
        for name in everyday {
            groups["everyday", default: []].append(
                try folder.copy(TestPaths.data("distractors-dev/\(name)"), to: "photos/everyday/\(name)"))
        }
        let run = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["index", folder.file("photos"), "--config", try config(model: Self.model)],
            timeout: 300)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Recognised 16 photos with scene-tags, embeddings"), "\(run.stdout)")
        let catalog = try catalog()
        let stored = try catalog.embeddings(recognizerId: "embeddings")
        #expect(stored.count == 16)
        #expect(try catalog.embeddingBytes(recognizerId: "embeddings") == 16 * 256)
        let byId = Dictionary(uniqueKeysWithValues: stored.map { ($0.photoId, $0.vector) })
        var vectors: [String: [Float]] = [:]
        for path in groups.values.joined() {
            let id = try #require(try catalog.photoID(path: path))
            let vector = try #require(byId[id])
            #expect(vector.count == 128)
            #expect(abs(vector.reduce(0) { $0 + $1 * $1 }.squareRoot() - 1) < 0.01)
            vectors[path] = vector
        }
        func similarity(_ a: String, _ b: String) -> Float {
            zip(vectors[a]!, vectors[b]!).reduce(0) { $0 + $1.0 * $1.1 }
        }
        for key in ["colosseum", "taj_mahal"] {
            let members = groups[key]!
            let within = members.flatMap { a in members.filter { $0 != a }.map { similarity(a, $0) } }
            let across = members.flatMap { a in groups["everyday"]!.map { similarity(a, $0) } }
            let (meanWithin, meanAcross) = (
                within.reduce(0, +) / Float(within.count), across.reduce(0, +) / Float(across.count)
            )
            #expect(
                meanWithin > meanAcross + 0.1, "\(key): within \(meanWithin), against everyday photos \(meanAcross)")
        }
        let shown = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["photo", groups["colosseum"]![0], "--catalog", catalogPath])
        #expect(shown.stdout.contains("Ran:      embeddings embeddings/1 efficientnet-lite0/"), "\(shown.stdout)")
    }

    @Test func indexRecognisesUnlessFactsOnly() throws {
        _ = try library()
        let configPath = try config(model: Self.model)
        let factsOnly = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["index", folder.file("photos"), "--config", configPath, "--facts-only"])
        #expect(factsOnly.status == 0)
        #expect(!factsOnly.stdout.contains("Recognised"))
        #expect(try catalog().status().queue == 0)  // no recognizer registered yet
        let full = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["index", folder.file("photos"), "--config", configPath], timeout: 300)
        #expect(full.status == 0, "\(full.stderr)")
        #expect(full.stdout.contains("Recognised 2 photos with scene-tags"))
        #expect(
            full.stdout.contains(
                "Not run: landmarks: landmark pack unavailable: \(folder.file("no-pack.cairnpack")): pack file is missing"
            ), "\(full.stdout)")
        let tags = try ProcessRunner.run(
            TestPaths.executable("cairn"), ["tags", "--kind", "scene", "--catalog", catalogPath])
        #expect(tags.stdout.contains("coffee mug"))
    }
}
