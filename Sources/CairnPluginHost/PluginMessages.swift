import CairnRecognition
import Foundation

/// The JSON-lines protocol spoken with external plugins (docs/PLUGINS.md): building the daemon's messages and
/// checking the plugin's, with a precise reason for anything rejected.
enum PluginMessages {
    static let protocolVersion = 1

    /// What a plugin can ask to receive with each photo.
    enum Need: String, CaseIterable, Sendable {
        case features, logits, image
    }

    /// The plugin's side of the handshake.
    struct Hello: Equatable {
        var id: String
        var version: String
        var needs: Set<Need>
        /// Model or data files the plugin loaded; their content is part of its version.
        var files: [String]
    }

    static func hello(id: String, settings: [String: String]) -> String {
        encode(["type": "hello", "protocol": protocolVersion, "id": id, "settings": settings])
    }

    static func request(
        _ number: Int, facts: PhotoFacts, features: [Float]?, logits: [Float]?, image: PhotoPixels?
    ) -> String {
        var exif: [String: Any] = [:]
        exif["takenAt"] = facts.takenAt
        exif["cameraMake"] = facts.cameraMake
        exif["cameraModel"] = facts.cameraModel
        exif["width"] = facts.width
        exif["height"] = facts.height
        exif["latitude"] = facts.latitude
        exif["longitude"] = facts.longitude
        var message: [String: Any] = ["type": "photo", "request": number, "path": facts.path, "exif": exif]
        if facts.country != nil || facts.city != nil {
            var place: [String: Any] = [:]
            place["city"] = facts.city
            place["country"] = facts.country
            place["countryCode"] = facts.countryCode
            message["place"] = place
        }
        if let features { message["features"] = features.map(Double.init) }
        if let logits { message["logits"] = logits.map(Double.init) }
        if let image {
            message["image"] =
                [
                    "width": image.width, "height": image.height, "format": "rgb8",
                    "data": Data(image.rgb).base64EncodedString(),
                ] as [String: Any]
        }
        return encode(message)
    }

    /// Parses the plugin's handshake line; the reason says what is wrong.
    static func parseHello(_ line: String) -> Result<Hello, Rejection> {
        let object: [String: Any]
        switch parseObject(line) {
        case .success(let value): object = value
        case .failure(let rejection): return .failure(rejection)
        }
        guard object["type"] as? String == "hello" else { return .failure("expected {\"type\": \"hello\", …}") }
        guard let id = object["id"] as? String, !id.isEmpty else { return .failure("the hello has no \"id\"") }
        guard let version = object["version"] as? String, !version.isEmpty else {
            return .failure("the hello has no \"version\" text")
        }
        var needs = Set<Need>()
        if let list = object["needs"] {
            guard let names = list as? [String] else { return .failure("\"needs\" must be a list of names") }
            for name in names {
                guard let need = Need(rawValue: name) else {
                    return .failure(
                        Rejection(
                            "unknown need '\(name)'; known: \(Need.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
                needs.insert(need)
            }
        }
        var files: [String] = []
        if let list = object["files"] {
            guard let paths = list as? [String] else { return .failure("\"files\" must be a list of paths") }
            files = paths
        }
        return .success(Hello(id: id, version: version, needs: needs, files: files))
    }

    /// What the plugin answered for request `number`.
    enum Answer: Equatable {
        case observations([Observation])
        /// The plugin could not handle this photo (its own message).
        case failed(String)
    }

    static func parseAnswer(_ line: String, request number: Int, facts: PhotoFacts) -> Result<Answer, Rejection> {
        let object: [String: Any]
        switch parseObject(line) {
        case .success(let value): object = value
        case .failure(let rejection): return .failure(rejection)
        }
        guard let request = object["request"] as? Int else { return .failure("the answer has no \"request\" number") }
        guard request == number else { return .failure(Rejection("answered request \(request), expected \(number)")) }
        switch object["type"] as? String {
        case "error":
            return .success(.failed((object["message"] as? String) ?? "the plugin reported an error without a message"))
        case "result":
            guard let list = object["observations"] as? [Any] else {
                return .failure("a result needs an \"observations\" list")
            }
            var observations: [Observation] = []
            for (index, item) in list.enumerated() {
                switch observation(item, hasGPS: facts.latitude != nil) {
                case .success(let value): observations.append(value)
                case .failure(let rejection): return .failure(Rejection("observation \(index): \(rejection.reason)"))
                }
            }
            return .success(.observations(observations))
        default:
            return .failure("expected \"type\": \"result\" or \"error\"")
        }
    }

    private static func observation(_ item: Any, hasGPS: Bool) -> Result<Observation, Rejection> {
        guard let object = item as? [String: Any] else { return .failure("not an object") }
        guard let score = number(object["score"]), score.isFinite, (0...1).contains(score) else {
            return .failure("\"score\" must be a number from 0 to 1")
        }
        func text(_ key: String, max: Int = 200) -> String? {
            guard let value = object[key] as? String else { return nil }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty || trimmed.count > max ? nil : trimmed
        }
        switch object["type"] as? String {
        case "tag":
            guard let kind = text("kind", max: 64) else {
                return .failure("a tag needs a \"kind\" (1 to 64 characters)")
            }
            guard let label = text("label") else { return .failure("a tag needs a \"label\" (1 to 200 characters)") }
            return .success(.tag(kind: kind, label: label, score: score))
        case "landmark":
            guard let name = text("name"), let city = text("city"), let country = text("country") else {
                return .failure("a landmark needs \"name\", \"city\" and \"country\"")
            }
            let evidence: String
            if let raw = object["evidence"] {
                guard let value = raw as? String, ["geo", "references"].contains(value) else {
                    return .failure("\"evidence\" must be \"geo\" or \"references\"")
                }
                evidence = value
            } else {
                evidence = hasGPS ? "geo" : "references"
            }
            var position: (latitude: Double, longitude: Double)?
            if object["latitude"] != nil || object["longitude"] != nil {
                guard let latitude = number(object["latitude"]), let longitude = number(object["longitude"]),
                    (-90...90).contains(latitude), (-180...180).contains(longitude)
                else {
                    return .failure("\"latitude\" and \"longitude\" go together: degrees, -90 to 90 and -180 to 180")
                }
                position = (latitude, longitude)
            }
            return .success(
                .finding(
                    Finding(
                        kind: "landmark", label: name, score: score, evidence: evidence,
                        place: PlaceHint(
                            key: text("key") ?? name, city: city, country: country, latitude: position?.latitude,
                            longitude: position?.longitude))))
        default:
            return .failure("\"type\" must be \"tag\" or \"landmark\"")
        }
    }

    struct Rejection: Error, ExpressibleByStringLiteral, Equatable {
        var reason: String
        init(_ reason: String) { self.reason = reason }
        init(stringLiteral value: String) { reason = value }
    }

    private static func parseObject(_ line: String) -> Result<[String: Any], Rejection> {
        guard let data = line.data(using: .utf8),
            let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { return .failure(Rejection("not JSON: \(excerpt(line))")) }
        guard let object = value as? [String: Any] else {
            return .failure(Rejection("not a JSON object: \(excerpt(line))"))
        }
        return .success(object)
    }

    private static func number(_ value: Any?) -> Double? {
        (value as? NSNumber)?.doubleValue
    }

    /// The start of a rejected line, for logs.
    static func excerpt(_ line: String) -> String {
        let trimmed = line.count > 80 ? String(line.prefix(80)) + "…" : line
        return "'\(trimmed)'"
    }

    private static func encode(_ object: [String: Any]) -> String {
        // Only strings, numbers, arrays and dictionaries go in: serialisation cannot fail.
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
