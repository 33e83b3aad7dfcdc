import CairnCatalog
import CairnConfig
import Foundation

/// Discovery over a catalog: reads every photo's stored embedding, proposes places among the photos with GPS that
/// no landmark recognizer tagged, and saves the proposals (ids kept
/// for proposals found again, adopted and rejected ones left alone). What `cairn landmarks discover` and cairnd's
/// background run both call.
public struct LibraryDiscovery: Sendable {
    public var rules: DiscoveryRules
    /// The recognizer whose stored embeddings are compared.
    public var recognizerId: String

    public init(rules: DiscoveryRules = DiscoveryRules(), recognizerId: String = "embeddings") {
        self.rules = rules
        self.recognizerId = recognizerId
    }

    /// What one run looked at and found.
    public struct Outcome: Sendable, Codable, Equatable {
        /// Photos with a current embedding.
        public var photos: Int
        /// Of those, with a GPS position.
        public var located: Int
        /// Of those, left out because a landmark pack already recognised them.
        public var recognised: Int
        public var proposals: Int
        /// What the rules turned down.
        public var tally: Discovery.Tally
        public var saved: DiscoverySaveResult
        /// Time spent comparing (reading and saving not included), in seconds.
        public var seconds: Double
    }

    public func run(catalog: Catalog) throws(CatalogError) -> Outcome {
        let sources = try catalog.discoverySources(recognizerId: recognizerId)
        let located = sources.filter { $0.latitude != nil && $0.longitude != nil }
        let candidates = located.filter { !$0.hasLandmark }
        let started = Date()
        var proposals: [Proposal] = []
        var tally = Discovery.Tally()
        if !candidates.isEmpty {
            let photos = candidates.map { source in
                DiscoveryPhoto(
                    id: source.photoId, latitude: source.latitude!, longitude: source.longitude!,
                    day: source.taken.flatMap(Self.day), embedding: source.vector)
            }
            (proposals, tally) = Discovery(rules: rules).proposeCounting(photos)
        }
        let seconds = Date().timeIntervalSince(started)
        let saved = try catalog.saveDiscoveries(
            proposals.map { proposal in
                NewDiscovery(
                    members: proposal.members, latitude: proposal.latitude, longitude: proposal.longitude,
                    days: proposal.days, firstDay: proposal.firstDay.map(Self.date),
                    lastDay: proposal.lastDay.map(Self.date), coherence: Double(proposal.coherence),
                    lift: proposal.lift.isFinite ? proposal.lift : nil)
            })
        return Outcome(
            photos: sources.count, located: located.count, recognised: located.count - candidates.count,
            proposals: proposals.count, tally: tally, saved: saved, seconds: seconds)
    }

    /// Days since 1970-01-01 of a stored date (`YYYY-MM-DD…`, the camera's local date); nil when it is not one.
    public static func day(_ taken: String) -> Int? {
        let parts = taken.prefix(10).split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day),
            let date = utc.date(from: DateComponents(year: year, month: month, day: day))
        else { return nil }
        return Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// `YYYY-MM-DD` of days since 1970-01-01.
    public static func date(_ day: Int) -> String {
        let parts = utc.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(day) * 86_400))
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}

extension DiscoveryRules {
    /// The rules with the configuration's `discovery` values.
    public init(_ settings: DiscoveryConfiguration) {
        self.init()
        radiusMeters = settings.radiusMeters
        minimumPhotos = settings.minimumPhotos
        minimumDays = settings.minimumDays
    }
}
