import ArgumentParser
import CairnConfig
import CairnLandmarkBuilder
import Foundation

struct SplitNegatives: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Split folders of everyday photos into disjoint train, calibration and test folders, by kind.",
        discussion: """
            A pack needs everyday photos (without landmarks) twice, never the same ones: some to train the head's \
            non-landmark class (`train --negatives`), others to calibrate the thresholds (`build --negatives`), and \
            a third part to measure it on. This deals every kind (each subfolder of a folder, or the kind column of \
            its manifest.tsv) out in the given shares, seeded, and writes OUT/train, OUT/calibration and OUT/test as \
            symbolic links to the photos, keeping each photo's kind as its subfolder. Nothing is copied.
            """)

    @Argument(help: ArgumentHelp("Folders of everyday photos (nested folders: one kind each).", valueName: "dir"))
    var folders: [String]

    @Option(help: ArgumentHelp("Where to write train/, calibration/ and test/ (must not exist yet).", valueName: "dir"))
    var out: String

    @Option(help: "Shares of train, calibration and test, comma-separated.")
    var shares = "1,1,1"

    @Option(help: "Seed of the split: the same seed and photos give the same parts.")
    var seed: UInt64 = 1

    func validate() throws {
        if folders.isEmpty { throw ValidationError("name at least one folder of everyday photos") }
        let parts = shares.split(separator: ",").compactMap { Double($0) }
        if parts.count != 3 || parts.contains(where: { $0 < 0 }) || parts.reduce(0, +) <= 0 {
            throw ValidationError("--shares takes three non-negative numbers, such as 1,1,1")
        }
    }

    func run() throws {
        try reporting(json: false) { () throws(CLIError) in
            let photos: NegativePhotos
            do {
                photos = try NegativePhotos.listed(below: folders.map(ConfigurationLoader.absolute))
            } catch {
                throw CLIError(code: "negatives", message: "\(error)", exitCode: 66)
            }
            let root = ConfigurationLoader.absolute(out)
            let fm = FileManager.default
            guard !fm.fileExists(atPath: root) else {
                throw CLIError(code: "exists", message: "\(root) exists already; name a new folder", exitCode: 64)
            }
            let parts = photos.split(shares: shares.split(separator: ",").compactMap { Double($0) }, seed: seed)
            for (name, part) in zip(["train", "calibration", "test"], parts) {
                var used: Set<String> = []
                do {
                    for (path, kind) in zip(part.paths, part.kinds) {
                        let folder = root + "/" + name + "/" + kind.replacingOccurrences(of: "/", with: "_")
                        if !used.contains(folder) {
                            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
                            used.insert(folder)
                        }
                        var target = folder + "/" + (path as NSString).lastPathComponent
                        var suffix = 1
                        while fm.fileExists(atPath: target) {
                            suffix += 1
                            target = folder + "/\(suffix)-" + (path as NSString).lastPathComponent
                        }
                        try fm.createSymbolicLink(atPath: target, withDestinationPath: path)
                    }
                } catch {
                    throw CLIError(code: "write", message: "\(root)/\(name): \(error.localizedDescription)", exitCode: 74)
                }
                print("\(name): \(part.count) photos (" + part.kindCounts.map { "\($0.kind) \($0.count)" }.joined(separator: ", ") + ")")
            }
        }
    }
}
