#!/usr/bin/env bash
# Per-photo cost of Cairn's cheap facts on realistic phone photos: makes 12-megapixel JPEGs (4000×3000,
# quality 90, with sensor-like noise) from shared landmark photos with ImageMagick, then runs cairn-bench
# (release build) on them and on a real iPhone HEIC. Prints the figures recorded in docs/PERFORMANCE.md.
#
#   bash scripts/bench-facts.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
bash scripts/install-deps.sh
command -v convert >/dev/null || { apt-get install -y -qq imagemagick >/dev/null; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
i=0
for source in ../shared/data/landmarks-dev/colosseum/*.jpg; do
    i=$((i + 1))
    [ $i -le 3 ] || break
    convert "$source" -resize '4000x3000!' -attenuate 0.6 +noise Gaussian -quality 90 "$work/plain.jpg"
    # Give it a phone's EXIF (with GPS): the APP1 segment of exiftool's Google Pixel sample, after the SOI.
    python3 - "$work/plain.jpg" ../shared/data/exif/exiftool__exiftool/t/images/Google.jpg "$work/12mp-$i.jpg" <<'PY'
import struct, sys
image, donor, out = (open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read(), sys.argv[3])
at = 2
while donor[at + 1] != 0xE1 or donor[at + 4:at + 10] != b'Exif\0\0':
    at += 2 + struct.unpack('>H', donor[at + 2:at + 4])[0]
app1 = donor[at:at + 2 + struct.unpack('>H', donor[at + 2:at + 4])[0]]
open(out, 'wb').write(image[:2] + app1 + image[2:])
PY
done

swift build -c release --product cairn-bench >/dev/null
echo "== 12 MP JPEG"
.build/release/cairn-bench facts --runs "$runs" "$work"/12mp-*.jpg
echo "== iPhone HEIC"
.build/release/cairn-bench facts --runs "$runs" ../shared/data/exif/immich-app__test-assets/formats/heic/IMG_2682.heic
