import CXMP
import Foundation

/// Merging Cairn's content into a sidecar's bytes through libxml2 (`CXMP`): everything Cairn wrote before is removed
/// (its `Cairn|…` and `Cairn/…` keywords, the dc:subject words it added, the LocationShown entry it marked, an
/// inferred position it marked, its own namespace), then the new content added; everyone else's metadata is kept.
public enum XMPSidecar {
    public enum Merged: Sendable, Equatable {
        /// The sidecar's new bytes.
        case document(Data)
        /// Nothing but Cairn's was in it, and nothing of Cairn's is left: the file can go.
        case empty
    }

    /// The namespace of Cairn's own properties (prefix `cairn`).
    public static let namespace = String(cString: cairn_xmp_namespace)

    /// Merges `content` (nil: only remove Cairn's part) into `existing` (nil: a new sidecar).
    public static func merge(
        _ content: SidecarContent?, into existing: Data?, writtenAt: Date = Date()
    ) throws(SidecarError) -> Merged {
        var out: UnsafeMutablePointer<CChar>?
        var outLength = 0
        var message = [CChar](repeating: 0, count: 256)
        let status: cairn_xmp_status = withContent(content, writtenAt: writtenAt) { pointer in
            (existing ?? Data()).withUnsafeBytes { bytes in
                cairn_xmp_update(
                    bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, pointer, &out, &outLength,
                    &message, message.count)
            }
        }
        switch status {
        case CAIRN_XMP_OK:
            defer { cairn_xmp_free(out) }
            return .document(Data(bytes: out!, count: outLength))
        case CAIRN_XMP_EMPTY:
            return .empty
        case CAIRN_XMP_UNPARSABLE:
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw SidecarError(.unparsable, reason: "not a readable XMP sidecar (\(reason)); left as it is")
        default:
            throw SidecarError(.io, reason: "out of memory merging the sidecar")
        }
    }

    /// The fingerprint of the content Cairn last wrote into a sidecar's bytes; nil when Cairn wrote nothing there.
    public static func fingerprint(in existing: Data) throws(SidecarError) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let found = existing.withUnsafeBytes { bytes in
            cairn_xmp_fingerprint(
                bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, &buffer, buffer.count)
        }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch found {
        case 1: return text
        case 0: return nil
        default: throw SidecarError(.unparsable, reason: "not a readable XMP sidecar (\(text))")
        }
    }

    /// Calls `body` with the C view of `content` (nil for nil), every string alive for the call.
    private static func withContent<R>(
        _ content: SidecarContent?, writtenAt: Date, _ body: (UnsafePointer<cairn_xmp_content>?) -> R
    ) -> R {
        guard let content else { return body(nil) }
        var strings = CStrings()
        defer { strings.free() }
        let hierarchical: [UnsafePointer<CChar>?] = content.hierarchicalKeywords.map { UnsafePointer(strings.add($0)) }
        let tagsList: [UnsafePointer<CChar>?] = content.tagsList.map { UnsafePointer(strings.add($0)) }
        let subjects: [UnsafePointer<CChar>?] = content.subjects.map { UnsafePointer(strings.add($0)) }
        let tags = content.tags.map { tag in
            cairn_xmp_tag(
                kind: UnsafePointer(strings.add(tag.kind)), label: UnsafePointer(strings.add(tag.label)),
                score: tag.score, recognizer: UnsafePointer(strings.add(tag.recognizer)),
                version: UnsafePointer(strings.add(tag.version)),
                evidence: tag.evidence.map { UnsafePointer(strings.add($0)) })
        }
        let place = content.place
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        return hierarchical.withUnsafeBufferPointer { h in
            tagsList.withUnsafeBufferPointer { t in
                subjects.withUnsafeBufferPointer { s in
                    tags.withUnsafeBufferPointer { tagBuffer in
                        var c = cairn_xmp_content()
                        c.hierarchical = h.baseAddress
                        c.hierarchical_count = h.count
                        c.tags_list = t.baseAddress
                        c.tags_list_count = t.count
                        c.subjects = s.baseAddress
                        c.subject_count = s.count
                        c.location_name = content.landmark.map { UnsafePointer(strings.add($0)) }
                        c.city = place?.city.map { UnsafePointer(strings.add($0)) }
                        c.province = place?.region.map { UnsafePointer(strings.add($0)) }
                        c.country = place?.country.map { UnsafePointer(strings.add($0)) }
                        c.country_code = place?.countryCode.map { UnsafePointer(strings.add($0)) }
                        if let position = content.landmarkPosition {
                            c.location_has_gps = 1
                            c.location_latitude = position.latitude
                            c.location_longitude = position.longitude
                        }
                        if let position = content.inferredPosition {
                            c.inferred_gps = 1
                            c.inferred_latitude = position.latitude
                            c.inferred_longitude = position.longitude
                            c.inferred_from = UnsafePointer(strings.add("landmark"))
                        }
                        c.tags = tagBuffer.baseAddress
                        c.tag_count = tagBuffer.count
                        c.fingerprint = UnsafePointer(strings.add(content.fingerprint))
                        c.written_at = UnsafePointer(strings.add(iso.string(from: writtenAt)))
                        return withUnsafePointer(to: &c) { body($0) }
                    }
                }
            }
        }
    }
}

/// C strings that live until `free()`.
private struct CStrings {
    var pointers: [UnsafeMutablePointer<CChar>] = []

    mutating func add(_ string: String) -> UnsafeMutablePointer<CChar> {
        let pointer = strdup(string)!
        pointers.append(pointer)
        return pointer
    }

    func free() {
        for pointer in pointers { Foundation.free(pointer) }
    }
}
