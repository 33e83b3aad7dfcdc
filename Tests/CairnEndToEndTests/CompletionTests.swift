import CairnTesting
import Foundation
import Testing

/// The shell completions the built `cairn` generates, and bash completing a name option from a real catalog.
@Suite struct CompletionTests {
    let folder = TemporaryDirectory()
    let catalogPath: String

    init() throws {
        catalogPath = folder.file("cairn.sqlite")
        try LibraryFixture.writeCatalog(at: catalogPath)
    }

    func script(_ shell: String) throws -> String {
        let result = try ProcessRunner.run(TestPaths.executable("cairn"), ["--generate-completion-script", shell])
        #expect(result.status == 0, "\(shell): \(result.stderr)")
        return result.stdout
    }

    @Test func scriptsForBashZshAndFishAskCairnForNames() throws {
        let bash = try script("bash")
        #expect(bash.hasSuffix("complete -o filenames -F _cairn cairn\n"))
        let zsh = try script("zsh")
        #expect(zsh.hasPrefix("#compdef cairn\n"))
        let fish = try script("fish")
        #expect(fish.contains("complete -c 'cairn'"))
        for (shell, text) in [("bash", bash), ("zsh", zsh), ("fish", fish)] {
            for word in ["albums", "photos", "photo", "tags", "index", "reload", "landmarks", "catalog"] {
                #expect(text.contains(word), "\(shell) script lacks \(word)")
            }
            // The names come from the catalog: the script calls cairn back for them.
            for option in ["--landmark", "--tag", "--city", "--country"] {
                #expect(text.contains("---completion photos -- \(option)"), "\(shell): \(option)")
            }
            #expect(text.contains("---completion albums -- --country"), "\(shell): albums --country")
        }
    }

    /// What bash offers for `cairn photos --catalog CATALOG OPTION WORD<TAB>`, with the generated script loaded.
    func bashCompletes(_ option: String, _ word: String, command: String = "photos") throws -> [String] {
        let file = folder.file("cairn.bash")
        try script("bash").write(toFile: file, atomically: true, encoding: .utf8)
        let driver = """
            source "$1"
            COMP_WORDS=("$2" "$3" --catalog "$4" "$5" "$6")
            COMP_CWORD=5
            COMP_LINE="${COMP_WORDS[*]}"
            COMP_POINT=${#COMP_LINE}
            _cairn "${COMP_WORDS[0]}" "${COMP_WORDS[5]}" "${COMP_WORDS[4]}"
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let result = try ProcessRunner.run(
            URL(fileURLWithPath: "/bin/bash"),
            ["-c", driver, "bash", file, TestPaths.executable("cairn").path, command, catalogPath, option, word])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init).sorted()
    }

    @Test func bashCompletesNamesFromTheCatalog() throws {
        #expect(try bashCompletes("--landmark", "Br") == ["Brandenburg Gate"])
        #expect(try bashCompletes("--landmark", "co") == ["cologne_cathedral", "colosseum"])
        #expect(
            try bashCompletes("--landmark", "")
                == [
                    "Berlin Cathedral", "Brandenburg Gate", "Cologne Cathedral", "Colosseum", "berlin_cathedral",
                    "brandenburg_gate", "cologne_cathedral", "colosseum",
                ])
        #expect(try bashCompletes("--tag", "t") == ["tench"])
        #expect(try bashCompletes("--city", "") == ["Berlin", "Cologne", "Rome"])
        #expect(try bashCompletes("--country", "I", command: "albums") == ["IT", "Italy"])
    }
}
