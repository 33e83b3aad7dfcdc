import ArgumentParser
import CairnCatalog
import CairnConfig
import CairnEXIF
import CairnImaging
import CairnIndexing
import CairnInference
import CairnPlaces
import CairnRecognition
import CairnRecognizers
import CairnStartup
import Foundation
import Logging
import Synchronization

extension CairnBench {
    /// The whole pipeline on a library, as `cairn index` runs it, then each stage alone on a sample.
    struct Index: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "index",
            abstract:
                "End-to-end indexing rate of a library: ingest then every enabled recognizer, with a per-stage "
                + "breakdown.",
            discussion: """
                1. Indexes LIBRARY into a fresh catalog the way `cairn index` does (stat, hash, EXIF, place, probe, \
                one transaction per photo; then recognition: decode once, backbone once, every enabled recognizer, \
                catalog writes) with the configured workers, and prints photos/s, CPU use and peak RSS. \
                2. Times each stage alone on --sample photos, one thread, files in the page cache: median and p95. \
                3. The floor: the cores × 1 / (decode + CNN), from the means of the same timings (a rate is a mean), \
                and the rate as a share of it. \
                4. The same floor from decode and CNN timed with every worker busy at once (nothing else running): \
                cores share caches and memory, so this is the ceiling a pipeline on this machine can reach. \
                5. With --rounds N: N more rounds of the pipeline then the busy floor, each round's share printed, \
                then the median: on a machine whose speed drifts, a pipeline run and a floor measured a minute apart \
                can differ by a third. \
                Make a library with tools/make_bench_library.py (scripts/bench-index.sh does it all).
                """)

        @Argument(help: "Folder of photos.") var library: String
        @Option(help: "Configuration file (recognizers, backbone, workers).") var config: String?
        @Option(help: "Catalog to create (deleted first).") var catalog = "/tmp/cairn-bench-index.sqlite"
        @Option(help: "Worker threads; 0: the configuration's workers.threads.") var threads = 0
        @Option(help: "Photos timed stage by stage.") var sample = 40
        @Option(
            help: ArgumentHelp(
                "Then this many rounds of: the pipeline on a fresh catalog, then decode + CNN with every core "
                    + "busy (0: none). The share of the floor is judged round by round, so a machine whose speed "
                    + "drifts compares like with like.")
        )
        var rounds = 0

        func run() throws {
            Startup.useBestBLAS()
            var settings = try ConfigurationLoader.builtIn.resolve(path: config).0
            if threads > 0 { settings.workers.threads = threads }
            let workers =
                settings.workers.threads > 0 ? settings.workers.threads : ProcessInfo.processInfo.activeProcessorCount
            let root = ConfigurationLoader.absolute(library)

            // 1. The pipeline, as cairnd runs it: ingest on one thread, recognition workers on the photos ingested so
            // far (the catalog is the queue), until both are done.
            let pass = try endToEnd(root, settings: settings, workers: workers)
            let (store, ingester, pipeline, recognised) = (pass.store, pass.ingester, pass.pipeline, pass.recognised)
            defer { pipeline.close() }
            let (summary, ingestCPUSeconds, ingestSeconds) = (pass.summary, pass.ingestCPUSeconds, pass.ingestSeconds)
            let peak = peakRSSMB()
            let photos = summary.seen
            print(
                "library: \(photos) photos in \(root); \(summary.indexed) indexed, \(summary.damaged.count) "
                    + "damaged, \(summary.unsupported.count) unsupported"
            )
            print(
                "recognizers: \(pipeline.recognizers.map(\.id).joined(separator: ", "))"
                    + (pipeline.unavailable.isEmpty
                        ? ""
                        : "; unavailable: "
                            + pipeline.unavailable.map { "\($0.id) (\($0.reason))" }.joined(separator: ", ")))
            print(
                "workers: \(workers); OpenBLAS kernels: \(BLAS.coreName); cores online: "
                    + "\(ProcessInfo.processInfo.activeProcessorCount)"
            )
            print(
                String(
                    format: "ingest (beside recognition): %6.2f s  %7.1f photos/s", ingestSeconds,
                    Double(photos) / ingestSeconds))
            let total = pass.seconds
            let rate = Double(photos) / total
            print(
                String(
                    format:
                        "end to end:  %6.2f s  %7.1f photos/s  CPU %.2f cores; peak RSS %.0f MB; 100,000 photos "
                        + "in %.1f min",
                    total, rate, pass.cpuSeconds / total, peak, 100_000 / rate / 60))
            print("  (\(recognised) photos recognised; ingest and recognition overlap, as in cairnd)")

            // 2. Each stage alone.
            let files = summary.seen > 0 ? try photoPaths(store, limit: sample) : []
            let stages = try timeStages(files, pipeline: pipeline, ingester: ingester, settings: settings)
            print("\nstage (alone, 1 thread, \(files.count) photos)   median ms    p95 ms   CPU median ms")
            for (name, samples) in stages where !name.hasPrefix("cpu:") {
                let cpu = stages.first { $0.0 == "cpu:" + name }?.1 ?? []
                print(
                    name.padding(toLength: 40, withPad: " ", startingAt: 0)
                        + String(format: "%10.2f %9.2f %15.2f", median(samples), p95(samples), median(cpu)))
            }
            // The pass above writes 32 files per transaction: its cost per photo is an average, not a distribution.
            print(
                "ingest as run above (mean per photo)".padding(toLength: 40, withPad: " ", startingAt: 0)
                    + String(format: "%10.2f", ingestSeconds * 1000 / Double(max(1, photos))) + "         -"
                    + String(format: " %15.2f", ingestCPUSeconds * 1000 / Double(max(1, photos))))

            // 3. The floor. A rate is photos over total time, so it takes the stages' means: decode times are skewed
            // (p95 half again the median on noisy photos), and a floor from medians would be one no pipeline reaches.
            let decode: Double = mean(stages.first { $0.0.hasPrefix("decode") }?.1 ?? [])
            let cnn: Double = mean(stages.first { $0.0.hasPrefix("backbone") }?.1 ?? [])
            let cores = Double(min(workers, ProcessInfo.processInfo.activeProcessorCount))
            let floorRate = cores * 1000 / (decode + cnn)
            print(
                String(
                    format: "\nfloor: %.0f cores × 1000 / (decode %.1f + CNN %.1f ms, means) = %.1f photos/s", cores,
                    decode, cnn, floorRate))
            print(String(format: "end to end at %.0f%% of the floor", 100 * rate / floorRate))
            // On a shared machine the process may get less than its cores and wall times stretch; per CPU-second, with
            // the stages' own CPU time, the comparison still holds.
            let decodeCPU = mean(stages.first { $0.0.hasPrefix("cpu:decode") }?.1 ?? [])
            let cnnCPU = mean(stages.first { $0.0.hasPrefix("cpu:backbone") }?.1 ?? [])
            let perCPUSecond = Double(photos) / pass.cpuSeconds
            print(
                String(
                    format:
                        "per CPU-second: %.1f photos end to end, against %.1f for decode + CNN alone (CPU %.1f + "
                        + "%.1f ms, means): %.0f%%",
                    perCPUSecond, 1000 / (decodeCPU + cnnCPU), decodeCPU, cnnCPU,
                    100 * perCPUSecond * (decodeCPU + cnnCPU) / 1000))

            // 4. The same floor with every worker busy: decode and CNN timed while `workers` threads decode and run the
            // network on the whole library at once, and nothing else runs (no ingest, hashing, catalog or queue).
            // Cores share caches, memory and clock, so a stage is slower with all of them busy than with one: this
            // is what the pipeline's own overhead should be judged against.
            let paths = try photoPaths(store, limit: Int.max)
            if workers > 1 {
                let one = try busyStages(paths, pipeline: pipeline, workers: 1, settings: settings)
                print(
                    String(
                        format:
                            "\n1 worker, decode and CNN in turn (%d photos, %.1f photos/s): decode %.1f ms, CNN "
                            + "%.1f ms (means; medians %.1f, %.1f)",
                        one.photos, one.rate, one.decode, one.cnn, one.decodeMedian, one.cnnMedian))
            }
            let busy = try busyStages(paths, pipeline: pipeline, workers: workers, settings: settings)
            let busyRate = cores * 1000 / (busy.decode + busy.cnn)
            print(
                String(
                    format:
                        "%d workers busy at once (decode and CNN only, %d photos, %.1f photos/s): decode %.1f "
                        + "ms, CNN %.1f ms (means; medians %.1f, %.1f)",
                    workers, busy.photos, busy.rate, busy.decode, busy.cnn, busy.decodeMedian, busy.cnnMedian))
            print(
                String(
                    format:
                        "floor with every core busy: %.0f cores × 1000 / (%.1f + %.1f ms) = %.1f photos/s; end "
                        + "to end at %.0f%% of it",
                    cores, busy.decode, busy.cnn, busyRate, 100 * rate / busyRate))

            // 5. Rounds: the pipeline and the busy floor one after the other, several times, each round judged alone.
            guard rounds > 0 else { return }
            print("\n\(rounds) rounds: the pipeline on a fresh catalog, then decode + CNN with every core busy")
            var shares: [Double] = [], rates: [Double] = []
            for round in 1...rounds {
                let again = try endToEnd(root, settings: settings, workers: workers)
                defer { again.pipeline.close() }
                let roundRate = Double(again.summary.seen) / again.seconds
                let floor = try busyStages(paths, pipeline: again.pipeline, workers: workers, settings: settings)
                let floorRate = cores * 1000 / (floor.decode + floor.cnn)
                shares.append(roundRate / floorRate)
                rates.append(roundRate)
                print(
                    String(
                        format:
                            "round %d: end to end %.1f photos/s (100,000 in %.1f min); floor %.1f photos/s "
                            + "(decode %.1f + CNN %.1f ms); %.0f%% of it",
                        round, roundRate, 100_000 / roundRate / 60, floorRate, floor.decode, floor.cnn,
                        100 * roundRate / floorRate))
            }
            print(
                String(
                    format:
                        "rounds: end to end at %.0f%% of the floor (median; %.0f–%.0f%%), %.1f photos/s (median; "
                        + "100,000 photos in %.1f min)",
                    100 * median(shares), 100 * (shares.min() ?? .nan), 100 * (shares.max() ?? .nan), median(rates),
                    100_000 / median(rates) / 60))
        }

        /// One pass of the pipeline as cairnd runs it, into a fresh catalog: ingest on a thread of its own, the
        /// recognition workers on the photos ingested so far (the catalog is the queue), until both are done.
        private func endToEnd(_ root: String, settings: CairnConfiguration, workers: Int) throws -> EndToEnd {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: catalog + suffix) }
            let store = try Catalog.openForWriting(path: catalog)
            let quiet = Logger(label: "cairn-bench", factory: { _ in SwiftLogNoOpLogHandler() })
            let gazetteer = try GazetteerLoader.load(settings.places.gazetteer, catalog: store)
            let ingester = PhotoIngester(
                catalog: store, gazetteer: gazetteer, maxCityDistanceKm: settings.places.maxCityDistanceKm,
                maxPixels: settings.watch.maxPixels, decodeBudget: settings.watch.decodeBudget, logger: quiet)
            let pipeline = RecognitionPipeline(
                settings: settings, places: ingester.places, registry: .builtIn, logger: quiet)
            let writer = RecognitionWriter(catalog: store, logger: quiet)
            try writer.register(pipeline)
            let sessions = (0..<workers).map { _ in pipeline.makeSession() }
            let ingest = IngestRun(indexer: LibraryIndexer(ingester: ingester, purgeRemovedAfterDays: 30), root: root)
            let cpu0 = cpuSeconds(), t0 = now()
            let ingestThread = Thread { ingest.run() }
            ingestThread.start()
            let recognised = try RecognitionRunner(pipeline: pipeline, writer: writer)
                .drain(sessions: sessions, moreComing: { !ingest.isFinished })
            let cpu1 = cpuSeconds(), t1 = now()
            let (summary, ingestCPUSeconds, ingestSeconds) = try ingest.result()
            return EndToEnd(
                store: store, ingester: ingester, pipeline: pipeline, recognised: recognised, summary: summary,
                ingestCPUSeconds: ingestCPUSeconds, ingestSeconds: ingestSeconds, seconds: t1 - t0,
                cpuSeconds: cpu1 - cpu0)
        }

        private struct EndToEnd {
            var store: Catalog
            var ingester: PhotoIngester
            var pipeline: RecognitionPipeline
            var recognised: Int
            var summary: IndexSummary
            var ingestCPUSeconds: Double
            var ingestSeconds: Double
            /// The pass's wall and process CPU seconds.
            var seconds: Double
            var cpuSeconds: Double
        }

        /// Decode and CNN alone on `workers` threads at once over `paths`: the means and medians of each, the photos
        /// and the rate (which also counts the resize between them).
        private func busyStages(
            _ paths: [String], pipeline: RecognitionPipeline, workers: Int, settings: CairnConfiguration
        ) throws -> (decode: Double, cnn: Double, decodeMedian: Double, cnnMedian: Double, photos: Int, rate: Double) {
            let decoder = RecognitionPipeline.decoder(settings)
            let framing = pipeline.framing
            let sessions = (0..<workers).map { _ in pipeline.makeSession() }
            let tally = Mutex<(next: Int, decodes: [Double], cnns: [Double])>((0, [], []))
            let start = now()
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                guard let session = sessions[worker] else { return }
                var myDecodes: [Double] = [], myCNNs: [Double] = []
                while true {
                    let index = tally.withLock { state in
                        defer { state.next += 1 }
                        return state.next
                    }
                    guard index < paths.count,
                        let data = try? Data(contentsOf: URL(fileURLWithPath: paths[index]), options: .mappedIfSafe)
                    else { break }
                    let t0 = now()
                    guard
                        let image = try? data.withUnsafeBytes({
                            try decoder.decode($0, minShortSide: EfficientNetLite0.inputSize)
                        })
                    else { continue }
                    let t1 = now()
                    let input = BackboneInput.normalised(
                        image.networkInput(size: EfficientNetLite0.inputSize, framing: framing))
                    let t2 = now()
                    _ = session.run([input])
                    let t3 = now()
                    myDecodes.append((t1 - t0) * 1000)
                    myCNNs.append((t3 - t2) * 1000)
                }
                tally.withLock { state in
                    state.decodes += myDecodes
                    state.cnns += myCNNs
                }
            }
            let seconds = now() - start
            let (decodes, cnns) = tally.withLock { ($0.decodes, $0.cnns) }
            return (
                mean(decodes), mean(cnns), median(decodes), median(cnns), decodes.count, Double(decodes.count) / seconds
            )
        }

        /// Up to `limit` catalogued photo paths, spread over the library.
        private func photoPaths(_ store: Catalog, limit: Int) throws -> [String] {
            // All photos were recognised; ask for their facts as recognition would by re-reading them.
            let all = try store.photos(matching: PhotoFilter()).filter { $0.state == "indexed" }.map(\.path).sorted()
            let step = max(1, all.count / max(1, limit))
            return stride(from: 0, to: all.count, by: step).prefix(limit).map { all[$0] }
        }

        private func timeStages(
            _ paths: [String], pipeline: RecognitionPipeline, ingester: PhotoIngester, settings: CairnConfiguration
        ) throws -> [(String, [Double])] {
            var samples: [(String, [Double])] = []
            func add(_ name: String, _ ms: Double) {
                if let i = samples.firstIndex(where: { $0.0 == name }) {
                    samples[i].1.append(ms)
                } else {
                    samples.append((name, [ms]))
                }
            }
            func timed<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
                let start = now(), cpuStart = threadCPUSeconds()
                let value = try body()
                add(name, (now() - start) * 1000)
                add("cpu:" + name, (threadCPUSeconds() - cpuStart) * 1000)
                return value
            }
            let scratch = try Catalog.inMemory()
            let scratchIngester = PhotoIngester(
                catalog: scratch, gazetteer: ingester.gazetteer, maxCityDistanceKm: ingester.maxCityDistanceKm,
                maxPixels: settings.watch.maxPixels, decodeBudget: settings.watch.decodeBudget, logger: ingester.logger)
            let decoder = RecognitionPipeline.decoder(settings)
            let session = pipeline.makeSession()
            let framing = pipeline.framing
            for path in paths {
                let file = try timed("stat") { () throws -> FileIdentity in
                    guard let identity = PhotoFiles.identity(of: path) else {
                        throw ValidationError("cannot stat \(path)")
                    }
                    return identity
                }
                let data = try timed("read file") {
                    try Data(contentsOf: URL(fileURLWithPath: file.path), options: .mappedIfSafe)
                }
                try data.withUnsafeBytes { bytes in
                    _ = timed("content hash") { ContentHash.of(bytes) }
                    let exif = timed("EXIF") { ExifReader.read(bytes) }
                    if let lat = exif.latitude, let lon = exif.longitude {
                        _ = timed("place (gazetteer)") {
                            ingester.gazetteer.place(
                                latitude: lat, longitude: lon, maxCityDistanceKm: ingester.maxCityDistanceKm)
                        }
                    }
                    _ = try timed("probe (header + EOI)") { try decoder.probe(bytes) }
                    _ = try timed("ingest whole (stat…write, new catalog row)") { try scratchIngester.ingest(file) }
                    let image = try timed("decode, DCT-scaled ≥224") {
                        try decoder.decode(
                            bytes, minShortSide: EfficientNetLite0.inputSize, orientation: exif.orientation)
                    }
                    if bytes.count > 2, bytes[0] == 0xFF, bytes[1] == 0xD8 {
                        if decoder.dcChroma {
                            // For comparison only: the same decode with libjpeg's exact chroma.
                            _ = try timed("  the same with exact chroma") {
                                try JPEGDecoder(maxPixels: settings.watch.maxPixels)
                                    .decode(bytes, minShortSide: EfficientNetLite0.inputSize)
                            }
                        }
                        // For comparison only: the same decode through libjpeg alone (CJPEG's eighth.c not used).
                        _ = try timed("  the same with libjpeg only") {
                            try JPEGDecoder(maxPixels: settings.watch.maxPixels, libjpegOnly: true)
                                .decode(bytes, minShortSide: EfficientNetLite0.inputSize)
                        }
                    }
                    let input = timed("resize to 224 + normalise") {
                        BackboneInput.normalised(
                            image.networkInput(size: EfficientNetLite0.inputSize, framing: framing))
                    }
                    guard let session else { return }
                    let output = timed("backbone CNN") { session.run([input])[0] }
                    let analysis = PhotoAnalysis(
                        facts: PhotoFacts(path: path, latitude: exif.latitude, longitude: exif.longitude),
                        backbone: Computed(output: output, version: session.model.version))
                    for recognizer in pipeline.recognizers {
                        _ = timed("recognizer \(recognizer.id)") { recognizer.recognize(batch: [analysis]) }
                    }
                }
            }
            // The recognition writes: one transaction per (photo, recognizer), as the pipeline stores them.
            let ids = try scratch.photos(matching: PhotoFilter()).compactMap { try scratch.photoID(path: $0.path) }
            for id in ids {
                for recognizer in pipeline.recognizers {
                    try timed("catalog write (one recognizer's tags)") {
                        try scratch.storeRecognition(
                            photoId: id, recognizerId: recognizer.id, version: recognizer.version,
                            result: .success(
                                RecognitionResult(tags: [
                                    RecognitionResult.Tag(kind: "scene", label: "palace", score: 0.6),
                                    RecognitionResult.Tag(kind: "scene", label: "monastery", score: 0.3),
                                ])))
                    }
                }
            }
            return samples
        }
    }
}

/// The ingest pass on a thread of its own, its wall and CPU time, and whether it has finished.
private final class IngestRun: @unchecked Sendable {
    let indexer: LibraryIndexer
    let root: String
    private let lock = NSLock()
    private var finished = false
    private var outcome: Result<IndexSummary, CatalogError>?
    private var cpuSeconds = 0.0
    private var seconds = 0.0

    init(indexer: LibraryIndexer, root: String) {
        self.indexer = indexer
        self.root = root
    }

    var isFinished: Bool { lock.withLock { finished } }

    func run() {
        let start = now(), cpuStart = threadCPUSeconds()
        let result = Result { () throws(CatalogError) in try indexer.index(roots: [root]) }
        lock.withLock {
            outcome = result
            cpuSeconds = threadCPUSeconds() - cpuStart
            seconds = now() - start
            finished = true
        }
    }

    /// The summary, the ingest thread's CPU seconds and its wall seconds.
    func result() throws -> (IndexSummary, Double, Double) {
        try lock.withLock { (try outcome!.get(), cpuSeconds, seconds) }
    }
}

/// Backbone outputs computed beforehand, for timing a recognizer alone.
private struct Computed: BackboneProvider {
    var output: BackboneOutput
    var version: String
    func features() throws -> [Float] { output.features }
    func logits() throws -> [Float] { output.logits }
    var backboneVersion: String { version }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// CPU seconds of the calling thread: what a stage costs, whatever else the machine runs meanwhile.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// User + system CPU seconds of this process, all threads.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

func peakRSSMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func mean(_ values: [Double]) -> Double {
    values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    return values.sorted()[values.count / 2]
}

func p95(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, sorted.count * 95 / 100)]
}
