#!/usr/bin/env bash
# Builds and runs Cairn's libFuzzer targets (fuzz/*.c) with address and undefined-behaviour sanitizers, seeded
# from ../shared/data, then replays the saved regression inputs (fuzz/regressions/TARGET/).
#
#   scripts/fuzz.sh [TARGET] [SECONDS]     TARGET: formats (default: every target); SECONDS per target (default 30)
#   RUNS=N scripts/fuzz.sh formats         N inputs from a fixed seed instead of a time: the same inputs every run
#                                          (what scripts/test.sh does, so CI does not fail by chance)
#
# Corpora grow in .build/fuzz/corpus-TARGET (kept between runs); a crash is written to .build/fuzz/ and the run
# fails. The toolchain's clang carries libFuzzer and the sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("${1:-formats}")
[ "${1:-all}" = all ] && targets=(formats)
seconds="${2:-30}"
data="$(cd .. && pwd)/shared/data"
mkdir -p .build/fuzz/obj

for target in "${targets[@]}"; do
    binary=".build/fuzz/$target"
    case "$target" in
    formats)
        flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
            -I Sources/CFormats/include -I Sources/CFormats)
        {
            clang "${flags[@]}" -c fuzz/formats.c -o .build/fuzz/obj/formats-main.o &&
                clang "${flags[@]}" -c Sources/CFormats/cairn_formats.c -o .build/fuzz/obj/cairn_formats.o &&
                clang++ "${flags[@]}" -std=c++17 -c Sources/CFormats/cairn_raw.cpp -o .build/fuzz/obj/cairn_raw.o &&
                clang++ "${flags[@]}" .build/fuzz/obj/formats-main.o .build/fuzz/obj/cairn_formats.o .build/fuzz/obj/cairn_raw.o \
                    -lspng -lwebp -ltiff -ljxl -lraw_r -o "$binary"
        } 2>".build/fuzz/build-$target.log" || { cat ".build/fuzz/build-$target.log" >&2; exit 1; }
        seeds=".build/fuzz/seeds-$target"
        if [ ! -d "$seeds" ]; then
            mkdir -p "$seeds"
            # Every PNG, WebP, TIFF, JPEG XL and raw file of the shared suites, crash files included.
            find "$data/exif" -type f \( -iname '*.png' -o -iname '*.webp' -o -iname '*.tif' -o -iname '*.tiff' \
                -o -iname '*.jxl' -o -iname '*.dng' -o -iname '*.crw' -o -iname '*.cr2' -o -iname '*.cr3' \
                -o -iname '*.nef' -o -iname '*.raf' -o -iname '*.rw2' -o -iname '*.x3f' -o -iname '*.mrw' \
                -o -iname '*.iiq' \) -size -2M -exec cp {} "$seeds/" \;
        fi
        ;;
    *)
        echo "unknown target: $target (known: formats)" >&2
        exit 2
        ;;
    esac
    corpus=".build/fuzz/corpus-$target"
    mkdir -p "$corpus"
    if [ -n "${RUNS:-}" ]; then echo "==> $target: $RUNS inputs from seed 1"; else echo "==> $target: ${seconds}s"; fi
    if [ -n "${RUNS:-}" ]; then budget=(-runs="$RUNS" -seed=1); else budget=(-max_total_time="$seconds"); fi
    ASAN_OPTIONS=detect_leaks=1 "$binary" "${budget[@]}" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix=".build/fuzz/$target-" -print_final_stats=1 "$corpus" "$seeds" 2>&1 \
        | grep -E "^#[0-9]+ +(DONE|INITED)|stat::|ERROR|SUMMARY|==[0-9]+==" || true
    if ls ".build/fuzz/$target-"* >/dev/null 2>&1; then
        echo "fuzz: $target found a crash: $(ls ".build/fuzz/$target-"*)" >&2
        exit 1
    fi
    if [ -d "fuzz/regressions/$target" ]; then
        echo "==> $target: replaying fuzz/regressions/$target"
        "$binary" fuzz/regressions/"$target"/*
    fi
done
