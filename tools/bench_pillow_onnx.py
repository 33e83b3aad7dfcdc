#!/usr/bin/env python3
"""What a user would script instead of Cairn: Pillow (draft DCT scaling) + onnxruntime over a library.

    python3 tools/bench_pillow_onnx.py --model lite0.onnx --threads 2 LIBRARY

Each worker thread has its own onnxruntime session (one intra-op thread) and takes photos from a shared queue:
open with Pillow, `draft("RGB", (224, 224))` (libjpeg's DCT scaling to the smallest scale at least 224 px, 1/8 for
a 12 MP photo), EXIF GPS read, centre square crop, bilinear resize to 224x224, (v - 127) / 128, NCHW, then the
network. Pillow and onnxruntime release the GIL in their C code, so the threads run in parallel. Prints one JSON
line: photos, seconds, photos/s, decode and CNN medians per photo, CPU use and peak RSS. The ONNX graph comes from
`tools/onnx_backbone.py export` (the same tensor file as Cairn's engine).
"""
import argparse
import json
import os
import queue
import resource
import statistics
import threading
import time

import numpy as np
import onnxruntime as ort
from PIL import Image


def prepare(path):
    image = Image.open(path)
    exif = image.getexif().get_ifd(0x8825)  # GPS, as a tagging script would read it
    image.draft("RGB", (224, 224))
    image = image.convert("RGB")
    w, h = image.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    image = image.resize((224, 224), Image.BILINEAR, box=(left, top, left + side, top + side))
    x = (np.asarray(image, dtype=np.float32) - 127.0) / 128.0
    return x.transpose(2, 0, 1)[None], bool(exif)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("library")
    args = parser.parse_args()
    files = sorted(os.path.join(args.library, n) for n in os.listdir(args.library) if n.lower().endswith(".jpg"))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    sessions = [ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
                for _ in range(args.threads)]
    # Warm-up, outside the timing.
    x, _ = prepare(files[0])
    for s in sessions:
        s.run(None, {"input": x})
    work = queue.Queue()
    for f in files:
        work.put(f)
    decode_ms, cnn_ms = [], []
    lock = threading.Lock()

    def worker(session):
        while True:
            try:
                path = work.get_nowait()
            except queue.Empty:
                return
            t0 = time.perf_counter()
            x, _ = prepare(path)
            t1 = time.perf_counter()
            session.run(None, {"input": x})
            t2 = time.perf_counter()
            with lock:
                decode_ms.append((t1 - t0) * 1000)
                cnn_ms.append((t2 - t1) * 1000)

    cpu0 = time.process_time()
    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    print(json.dumps({
        "engine": "Pillow draft + onnxruntime", "threads": args.threads, "photos": len(files),
        "seconds": round(seconds, 2), "photos_per_s": round(len(files) / seconds, 1),
        "decode_ms_median": round(statistics.median(decode_ms), 1), "cnn_ms_median": round(statistics.median(cnn_ms), 1),
        "cpu_cores": round(cpu / seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


if __name__ == "__main__":
    main()
