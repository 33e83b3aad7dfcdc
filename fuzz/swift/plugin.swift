// libFuzzer target over the external-recognizer plugin message parser (Sources/CairnPluginHost/PluginMessages.swift):
// the JSON lines a plugin program prints, which cairnd reads from a process it does not trust. Built by
// scripts/fuzz.sh with PluginMessages.swift alone (this file joins the CairnPluginHost module, so it reaches the
// internal parser) over a CairnRecognition module compiled the same way; the process handling around it
// (PluginProcess, ExternalRecognizer) needs swift-log and a running program, and only splits lines. The input is cut
// into lines as PluginProcess.readLine cuts the plugin's output (at '\n', each line decoded as UTF-8 with repairs),
// and each line is parsed as a handshake and as the answer to request 1, for a photo with GPS and for one without
// (the parser checks a landmark's evidence against it).
import CairnRecognition

private let withGPS = PhotoFacts(
    path: "/photos/a.jpg", takenAt: "2024-07-14T10:00:00", latitude: 48.8584, longitude: 2.2945, city: "Paris",
    country: "France", countryCode: "FR", cameraMake: "Canon", cameraModel: "EOS", width: 640, height: 480)
private let withoutGPS = PhotoFacts(path: "/photos/b.jpg")
nonisolated(unsafe) private var checksum = 0  // keeps the results from being optimised away

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPluginMessages(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
        let text = String(decoding: line, as: UTF8.self)
        switch PluginMessages.parseHello(text) {
        case .success(let hello): checksum &+= hello.id.count &+ hello.needs.count &+ hello.files.count
        case .failure(let rejection): checksum &+= rejection.reason.utf8.count
        }
        for facts in [withGPS, withoutGPS] {
            switch PluginMessages.parseAnswer(text, request: 1, facts: facts) {
            case .success(.observations(let observations)): checksum &+= observations.count
            case .success(.failed(let message)): checksum &+= message.utf8.count
            case .failure(let rejection): checksum &+= rejection.reason.utf8.count
            }
        }
    }
    return 0
}
