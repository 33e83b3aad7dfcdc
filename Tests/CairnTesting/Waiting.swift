import Foundation

/// Polls `condition` every `interval` seconds (50 ms) until it holds or `timeout` seconds pass; errors count as
/// "not yet".
public func waitUntil(
    timeout: TimeInterval = 30, interval: TimeInterval = 0.05, _ condition: () throws -> Bool
) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if (try? condition()) == true { return true }
        usleep(useconds_t(interval * 1_000_000))
    }
    return (try? condition()) == true
}

/// Receives sd_notify datagrams on a Unix socket, as systemd would.
public final class NotifySocket: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private var received: [String] = []
    private let lock = NSLock()

    public init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard fd >= 0, result == 0 else { throw NSError(domain: "NotifySocket", code: Int(errno)) }
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Every message received so far (reads what is waiting first).
    public var messages: [String] {
        // Larger than systemd reads (4096 bytes), so that a message systemd would drop is seen whole.
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            let message = String(decoding: buffer[0..<count], as: UTF8.self)
            lock.withLock { received.append(message) }
        }
        return lock.withLock { received }
    }

    /// Whether some message has a line equal to `line`.
    public func saw(_ line: String) -> Bool {
        messages.contains { $0.split(separator: "\n").contains { $0 == line } }
    }
}
