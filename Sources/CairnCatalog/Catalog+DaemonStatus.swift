import Foundation
import GRDB

extension Catalog {
    /// Changes what the daemon reports about itself: reads the record, applies `change`, and writes the fields that
    /// changed (a field set to nil is deleted), in one transaction. `running` is never stored.
    public func updateDaemonStatus(
        now: Date = Date(), _ change: @escaping @Sendable (inout DaemonStatus) -> Void
    ) throws(CatalogError) {
        try write { db in
            let current = try Self.daemonStatus(db)
            let before = current.fields
            var status = current
            change(&status)
            status.running = nil
            let after = status.fields
            for key in DaemonStatus.CodingKeys.allCases where before[key] != after[key] {
                if let value = after[key] {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO daemon_status (key, value, updatedAt) VALUES (?, ?, ?)",
                        arguments: [key.rawValue, value, now])
                } else {
                    try db.execute(sql: "DELETE FROM daemon_status WHERE key = ?", arguments: [key.rawValue])
                }
            }
        }
    }

    /// What the daemon last reported about itself; empty when no daemon ever ran on this catalog.
    public func daemonStatus() throws(CatalogError) -> DaemonStatus {
        try read { db in try Self.daemonStatus(db) }
    }

    static func daemonStatus(_ db: Database) throws -> DaemonStatus {
        var fields: [DaemonStatus.CodingKeys: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM daemon_status") {
            if let key = DaemonStatus.CodingKeys(rawValue: row["key"]) { fields[key] = row["value"] }
        }
        return DaemonStatus(fields: fields)
    }
}
