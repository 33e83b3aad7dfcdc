/// Which file names are photos: shared by the folder walks (CairnIndexing) and the inotify watcher (CairnDaemon),
/// which needs nothing else of indexing.
public enum PhotoNames {
    /// Extensions Cairn catalogs (lower-cased): the formats it decodes (JPEG, HEIC/HEIF, AVIF, PNG, WebP, TIFF,
    /// JPEG XL, camera raw by its preview) and other photo formats, which are recorded as unsupported rather than
    /// ignored.
    public static let extensions: Set<String> = [
        "jpg", "jpeg", "jpe", "jfif", "mpo", "heic", "heif", "hif", "avif",
        "png", "tif", "tiff", "webp", "gif", "bmp", "jxl", "jp2", "psd",
        "dng", "cr2", "cr3", "crw", "nef", "nrw", "arw", "srf", "sr2", "orf", "rw2", "raf", "pef", "srw", "x3f", "3fr",
        "raw", "rwl", "iiq", "mrw", "erf", "kdc", "dcr", "mos", "mef",
    ]

    /// Camera raw extensions: a raw file and a JPEG of the same stem in one folder are one photo taken as both.
    public static let rawExtensions: Set<String> = [
        "dng", "cr2", "cr3", "crw", "nef", "nrw", "arw", "srf", "sr2", "orf", "rw2", "raf", "pef", "srw", "x3f", "3fr",
        "raw", "rwl", "iiq", "mrw", "erf", "kdc", "dcr", "mos", "mef",
    ]

    /// Whether `name` is a photo worth cataloguing: a known extension, not hidden, not a partial or temporary file
    /// (`.*`, `~*`, `*~`, `*.part`, `*.tmp`, `*.crdownload`, rsync's `.name.XXXXXX` — all caught by these rules).
    public static func isPhoto(name: String) -> Bool {
        if name.hasPrefix(".") || name.hasPrefix("~") || name.hasSuffix("~") { return false }
        guard let dot = name.lastIndex(of: ".") else { return false }
        return extensions.contains(name[name.index(after: dot)...].lowercased())
    }
}
