import CairnCatalog
import CairnPhotoNames
import Foundation

/// Which files are photos, and walking folders for them.
public enum PhotoFiles {
    /// Extensions Cairn catalogs (lower-cased): `PhotoNames.extensions`.
    public static var extensions: Set<String> { PhotoNames.extensions }

    /// Whether `name` is a photo worth cataloguing: `PhotoNames.isPhoto`.
    public static func isPhoto(name: String) -> Bool { PhotoNames.isPhoto(name: name) }

    /// stat(2) of a regular file; nil when it is gone, unreadable or not a regular file.
    public static func identity(of path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return identity(of: path, info)
    }

    /// The identity in an already-made stat result; nil unless it describes a regular file.
    static func identity(of path: String, _ info: stat) -> FileIdentity? {
        guard (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let mtimeNs = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return FileIdentity(
            path: path, device: Int64(bitPattern: UInt64(info.st_dev)), inode: Int64(bitPattern: UInt64(info.st_ino)),
            size: Int64(info.st_size), mtimeNs: mtimeNs)
    }

    /// Every photo file below `root`, skipping hidden folders; `onError` hears of folders it could not read.
    public static func walk(root: String, onError: (String, String) -> Void) -> [FileIdentity] {
        var found: [FileIdentity] = []
        var pending = [root]
        while let folder = pending.popLast() {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: folder)
            } catch {
                onError(folder, error.localizedDescription)
                continue
            }
            for name in names.sorted() {
                let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                if (info.st_mode & S_IFMT) == S_IFDIR {
                    if !name.hasPrefix(".") { pending.append(path) }
                } else if isPhoto(name: name) {
                    // One lstat per entry; only a symbolic link needs a second stat to see its target.
                    let isLink = (info.st_mode & S_IFMT) == S_IFLNK
                    if let identity = isLink ? identity(of: path) : identity(of: path, info) { found.append(identity) }
                }
            }
        }
        return found
    }
}
