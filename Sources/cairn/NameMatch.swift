import ArgumentParser
import CairnCatalog
import Foundation

/// How `--landmark`, `--tag`, `--city` and `--country` find what the catalog holds, ignoring case and accents:
/// a name (or a landmark's key, or a country's ISO code) typed in full wins; else the one name that begins with
/// what was typed; else the one that contains it. Several → an error listing them; none → an error saying so.
/// The value found is the exact name the catalog's query then takes.
struct NameMatch {
    /// One thing a name can stand for.
    struct Candidate {
        /// The exact value the catalog's query takes: a tag label, a city, a country as stored.
        var value: String
        /// How an error lists it, such as `Brandenburg Gate (brandenburg_gate)`.
        var shown: String
        /// Words matched whole, at their start or within: the name, a landmark's key.
        var words: [String]
        /// Words matched only whole: a country's ISO code.
        var codes: [String] = []
    }

    /// The option, such as `--landmark`.
    var option: String
    /// What a candidate is, singular and plural: `landmark`, `landmarks`.
    var noun: String
    var nouns: String
    /// The command that lists them all, for an error when there are many.
    var listing: String
    var candidates: [Candidate]

    /// How the matching works, for `--help`.
    static let rule =
        "in any case, with or without accents: a name given in full wins, else the one name that starts with what is "
        + "given, else the one that contains it."

    /// The exact catalog value `typed` stands for.
    func resolve(_ typed: String) throws(CLIError) -> String {
        let query = Self.folded(typed.trimmingCharacters(in: .whitespaces))
        let tiers: [(String) -> Bool] = [{ $0 == query }, { $0.hasPrefix(query) }, { $0.contains(query) }]
        for (index, tier) in tiers.enumerated() {
            var found: [Candidate] = []
            for candidate in candidates {
                let codes = index == 0 ? candidate.codes : []
                guard (candidate.words + codes).contains(where: { tier(Self.folded($0)) }) else { continue }
                // The catalog's queries ignore case: names that differ only in case are one.
                if !found.contains(where: { $0.value.lowercased() == candidate.value.lowercased() }) {
                    found.append(candidate)
                }
            }
            if found.count == 1 { return found[0].value }
            if found.count > 1 {
                throw CLIError(
                    code: "ambiguous",
                    message: "\(option) '\(typed)' matches \(found.count) \(nouns): \(Self.list(found)); "
                        + "give more of the name",
                    exitCode: ExitStatus.usage)
            }
        }
        let known =
            candidates.isEmpty
            ? "the catalog has no \(nouns) yet"
            : candidates.count <= 10
                ? "the catalog has \(Self.list(candidates))" : "\(listing) lists the \(candidates.count) there are"
        throw CLIError(
            code: "noMatch", message: "\(option) '\(typed)' matches no \(noun); \(known)",
            exitCode: ExitStatus.failure)
    }

    /// Up to ten candidates, by name.
    private static func list(_ candidates: [Candidate]) -> String {
        let sorted = candidates.map(\.shown).sorted {
            $0.compare($1, options: [.caseInsensitive, .diacriticInsensitive, .numeric]) == .orderedAscending
        }
        let more = sorted.count > 10 ? " and \(sorted.count - 10) more" : ""
        return sorted.prefix(10).joined(separator: ", ") + more
    }

    private static func folded(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }
}

extension NameMatch {
    /// The exact catalog name `typed` stands for, as `--option` of `kind`. One the catalog holds in full (any case,
    /// a country's ISO code) is found through a cheap lookup of the counts; only otherwise is every name read
    /// (a landmark's key costs a lookup per landmark) and matched.
    static func resolve(_ typed: String, _ kind: NameKind, in catalog: Catalog) throws(CLIError) -> String {
        let name = typed.trimmingCharacters(in: .whitespaces)
        let exact = try query { () throws(CatalogError) in try catalog.names(equalTo: name, kind) }
        if let first = exact.first, exact.allSatisfy({ $0.lowercased() == first.lowercased() }) { return first }
        return try matcher(kind, catalog).resolve(typed)
    }

    /// Every name of `kind` the catalog holds, to match against.
    static func matcher(_ kind: NameKind, _ catalog: Catalog) throws(CLIError) -> NameMatch {
        switch kind {
        case .country: try country(catalog)
        case .city(let country): try city(catalog, country: country)
        case .landmark: try landmark(catalog)
        case .tag(let kind): try tag(catalog, kind: kind)
        }
    }

    static func landmark(_ catalog: Catalog) throws(CLIError) -> NameMatch {
        let landmarks = try query { () throws(CatalogError) in try catalog.landmarkNames() }
        return NameMatch(
            option: "--landmark", noun: "landmark", nouns: "landmarks", listing: "cairn tags --kind landmark",
            candidates: landmarks.map(candidate))
    }

    /// Tag labels (of one kind, when given), a landmark's also by its key.
    static func tag(_ catalog: Catalog, kind: String?) throws(CLIError) -> NameMatch {
        let tags = try query { () throws(CatalogError) in try catalog.tagCounts(kind: kind) }
        var keys: [String: String] = [:]
        if tags.contains(where: { $0.kind == "landmark" }) {
            for landmark in try query({ () throws(CatalogError) in try catalog.landmarkNames() }) {
                keys[landmark.name] = landmark.key
            }
        }
        // The tag query ignores case: one candidate per label, lowercased.
        let candidates = grouped(tags, name: \.label, detail: \.kind) { tag in
            tag.kind == "landmark" ? keys[tag.label].map { [$0] } ?? [] : []
        }
        return NameMatch(
            option: "--tag", noun: kind.map { "\($0) tag" } ?? "tag", nouns: kind.map { "\($0) tags" } ?? "tags",
            listing: "cairn tags" + (kind.map { " --kind \($0)" } ?? ""), candidates: candidates)
    }

    /// One candidate per name (rows whose names differ only in case are one), shown with the details of all its
    /// rows, "Paris (France, United States)"; `words` gives a row's other words to match (a landmark's key).
    static func grouped<Row>(
        _ rows: [Row], name: (Row) -> String, detail: (Row) -> String, words: (Row) -> [String] = { _ in [] }
    ) -> [Candidate] {
        var candidates: [Candidate] = []
        var details: [[String]] = []
        var position: [String: Int] = [:]
        for row in rows {
            let value = name(row)
            let index = position[value.lowercased()] ?? candidates.count
            if index == candidates.count {
                position[value.lowercased()] = index
                candidates.append(Candidate(value: value, shown: "", words: [value]))
                details.append([])
            }
            details[index].append(detail(row))
            candidates[index].words += words(row)
        }
        for index in candidates.indices {
            candidates[index].shown = "\(candidates[index].value) (\(details[index].joined(separator: ", ")))"
        }
        return candidates
    }

    static func country(_ catalog: Catalog) throws(CLIError) -> NameMatch {
        let countries = try query { () throws(CatalogError) in try catalog.countryNames() }
        return NameMatch(
            option: "--country", noun: "country", nouns: "countries", listing: "cairn albums",
            candidates: countries.map { country in
                Candidate(
                    value: country.country,
                    shown: country.countryCode.map { "\(country.country) (\($0))" } ?? country.country,
                    words: [country.country], codes: country.countryCode.map { [$0] } ?? [])
            })
    }

    /// Cities, only those of `country` (its exact name) when given.
    static func city(_ catalog: Catalog, country: String?) throws(CLIError) -> NameMatch {
        let cities = try query { () throws(CatalogError) in try catalog.cityNames(country: country) }
        // The city query ignores case: one candidate per city, lowercased.
        let candidates = grouped(cities, name: \.city, detail: \.country)
        return NameMatch(
            option: "--city", noun: country.map { "city in \($0)" } ?? "city",
            nouns: country.map { "cities in \($0)" } ?? "cities", listing: "cairn albums", candidates: candidates)
    }

    private static func candidate(_ landmark: LandmarkName) -> Candidate {
        // A key that only repeats the name is not shown again (shells still complete it: they mind case).
        let shown = landmark.key.flatMap { $0.lowercased() == landmark.name.lowercased() ? nil : $0 }
        return Candidate(
            value: landmark.name, shown: shown.map { "\(landmark.name) (\($0))" } ?? landmark.name,
            words: [landmark.name] + (landmark.key.map { [$0] } ?? []))
    }
}

/// The exact country and city names a command's `--country` and `--city` stand for (the city looked for in that
/// country when both are given).
func resolvePlace(country: String?, city: String?, in catalog: Catalog) throws(CLIError) -> (String?, String?) {
    let countryName = try country.map { typed throws(CLIError) in try NameMatch.resolve(typed, .country, in: catalog) }
    let cityName = try city.map { typed throws(CLIError) in
        try NameMatch.resolve(typed, .city(country: countryName), in: catalog)
    }
    return (countryName, cityName)
}

extension NameMatch {
    /// Which option a shell completes.
    enum Completed: Sendable {
        case landmark, tag, country, city
    }

    /// Shell completion of a name option: the names (and landmark keys) in the catalog that the command line being
    /// typed names with `--catalog` or `--config` (else the default one); nothing when it cannot be read.
    static func completion(_ completed: Completed) -> CompletionKind {
        .custom { words, _, _ in
            func value(of option: String) -> String? {
                for (index, word) in words.enumerated() {
                    if word == option, index + 1 < words.count { return unquoted(words[index + 1]) }
                    if word.hasPrefix(option + "=") { return unquoted(String(word.dropFirst(option.count + 1))) }
                }
                return nil
            }
            do {
                let catalog = try CatalogOptions.openCatalog(
                    catalog: value(of: "--catalog"), config: value(of: "--config"))
                let kind: NameKind =
                    switch completed {
                    case .landmark: .landmark
                    case .tag: .tag(kind: value(of: "--kind"))
                    case .country: .country
                    case .city: .city(country: nil)
                    }
                let match = try matcher(kind, catalog)
                var seen: Set<String> = []
                return match.candidates.flatMap { $0.words + $0.codes }.filter { seen.insert($0).inserted }
            } catch {
                return []
            }
        }
    }

    /// A shell word as typed, without the quotes around it, `~/` expanded.
    private static func unquoted(_ word: String) -> String {
        var text = word
        if text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first {
            text = String(text.dropFirst().dropLast())
        }
        return (text as NSString).expandingTildeInPath
    }
}
