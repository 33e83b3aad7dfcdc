import CairnCatalog
import CairnConfig
import CairnSidecars
import Foundation
import Logging

/// Keeps XMP sidecars in step with the catalog: the one place a photo's catalog state becomes sidecar content
/// (`content(for:)`) and a sidecar is written, moved with its photo, or stripped of Cairn's part. Used by cairnd's
/// sidecar service (photos put due by the catalog's triggers) and by `cairn sidecars`.
public struct SidecarSync: Sendable {
    public var catalog: Catalog
    public var placement: SidecarPlacement
    public var writeInferredGPS: Bool
    public var logger: Logger

    public init(catalog: Catalog, placement: SidecarPlacement, writeInferredGPS: Bool, logger: Logger) {
        self.catalog = catalog
        self.placement = placement
        self.writeInferredGPS = writeInferredGPS
        self.logger = logger
    }

    /// The placement a configuration asks for; nil when sidecars are off.
    public static func placement(_ settings: SidecarsConfiguration) -> SidecarPlacement? {
        switch settings.mode {
        case .off: return nil
        case .beside: return .beside
        case .tree: return .tree(folder: settings.folder)
        }
    }

    /// What one pass did, for logs and `cairn sidecars`.
    public struct Summary: Sendable, Equatable {
        public var written = 0
        public var unchanged = 0
        public var moved = 0
        /// Sidecars stripped of Cairn's part or deleted (a photo with nothing to say, a purged photo).
        public var removed = 0
        public var failed = 0
        /// Photos skipped (not indexed: removed, damaged, pending).
        public var skipped = 0
        /// The first failures' reasons.
        public var problems: [String] = []
        /// Photos whose sidecar another program changed while Cairn merged into it: to be tried again.
        public var retry: [Int64] = []

        public init() {}

        public mutating func add(_ other: Summary) {
            written += other.written
            unchanged += other.unchanged
            moved += other.moved
            removed += other.removed
            failed += other.failed
            skipped += other.skipped
            retry += other.retry
            problems += other.problems.prefix(max(0, 10 - problems.count))
        }
    }

    /// The sidecar content of a photo as the catalog holds it.
    public static func content(for source: SidecarSource, writeInferredGPS: Bool) -> SidecarContent {
        let named = source.places.filter { $0.country != nil || $0.city != nil }
        let place = named.first { $0.source == .exif } ?? named.first { $0.source == .landmark }
        let landmarkPlace = source.places.first { $0.source == .landmark }
        let landmark = source.tags.filter { $0.kind == "landmark" }.max { $0.score < $1.score }
        var position: SidecarContent.Position?
        if let latitude = landmarkPlace?.latitude, let longitude = landmarkPlace?.longitude, landmark != nil {
            position = .init(latitude: latitude, longitude: longitude)
        }
        return SidecarContent(
            place: place.map {
                .init(countryCode: $0.countryCode, country: $0.country, region: $0.adminRegion, city: $0.city)
            },
            landmark: landmark?.label, landmarkPosition: position,
            tags: source.tags.map {
                .init(
                    kind: $0.kind, label: $0.label, score: $0.score, recognizer: $0.recognizerId,
                    version: $0.recognizerVersion, evidence: $0.evidence)
            },
            inferredPosition: writeInferredGPS && !source.hasGPS ? position : nil)
    }

    /// Writes the sidecars of up to `limit` due photos and strips those of purged photos. Returns what it did and
    /// whether photos remain due.
    public func drainDue(limit: Int = 128) throws(CatalogError) -> (summary: Summary, more: Bool) {
        var summary = Summary()
        let orphans = try catalog.sidecarOrphans(limit: limit)
        for path in orphans { summary.add(strip(path, reason: "purged from the catalog")) }
        try catalog.forgetSidecarOrphans(orphans)
        let due = try catalog.dueSidecars(limit: limit)
        summary.add(try sync(due))
        // A sidecar another program was writing stays due, for the next pass.
        let retry = Set(summary.retry)
        try catalog.finishSidecars(due.filter { !retry.contains($0) })
        return (summary, (due.count == limit && retry.count < due.count) || orphans.count == limit)
    }

    /// Writes (or removes) the sidecars of `photoIds` as the catalog holds them now.
    public func sync(_ photoIds: [Int64]) throws(CatalogError) -> Summary {
        var summary = Summary()
        for source in try catalog.sidecarSources(photoIds) {
            summary.add(try sync(source))
        }
        return summary
    }

    /// One photo: its sidecar moved along if the photo moved, then written with what the catalog holds.
    func sync(_ source: SidecarSource) throws(CatalogError) -> Summary {
        var summary = Summary()
        // A photo that is gone, damaged or not read yet keeps its sidecar as it is: a removed photo's goes when it is
        // purged.
        guard source.state == "indexed" else {
            summary.skipped += 1
            return summary
        }
        let target = placement.path(forPhoto: source.path)
        let content = Self.content(for: source, writeInferredGPS: writeInferredGPS)
        if let written = source.written, written.path != target {
            if written.placement == placement.name {
                // The photo moved: its sidecar goes with it (in beside mode, unless it moved along already).
                do {
                    if try SidecarFiles.move(
                        from: written.path, to: target, createFolders: placement.createsFolders)
                    {
                        summary.moved += 1
                    }
                } catch {
                    summary.add(failure(error, source: source, path: target))
                    return summary
                }
            } else {
                // Another placement wrote it (the configuration changed): Cairn's part leaves the old sidecar.
                summary.add(strip(written.path, reason: "sidecars placed \(placement.name) now"))
            }
        }
        if content.isEmpty {
            if source.written != nil {
                summary.add(strip(target, reason: "nothing to say about \(source.path)"))
                try catalog.recordSidecar(photoId: source.photoId, nil)
            }
            return summary
        }
        let outcome = Result { () throws(SidecarError) in
            try SidecarFiles.write(content, to: target, photo: source.path, createFolders: placement.createsFolders)
        }
        switch outcome {
        case .success(let result):
            if result == .written { summary.written += 1 } else { summary.unchanged += 1 }
            try catalog.recordSidecar(
                photoId: source.photoId,
                SidecarRecord(path: target, placement: placement.name, fingerprint: content.fingerprint, error: nil))
        case .failure(let error):
            summary.add(failure(error, source: source, path: target))
            if error.code == .changedWhileWriting { summary.retry.append(source.photoId) }
            try catalog.recordSidecar(
                photoId: source.photoId,
                SidecarRecord(path: target, placement: placement.name, fingerprint: nil, error: error.description))
        }
        return summary
    }

    /// Removes Cairn's part of the sidecar at `path` (deleting it when nothing else is in it).
    public func strip(_ path: String, reason: String) -> Summary {
        var summary = Summary()
        do {
            switch try SidecarFiles.strip(path) {
            case .deleted, .stripped:
                summary.removed += 1
                logger.debug("sidecar stripped", metadata: ["sidecar": "\(path)", "why": "\(reason)"])
            case .absent, .untouched:
                break
            }
        } catch {
            summary.failed += 1
            summary.problems.append(error.description)
            logger.warning("cannot remove Cairn's part of a sidecar", metadata: ["reason": "\(error)"])
        }
        return summary
    }

    /// Removes Cairn's part of the sidecars of `photoIds` (`cairn sidecars remove`).
    public func remove(_ photoIds: [Int64]) throws(CatalogError) -> Summary {
        var summary = Summary()
        for source in try catalog.sidecarSources(photoIds) {
            let paths = Set([source.written?.path, placement.path(forPhoto: source.path)].compactMap { $0 })
            for path in paths.sorted() { summary.add(strip(path, reason: "cairn sidecars remove")) }
            try catalog.recordSidecar(photoId: source.photoId, nil)
        }
        return summary
    }

    /// A sidecar's state against the catalog (`cairn sidecars check`).
    public enum Check: String, Sendable, CaseIterable {
        case inStep = "in step"
        case stale
        case missing
        case unparsable
        /// The catalog has nothing to say and there is no sidecar of Cairn's.
        case none
    }

    public func check(_ photoIds: [Int64]) throws(CatalogError) -> [(path: String, check: Check, reason: String?)] {
        var results: [(String, Check, String?)] = []
        for source in try catalog.sidecarSources(photoIds) where source.state == "indexed" {
            let target = placement.path(forPhoto: source.path)
            let content = Self.content(for: source, writeInferredGPS: writeInferredGPS)
            do {
                let found = try SidecarFiles.fingerprint(at: target)
                switch (found, content.isEmpty) {
                case (nil, true): results.append((target, .none, nil))
                case (nil, false): results.append((target, .missing, nil))
                case (let print?, _):
                    results.append((target, print == content.fingerprint && !content.isEmpty ? .inStep : .stale, nil))
                }
            } catch {
                results.append((target, .unparsable, error.description))
            }
        }
        return results
    }

    private func failure(_ error: SidecarError, source: SidecarSource, path: String) -> Summary {
        var summary = Summary()
        summary.failed += 1
        summary.problems.append(error.description)
        logger.debug("cannot write a sidecar", metadata: ["photo": "\(source.path)", "reason": "\(error)"])
        return summary
    }
}
