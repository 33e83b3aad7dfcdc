import CairnInference

/// A stable 64-bit content fingerprint (FNV-1a over 8-byte words plus the length), used to recognise a file
/// that was renamed or moved while the daemon was stopped. Not a cryptographic hash.
public enum ContentHash {
    public static func of(_ bytes: UnsafeRawBufferPointer) -> String {
        "fnv64:" + Fingerprint.hex(bytes)
    }
}
