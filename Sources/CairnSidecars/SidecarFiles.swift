import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where a photo's sidecar lives.
public enum SidecarPlacement: Sendable, Equatable {
    /// `PHOTO.EXT.xmp` next to the photo: the name Immich, darktable and digiKam look for.
    case beside
    /// A mirror of the photo's absolute path under a folder of Cairn's own: `FOLDER/srv/photos/a.jpg.xmp`.
    case tree(folder: String)

    public func path(forPhoto photo: String) -> String {
        switch self {
        case .beside:
            return photo + ".xmp"
        case .tree(let folder):
            let relative = photo.hasPrefix("/") ? String(photo.dropFirst()) : photo
            return (folder.hasSuffix("/") ? folder : folder + "/") + relative + ".xmp"
        }
    }

    /// How the catalog records the placement a sidecar was written with.
    public var name: String {
        switch self {
        case .beside: return "beside"
        case .tree(let folder): return "tree:" + folder
        }
    }

    public var createsFolders: Bool {
        if case .tree = self { return true }
        return false
    }
}

/// Reading, merging and replacing sidecar files. A write reads the sidecar, merges Cairn's content into it, writes a
/// hidden temporary file in the same folder and renames it over the sidecar, unless the sidecar changed meanwhile
/// (another program writing it: its inode, size or modification time differ from what was read), in which case
/// nothing is replaced and `changedWhileWriting` is thrown. A new sidecar is as readable as its photo, and writable by
/// its owner.
public enum SidecarFiles {
    public enum WriteResult: Sendable, Equatable {
        case written
        /// The sidecar already held exactly this content (its fingerprint): not touched.
        case unchanged
    }

    public enum StripResult: Sendable, Equatable {
        /// No sidecar there.
        case absent
        /// It held only Cairn's: deleted.
        case deleted
        /// Cairn's part removed, everyone else's kept.
        case stripped
        /// Cairn had written nothing there: not touched.
        case untouched
    }

    /// Sidecars above this size are not read (a sidecar is a few KB; darktable's with a long history, a few hundred).
    static let largest = 16 << 20

    /// Merges `content` into the sidecar at `path` (creating it, and in tree mode its folders).
    @discardableResult
    public static func write(
        _ content: SidecarContent, to path: String, photo: String, createFolders: Bool, now: Date = Date()
    ) throws(SidecarError) -> WriteResult {
        if createFolders { try makeFolders(for: path) }
        let existing = try read(path)
        if let existing, try XMPSidecar.fingerprint(in: existing.data) == content.fingerprint { return .unchanged }
        guard case .document(let data) = try XMPSidecar.merge(content, into: existing?.data, writtenAt: now) else {
            throw SidecarError(.io, path: path, reason: "merging produced no document")
        }
        let mode = existing?.mode ?? (fileMode(photo).map { $0 & 0o666 | 0o200 } ?? 0o644)
        try replace(path, with: data, mode: mode, expecting: existing)
        return .written
    }

    /// Removes Cairn's part of the sidecar at `path`, deleting the file when nothing else was in it.
    @discardableResult
    public static func strip(_ path: String) throws(SidecarError) -> StripResult {
        guard let existing = try read(path) else { return .absent }
        guard try XMPSidecar.fingerprint(in: existing.data) != nil else { return .untouched }
        switch try XMPSidecar.merge(nil, into: existing.data) {
        case .empty:
            guard unlink(path) == 0 || errno == ENOENT else { throw failure(path, "cannot delete", errno) }
            return .deleted
        case .document(let data):
            try replace(path, with: data, mode: existing.mode, expecting: existing)
            return .stripped
        }
    }

    /// Moves a sidecar to where its photo went, unless something is there already. Returns whether it moved.
    public static func move(from source: String, to target: String, createFolders: Bool) throws(SidecarError) -> Bool {
        var info = stat()
        guard lstat(source, &info) == 0, lstat(target, &info) != 0 else { return false }
        if createFolders { try makeFolders(for: target) }
        // link + unlink rather than rename: never replaces a sidecar another program created at the target meanwhile.
        if link(source, target) != 0 {
            if errno == EEXIST { return false }
            guard errno == EXDEV || errno == EPERM else { throw failure(target, "cannot move the sidecar here", errno) }
            guard rename(source, target) == 0 else { throw failure(target, "cannot move the sidecar here", errno) }
            return true
        }
        unlink(source)
        return true
    }

    /// The fingerprint of what Cairn last wrote in the sidecar at `path`: nil when there is no sidecar or Cairn wrote
    /// nothing in it.
    public static func fingerprint(at path: String) throws(SidecarError) -> String? {
        guard let existing = try read(path) else { return nil }
        return try XMPSidecar.fingerprint(in: existing.data)
    }

    // MARK: Files

    struct Existing {
        var data: Data
        var mode: mode_t
        var inode: ino_t
        var size: off_t
        var modified: timespec
    }

    static func read(_ path: String) throws(SidecarError) -> Existing? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw failure(path, "cannot read the sidecar", errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(path, "cannot read the sidecar", errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw SidecarError(.unparsable, path: path, reason: "not a regular file; left as it is")
        }
        guard info.st_size <= largest else {
            throw SidecarError(.unparsable, path: path, reason: "\(info.st_size) bytes: too large for a sidecar")
        }
        var data = Data(count: Int(info.st_size))
        var done = 0
        while done < data.count {
            let n = data.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            done += n
        }
        data.count = done
        return Existing(
            data: data, mode: info.st_mode & 0o7777, inode: info.st_ino, size: info.st_size,
            modified: info.st_mtim)
    }

    /// Writes `data` to a temporary file beside `path` and renames it over `path`, unless `path` is no longer the
    /// file `expecting` describes (nil: no file there).
    static func replace(_ path: String, with data: Data, mode: mode_t, expecting: Existing?) throws(SidecarError) {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary =
            (folder.isEmpty ? "" : folder + "/") + ".\(name).cairn-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw failure(path, "cannot write a sidecar in this folder", errno) }
        var written = 0
        var writeError: Int32 = 0
        while written < data.count {
            let n = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                writeError = errno
                break
            }
            written += n
        }
        // The sidecar someone else wrote is replaced only once the new one is on disk.
        if writeError == 0 && fchmod(fd, mode) != 0 { writeError = errno }
        if writeError == 0 && expecting != nil && fsync(fd) != 0 { writeError = errno }
        close(fd)
        guard writeError == 0 else {
            unlink(temporary)
            throw failure(path, "cannot write the sidecar", writeError)
        }
        // Changed since it was read (or created meanwhile): leave the other program's file alone.
        var now = stat()
        let exists = lstat(path, &now) == 0
        let changed: Bool
        if let expecting {
            changed =
                !exists || now.st_ino != expecting.inode || now.st_size != expecting.size
                || now.st_mtim.tv_sec != expecting.modified.tv_sec || now.st_mtim.tv_nsec != expecting.modified.tv_nsec
        } else {
            changed = exists
        }
        if changed {
            unlink(temporary)
            throw SidecarError(
                .changedWhileWriting, path: path, reason: "another program changed the sidecar meanwhile; not replaced")
        }
        guard rename(temporary, path) == 0 else {
            let error = errno
            unlink(temporary)
            throw failure(path, "cannot replace the sidecar", error)
        }
    }

    static func makeFolders(for path: String) throws(SidecarError) {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw SidecarError(.notWritable, path: folder, reason: "cannot create the sidecar folder (\(error))")
        }
    }

    static func fileMode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    static func failure(_ path: String, _ what: String, _ error: Int32) -> SidecarError {
        let reason = String(cString: strerror(error))
        switch error {
        case EROFS, EACCES, EPERM:
            return SidecarError(
                .notWritable, path: path,
                reason: "\(what): \(reason) (a read-only folder: use sidecars.mode: tree, or let cairnd write here)")
        default:
            return SidecarError(.io, path: path, reason: "\(what): \(reason)")
        }
    }
}
