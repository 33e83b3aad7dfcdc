#!/usr/bin/env bash
# Times `cairn landmarks discover` over a generated catalog of N photos (default 100,000) with stored embeddings,
# the shape of a home library: 60% with GPS; a fifth of those at home (many subjects, every day), 300 places
# photographed on several visits (20–200 photos each, alike), the rest scattered over ten cities; float16 vectors
# of 128 values. Usage: scripts/bench-discovery.sh [N]. Needs a release build of cairn
# (swift build -c release --product cairn) and python3 with numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
photos="${1:-100000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
catalog="$work/catalog.sqlite"
mkdir -p "$work/empty"
# An empty catalog of the current schema.
.build/release/cairn index "$work/empty" --catalog "$catalog" --facts-only >/dev/null
python3 - "$catalog" "$photos" <<'PY'
import sqlite3, sys, numpy as np
path, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(22)
d = 128
def unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)
# Subjects: a shared positive component (what all photos share) plus each subject's own direction.
common = unit(rng.normal(size=d))
subjects = unit(0.7 * common + 0.7 * unit(rng.normal(size=(2000, d))))
located = int(0.6 * n)
home = located // 5
places = 300
sizes = rng.integers(20, 201, size=places)
sizes = (sizes * min(1.0, (located - home) * 0.4 / sizes.sum())).astype(int)
lat = np.empty(n); lon = np.empty(n); day = rng.integers(0, 3650, size=n); subject = rng.integers(0, 2000, size=n)
has_gps = np.zeros(n, bool); has_gps[:located] = True
lat[:home] = 52.52 + rng.normal(scale=0.0003, size=home); lon[:home] = 13.40 + rng.normal(scale=0.0005, size=home)
i = home
for p in range(places):
    c_lat, c_lon = rng.uniform(-50, 60), rng.uniform(-120, 140)
    k = sizes[p]
    lat[i:i+k] = c_lat + rng.normal(scale=0.001, size=k); lon[i:i+k] = c_lon + rng.normal(scale=0.0015, size=k)
    visits = rng.integers(0, 3650, size=rng.integers(2, 6)); day[i:i+k] = rng.choice(visits, size=k)
    subject[i:i+k] = 1000 + p  # one subject per place: its landmark
    i += k
rest = located - i
cities = rng.uniform(-50, 60, size=(10, 2))
which = rng.integers(0, 10, size=rest)
lat[i:located] = cities[which, 0] + rng.normal(scale=0.03, size=rest)
lon[i:located] = cities[which, 1] + rng.normal(scale=0.05, size=rest)
vectors = unit(subjects[subject] + 0.35 * unit(rng.normal(size=(n, d)))).astype('<f2')
db = sqlite3.connect(path)
db.execute("PRAGMA foreign_keys = ON")
now = "2026-12-05 00:00:00"
db.execute("INSERT INTO recognizers (id, version, enabled, status, updatedAt) VALUES ('embeddings', 'bench', 1, 'loaded', ?)", (now,))
with db:
    for j in range(n):
        pid = db.execute(
            "INSERT INTO photos (path, device, inode, size, mtimeNs, state, addedAt, updatedAt) VALUES (?, 1, ?, 1, 0, 'indexed', ?, ?)",
            (f"/photos/{j // 1000}/{j}.jpg", j, now, now)).lastrowid
        taken = f"{2015 + int(day[j]) // 365:04d}-{1 + int(day[j]) % 365 // 31:02d}-{1 + int(day[j]) % 28:02d}T12:00:00"
        db.execute("INSERT INTO photo_facts (photoId, takenAt, latitude, longitude) VALUES (?, ?, ?, ?)",
                   (pid, taken, float(lat[j]) if has_gps[j] else None, float(lon[j]) if has_gps[j] else None))
        db.execute("INSERT INTO recognition (photoId, recognizerId, recognizerVersion, state, updatedAt) VALUES (?, 'embeddings', 'bench', 'done', ?)", (pid, now))
        db.execute("INSERT INTO photo_embeddings (photoId, recognizerId, vector) VALUES (?, 'embeddings', ?)", (pid, vectors[j].tobytes()))
print(f"generated {n} photos, {located} with GPS ({home} at home, {int(sizes.sum())} at {places} places)")
PY
echo "catalog: $(du -h "$catalog" | cut -f1)"
for run in 1 2; do
    /usr/bin/time -o "$work/time" -f "%e s wall, %U s user, %M KB peak RSS" \
        .build/release/cairn landmarks discover --catalog "$catalog" > "$work/out"
    echo "run $run: $(cat "$work/time"); $(head -1 "$work/out")"
done
