/// Packed 8-bit RGB pixels, row-major, no padding.
public struct DecodedImage: Sendable {
    public var width: Int
    public var height: Int
    /// width × height × 3 bytes.
    public var rgb: [UInt8]

    public init(width: Int, height: Int, rgb: [UInt8]) {
        precondition(rgb.count == width * height * 3, "RGB buffer does not match \(width)×\(height)")
        self.width = width
        self.height = height
        self.rgb = rgb
    }
}
