/// Why an external plugin could not be used, or failed on one photo. The message says what happened and, where
/// there is one, what to do.
public struct PluginError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The program could not be started (missing, not executable).
        public static let launch = Code(name: "launch")
        /// The handshake was missing, malformed or refused.
        public static let handshake = Code(name: "handshake")
        /// No answer within the timeout; the program was killed.
        public static let timeout = Code(name: "timeout")
        /// The program exited while it had a photo.
        public static let crashed = Code(name: "crashed")
        /// The answer was not a valid protocol message.
        public static let malformed = Code(name: "malformed")
        /// The plugin answered with an error for this photo; it is still healthy.
        public static let photo = Code(name: "photo")
        /// The plugin failed too many times in a row and is off until a reload or restart.
        public static let disabled = Code(name: "disabled")
        /// The daemon is stopping and ended the program; nothing is wrong with the plugin or the photo.
        public static let stopped = Code(name: "stopped")
        public var description: String { name }
    }

    public var code: Code
    public var pluginId: String
    public var message: String

    public var description: String { message }

    static func launch(_ id: String, _ message: String) -> Self { Self(code: .launch, pluginId: id, message: message) }
    static func handshake(_ id: String, _ message: String) -> Self { Self(code: .handshake, pluginId: id, message: message) }
    static func timeout(_ id: String, _ message: String) -> Self { Self(code: .timeout, pluginId: id, message: message) }
    static func crashed(_ id: String, _ message: String) -> Self { Self(code: .crashed, pluginId: id, message: message) }
    static func malformed(_ id: String, _ message: String) -> Self { Self(code: .malformed, pluginId: id, message: message) }
    static func photo(_ id: String, _ message: String) -> Self { Self(code: .photo, pluginId: id, message: message) }
    static func disabled(_ id: String, _ message: String) -> Self { Self(code: .disabled, pluginId: id, message: message) }
    static func stopped(_ id: String) -> Self { Self(code: .stopped, pluginId: id, message: "\(id) was stopped") }
}
