import CairnCatalog
import CairnTesting
import Foundation
import Testing

/// RAW+JPEG pairs through the real `cairn index`: a camera raw file (the suite's Nikon NEF with a real photo written
/// in as its preview by exiftool, as a camera does) beside a JPEG of the same stem.
@Suite(.serialized) struct RawPairTests {
    let folder = TemporaryDirectory("cairn-pairs")
    var catalogPath: String { folder.file("cairn.sqlite") }

    /// IMG_0001.JPG (a photo of a coffee mug, given a GPS position in Berlin) and IMG_0001.NEF (its preview a photo of the Colosseum, and the
    /// JPEG's GPS position), plus DSC_0002.NEF alone.
    func library() throws {
        let photos = folder.file("photos")
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        let jpeg = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/exiftool"),
            [
                "-q", "-q", "-GPSLatitude=52.5186", "-GPSLatitudeRef=N", "-GPSLongitude=13.4081", "-GPSLongitudeRef=E",
                "-o", folder.file("photos/IMG_0001.JPG"),
                TestPaths.data("distractors-dev/n03063599_coffee_mug.jpg").path,
            ])
        #expect(jpeg.status == 0, "\(jpeg.stderr)")
        for name in ["IMG_0001.NEF", "DSC_0002.NEF"] {
            let made = try ProcessRunner.run(
                URL(fileURLWithPath: "/usr/bin/exiftool"),
                [
                    "-m", "-q", "-q",
                    "-PreviewImage<=\(TestPaths.data("landmarks-dev/colosseum/7fbdb2fcf3d6.jpg").path)",
                    "-GPSLatitude=52.5186", "-GPSLatitudeRef=N", "-GPSLongitude=13.4081", "-GPSLongitudeRef=E",
                    "-o", folder.file("photos/\(name)"),
                    TestPaths.data("exif/exiftool__exiftool/t/images/Nikon.nef").path,
                ])
            #expect(made.status == 0, "\(made.stderr)")
        }
    }

    func config(pairing: Bool) throws -> String {
        let model = TestPaths.repositoryRoot.appendingPathComponent("models/efficientnet-lite0.safetensors").path
        let path = folder.file("cairn.yaml")
        try """
        watch:
          folders: [photos]
          pair-raw-with-jpeg: \(pairing)
        catalog:
          path: cairn.sqlite
        backbone:
          model: \(model)
        workers:
          threads: 1
        recognizers:
          landmarks:
            pack: no-pack.cairnpack
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func cairn(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(TestPaths.executable("cairn"), arguments, timeout: 300)
    }

    @Test func aPairIsRecognisedOnceTaggedTwiceAndCountedOnce() throws {
        try library()
        let config = try config(pairing: true)
        let index = try cairn(["index", folder.file("photos"), "--config", config])
        #expect(index.status == 0, "\(index.stderr)")
        // Two photos to recognise: the JPEG and the lone raw file (the paired raw file goes with its JPEG).
        #expect(index.stdout.contains("Recognised 2 photos with scene-tags"), "\(index.stdout)")

        let catalog = try Catalog.openReadOnly(path: catalogPath)
        let jpeg = try catalog.photo(path: folder.file("photos/IMG_0001.JPG"))
        let raw = try catalog.photo(path: folder.file("photos/IMG_0001.NEF"))
        let lone = try catalog.photo(path: folder.file("photos/DSC_0002.NEF"))
        #expect(raw.format == "raw")
        #expect(
            raw.decoder?.hasPrefix("LibRaw 0.") == true
                && raw.decoder?.hasSuffix("embedded JPEG preview 512×342") == true)
        #expect(raw.pairedWith == [jpeg.path])
        #expect(jpeg.pairedWith == [raw.path])
        // Both files carry the JPEG's tags; the lone raw file has its own (from its preview, another photo).
        #expect(!jpeg.tags.isEmpty)
        #expect(raw.tags.map(\.label) == jpeg.tags.map(\.label))
        #expect(lone.tags.first?.label != nil && lone.tags.map(\.label) != jpeg.tags.map(\.label))

        // Albums: Berlin holds the pair once and the lone raw file once.
        let albums = try cairn(["albums", "--catalog", catalogPath, "--json"])
        let tree = try #require(try JSONSerialization.jsonObject(with: Data(albums.stdout.utf8)) as? [String: Any])
        let germany = try #require(
            (tree["countries"] as? [[String: Any]])?.first { $0["country"] as? String == "Germany" })
        #expect(germany["photos"] as? Int == 2, "\(albums.stdout)")
        #expect(tree["unplacedPhotos"] as? Int == 0)
        let shown = try cairn(["photo", raw.path, "--catalog", catalogPath])
        #expect(shown.stdout.contains("Pair:     \(jpeg.path) (RAW+JPEG: recognised once, counted once)"))
        #expect(shown.stdout.contains("Decoder:  LibRaw 0."))

        // The JPEG deleted: the raw file is a photo of its own again, recognised by its preview, in the album.
        try FileManager.default.removeItem(atPath: jpeg.path)
        let again = try cairn(["index", folder.file("photos"), "--config", config])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("Recognised 1 photo"), "\(again.stdout)")
        let alone = try Catalog.openReadOnly(path: catalogPath).photo(path: raw.path)
        #expect(alone.pairedWith.isEmpty)
        #expect(alone.tags.map(\.label) == lone.tags.map(\.label))
        let after = try cairn(["albums", "--catalog", catalogPath, "--json"])
        #expect(after.stdout.contains("\"photos\" : 2") || after.stdout.contains("\"photos\":2"), "\(after.stdout)")
    }

    @Test func pairingCanBeTurnedOff() throws {
        try library()
        let config = try config(pairing: false)
        let index = try cairn(["index", folder.file("photos"), "--config", config, "--facts-only"])
        #expect(index.status == 0, "\(index.stderr)")
        let catalog = try Catalog.openReadOnly(path: catalogPath)
        #expect(try catalog.photo(path: folder.file("photos/IMG_0001.NEF")).pairedWith.isEmpty)
        let albums = try cairn(["albums", "--catalog", catalogPath, "--json"])
        let tree = try #require(try JSONSerialization.jsonObject(with: Data(albums.stdout.utf8)) as? [String: Any])
        let germany = try #require(
            (tree["countries"] as? [[String: Any]])?.first { $0["country"] as? String == "Germany" })
        #expect(germany["photos"] as? Int == 3)
    }
}
