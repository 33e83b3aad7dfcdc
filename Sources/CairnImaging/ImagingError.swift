import CJPEG

/// Why an image could not be decoded.
public struct ImagingError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let name: String
        public static let corrupt = Code(name: "corrupt")
        public static let tooLarge = Code(name: "tooLarge")
        public static let outOfMemory = Code(name: "outOfMemory")
        public static let unreadable = Code(name: "unreadable")
        public static let truncated = Code(name: "truncated")
        public static let unsupported = Code(name: "unsupported")
    }

    public var code: Code
    public var message: String
    public var description: String { message }

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    init(status: cairn_jpeg_status, info: cairn_jpeg_info) {
        let text = withUnsafeBytes(of: info.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        switch status {
        case CAIRN_JPEG_TOO_LARGE:
            self.init(code: .tooLarge, message: "image refused: \(text)")
        case CAIRN_JPEG_TRUNCATED:
            self.init(code: .truncated, message: "truncated JPEG: \(text.isEmpty ? "the data ends early" : text)")
        case CAIRN_JPEG_NO_MEMORY:
            self.init(code: .outOfMemory, message: "out of memory while decoding")
        default:
            self.init(code: .corrupt, message: "corrupt JPEG: \(text.isEmpty ? "libjpeg gave no reason" : text)")
        }
    }
}
