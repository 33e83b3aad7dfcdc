/// The contract between Cairn and its recognizer plugins. It depends on nothing else of Cairn's, so a plugin
/// depends only on this module (and on imaging/inference if it computes its own pixels).

/// A recognizer plugin: turns one photo's analysis into observations. Its `version` (code version plus the hash
/// of every model or pack file it loaded, plus settings that change results) is stored with its results; a new
/// version makes old results stale, so they are computed again.
///
/// Everything the host needs goes through this protocol: what to run, failures as `RecognizerError` codes, the
/// places it can hint at, and its end (`shutdown`, `terminate`). It is loaded by the build function registered for
/// its id (`RecognizerRegistry`), or from its configuration section's `command:` for an external plugin.
public protocol Recognizer: Sendable {
    var id: String { get }
    var version: String { get }
    /// Whether it reads the backbone's features or logits. The host then runs the backbone on a batch's photos
    /// before the recognizers ask (all decodes back to back, then all networks: each keeps its code and tables in
    /// the core's caches). Default true; a recognizer that never asks should say false, so its photos are not run
    /// through the network for nothing.
    var usesBackbone: Bool { get }
    func recognize(_ photo: PhotoAnalysis) throws -> [Observation]
    /// Several photos at once, one result per photo in order; a recognizer that gains from batching (one matrix
    /// product for many photos) implements it, the others inherit one-at-a-time.
    func recognize(batch photos: [PhotoAnalysis]) -> [Result<[Observation], any Error>]
    /// Every place it can hint at, by `PlaceHint.key` (a landmark pack's landmarks): the host names again, through its
    /// gazetteer, the places an earlier version recorded from one of them. Default none.
    func placeHints() -> [String: PlaceHint]
    /// Why it is off, once it turned itself off (an external program that failed too often); nil while it runs.
    /// The host turns it off in the catalog after a photo it failed on. Default nil.
    var disabledReason: String? { get }
    /// Ends what it runs beside the host (a program, threads); called once no photo runs on it any more. Default
    /// nothing.
    func shutdown()
    /// Ends at once, photos in flight included (they fail with `RecognizerError.stopped` and stay due): the host is
    /// stopping. Default nothing.
    func terminate()
}

extension Recognizer {
    public func recognize(batch photos: [PhotoAnalysis]) -> [Result<[Observation], any Error>] {
        photos.map { photo in Result { try recognize(photo) } }
    }

    public var usesBackbone: Bool { true }

    public func placeHints() -> [String: PlaceHint] { [:] }

    public var disabledReason: String? { nil }

    public func shutdown() {}

    public func terminate() {}
}
