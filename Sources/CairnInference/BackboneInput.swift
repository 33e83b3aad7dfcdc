/// The network's input convention: 224×224 RGB, channels-last, (v − 127) / 128.
public enum BackboneInput {
    /// Normalises 224×224×3 RGB bytes into the network's input floats.
    public static func normalised(_ rgb: [UInt8]) -> [Float] {
        require(rgb.count == 224 * 224 * 3, "input must be 224×224×3 bytes")
        return [Float](unsafeUninitializedCapacity: rgb.count) { out, initialised in
            rgb.withUnsafeBufferPointer { bytes in
                for i in 0..<bytes.count { out[i] = (Float(bytes[i]) - 127) / 128 }
            }
            initialised = rgb.count
        }
    }
}
