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
    private let data: Data
    private let dataStart: Int

    public init(path: String) throws(ModelError) {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelError(path: path, message: "model file is missing; run scripts/fetch-model.sh")
        }
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw ModelError(path: path, message: "cannot read the model file: \(error.localizedDescription)")
        }
        guard data.count >= 8 else { throw ModelError(path: path, message: "not a safetensors file (too short)") }
        let headerLength = data.withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self).littleEndian) }
        guard headerLength > 1, headerLength <= 100_000_000, 8 + headerLength <= data.count else {
            throw ModelError(path: path, message: "not a safetensors file (bad header length \(headerLength))")
        }
        dataStart = 8 + headerLength
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
            let count = shape.reduce(1, *)
            guard offsets[0] >= 0, offsets[1] == offsets[0] + 4 * count else {
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
                start: raw.baseAddress!.advanced(by: entry.start).assumingMemoryBound(to: Float.self), count: entry.count)
        }
    }

    /// Whether the file holds a tensor called `name`.
    public func has(_ name: String) -> Bool { entries[name] != nil }
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
