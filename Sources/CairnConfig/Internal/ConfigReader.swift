import CairnRecognition
import Foundation
import Yams

/// A YAML mapping with its keys' source lines.
struct ConfigMapping {
    var prefix: String
    var entries: [(key: String, line: Int?, value: Node)]

    func value(_ key: String) -> Node? {
        entries.first { $0.key == key }?.value
    }

    func dotted(_ key: String) -> String {
        prefix.isEmpty ? key : "\(prefix).\(key)"
    }
}

/// Typed, strict access to configuration nodes; every failure names the key and line.
struct ConfigReader {
    var source: String
    var baseDirectory: String?
    /// The built-in recognizers a `recognizers:` section may configure.
    var schemas: [RecognizerSchema]

    func mapping(_ node: Node, key: String) throws(ConfigurationError) -> ConfigMapping {
        if node.null != nil { return ConfigMapping(prefix: key, entries: []) }
        guard let mapping = node.mapping else {
            throw invalid(key, node, expected: "a section of 'key: value' lines")
        }
        var entries: [(key: String, line: Int?, value: Node)] = []
        for (keyNode, value) in mapping {
            guard let name = keyNode.string else {
                throw invalid(key, keyNode, expected: "a section with text keys")
            }
            let dotted = key.isEmpty ? name : "\(key).\(name)"
            if entries.contains(where: { $0.key == name }) {
                throw ConfigurationError(
                    code: .invalidValue, key: dotted, line: keyNode.mark?.line, source: source,
                    message: "key '\(dotted)' appears twice")
            }
            entries.append((name, keyNode.mark?.line, value))
        }
        return ConfigMapping(prefix: key, entries: entries)
    }

    func checkKeys(_ mapping: ConfigMapping, allowed: [String]) throws(ConfigurationError) {
        for entry in mapping.entries where !allowed.contains(entry.key) {
            throw ConfigurationError.unknownKey(
                mapping.dotted(entry.key), line: entry.line, source: source, allowed: allowed)
        }
    }

    func string(_ node: Node, key: String) throws(ConfigurationError) -> String {
        guard let scalar = node.scalar, node.null == nil else { throw invalid(key, node, expected: "a text value") }
        return scalar.string
    }

    /// A text value that must be one of `choices` ("a or b" in the message when it is not).
    func choice(_ node: Node, key: String, among choices: [String]) throws(ConfigurationError) -> String {
        let text = try string(node, key: key)
        guard choices.contains(text) else {
            throw invalid(key, node, expected: choices.dropLast().joined(separator: ", ") + " or " + choices.last!)
        }
        return text
    }

    /// One of an enumeration's words (its raw values), as that enumeration.
    func choice<Word: CaseIterable & RawRepresentable>(
        _ node: Node, key: String, as: Word.Type
    ) throws(ConfigurationError) -> Word
    where Word.RawValue == String {
        let text = try choice(node, key: key, among: Word.allCases.map(\.rawValue))
        return Word(rawValue: text)!  // a word of allCases, just checked
    }

    func bool(_ node: Node, key: String) throws(ConfigurationError) -> Bool {
        guard let value = node.bool else { throw invalid(key, node, expected: "true or false") }
        return value
    }

    func int(_ node: Node, key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let value = Self.wholeNumber(node), range.contains(value) else {
            throw invalid(key, node, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The node as a whole number, as Yams reads one (`Node.int`: decimal, `0x`, `0o`, `0b`, a leading 0 for octal,
    /// `_` between digits, YAML 1.1's sexagesimal `1:30` for 90), except that a sexagesimal number is read here, with
    /// checked arithmetic: Yams multiplies its parts and their powers of 60 unchecked, and a number of 11 parts or
    /// more trapped (found while writing the config fuzz target; fuzz/regressions/config/). Nil when it is not one or
    /// does not fit an `Int`.
    static func wholeNumber(_ node: Node) -> Int? {
        guard let scalar = node.scalar, scalar.style == .any || scalar.style == .plain else { return node.int }
        let text = scalar.string.replacingOccurrences(of: "_", with: "")
        let negative = text.hasPrefix("-")
        let digits = negative || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        // What Yams reads as sexagesimal: a colon, after no radix prefix (a leading 0 is one: octal).
        guard digits.contains(":"), !digits.hasPrefix("0") else { return node.int }
        var value = 0
        for part in digits.split(separator: ":", omittingEmptySubsequences: false) {
            guard let digit = Int(part, radix: 10) else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 60)
            let (sum, carry) = shifted.addingReportingOverflow(digit)
            guard !overflow, !carry else { return nil }
            value = sum
        }
        guard negative else { return value }
        return value == .min ? nil : -value
    }

    func double(_ node: Node, key: String, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        guard let value = node.float, value.isFinite, range.contains(value) else {
            throw invalid(key, node, expected: "a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func path(_ node: Node, key: String) throws(ConfigurationError) -> String {
        let text = try string(node, key: key)
        guard !text.isEmpty else { throw invalid(key, node, expected: "a non-empty path") }
        return resolve(text)
    }

    func pathList(_ node: Node, key: String) throws(ConfigurationError) -> [String] {
        if node.null != nil { return [] }
        guard let sequence = node.sequence else { throw invalid(key, node, expected: "a list of folders") }
        var paths: [String] = []
        for item in sequence {
            paths.append(try path(item, key: key))
        }
        return paths
    }

    /// Resolves a path relative to the configuration file's folder; `~` is not expanded (daemons have no home).
    func resolve(_ path: String) -> String {
        guard let baseDirectory, !path.hasPrefix("/") else { return path }
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: baseDirectory, isDirectory: true))
            .standardizedFileURL.path
    }

    func recognizers(_ node: Node) throws(ConfigurationError) -> [RecognizerConfiguration] {
        let section = try mapping(node, key: "recognizers")
        // Listed recognizers run in the order written; unlisted built-ins keep their defaults after them. A section
        // with `command:` is an external plugin; any other id must be a built-in one.
        var result: [RecognizerConfiguration] = []
        for entry in section.entries {
            if let schema = schemas.first(where: { $0.id == entry.key }) {
                result.append(try recognizer(entry.value, schema: schema))
            } else if entry.value.mapping?.keys.contains(where: { $0.string == "command" }) == true {
                result.append(try external(entry.value, id: entry.key, line: entry.line))
            } else {
                throw ConfigurationError(
                    code: .unknownKey, key: "recognizers.\(entry.key)", line: entry.line, source: source,
                    message: "unknown recognizer '\(entry.key)'; built-in ones are "
                        + schemas.map(\.id).joined(separator: ", ")
                        + ", and an external plugin needs a 'command:' key")
            }
        }
        for fallback in RecognizerConfiguration.defaults(schemas)
        where !result.contains(where: { $0.id == fallback.id }) {
            result.append(fallback)
        }
        return result
    }

    private func external(_ node: Node, id: String, line: Int?) throws(ConfigurationError) -> RecognizerConfiguration {
        let prefix = "recognizers.\(id)"
        guard id.range(of: "^[a-z0-9][a-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
            throw ConfigurationError(
                code: .invalidValue, key: prefix, line: line, source: source,
                message: "recognizer id '\(id)' must be 1 to 64 lower-case letters, digits, '.', '_' or '-'")
        }
        let section = try mapping(node, key: prefix)
        try checkKeys(
            section,
            allowed: [
                "enabled", "command", "arguments", "timeout-seconds", "max-failures", "image-size", "settings",
            ])
        var plugin = ExternalPluginConfiguration(command: try path(section.value("command")!, key: "\(prefix).command"))
        var configuration = RecognizerConfiguration(id: id)
        if let node = section.value("enabled") { configuration.enabled = try bool(node, key: "\(prefix).enabled") }
        if let node = section.value("arguments") {
            guard let sequence = node.sequence else {
                throw invalid("\(prefix).arguments", node, expected: "a list of text values")
            }
            for item in sequence { plugin.arguments.append(try string(item, key: "\(prefix).arguments")) }
        }
        if let node = section.value("timeout-seconds") {
            plugin.timeoutSeconds = try double(node, key: "\(prefix).timeout-seconds", in: 0.1...3600)
        }
        if let node = section.value("max-failures") {
            plugin.maxFailures = try int(node, key: "\(prefix).max-failures", in: 1...1000)
        }
        if let node = section.value("image-size") {
            plugin.imageSize = try int(node, key: "\(prefix).image-size", in: 16...1024)
        }
        if let node = section.value("settings") {
            let settings = try mapping(node, key: "\(prefix).settings")
            for entry in settings.entries {
                configuration.settings[entry.key] = .string(try string(entry.value, key: settings.dotted(entry.key)))
            }
        }
        configuration.external = plugin
        return configuration
    }

    private func recognizer(
        _ node: Node, schema: RecognizerSchema
    ) throws(ConfigurationError) -> RecognizerConfiguration {
        let prefix = "recognizers.\(schema.id)"
        let section = try mapping(node, key: prefix)
        try checkKeys(section, allowed: ["enabled"] + schema.settings.map(\.key))
        var configuration = RecognizerConfiguration(id: schema.id, enabled: true, settings: schema.defaults)
        if let enabled = section.value("enabled") {
            configuration.enabled = try bool(enabled, key: "\(prefix).enabled")
        }
        for setting in schema.settings {
            guard let value = section.value(setting.key) else { continue }
            let key = "\(prefix).\(setting.key)"
            switch setting.kind {
            case .bool: configuration.settings[setting.key] = .bool(try bool(value, key: key))
            case .int(let range): configuration.settings[setting.key] = .int(try int(value, key: key, in: range))
            case .double(let range):
                configuration.settings[setting.key] = .double(try double(value, key: key, in: range))
            case .string: configuration.settings[setting.key] = .string(try string(value, key: key))
            case .path: configuration.settings[setting.key] = .string(try path(value, key: key))
            }
        }
        return configuration
    }

    private func invalid(_ key: String, _ node: Node, expected: String) -> ConfigurationError {
        let shown: String
        if let scalar = node.scalar {
            shown = scalar.string
        } else if node.mapping != nil {
            shown = "a section"
        } else {
            shown = "a list"
        }
        return ConfigurationError.invalidValue(
            key, line: node.mark?.line, source: source, expected: expected, got: shown)
    }
}
