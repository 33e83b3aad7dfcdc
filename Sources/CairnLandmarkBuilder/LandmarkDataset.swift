import CairnIndexing
import Foundation

/// A landmark dataset on disk: `landmarks.tsv` (`key, name, city, country, region, lat, lon`, tab-separated, with
/// that header), one folder of photos per key, and optionally `KEY/references/` with 3–5 checked photos.
public struct LandmarkDataset: Sendable {
    public struct Entry: Sendable {
        public var key: String
        public var name: String
        public var city: String
        public var country: String
        public var region: String
        public var latitude: Double
        public var longitude: Double
        /// The landmark's photos (the folder's photos, references included).
        public var photos: [String]
        /// Checked reference photos from `KEY/references/` (empty when the folder is absent).
        public var references: [String]
    }

    public var root: String
    public var entries: [Entry]

    public var photoCount: Int { entries.reduce(0) { $0 + $1.photos.count } }

    public static let columns = ["key", "name", "city", "country", "region", "lat", "lon"]

    /// Reads the dataset; a missing or malformed `landmarks.tsv` is refused with the line at fault.
    public init(root: String) throws(LandmarkBuildError) {
        self.root = root
        let tsv = (root as NSString).appendingPathComponent("landmarks.tsv")
        guard let text = try? String(contentsOfFile: tsv, encoding: .utf8) else {
            throw LandmarkBuildError("\(tsv): cannot read the landmark list (a dataset needs landmarks.tsv with columns \(Self.columns.joined(separator: ", ")))")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .init(charactersIn: "\r")) }
        while lines.last == "" { lines.removeLast() }
        guard let header = lines.first?.split(separator: "\t").map(String.init), header == Self.columns else {
            throw LandmarkBuildError("\(tsv):1: the header must be \(Self.columns.joined(separator: "<TAB>"))")
        }
        var entries: [Entry] = []
        for (number, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == Self.columns.count else {
                throw LandmarkBuildError("\(tsv):\(number + 1): expected \(Self.columns.count) tab-separated fields, found \(fields.count)")
            }
            guard let lat = Double(fields[5]), (-90...90).contains(lat), let lon = Double(fields[6]), (-180...180).contains(lon) else {
                throw LandmarkBuildError("\(tsv):\(number + 1): coordinates '\(fields[5])', '\(fields[6])' are not a valid latitude and longitude")
            }
            let key = fields[0]
            guard !key.isEmpty, !key.contains("/"), !entries.contains(where: { $0.key == key }) else {
                throw LandmarkBuildError("\(tsv):\(number + 1): key '\(key)' is empty, contains '/', or is repeated")
            }
            let folder = (root as NSString).appendingPathComponent(key)
            let photos = Self.photos(in: folder)
            let references = Self.photos(in: (folder as NSString).appendingPathComponent("references"))
            entries.append(Entry(
                key: key, name: fields[1], city: fields[2], country: fields[3], region: fields[4], latitude: lat,
                longitude: lon, photos: photos + references, references: references))
        }
        guard !entries.isEmpty else { throw LandmarkBuildError("\(tsv): lists no landmarks") }
        self.entries = entries
    }

    /// The photo files directly inside `folder`, sorted by name (empty if the folder does not exist).
    public static func photos(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { PhotoFiles.isPhoto(name: $0) }.sorted().map { (folder as NSString).appendingPathComponent($0) }
    }

    /// Every photo file below `folder` (for the negatives), sorted by path.
    public static func photos(below folder: String) throws(LandmarkBuildError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LandmarkBuildError("\(folder): not a folder of photos")
        }
        let files = PhotoFiles.walk(root: folder) { _, _ in }
        return files.map(\.path).sorted()
    }
}

/// Why a landmark build, evaluation or recognition could not go on.
public struct LandmarkBuildError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
