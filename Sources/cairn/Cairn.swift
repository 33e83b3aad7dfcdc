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

            Exit codes: 0 success, 1 not found, 64 bad arguments, 65 catalog of a newer or older schema, \
            66 no catalog, 69 no running cairnd (reload), 74 catalog unreadable or not a Cairn catalog, 75 no answer \
            in time (reload), 77 not allowed to signal cairnd (reload), 78 bad configuration.
            """,
        version: "0.1.0",
        subcommands: [
            Status.self, Albums.self, Photos.self, Photo.self, Tags.self, Index.self, Places.self, Reload.self,
            LandmarksCommand.self,
        ])
}
