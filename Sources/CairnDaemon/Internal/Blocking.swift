import Foundation

/// Runs blocking work (a folder walk and its catalog writes, loading models, plugin handshakes, a recognizer on a
/// batch) on a thread of its own, outside Swift's cooperative pool: on a one-CPU machine the pool has one thread, and
/// work that blocks it starves every other task, the watchdog's pings included. `body` is told whether the task that
/// waits for it was cancelled (`Task.isCancelled` means nothing on that thread).
func onOwnThread<T: Sendable>(
    _ body: @escaping @Sendable (_ isCancelled: @escaping @Sendable () -> Bool) throws -> T
) async throws -> T {
    let cancelled = CancelFlag()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body { cancelled.isRaised } }) }
        }
    } onCancel: {
        cancelled.raise()
    }
}

/// `onOwnThread` for work that cannot fail.
func onOwnThread<T: Sendable>(
    _ body: @escaping @Sendable (_ isCancelled: @escaping @Sendable () -> Bool) -> T
) async -> T {
    let cancelled = CancelFlag()
    return await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body { cancelled.isRaised }) }
        }
    } onCancel: {
        cancelled.raise()
    }
}

private final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    var isRaised: Bool { lock.withLock { raised } }
    func raise() { lock.withLock { raised = true } }
}
