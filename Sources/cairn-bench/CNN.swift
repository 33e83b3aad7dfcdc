import ArgumentParser
import CairnImaging
import CairnInference
import Foundation

extension CairnBench {
    struct CNN: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Backbone time per image at a batch size, on one or more threads (one session per thread).")

        @Option(help: "The converted model.") var model = "models/efficientnet-lite0.safetensors"
        @Option(help: "Images per batch.") var batch = 1
        @Option(help: "Worker threads, each with its own session; OpenBLAS stays single-threaded.") var threads = 1
        @Option(help: "Batches per thread.") var runs = 20
        @Option(help: "Kernels' instruction set: sse2, avx2 or avx512 (default: the best this CPU has).")
        var kernels: String?
        @Argument(help: "A photo to use as input.") var photo: String

        func run() throws {
            let loadStart = Date()
            let instructionSet: InstructionSet
            switch kernels {
            case nil: instructionSet = .best
            case "sse2": instructionSet = .sse2
            case "avx2": instructionSet = .avx2
            case "avx512": instructionSet = .avx512
            case let other?: throw ValidationError("--kernels must be sse2, avx2 or avx512, not '\(other)'")
            }
            let network = try EfficientNetLite0(path: model, instructionSet: instructionSet)
            let loadMs = Date().timeIntervalSince(loadStart) * 1000
            let data = try Data(contentsOf: URL(fileURLWithPath: photo))
            let image = try data.withUnsafeBytes { try ImageDecoder().decode($0, minShortSide: 224) }
            let input = BackboneInput.normalised(image.networkInput())
            let sessions = (0..<threads).map { _ in BackboneSession(model: network, batchSize: batch) }
            for session in sessions { _ = session.run(Array(repeating: input, count: batch)) }  // warm-up
            let cpuStart = cpuSeconds()  // IndexBench.swift: the whole process, user + system
            let start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                for _ in 0..<runs { _ = sessions[t].run(Array(repeating: input, count: batch)) }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let cpuUsed = cpuSeconds() - cpuStart
            let images = Double(threads * runs * batch)
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            print(String(format: "batch %d, %d thread(s): %.1f ms per image (%.1f images/s); %.1f ms CPU per image; model load %.0f ms; peak RSS %.0f MB; kernels %@",
                         batch, threads, seconds * 1000 / images, images / seconds, cpuUsed * 1000 / images, loadMs,
                         Double(usage.ru_maxrss) / 1024, network.instructionSet.description))
        }
    }
}
