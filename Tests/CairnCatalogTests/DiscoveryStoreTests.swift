import CairnCatalog
import CairnTesting
import Foundation
import Testing

/// Discovered landmarks in the catalog (`discoveries`, v11), in the fixture catalog of real photos: proposals keep
/// their ids when found again, adopted and rejected ones stay as they are, and a proposal's place is its photos'.
@Suite struct DiscoveryStoreTests {
    let folder = TemporaryDirectory()
    let catalog: Catalog
    let colosseum: [Int64]
    let berlin: [Int64]

    init() throws {
        catalog = try LibraryFixture.writeCatalog(at: folder.file("cairn.sqlite"))
        let catalog = catalog
        func ids(_ key: String, _ count: Int) throws -> [Int64] {
            try LibraryFixture.photos(of: key, count: count).map { try #require(try catalog.photoID(path: $0.path)) }
        }
        colosseum = try ids("colosseum", 3)
        berlin = try ids("brandenburg_gate", 2) + ids("berlin_cathedral", 1)
    }

    static func proposal(_ members: [Int64]) -> NewDiscovery {
        NewDiscovery(
            members: members, latitude: 41.89, longitude: 12.49, days: 3, firstDay: "2024-01-02",
            lastDay: "2024-06-30", coherence: 0.4, lift: nil)
    }

    @Test func proposalsAreSavedWithTheirPhotosPlace() throws {
        let saved = try catalog.saveDiscoveries([Self.proposal(colosseum), Self.proposal(berlin)])
        #expect(saved == DiscoverySaveResult(kept: 0, added: 2, removed: 0, settled: 0))
        let listed = try catalog.discoveries()
        #expect(listed.count == 2)
        let rome = try #require(listed.first { $0.city == "Rome" })
        #expect(rome.country == "Italy" && rome.photos == 3 && rome.days == 3 && rome.status == .proposed)
        #expect(rome.firstDay == "2024-01-02" && rome.lastDay == "2024-06-30" && rome.lift == nil)
        #expect(rome.typical.count == 3 && rome.typical[0].hasSuffix(".jpg"))
        #expect(listed.contains { $0.city == "Berlin" })
        let (record, members) = try #require(try catalog.discovery(id: rome.id))
        #expect(record == rome && members.count == 3)
    }

    @Test func aProposalFoundAgainKeepsItsIdAndOneNotFoundGoes() throws {
        try catalog.saveDiscoveries([Self.proposal(colosseum), Self.proposal(berlin)])
        let before = try catalog.discoveries()
        let romeId = try #require(before.first { $0.city == "Rome" }).id
        // Two of its three photos again (and the Berlin one not found): same id, one photo fewer.
        let saved = try catalog.saveDiscoveries([Self.proposal(Array(colosseum.prefix(2)))])
        #expect(saved == DiscoverySaveResult(kept: 1, added: 0, removed: 1, settled: 0))
        let after = try catalog.discoveries()
        #expect(after.map(\.id) == [romeId] && after[0].photos == 2)
    }

    @Test func rejectedAndAdoptedAreNotProposedAgain() throws {
        try catalog.saveDiscoveries([Self.proposal(colosseum), Self.proposal(berlin)])
        let listed = try catalog.discoveries()
        let rome = try #require(listed.first { $0.city == "Rome" })
        let berlin = try #require(listed.first { $0.city == "Berlin" })
        try catalog.setDiscovery(id: rome.id, status: .rejected)
        try catalog.setDiscovery(id: berlin.id, status: .adopted, landmarkKey: "our_gate", name: "Our gate")
        let saved = try catalog.saveDiscoveries([Self.proposal(colosseum), Self.proposal(self.berlin)])
        #expect(saved == DiscoverySaveResult(kept: 0, added: 0, removed: 0, settled: 2))
        #expect(try catalog.discoveries().isEmpty)
        let all = try catalog.discoveries(Set(DiscoveryRecord.Status.allCases))
        #expect(all.count == 2)
        #expect(all.first { $0.id == berlin.id }?.landmarkKey == "our_gate")
        #expect(all.first { $0.id == rome.id }?.status == .rejected)
        // A run that finds nothing leaves them too.
        #expect(try catalog.saveDiscoveries([]).removed == 0)
        #expect(try catalog.discoveries(Set(DiscoveryRecord.Status.allCases)).count == 2)
    }

    @Test func anUnknownIdIsReported() throws {
        #expect(throws: CatalogError.self) { try catalog.setDiscovery(id: 42, status: .rejected) }
        #expect(try catalog.discovery(id: 42) == nil)
    }
}
