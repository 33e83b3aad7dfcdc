import CairnRecognition

/// Everything `cairnd` and `cairn` can be configured with. The YAML file is only an adapter that fills
/// these structs; every field has a default, so an empty file (or none) is a valid configuration.
public struct CairnConfiguration: Sendable, Equatable {
    /// Folders the daemon watches for photos.
    public var watch: WatchConfiguration
    /// Where the SQLite catalog lives.
    public var catalog: CatalogConfiguration
    /// How much the daemon logs.
    public var log: LogConfiguration
    /// Offline reverse geocoding.
    public var places: PlacesConfiguration
    /// Recognition worker threads and CPU priority.
    public var workers: WorkersConfiguration
    /// Recognizer plugins (built-in and external), in the order they run. Empty by default: the loader fills in
    /// the built-in ones it was given (`ConfigurationLoader(recognizers:)`).
    public var recognizers: [RecognizerConfiguration]
    /// The backbone CNN every photo goes through once for the recognizers.
    public var backbone: BackboneConfiguration
    /// XMP sidecars with Cairn's tags, for the photo managers that read them.
    public var sidecars: SidecarsConfiguration
    /// Discovering the library's own landmarks (`cairn landmarks discover`, and cairnd in the background).
    public var discovery: DiscoveryConfiguration

    public init(
        watch: WatchConfiguration = .init(),
        catalog: CatalogConfiguration = .init(),
        log: LogConfiguration = .init(),
        places: PlacesConfiguration = .init(),
        workers: WorkersConfiguration = .init(),
        recognizers: [RecognizerConfiguration] = [],
        backbone: BackboneConfiguration = .init(),
        sidecars: SidecarsConfiguration = .init(),
        discovery: DiscoveryConfiguration = .init()
    ) {
        self.backbone = backbone
        self.discovery = discovery
        self.sidecars = sidecars
        self.watch = watch
        self.catalog = catalog
        self.log = log
        self.places = places
        self.workers = workers
        self.recognizers = recognizers
    }
}

public struct WatchConfiguration: Sendable, Equatable {
    /// Absolute or config-relative folders; each is watched recursively.
    public var folders: [String]
    /// Largest image, in pixels, that Cairn will decode; bigger files are recorded as refused.
    public var maxPixels: Int
    /// Most memory, in MB, one decode that holds the whole image may take (a HEIF/AVIF without a large enough
    /// thumbnail, a PNG, TIFF or JPEG XL; JPEG and raw previews decode scaled); photos over it are recorded as
    /// refused with the estimate. Keeps cairnd under 300 MB with two workers at the default, 160.
    public var maxDecodeMB: Int
    /// Minutes between rescans of folders inotify cannot watch (the kernel's watch budget is spent) and checks
    /// for watched folders that went away.
    public var rescanMinutes: Int
    /// At most this many inotify watches (one per folder); 0 means as many as the kernel allows. Leaves watch
    /// budget to other programs; folders beyond it are rescanned every `rescanMinutes`.
    public var maxWatches: Int
    /// A camera raw file and a JPEG or HEIF of the same stem in one folder are one photo (RAW+JPEG): recognised
    /// once, both tagged, counted once in albums.
    public var pairRawWithJPEG: Bool

    public init(
        folders: [String] = [], maxPixels: Int = 200_000_000, maxDecodeMB: Int = 160, rescanMinutes: Int = 10,
        maxWatches: Int = 0, pairRawWithJPEG: Bool = true
    ) {
        self.folders = folders
        self.maxPixels = maxPixels
        self.maxDecodeMB = maxDecodeMB
        self.rescanMinutes = rescanMinutes
        self.maxWatches = maxWatches
        self.pairRawWithJPEG = pairRawWithJPEG
    }
}

public struct CatalogConfiguration: Sendable, Equatable {
    /// Path of the SQLite catalog file.
    public var path: String
    /// Days a photo that disappeared from disk stays in the catalog (with its tags) before it is purged.
    public var purgeRemovedAfterDays: Int

    public init(path: String = "cairn.sqlite", purgeRemovedAfterDays: Int = 30) {
        self.path = path
        self.purgeRemovedAfterDays = purgeRemovedAfterDays
    }
}

public struct LogConfiguration: Sendable, Equatable {
    public enum Level: String, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    public var level: Level

    public init(level: Level = .info) {
        self.level = level
    }
}

public struct PlacesConfiguration: Sendable, Equatable {
    /// Which cities name places.
    public enum Gazetteer: String, Sendable, Equatable, CaseIterable {
        /// Debian's built-in GeoNames cities of 15,000+ people.
        case libgeonames
        /// The GeoNames dump last loaded into the catalog with `cairn places import`.
        case imported
    }

    public var gazetteer: Gazetteer
    /// A photo farther than this from every city gets a country-only place (or none).
    public var maxCityDistanceKm: Double

    public init(gazetteer: Gazetteer = .libgeonames, maxCityDistanceKm: Double = 30) {
        self.gazetteer = gazetteer
        self.maxCityDistanceKm = maxCityDistanceKm
    }
}

public struct BackboneConfiguration: Sendable, Equatable {
    /// How a photo becomes the square input of the network.
    public enum Framing: String, Sendable, Equatable, CaseIterable {
        case centerCrop = "center-crop"
        case squash
    }

    /// How a large 4:2:0 JPEG decoded at 1/8 scale gets its colour.
    public enum JPEGChroma: String, Sendable, Equatable, CaseIterable {
        case fast
        case exact
    }

    /// The converted EfficientNet-Lite0 weights (scripts/fetch-model.sh writes models/efficientnet-lite0.safetensors).
    public var model: String
    /// How a photo becomes the square input: `center-crop` (measured best: ImageNet top-1 84.5% against 81.8% for
    /// `squash` on the 477 shared ImageNet photos) or `squash` (the whole photo).
    public var framing: Framing
    /// The chroma of a large 4:2:0 JPEG decoded at 1/8 scale: `fast` (each 16×16 block's average colour, from its
    /// DC coefficient: decode about a fifth faster on 12 MP phone photos; top-1 scene class unchanged on 98% of
    /// them, landmark tags on 99%) or `exact` (libjpeg's pixels). Smaller photos and other formats are unaffected.
    public var jpegChroma: JPEGChroma

    public init(
        model: String = "models/efficientnet-lite0.safetensors", framing: Framing = .centerCrop,
        jpegChroma: JPEGChroma = .fast
    ) {
        self.model = model
        self.framing = framing
        self.jpegChroma = jpegChroma
    }
}

/// XMP sidecars: Cairn's places, landmarks and tags where Immich, PhotoPrism, digiKam and darktable read them.
public struct SidecarsConfiguration: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        /// No sidecars.
        case off
        /// `PHOTO.EXT.xmp` next to each photo, merged into one that exists (the unit then needs write access to
        /// the photo folders: docs/SIDECARS.md).
        case beside
        /// A mirror tree of sidecars under `folder`, for read-only libraries.
        case tree
    }

    public var mode: Mode
    /// The root of the mirror tree in `tree` mode (under the unit's state directory by default, which it may write).
    public var folder: String
    /// A photo placed only by its landmark gets the landmark's position as exif:GPSLatitude/GPSLongitude, marked
    /// inferred in Cairn's namespace (cairn:GPSInferredFrom). Off by default: a measured position and an inferred
    /// one look alike to most tools.
    public var writeInferredGPS: Bool

    public init(mode: Mode = .off, folder: String = "/var/lib/cairn/sidecars", writeInferredGPS: Bool = false) {
        self.mode = mode
        self.folder = folder
        self.writeInferredGPS = writeInferredGPS
    }
}

/// Discovery: places photographed on several days whose photos look alike (docs/DISCOVERY.md). The rules' defaults
/// were tuned on a simulated library's tuning half and measured on the other half.
public struct DiscoveryConfiguration: Sendable, Equatable {
    /// cairnd runs discovery by itself once this many photos with GPS were recognised since its last run
    /// (0: never; `cairn landmarks discover` still works).
    public var everyPhotos: Int
    /// Photos within this many metres of a place's centre belong to it.
    public var radiusMeters: Double
    /// A proposal needs this many photos, taken on this many different days.
    public var minimumPhotos: Int
    public var minimumDays: Int
    /// cairnd adopts, after a run of its own, every proposal of at least `autoAdoptMinimumPhotos` photos into the
    /// configured pack, named after its place in the gazetteer, and reloads (off by default).
    public var autoAdopt: Bool
    public var autoAdoptMinimumPhotos: Int

    public init(
        everyPhotos: Int = 500, radiusMeters: Double = 300, minimumPhotos: Int = 8, minimumDays: Int = 2,
        autoAdopt: Bool = false, autoAdoptMinimumPhotos: Int = 20
    ) {
        self.everyPhotos = everyPhotos
        self.radiusMeters = radiusMeters
        self.minimumPhotos = minimumPhotos
        self.minimumDays = minimumDays
        self.autoAdopt = autoAdopt
        self.autoAdoptMinimumPhotos = autoAdoptMinimumPhotos
    }
}

public struct WorkersConfiguration: Sendable, Equatable {
    /// Recognition threads; 0 means one per CPU core. Used by the recognition service.
    public var threads: Int
    /// nice(2) value for the daemon, 0 (normal) to 19 (lowest priority).
    public var niceness: Int

    public init(threads: Int = 0, niceness: Int = 10) {
        self.threads = threads
        self.niceness = niceness
    }
}

/// One recognizer plugin: whether it runs and its own settings. A built-in one is linked into `cairnd`; an external
/// one (`external` set) is a program the daemon runs and talks to over JSON lines (docs/PLUGINS.md).
public struct RecognizerConfiguration: Sendable, Equatable {
    public var id: String
    public var enabled: Bool
    /// Plugin-specific settings: checked against the schema for a built-in plugin; free text handed to an external
    /// plugin in its handshake.
    public var settings: [String: SettingValue]
    /// The program and its supervision limits; nil for a built-in plugin.
    public var external: ExternalPluginConfiguration?

    public init(
        id: String, enabled: Bool = true, settings: [String: SettingValue] = [:],
        external: ExternalPluginConfiguration? = nil
    ) {
        self.id = id
        self.enabled = enabled
        self.settings = settings
        self.external = external
    }

    /// Each built-in recognizer with its defaults, in the order given (the registry's).
    public static func defaults(_ schemas: [RecognizerSchema]) -> [RecognizerConfiguration] {
        schemas.map { RecognizerConfiguration(id: $0.id, enabled: true, settings: $0.defaults) }
    }
}

/// How to run an external recognizer plugin and when to give up on it.
public struct ExternalPluginConfiguration: Sendable, Equatable {
    /// The executable (absolute, or relative to the configuration file's folder).
    public var command: String
    /// Arguments passed to it.
    public var arguments: [String]
    /// Longest wait for the handshake or for one photo's answer; past it the plugin is killed and restarted.
    public var timeoutSeconds: Double
    /// Failures in a row (crash, timeout, malformed answer) after which the plugin is disabled until a reload.
    public var maxFailures: Int
    /// Longer side, in pixels, of the decoded image sent to a plugin that asks for one.
    public var imageSize: Int

    public init(
        command: String, arguments: [String] = [], timeoutSeconds: Double = 30, maxFailures: Int = 5,
        imageSize: Int = 256
    ) {
        self.command = command
        self.arguments = arguments
        self.timeoutSeconds = timeoutSeconds
        self.maxFailures = maxFailures
        self.imageSize = imageSize
    }
}
