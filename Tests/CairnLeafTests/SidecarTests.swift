import CairnSidecars
import CairnTesting
import Foundation
import Testing

/// XMP sidecars read back by exiftool (the reader every photo manager's behaviour is checked against here), merged
/// into sidecars written by other tools without losing any of their metadata.
@Suite struct SidecarTests {
    static let exiftool = URL(fileURLWithPath: "/usr/bin/exiftool")

    static let colosseum = SidecarContent(
        place: .init(countryCode: "IT", country: "Italy", region: "Lazio", city: "Rome"), landmark: "Colosseum",
        landmarkPosition: .init(latitude: 41.8902, longitude: 12.4922),
        tags: [
            .init(
                kind: "landmark", label: "Colosseum", score: 0.8123, recognizer: "landmarks", version: "pack/abc",
                evidence: "references"),
            .init(kind: "scene", label: "palace", score: 0.41, recognizer: "scene-tags", version: "scene/1"),
            .init(kind: "scene", label: "triumphal arch", score: 0.3, recognizer: "scene-tags", version: "scene/1"),
        ])

    /// exiftool's reading of a sidecar: every XMP tag by group, structures kept.
    static func read(_ path: String) throws -> [String: Any] {
        let result = try ProcessRunner.run(exiftool, ["-j", "-struct", "-G1", "-XMP:all", path])
        #expect(result.status == 0, "\(result.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        return try #require(parsed?.first)
    }

    /// What exiftool reads, less what Cairn writes (its keywords, its subjects, its location, its namespace) and
    /// what changes with every writer (the toolkit, the file name).
    static func othersMetadata(_ path: String, cairnSubjects: Set<String> = []) throws -> [String: String] {
        var kept: [String: String] = [:]
        for (key, value) in try read(path) {
            if key == "SourceFile" || key == "XMP-x:XMPToolkit" || key.hasPrefix("XMP-cairn:") { continue }
            var value = value
            if let list = value as? [String] {
                value = list.filter {
                    !$0.hasPrefix("Cairn|") && !$0.hasPrefix("Cairn/") && !cairnSubjects.contains($0)
                }
                if (value as? [String])?.isEmpty == true { continue }
            }
            if key == "XMP-iptcExt:LocationShown", let list = value as? [[String: Any]] {
                value = list.filter { $0["Source"] as? String != "Cairn" }
                if (value as? [Any])?.isEmpty == true { continue }
            }
            // Canonical text: keys sorted, so two readings compare equal when their contents do.
            let json = try JSONSerialization.data(withJSONObject: ["v": value], options: [.sortedKeys])
            kept[key] = String(decoding: json, as: UTF8.self)
        }
        return kept
    }

    @Test func exiftoolReadsBackWhatCairnWrote() throws {
        let folder = TemporaryDirectory()
        let photo = try folder.copy(TestPaths.data("exif/exiftool__exiftool/t/images/Apple.jpg"), to: "rome.jpg")
        let sidecar = SidecarPlacement.beside.path(forPhoto: photo)
        #expect(sidecar == photo + ".xmp")
        #expect(try SidecarFiles.write(Self.colosseum, to: sidecar, photo: photo, createFolders: false) == .written)
        let tags = try Self.read(sidecar)
        #expect(
            tags["XMP-lr:HierarchicalSubject"] as? [String] == [
                "Cairn|Places|Italy|Rome|Colosseum", "Cairn|Scenes|palace", "Cairn|Scenes|triumphal arch",
            ])
        #expect(
            tags["XMP-digiKam:TagsList"] as? [String] == [
                "Cairn/Places/Italy/Rome/Colosseum", "Cairn/Scenes/palace", "Cairn/Scenes/triumphal arch",
            ])
        #expect(tags["XMP-dc:Subject"] as? [String] == ["Italy", "Rome", "Colosseum", "palace", "triumphal arch"])
        let shown = try #require((tags["XMP-iptcExt:LocationShown"] as? [[String: Any]])?.first)
        #expect(shown["LocationName"] as? String == "Colosseum")
        #expect(shown["City"] as? String == "Rome")
        #expect(shown["ProvinceState"] as? String == "Lazio")
        #expect(shown["CountryName"] as? String == "Italy")
        #expect(shown["CountryCode"] as? String == "IT")
        // exiftool prints XMP GPS in degrees, minutes and seconds.
        #expect((shown["GPSLatitude"] as? String)?.hasPrefix("41 deg 53' 24.72\"") == true)
        #expect((shown["GPSLongitude"] as? String)?.hasPrefix("12 deg 29' 31.92\"") == true)
        // No position of the photo itself unless asked for.
        #expect(tags["XMP-exif:GPSLatitude"] == nil)
        // Cairn's namespace: what produced each tag.
        let produced = try #require(tags["XMP-cairn:Tags"] as? [[String: Any]])
        #expect(produced.count == 3)
        #expect(produced[0]["Label"] as? String == "Colosseum")
        #expect(produced[0]["Recognizer"] as? String == "landmarks")
        #expect(produced[0]["Version"] as? String == "pack/abc")
        #expect(produced[0]["Evidence"] as? String == "references")
        #expect("\(produced[0]["Score"] ?? "")" == "0.8123")
        #expect(tags["XMP-cairn:Fingerprint"] as? String == Self.colosseum.fingerprint)
        // The same content again does not touch the file.
        #expect(try SidecarFiles.write(Self.colosseum, to: sidecar, photo: photo, createFolders: false) == .unchanged)
        // A new sidecar is as readable as its photo, whatever the umask, and writable by its owner.
        var photoInfo = stat(), sidecarInfo = stat()
        stat(photo, &photoInfo)
        stat(sidecar, &sidecarInfo)
        #expect(sidecarInfo.st_mode & 0o777 == photoInfo.st_mode & 0o666 | 0o200)
    }

    @Test func anInferredPositionIsMarkedAsInferred() throws {
        let folder = TemporaryDirectory()
        var content = Self.colosseum
        content.inferredPosition = .init(latitude: 41.8902, longitude: 12.4922)
        let sidecar = folder.file("a.jpg.xmp")
        try SidecarFiles.write(content, to: sidecar, photo: folder.file("a.jpg"), createFolders: false)
        let tags = try Self.read(sidecar)
        #expect((tags["XMP-exif:GPSLatitude"] as? String)?.hasPrefix("41 deg 53' 24.72\" N") == true)
        #expect((tags["XMP-exif:GPSLongitude"] as? String)?.hasPrefix("12 deg 29' 31.92\" E") == true)
        #expect(tags["XMP-cairn:GPSInferredFrom"] as? String == "landmark")
        // Without it, the position goes and so does the mark.
        try SidecarFiles.write(Self.colosseum, to: sidecar, photo: folder.file("a.jpg"), createFolders: false)
        let after = try Self.read(sidecar)
        #expect(after["XMP-exif:GPSLatitude"] == nil)
        #expect(after["XMP-cairn:GPSInferredFrom"] == nil)
    }

    /// A sidecar darktable wrote (its history as attributes, as darktable writes it), then edited by exiftool: a
    /// rating, a title, someone's keywords in dc:subject, lr:hierarchicalSubject and digiKam:TagsList.
    static func othersSidecar(in folder: TemporaryDirectory, name: String) throws -> String {
        let path = folder.file(name)
        try Data(Self.darktableSidecar.utf8).write(to: URL(fileURLWithPath: path))
        let edit = try ProcessRunner.run(
            exiftool,
            [
                "-q", "-overwrite_original", "-XMP-xmp:Rating=4", "-XMP-dc:Title=Evening at the Forum",
                "-XMP-dc:Subject+=Anna", "-XMP-dc:Subject+=Rome", "-XMP-lr:HierarchicalSubject+=People|Anna",
                "-XMP-digiKam:TagsList+=People/Anna", "-XMP-iptcExt:LocationShownCity=Ostia", path,
            ])
        #expect(edit.status == 0, "\(edit.stderr)")
        return path
    }

    @Test(arguments: [false, true])
    func othersMetadataSurvivesAddUpdateAndRemove(editedByExiftool: Bool) throws {
        let folder = TemporaryDirectory()
        let sidecar: String
        if editedByExiftool {
            sidecar = try Self.othersSidecar(in: folder, name: "IMG_0001.CR3.xmp")
        } else {
            sidecar = folder.file("IMG_0001.CR3.xmp")
            try Data(Self.darktableSidecar.utf8).write(to: URL(fileURLWithPath: sidecar))
        }
        let before = try Self.othersMetadata(sidecar)
        #expect(before["XMP-darktable:History"]?.contains("filmicrgb") == true)
        if editedByExiftool {
            #expect(before["XMP-xmp:Rating"] == "{\"v\":4}")
            #expect(before["XMP-dc:Subject"]?.contains("Anna") == true)
        }
        // Add: "Rome" is the user's own subject already; Cairn adds its others and keeps theirs.
        try SidecarFiles.write(Self.colosseum, to: sidecar, photo: folder.file("IMG_0001.CR3"), createFolders: false)
        let added = try Self.read(sidecar)
        #expect(
            (added["XMP-lr:HierarchicalSubject"] as? [String])?.contains("Cairn|Places|Italy|Rome|Colosseum") == true)
        // Without the user's own "Rome", Cairn added it.
        let rome: Set<String> = editedByExiftool ? [] : ["Rome"]
        let cairnSubjects = rome.union(["Italy", "Colosseum", "palace", "triumphal arch"])
        #expect(try Self.othersMetadata(sidecar, cairnSubjects: cairnSubjects) == before)
        // Update: another landmark and fewer tags.
        var update = Self.colosseum
        update.landmark = "Roman Forum"
        update.tags = [update.tags[0], update.tags[1]]
        update.tags[0].label = "Roman Forum"
        try SidecarFiles.write(update, to: sidecar, photo: folder.file("IMG_0001.CR3"), createFolders: false)
        let updated = try Self.read(sidecar)
        let hierarchy = try #require(updated["XMP-lr:HierarchicalSubject"] as? [String])
        #expect(
            hierarchy.filter { $0.hasPrefix("Cairn|") } == [
                "Cairn|Places|Italy|Rome|Roman Forum", "Cairn|Scenes|palace",
            ])
        #expect((updated["XMP-dc:Subject"] as? [String])?.contains("Colosseum") == false)
        #expect((updated["XMP-dc:Subject"] as? [String])?.contains("triumphal arch") == false)
        #expect(
            try Self.othersMetadata(sidecar, cairnSubjects: rome.union(["Italy", "Roman Forum", "palace"])) == before)
        // Remove: the file stays (it is someone's), with everything of theirs and nothing of Cairn's.
        #expect(try SidecarFiles.strip(sidecar) == .stripped)
        let stripped = try Self.read(sidecar)
        #expect(stripped.keys.contains { $0.hasPrefix("XMP-cairn:") } == false)
        #expect((stripped["XMP-lr:HierarchicalSubject"] as? [String])?.contains { $0.hasPrefix("Cairn") } != true)
        #expect(try Self.othersMetadata(sidecar) == before)
        if editedByExiftool {
            #expect(stripped["XMP-dc:Subject"] as? [String] == ["Anna", "Rome"])
        }
    }

    @Test func aSidecarOnlyCairnWroteIsDeletedOnRemoval() throws {
        let folder = TemporaryDirectory()
        let sidecar = folder.file("a.jpg.xmp")
        try SidecarFiles.write(Self.colosseum, to: sidecar, photo: folder.file("a.jpg"), createFolders: false)
        #expect(try SidecarFiles.strip(sidecar) == .deleted)
        #expect(!FileManager.default.fileExists(atPath: sidecar))
        #expect(try SidecarFiles.strip(sidecar) == .absent)
        // A sidecar Cairn never wrote in is not touched.
        let others = try Self.othersSidecar(in: folder, name: "b.jpg.xmp")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: others))
        #expect(try SidecarFiles.strip(others) == .untouched)
        #expect(try Data(contentsOf: URL(fileURLWithPath: others)) == bytes)
    }

    @Test(arguments: [
        ("not XML", "this is not xml <"), ("XML but not XMP", "<?xml version=\"1.0\"?><note>hello</note>"),
        ("an entity bomb", Self.entityBomb),
        // Found by fuzzing (fuzz/regressions/xmp): a prefix no namespace declares. Merging into it bound the stale
        // element to Cairn's namespace, so the sidecar read back with the old fingerprint.
        (
            "a prefix without its namespace",
            """
            <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
            <rdf:Description rdf:about=""><cairn:Fingerprint>old</cairn:Fingerprint></rdf:Description>
            </rdf:RDF></x:xmpmeta>
            """
        ),
    ])
    func anUnparsableSidecarIsLeftAlone(_ name: String, _ text: String) throws {
        let folder = TemporaryDirectory()
        let sidecar = folder.file("a.jpg.xmp")
        try Data(text.utf8).write(to: URL(fileURLWithPath: sidecar))
        #expect {
            try SidecarFiles.write(Self.colosseum, to: sidecar, photo: folder.file("a.jpg"), createFolders: false)
        } throws: { ($0 as? SidecarError)?.code == .unparsable }
        #expect(throws: SidecarError.self) { try SidecarFiles.strip(sidecar) }
        #expect(try String(contentsOfFile: sidecar, encoding: .utf8) == text, "\(name) changed")
    }

    @Test func aReadOnlyFolderGivesAClearReason() throws {
        let folder = TemporaryDirectory()
        let photos = folder.file("ro")
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        chmod(photos, 0o555)
        defer { chmod(photos, 0o755) }
        guard access(photos, W_OK) != 0 else { return }  // root ignores the mode: nothing to check
        #expect {
            try SidecarFiles.write(
                Self.colosseum, to: photos + "/a.jpg.xmp", photo: photos + "/a.jpg", createFolders: false)
        } throws: { error in
            let error = error as? SidecarError
            return error?.code == .notWritable && error?.reason.contains("sidecars.mode: tree") == true
        }
    }

    @Test func treeModeMirrorsThePhotosPath() throws {
        let folder = TemporaryDirectory()
        let tree = SidecarPlacement.tree(folder: folder.file("sidecars"))
        let path = tree.path(forPhoto: "/srv/photos/2024/rome.jpg")
        #expect(path == folder.file("sidecars") + "/srv/photos/2024/rome.jpg.xmp")
        try SidecarFiles.write(Self.colosseum, to: path, photo: "/srv/photos/2024/rome.jpg", createFolders: true)
        #expect(try SidecarFiles.fingerprint(at: path) == Self.colosseum.fingerprint)
        let moved = tree.path(forPhoto: "/srv/photos/2025/rome.jpg")
        #expect(try SidecarFiles.move(from: path, to: moved, createFolders: true))
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try SidecarFiles.fingerprint(at: moved) == Self.colosseum.fingerprint)
    }

    @Test func aSidecarChangedWhileMergingIsNotReplaced() throws {
        let folder = TemporaryDirectory()
        let sidecar = try Self.othersSidecar(in: folder, name: "a.jpg.xmp")
        // Another program writes it between Cairn's read and its rename: simulated by a writer racing the merge.
        let original = try Data(contentsOf: URL(fileURLWithPath: sidecar))
        for attempt in 0..<100 {
            try original.write(to: URL(fileURLWithPath: sidecar))
            let delay = UInt32(attempt % 20) * 50
            let racer = Thread {
                usleep(delay)
                try? (original + Data("<!-- edited -->".utf8)).write(to: URL(fileURLWithPath: sidecar))
            }
            racer.start()
            let outcome = Result { () throws(SidecarError) in
                try SidecarFiles.write(Self.colosseum, to: sidecar, photo: folder.file("a.jpg"), createFolders: false)
            }
            while !racer.isFinished { usleep(100) }
            if case .failure(let error) = outcome, error.code == .changedWhileWriting { break }
        }
        // Whatever the interleaving, the other program's edit is never lost: either Cairn merged after it, or it
        // stopped and the edit is the file.
        let final = try String(contentsOfFile: sidecar, encoding: .utf8)
        #expect(final.contains("<!-- edited -->") || final.contains("Cairn|Places"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.contains(".cairn-")
        }
        #expect(leftovers.isEmpty)
    }

    static let entityBomb = """
        <?xml version="1.0"?>
        <!DOCTYPE x [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
        <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
        <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>
        <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject><rdf:Bag>
        <rdf:li>&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;</rdf:li></rdf:Bag></dc:subject>
        </rdf:Description></rdf:RDF></x:xmpmeta>
        """

    /// A sidecar as darktable 4 writes it: simple properties and the history's entries as attributes.
    static let darktableSidecar = """
        <?xml version="1.0" encoding="UTF-8"?>
        <x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
         <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
          <rdf:Description rdf:about=""
            xmlns:xmp="http://ns.adobe.com/xap/1.0/"
            xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
            xmlns:darktable="http://darktable.sf.net/"
           xmp:Rating="1"
           xmpMM:DerivedFrom="IMG_0001.CR3"
           darktable:import_timestamp="63826721812000000"
           darktable:change_timestamp="63826722001000000"
           darktable:xmp_version="5"
           darktable:history_end="2"
           darktable:iop_order_version="4">
           <darktable:history>
            <rdf:Seq>
             <rdf:li
              darktable:num="0"
              darktable:operation="exposure"
              darktable:enabled="1"
              darktable:modversion="6"
              darktable:params="0000000000000000000080bf0000000000004842"
              darktable:multi_name=""
              darktable:multi_priority="0"/>
             <rdf:li
              darktable:num="1"
              darktable:operation="filmicrgb"
              darktable:enabled="1"
              darktable:modversion="7"
              darktable:params="0000000000000000d7a3703e"
              darktable:multi_name=""
              darktable:multi_priority="0"/>
            </rdf:Seq>
           </darktable:history>
          </rdf:Description>
         </rdf:RDF>
        </x:xmpmeta>
        """
}
