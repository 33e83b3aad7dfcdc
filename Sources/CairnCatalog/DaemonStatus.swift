import Foundation

/// What the running daemon reports about itself, for `cairn status`, `cairn reload` and `cairn index`: written by
/// cairnd, read by the CLI, both through this one record.
///
/// Stored in `daemon_status` as one row per field (the key is the field's name, the value its text); a field never
/// reported is nil. Its JSON (`cairn status --json`) is the same object of strings, keyed the same way.
public struct DaemonStatus: Codable, Sendable, Equatable {
    /// What the daemon is doing.
    public enum State: String, Sendable {
        /// Watches installed, reconciling the catalog with the disk.
        case starting
        /// Following file events.
        case watching
        /// Stopped cleanly.
        case stopped
    }

    /// How the last reload ended.
    public enum ReloadResult: String, Sendable {
        case ok, failed
    }

    /// The daemon's process id.
    public var pid: Int32?
    public var state: State?
    public var startedAt: Date?
    /// When the daemon last refreshed this record (at least once a minute while it runs).
    public var heartbeatAt: Date?
    /// The watched folders.
    public var folders: [String]?
    /// inotify watches installed.
    public var watches: Int?
    /// Folders without a watch (over the budget), rescanned periodically.
    public var unwatchedFolders: Int?
    /// fs.inotify.max_user_watches, or "unknown".
    public var watchBudget: String?
    /// The last reload's outcome, in words.
    public var reload: String?
    public var reloadResult: ReloadResult?
    /// Reloads since the daemon started (what `cairn reload` waits to see change).
    public var reloadCount: Int?
    public var reloadedAt: Date?
    /// The last catalog write that failed: what was being written and why it failed.
    public var writeFailure: String?
    public var writeFailedAt: Date?
    /// The last background discovery: when, its outcome in words, and how many photos with GPS and an embedding
    /// there were then (the next run waits for `discovery.every-photos` more).
    public var discoveredAt: Date?
    public var discovery: String?
    public var discoveryLocated: Int?
    /// Set by readers, never stored: whether the daemon that wrote this record still runs (`isAlive`).
    public var running: Bool?

    public init() {}

    /// No daemon ever ran on this catalog.
    public var isEmpty: Bool { fields.isEmpty }

    /// Whether the daemon that wrote this record still runs: its pid is alive and it did not record a stop.
    public var isAlive: Bool {
        guard state != .stopped, let pid, pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    // MARK: Text form (the table's rows and the JSON object)

    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        case pid, state, startedAt, heartbeatAt, folders, watches, unwatchedFolders, watchBudget
        case reload, reloadResult, reloadCount, reloadedAt, writeFailure, writeFailedAt, discoveredAt, discovery
        case discoveryLocated, running
    }

    /// The fields that are set, as text.
    public var fields: [CodingKeys: String] {
        var fields: [CodingKeys: String] = [:]
        fields[.pid] = pid.map(String.init)
        fields[.state] = state?.rawValue
        fields[.startedAt] = startedAt.map(Self.text)
        fields[.heartbeatAt] = heartbeatAt.map(Self.text)
        fields[.folders] = folders?.joined(separator: "\n")
        fields[.watches] = watches.map(String.init)
        fields[.unwatchedFolders] = unwatchedFolders.map(String.init)
        fields[.watchBudget] = watchBudget
        fields[.reload] = reload
        fields[.reloadResult] = reloadResult?.rawValue
        fields[.reloadCount] = reloadCount.map(String.init)
        fields[.reloadedAt] = reloadedAt.map(Self.text)
        fields[.writeFailure] = writeFailure
        fields[.writeFailedAt] = writeFailedAt.map(Self.text)
        fields[.discoveredAt] = discoveredAt.map(Self.text)
        fields[.discovery] = discovery
        fields[.discoveryLocated] = discoveryLocated.map(String.init)
        fields[.running] = running.map { "\($0)" }
        return fields
    }

    /// A record from its text form; a value that does not parse (written by another version) reads as nil.
    public init(fields: [CodingKeys: String]) {
        pid = fields[.pid].flatMap { Int32($0) }
        state = fields[.state].flatMap(State.init(rawValue:))
        startedAt = fields[.startedAt].flatMap(Self.date)
        heartbeatAt = fields[.heartbeatAt].flatMap(Self.date)
        folders = fields[.folders].map { $0.split(separator: "\n").map(String.init) }
        watches = fields[.watches].flatMap { Int($0) }
        unwatchedFolders = fields[.unwatchedFolders].flatMap { Int($0) }
        watchBudget = fields[.watchBudget]
        reload = fields[.reload]
        reloadResult = fields[.reloadResult].flatMap(ReloadResult.init(rawValue:))
        reloadCount = fields[.reloadCount].flatMap { Int($0) }
        reloadedAt = fields[.reloadedAt].flatMap(Self.date)
        writeFailure = fields[.writeFailure]
        writeFailedAt = fields[.writeFailedAt].flatMap(Self.date)
        discoveredAt = fields[.discoveredAt].flatMap(Self.date)
        discovery = fields[.discovery]
        discoveryLocated = fields[.discoveryLocated].flatMap { Int($0) }
        running = fields[.running].flatMap { Bool($0) }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var fields: [CodingKeys: String] = [:]
        for key in CodingKeys.allCases {
            fields[key] = try container.decodeIfPresent(String.self, forKey: key)
        }
        self.init(fields: fields)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        for (key, value) in fields {
            try container.encode(value, forKey: key)
        }
    }

    /// Times as ISO 8601 text, to the second.
    public static func text(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    static func date(_ text: String) -> Date? {
        ISO8601DateFormatter().date(from: text)
    }
}
