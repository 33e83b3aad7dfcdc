import CairnPhotoNames
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What happened under the watched folders, already paired and filtered: only photos and folders, never
/// hidden or temporary files.
public enum WatchEvent: Sendable, Equatable {
    /// A photo was closed after writing, or moved in from outside the watched folders.
    case fileWritten(String)
    /// A photo was renamed or moved within the watched folders.
    case fileMoved(from: String, to: String)
    /// A folder was renamed or moved within the watched folders (its watches moved with it).
    case folderMoved(from: String, to: String)
    /// A photo or a folder was deleted or moved out of the watched folders.
    case removed(String)
    /// A folder was created or moved in; it is already watched and needs a scan for what it holds.
    case folderAppeared(String)
    /// The kernel's event queue overflowed (or the stream's buffer did): everything needs a rescan.
    case overflow
    /// A watched root was deleted, moved away or unmounted.
    case rootGone(String)
}

/// Watches folder trees with inotify(7) directly: one watch per directory (`IN_ONLYDIR`), `IN_CLOSE_WRITE` for
/// files that are complete, `IN_MOVED_FROM`/`IN_MOVED_TO` paired by cookie, deletes, and the roots' own
/// deletion or unmount. Reads on its own thread and delivers `WatchEvent`s through a bounded `AsyncStream`; when
/// the consumer falls behind, events are dropped and one `.overflow` is delivered instead, which a rescan repairs.
public final class FolderWatch: @unchecked Sendable {
    public let events: AsyncStream<WatchEvent>
    private let continuation: AsyncStream<WatchEvent>.Continuation
    private let fd: Int32
    private var wake: [Int32] = [-1, -1]
    private let lock = NSLock()
    private var paths: [Int32: String] = [:]  // watch descriptor → folder
    private var descriptors: [String: Int32] = [:]
    private var roots: Set<String> = []
    private var unwatched: Set<String> = []
    private var pendingMoves: [UInt32: (path: String, isFolder: Bool, at: Date)] = [:]
    private var needsOverflow = false
    private var thread: Thread?
    private var stopped = false
    /// When the reader thread last went round its loop; the watchdog checks it.
    private var heartbeat = Date()

    private static let folderMask = UInt32(
        IN_ONLYDIR | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF
            | IN_MOVE_SELF)

    /// At most this many watches (0: as many as the kernel allows); beyond it folders count as unwatched.
    private let maxWatches: Int

    /// Opens an inotify instance. `bufferLimit` bounds the events waiting for the consumer.
    public init(bufferLimit: Int = 20_000, maxWatches: Int = 0) throws {
        self.maxWatches = maxWatches
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw WatchError.system("inotify_init1", errno) }
        self.fd = fd
        (events, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .bufferingOldest(bufferLimit))
        guard pipe(&wake) == 0 else { throw WatchError.system("pipe", errno) }
    }

    deinit {
        close(fd)
        close(wake[0])
        close(wake[1])
    }

    /// The kernel's per-user watch budget (`/proc/sys/fs/inotify/max_user_watches`).
    public static var maxUserWatches: Int? {
        (try? String(contentsOfFile: "/proc/sys/fs/inotify/max_user_watches", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Watches `root` and every non-hidden folder below it. Returns how many folders it could not watch because
    /// the watch budget is spent (those are listed in `unwatchedFolders` for periodic rescans).
    @discardableResult
    public func addRoot(_ root: String) -> Int {
        lock.withLock { _ = roots.insert(root) }
        return addTree(root)
    }

    /// Stops watching `root` and everything below it.
    public func removeRoot(_ root: String) {
        lock.withLock {
            roots.remove(root)
            for (path, wd) in descriptors where path == root || path.hasPrefix(root + "/") {
                inotify_rm_watch(fd, wd)
                descriptors[path] = nil
                paths[wd] = nil
            }
            unwatched = unwatched.filter { !($0 == root || $0.hasPrefix(root + "/")) }
        }
    }

    /// Folders that could not be watched (the watch budget is spent); they need periodic rescans.
    public var unwatchedFolders: [String] { lock.withLock { unwatched.sorted() } }

    /// Whether `folder` has a watch now.
    public func isWatching(_ folder: String) -> Bool { lock.withLock { descriptors[folder] != nil } }

    /// How many folders are watched now.
    public var watchCount: Int { lock.withLock { descriptors.count } }

    /// Seconds since the reader thread last went round its loop (it does at least every 100 ms while alive).
    public var secondsSinceHeartbeat: Double { lock.withLock { Date().timeIntervalSince(heartbeat) } }

    /// Starts the reader thread.
    public func start() {
        let thread = Thread { [self] in readLoop() }
        thread.name = "cairn-inotify"
        self.thread = thread
        thread.start()
    }

    /// Stops the reader thread and ends the event stream.
    public func stop() {
        lock.withLock { stopped = true }
        var byte: UInt8 = 1
        _ = write(wake[1], &byte, 1)
        continuation.finish()
    }

    // MARK: Watches

    /// Watches `root` and every folder below it; returns how many could not be watched (those are also kept in
    /// `unwatched` and rescanned periodically, so an event handler may ignore the count).
    @discardableResult
    private func addTree(_ root: String) -> Int {
        var failed = 0
        var pending = [root]
        while let folder = pending.popLast() {
            let full = maxWatches > 0 && lock.withLock { descriptors.count >= maxWatches && descriptors[folder] == nil }
            let wd = full ? -1 : inotify_add_watch(fd, folder, Self.folderMask)
            if full {
                lock.withLock { _ = unwatched.insert(folder) }
                failed += 1
            } else if wd < 0 {
                let code = errno
                if code == ENOSPC {
                    lock.withLock { _ = unwatched.insert(folder) }
                    failed += 1
                } else if code != ENOENT && code != ENOTDIR {
                    lock.withLock { _ = unwatched.insert(folder) }
                    failed += 1
                }
            } else {
                lock.withLock {
                    if let old = paths[wd], old != folder { descriptors[old] = nil }
                    paths[wd] = folder
                    descriptors[folder] = wd
                    unwatched.remove(folder)
                }
            }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for name in names where !name.hasPrefix(".") {
                let path = folder + "/" + name
                var info = stat()
                if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { pending.append(path) }
            }
        }
        return failed
    }

    /// Re-points every watch at or below `from` to the same place below `to` (the kernel keeps the watches of a
    /// moved folder; only our names for them change).
    private func renameWatches(from: String, to: String) {
        lock.withLock {
            for (path, wd) in descriptors where path == from || path.hasPrefix(from + "/") {
                let moved = to + path.dropFirst(from.count)
                descriptors[path] = nil
                descriptors[moved] = wd
                paths[wd] = moved
            }
        }
    }

    /// Drops the watches at or below `folder` (deleted, or moved out of the watched trees).
    private func forgetWatches(under folder: String) {
        lock.withLock {
            for (path, wd) in descriptors where path == folder || path.hasPrefix(folder + "/") {
                inotify_rm_watch(fd, wd)
                descriptors[path] = nil
                paths[wd] = nil
            }
        }
    }

    // MARK: Reading

    private func readLoop() {
        let size = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake[0], events: Int16(POLLIN), revents: 0)]
        while !lock.withLock({ stopped }) {
            lock.withLock { heartbeat = Date() }
            let ready = poll(&fds, 2, 100)
            if ready > 0 && fds[0].revents & Int16(POLLIN) != 0 {
                while true {
                    let count = read(fd, buffer, size)
                    if count <= 0 { break }
                    parse(UnsafeRawBufferPointer(start: buffer, count: count))
                }
            }
            expireMoves(olderThan: 0.3)
        }
    }

    private func parse(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= bytes.count {
            let wd = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let cookie = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameBytes = bytes[(offset + header)..<min(offset + header + length, bytes.count)]
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            offset += header + length
            handle(wd: wd, mask: mask, cookie: cookie, name: name)
        }
    }

    private func handle(wd: Int32, mask: UInt32, cookie: UInt32, name: String) {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            emit(.overflow)
            return
        }
        guard let folder = lock.withLock({ paths[wd] }) else { return }
        let isFolder = mask & UInt32(IN_ISDIR) != 0
        let path = name.isEmpty ? folder : folder + "/" + name
        let isRoot = lock.withLock { roots.contains(folder) }

        if mask & UInt32(IN_IGNORED) != 0 {
            lock.withLock {
                if paths[wd] == folder {
                    paths[wd] = nil
                    descriptors[folder] = nil
                }
            }
            return
        }
        if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT) != 0 {
            // A watched root itself went away; other folders are handled through their parent's events.
            if isRoot && name.isEmpty {
                emit(.rootGone(folder))
                if mask & UInt32(IN_MOVE_SELF) != 0 { inotify_rm_watch(fd, wd) }
            }
            return
        }
        let relevant = isFolder ? !name.hasPrefix(".") : PhotoNames.isPhoto(name: name)
        if mask & UInt32(IN_CREATE) != 0 {
            // New files are taken at IN_CLOSE_WRITE; a new folder is watched first, then scanned.
            if isFolder && relevant {
                addTree(path)
                emit(.folderAppeared(path))
            }
            return
        }
        if mask & UInt32(IN_CLOSE_WRITE) != 0 {
            if relevant && !isFolder { emit(.fileWritten(path)) }
            return
        }
        if mask & UInt32(IN_DELETE) != 0 {
            if relevant {
                if isFolder { forgetWatches(under: path) }
                emit(.removed(path))
            }
            return
        }
        if mask & UInt32(IN_MOVED_FROM) != 0 {
            lock.withLock { pendingMoves[cookie] = (path, isFolder, Date()) }
            return
        }
        if mask & UInt32(IN_MOVED_TO) != 0 {
            let from = lock.withLock { pendingMoves.removeValue(forKey: cookie) }
            if let from {
                let fromRelevant = from.isFolder
                    ? !URL(fileURLWithPath: from.path).lastPathComponent.hasPrefix(".")
                    : PhotoNames.isPhoto(name: URL(fileURLWithPath: from.path).lastPathComponent)
                switch (fromRelevant, relevant) {
                case (true, true):
                    if isFolder {
                        renameWatches(from: from.path, to: path)
                        emit(.folderMoved(from: from.path, to: path))
                    } else {
                        emit(.fileMoved(from: from.path, to: path))
                    }
                case (false, true):  // e.g. an atomic write: ".photo.jpg.tmp" renamed to "photo.jpg"
                    if isFolder {
                        renameWatches(from: from.path, to: path)
                        emit(.folderAppeared(path))
                    } else {
                        emit(.fileWritten(path))
                    }
                case (true, false):  // renamed to a hidden or non-photo name
                    if isFolder { forgetWatches(under: from.path) }
                    emit(.removed(from.path))
                case (false, false):
                    break
                }
            } else if relevant {
                // Moved in from outside the watched folders.
                if isFolder {
                    addTree(path)
                    emit(.folderAppeared(path))
                } else {
                    emit(.fileWritten(path))
                }
            }
        }
    }

    /// A move whose other half never came was a move out of the watched folders.
    private func expireMoves(olderThan seconds: Double) {
        let expired: [(path: String, isFolder: Bool)] = lock.withLock {
            let now = Date()
            let old = pendingMoves.filter { now.timeIntervalSince($0.value.at) > seconds }
            for key in old.keys { pendingMoves[key] = nil }
            return old.values.map { ($0.path, $0.isFolder) }
        }
        for move in expired {
            let name = URL(fileURLWithPath: move.path).lastPathComponent
            guard move.isFolder ? !name.hasPrefix(".") : PhotoNames.isPhoto(name: name) else { continue }
            if move.isFolder { forgetWatches(under: move.path) }
            emit(.removed(move.path))
        }
    }

    private func emit(_ event: WatchEvent) {
        let overflowOwed = lock.withLock { needsOverflow }
        if overflowOwed {
            if case .enqueued = continuation.yield(.overflow) {
                lock.withLock { needsOverflow = false }
            } else {
                return
            }
        }
        if case .dropped = continuation.yield(event) {
            lock.withLock { needsOverflow = true }
        }
    }
}

/// Why watching could not start.
public struct WatchError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    static func system(_ call: String, _ code: Int32) -> WatchError {
        WatchError(message: "\(call) failed: \(String(cString: strerror(code)))")
    }
}
