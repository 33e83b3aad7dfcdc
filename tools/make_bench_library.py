#!/usr/bin/env python3
"""Makes a realistic library for `cairn-bench index`: 12-megapixel phone-like JPEGs from the shared photos.

    python3 tools/make_bench_library.py --out /tmp/cairn-bench-lib --count 300 [--noise 6] [--seed 1]

Each photo is a shared landmark or everyday photo (../shared/data/landmarks-dev, distractors-dev) upscaled to
4000x3000 (bicubic), with Gaussian sensor-like noise of --noise grey levels (a clean upscale compresses to under
1 MB and decodes far faster than a phone photo does; 6 gives 3-4 MB files like a phone's), saved at quality 90 with
EXIF: camera make/model, DateTimeOriginal and GPS. Landmark photos get their landmark's coordinates (from
landmarks.tsv) jittered by up to ~100 m; three in four everyday photos get a position near one of those cities, the
rest none. Needs Pillow and numpy (pip, in a throwaway venv: scripts/bench-index.sh makes one). Deterministic for a
given seed; writes only under --out (never into the repository).
"""
import argparse
import csv
import os
import random
import sys

import numpy as np
from PIL import Image

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO_ROOT, "..", "shared", "data")
WIDTH, HEIGHT = 4000, 3000


def rational(value):
    """EXIF degrees, minutes, seconds of a non-negative decimal degree value."""
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60 * 10000)
    from PIL.TiffImagePlugin import IFDRational
    return (IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 10000))


def exif_for(index, position):
    exif = Image.Exif()
    exif[0x010F] = "Google"            # Make
    exif[0x0110] = "Pixel 7"           # Model
    exif[0x0112] = 1                   # Orientation
    day = 1 + index % 28
    exif.get_ifd(0x8769)[0x9003] = f"2024:06:{day:02d} 12:{index % 60:02d}:{(index * 7) % 60:02d}"
    if position is not None:
        lat, lon = position
        gps = exif.get_ifd(0x8825)
        gps[0x0000] = b"\x02\x03\x00\x00"
        gps[0x0001] = "N" if lat >= 0 else "S"
        gps[0x0002] = rational(abs(lat))
        gps[0x0003] = "E" if lon >= 0 else "W"
        gps[0x0004] = rational(abs(lon))
    return exif


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--noise", type=float, default=6.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quality", type=int, default=90)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    nrng = np.random.default_rng(args.seed)

    landmarks = {}
    with open(os.path.join(DATA, "landmarks-dev", "landmarks.tsv")) as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) >= 7 and row[0] != "key":
                landmarks[row[0]] = (float(row[5]), float(row[6]))
    sources = []
    for key, position in sorted(landmarks.items()):
        folder = os.path.join(DATA, "landmarks-dev", key)
        for name in sorted(os.listdir(folder)):
            if name.lower().endswith(".jpg"):
                sources.append((os.path.join(folder, name), position))
    everyday = sorted(os.path.join(DATA, "distractors-dev", n)
                      for n in os.listdir(os.path.join(DATA, "distractors-dev")) if n.lower().endswith(".jpg"))
    cities = list(landmarks.values())
    for path in everyday:
        sources.append((path, rng.choice(cities) if rng.random() < 0.75 else None))
    rng.shuffle(sources)
    os.makedirs(args.out, exist_ok=True)
    total = 0
    # One noise field, shifted per photo: drawing 36 M normal samples per photo would make generation slow.
    noise = nrng.normal(0, args.noise, (HEIGHT + 64, WIDTH + 64, 3)).astype(np.int16) if args.noise > 0 else None
    for index, (source, position) in enumerate(sources[:args.count]):
        image = Image.open(source).convert("RGB").resize((WIDTH, HEIGHT), Image.BICUBIC)
        if args.noise > 0:
            pixels = np.asarray(image, dtype=np.int16)
            dy, dx = rng.randrange(64), rng.randrange(64)
            pixels += noise[dy:dy + HEIGHT, dx:dx + WIDTH]
            image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        if position is not None:
            position = (position[0] + rng.uniform(-0.001, 0.001), position[1] + rng.uniform(-0.001, 0.001))
        out = os.path.join(args.out, f"IMG_{index:05d}.jpg")
        image.save(out, "JPEG", quality=args.quality, exif=exif_for(index, position))
        total += os.path.getsize(out)
        if (index + 1) % 25 == 0:
            print(f"  {index + 1} photos", file=sys.stderr)
    made = min(args.count, len(sources))
    print(f"{made} photos of {WIDTH}x{HEIGHT} in {args.out}, {total / made / 1e6:.2f} MB each on average")


if __name__ == "__main__":
    main()
