import Foundation
import Logging
import Synchronization

/// Catalog writes that failed, for one process: each is logged when it happens and kept until the owner of the
/// daemon's status records it there (`DaemonStatus.writeFailure`), so `cairn status` shows it; the work goes on. The
/// daemon's services and its recognition pipelines share one.
public final class CatalogWriteFailures: Sendable {
    /// A failed write not yet recorded.
    public struct Failure: Sendable, Equatable {
        /// What was being written, and why it failed.
        public var description: String
        public var at: Date
    }

    private let logger: Logger
    private let pending = Mutex<Failure?>(nil)

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Logs a failed write of `what` and keeps it to be recorded. `replacingUnrecorded: false` keeps an earlier one
    /// that waits to be recorded (a status refresh that fails while the catalog is busy says less than what failed
    /// first).
    public func failed(_ what: String, _ error: any Error, replacingUnrecorded: Bool = true) {
        logger.error("cannot write to the catalog", metadata: ["write": "\(what)", "reason": "\(error)"])
        let failure = Failure(description: "\(what): \(error)", at: Date())
        pending.withLock { current in
            if replacingUnrecorded || current == nil { current = failure }
        }
    }

    /// The failure waiting to be recorded, if any.
    public var unrecorded: Failure? { pending.withLock { $0 } }

    /// Forgets `failure` once it is recorded (a newer one stays).
    public func recorded(_ failure: Failure) {
        pending.withLock { current in
            if current == failure { current = nil }
        }
    }
}
