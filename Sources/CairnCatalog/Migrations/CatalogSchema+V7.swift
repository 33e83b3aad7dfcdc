extension CatalogSchema {
    /// RAW+JPEG pairs: a camera raw file and a JPEG (or HEIF) of the same stem in the same folder are one photo taken
    /// as two files. The raw file records its partner in `pairedWith`; it is recognised through its partner (the
    /// partner's results are copied to it) and is not an album member of its own, so albums count the pair once.
    ///
    /// - `photo_place` (and `album_photos`, built on it) leave companions out; every album trigger of v3 derives
    ///   membership from that view, so they follow without change. Membership is derived again when a photo joins
    ///   or leaves a pair.
    /// - `paired_states`: companions per state, for the "unplaced" line (companions are never members).
    /// - A pair ends when its partner is deleted, removed, damaged or unsupported: the raw file is a photo of its own
    ///   again, and its recognition rows are dropped so it is recognised by its own preview.
    /// Shipped: never edit this text; change the schema with a new migration.
    static let v7 = Migration(
        identifier: "v7: raw and jpeg pairs",
        sql: """
            ALTER TABLE photos ADD COLUMN pairedWith INTEGER;
            CREATE INDEX photos_on_pairedWith ON photos(pairedWith) WHERE pairedWith IS NOT NULL;
            CREATE TABLE paired_states (state TEXT PRIMARY KEY NOT NULL, photos INTEGER NOT NULL) WITHOUT ROWID;
            DROP VIEW album_photos;
            DROP VIEW photo_place;
            CREATE VIEW photo_place AS
            SELECT pp.* FROM photo_places pp
            JOIN photos p ON p.id = pp.photoId AND p.state <> 'removed' AND p.pairedWith IS NULL
            WHERE pp.country IS NOT NULL AND (pp.source = 'exif' OR NOT EXISTS (
                SELECT 1 FROM photo_places e
                WHERE e.photoId = pp.photoId AND e.source = 'exif' AND e.country IS NOT NULL));
            CREATE VIEW album_photos AS
            SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, t.label AS landmark
            FROM photo_place pl
            LEFT JOIN tags t ON t.photoId = pl.photoId AND t.kind = 'landmark';
            CREATE TRIGGER photos_pairing_album AFTER UPDATE OF pairedWith ON photos
            WHEN (OLD.pairedWith IS NULL) <> (NEW.pairedWith IS NULL) BEGIN
              DELETE FROM album_landmarks WHERE photoId = NEW.id;
              DELETE FROM album_members WHERE photoId = NEW.id;
              INSERT INTO album_members (photoId, countryCode, country, adminRegion, city, takenAt, undated)
                SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, f.takenAt, f.takenAt IS NULL
                FROM photo_place pl LEFT JOIN photo_facts f ON f.photoId = pl.photoId WHERE pl.photoId = NEW.id;
              INSERT OR IGNORE INTO album_landmarks (photoId, landmark, countryCode, country, adminRegion, city)
                SELECT m.photoId, t.label, m.countryCode, m.country, m.adminRegion, m.city
                FROM album_members m JOIN tags t ON t.photoId = m.photoId AND t.kind = 'landmark'
                WHERE m.photoId = NEW.id;
            END;
            CREATE TRIGGER photos_paired_counted AFTER UPDATE OF pairedWith ON photos
            WHEN OLD.pairedWith IS NULL AND NEW.pairedWith IS NOT NULL BEGIN
              INSERT INTO paired_states VALUES (NEW.state, 1) ON CONFLICT DO UPDATE SET photos = photos + 1;
            END;
            CREATE TRIGGER photos_paired_uncounted AFTER UPDATE OF pairedWith ON photos
            WHEN OLD.pairedWith IS NOT NULL AND NEW.pairedWith IS NULL BEGIN
              UPDATE paired_states SET photos = photos - 1 WHERE state = NEW.state;
              DELETE FROM recognition WHERE photoId = NEW.id;
            END;
            CREATE TRIGGER photos_paired_state_changed BEFORE UPDATE OF state ON photos
            WHEN OLD.state <> NEW.state AND OLD.pairedWith IS NOT NULL BEGIN
              UPDATE paired_states SET photos = photos - 1 WHERE state = OLD.state;
              INSERT INTO paired_states VALUES (NEW.state, 1) ON CONFLICT DO UPDATE SET photos = photos + 1;
            END;
            CREATE TRIGGER photos_paired_deleted BEFORE DELETE ON photos WHEN OLD.pairedWith IS NOT NULL BEGIN
              UPDATE paired_states SET photos = photos - 1 WHERE state = OLD.state;
            END;
            CREATE TRIGGER photos_partner_gone AFTER UPDATE OF state ON photos
            WHEN OLD.state <> NEW.state AND NEW.state IN ('removed', 'damaged', 'unsupported') BEGIN
              UPDATE photos SET pairedWith = NULL WHERE pairedWith = NEW.id;
            END;
            CREATE TRIGGER photos_partner_deleted AFTER DELETE ON photos BEGIN
              UPDATE photos SET pairedWith = NULL WHERE pairedWith = OLD.id;
            END;
            """)
}
