#!/usr/bin/env bash
# Runs every test: installs the dependencies, lints the Swift files changed (scripts/format-check.sh), builds the
# package with its tests and both executables, then runs the unit, catalog, CLI and daemon end-to-end tests, then (as
# root) the systemd unit under a real systemd in a container (scripts/test-systemd.sh). The tests read real photos
# from ../shared/data.
#
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/fetch-model.sh

if [ ! -d ../shared/data ]; then
    echo "error: ../shared/data (the shared test photos) is missing beside this repository" >&2
    exit 1
fi

echo "==> checking the format of the Swift files changed (scripts/format-check.sh)"
bash scripts/format-check.sh

echo "==> building (debug, with tests)"
swift build --build-tests
# The staged install (InstallTests, test-systemd.sh) makes cairn's man page with swift-argument-parser's generate-manual,
# the tool of its GenerateManual plugin: running the plugin with --help builds only the tool, beside the binaries.
swift package plugin generate-manual --help >/dev/null

echo "==> running tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
swift test --skip-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
    echo "tests failed (swift test exited $status)" >&2
    exit "$status"
fi
count=$(grep -Eo 'Test run with [0-9]+ tests' "$log" | grep -Eo '[0-9]+' | tail -1)
if [ -z "$count" ] || [ "$count" -eq 0 ]; then
    echo "error: no tests ran" >&2
    exit 1
fi
echo "swift test: $count passed, 0 failed"

# The unit under a real systemd, in a Debian 12 container (systemd-nspawn needs root; CI runs this as root).
if [ "$(id -u)" -eq 0 ]; then
    echo "==> the systemd unit under a real systemd (scripts/test-systemd.sh)"
    BINDIR="$(swift build --show-bin-path)" bash scripts/test-systemd.sh
else
    echo "==> skipping scripts/test-systemd.sh: it needs root (sudo bash scripts/test-systemd.sh)"
fi

# Each target's seeds count among its inputs: the numbers give every target a few hundred to a few thousand mutations
# beyond them: about four minutes in all on two cores, builds included (the config target compiles Yams and libyaml;
# docs/RELIABILITY.md has the campaigns).
echo "==> fuzzing every parser briefly, the same inputs every run, and replaying the saved findings (scripts/fuzz.sh)"
RUNS=400 bash scripts/fuzz.sh formats
RUNS=1500 bash scripts/fuzz.sh eighth
RUNS=1200 bash scripts/fuzz.sh jpeg
RUNS=20000 bash scripts/fuzz.sh exif
RUNS=300 bash scripts/fuzz.sh heif
RUNS=3000 bash scripts/fuzz.sh tensor
RUNS=2000 bash scripts/fuzz.sh pack
RUNS=3000 bash scripts/fuzz.sh plugin
RUNS=3000 bash scripts/fuzz.sh config
RUNS=1000 bash scripts/fuzz.sh geonames
RUNS=3000 bash scripts/fuzz.sh xmp
