import CairnDiscovery
import Foundation
import Testing

/// Discovery's rules on photos whose positions, days and looks are set exactly, so each rule is seen to decide:
/// a place needs enough photos on several days, a group must look alike, and look like nothing taken elsewhere.
/// (Real photos through the real binaries: CairnEndToEndTests/DiscoveryTests; the figures on a simulated library of
/// real photos: `cairn-bench discovery`.)
@Suite struct DiscoveryRuleTests {
    /// A unit vector near axis `axis` (what photos of one subject share), nudged by `jitter` on another axis.
    static func look(_ axis: Int, jitter: Int) -> [Float] {
        var vector = [Float](repeating: 0, count: 128)
        vector[axis] = 1
        vector[64 + jitter % 64] = 0.4
        Discovery.normalise(&vector)
        return vector
    }

    /// `count` photos around a position (within ~50 m), looking like subject `axis`, spread over `days`.
    static func photos(
        _ count: Int, at position: (Double, Double), axis: Int, days: [Int], firstId: Int64
    ) -> [DiscoveryPhoto] {
        (0..<count).map { i in
            DiscoveryPhoto(
                id: firstId + Int64(i), latitude: position.0 + Double(i % 5) * 0.0001,
                longitude: position.1 + Double(i / 5) * 0.0001, day: days[i % days.count],
                embedding: look(axis, jitter: i))
        }
    }

    static let cabin = (61.2, 10.3)
    static let church = (61.21, 10.31)  // ~1.2 km from the cabin

    @Test func aPlacePhotographedOnSeveralDaysThatLooksAlikeIsProposed() {
        let found = Discovery().proposeCounting(
            Self.photos(12, at: Self.cabin, axis: 0, days: [100, 200, 300], firstId: 1)
                + Self.photos(10, at: Self.church, axis: 1, days: [150, 400], firstId: 100))
        #expect(found.proposals.count == 2)
        let cabin = try? #require(found.proposals.first)
        #expect(cabin?.members.count == 12 && Set(cabin?.members ?? []) == Set(1...12))
        #expect(cabin?.days == 3 && cabin?.firstDay == 100 && cabin?.lastDay == 300)
        #expect(abs((cabin?.latitude ?? 0) - 61.2002) < 0.001)
        #expect((cabin?.coherence ?? 0) > 0.5)
        #expect(found.tally.places == 2 && found.tally.groups == 2)
    }

    @Test func aBurstOnOneDayIsNotALandmark() {
        let found = Discovery().proposeCounting(Self.photos(15, at: Self.cabin, axis: 0, days: [100], firstId: 1))
        #expect(found.proposals.isEmpty)
        #expect(found.tally.placesOnOneDay == 1)
    }

    @Test func tooFewPhotosMakeNoPlace() {
        var rules = DiscoveryRules()
        rules.minimumPhotos = 8
        let found = Discovery(rules: rules).proposeCounting(
            Self.photos(7, at: Self.cabin, axis: 0, days: [1, 2, 3], firstId: 1))
        #expect(found.proposals.isEmpty && found.tally.places == 0)
    }

    @Test func twoLandmarksAtOnePlaceAreTwoProposals() {
        let found = Discovery().propose(
            Self.photos(10, at: Self.cabin, axis: 0, days: [1, 2], firstId: 1)
                + Self.photos(9, at: Self.cabin, axis: 1, days: [3, 4], firstId: 100))
        #expect(found.count == 2)
        #expect(Set(found.map { Set($0.members) }) == [Set(1...10), Set(100...108)])
    }

    @Test func whatLooksAlikeEverywhereIsNotAPlace() {
        // The cat at home on many days, and the same cat in five other cities.
        var photos = Self.photos(12, at: Self.cabin, axis: 5, days: [1, 2, 3, 4], firstId: 1)
        for city in 0..<5 {
            photos += Self.photos(
                3, at: (48.0 + Double(city), 2.0 + Double(city)), axis: 5, days: [10 + city],
                firstId: 100 + 10 * Int64(city))
        }
        let found = Discovery().proposeCounting(photos)
        #expect(found.proposals.isEmpty)
        #expect(found.tally.alikeElsewhere == 1)
        // The same photos with the check off are proposed: the lift rule is what turned them down.
        var rules = DiscoveryRules()
        rules.minimumLift = 0
        #expect(Discovery(rules: rules).propose(photos).count == 1)
    }

    @Test func photosThatDoNotLookAlikeAreNotAGroup() {
        let mixed = (0..<12).map { i in
            DiscoveryPhoto(
                id: Int64(i), latitude: 61.2, longitude: 10.3, day: i % 3, embedding: Self.look(i, jitter: i))
        }
        let found = Discovery().proposeCounting(mixed)
        #expect(found.proposals.isEmpty && found.tally.places == 1 && found.tally.groups == 0)
    }

    @Test func datesAreDaysSince1970() {
        #expect(LibraryDiscovery.day("1970-01-02T00:00:00") == 1)
        #expect(LibraryDiscovery.day("2024-02-29T23:59:59") == 19_782)
        #expect(LibraryDiscovery.date(19_782) == "2024-02-29")
        #expect(LibraryDiscovery.day("2024:02:29 10:00:00") == nil)
        #expect(LibraryDiscovery.day("2024-13-01") == nil)
    }
}
