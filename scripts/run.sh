#!/usr/bin/env bash
# Set-up and the main job in one command: installs the dependencies, builds Cairn in release mode, and runs
# cairnd on a photo folder (default ./photos) with the catalog in ./cairn.sqlite. Stop it with Ctrl-C.
#
#   bash scripts/run.sh [PHOTO_FOLDER]
set -euo pipefail
cd "$(dirname "$0")/.."

photos="${1:-./photos}"
bash scripts/install-deps.sh
bash scripts/fetch-model.sh

echo "==> building (release)"
swift build -c release --product cairnd
swift build -c release --product cairn

# A landmark pack for the landmarks recognizer (its default path is ./landmarks.cairnpack): built once from the
# shared development landmarks when they are beside this repository; without it that recognizer stays off. The
# everyday photos are split by kind into a part that trains the head's non-landmark class and a part that
# calibrates the thresholds (docs/LANDMARKS.md, "A pack of your own").
if [ ! -f landmarks.cairnpack ] && [ -d ../shared/data/landmarks-dev ]; then
    echo "==> building a landmark pack from ../shared/data/landmarks-dev (once, a few minutes)"
    negatives=$(mktemp -d)/everyday
    everyday=(../shared/data/distractors-dev)
    [ -d ../shared/data/everyday-more ] && everyday+=(../shared/data/everyday-more)
    if .build/release/cairn landmarks split "${everyday[@]}" --out "$negatives" \
        && .build/release/cairn landmarks train ../shared/data/landmarks-dev --negatives "$negatives/train" \
            --out landmarks-head.safetensors \
        && .build/release/cairn landmarks build ../shared/data/landmarks-dev --negatives "$negatives/calibration" \
            --head landmarks-head.safetensors --out landmarks.cairnpack; then
        :
    else
        echo "warning: no landmark pack; the landmarks recognizer stays off" >&2
    fi
    rm -rf "$(dirname "$negatives")"
fi

mkdir -p "$photos"
echo "==> cairnd watching $photos, catalog ./cairn.sqlite (browse with: .build/release/cairn albums --catalog cairn.sqlite)"
exec .build/release/cairnd --watch "$photos" --catalog ./cairn.sqlite
