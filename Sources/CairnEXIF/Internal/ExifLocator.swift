/// Finds the EXIF (TIFF) block inside the containers photos come in, so libexif sees the same bytes whatever
/// the format: JPEG and Exiv2 `.exv` APP1 segments, TIFF and DNG files, HEIC/HEIF/AVIF `Exif` items, PNG `eXIf`
/// chunks and WebP `EXIF` chunks.
enum ExifLocator {
    /// Where the EXIF of a file was found.
    struct Found {
        /// The TIFF header ("II*\0" or "MM\0*") and everything after it.
        var tiff: UnsafeRawBufferPointer
    }

    static func find(in bytes: UnsafeRawBufferPointer) -> Found? {
        guard bytes.count >= 12 else { return nil }
        switch PhotoFormat.sniff(bytes) {
        case .jpeg: return jpegAPP1(bytes, from: 2)
        case .exv: return jpegAPP1(bytes, from: 7)
        case .tiff: return Found(tiff: bytes)
        case .heif, .avif: return isobmffExifItem(bytes)
        case .png: return pngChunk(bytes)
        case .webp: return webpChunk(bytes)
        case nil: return nil
        }
    }

    // MARK: JPEG

    /// Walks JPEG markers from `start` to the first APP1 that begins with "Exif\0\0". libexif alone stops at the
    /// first APP1, which in many files is XMP.
    static func jpegAPP1(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Found? {
        var offset = start
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { return nil }
            let marker = bytes[offset + 1]
            if marker == 0xFF {  // fill byte
                offset += 1
                continue
            }
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 {  // markers without a length
                offset += 2
                continue
            }
            if marker == 0xDA || marker == 0xD9 { return nil }  // image data: no EXIF comes after it
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { return nil }
            let payload = offset + 4
            if marker == 0xE1, length >= 8, hasExifHeader(bytes, at: payload) {
                return Found(tiff: slice(bytes, payload + 6, offset + 2 + length))
            }
            offset += 2 + length
        }
        return nil
    }

    /// Where a JPEG's image data starts (its start-of-scan marker): metadata segments all come before it.
    static func jpegHeaderEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var offset = 2
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { return offset }
            let marker = bytes[offset + 1]
            if marker == 0xFF || marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 {
                offset += marker == 0xFF ? 1 : 2
                continue
            }
            if marker == 0xDA || marker == 0xD9 { return offset }
            offset += 2 + (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]))
        }
        return min(offset, bytes.count)
    }

    // MARK: HEIF / AVIF (ISO base media file format)

    /// The `Exif` item of the primary `meta` box: `iinf` names the item, `iloc` says where its bytes are.
    static func isobmffExifItem(_ bytes: UnsafeRawBufferPointer) -> Found? {
        guard let meta = boxes(in: bytes, 0, bytes.count).first(where: { $0.type == "meta" }) else { return nil }
        // `meta` is a full box: 4 bytes of version and flags before its children.
        let children = boxes(in: bytes, meta.body + 4, meta.end)
        guard let iinf = children.first(where: { $0.type == "iinf" }),
            let iloc = children.first(where: { $0.type == "iloc" }),
            let itemID = exifItemID(bytes, iinf),
            let (offset, length) = itemLocation(bytes, iloc, itemID: itemID),
            offset + length <= bytes.count, length > 4
        else { return nil }
        // The item starts with a 4-byte offset to the TIFF header (usually past "Exif\0\0").
        let skip = Int(be32(bytes, offset))
        let tiffStart = offset + 4 + skip
        guard tiffStart < offset + length else { return nil }
        return Found(tiff: slice(bytes, tiffStart, offset + length))
    }

    struct Box {
        var type: String
        var body: Int
        var end: Int
    }

    static func boxes(in bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> [Box] {
        var result: [Box] = []
        var offset = start
        while offset + 8 <= end {
            var size = Int(be32(bytes, offset))
            var header = 8
            if size == 1 {
                guard offset + 16 <= end else { break }
                size = Int(truncatingIfNeeded: UInt64(be32(bytes, offset + 8)) << 32 | UInt64(be32(bytes, offset + 12)))
                header = 16
            } else if size == 0 {
                size = end - offset
            }
            guard size >= header, offset + size <= end else { break }
            let type = String(decoding: slice(bytes, offset + 4, offset + 8), as: UTF8.self)
            result.append(Box(type: type, body: offset + header, end: offset + size))
            offset += size
        }
        return result
    }

    private static func exifItemID(_ bytes: UnsafeRawBufferPointer, _ iinf: Box) -> Int? {
        guard iinf.body + 4 <= iinf.end else { return nil }
        let version = bytes[iinf.body]
        let countSize = version == 0 ? 2 : 4
        let first = iinf.body + 4 + countSize
        for infe in boxes(in: bytes, first, iinf.end) where infe.type == "infe" {
            let infeVersion = bytes[infe.body]
            guard infeVersion >= 2 else { continue }
            let idSize = infeVersion == 2 ? 2 : 4
            let idAt = infe.body + 4
            let typeAt = idAt + idSize + 2  // item_ID, item_protection_index
            guard typeAt + 4 <= infe.end else { continue }
            let id = idSize == 2 ? Int(be16(bytes, idAt)) : Int(be32(bytes, idAt))
            if String(decoding: slice(bytes, typeAt, typeAt + 4), as: UTF8.self) == "Exif" { return id }
        }
        return nil
    }

    private static func itemLocation(_ bytes: UnsafeRawBufferPointer, _ iloc: Box, itemID: Int) -> (Int, Int)? {
        var at = iloc.body
        guard at + 8 <= iloc.end else { return nil }
        let version = bytes[at]
        at += 4
        let offsetSize = Int(bytes[at] >> 4), lengthSize = Int(bytes[at] & 0x0F)
        let baseOffsetSize = Int(bytes[at + 1] >> 4)
        let indexSize = version == 1 || version == 2 ? Int(bytes[at + 1] & 0x0F) : 0
        at += 2
        let count: Int
        if version < 2 {
            count = Int(be16(bytes, at))
            at += 2
        } else {
            count = Int(be32(bytes, at))
            at += 4
        }
        func read(_ size: Int) -> Int? {
            guard at + size <= iloc.end else { return nil }
            var value = 0
            for i in 0..<size { value = value << 8 | Int(bytes[at + i]) }
            at += size
            return value
        }
        for _ in 0..<count {
            guard let id = read(version < 2 ? 2 : 4) else { return nil }
            if version == 1 || version == 2 { guard read(2) != nil else { return nil } }  // construction method
            guard read(2) != nil, let base = read(baseOffsetSize), let extents = read(2) else { return nil }
            var first: (Int, Int)?
            for _ in 0..<extents {
                if indexSize > 0 { guard read(indexSize) != nil else { return nil } }
                guard let offset = read(offsetSize), let length = read(lengthSize) else { return nil }
                if first == nil { first = (base + offset, length) }
            }
            if id == itemID { return first }
        }
        return nil
    }

    // MARK: PNG and WebP

    static func pngChunk(_ bytes: UnsafeRawBufferPointer) -> Found? {
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(be32(bytes, offset))
            let type = String(decoding: slice(bytes, offset + 4, offset + 8), as: UTF8.self)
            guard offset + 12 + length <= bytes.count else { return nil }
            if type == "eXIf" { return tiffOrExif(slice(bytes, offset + 8, offset + 8 + length)) }
            if type == "IEND" { return nil }
            offset += 12 + length
        }
        return nil
    }

    static func webpChunk(_ bytes: UnsafeRawBufferPointer) -> Found? {
        var offset = 12
        while offset + 8 <= bytes.count {
            let length = Int(le32(bytes, offset + 4))
            let type = String(decoding: slice(bytes, offset, offset + 4), as: UTF8.self)
            guard offset + 8 + length <= bytes.count else { return nil }
            if type == "EXIF" { return tiffOrExif(slice(bytes, offset + 8, offset + 8 + length)) }
            offset += 8 + length + (length & 1)
        }
        return nil
    }

    /// A chunk holding TIFF data, with or without a leading "Exif\0\0".
    private static func tiffOrExif(_ chunk: UnsafeRawBufferPointer) -> Found? {
        if chunk.count > 6 && hasExifHeader(chunk, at: 0) { return Found(tiff: slice(chunk, 6, chunk.count)) }
        return chunk.count > 8 ? Found(tiff: chunk) : nil
    }

    // MARK: Bytes

    static func hasExifHeader(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        offset + 6 <= bytes.count && bytes[offset] == 0x45 && bytes[offset + 1] == 0x78 && bytes[offset + 2] == 0x69
            && bytes[offset + 3] == 0x66 && bytes[offset + 4] == 0 && bytes[offset + 5] == 0
    }

    static func slice(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[max(0, start)..<min(max(start, end), bytes.count)])
    }

    static func be16(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt16 { UInt16(b[o]) << 8 | UInt16(b[o + 1]) }

    static func be32(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt32 {
        UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
    }

    static func le32(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }
}
