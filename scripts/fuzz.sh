#!/usr/bin/env bash
# Builds and runs Cairn's libFuzzer targets, one per parser of untrusted bytes, with address (and, for C,
# undefined-behaviour) sanitizers, seeded from ../shared/data, then replays the saved regression inputs
# (fuzz/regressions/TARGET/).
#
#   scripts/fuzz.sh [TARGET] [SECONDS]     TARGET: one of the targets below (default: every target); SECONDS per
#                                          target (default 30)
#   RUNS=N scripts/fuzz.sh [TARGET]        N inputs from a fixed seed instead of a time: the same inputs every run
#                                          (what scripts/test.sh does, so CI does not fail by chance); the seeds count
#                                          among the N
#   TIMEOUT=S scripts/fuzz.sh ...          an input slower than S seconds is a finding (default 10); raise it for a
#                                          campaign that shares the cores with other work, where a starved process
#                                          passes 10 s on inputs that take under one alone
#
# Targets (harnesses in fuzz/, Swift ones in fuzz/swift/):
#   formats  PNG, WebP, TIFF, JPEG XL and raw previews through Sources/CFormats
#   eighth   Cairn's own 1/8-scale JPEG entropy decoder (Sources/CJPEG/eighth.c), compared with libjpeg's output
#   jpeg     the whole JPEG decode path of Sources/CJPEG/cairn_jpeg.c (libjpeg-turbo and the 1/8 decoder)
#   exif     the EXIF reader over a whole file (Sources/CairnEXIF over libexif), in Swift
#   heif     the HEIF/AVIF probe and decode (Sources/CairnImaging/HEIFDecoder.swift over libheif), in Swift
#   tensor   the safetensors loader of models and packs (Sources/CairnInference/TensorFile.swift), in Swift
#   pack     the landmark pack reader (Plugins/Landmarks/LandmarkPack.swift) on packs resealed with their checksum, and
#            the search with what it accepts, in Swift
#   plugin   the external-recognizer plugin message parser (Sources/CairnPluginHost/PluginMessages.swift), in Swift
#   config   the configuration loader (Sources/CairnConfig) over Yams and libyaml, both compiled from
#            .build/checkouts/Yams (libyaml's C instrumented too), in Swift
#   geonames the GeoNames dump and admin1 readers (Sources/CairnPlaces/GeoNamesDump.swift) and the gazetteer made of
#            what they accept, in Swift
#   xmp      the XMP sidecar merge (Sources/CXMP over libxml2) on a sidecar someone else wrote: Cairn's output must
#            read back with its fingerprint, take the same content again and give Cairn's part back
#
# Corpora grow in .build/fuzz/corpus-TARGET (kept between runs); a crash is written to .build/fuzz/ and the run
# fails. Objects are kept in .build/fuzz/obj (Swift library modules a harness imports in .build/fuzz/swift-modules) and
# rebuilt when a source or header they use changes. Seeds are copied or written into .build/fuzz/seeds-TARGET; those
# of plugin, config and geonames are kept in fuzz/seeds/TARGET/. The toolchain's clang and swiftc carry libFuzzer and
# the sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."
all=(formats eighth jpeg exif heif tensor pack plugin config geonames xmp)
targets=("${1:-all}")
[ "${1:-all}" = all ] && targets=("${all[@]}")
seconds="${2:-30}"
data="$(cd .. && pwd)/shared/data"
obj=.build/fuzz/obj
mkdir -p "$obj"
cflags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
swiftflags=(-g -O -sanitize=fuzzer,address -parse-as-library)
# The C targets under Swift ones: coverage and address sanitizer only (swiftc links no UBSan runtime).
swift_cflags=(-g -O2 -fsanitize=fuzzer-no-link,address)

# compile SOURCE OBJECT COMPILER FLAGS...: compiles unless the object is newer than the source, every header it
# included (clang's dependency file) and this script.
compile() {
    local source=$1 object=$2
    shift 2
    if [ -f "$object" ] && [ -f "$object.d" ] && [ ! scripts/fuzz.sh -nt "$object" ]; then
        local dep stale=0
        for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$object.d"); do
            [ "$dep" -nt "$object" ] && stale=1
        done
        [ "$stale" = 0 ] && return 0
    fi
    "$@" -MMD -MF "$object.d" -c "$source" -o "$object"
}

# split_sources: reads SOURCES... -- FLAGS... from "$@" into the arrays sources and flags_after (callers declare
# both local); stale_against OUTPUT: whether OUTPUT is missing or older than one of sources or this script.
split_sources() {
    sources=()
    while [ "$1" != -- ]; do
        sources+=("$1")
        shift
    done
    shift
    flags_after=("$@")
}
stale_against() {
    local output=$1 source
    [ -f "$output" ] && [ ! scripts/fuzz.sh -nt "$output" ] || return 0
    for source in "${sources[@]}"; do
        [ "$source" -nt "$output" ] && return 0
    done
    return 1
}

# swift_binary BINARY SOURCES... -- SWIFTC FLAGS...: builds the Swift sources (a module's own and a harness) into one
# fuzzing executable, unless it is newer than all of them and this script.
swift_binary() {
    local binary=$1 sources flags_after
    shift
    split_sources "$@"
    stale_against "$binary" || return 0
    swiftc "${swiftflags[@]}" "${flags_after[@]}" "${sources[@]}" -o "$binary"
}

# swift_module NAME SOURCES... -- SWIFTC FLAGS...: compiles a Swift library module that a harness's module imports into
# one object, $swift_modules/NAME.o, and its interface beside it, with the harnesses' sanitizers and coverage, unless
# the object is newer than its sources and this script. A binary lists the object among its sources, so it is rebuilt
# after the module.
swift_modules=.build/fuzz/swift-modules
mkdir -p "$swift_modules"
swift_module() {
    local name=$1 object="$swift_modules/$1.o" sources flags_after
    shift
    split_sources "$@"
    stale_against "$object" || return 0
    swiftc "${swiftflags[@]}" -wmo -module-name "$name" -emit-module -emit-module-path "$swift_modules/$name.swiftmodule" \
        "${flags_after[@]}" "${sources[@]}" -c -o "$object"
}

# c_module_maps: writes module maps for swiftc (SwiftPM writes those itself) of the C targets the Swift harnesses'
# modules import into $modules, keeping the file (and what was compiled against it) when they are the same.
modules=.build/fuzz/modules
c_module_maps() {
    mkdir -p "$modules"
    printf 'module %s {\n    header "../../../Sources/%s/include/%s"\n    export *\n}\n' \
        CJPEG CJPEG cairn_jpeg.h CFormats CFormats cairn_formats.h CResample CResample cairn_resample.h \
        CKernels CKernels cairn_kernels.h >"$modules/module.modulemap.new"
    cmp -s "$modules/module.modulemap.new" "$modules/module.modulemap" ||
        mv "$modules/module.modulemap.new" "$modules/module.modulemap"
}

# seed DIRECTORY FIND-ARGUMENTS...: copies the files that `find` lists into DIRECTORY, once.
seed() {
    local directory=$1
    shift
    [ -d "$directory" ] && return 0
    rm -rf "$directory.partial"
    mkdir -p "$directory.partial"
    find "$@" -exec cp --backup=numbered {} "$directory.partial/" \;
    mv "$directory.partial" "$directory"
}

# Every JPEG of the EXIF suites (camera and phone files, crash files; their headers vary the most) and the first
# few of the landmark photos (plain re-encoded baseline files), all under 300 kB.
jpeg_seeds() {
    seed "$1" "$data/exif" "$data/landmarks-dev/colosseum" -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) \
        -size -300k
}

for target in "${targets[@]}"; do
    binary=".build/fuzz/$target"
    seeds=".build/fuzz/seeds-$target"
    case "$target" in
    formats)
        flags=("${cflags[@]}" -I Sources/CFormats/include -I Sources/CFormats)
        {
            compile fuzz/formats.c "$obj/formats-main.o" clang "${flags[@]}" &&
                compile Sources/CFormats/cairn_formats.c "$obj/cairn_formats.o" clang "${flags[@]}" &&
                compile Sources/CFormats/cairn_raw.cpp "$obj/cairn_raw.o" clang++ "${flags[@]}" -std=c++17 &&
                clang++ "${flags[@]}" "$obj/formats-main.o" "$obj/cairn_formats.o" "$obj/cairn_raw.o" \
                    -lspng -lwebp -ltiff -ljxl -lraw_r -o "$binary"
        } 2>".build/fuzz/build-$target.log" || { cat ".build/fuzz/build-$target.log" >&2; exit 1; }
        # Every PNG, WebP, TIFF, JPEG XL and raw file of the shared suites, crash files included.
        seed "$seeds" "$data/exif" -type f \( -iname '*.png' -o -iname '*.webp' -o -iname '*.tif' -o -iname '*.tiff' \
            -o -iname '*.jxl' -o -iname '*.dng' -o -iname '*.crw' -o -iname '*.cr2' -o -iname '*.cr3' \
            -o -iname '*.nef' -o -iname '*.raf' -o -iname '*.rw2' -o -iname '*.x3f' -o -iname '*.mrw' \
            -o -iname '*.iiq' \) -size -2M
        ;;
    xmp)
        flags=("${cflags[@]}" -I Sources/CXMP/include -I/usr/include/libxml2)
        {
            compile fuzz/xmp.c "$obj/xmp-main.o" clang "${flags[@]}" &&
                compile Sources/CXMP/cairn_xmp.c "$obj/cairn_xmp.o" clang "${flags[@]}" &&
                clang "${flags[@]}" "$obj/xmp-main.o" "$obj/cairn_xmp.o" -lxml2 -o "$binary"
        } 2>".build/fuzz/build-$target.log" || { cat ".build/fuzz/build-$target.log" >&2; exit 1; }
        # exiftool's XMP test files (several namespaces, structures, languages) and the sidecars of Cairn's tests.
        seed "$seeds" "$data/exif" fuzz/seeds/xmp -type f -iname '*.xmp'
        ;;
    eighth | jpeg)
        # The 1/8 decoder at the -O2 it ships with (Package.swift), so the fuzzer runs the code cairnd runs.
        flags=("${cflags[@]}" -I Sources/CJPEG/include -I Sources/CJPEG)
        {
            compile "fuzz/$target.c" "$obj/$target-main.o" clang "${flags[@]}" &&
                compile Sources/CJPEG/eighth.c "$obj/eighth.o" clang "${flags[@]}" -O2 &&
                compile Sources/CJPEG/cairn_jpeg.c "$obj/cairn_jpeg.o" clang "${flags[@]}" -O2 &&
                clang "${flags[@]}" "$obj/$target-main.o" "$obj/eighth.o" "$obj/cairn_jpeg.o" -ljpeg -lm -o "$binary"
        } 2>".build/fuzz/build-$target.log" || { cat ".build/fuzz/build-$target.log" >&2; exit 1; }
        jpeg_seeds "$seeds"
        ;;
    exif)
        {
            swift_binary "$binary" Sources/CairnEXIF/*.swift Sources/CairnEXIF/Internal/*.swift fuzz/swift/exif.swift \
                -- -module-name CairnEXIF -I Sources/CExif
        } 2>".build/fuzz/build-$target.log" || { cat ".build/fuzz/build-$target.log" >&2; exit 1; }
        # Every file of the EXIF suites under 2 MB: JPEG, TIFF, HEIF, PNG, WebP, raw and the crash files.
        seed "$seeds" "$data/exif" -type f -size -2M
        ;;
    heif)
        # CairnImaging imports the C targets CJPEG, CFormats and CResample: their objects, and module maps.
        c_module_maps
        {
            compile Sources/CJPEG/eighth.c "$obj/swift-eighth.o" clang "${swift_cflags[@]}" -I Sources/CJPEG/include &&
                compile Sources/CJPEG/cairn_jpeg.c "$obj/swift-cairn_jpeg.o" clang "${swift_cflags[@]}" \
                    -I Sources/CJPEG/include &&
                compile Sources/CFormats/cairn_formats.c "$obj/swift-cairn_formats.o" clang "${swift_cflags[@]}" \
                    -I Sources/CFormats/include &&
                compile Sources/CFormats/cairn_raw.cpp "$obj/swift-cairn_raw.o" clang++ "${swift_cflags[@]}" \
                    -std=c++17 -I Sources/CFormats/include &&
                compile Sources/CFormats/cairn_threads.c "$obj/swift-cairn_threads.o" clang "${swift_cflags[@]}" \
                    -I Sources/CFormats/include &&
                compile Sources/CResample/resample.c "$obj/swift-resample.o" clang "${swift_cflags[@]}" \
                    -ffp-contract=off -I Sources/CResample/include &&
                swift_binary "$binary" Sources/CairnImaging/*.swift fuzz/swift/heif.swift "$obj"/swift-*.o -- \
                    -module-name CairnImaging -I "$modules" -I Sources/CHeif \
                    -lheif -ljpeg -lspng -lwebp -ltiff -ljxl -lraw_r -lstdc++ -lm
        } 2>".build/fuzz/build-$target.log" || { cat ".build/fuzz/build-$target.log" >&2; exit 1; }
        # Every HEIF and AVIF file of the EXIF suites under 2 MB, crash files included.
        seed "$seeds" "$data/exif" -type f \( -iname '*.heic' -o -iname '*.heif' -o -iname '*.hif' -o -iname '*.avif' \) \
            -size -2M
        ;;
    tensor)
        {
            swift_binary "$binary" Sources/CairnInference/TensorFile.swift fuzz/swift/tensor.swift -- \
                -module-name CairnInference
        } 2>".build/fuzz/build-$target.log" || { cat ".build/fuzz/build-$target.log" >&2; exit 1; }
        # No safetensors file is small enough among the shared data (the model is 13 MB): three small ones written
        # here, as TensorFileWriter writes them (8-byte length, JSON header padded with spaces, F32 data).
        if [ ! -d "$seeds" ]; then
            mkdir -p "$seeds.partial"
            safetensors() {
                local header=$1 data_bytes=$2 length
                while [ $(((8 + ${#header}) % 8)) != 0 ]; do header+=" "; done
                length=${#header}
                printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((length & 255)) $((length >> 8 & 255)) \
                    $((length >> 16 & 255)) $((length >> 24 & 255)))\\0\\0\\0\\0"
                printf '%s' "$header"
                head -c "$data_bytes" /dev/zero | tr '\0' '\077'
            }
            safetensors '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}' 24 \
                >"$seeds.partial/one.safetensors"
            safetensors '{"__metadata__":{"kind":"landmarks","version":"3"},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2,2,2],"data_offsets":[16,48]},"c":{"dtype":"F32","shape":[],"data_offsets":[48,52]}}' 56 \
                >"$seeds.partial/three.safetensors"
            safetensors '{"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}' 0 >"$seeds.partial/empty.safetensors"
            mv "$seeds.partial" "$seeds"
        fi
        ;;
    pack)
        # The Landmarks module's sources with the harness; CairnInference (here at -O, not the -Ounchecked it ships
        # with, so an overflow the reader's checks miss traps) and CairnRecognition as modules, the C kernels and
        # OpenBLAS under them.
        c_module_maps
        {
            compile Sources/CKernels/kernels.c "$obj/kernels.o" clang "${swift_cflags[@]}" -O3 \
                -I Sources/CKernels/include &&
                swift_module CairnRecognition Sources/CairnRecognition/*.swift -- &&
                swift_module CairnInference Sources/CairnInference/*.swift Sources/CairnInference/Internal/*.swift -- \
                    -I "$modules" -I Sources/COpenBLAS &&
                swift_binary "$binary" Plugins/Landmarks/*.swift fuzz/swift/pack.swift \
                    "$swift_modules/CairnRecognition.o" "$swift_modules/CairnInference.o" "$obj/kernels.o" -- \
                    -module-name Landmarks -I "$swift_modules" -I "$modules" -I Sources/COpenBLAS -lopenblas -lm
        } 2>".build/fuzz/build-$target.log" || { cat ".build/fuzz/build-$target.log" >&2; exit 1; }
        # Two small packs the harness writes through LandmarkPack.write (one with exemplars, a margin and named
        # reference photos), written on every run so they follow the format.
        rm -rf "$seeds"
        ASAN_OPTIONS=detect_leaks=0 CAIRN_FUZZ_WRITE_SEEDS="$seeds" "$binary"
        ;;
    plugin)
        {
            swift_module CairnRecognition Sources/CairnRecognition/*.swift -- &&
                swift_binary "$binary" Sources/CairnPluginHost/PluginMessages.swift fuzz/swift/plugin.swift \
                    "$swift_modules/CairnRecognition.o" -- -module-name CairnPluginHost -I "$swift_modules"
        } 2>".build/fuzz/build-$target.log" || { cat ".build/fuzz/build-$target.log" >&2; exit 1; }
        # Valid messages of each kind (fuzz/seeds/plugin/), and what the example plugin cairn-daylight prints for a
        # handshake and four photos (with and without GPS and an image, one it refuses), one line a file. Written on
        # every run (a few milliseconds), so the seeds follow the files and the plugin.
        rm -rf "$seeds"
        mkdir -p "$seeds"
        cp fuzz/seeds/plugin/* "$seeds/"
        if command -v python3 >/dev/null; then
            pixels=$(printf '\020\040\360\020\040\360\020\040\360\020\040\360' | base64 -w0)
            printf '%s\n' '{"type":"hello","protocol":1,"id":"daylight","settings":{"hemisphere":"north"}}' \
                '{"type":"photo","request":1,"path":"/p/a.jpg","exif":{"takenAt":"2019-07-14T19:30:00","latitude":48.85,"longitude":2.29},"image":{"width":2,"height":2,"format":"rgb8","data":"'"$pixels"'"}}' \
                '{"type":"photo","request":1,"path":"/p/b.jpg","exif":{"takenAt":"2019-01-02T03:04:05","latitude":-33.9}}' \
                '{"type":"photo","request":1,"path":"/p/c.jpg","exif":{},"image":{"width":1,"height":1,"format":"yuv","data":""}}' \
                '{"type":"photo","request":1,"path":"/p/d.jpg","exif":{"takenAt":"2020-03-03T12:00:00"},"image":{"width":1,"height":1,"format":"rgb8","data":"AAAA"}}' |
                python3 Plugins/External/daylight/cairn-daylight | split -l 1 - "$seeds/daylight-"
        fi
        ;;
    config)
        # Yams and libyaml from the package's checkout (the version Package.resolved pins): libyaml's C with coverage
        # and the address sanitizer (swift_cflags), Yams' Swift as a module like CairnRecognition.
        yams=.build/checkouts/Yams/Sources
        [ -d "$yams" ] || swift package resolve >&2
        yaml_objects() {
            local source
            for source in "$yams"/CYaml/src/*.c; do
                compile "$source" "$obj/yaml-$(basename "$source" .c).o" clang "${swift_cflags[@]}" \
                    -DYAML_DECLARE_STATIC -I "$yams/CYaml/include" || return 1
            done
        }
        {
            yaml_objects &&
                swift_module Yams "$yams"/Yams/*.swift -- -D SWIFT_PACKAGE -I "$yams/CYaml/include" \
                    -Xcc -DYAML_DECLARE_STATIC &&
                swift_module CairnRecognition Sources/CairnRecognition/*.swift -- &&
                swift_binary "$binary" Sources/CairnConfig/*.swift Sources/CairnConfig/Internal/*.swift \
                    fuzz/swift/config.swift "$swift_modules/CairnRecognition.o" "$swift_modules/Yams.o" "$obj"/yaml-*.o \
                    -- -module-name CairnConfig -I "$swift_modules" -I "$yams/CYaml/include" -Xcc -DYAML_DECLARE_STATIC
        } 2>".build/fuzz/build-$target.log" || { cat ".build/fuzz/build-$target.log" >&2; exit 1; }
        # The shipped example (every key, comments) and fuzz/seeds/config/: the YAML of ConfigurationLoaderTests
        # (external plugins, relative paths, a schema's setting kinds, rejected files) and one of YAML's own features
        # (anchors, merge keys, tags, flow and block styles, hex, octal and sexagesimal numbers). Copied on every run.
        rm -rf "$seeds"
        mkdir -p "$seeds"
        cp Config/cairn.yaml fuzz/seeds/config/* "$seeds/"
        ;;
    geonames)
        {
            swift_binary "$binary" Sources/CairnPlaces/*.swift Sources/CairnPlaces/Internal/*.swift \
                fuzz/swift/geonames.swift -- -module-name CairnPlaces -I Sources/CGeonames \
                $(pkg-config --cflags geonames | sed 's/-I/-Xcc -I/g; s/-pthread//') $(pkg-config --libs geonames)
        } 2>".build/fuzz/build-$target.log" || { cat ".build/fuzz/build-$target.log" >&2; exit 1; }
        # ../shared/data holds no GeoNames dump: fuzz/seeds/geonames/ has rows in the dump's format (the test
        # sample's, with a malformed line, a non-place and a latitude out of range; a few cities with alternate names
        # in several scripts; a comment and no final newline) and an admin1 codes file. Copied on every run.
        rm -rf "$seeds"
        mkdir -p "$seeds"
        cp fuzz/seeds/geonames/* "$seeds/"
        ;;
    *)
        echo "unknown target: $target (known: ${all[*]})" >&2
        exit 2
        ;;
    esac
    # The pack harness writes each input to a file and loads it (the reader takes a path): on a disk-backed /tmp it
    # waits on the disk most of the time (5x fewer executions), so its file goes to /dev/shm where there is one.
    harness_tmp="${TMPDIR:-}"
    if [ "$target" = pack ] && [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then harness_tmp=/dev/shm; fi
    corpus=".build/fuzz/corpus-$target"
    mkdir -p "$corpus"
    touch "$corpus.started"
    if [ -n "${RUNS:-}" ]; then echo "==> $target: $RUNS inputs from seed 1"; else echo "==> $target: ${seconds}s"; fi
    if [ -n "${RUNS:-}" ]; then budget=(-runs="$RUNS" -seed=1); else budget=(-max_total_time="$seconds"); fi
    # Swift's own crash handler off: on a trap it starts swift-backtrace, ASan reports its reads of the crashed
    # process's memory as an error of their own and ends the process, and swift-backtrace waits on, orphaned, holding
    # this pipeline open. libFuzzer's handler prints the stack instead.
    TMPDIR="${harness_tmp:-/tmp}" ASAN_OPTIONS=detect_leaks=1 SWIFT_BACKTRACE=enable=no \
        "$binary" "${budget[@]}" -rss_limit_mb=2048 -timeout="${TIMEOUT:-10}" -artifact_prefix=".build/fuzz/$target-" \
        -print_final_stats=1 "$corpus" "$seeds" 2>&1 \
        | grep -E "^#[0-9]+[[:space:]]+(DONE|INITED)|stat::|ERROR:|SUMMARY|==[0-9]+==|^eighth:" || true
    # Findings of this run: crash, leak, timeout or out-of-memory inputs written since it started (a slow-unit file
    # is libFuzzer's note of an input over 10 s, not a finding; an earlier run's files are left to whoever reads them).
    found=$(find .build/fuzz -maxdepth 1 -newer "$corpus.started" \( -name "$target-crash-*" -o -name "$target-leak-*" \
        -o -name "$target-timeout-*" -o -name "$target-oom-*" \) | sort)
    if [ -n "$found" ]; then
        echo "fuzz: $target found a crash: $found" >&2
        exit 1
    fi
    if [ -d "fuzz/regressions/$target" ]; then
        echo "==> $target: replaying fuzz/regressions/$target"
        SWIFT_BACKTRACE=enable=no "$binary" fuzz/regressions/"$target"/*
    fi
done
