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

mkdir -p "$photos"
echo "==> cairnd watching $photos, catalog ./cairn.sqlite (browse with: .build/release/cairn albums --catalog cairn.sqlite)"
exec .build/release/cairnd --watch "$photos" --catalog ./cairn.sqlite
