import ArgumentParser
import CairnImaging
import Foundation

extension CairnBench {
    /// Per-format decode cost, as the daemon decodes (DCT-scaled JPEG, a raw file's preview, then reduced to a short
    /// side of 448 and a long side of about 1,024), and what each file gives: its decoder or the reason it has none.
    struct Formats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per-format probe and decode time, and each file's decoder or reason.",
            discussion: """
                Files are read into memory once and decoded --runs times each; the median per file is kept, and \
                per format the median of those. Build with -c release. `--list` prints every file's outcome.
                """)

        @Argument(help: "Photo files of any format (folders are walked).")
        var paths: [String]

        @Option(help: "Decodes per file.")
        var runs = 5

        @Flag(help: "Print each file's outcome: its decoder and size, or the reason it cannot be decoded.")
        var list = false

        @Option(help: "Measure only images of at least this many megapixels (test suites hold many thumbnails).")
        var minMegapixels = 0.0

        func run() throws {
            let decoder = ImageDecoder(maxPixels: 200_000_000)
            let reduction = DecodedImage.Reduction(minShortSide: 448, longSide: 1024)
            var perFormat: [String: (probe: [Double], decode: [Double], full: [Double], megapixels: [Double])] = [:]
            var failures: [String: Int] = [:]
            for path in Self.files(paths) {
                guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { continue }
                data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                    let started = DispatchTime.now().uptimeNanoseconds
                    let info: ImageInfo
                    do throws(ImagingError) {
                        info = try decoder.probe(bytes)
                    } catch {
                        failures[error.code.name, default: 0] += 1
                        if list { print("\(path)\t\(error.code.name)\t\(error.message)") }
                        return
                    }
                    let probed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                    guard Double(info.width * info.height) / 1e6 >= minMegapixels else { return }
                    var times: [Double] = []
                    var outcome = ""
                    for _ in 0..<max(1, runs) {
                        let start = DispatchTime.now().uptimeNanoseconds
                        do throws(ImagingError) {
                            let image = try decoder.decode(bytes, minShortSide: 224, reduction: reduction)
                            outcome = "\(image.width)×\(image.height)"
                        } catch {
                            outcome = "decode failed: \(error.message)"
                            break
                        }
                        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                    }
                    if list {
                        print("\(path)\t\(info.format)\t\(info.decoder)\t\(info.width)×\(info.height) → \(outcome)")
                    }
                    guard !times.isEmpty else {
                        failures["decode", default: 0] += 1
                        return
                    }
                    // Full size, as Pillow decodes (a raw file: its whole preview).
                    var full: [Double] = []
                    for _ in 0..<max(1, runs) {
                        let start = DispatchTime.now().uptimeNanoseconds
                        _ = try? decoder.decode(bytes, minShortSide: 100_000)
                        full.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                    }
                    perFormat[info.format, default: ([], [], [], [])].probe.append(probed)
                    perFormat[info.format, default: ([], [], [], [])].decode.append(times.sorted()[times.count / 2])
                    perFormat[info.format, default: ([], [], [], [])].full.append(full.sorted()[full.count / 2])
                    perFormat[info.format, default: ([], [], [], [])].megapixels.append(
                        Double(info.width * info.height) / 1e6)
                }
            }
            print(
                "format   files  median MP  probe ms  daemon decode ms (median, total)  full decode ms (median, total)")
            for (format, figures) in perFormat.sorted(by: { $0.key < $1.key }) {
                let decode = figures.decode.sorted(), probe = figures.probe.sorted(), mp = figures.megapixels.sorted()
                let full = figures.full.sorted()
                print(
                    format.padding(toLength: 8, withPad: " ", startingAt: 0)
                        + String(
                            format: "%6d %10.2f %9.2f %17.2f %14.1f %16.2f %13.1f", decode.count, mp[mp.count / 2],
                            probe[probe.count / 2], decode[decode.count / 2], decode.reduce(0, +),
                            full[full.count / 2], full.reduce(0, +)))
            }
            for (reason, count) in failures.sorted(by: { $0.key < $1.key }) {
                print("not decoded (\(reason)): \(count)")
            }
        }

        static func files(_ paths: [String]) -> [String] {
            var found: [String] = []
            for path in paths {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
                if !isFolder.boolValue {
                    found.append(path)
                    continue
                }
                let walker = FileManager.default.enumerator(atPath: path)
                while let name = walker?.nextObject() as? String {
                    let full = (path as NSString).appendingPathComponent(name)
                    var folder: ObjCBool = false
                    if FileManager.default.fileExists(atPath: full, isDirectory: &folder), !folder.boolValue {
                        found.append(full)
                    }
                }
            }
            return found.sorted()
        }
    }
}
