import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One running external plugin program: its stdin for requests, its stdout read line by line with a deadline,
/// and its stderr left to the daemon's (the journal). Not thread-safe: `ExternalRecognizer` serialises use.
final class PluginProcess {
    /// Longest line accepted from a plugin; a longer one is malformed output.
    static let maxLineBytes = 4 << 20

    enum ReadOutcome {
        case line(String)
        case timedOut
        /// The plugin closed its stdout (it exited or crashed).
        case closed
        case tooLong
    }

    let process = Process()
    private let input: FileHandle
    private let outputFD: Int32
    private let outputPipe = Pipe()
    private let inputPipe = Pipe()
    private var buffer: [UInt8] = []

    init(command: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: command)
        process.arguments = arguments
        process.standardInput = inputPipe
        process.standardOutput = outputPipe
        var environment = ProcessInfo.processInfo.environment
        environment["CAIRN_PLUGIN_PROTOCOL"] = "\(PluginMessages.protocolVersion)"
        process.environment = environment
        input = inputPipe.fileHandleForWriting
        outputFD = outputPipe.fileHandleForReading.fileDescriptor
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Sends one line; false when the plugin no longer reads (it exited). Writing to a plugin that has exited fails
    /// with EPIPE and never raises SIGPIPE in the host, whatever the process does with that signal: it is blocked on
    /// this thread while writing, and one it raised is taken before it is unblocked.
    func send(_ line: String) -> Bool {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        let fd = input.fileDescriptor
        return Self.withoutBrokenPipeSignal {
            var written = 0
            while written < bytes.count {
                let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                written += n
            }
            return true
        }
    }

    /// Runs `body` with SIGPIPE blocked on this thread; a SIGPIPE it raised for this thread is taken, not delivered.
    private static func withoutBrokenPipeSignal(_ body: () -> Bool) -> Bool {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        let wasPending = isPending(SIGPIPE)
        let ok = body()
        if !ok && !wasPending && isPending(SIGPIPE) {
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            while sigtimedwait(&pipeSignal, nil, &zero) < 0 && errno == EINTR {}
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        return ok
    }

    private static func isPending(_ signal: Int32) -> Bool {
        var pending = sigset_t()
        sigpending(&pending)
        return sigismember(&pending, signal) == 1
    }

    /// The next line the plugin prints, waiting at most until `deadline`.
    func readLine(until deadline: Date) -> ReadOutcome {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return .line(line)
            }
            if buffer.count > Self.maxLineBytes { return .tooLong }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return .timedOut }
            var poller = pollfd(fd: outputFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(left * 1000, 1000).rounded(.up)))
            if ready < 0 && errno != EINTR { return .closed }
            if ready <= 0 { continue }
            let n = chunk.withUnsafeMutableBytes { read(outputFD, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return .closed }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// How the program ended, waiting up to `seconds` for it; nil if it is still running.
    func exitDescription(waiting seconds: Double) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        guard !process.isRunning else { return nil }
        switch process.terminationReason {
        case .exit: return "exited with status \(process.terminationStatus)"
        case .uncaughtSignal: return "was killed by signal \(process.terminationStatus)"
        @unknown default: return "ended"
        }
    }

    /// Ends the program: closes its stdin (a well-behaved plugin exits at end of input), then kills it if it has
    /// not exited within `grace` seconds.
    func stop(grace: Double) {
        try? input.close()
        if process.isRunning && grace > 0 { _ = exitDescription(waiting: grace) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? outputPipe.fileHandleForReading.close()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
