#!/usr/bin/env bash
# End-to-end indexing throughput on a realistic library (issue "End-to-end throughput"); figures in
# docs/PERFORMANCE.md.
#
#   bash scripts/bench-index.sh [PHOTOS] [LIBRARY]
#
# 1. A throwaway venv (under a temporary folder, removed at exit) with Pillow, numpy, onnx and onnxruntime from PyPI.
# 2. The library, unless LIBRARY (default /tmp/cairn-bench-lib) already holds PHOTOS (default 200) JPEGs:
#    tools/make_bench_library.py makes 12 MP phone-like JPEGs (4000x3000, noise, quality 90, EXIF GPS) from the
#    shared photos. Outside the repository.
# 3. A landmark pack from the shared data, built as docs/LANDMARKS.md says (split, train, build: with everyday
#    exemplars and the margin) and a configuration with the backbone, scene tags and landmarks enabled.
# 4. `cairn-bench index` on 1 and 2 worker threads (fresh catalog each time): ingest, recognition, end to end,
#    per-stage medians and p95, CPU, peak RSS, the floor (cores x 1 / (decode + CNN), mean times) and the share of
#    it reached; on 2 workers, 5 more rounds of pipeline then floor, and the median share of those rounds.
# 5. The same library through Pillow (draft) + onnxruntime, 1 and 2 threads (tools/bench_pillow_onnx.py).
# 6. cairnd itself on the library: time from start to an empty queue, its peak and idle RSS (from /proc).
#
# Needs release builds of cairn, cairnd and cairn-bench (`swift build -c release`; not rebuilt here) and the model.
# Prints figures; asserts nothing. The machine's other load shows in the figures: run it twice, compare.
set -euo pipefail
cd "$(dirname "$0")/.."
photos="${1:-200}"
lib="${2:-/tmp/cairn-bench-lib}"
rel=.build/release
for exe in cairn cairnd cairn-bench; do
    [ -x "$rel/$exe" ] || { echo "error: no $rel/$exe; run: swift build -c release" >&2; exit 1; }
done
[ -f models/efficientnet-lite0.safetensors ] || { echo "error: no model; run: bash scripts/fetch-model.sh" >&2; exit 1; }

work=$(mktemp -d)
daemon=
cleanup() { [ -z "$daemon" ] || kill "$daemon" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "==> venv (Pillow, numpy, onnx, onnxruntime)"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check pillow numpy onnx onnxruntime
py="$work/venv/bin/python"

have=$(find "$lib" -maxdepth 1 -name '*.jpg' 2>/dev/null | wc -l)
if [ "$have" -lt "$photos" ]; then
    echo "==> library: $photos photos in $lib"
    rm -rf "$lib"
    "$py" tools/make_bench_library.py --out "$lib" --count "$photos"
fi
echo "library: $(find "$lib" -maxdepth 1 -name '*.jpg' | wc -l) JPEGs, $(du -sh "$lib" | cut -f1)"
cat "$lib"/*.jpg >/dev/null  # warm the page cache, so every engine reads from memory

echo "==> landmark pack (as docs/LANDMARKS.md builds one: everyday photos split by kind, a head, its margin)"
everyday=(../shared/data/distractors-dev)
[ -d ../shared/data/everyday-more ] && everyday+=(../shared/data/everyday-more)
"$rel/cairn" landmarks split "${everyday[@]}" --out "$work/everyday" >/dev/null
"$rel/cairn" landmarks train ../shared/data/landmarks-dev --negatives "$work/everyday/train" \
    --out "$work/head.safetensors" >/dev/null 2>&1
"$rel/cairn" landmarks build ../shared/data/landmarks-dev --negatives "$work/everyday/calibration" \
    --head "$work/head.safetensors" --out "$work/dev.cairnpack" >/dev/null 2>&1
cat >"$work/bench.yaml" <<EOF
catalog:
  path: $work/catalog.sqlite
backbone:
  model: $PWD/models/efficientnet-lite0.safetensors
workers:
  threads: 2
  niceness: 0
recognizers:
  scene-tags:
    enabled: true
  landmarks:
    enabled: true
    pack: $work/dev.cairnpack
EOF

for threads in 1 2; do
    echo "==> cairn-bench index, $threads worker(s)"
    # On 2 workers, 5 more rounds of pipeline then floor, each round judged alone: the host's speed drifts.
    rounds=0
    [ "$threads" = 2 ] && rounds=5
    "$rel/cairn-bench" index "$lib" --config "$work/bench.yaml" --catalog "$work/bench.sqlite" --threads "$threads" \
        --rounds "$rounds"
done

echo "==> Pillow (draft) + onnxruntime"
"$py" tools/onnx_backbone.py export --out "$work/lite0.onnx" >/dev/null
for threads in 1 2; do
    "$py" tools/bench_pillow_onnx.py --model "$work/lite0.onnx" --threads "$threads" "$lib"
done

echo "==> cairnd on the library (2 workers): start to empty queue, RSS"
rm -f "$work"/catalog.sqlite*
start=$(date +%s.%N)
"$rel/cairnd" --config "$work/bench.yaml" --watch "$lib" --log-level warning &
daemon=$!
peak=0
while sleep 0.2; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$daemon/status")
    [ "$rss" -gt "$peak" ] && peak=$rss
    queue=$("$rel/cairn" status --config "$work/bench.yaml" --json 2>/dev/null \
        | "$py" -c 'import json,sys; s=json.load(sys.stdin); print(s["queue"] if s["totalPhotos"] else -1)' || echo -1)
    [ "$queue" = 0 ] && break
    if [ "$(python3 -c "import time; print(int(time.time() - $start > 900))")" = 1 ]; then
        echo "warning: queue not empty after 900 s (last read: $queue); stopping the measurement" >&2
        break
    fi
done
end=$(date +%s.%N)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$daemon/status")
sleep 5
idle=$(awk '/VmRSS/ {print $2}' "/proc/$daemon/status")
"$py" - "$start" "$end" "$photos" "$peak" "$hwm" "$idle" <<'PY'
import sys
start, end, photos, peak, hwm, idle = (float(v) for v in sys.argv[1:])
print(f"cairnd: {photos:.0f} photos from start to empty queue in {end - start:.1f} s ({photos / (end - start):.1f} photos/s, "
      f"start-up and 0.2 s polling included); RSS sampled peak {peak / 1024:.0f} MB, VmHWM {hwm / 1024:.0f} MB, "
      f"idle 5 s later {idle / 1024:.0f} MB")
PY
kill "$daemon"
wait "$daemon" 2>/dev/null || true
daemon=
