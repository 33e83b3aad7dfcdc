import CairnRecognition
import Foundation
import Logging

/// What the configuration says about one external plugin.
public struct ExternalPluginSpec: Sendable, Equatable {
    public var id: String
    public var command: String
    public var arguments: [String]
    /// Free-form settings handed to the plugin in the handshake.
    public var settings: [String: String]
    public var timeoutSeconds: Double
    public var maxFailures: Int
    public var imageSize: Int

    public init(
        id: String, command: String, arguments: [String] = [], settings: [String: String] = [:],
        timeoutSeconds: Double = 30, maxFailures: Int = 5, imageSize: Int = 256
    ) {
        self.id = id
        self.command = command
        self.arguments = arguments
        self.settings = settings
        self.timeoutSeconds = timeoutSeconds
        self.maxFailures = maxFailures
        self.imageSize = imageSize
    }
}

/// A recognizer that is a separate program speaking JSON lines on stdin/stdout (docs/PLUGINS.md), supervised:
/// one photo at a time, each answer within the timeout or the program is killed; a crash, a timeout or malformed
/// output fails that photo for this plugin only and the program is restarted with a growing delay; after
/// `maxFailures` in a row the plugin is disabled (`disabledReason`) until the daemon reloads or restarts.
public final class ExternalRecognizer: Recognizer, @unchecked Sendable {
    public let id: String
    public let version: String
    public let spec: ExternalPluginSpec
    /// What the plugin asked to receive with each photo.
    public let needs: [String]
    /// Whether the plugin asked for the backbone's features or logits in its handshake.
    public var usesBackbone: Bool { needs.contains("features") || needs.contains("logits") }
    private let logger: Logger
    private let lock = NSLock()
    private var process: PluginProcess?
    private var nextRequest = 1
    private var failuresInARow = 0
    private var lastFailure = Date.distantPast
    private var disabled: String?
    private var restartCount = 0
    /// Set by `terminate()`, read without the exchange lock: the pid to kill and whether the end is wanted.
    private let stopLock = NSLock()
    private var runningPid: Int32?
    private var stopping = false

    /// Starts the program and completes the handshake; throws with the reason if either fails. `backboneVersion`
    /// is nil when no backbone model is loaded (a plugin that needs features or logits then cannot load).
    public init(spec: ExternalPluginSpec, backboneVersion: String?, logger: Logger) throws(PluginError) {
        id = spec.id
        self.spec = spec
        self.logger = logger
        let (process, hello) = try Self.start(spec)
        self.process = process
        runningPid = process.pid
        needs = hello.needs.map(\.rawValue).sorted()
        var parts = ["\(spec.id)/\(hello.version)"]
        // The program, the files it names as arguments, and the files it says it loaded: any change re-runs it.
        for file in [spec.command] + spec.arguments.filter(Self.isFile) + hello.files {
            parts.append("\(URL(fileURLWithPath: file).lastPathComponent):\(Self.fingerprint(file))")
        }
        if !hello.needs.isDisjoint(with: [.features, .logits]) {
            guard let backboneVersion else {
                process.stop(grace: 1)
                throw PluginError.handshake(
                    spec.id, "\(spec.id) needs the backbone's features or logits, but no backbone model is loaded")
            }
            parts.append(backboneVersion)
        }
        if hello.needs.contains(.image) { parts.append("image-size=\(spec.imageSize)") }
        parts += spec.settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        version = parts.joined(separator: " ")
    }

    /// Why the plugin is off, once it failed `maxFailures` times in a row; nil while it runs.
    public var disabledReason: String? { lock.withLock { disabled } }

    /// How many times the program was restarted after a failure.
    public var restarts: Int { lock.withLock { restartCount } }

    /// Fails with `RecognizerError` (its cause the `PluginError`) when the plugin fails, is off or is stopped; an
    /// error reading the photo's inputs is passed on as it is (the photo's fault, not the plugin's).
    public func recognize(_ photo: PhotoAnalysis) throws -> [Observation] {
        // Inputs first, outside the plugin: a photo that cannot be decoded is the photo's fault, not the plugin's.
        let features = needs.contains("features") ? try photo.backbone.features() : nil
        let logits = needs.contains("logits") ? try photo.backbone.logits() : nil
        var image: PhotoPixels?
        if needs.contains("image") {
            guard let pixels = photo.pixels else {
                throw Self.contract(PluginError.photo(id, "no decoded image is available for this photo"))
            }
            image = try pixels.pixels(maxSide: spec.imageSize)
        }
        lock.lock()
        defer { lock.unlock() }
        do {
            return try exchange(photo.facts, features: features, logits: logits, image: image)
        } catch {
            throw Self.contract(error)
        }
    }

    /// A plugin's failure as the host sees it: off, stopped, or failed on this photo.
    static func contract(_ error: PluginError) -> RecognizerError {
        switch error.code {
        case .disabled: return .disabled(error.pluginId, error.message, cause: error)
        case .stopped: return .stopped(error.pluginId, cause: error)
        default: return .photo(error.pluginId, error.message, cause: error)
        }
    }

    /// Kills the program at once, even in the middle of a photo (the daemon is stopping): that photo is not
    /// recorded as failed, and no restart follows.
    public func terminate() {
        let pid = stopLock.withLock { () -> Int32? in
            stopping = true
            return runningPid
        }
        if let pid { kill(pid, SIGKILL) }
    }

    /// Ends the program (closing its stdin, then killing it if it lingers).
    public func shutdown() {
        let running = lock.withLock { () -> PluginProcess? in
            defer { process = nil }
            return process
        }
        running?.stop(grace: 2)
    }

    deinit {
        process?.stop(grace: 0)
    }

    // MARK: Supervision (called with the lock held)

    private func exchange(
        _ facts: PhotoFacts, features: [Float]?, logits: [Float]?, image: PhotoPixels?
    ) throws(PluginError) -> [Observation] {
        if let disabled { throw PluginError.disabled(id, disabled) }
        if stopLock.withLock({ stopping }) { throw PluginError.stopped(id) }
        let running = try runningProcess()
        let number = nextRequest
        nextRequest += 1
        let request = PluginMessages.request(number, facts: facts, features: features, logits: logits, image: image)
        guard running.send(request) else {
            throw failure(.crashed(id, "\(id) \(ended(running)) before it read the photo"), running)
        }
        switch running.readLine(until: Date().addingTimeInterval(spec.timeoutSeconds)) {
        case .timedOut:
            throw failure(
                .timeout(id, "\(id) gave no answer within \(Self.seconds(spec.timeoutSeconds)); killed"), running)
        case .closed:
            throw failure(.crashed(id, "\(id) \(ended(running)) while recognising the photo"), running)
        case .tooLong:
            throw failure(
                .malformed(id, "\(id) printed a line longer than \(PluginProcess.maxLineBytes) bytes"), running)
        case .line(let line):
            switch PluginMessages.parseAnswer(line, request: number, facts: facts) {
            case .failure(let rejection):
                throw failure(.malformed(id, "\(id) answered malformed output: \(rejection.reason)"), running)
            case .success(.failed(let message)):
                failuresInARow = 0
                throw PluginError.photo(id, "\(id): \(message)")
            case .success(.observations(let observations)):
                failuresInARow = 0
                return observations
            }
        }
    }

    /// The running program, restarted (after a delay that doubles with each failure in a row) if it is not.
    private func runningProcess() throws(PluginError) -> PluginProcess {
        if let process { return process }
        let delay = min(30, 0.5 * pow(2, Double(max(0, failuresInARow - 1))))
        let wait = lastFailure.addingTimeInterval(delay).timeIntervalSinceNow
        if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
        do {
            let (started, hello) = try Self.start(spec)
            restartCount += 1
            logger.notice(
                "external plugin restarted",
                metadata: [
                    "recognizer.id": "\(id)", "plugin.pid": "\(started.pid)", "plugin.restarts": "\(restartCount)",
                ])
            if !version.hasPrefix("\(id)/\(hello.version) ") {
                let message =
                    "external plugin reports another version than when it was loaded; "
                    + "reload cairnd to re-run its photos"
                logger.warning(
                    "\(message)", metadata: ["recognizer.id": "\(id)", "plugin.version": "\(hello.version)"])
            }
            process = started
            stopLock.withLock { runningPid = started.pid }
            return started
        } catch {
            throw failure(error, nil)
        }
    }

    /// Records one failure: the program is stopped, the count in a row grows, and past the limit the plugin is
    /// disabled. Returns the error for the photo.
    private func failure(_ error: PluginError, _ running: PluginProcess?) -> PluginError {
        running?.stop(grace: 0)
        process = nil
        if stopLock.withLock({ stopping }) { return PluginError.stopped(id) }
        failuresInARow += 1
        lastFailure = Date()
        let level: Logger.Level = error.code == .malformed ? .error : .warning
        logger.log(
            level: level, "external plugin failed",
            metadata: [
                "recognizer.id": "\(id)", "reason": "\(error.message)", "failures.in-a-row": "\(failuresInARow)",
            ])
        if failuresInARow >= spec.maxFailures {
            disabled =
                "disabled after \(failuresInARow) failures in a row (last: \(error.message)); fix it, then reload"
            logger.error("external plugin disabled", metadata: ["recognizer.id": "\(id)", "reason": "\(disabled!)"])
        }
        return error
    }

    private func ended(_ running: PluginProcess) -> String {
        running.exitDescription(waiting: 1) ?? "closed its output"
    }

    // MARK: Starting

    private static func start(_ spec: ExternalPluginSpec) throws(PluginError) -> (PluginProcess, PluginMessages.Hello) {
        guard FileManager.default.isExecutableFile(atPath: spec.command) else {
            throw PluginError.launch(spec.id, "\(spec.command) is missing or not executable (chmod +x it)")
        }
        let process: PluginProcess
        do {
            process = try PluginProcess(command: spec.command, arguments: spec.arguments)
        } catch {
            throw PluginError.launch(spec.id, "cannot start \(spec.command): \(error.localizedDescription)")
        }
        func refuse(_ message: String) -> PluginError {
            process.stop(grace: 0)
            return PluginError.handshake(spec.id, "\(spec.id): \(message)")
        }
        guard process.send(PluginMessages.hello(id: spec.id, settings: spec.settings)) else {
            throw refuse(
                "the program \(process.exitDescription(waiting: 1) ?? "closed its input") before the handshake")
        }
        switch process.readLine(until: Date().addingTimeInterval(spec.timeoutSeconds)) {
        case .timedOut: throw refuse("no handshake within \(seconds(spec.timeoutSeconds))")
        case .closed:
            throw refuse(
                "the program \(process.exitDescription(waiting: 1) ?? "closed its output") before the handshake")
        case .tooLong: throw refuse("the handshake line is too long")
        case .line(let line):
            switch PluginMessages.parseHello(line) {
            case .failure(let rejection): throw refuse("bad handshake: \(rejection.reason)")
            case .success(let hello):
                guard hello.id == spec.id else {
                    throw refuse("the program says it is '\(hello.id)' but is configured as '\(spec.id)'")
                }
                return (process, hello)
            }
        }
    }

    private static func isFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return path.hasPrefix("/") && FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            && !isDirectory.boolValue
    }

    /// A 64-bit FNV-1a fingerprint of a file's content ("missing" if it cannot be read).
    static func fingerprint(_ path: String) -> String {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) else {
            return "missing"
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { bytes in
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
        return String(hash, radix: 16)
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
