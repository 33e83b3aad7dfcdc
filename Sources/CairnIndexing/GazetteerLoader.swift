import CairnCatalog
import CairnConfig
import CairnPlaces

/// Picks the gazetteer the configuration names: Debian's libgeonames, or the GeoNames dump imported into the
/// catalog with `cairn places import`.
public enum GazetteerLoader {
    public static func load(_ name: PlacesConfiguration.Gazetteer, catalog: Catalog) throws -> Gazetteer {
        switch name {
        case .libgeonames:
            return Gazetteer.libgeonames()
        case .imported:
            guard let (version, rows) = try catalog.importedGazetteer() else {
                throw PlacesError(message: """
                    places.gazetteer is 'imported' but no GeoNames dump has been imported into \(catalog.path); \
                    run: cairn places import FILE
                    """)
            }
            let cities = rows.map {
                City(
                    name: $0.name, adminRegion: $0.adminRegion, country: $0.country, countryCode: $0.countryCode,
                    latitude: $0.latitude, longitude: $0.longitude, population: $0.population)
            }
            return Gazetteer(cities: cities, version: version)
        }
    }
}
