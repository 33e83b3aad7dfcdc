/// The settings a built-in recognizer accepts, so the configuration can reject unknown keys and bad values
/// before any plugin loads.
public struct RecognizerSchema: Sendable {
    public struct Setting: Sendable {
        public enum Kind: Sendable {
            case bool
            case int(ClosedRange<Int>)
            case double(ClosedRange<Double>)
            case string
        }

        public var key: String
        public var kind: Kind
        public var defaultValue: SettingValue
    }

    public var id: String
    public var settings: [Setting]

    /// The recognizers linked into `cairnd`.
    public static let builtIn: [RecognizerSchema] = [
        RecognizerSchema(id: "scene-tags", settings: [
            Setting(key: "min-score", kind: .double(0...1), defaultValue: .double(0.25)),
            Setting(key: "max-tags", kind: .int(1...20), defaultValue: .int(3)),
        ]),
        RecognizerSchema(id: "landmarks", settings: [
            Setting(key: "pack", kind: .string, defaultValue: .string("landmarks.cairnpack")),
            Setting(key: "geo-square-km", kind: .double(0.1...100), defaultValue: .double(1)),
        ]),
    ]
}
