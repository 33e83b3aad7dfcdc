import ArgumentParser
import CairnCatalog
import Foundation

extension CairnBench {
    struct Latency: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time from a photo's close(2) to its indexed row in the catalog, on an idle cairnd.",
            discussion: "Starts CAIRND on a temporary folder, writes --count photos one at a time and polls the catalog.")

        @Argument(help: "The cairnd binary to measure (use the release build).")
        var cairnd: String

        @Argument(help: "A JPEG to copy in.")
        var photo: String

        @Option(help: "How many photos to write.")
        var count = 50

        func run() throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-latency-\(getpid())")
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("photos"), withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let catalogPath = folder.appendingPathComponent("cairn.sqlite").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: cairnd)
            process.arguments = ["--watch", folder.appendingPathComponent("photos").path, "--catalog", catalogPath, "--log-level", "warning"]
            try process.run()
            defer { process.terminate(); process.waitUntilExit() }
            while (try? Catalog.openReadOnly(path: catalogPath).daemonStatus().state) != .watching { usleep(10_000) }
            let catalog = try Catalog.openReadOnly(path: catalogPath)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: photo)))
            var samples: [Double] = []
            for i in 0..<count {
                let path = folder.appendingPathComponent("photos/\(i).jpg").path
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                _ = write(fd, bytes, bytes.count)
                let start = DispatchTime.now().uptimeNanoseconds
                close(fd)
                while (try? catalog.photo(path: path).state) != "indexed" { usleep(200) }
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                usleep(20_000)
            }
            samples.sort()
            print(String(format: "close → indexed row: median %.1f ms, p95 %.1f ms, max %.1f ms (%d photos of %d bytes)",
                         samples[samples.count / 2], samples[samples.count * 95 / 100], samples.last!, count, bytes.count))
        }
    }
}
