extension CatalogSchema {
    /// Album membership and counts kept up to date by triggers, so browsing a catalog of a million photos reads a few
    /// hundred rows instead of grouping the photo and tag tables (docs/ARCHITECTURE.md):
    ///
    /// - `album_members`: one row per photo in an album (not removed, with a place that has a country): the place of
    ///   the `photo_place` view, and the date taken for ordering (`undated` first-key so dated photos come first).
    /// - `album_landmarks`: one row per (member photo, landmark label), with the photo's place.
    /// - `album_counts`: photos per (country, code, region, city, landmark), `''` standing for none; rows with
    ///   `landmark = ''` count places (each photo once), the others landmarks.
    /// - `photo_state_counts`: photos per state.
    ///
    /// Any write to `photo_places`, a landmark tag, a photo's state or its date re-derives that one photo's rows
    /// (delete its album rows, insert them again from `photo_place`); counts follow the member and landmark rows.
    /// The last statements fill the tables from what the catalog already holds.
    /// Shipped: never edit this text; change the schema with a new migration.
    static let v3 = Migration(
        identifier: "v3: album tables kept by triggers",
        sql: """
            CREATE TABLE album_members (
              photoId INTEGER PRIMARY KEY NOT NULL,
              countryCode TEXT, country TEXT NOT NULL, adminRegion TEXT, city TEXT,
              takenAt TEXT, undated INTEGER NOT NULL);
            CREATE INDEX album_members_on_city ON album_members (city, undated, takenAt DESC);
            CREATE INDEX album_members_on_country ON album_members (country, undated, takenAt DESC);
            CREATE TABLE album_landmarks (
              photoId INTEGER NOT NULL, landmark TEXT NOT NULL,
              countryCode TEXT, country TEXT NOT NULL, adminRegion TEXT, city TEXT,
              PRIMARY KEY (photoId, landmark));
            CREATE TABLE album_counts (
              country TEXT NOT NULL, countryCode TEXT NOT NULL, adminRegion TEXT NOT NULL, city TEXT NOT NULL,
              landmark TEXT NOT NULL, photos INTEGER NOT NULL,
              PRIMARY KEY (country, countryCode, adminRegion, city, landmark)) WITHOUT ROWID;
            CREATE TABLE photo_state_counts (state TEXT PRIMARY KEY NOT NULL, photos INTEGER NOT NULL) WITHOUT ROWID;
            CREATE INDEX tags_on_label_nocase ON tags (label COLLATE NOCASE, photoId);
            CREATE TRIGGER album_members_counted AFTER INSERT ON album_members BEGIN
              INSERT INTO album_counts VALUES (NEW.country, ifnull(NEW.countryCode, ''), ifnull(NEW.adminRegion, ''), \
            ifnull(NEW.city, ''), '', 1)
                ON CONFLICT DO UPDATE SET photos = photos + 1;
            END;
            CREATE TRIGGER album_members_uncounted AFTER DELETE ON album_members BEGIN
              UPDATE album_counts SET photos = photos - 1 WHERE country = OLD.country AND countryCode = \
            ifnull(OLD.countryCode, '') AND adminRegion = ifnull(OLD.adminRegion, '') AND city = ifnull(OLD.city, '') \
            AND landmark = '';
              DELETE FROM album_counts WHERE photos <= 0 AND country = OLD.country AND countryCode = \
            ifnull(OLD.countryCode, '') AND adminRegion = ifnull(OLD.adminRegion, '') AND city = ifnull(OLD.city, '') \
            AND landmark = '';
            END;
            CREATE TRIGGER album_landmarks_counted AFTER INSERT ON album_landmarks BEGIN
              INSERT INTO album_counts VALUES (NEW.country, ifnull(NEW.countryCode, ''), ifnull(NEW.adminRegion, ''), \
            ifnull(NEW.city, ''), NEW.landmark, 1)
                ON CONFLICT DO UPDATE SET photos = photos + 1;
            END;
            CREATE TRIGGER album_landmarks_uncounted AFTER DELETE ON album_landmarks BEGIN
              UPDATE album_counts SET photos = photos - 1 WHERE country = OLD.country AND countryCode = \
            ifnull(OLD.countryCode, '') AND adminRegion = ifnull(OLD.adminRegion, '') AND city = ifnull(OLD.city, '') \
            AND landmark = OLD.landmark;
              DELETE FROM album_counts WHERE photos <= 0 AND country = OLD.country AND countryCode = \
            ifnull(OLD.countryCode, '') AND adminRegion = ifnull(OLD.adminRegion, '') AND city = ifnull(OLD.city, '') \
            AND landmark = OLD.landmark;
            END;
            CREATE TRIGGER photo_places_inserted_album AFTER INSERT ON photo_places BEGIN
              DELETE FROM album_landmarks WHERE photoId = NEW.photoId;
            DELETE FROM album_members WHERE photoId = NEW.photoId;
            INSERT INTO album_members (photoId, countryCode, country, adminRegion, city, takenAt, undated)
              SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, f.takenAt, f.takenAt IS NULL
              FROM photo_place pl LEFT JOIN photo_facts f ON f.photoId = pl.photoId WHERE pl.photoId = NEW.photoId;
            INSERT OR IGNORE INTO album_landmarks (photoId, landmark, countryCode, country, adminRegion, city)
              SELECT m.photoId, t.label, m.countryCode, m.country, m.adminRegion, m.city
              FROM album_members m JOIN tags t ON t.photoId = m.photoId AND t.kind = 'landmark' WHERE m.photoId = \
            NEW.photoId;
            END;
            CREATE TRIGGER photo_places_deleted_album AFTER DELETE ON photo_places BEGIN
              DELETE FROM album_landmarks WHERE photoId = OLD.photoId;
            DELETE FROM album_members WHERE photoId = OLD.photoId;
            INSERT INTO album_members (photoId, countryCode, country, adminRegion, city, takenAt, undated)
              SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, f.takenAt, f.takenAt IS NULL
              FROM photo_place pl LEFT JOIN photo_facts f ON f.photoId = pl.photoId WHERE pl.photoId = OLD.photoId;
            INSERT OR IGNORE INTO album_landmarks (photoId, landmark, countryCode, country, adminRegion, city)
              SELECT m.photoId, t.label, m.countryCode, m.country, m.adminRegion, m.city
              FROM album_members m JOIN tags t ON t.photoId = m.photoId AND t.kind = 'landmark' WHERE m.photoId = \
            OLD.photoId;
            END;
            CREATE TRIGGER photo_places_updated_album AFTER UPDATE ON photo_places BEGIN
              DELETE FROM album_landmarks WHERE photoId = OLD.photoId;
            DELETE FROM album_members WHERE photoId = OLD.photoId;
            INSERT INTO album_members (photoId, countryCode, country, adminRegion, city, takenAt, undated)
              SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, f.takenAt, f.takenAt IS NULL
              FROM photo_place pl LEFT JOIN photo_facts f ON f.photoId = pl.photoId WHERE pl.photoId = OLD.photoId;
            INSERT OR IGNORE INTO album_landmarks (photoId, landmark, countryCode, country, adminRegion, city)
              SELECT m.photoId, t.label, m.countryCode, m.country, m.adminRegion, m.city
              FROM album_members m JOIN tags t ON t.photoId = m.photoId AND t.kind = 'landmark' WHERE m.photoId = \
            OLD.photoId;
              DELETE FROM album_landmarks WHERE photoId = NEW.photoId;
            DELETE FROM album_members WHERE photoId = NEW.photoId;
            INSERT INTO album_members (photoId, countryCode, country, adminRegion, city, takenAt, undated)
              SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, f.takenAt, f.takenAt IS NULL
              FROM photo_place pl LEFT JOIN photo_facts f ON f.photoId = pl.photoId WHERE pl.photoId = NEW.photoId;
            INSERT OR IGNORE INTO album_landmarks (photoId, landmark, countryCode, country, adminRegion, city)
              SELECT m.photoId, t.label, m.countryCode, m.country, m.adminRegion, m.city
              FROM album_members m JOIN tags t ON t.photoId = m.photoId AND t.kind = 'landmark' WHERE m.photoId = \
            NEW.photoId;
            END;
            CREATE TRIGGER tags_inserted_album AFTER INSERT ON tags WHEN NEW.kind = 'landmark' BEGIN
              DELETE FROM album_landmarks WHERE photoId = NEW.photoId;
            DELETE FROM album_members WHERE photoId = NEW.photoId;
            INSERT INTO album_members (photoId, countryCode, country, adminRegion, city, takenAt, undated)
              SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, f.takenAt, f.takenAt IS NULL
              FROM photo_place pl LEFT JOIN photo_facts f ON f.photoId = pl.photoId WHERE pl.photoId = NEW.photoId;
            INSERT OR IGNORE INTO album_landmarks (photoId, landmark, countryCode, country, adminRegion, city)
              SELECT m.photoId, t.label, m.countryCode, m.country, m.adminRegion, m.city
              FROM album_members m JOIN tags t ON t.photoId = m.photoId AND t.kind = 'landmark' WHERE m.photoId = \
            NEW.photoId;
            END;
            CREATE TRIGGER tags_deleted_album AFTER DELETE ON tags WHEN OLD.kind = 'landmark' BEGIN
              DELETE FROM album_landmarks WHERE photoId = OLD.photoId;
            DELETE FROM album_members WHERE photoId = OLD.photoId;
            INSERT INTO album_members (photoId, countryCode, country, adminRegion, city, takenAt, undated)
              SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, f.takenAt, f.takenAt IS NULL
              FROM photo_place pl LEFT JOIN photo_facts f ON f.photoId = pl.photoId WHERE pl.photoId = OLD.photoId;
            INSERT OR IGNORE INTO album_landmarks (photoId, landmark, countryCode, country, adminRegion, city)
              SELECT m.photoId, t.label, m.countryCode, m.country, m.adminRegion, m.city
              FROM album_members m JOIN tags t ON t.photoId = m.photoId AND t.kind = 'landmark' WHERE m.photoId = \
            OLD.photoId;
            END;
            CREATE TRIGGER tags_updated_album AFTER UPDATE ON tags WHEN OLD.kind = 'landmark' OR NEW.kind = \
            'landmark' BEGIN
              DELETE FROM album_landmarks WHERE photoId = OLD.photoId;
            DELETE FROM album_members WHERE photoId = OLD.photoId;
            INSERT INTO album_members (photoId, countryCode, country, adminRegion, city, takenAt, undated)
              SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, f.takenAt, f.takenAt IS NULL
              FROM photo_place pl LEFT JOIN photo_facts f ON f.photoId = pl.photoId WHERE pl.photoId = OLD.photoId;
            INSERT OR IGNORE INTO album_landmarks (photoId, landmark, countryCode, country, adminRegion, city)
              SELECT m.photoId, t.label, m.countryCode, m.country, m.adminRegion, m.city
              FROM album_members m JOIN tags t ON t.photoId = m.photoId AND t.kind = 'landmark' WHERE m.photoId = \
            OLD.photoId;
              DELETE FROM album_landmarks WHERE photoId = NEW.photoId;
            DELETE FROM album_members WHERE photoId = NEW.photoId;
            INSERT INTO album_members (photoId, countryCode, country, adminRegion, city, takenAt, undated)
              SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, f.takenAt, f.takenAt IS NULL
              FROM photo_place pl LEFT JOIN photo_facts f ON f.photoId = pl.photoId WHERE pl.photoId = NEW.photoId;
            INSERT OR IGNORE INTO album_landmarks (photoId, landmark, countryCode, country, adminRegion, city)
              SELECT m.photoId, t.label, m.countryCode, m.country, m.adminRegion, m.city
              FROM album_members m JOIN tags t ON t.photoId = m.photoId AND t.kind = 'landmark' WHERE m.photoId = \
            NEW.photoId;
            END;
            CREATE TRIGGER photos_state_album AFTER UPDATE OF state ON photos
            WHEN (OLD.state = 'removed') <> (NEW.state = 'removed') BEGIN
              DELETE FROM album_landmarks WHERE photoId = NEW.id;
            DELETE FROM album_members WHERE photoId = NEW.id;
            INSERT INTO album_members (photoId, countryCode, country, adminRegion, city, takenAt, undated)
              SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, f.takenAt, f.takenAt IS NULL
              FROM photo_place pl LEFT JOIN photo_facts f ON f.photoId = pl.photoId WHERE pl.photoId = NEW.id;
            INSERT OR IGNORE INTO album_landmarks (photoId, landmark, countryCode, country, adminRegion, city)
              SELECT m.photoId, t.label, m.countryCode, m.country, m.adminRegion, m.city
              FROM album_members m JOIN tags t ON t.photoId = m.photoId AND t.kind = 'landmark' WHERE m.photoId = \
            NEW.id;
            END;
            CREATE TRIGGER photos_deleted_album AFTER DELETE ON photos BEGIN
              DELETE FROM album_landmarks WHERE photoId = OLD.id;
            DELETE FROM album_members WHERE photoId = OLD.id;
            INSERT INTO album_members (photoId, countryCode, country, adminRegion, city, takenAt, undated)
              SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, f.takenAt, f.takenAt IS NULL
              FROM photo_place pl LEFT JOIN photo_facts f ON f.photoId = pl.photoId WHERE pl.photoId = OLD.id;
            INSERT OR IGNORE INTO album_landmarks (photoId, landmark, countryCode, country, adminRegion, city)
              SELECT m.photoId, t.label, m.countryCode, m.country, m.adminRegion, m.city
              FROM album_members m JOIN tags t ON t.photoId = m.photoId AND t.kind = 'landmark' WHERE m.photoId = \
            OLD.id;
            END;
            CREATE TRIGGER photo_facts_inserted_album AFTER INSERT ON photo_facts BEGIN
              UPDATE album_members SET takenAt = NEW.takenAt, undated = NEW.takenAt IS NULL WHERE photoId = \
            NEW.photoId;
            END;
            CREATE TRIGGER photo_facts_updated_album AFTER UPDATE OF takenAt ON photo_facts BEGIN
              UPDATE album_members SET takenAt = NEW.takenAt, undated = NEW.takenAt IS NULL WHERE photoId = \
            NEW.photoId;
            END;
            CREATE TRIGGER photo_facts_deleted_album AFTER DELETE ON photo_facts BEGIN
              UPDATE album_members SET takenAt = NULL, undated = 1 WHERE photoId = OLD.photoId;
            END;
            CREATE TRIGGER photos_counted AFTER INSERT ON photos BEGIN
              INSERT INTO photo_state_counts VALUES (NEW.state, 1) ON CONFLICT DO UPDATE SET photos = photos + 1;
            END;
            CREATE TRIGGER photos_uncounted AFTER DELETE ON photos BEGIN
              UPDATE photo_state_counts SET photos = photos - 1 WHERE state = OLD.state;
            END;
            CREATE TRIGGER photos_recounted AFTER UPDATE OF state ON photos WHEN OLD.state <> NEW.state BEGIN
              UPDATE photo_state_counts SET photos = photos - 1 WHERE state = OLD.state;
              INSERT INTO photo_state_counts VALUES (NEW.state, 1) ON CONFLICT DO UPDATE SET photos = photos + 1;
            END;
            INSERT INTO photo_state_counts SELECT state, COUNT(*) FROM photos GROUP BY state;
            INSERT INTO album_members (photoId, countryCode, country, adminRegion, city, takenAt, undated)
              SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, f.takenAt, f.takenAt IS NULL
              FROM photo_place pl LEFT JOIN photo_facts f ON f.photoId = pl.photoId;
            INSERT OR IGNORE INTO album_landmarks (photoId, landmark, countryCode, country, adminRegion, city)
              SELECT m.photoId, t.label, m.countryCode, m.country, m.adminRegion, m.city
              FROM album_members m JOIN tags t ON t.photoId = m.photoId AND t.kind = 'landmark';
            """)
}
