/// Just enough TIFF reading to ask whether IFD0 points to a GPS directory, so a damaged block is blamed for a
/// missing location only when the file had one.
enum TIFFDirectory {
    static func hasGPSPointer(_ tiff: UnsafeRawBufferPointer) -> Bool {
        guard tiff.count >= 8 else { return false }
        let little = tiff[0] == 0x49
        func u16(_ o: Int) -> Int {
            little ? Int(tiff[o]) | Int(tiff[o + 1]) << 8 : Int(tiff[o]) << 8 | Int(tiff[o + 1])
        }
        func u32(_ o: Int) -> Int { little ? u16(o) | u16(o + 2) << 16 : u16(o) << 16 | u16(o + 2) }
        let ifd = u32(4)
        guard ifd + 2 <= tiff.count else { return false }
        let count = u16(ifd)
        for i in 0..<count {
            let entry = ifd + 2 + 12 * i
            guard entry + 12 <= tiff.count else { return false }
            if u16(entry) == 0x8825 { return true }
        }
        return false
    }
}

extension TIFFDirectory {
    /// libexif reads at most 64 KiB of EXIF (the size limit of a JPEG APP1). In TIFF and DNG files the
    /// directories often sit megabytes in, after the image data. This copies IFD0 and its EXIF, GPS and
    /// interoperability directories, with their values, into a small TIFF with rewritten offsets, so libexif
    /// still does the reading. Values over 16 KiB (strip tables, ICC profiles, XMP) are left out.
    static func compacted(_ tiff: UnsafeRawBufferPointer) -> [UInt8]? {
        guard tiff.count >= 8 else { return nil }
        var compactor = Compactor(source: tiff, little: tiff[0] == 0x49)
        let root = compactor.u32(4)
        compactor.output = Array(tiff[0..<4]) + [0, 0, 0, 0]
        guard let ifd0 = compactor.copyDirectory(at: root, depth: 0) else { return nil }
        compactor.put32(ifd0, at: 4)
        return compactor.output
    }

    private struct Compactor {
        let source: UnsafeRawBufferPointer
        let little: Bool
        var output: [UInt8] = []
        private static let subdirectoryTags: Set<Int> = [0x8769, 0x8825, 0xA005]
        private static let typeSizes: [Int: Int] = [1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4]

        init(source: UnsafeRawBufferPointer, little: Bool) {
            self.source = source
            self.little = little
        }

        func u16(_ o: Int) -> Int {
            little ? Int(source[o]) | Int(source[o + 1]) << 8 : Int(source[o]) << 8 | Int(source[o + 1])
        }

        func u32(_ o: Int) -> Int { little ? u16(o) | u16(o + 2) << 16 : u16(o) << 16 | u16(o + 2) }

        mutating func put16(_ value: Int, at o: Int) {
            let bytes = [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)]
            output[o] = little ? bytes[0] : bytes[1]
            output[o + 1] = little ? bytes[1] : bytes[0]
        }

        mutating func put32(_ value: Int, at o: Int) {
            if little {
                put16(value & 0xFFFF, at: o)
                put16(value >> 16 & 0xFFFF, at: o + 2)
            } else {
                put16(value >> 16 & 0xFFFF, at: o)
                put16(value & 0xFFFF, at: o + 2)
            }
        }

        /// Copies the directory at `offset` (and its subdirectories) and returns its offset in the output.
        mutating func copyDirectory(at offset: Int, depth: Int) -> Int? {
            guard depth < 3, offset >= 8, offset + 2 <= source.count else { return nil }
            let count = u16(offset)
            guard count > 0, count < 1000, offset + 2 + 12 * count <= source.count else { return nil }
            var entries: [(tag: Int, type: Int, count: Int, raw: Int)] = []
            for i in 0..<count {
                let at = offset + 2 + 12 * i
                entries.append((u16(at), u16(at + 2), u32(at + 4), at + 8))
            }
            entries = entries.filter { entry in
                guard let size = Self.typeSizes[entry.type] else { return false }
                let length = size * entry.count
                return length <= 16_384 && (length <= 4 || u32(entry.raw) + length <= source.count)
            }
            let start = output.count
            output += [UInt8](repeating: 0, count: 2 + 12 * entries.count + 4)
            put16(entries.count, at: start)
            for (i, entry) in entries.enumerated() {
                let at = start + 2 + 12 * i
                put16(entry.tag, at: at)
                put16(entry.type == 13 ? 4 : entry.type, at: at + 2)  // IFD-typed pointers become LONG
                put32(entry.count, at: at + 4)
                let length = Self.typeSizes[entry.type]! * entry.count
                if Self.subdirectoryTags.contains(entry.tag) {
                    put32(copyDirectory(at: u32(entry.raw), depth: depth + 1) ?? 0, at: at + 8)
                } else if length <= 4 {
                    for k in 0..<4 { output[at + 8 + k] = source[entry.raw + k] }
                } else {
                    let data = output.count
                    let from = u32(entry.raw)
                    output += source[from..<(from + length)]
                    if output.count % 2 == 1 { output.append(0) }
                    put32(data, at: at + 8)
                }
            }
            return start
        }
    }
}
