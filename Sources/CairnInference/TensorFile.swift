import Foundation

/// A safetensors file, memory-mapped: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the data. Only F32 tensors are read. Everything is checked when the file
/// opens, so a truncated or foreign file is refused with a clear message rather than read out of bounds.
public final class TensorFile: @unchecked Sendable {
    public struct Entry: Sendable {
        public var shape: [Int]
        var start: Int
        var count: Int
    }

    public let path: String
    public let entries: [String: Entry]
    /// The header's `__metadata__` strings (safetensors allows only string values there).
    public let metadata: [String: String]
    /// The file's size in bytes.
    public var byteCount: Int { data.count }
    private let data: Data
    private let dataStart: Int

    public init(path: String) throws(ModelError) {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelError(path: path, message: "model file is missing; run scripts/fetch-model.sh")
        }
        // Too short for a header, refused before it is read: swift-foundation's Data(contentsOf:) leaks its 4 KB
        // buffer on an empty file (found by fuzz/swift/tensor.swift).
        var status = stat()
        if stat(path, &status) == 0, status.st_size < 8 {
            throw ModelError(path: path, message: "not a safetensors file (too short)")
        }
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw ModelError(path: path, message: "cannot read the model file: \(error.localizedDescription)")
        }
        guard data.count >= 8 else { throw ModelError(path: path, message: "not a safetensors file (too short)") }
        // Checked before it becomes an Int: a length above Int.max would trap, and under -Ounchecked wrap.
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength > 1, headerLength <= 100_000_000, headerLength <= UInt64(data.count - 8) else {
            throw ModelError(path: path, message: "not a safetensors file (bad header length \(headerLength))")
        }
        dataStart = 8 + Int(headerLength)
        let json = data.subdata(in: 8..<dataStart)
        guard let header = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw ModelError(path: path, message: "not a safetensors file (header is not JSON)")
        }
        var entries: [String: Entry] = [:]
        let available = data.count - dataStart
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else { throw ModelError(path: path, message: "tensor \(name) has a malformed header entry") }
            guard dtype == "F32" else { throw ModelError(path: path, message: "tensor \(name) is \(dtype), not F32") }
            // Explicit, overflow-checked arithmetic: this module is built with -Ounchecked, where `*` and `+` wrap
            // silently and `precondition` is not checked, so a crafted shape could otherwise pass for a small one.
            guard let count = Self.elementCount(shape) else {
                throw ModelError(path: path, message: "tensor \(name) has an impossible shape \(shape)")
            }
            let (bytes, bytesOverflow) = count.multipliedReportingOverflow(by: 4)
            let (end, endOverflow) = offsets[0].addingReportingOverflow(bytes)
            guard offsets[0] >= 0, !bytesOverflow, !endOverflow, offsets[1] == end else {
                throw ModelError(path: path, message: "tensor \(name): byte range does not match its shape \(shape)")
            }
            guard offsets[1] <= available else {
                throw ModelError(path: path, message: "file is truncated: tensor \(name) ends past the end of the file")
            }
            guard (dataStart + offsets[0]) % 4 == 0 else {
                throw ModelError(path: path, message: "tensor \(name) is not 4-byte aligned")
            }
            entries[name] = Entry(shape: shape, start: dataStart + offsets[0], count: count)
        }
        self.entries = entries
        metadata = (header["__metadata__"] as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
    }

    /// The number of elements of `shape`, or nil when a dimension is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// The bytes after the header (every tensor's data), for checksums.
    public func withDataSection<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try data.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[dataStart...])) }
    }

    /// The tensor `name`, which must have `shape`; the buffer lives as long as this file.
    public func tensor(_ name: String, shape: [Int]) throws(ModelError) -> UnsafeBufferPointer<Float> {
        guard let entry = entries[name] else {
            throw ModelError(path: path, message: "tensor \(name) is missing; is this the EfficientNet-Lite0 model?")
        }
        guard entry.shape == shape else {
            throw ModelError(path: path, message: "tensor \(name) has shape \(entry.shape), expected \(shape)")
        }
        return data.withUnsafeBytes { raw in
            UnsafeBufferPointer(
                start: raw.baseAddress!.advanced(by: entry.start).assumingMemoryBound(to: Float.self),
                count: entry.count)
        }
    }

    /// Whether the file holds a tensor called `name`.
    public func has(_ name: String) -> Bool { entries[name] != nil }
}

/// Writes safetensors files: F32 tensors, string metadata, tensors aligned to 8 bytes. The file is written beside
/// its destination and renamed over it, so a reader never sees half a file.
public enum TensorFileWriter {
    public struct Tensor: Sendable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
        public init(name: String, shape: [Int], values: [Float]) {
            precondition(
                shape.reduce(1, *) == values.count, "tensor \(name): \(values.count) values for shape \(shape)")
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    public static func write(_ tensors: [Tensor], metadata: [String: String], to path: String) throws {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for tensor in tensors {
            header[tensor.name] = [
                "dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + 4 * tensor.values.count],
            ]
            offset += 4 * tensor.values.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so the data starts 8-byte aligned (the format allows trailing whitespace).
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var file = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        for tensor in tensors {
            tensor.values.withUnsafeBytes { file.append(contentsOf: $0) }
        }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try file.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                throw ModelError(path: path, message: "cannot replace the file: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}

/// A stable 64-bit fingerprint of bytes: FNV-1a over 8-byte words, then the tail bytes and the length. Not
/// cryptographic; it names contents (photos, packs), it does not defend against forgery.
public enum Fingerprint {
    public static func fnv1a64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01B3
        let words = bytes.count / 8
        for i in 0..<words {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* prime
        }
        for i in (words * 8)..<bytes.count {
            hash = (hash ^ UInt64(bytes[i])) &* prime
        }
        return (hash ^ UInt64(bytes.count)) &* prime
    }

    /// `fnv1a64` as 16 hexadecimal digits.
    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let hex = String(fnv1a64(bytes), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Why a model could not be loaded.
public struct ModelError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
}
