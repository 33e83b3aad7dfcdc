import CairnRecognition
import Testing

@testable import SceneTagger

/// A backbone whose logits are given: the tagger's arithmetic is tested here; the real backbone on real photos
/// is tested end to end (cairnd tagging a coffee photo).
struct GivenLogits: BackboneProvider {
    var values: [Float]
    var backboneVersion: String { "given" }
    func features() throws -> [Float] { [] }
    func logits() throws -> [Float] { values }
}

@Suite struct SceneTaggerTests {
    @Test func classNamesAreTheImageNetOnes() {
        #expect(SceneTagger.className(967) == "espresso")
        #expect(SceneTagger.className(504) == "coffee mug")
        #expect(SceneTagger.className(281) == "tabby")
    }

    @Test func tagsTheClassesAboveTheMinimumScore() throws {
        var logits = [Float](repeating: 0, count: 1000)
        logits[967] = 10  // espresso
        logits[968] = 9  // cup
        logits[504] = 5
        let tagger = SceneTagger(backboneVersion: "b", minScore: 0.2, maxTags: 3)
        let observations = try tagger.recognize(PhotoAnalysis(facts: PhotoFacts(path: "/x.jpg"), backbone: GivenLogits(values: logits)))
        #expect(observations.count == 2)
        guard case .tag(let kind, let label, let score) = observations[0] else { Issue.record("not a tag"); return }
        #expect(kind == "scene" && label == "espresso")
        #expect(abs(score - 0.7043) < 0.001)  // e^10 / (e^10 + e^9 + e^5 + 997)
        let fewer = SceneTagger(backboneVersion: "b", minScore: 0.01, maxTags: 1)
        #expect(try fewer.recognize(PhotoAnalysis(facts: PhotoFacts(path: "/x.jpg"), backbone: GivenLogits(values: logits))).count == 1)
    }

    @Test func settingsArePartOfTheVersion() {
        #expect(SceneTagger(backboneVersion: "b", minScore: 0.25).version != SceneTagger(backboneVersion: "b", minScore: 0.3).version)
        #expect(SceneTagger(backboneVersion: "b1").version != SceneTagger(backboneVersion: "b2").version)
    }

    @Test func wrongLogitCountIsAnError() {
        let tagger = SceneTagger(backboneVersion: "b")
        #expect(throws: SceneTaggerError.self) {
            try tagger.recognize(PhotoAnalysis(facts: PhotoFacts(path: "/x.jpg"), backbone: GivenLogits(values: [1, 2])))
        }
    }
}
