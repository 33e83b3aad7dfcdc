/// Why a recognizer did not give observations for a photo, with a code that tells the host what to do with the
/// photo. A recognizer may throw any other error for a photo; the host records it as a `.photo` failure.
public struct RecognizerError: Error, Sendable, CustomStringConvertible {
    /// What the host does with the photo.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The recognizer failed on this photo and is still healthy: the failure is recorded for the pair.
        public static let photo = Code(name: "photo")
        /// The recognizer is off (it failed too often; `Recognizer.disabledReason` says why): nothing is recorded
        /// for the photo and the host turns the recognizer off in the catalog.
        public static let disabled = Code(name: "disabled")
        /// The host is stopping the recognizer: the photo stays due and is done after the next start.
        public static let stopped = Code(name: "stopped")
        public var description: String { name }
    }

    public var code: Code
    public var recognizerId: String
    /// What happened, for a person (recorded as the failure's reason).
    public var message: String
    /// The recognizer's own error, if any.
    public var cause: (any Error & Sendable)?

    public init(code: Code, recognizerId: String, message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.recognizerId = recognizerId
        self.message = message
        self.cause = cause
    }

    public var description: String { message }

    public static func photo(_ id: String, _ message: String, cause: (any Error & Sendable)? = nil) -> Self {
        Self(code: .photo, recognizerId: id, message: message, cause: cause)
    }
    public static func disabled(_ id: String, _ message: String, cause: (any Error & Sendable)? = nil) -> Self {
        Self(code: .disabled, recognizerId: id, message: message, cause: cause)
    }
    public static func stopped(_ id: String, cause: (any Error & Sendable)? = nil) -> Self {
        Self(code: .stopped, recognizerId: id, message: "\(id) was stopped", cause: cause)
    }
}
