#!/usr/bin/env python3
"""Pillow's full-size decode time per format, on the files `cairn-bench formats --list` decoded.

Usage: cairn-bench formats --list FILES… | python3 tools/bench_formats_pillow.py [RUNS]
Prints, per format, the files Pillow read, the median of their median decode times and the total, in ms; the
files Pillow cannot read are counted apart. Run with Debian's python3 (python3-pil)."""
import statistics
import sys
import time

from PIL import Image

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
per_format, unread = {}, {}
for line in sys.stdin:
    fields = line.rstrip("\n").split("\t")
    if len(fields) < 4 or "decode failed" in fields[3]:
        continue
    path, fmt = fields[0], fields[1]
    times = []
    try:
        for _ in range(runs):
            start = time.perf_counter()
            with Image.open(path) as image:
                image.convert("RGB").load()
            times.append((time.perf_counter() - start) * 1000)
    except Exception:
        unread[fmt] = unread.get(fmt, 0) + 1
        continue
    per_format.setdefault(fmt, []).append(statistics.median(times))
print("format   files  Pillow full decode ms (median, total)")
for fmt, times in sorted(per_format.items()):
    print(f"{fmt:8} {len(times):5d} {statistics.median(times):17.2f} {sum(times):14.1f}")
for fmt, count in sorted(unread.items()):
    print(f"Pillow cannot read {count} {fmt} file(s)")
