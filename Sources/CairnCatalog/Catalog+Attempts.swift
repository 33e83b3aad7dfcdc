import Foundation
import GRDB

/// Recognition's guard against a photo that kills the process (the kernel's OOM killer at the unit's `MemoryMax=`, a
/// crash inside a decoder library): photos are recorded before a worker takes them and forgotten once it is done
/// with them, so what a dead process leaves behind names the photos it died on (`recognition_attempts`, v8).
extension Catalog {
    /// What a dead process left: photos it died on while running one alone (now marked damaged with `reason`; returns
    /// their paths) and photos it died on among others (suspects, to be run alone; returns their ids).
    public func settleInterruptedAttempts(
        reason: String, now: Date = Date()
    ) throws(CatalogError) -> (damaged: [String], suspects: [Int64]) {
        try write { db in
            let alone = try Row.fetchAll(
                db,
                sql: """
                    SELECT p.id, p.path FROM recognition_attempts a JOIN photos p ON p.id = a.photoId
                    WHERE a.alone AND p.state = 'indexed'
                    """)
            for row in alone {
                try db.execute(
                    sql: "UPDATE photos SET state = 'damaged', errorReason = ?, updatedAt = ? WHERE id = ?",
                    arguments: [reason, now, row["id"] as Int64])
            }
            try db.execute(sql: "DELETE FROM recognition_attempts WHERE alone")
            let suspects = try Int64.fetchAll(db, sql: "SELECT photoId FROM recognition_attempts ORDER BY photoId")
            return (alone.map { $0["path"] }, suspects)
        }
    }

    /// Records that a worker is taking `photoIds` (`alone`: one photo with no other worker running).
    public func beginAttempts(_ photoIds: [Int64], alone: Bool) throws(CatalogError) {
        guard !photoIds.isEmpty else { return }
        try write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO recognition_attempts (photoId, alone) VALUES (?, ?)
                    ON CONFLICT (photoId) DO UPDATE SET alone = excluded.alone
                    """)
            for id in photoIds { try statement.execute(arguments: [id, alone]) }
        }
    }

    /// Forgets `photoIds`: the process lived through them, whatever their outcome.
    public func endAttempts(_ photoIds: [Int64]) throws(CatalogError) {
        guard !photoIds.isEmpty else { return }
        try write { db in
            let statement = try db.cachedStatement(sql: "DELETE FROM recognition_attempts WHERE photoId = ?")
            for id in photoIds { try statement.execute(arguments: [id]) }
        }
    }

    /// The photos recorded as taken by a worker and not finished, with whether each was taken alone.
    public func attemptsInProgress() throws(CatalogError) -> [Int64: Bool] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT photoId, alone FROM recognition_attempts").reduce(into: [:]) {
                $0[$1["photoId"]] = $1["alone"] as Bool
            }
        }
    }
}
