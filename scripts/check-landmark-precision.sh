#!/usr/bin/env bash
# Landmark precision as a user meets it: a pack built the documented way (split the everyday photos by kind;
# train on one part; build and calibrate on another), then cairnd over all of ../shared/data with that pack.
# Prints how many photos of the everyday test part (never trained or calibrated on) and of the camera photos in
# exif/ got a landmark tag, per kind, and lists every one of them with its tag and why, so each can be looked at.
# A benchmark: it prints figures and asserts nothing.
#
#   bash scripts/check-landmark-precision.sh [SEED] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
seed="${1:-1}"
work="${2:-$(mktemp -d)}"
data=../shared/data
cairn=.build/release/cairn
mkdir -p "$work"
[ -x "$cairn" ] && [ -x .build/release/cairnd ] || swift build -c release --product cairn --product cairnd >/dev/null

echo "==> split, train, build (seed $seed) in $work"
rm -rf "$work/negatives"
$cairn landmarks split "$data/distractors-dev" "$data/everyday-more" --out "$work/negatives" --seed "$seed"
$cairn landmarks train "$data/landmarks-dev" --negatives "$work/negatives/train" --out "$work/head.safetensors" \
    --seed "$seed" 2>"$work/train.log" | tail -1
$cairn landmarks build "$data/landmarks-dev" --negatives "$work/negatives/calibration" --head "$work/head.safetensors" \
    --seed "$seed" --out "$work/landmarks.cairnpack" 2>"$work/build.log"

echo "==> cairnd over $data"
cat >"$work/cairn.yaml" <<EOF
watch:
  folders: [$(realpath "$data")]
catalog:
  path: $work/cairn.sqlite
recognizers:
  landmarks:
    pack: $work/landmarks.cairnpack
EOF
rm -f "$work"/cairn.sqlite*
.build/release/cairnd --config "$work/cairn.yaml" --log-level warning 2>"$work/cairnd.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
start=$(date +%s)
sleep 5
until [ "$($cairn status --config "$work/cairn.yaml" 2>/dev/null | awk '/^Queue:/ { print $2 }')" = 0 ]; do sleep 3; done
echo "queue empty after $(( $(date +%s) - start )) s"
kill "$pid"
wait "$pid" 2>/dev/null || true
trap - EXIT

echo "==> landmark tags on photos that show no famous landmark"
# The test part's real paths, with their kinds.
find "$work/negatives/test" -type l | while read -r link; do
    printf '%s\t%s\n' "$(readlink -f "$link")" "$(basename "$(dirname "$link")")"
done | sort >"$work/test-part.tsv"
python3 - "$work" <<'EOF'
import sqlite3, sys
work = sys.argv[1]
kinds = dict(line.rstrip("\n").split("\t") for line in open(f"{work}/test-part.tsv"))
db = sqlite3.connect(f"file:{work}/cairn.sqlite?mode=ro", uri=True)
tagged = {}
for path, label, score, detail in db.execute(
        "SELECT p.path, t.label, t.score, t.detail FROM tags t JOIN photos p ON p.id = t.photoId "
        "WHERE t.kind = 'landmark' AND p.state != 'removed'"):
    tagged.setdefault(path, (label, score, detail))
indexed = {path for (path,) in db.execute("SELECT path FROM photos WHERE state = 'indexed'")}
by_kind = {}
for path, kind in kinds.items():
    if path in indexed:
        entry = by_kind.setdefault(kind, [0, []])
        entry[0] += 1
        if path in tagged:
            entry[1].append(path)
total = sum(e[0] for e in by_kind.values())
false = sum(len(e[1]) for e in by_kind.values())
print(f"everyday test part: {false} of {total} indexed photos tagged ({100 * false / max(1, total):.2f}%)")
for kind in sorted(by_kind):
    n, paths = by_kind[kind]
    print(f"  {kind:16s} {len(paths):3d} of {n:4d} ({100 * len(paths) / max(1, n):.2f}%)")
exif = sorted(p for p in indexed if "/exif/" in p)
exif_tagged = [p for p in exif if p in tagged]
print(f"exif/ camera photos: {len(exif_tagged)} of {len(exif)} indexed photos tagged ({100 * len(exif_tagged) / max(1, len(exif)):.2f}%)")
print("every tagged photo of both (look at each):")
for path in sorted([p for e in by_kind.values() for p in e[1]] + exif_tagged):
    label, score, detail = tagged[path]
    print(f"  {path}: {label} {score:.3f}\n      {detail}")
EOF
