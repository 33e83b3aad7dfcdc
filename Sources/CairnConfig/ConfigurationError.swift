/// Why a configuration could not be used. The message names the file, line and key, and says what is accepted.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public static let unreadable = Code(name: "unreadable")
        public static let syntax = Code(name: "syntax")
        public static let unknownKey = Code(name: "unknownKey")
        public static let invalidValue = Code(name: "invalidValue")
        public var description: String { name }
    }

    public var code: Code
    /// The dotted key the error is about, such as `workers.niceness`; nil for file-level errors.
    public var key: String?
    /// 1-based line in the file, when the parser knows it.
    public var line: Int?
    /// The file the configuration came from.
    public var source: String
    public var message: String

    public var description: String {
        let location = line.map { "\(source):\($0)" } ?? source
        return "\(location): \(message)"
    }

    static func unknownKey(_ key: String, line: Int?, source: String, allowed: [String]) -> Self {
        let list = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
        return Self(
            code: .unknownKey, key: key, line: line, source: source,
            message: "unknown key '\(key)'; valid keys here are: \(list)")
    }

    static func invalidValue(_ key: String, line: Int?, source: String, expected: String, got: String) -> Self {
        Self(
            code: .invalidValue, key: key, line: line, source: source,
            message: "'\(key)' must be \(expected), got '\(got)'")
    }
}
