extension CatalogSchema {
    /// Two more counts kept by triggers, so `cairn albums` and `cairn tags` read a few rows on a catalog of a million
    /// photos instead of joining or grouping the photo and tag tables:
    ///
    /// - `album_member_states`: rows of `album_members` per state of their photo (members are never removed photos,
    ///   but some are damaged, pending or unsupported), for the "unplaced" line of the album tree;
    /// - `tag_counts`: photos (not removed) per (kind, label); a photo tagged twice with one label counts once.
    ///
    /// Ordering between triggers on one statement is not something to rely on, so a photo's state change is counted
    /// in BEFORE triggers (the album rows the v3 triggers re-derive AFTER it then see the new state) and every other
    /// trigger reads the photo's state as it is when it fires. The last statements fill the tables from what the
    /// catalog already holds (on a catalog of 5,000,000 tags, the one slow grouping, done once).
    /// Shipped: never edit this text; change the schema with a new migration.
    static let v4 = Migration(
        identifier: "v4: album member states and tag counts kept by triggers",
        sql: """
            CREATE TABLE album_member_states (state TEXT PRIMARY KEY NOT NULL, photos INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE tag_counts (
              kind TEXT NOT NULL, label TEXT NOT NULL, photos INTEGER NOT NULL,
              PRIMARY KEY (kind, label)) WITHOUT ROWID;
            CREATE TRIGGER album_members_state_counted AFTER INSERT ON album_members BEGIN
              INSERT INTO album_member_states SELECT state, 1 FROM photos WHERE id = NEW.photoId
                ON CONFLICT DO UPDATE SET photos = photos + 1;
            END;
            CREATE TRIGGER album_members_state_uncounted AFTER DELETE ON album_members BEGIN
              UPDATE album_member_states SET photos = photos - 1
                WHERE state = (SELECT state FROM photos WHERE id = OLD.photoId);
            END;
            CREATE TRIGGER photos_member_state_changed BEFORE UPDATE OF state ON photos
            WHEN OLD.state <> NEW.state AND EXISTS (SELECT 1 FROM album_members WHERE photoId = OLD.id) BEGIN
              UPDATE album_member_states SET photos = photos - 1 WHERE state = OLD.state;
              INSERT INTO album_member_states VALUES (NEW.state, 1) ON CONFLICT DO UPDATE SET photos = photos + 1;
            END;
            CREATE TRIGGER photos_member_state_deleted BEFORE DELETE ON photos
            WHEN EXISTS (SELECT 1 FROM album_members WHERE photoId = OLD.id) BEGIN
              UPDATE album_member_states SET photos = photos - 1 WHERE state = OLD.state;
            END;
            CREATE TRIGGER tags_counted AFTER INSERT ON tags
            WHEN (SELECT state FROM photos WHERE id = NEW.photoId) <> 'removed' AND NOT EXISTS (
              SELECT 1 FROM tags WHERE photoId = NEW.photoId AND kind = NEW.kind AND label = NEW.label AND id <> \
            NEW.id)
            BEGIN
              INSERT INTO tag_counts VALUES (NEW.kind, NEW.label, 1) ON CONFLICT DO UPDATE SET photos = photos + 1;
            END;
            CREATE TRIGGER tags_uncounted AFTER DELETE ON tags
            WHEN (SELECT state FROM photos WHERE id = OLD.photoId) <> 'removed' AND NOT EXISTS (
              SELECT 1 FROM tags WHERE photoId = OLD.photoId AND kind = OLD.kind AND label = OLD.label)
            BEGIN
              UPDATE tag_counts SET photos = photos - 1 WHERE kind = OLD.kind AND label = OLD.label;
            DELETE FROM tag_counts WHERE kind = OLD.kind AND label = OLD.label AND photos <= 0;
            END;
            CREATE TRIGGER tags_recounted AFTER UPDATE OF photoId, kind, label ON tags
            WHEN OLD.photoId <> NEW.photoId OR OLD.kind <> NEW.kind OR OLD.label <> NEW.label BEGIN
              UPDATE tag_counts SET photos = photos - 1 WHERE kind = OLD.kind AND label = OLD.label
                AND (SELECT state FROM photos WHERE id = OLD.photoId) <> 'removed' AND NOT EXISTS (
                  SELECT 1 FROM tags WHERE photoId = OLD.photoId AND kind = OLD.kind AND label = OLD.label);
              DELETE FROM tag_counts WHERE kind = OLD.kind AND label = OLD.label AND photos <= 0;
              INSERT INTO tag_counts SELECT NEW.kind, NEW.label, 1
                WHERE (SELECT state FROM photos WHERE id = NEW.photoId) <> 'removed' AND NOT EXISTS (
                  SELECT 1 FROM tags WHERE photoId = NEW.photoId AND kind = NEW.kind AND label = NEW.label AND id <> \
            NEW.id)
                ON CONFLICT DO UPDATE SET photos = photos + 1;
            END;
            CREATE TRIGGER photos_tags_removed AFTER UPDATE OF state ON photos
            WHEN OLD.state <> 'removed' AND NEW.state = 'removed' BEGIN
              UPDATE tag_counts SET photos = photos - 1
                WHERE (kind, label) IN (SELECT kind, label FROM tags WHERE photoId = NEW.id);
              DELETE FROM tag_counts WHERE photos <= 0
                AND (kind, label) IN (SELECT kind, label FROM tags WHERE photoId = NEW.id);
            END;
            CREATE TRIGGER photos_tags_back AFTER UPDATE OF state ON photos
            WHEN OLD.state = 'removed' AND NEW.state <> 'removed' BEGIN
              INSERT INTO tag_counts SELECT DISTINCT kind, label, 1 FROM tags WHERE photoId = NEW.id
                ON CONFLICT DO UPDATE SET photos = photos + 1;
            END;
            CREATE TRIGGER photos_tags_deleted BEFORE DELETE ON photos WHEN OLD.state <> 'removed' BEGIN
              UPDATE tag_counts SET photos = photos - 1
                WHERE (kind, label) IN (SELECT kind, label FROM tags WHERE photoId = OLD.id);
              DELETE FROM tag_counts WHERE photos <= 0
                AND (kind, label) IN (SELECT kind, label FROM tags WHERE photoId = OLD.id);
            END;
            INSERT INTO album_member_states
              SELECT p.state, COUNT(*) FROM album_members m JOIN photos p ON p.id = m.photoId GROUP BY p.state;
            INSERT INTO tag_counts
              SELECT t.kind, t.label, COUNT(DISTINCT t.photoId) FROM tags t
              JOIN photos p ON p.id = t.photoId AND p.state <> 'removed' GROUP BY t.kind, t.label;
            """)
}
