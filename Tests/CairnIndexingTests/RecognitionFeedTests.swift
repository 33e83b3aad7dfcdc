import CairnCatalog
import CairnIndexing
import CairnTesting
import Foundation
import Testing

/// The feed that hands due photos to the recognition workers, over a real catalog file.
@Suite struct RecognitionFeedTests {
    let folder = TemporaryDirectory()
    let catalog: Catalog
    static let photos = 150  // more than two rounds of one worker (32 photos each)

    init() throws {
        catalog = try Catalog.openForWriting(path: folder.file("cairn.sqlite"))
        try catalog.registerRecognizers([RecognizerRecord(id: "tags", version: "1", enabled: true)])
        for i in 0..<Self.photos {
            let file = FileIdentity(path: "/library/\(i).jpg", device: 1, inode: Int64(i + 1), size: 10, mtimeNs: 5)
            let id = try #require(try catalog.notePhoto(file).photo.id)
            try catalog.storeFacts(
                PhotoFactsRecord(photoId: id, takenAt: String(format: "2024-01-01T10:%02d:%02d", i / 60, i % 60)),
                place: nil, contentHash: "h\(i)")
        }
    }

    /// Takes every chunk the feed hands out, storing the results of those `store` accepts (as a worker does; a
    /// photo whose results are not stored stays due).
    func drain(_ feed: RecognitionFeed, store: (RecognitionWork) -> Bool = { _ in true }) throws -> [Int64] {
        var handed: [Int64] = []
        while let chunk = feed.next() {
            #expect(chunk.count <= RecognitionFeed.chunk)
            handed += chunk.map(\.photoId)
            try catalog.store(
                chunk.filter(store).map {
                    .result(
                        photoId: $0.photoId, recognizerId: "tags", version: "1",
                        result: .success(RecognitionResult(tags: [RecognitionResult.Tag]())))
                })
            feed.finished(chunk)
        }
        return handed
    }

    @Test func handsOutEveryDuePhotoOnceRefillingAsItGoes() throws {
        let feed = RecognitionFeed(catalog: catalog, workers: 1)
        #expect(try feed.hasWork())
        let handed = try drain(feed)
        #expect(handed.count == Self.photos)
        #expect(Set(handed).count == Self.photos, "a photo handed out twice")
        #expect(feed.finishedCount == Self.photos)
        #expect(try catalog.status().queue == 0)
        #expect(try RecognitionFeed(catalog: catalog, workers: 1).hasWork() == false)
    }

    @Test func theLastPhotosAreSharedOutAmongTheWorkers() throws {
        // A long queue goes out in whole chunks.
        #expect(RecognitionFeed(catalog: catalog, workers: 2).next()?.count == RecognitionFeed.chunk)
        // All but 10 photos done: the 10 are split so that two workers finish together, not 8 and 2.
        let due = try catalog.pendingRecognition(limit: Self.photos)
        try catalog.store(
            due.dropLast(10).map {
                .result(
                    photoId: $0.photoId, recognizerId: "tags", version: "1",
                    result: .success(RecognitionResult(tags: [RecognitionResult.Tag]())))
            })
        let feed = RecognitionFeed(catalog: catalog, workers: 2)
        var sizes: [Int] = []
        while let chunk = feed.next() { sizes.append(chunk.count) }
        #expect(sizes == [5, 3, 1, 1])
    }

    @Test func photosStillDueAreNotHandedOutTwiceByOneFeedButAreByTheNext() throws {
        // Results of every third photo are not stored (as when a write fails): still due in the catalog.
        let feed = RecognitionFeed(catalog: catalog, workers: 2)
        let handed = try drain(feed) { $0.photoId % 3 != 0 }
        #expect(handed.count == Self.photos && Set(handed).count == Self.photos)
        let retry = RecognitionFeed(catalog: catalog, workers: 2)
        let again = try drain(retry)
        #expect(Set(again) == Set(handed.filter { $0 % 3 == 0 }))
        #expect(try catalog.status().queue == 0)
    }

    @Test func workersOnSeveralThreadsShareOneFeedWithoutOverlap() throws {
        let feed = RecognitionFeed(catalog: catalog, workers: 3)
        final class Handed: @unchecked Sendable {
            let lock = NSLock()
            var ids: [Int64] = []
        }
        let handed = Handed()
        let catalog = catalog
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            while let chunk = feed.next() {
                handed.lock.withLock { handed.ids += chunk.map(\.photoId) }
                try? catalog.store(
                    chunk.map {
                        .result(
                            photoId: $0.photoId, recognizerId: "tags", version: "1",
                            result: .success(RecognitionResult(tags: [RecognitionResult.Tag]())))
                    })
                feed.finished(chunk)
            }
        }
        #expect(handed.ids.count == Self.photos && Set(handed.ids).count == Self.photos)
    }
}
