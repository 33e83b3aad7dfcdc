/// A stable 64-bit content fingerprint (FNV-1a over 8-byte words plus the length), used to recognise a file
/// that was renamed or moved while the daemon was stopped. Not a cryptographic hash.
public enum ContentHash {
    public static func of(_ bytes: UnsafeRawBufferPointer) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01B3
        let words = bytes.count / 8
        for i in 0..<words {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* prime
        }
        for i in (words * 8)..<bytes.count {
            hash = (hash ^ UInt64(bytes[i])) &* prime
        }
        hash = (hash ^ UInt64(bytes.count)) &* prime
        let hex = String(hash, radix: 16)
        return "fnv64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
