#!/usr/bin/env python3
"""Fills a Cairn catalog with a synthetic library, to measure browsing at scale (docs/PERFORMANCE.md).

    .build/release/cairn index --facts-only EMPTY_DIR --catalog big.sqlite   # creates the schema
    python3 tools/make_big_catalog.py big.sqlite --photos 1000000 --tags-per-photo 5

Python standard library only. Inserts through the schema's own triggers (album tables and counts are kept as
cairnd keeps them): photos (95% indexed, 2% removed, 2% damaged, 1% pending), their facts (a date over ten
years for 97% of them), an EXIF place for 80% (2,000 cities in 120 countries, a few of them dominant, as in a
family's library), scene tags (1,000 labels, Zipf-distributed) so that the total is --tags-per-photo per photo,
and for 5% a landmark tag: one of the photo's city (400 landmarks in 300 cities), or any for a photo without GPS
(with the landmark's place). Deterministic for a seed.
"""
import argparse
import random
import sqlite3
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalog")
    parser.add_argument("--photos", type=int, default=1_000_000)
    parser.add_argument("--tags-per-photo", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    db = sqlite3.connect(args.catalog)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA foreign_keys = ON")
    countries = [(f"C{i:03d}", f"Country {i}") for i in range(120)]
    cities = []
    for i in range(2000):
        code, country = countries[min(int(rng.paretovariate(1.2)) - 1, 119)]
        cities.append((code, country, f"Region {i % 37}", f"City {i}"))
    city_weights = [1.0 / (i + 1) for i in range(len(cities))]
    labels = [f"label{i}" for i in range(1000)]
    label_weights = [1.0 / (i + 1) ** 0.9 for i in range(len(labels))]
    landmarks = [(f"Landmark {i}", cities[i * 7 % 300]) for i in range(400)]
    landmarks_in = {}
    for landmark in landmarks:
        landmarks_in.setdefault(landmark[1][3], []).append(landmark)
    scene_per_photo = max(0, round(args.tags_per_photo - 0.05))
    start = time.time()
    now = "2026-01-01 00:00:00.000"
    batch = 20_000
    tags_total = 0
    for first in range(0, args.photos, batch):
        count = min(batch, args.photos - first)
        photos, facts, places, tags = [], [], [], []
        for k in range(count):
            i = first + k + 1
            roll = rng.random()
            state = "indexed" if roll < 0.95 else "removed" if roll < 0.97 else "damaged" if roll < 0.99 else "pending"
            photos.append((i, f"/photos/{i // 1000:04d}/IMG_{i:07d}.jpg", 1, i, 3_000_000, i, f"{i:016x}", "jpeg",
                           state, "removed" if state == "removed" else None, now, now,
                           now if state == "removed" else None))
            taken = None
            if rng.random() < 0.97:
                taken = (f"{rng.randint(2016, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                         f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}")
            facts.append((i, taken, "Google", "Pixel 7", 1, 4000, 3000))
            if rng.random() < 0.8:
                code, country, region, city = rng.choices(cities, city_weights)[0]
                places.append((i, "exif", code, country, region, city, "libgeonames:test"))
            chosen = set()
            while len(chosen) < scene_per_photo:
                chosen.add(rng.choices(labels, label_weights)[0])
            for label in chosen:
                tags.append((i, "scene", label, round(rng.random(), 3), "scene-tags", "v1"))
            if rng.random() < 0.05:
                # A landmark of the photo's city (none if its city has none), any landmark for a photo without GPS.
                placed = places and places[-1][0] == i
                choices = landmarks_in.get(places[-1][5], []) if placed else landmarks
                if choices:
                    name, (code, country, region, city) = rng.choice(choices)
                    tags.append((i, "landmark", name, 0.8, "landmarks", "v1"))
                    if not placed:
                        places.append((i, "landmark", None, country, None, city, f"landmark:{name}"))
        with db:
            db.executemany("""INSERT INTO photos (id, path, device, inode, size, mtimeNs, contentHash, format, state,
                              errorReason, addedAt, updatedAt, removedAt) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""", photos)
            db.executemany("""INSERT INTO photo_facts (photoId, takenAt, cameraMake, cameraModel, orientation, width,
                              height) VALUES (?,?,?,?,?,?,?)""", facts)
            db.executemany("""INSERT INTO photo_places (photoId, source, countryCode, country, adminRegion, city,
                              gazetteerVersion) VALUES (?,?,?,?,?,?,?)""", places)
            db.executemany("""INSERT INTO tags (photoId, kind, label, score, recognizerId, recognizerVersion)
                              VALUES (?,?,?,?,?,?)""", tags)
        tags_total += len(tags)
        print(f"  {first + count} photos, {tags_total} tags, {time.time() - start:.0f} s", flush=True)
    db.execute("ANALYZE")
    db.close()
    print(f"{args.photos} photos and {tags_total} tags in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
