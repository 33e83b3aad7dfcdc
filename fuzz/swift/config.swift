// libFuzzer target over the configuration loader (Sources/CairnConfig: ConfigurationLoader and ConfigReader) over
// Yams and the libyaml inside it (CYaml), which read /etc/cairn/cairn.yaml at start and at every reload. Built by
// scripts/fuzz.sh with CairnConfig's sources (this file joins that module) over CairnRecognition, Yams and CYaml
// compiled from source: libyaml's C with coverage and the address sanitizer, so the fuzzer sees inside the YAML
// scanner and parser, not only Cairn's code. The recognizer schemas are those of the built-in recognizers
// (Plugins/*/+BuiltIn.swift, which need the whole plugins to compile) written out here, plus one with the setting
// kinds the built-ins lack (bool, string), so every kind a recognizer section can hold is read. The input is
// decoded as UTF-8 with repairs: `load(path:)` refuses invalid UTF-8 before parsing.
import CairnRecognition

private let loader = ConfigurationLoader(recognizers: [
    RecognizerSchema(
        id: "scene-tags",
        settings: [
            .init(key: "min-score", kind: .double(0...1), defaultValue: .double(0.25)),
            .init(key: "max-tags", kind: .int(1...20), defaultValue: .int(3)),
        ]),
    RecognizerSchema(
        id: "landmarks",
        settings: [
            .init(key: "pack", kind: .path, defaultValue: .string("landmarks.cairnpack")),
            .init(key: "geo-square-km", kind: .double(0.1...100), defaultValue: .double(1)),
        ]),
    RecognizerSchema(
        id: "colours",
        settings: [
            .init(key: "palette", kind: .string, defaultValue: .string("warm")),
            .init(key: "count", kind: .int(1...8), defaultValue: .int(4)),
            .init(key: "table", kind: .path, defaultValue: .string("colours.bin")),
            .init(key: "flat", kind: .bool, defaultValue: .bool(false)),
        ]),
])
nonisolated(unsafe) private var checksum = 0  // keeps the results from being optimised away

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfiguration(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let configuration = try loader.parse(yaml: text, source: "fuzz.yaml", baseDirectory: "/etc/cairn")
        checksum &+= configuration.watch.folders.count &+ configuration.recognizers.count
        for recognizer in configuration.recognizers {
            checksum &+= recognizer.settings.values.map(\.description).joined().utf8.count
        }
    } catch {
        checksum &+= error.description.utf8.count &+ (error.line ?? 0)
    }
    return 0
}
