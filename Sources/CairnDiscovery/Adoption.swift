import CairnCatalog
import CairnConfig
import CairnLandmarkBuilder
import Foundation
import Landmarks

/// Why a discovered landmark could not be adopted.
public struct AdoptionError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// No discovery with that id; already adopted; the key is taken in the pack.
        case notFound, adopted, exists
        /// The pack cannot be read, or written; no photo of the proposal could be read; the catalog failed; stopped
        /// (`isCancelled`) before the pack was written.
        case pack, write, photos, catalog, stopped
    }

    public var code: Code
    public var message: String
    public var description: String { message }
}

/// Makes a discovered landmark a landmark of the pack: up to `photos` of its most typical photos embedded with the
/// pack's head and added as a personal landmark (its place the proposal's), with its own threshold without GPS
/// from up to 400 of the library's photos taken 5 km or more away; the pack written again (atomically) and the
/// discovery marked adopted. What `cairn landmarks adopt` does; the caller reloads.
public struct Adoption: Sendable {
    public var catalog: Catalog
    public var packPath: String
    public var extractor: FeatureExtractor
    /// How many of a proposal's most typical photos are embedded.
    public var photos = 40

    public init(catalog: Catalog, packPath: String, extractor: FeatureExtractor, photos: Int = 40) {
        self.catalog = catalog
        self.packPath = packPath
        self.extractor = extractor
        self.photos = photos
    }

    public struct Outcome: Sendable {
        public var record: DiscoveryRecord
        public var key: String
        public var name: String
        public var pack: LandmarkPack
        public var addition: PackAddition
    }

    /// Adopts discovery `id` as `name` (default: its place, `placeName`); `key` (default: from the name, made unique
    /// in the pack) must not be taken.
    /// Once `isCancelled` says so (a daemon stopping), no more photo is read and nothing is written.
    public func adopt(
        id: Int64, name: String? = nil, key: String? = nil, isCancelled: @Sendable () -> Bool = { false }
    ) throws(AdoptionError) -> Outcome {
        let found: (DiscoveryRecord, members: [String])?
        do { found = try catalog.discovery(id: id) } catch { throw AdoptionError(code: .catalog, message: "\(error)") }
        guard let (record, members) = found else {
            throw AdoptionError(
                code: .notFound, message: "no discovered landmark \(id) (`cairn landmarks discovered` lists them)")
        }
        if record.status == .adopted {
            throw AdoptionError(
                code: .adopted, message: "discovered landmark \(id) is already adopted as \(record.landmarkKey ?? "?")")
        }
        var pack: LandmarkPack
        do {
            pack = try LandmarkPack.load(path: packPath, backbone: extractor.model.version)
        } catch {
            throw AdoptionError(code: .pack, message: "\(error)")
        }
        let name =
            name
            ?? Self.placeName(
                city: record.city, region: record.adminRegion, country: record.country,
                besides: Set(pack.landmarks.map(\.name)))
        let taken = Set(pack.landmarks.map(\.key))
        let chosen: String
        if let key {
            guard !taken.contains(key) else {
                throw AdoptionError(code: .exists, message: "the pack already has a landmark '\(key)'")
            }
            chosen = key
        } else {
            let base = Self.key(from: name)
            var candidate = base
            var suffix = 2
            while taken.contains(candidate) {
                candidate = "\(base)_\(suffix)"
                suffix += 1
            }
            chosen = candidate
        }
        let negatives: [String]
        do {
            negatives = Self.farAway(try catalog.locatedPhotos(), from: (record.latitude, record.longitude)).map(\.path)
        } catch {
            throw AdoptionError(code: .catalog, message: "\(error)")
        }
        let landmark = LandmarkPack.Landmark(
            key: chosen, name: name, city: record.city ?? "", country: record.country ?? "",
            region: record.adminRegion ?? "", latitude: record.latitude, longitude: record.longitude, photos: 0,
            referencesChecked: false)
        let addition: PackAddition
        do {
            addition = try pack.add(
                landmark, photos: Array(members.prefix(photos)), negatives: negatives, extractor: extractor,
                isCancelled: isCancelled)
        } catch {
            throw AdoptionError(code: isCancelled() ? .stopped : .photos, message: "\(error)")
        }
        do {
            try pack.write(to: packPath)
        } catch {
            throw AdoptionError(code: .write, message: "\(error)")
        }
        do {
            try catalog.setDiscovery(id: id, status: .adopted, landmarkKey: chosen, name: name)
        } catch {
            throw AdoptionError(code: .catalog, message: "\(error)")
        }
        return Outcome(record: record, key: chosen, name: name, pack: pack, addition: addition)
    }

    /// The pack `recognizers.landmarks.pack` names (absolute, as the loader resolved it), if any.
    public static func configuredPack(_ settings: CairnConfiguration) -> String? {
        guard case .string(let path)? = settings.recognizers.first(where: { $0.id == "landmarks" })?.settings["pack"]
        else { return nil }
        return path
    }

    /// The name of a proposal adopted without asking (`discovery.auto-adopt`): its place in the gazetteer (city,
    /// else region, else country, else "Place"), numbered when the pack already has a landmark of that name ("Agra 2").
    public static func placeName(
        city: String?, region: String?, country: String?, besides names: Set<String>
    )
        -> String
    {
        let base = city ?? region ?? country ?? "Place"
        var candidate = base
        var number = 2
        while names.contains(candidate) {
            candidate = "\(base) \(number)"
            number += 1
        }
        return candidate
    }

    /// "Our cabin" → "our_cabin".
    public static func key(from name: String) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        let key = folded.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            .split(separator: "_").joined(separator: "_")
        return key.isEmpty ? "place" : key
    }

    /// Photos that surely do not show the place at `centre`: taken at least `minimumKm` from it, evenly spread
    /// over `photos` (the library's located photos without a landmark tag), at most `limit`. Adoption calibrates the
    /// new landmark's own threshold on them: the user's own everyday photos, the ones it must not be given to.
    public static func farAway(
        _ photos: [LocatedPhoto], from centre: (latitude: Double, longitude: Double), minimumKm: Double = 5,
        limit: Int = 400
    ) -> [LocatedPhoto] {
        let far = photos.filter {
            Discovery.distanceMeters((centre.latitude, centre.longitude), ($0.latitude, $0.longitude))
                >= minimumKm * 1000
        }
        guard far.count > limit else { return far }
        return (0..<limit).map { far[$0 * far.count / limit] }
    }
}
