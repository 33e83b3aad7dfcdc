import Foundation
import Logging

/// The log level, changeable at run time (SIGHUP re-reads it); log handlers read it on every message.
public final class LogLevelBox: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Logger.Level

    public init(_ level: Logger.Level) {
        current = level
    }

    public var level: Logger.Level {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }
}

/// swift-log's stderr handler with a level that follows a `LogLevelBox`.
public struct ReloadableLogHandler: LogHandler {
    private var base: StreamLogHandler
    private let box: LogLevelBox

    public init(label: String, box: LogLevelBox) {
        base = StreamLogHandler.standardError(label: label)
        self.box = box
        base.logLevel = .trace
    }

    public var logLevel: Logger.Level {
        get { box.level }
        set { box.level = newValue }
    }

    public var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        guard event.level >= box.level else { return }
        base.log(event: event)
    }
}
