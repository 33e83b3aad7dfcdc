import ArgumentParser

@main
struct Cairn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn",
        abstract: "Browse and query Cairn's photo catalog.",
        discussion: """
            The catalog is found from --catalog FILE, else from the configuration (--config FILE, else \
            /etc/cairn/cairn.yaml when it exists, else ./cairn.sqlite). Browsing opens the catalog read-only, \
            so it is safe while cairnd runs.

            \(ExitStatus.summary)
            """,
        version: "0.1.0",
        subcommands: [
            Status.self, Albums.self, Photos.self, Photo.self, Tags.self, Index.self, Places.self, Reload.self,
            LandmarksCommand.self, SidecarsCommand.self,
        ])
}
