import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// sd_notify(3) spoken directly: one datagram per message to the socket systemd names in `NOTIFY_SOCKET`
/// (a path, or an abstract name starting with "@"). Without a socket every call does nothing.
public struct SystemdNotifier: Sendable {
    public let socketPath: String?
    /// Half of `WATCHDOG_USEC`: how often to send WATCHDOG=1, when systemd asked for it.
    public let watchdogInterval: Duration?

    /// Reads the executable's environment: `NOTIFY_SOCKET` and `WATCHDOG_USEC` (honoured only if `WATCHDOG_PID` is
    /// unset or this process).
    public init(environment: [String: String]) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if pidMatches, let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0 {
            watchdogInterval = .microseconds(Int64(usec / 2))
        } else {
            watchdogInterval = nil
        }
    }

    /// The longest message systemd reads from the notification socket (`NOTIFY_BUFFER_MAX` in systemd 252): a longer
    /// datagram is dropped whole, and a READY=1 in it with it.
    public static let maximumMessageBytes = 4096

    /// `text` made fit for a `STATUS=` value: its first line only (a newline would start a new assignment), at most
    /// `limit` bytes, cut at a character and ended with "…" when longer.
    public static func statusValue(_ text: String, limit: Int = 300) -> String {
        let line = String(text.prefix { !$0.isNewline })
        guard line.utf8.count > limit else { return line }
        var cut = ""
        for character in line {
            guard cut.utf8.count + character.utf8.count + "…".utf8.count <= limit else { break }
            cut.append(character)
        }
        return cut + "…"
    }

    /// Sends `state` (such as "READY=1\nSTATUS=Watching 3 folders"). Failures are returned, never fatal; a message
    /// longer than `maximumMessageBytes` is not sent (systemd would drop it).
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let socketPath, state.utf8.count <= Self.maximumMessageBytes else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(fd, message, message.count, Int32(MSG_NOSIGNAL), socketAddress, length)
            }
        }
        return sent == message.count
    }
}
