/// How the host loads a built-in recognizer: the settings it accepts (`RecognizerSchema`, which the configuration
/// file is checked against), and a load function that turns checked settings into a running recognizer
/// (`BuiltInRecognizer`). Each plugin declares its own in its folder; the executables list them in one registry, so
/// a new recognizer is its folder plus one registration line.

/// A typed setting value of a recognizer's configuration section.
public enum SettingValue: Sendable, Equatable, CustomStringConvertible {
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)

    public var description: String {
        switch self {
        case .bool(let value): "\(value)"
        case .int(let value): "\(value)"
        case .double(let value): "\(value)"
        case .string(let value): value
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .double(let value): value
        case .int(let value): Double(value)
        default: nil
        }
    }
}

/// The settings a built-in recognizer accepts, so the configuration can reject unknown keys and bad values before
/// any plugin loads. The defaults written here are the only ones: the configuration fills them in, and the host
/// fills them in again for a section built in code.
public struct RecognizerSchema: Sendable {
    public struct Setting: Sendable {
        public enum Kind: Sendable {
            case bool
            case int(ClosedRange<Int>)
            case double(ClosedRange<Double>)
            case string
            /// A file path: relative ones are resolved against the configuration file's folder.
            case path
        }

        public var key: String
        public var kind: Kind
        public var defaultValue: SettingValue

        public init(key: String, kind: Kind, defaultValue: SettingValue) {
            self.key = key
            self.kind = kind
            self.defaultValue = defaultValue
        }
    }

    public var id: String
    public var settings: [Setting]

    public init(id: String, settings: [Setting]) {
        self.id = id
        self.settings = settings
    }

    /// Every setting at its default.
    public var defaults: [String: SettingValue] {
        settings.reduce(into: [:]) { $0[$1.key] = $1.defaultValue }
    }
}

/// What a built-in recognizer is loaded from: its checked settings (defaults filled in) and the host's backbone.
public struct RecognizerLoadContext: Sendable {
    public var id: String
    public var settings: [String: SettingValue]
    /// The loaded backbone's version; nil when it could not be loaded (`backboneProblem` says why).
    public var backboneVersion: String?
    public var backboneProblem: String

    public init(id: String, settings: [String: SettingValue], backboneVersion: String?, backboneProblem: String) {
        self.id = id
        self.settings = settings
        self.backboneVersion = backboneVersion
        self.backboneProblem = backboneProblem
    }

    /// The backbone's version, or the reason a recognizer that reads its features cannot load.
    public func requireBackbone() throws(RecognizerLoadError) -> String {
        guard let backboneVersion else { throw RecognizerLoadError(reason: backboneProblem) }
        return backboneVersion
    }

    /// A number setting (an int is read as a double); nil when absent or of another kind.
    public func double(_ key: String) -> Double? { settings[key]?.doubleValue }

    public func int(_ key: String) -> Int? {
        if case .int(let value) = settings[key] { value } else { nil }
    }

    public func string(_ key: String) -> String? {
        if case .string(let value) = settings[key] { value } else { nil }
    }

    public func bool(_ key: String) -> Bool? {
        if case .bool(let value) = settings[key] { value } else { nil }
    }
}

/// Why a recognizer could not be loaded; the reason is shown in `cairn status`.
public struct RecognizerLoadError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A recognizer built into Cairn: the settings its configuration section accepts and how it loads from them.
public struct BuiltInRecognizer: Sendable {
    public typealias Load = @Sendable (RecognizerLoadContext) throws(RecognizerLoadError) -> any Recognizer

    public var schema: RecognizerSchema
    public var load: Load

    public init(schema: RecognizerSchema, load: @escaping Load) {
        self.schema = schema
        self.load = load
    }

    public var id: String { schema.id }
}
