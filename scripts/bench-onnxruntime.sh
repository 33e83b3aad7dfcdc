#!/usr/bin/env bash
# EfficientNet-Lite0 in onnxruntime beside Cairn's Swift engine, on this machine's CPU.
#
#   bash scripts/bench-onnxruntime.sh [REPS] [PHOTO]
#
# 1. Installs onnx, onnxruntime and numpy from PyPI into a throwaway venv under a temporary folder (the
#    global site-packages are neither used nor touched; the folder is removed at exit) and says how long that took.
# 2. Builds the ONNX graph from models/efficientnet-lite0.safetensors with tools/onnx_backbone.py (batch norm
#    folded, float32, explicit TF "same" pads) and checks onnxruntime's outputs against the NumPy float64
#    reference fixture Tests/Fixtures/backbone-reference.json, on inputs made by `cairn-bench preprocess` (their
#    SHA-256 must be the fixture's): max |logit difference|, feature cosine, top-5.
# 3. Times both engines on PHOTO (default: the coffee mug of docs/PERFORMANCE.md) at batch 1 and 8, on 1 and 2
#    threads. Each measurement is one fresh process (warm-up, then a timed loop; ms per image = wall time /
#    images, as `cairn-bench cnn` computes it); REPS (default 7) rounds, the two engines interleaved setting by
#    setting so that the machine's drift hits both alike. The table gives the median and the minimum over the
#    rounds, the median CPU time per image, the median peak RSS, and Cairn / onnxruntime for each.
#
# Two threads mean two things. Cairn's `--threads 2` runs one session per thread on different images
# (throughput); onnxruntime's "2 sessions" rows do the same (two sessions with one intra-op thread each, on two
# Python threads in one process): those are the comparable rows. "intra-op 2" is one session splitting each
# batch over two threads (lower latency per batch), shown for reference.
#
# Needs .build/release/cairn-bench (`swift build -c release --product cairn-bench`; not rebuilt here), the
# model (scripts/fetch-model.sh) and the shared photos in ../shared/data. Prints everything; asserts only the
# agreement with the reference.
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-7}"
photo="${2:-../shared/data/distractors-dev/n03063599_coffee_mug.jpg}"
bench=.build/release/cairn-bench
data=../shared/data

[ -x "$bench" ] || { echo "error: no $bench; run: swift build -c release --product cairn-bench" >&2; exit 1; }
[ -f models/efficientnet-lite0.safetensors ] || { echo "error: no model; run: bash scripts/fetch-model.sh" >&2; exit 1; }
[ -f "$photo" ] || { echo "error: no photo $photo" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"

# --- 1. throwaway venv --------------------------------------------------------------------------------------
echo "==> venv with onnx, onnxruntime, numpy (PyPI)"
start=$(date +%s.%N)
python3 -m venv "$work/venv"
# --no-cache-dir: a cold install every time (an honest install time; nothing left in ~/.cache/pip).
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir onnx onnxruntime numpy
install_s=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
py="$work/venv/bin/python"
"$py" - "$install_s" <<'PY'
import sys, numpy, onnx, onnxruntime
assert onnxruntime.__file__.startswith(sys.prefix), "onnxruntime was not imported from the venv"
print(f"venv created and installed in {sys.argv[1]} s: onnxruntime {onnxruntime.__version__}, onnx {onnx.__version__}, "
      f"numpy {numpy.__version__}, Python {sys.version.split()[0]}; providers {onnxruntime.get_available_providers()}")
PY

# --- 2. graph and agreement with the reference ----------------------------------------------------------------
echo "==> ONNX graph"
"$py" tools/onnx_backbone.py export --out "$work/lite0.onnx"

echo "==> onnxruntime vs the NumPy reference (Tests/Fixtures/backbone-reference.json)"
mkdir "$work/inputs"
i=0
while IFS= read -r rel; do
    "$bench" preprocess "$data/$rel" "$work/inputs/$(printf %03d $i).rgb"
    i=$((i + 1))
done < <("$py" -c "import json; print('\n'.join(p['photo'] for p in json.load(open('Tests/Fixtures/backbone-reference.json'))['photos']))")
"$py" tools/onnx_backbone.py check --model "$work/lite0.onnx" --inputs "$work/inputs"

# --- 3. timing --------------------------------------------------------------------------------------------------
# The input `cairn-bench cnn` makes of the photo: decoded, centre-cropped, 224x224.
"$bench" preprocess "$photo" "$work/timing.rgb" --framing center-crop
kernels=$("$bench" cnn --batch 1 --threads 1 --runs 1 "$photo" | sed -n 's/.*; kernels //p')
echo "==> timing on $photo: $reps rounds (Cairn's kernels: $kernels)"

# Setting: batch, threads, then the timed batches per session of each engine, sized for about 1-2 s of work.
#            B  T  Cairn  ort-intra  ort-sessions
settings=(  "1  1  30     150        -"
            "1  2  20     200        100"
            "8  1  4      15         -"
            "8  2  3      20         10" )
results="$work/results.txt"
ort() { "$py" tools/onnx_backbone.py time --model "$work/lite0.onnx" --input "$work/timing.rgb" "$@" >>"$results"; }
for round in $(seq "$reps"); do
    for setting in "${settings[@]}"; do
        read -r b t cairn_runs intra_runs session_runs <<<"$setting"
        "$bench" cnn --batch "$b" --threads "$t" --runs "$cairn_runs" "$photo" | grep '^batch' >>"$results"
        ort --batch "$b" --threads "$t" --runs "$intra_runs"
        [ "$session_runs" = - ] || ort --batch "$b" --sessions "$t" --runs "$session_runs"
    done
    echo "    round $round/$reps done"
done

"$py" - "$results" <<'PY'
import json, re, statistics, sys
rows = {}   # (batch, threads, engine) -> list of (ms per image, CPU ms per image, peak RSS MB)
baselines = []  # RSS of the onnxruntime process before its session: interpreter, numpy, onnxruntime
kernels = "?"
for line in open(sys.argv[1]):
    if line.startswith("{"):
        r = json.loads(line)
        key = (r["batch"], r["threads"], "onnxruntime, " + r["mode"])
        rows.setdefault(key, []).append((r["ms_per_image"], r["cpu_ms_per_image"], r["peak_rss_mb"]))
        baselines.append(r["baseline_rss_mb"])
    else:  # batch 1, 1 thread(s): 16.9 ms per image (59.1 images/s); 11.8 ms CPU per image; model load 63 ms; peak RSS 72 MB; kernels AVX-512
        m = re.match(r"batch (\d+), (\d+) thread\(s\): ([\d.]+) ms per image.*; ([\d.]+) ms CPU per image.*peak RSS (\d+) MB; kernels (.*)", line)
        b, t = int(m[1]), int(m[2])
        kernels = m[6].strip()
        rows.setdefault((b, t, f"Cairn, {t} session{'s' * (t > 1)} x 1 thread"), []).append((float(m[3]), float(m[4]), float(m[5])))

def stats(key):
    ms = [v[0] for v in rows[key]]
    cpu = [v[1] for v in rows[key]]
    return statistics.median(ms), min(ms), statistics.median(cpu), statistics.median(v[2] for v in rows[key])

print(f"\nCairn's kernels: {kernels}")
print(f"{'engine':<40} {'batch':>5} {'threads':>7} {'ms/image median':>16} {'min':>7} {'CPU ms/image':>12} {'peak RSS MB':>11}   Cairn/ort (median, min, CPU)")
for b, t in sorted({(b, t) for b, t, _ in rows}):
    cairn = next(k for k in rows if k[:2] == (b, t) and k[2].startswith("Cairn"))
    cm, cmin, ccpu, crss = stats(cairn)
    print(f"{cairn[2]:<40} {b:>5} {t:>7} {cm:>16.1f} {cmin:>7.1f} {ccpu:>12.1f} {crss:>11.0f}")
    for key in sorted(k for k in rows if k[:2] == (b, t) and k != cairn):
        om, omin, ocpu, orss = stats(key)
        if t == 1 or "sessions" in key[2]:
            note = "  <- comparable"
        else:
            note = "  (not comparable: one session splitting each batch over the threads)"
        print(f"{key[2]:<40} {b:>5} {t:>7} {om:>16.1f} {omin:>7.1f} {ocpu:>12.1f} {orss:>11.0f}   {cm / om:5.2f}x, {cmin / omin:5.2f}x, {ccpu / ocpu:5.2f}x{note}")
print(f"\n{len(next(iter(rows.values())))} rounds; ms/image = wall time / images (2 threads: images of both, i.e. throughput); "
      "CPU ms/image = the process's user + system CPU time / images (what other programs on a busy machine cannot inflate "
      f"as much). onnxruntime's RSS includes {statistics.median(baselines):.0f} MB of Python with numpy and onnxruntime "
      "imported, before any session.")
PY
