import ArgumentParser
import CairnEXIF
import CairnImaging
import CairnIndexing
import Foundation

@main
struct CairnBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn-bench",
        abstract: "Measures Cairn's per-photo costs; prints figures, asserts nothing.",
        subcommands: [
            Facts.self, Latency.self, Preprocess.self, Classify.self, Accuracy.self, CNN.self, Landmarks.self,
            Index.self, Browse.self, Formats.self, Embeddings.self, DiscoveryBench.self,
        ])

    struct Facts: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per-photo time of EXIF reading, hashing, probing and decoding (full size and DCT-scaled).",
            discussion: "Files are read into memory once; each stage runs --runs times per file. Build with -c release."
        )

        @Argument(help: "JPEG or HEIC files to measure.")
        var files: [String]

        @Option(help: "Repetitions of each stage per file.")
        var runs = 20

        func run() throws {
            print("stage                     median ms    p95 ms   (\(runs) runs × \(files.count) files)")
            let decoder = ImageDecoder(maxPixels: 400_000_000)
            var samples: [String: [Double]] = [:]
            var sizes: [String] = []
            for file in files {
                let data = try Data(contentsOf: URL(fileURLWithPath: file))
                try data.withUnsafeBytes { bytes in
                    let info = try decoder.probe(bytes)
                    sizes.append(
                        "\(URL(fileURLWithPath: file).lastPathComponent): \(info.width)×\(info.height), \(String(format: "%.2f", Double(bytes.count) / 1_048_576)) MB"
                    )
                    let stages: [(String, () throws -> Void)] = [
                        ("EXIF read (libexif)", { _ = ExifReader.read(bytes) }),
                        ("content hash", { _ = ContentHash.of(bytes) }),
                        ("probe (header + EOI)", { _ = try decoder.probe(bytes) }),
                        ("decode, DCT-scaled ≥224", { _ = try decoder.decode(bytes, minShortSide: 224) }),
                        ("decode, full size", { _ = try decoder.decode(bytes, minShortSide: 100_000) }),
                    ]
                    for (name, body) in stages {
                        try body()  // warm-up
                        for _ in 0..<runs {
                            let start = DispatchTime.now().uptimeNanoseconds
                            try body()
                            samples[name, default: []].append(
                                Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                        }
                    }
                }
            }
            for name in [
                "EXIF read (libexif)", "content hash", "probe (header + EOI)", "decode, DCT-scaled ≥224",
                "decode, full size",
            ] {
                let sorted = (samples[name] ?? []).sorted()
                guard !sorted.isEmpty else { continue }
                let median = sorted[sorted.count / 2], p95 = sorted[min(sorted.count - 1, sorted.count * 95 / 100)]
                print(
                    name.padding(toLength: 24, withPad: " ", startingAt: 0)
                        + String(format: "%12.2f %9.2f", median, p95))
            }
            for size in sizes { print("  \(size)") }
        }
    }
}
