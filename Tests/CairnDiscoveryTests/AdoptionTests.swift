import CairnCatalog
import CairnDiscovery
import Testing

/// What adoption decides before it touches a pack: the key from a name, the name auto-adoption gives, and the
/// library's photos it calibrates the new landmark's threshold on. (Adoption itself, on real photos and a real pack:
/// CairnEndToEndTests/DiscoveryTests.)
@Suite struct AdoptionTests {
    @Test(arguments: [
        ("Our cabin", "our_cabin"), ("Château d'Eau", "chateau_d_eau"), ("  Oma's  Garten! ", "oma_s_garten"),
        ("!!!", "place"), ("Beach 2024", "beach_2024"),
    ])
    func keysAreLowercaseWordsJoinedByUnderscores(name: String, key: String) {
        #expect(Adoption.key(from: name) == key)
    }

    @Test func autoAdoptionNamesAfterThePlaceAndNumbersNamesTaken() {
        #expect(Adoption.placeName(city: "Agra", region: "Uttar Pradesh", country: "India", besides: []) == "Agra")
        #expect(
            Adoption.placeName(city: "Agra", region: nil, country: "India", besides: ["Agra", "Agra 2"]) == "Agra 3")
        #expect(Adoption.placeName(city: nil, region: "Tyrol", country: "Austria", besides: ["Agra"]) == "Tyrol")
        #expect(Adoption.placeName(city: nil, region: nil, country: "Norway", besides: []) == "Norway")
        #expect(Adoption.placeName(city: nil, region: nil, country: nil, besides: ["Place"]) == "Place 2")
    }

    @Test func farAwayPhotosAreThoseBeyondTheDistanceSpreadEvenlyUpToTheLimit() {
        // Photos due north of the centre, one every kilometre from 0.5 to 29.5 km.
        let centre = (latitude: 45.0, longitude: 7.0)
        let photos = (0..<30).map { km in
            LocatedPhoto(
                photoId: Int64(km), path: "p\(km).jpg", latitude: centre.latitude + (Double(km) + 0.5) / 111.2,
                longitude: centre.longitude)
        }
        let far = Adoption.farAway(photos, from: centre)
        #expect(far.map(\.photoId) == Array(5...29))
        let limited = Adoption.farAway(photos, from: centre, minimumKm: 10, limit: 4)
        #expect(limited.map(\.photoId) == [10, 15, 20, 25])
        #expect(Adoption.farAway(photos, from: centre, minimumKm: 100).isEmpty)
    }
}
