#!/usr/bin/env python3
"""Reference EfficientNet-Lite0 forward pass in NumPy (float64), for the Swift engine's test fixtures.

It is written from the architecture's description, independently of the Swift code: it reads the
safetensors checkpoint itself, applies batch norm unfolded (the Swift engine folds it into the
convolutions), and computes everything in float64, so that it measures the Swift engine's float32 error
rather than sharing its mistakes. Standard library and NumPy only.

Network (lukemelas-style EfficientNet-Lite0, converted from TensorFlow):
  input   224x224 RGB uint8 (HWC), x = (v - 127) / 128, laid out CHW
  stem    3x3 conv stride 2, 3 -> 32, TF "same" padding, BN, ReLU6
  blocks  16 MBConv blocks; blocks 1, 3, 5 and 11 have stride 2. Each: [1x1 expand conv, BN, ReLU6] when
          the checkpoint has _expand_conv; kxk depthwise conv (k from the weight's shape), TF "same"
          padding, BN, ReLU6; 1x1 project conv, BN (linear); plus the block's input when stride is 1 and
          the channel count is unchanged. No squeeze-excitation; no drop-connect at inference.
  head    1x1 conv 320 -> 1280, BN, ReLU6; global average pool -> 1280 "features";
          fully connected 1280 -> 1000 with bias -> "logits"
  BN      y = (x - running_mean) / sqrt(running_var + 1e-3) * weight + bias

Each photo is turned into the network's input by an external command, so that fixtures can be made with
the Swift side's own preprocessing (decode and resize) and test only the network:

    python3 tools/reference_numpy.py --weights models/efficientnet-lite0.safetensors \\
        --out Tests/Fixtures/reference.json \\
        --input-command '.build/release/cairn-bench preprocess {photo} {out}' \\
        distractors-dev/n03063599_coffee_mug.jpg landmarks-dev/colosseum/0439081548a8.jpg

{photo} becomes the photo's absolute path and {out} a temporary file (both shell-quoted); the command must
write exactly 224*224*3 raw RGB bytes (HWC) there. For example, with ImageMagick:
    --input-command "convert {photo} -resize '224x224!' -depth 8 rgb:{out}"

PHOTO arguments are paths relative to --data (default ../shared/data beside the repository root) and are
recorded as given. The fixture is JSON:

    {"weights_sha256", "preprocess_command", "dtype": "float64", ..., "photos": [
        {"photo", "input_sha256" (of the 150,528 input bytes), "top5" (class indices, best first),
         "logits" (1000), "features" (1280)}]}

Floats are written with 7 significant digits (ample for checking a float32 engine, and it keeps the file
small). A summary with class names (tools/imagenet_classes.txt) and timings goes to stderr.
"""
import argparse
import hashlib
import json
import math
import os
import shlex
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

INPUT_SIZE = 224
INPUT_BYTES = INPUT_SIZE * INPUT_SIZE * 3
BN_EPS = 1e-3
BLOCK_COUNT = 16
STRIDE2_BLOCKS = frozenset({1, 3, 5, 11})
# Multiply-adds of the whole network (convolutions and the fully connected layer) at 224x224: the
# architecture's published 0.385 G, checked on every run against the count the forward pass keeps.
EXPECTED_MACS = 385e6
MACS_TOLERANCE = 0.005e9


# ---------------------------------------------------------------------------------------------------------
# Checkpoint


def load_safetensors(path):
    """Reads a safetensors file into a dict of float64 arrays (PyTorch layout), checking the header.

    Format: an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
    {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the end of the header, an
    optional "__metadata__" entry aside), then the tensor data.
    """
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (header_len,) = struct.unpack("<Q", blob[:8])
    if 8 + header_len > len(blob):
        raise ValueError(f"{path}: header length {header_len} runs past the end of the file")
    header = json.loads(blob[8:8 + header_len])
    header.pop("__metadata__", None)
    data = memoryview(blob)[8 + header_len:]

    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} has dtype {info['dtype']}, expected F32")
        shape = tuple(info["shape"])
        begin, end = info["data_offsets"]
        if not (0 <= begin <= end <= len(data)) or end - begin != 4 * math.prod(shape):
            raise ValueError(f"{path}: {name} has bad data_offsets {begin}..{end} for shape {shape}")
        array = np.frombuffer(data[begin:end], dtype="<f4").reshape(shape)
        tensors[name] = array.astype(np.float64)
    return tensors


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------------------
# Layers. Activations are float64 arrays of shape (C, H, W): one image, no batch dimension.


def tf_same_padding(n, k, s):
    """TensorFlow "same" padding along one axis: (output size, pad before, pad after).

    The output is ceil(n / s); when the total padding is odd the extra row/column goes after (bottom or
    right), which is where this differs from PyTorch's symmetric padding on stride-2 layers.
    """
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return out, total // 2, total - total // 2


def pad_same(x, k, s):
    """Zero-pads x (C, H, W) for a k x k, stride-s TF "same" convolution; returns (padded, OH, OW)."""
    _, h, w = x.shape
    oh, top, bottom = tf_same_padding(h, k, s)
    ow, left, right = tf_same_padding(w, k, s)
    return np.pad(x, ((0, 0), (top, bottom), (left, right))), oh, ow


def tap(xp, i, j, s, oh, ow):
    """The strided window of padded input xp that kernel tap (i, j) sees, for every output position."""
    return xp[:, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s]


class Net:
    """The forward pass over a loaded checkpoint; counts multiply-adds as it goes (self.macs)."""

    def __init__(self, tensors):
        self.t = tensors
        self.macs = 0
        self._check_blocks()

    def _check_blocks(self):
        blocks = {int(name.split(".")[1]) for name in self.t if name.startswith("_blocks.")}
        if blocks != set(range(BLOCK_COUNT)):
            raise ValueError(f"checkpoint has blocks {sorted(blocks)}, expected 0..{BLOCK_COUNT - 1}")

    def conv(self, x, name, stride):
        """Dense k x k convolution (the stem), no bias: im2col and one matrix product."""
        w = self.t[name]                                 # (O, I, k, k)
        o, i_ch, k, _ = w.shape
        assert x.shape[0] == i_ch, (name, x.shape, w.shape)
        xp, oh, ow = pad_same(x, k, stride)
        # cols[c, i, j, y, x] = xp[c, y*s + i, x*s + j]: the same (c, i, j) order as w.reshape(O, -1).
        cols = np.stack([tap(xp, i, j, stride, oh, ow) for i in range(k) for j in range(k)], axis=1)
        cols = cols.reshape(i_ch * k * k, oh * ow)
        self.macs += o * i_ch * k * k * oh * ow
        return (w.reshape(o, -1) @ cols).reshape(o, oh, ow)

    def pointwise(self, x, name):
        """1x1 convolution, no bias."""
        w = self.t[name]                                 # (O, I, 1, 1)
        o, i_ch = w.shape[:2]
        assert w.shape[2:] == (1, 1) and x.shape[0] == i_ch, (name, x.shape, w.shape)
        _, h, wd = x.shape
        self.macs += o * i_ch * h * wd
        return (w.reshape(o, i_ch) @ x.reshape(i_ch, h * wd)).reshape(o, h, wd)

    def depthwise(self, x, name, stride):
        """Depthwise k x k convolution (one filter per channel), no bias: a sum over the k*k taps."""
        w = self.t[name]                                 # (C, 1, k, k)
        c, _, k, _ = w.shape
        assert x.shape[0] == c, (name, x.shape, w.shape)
        xp, oh, ow = pad_same(x, k, stride)
        out = np.zeros((c, oh, ow))
        for i in range(k):
            for j in range(k):
                out += w[:, 0, i, j, None, None] * tap(xp, i, j, stride, oh, ow)
        self.macs += c * k * k * oh * ow
        return out

    def bn(self, x, prefix):
        """Inference batch norm from the running statistics (deliberately not folded into the conv)."""
        g, b = self.t[prefix + ".weight"], self.t[prefix + ".bias"]
        mean, var = self.t[prefix + ".running_mean"], self.t[prefix + ".running_var"]
        scale = g / np.sqrt(var + BN_EPS)
        return (x - mean[:, None, None]) * scale[:, None, None] + b[:, None, None]

    @staticmethod
    def relu6(x):
        return np.clip(x, 0.0, 6.0)

    def block(self, x, n):
        """MBConv block n: [expand], depthwise, project, [residual]."""
        p = f"_blocks.{n}."
        stride = 2 if n in STRIDE2_BLOCKS else 1
        inputs = x
        if p + "_expand_conv.weight" in self.t:
            x = self.relu6(self.bn(self.pointwise(x, p + "_expand_conv.weight"), p + "_bn0"))
        x = self.relu6(self.bn(self.depthwise(x, p + "_depthwise_conv.weight", stride), p + "_bn1"))
        x = self.bn(self.pointwise(x, p + "_project_conv.weight"), p + "_bn2")
        if stride == 1 and x.shape == inputs.shape:
            x = x + inputs
        return x

    def forward(self, rgb):
        """rgb: uint8 (224, 224, 3) HWC. Returns (features (1280,), logits (1000,)), float64."""
        self.macs = 0
        x = (rgb.astype(np.float64) - 127.0) / 128.0
        x = np.ascontiguousarray(x.transpose(2, 0, 1))   # HWC -> CHW
        x = self.relu6(self.bn(self.conv(x, "_conv_stem.weight", 2), "_bn0"))
        for n in range(BLOCK_COUNT):
            x = self.block(x, n)
        x = self.relu6(self.bn(self.pointwise(x, "_conv_head.weight"), "_bn1"))
        features = x.mean(axis=(1, 2))
        w, b = self.t["_fc.weight"], self.t["_fc.bias"]  # (1000, 1280), (1000,)
        self.macs += w.size
        logits = w @ features + b
        return features, logits


# ---------------------------------------------------------------------------------------------------------
# Inputs and output


def make_input(command_template, photo_path):
    """Runs the input command for one photo; returns its raw bytes (must be 224*224*3 RGB, HWC)."""
    with tempfile.TemporaryDirectory(prefix="cairn-ref-") as tmp:
        out_path = os.path.join(tmp, "input.rgb")
        command = command_template.replace("{photo}", shlex.quote(photo_path)).replace(
            "{out}", shlex.quote(out_path))
        result = subprocess.run(command, shell=True, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"input command failed ({result.returncode}): {command}\n{result.stderr}")
        if not os.path.exists(out_path):
            raise RuntimeError(f"input command wrote nothing to {{out}}: {command}")
        with open(out_path, "rb") as f:
            raw = f.read()
    if len(raw) != INPUT_BYTES:
        raise RuntimeError(f"input command wrote {len(raw)} bytes, expected {INPUT_BYTES}: {command}")
    return raw


def floats(values):
    """Float64 values rounded to 7 significant digits, written by JSON as their shortest repr."""
    return [float(f"{v:.7g}") for v in values]


def write_fixture(path, meta, photos):
    """Writes the fixture as JSON, one field per line, so that diffs of regenerated fixtures stay legible."""
    def dump(value):
        return json.dumps(value, separators=(",", ":"))

    lines = ["{"]
    for key, value in meta.items():
        lines.append(f"  {dump(key)}: {dump(value)},")
    lines.append('  "photos": [')
    for index, photo in enumerate(photos):
        fields = [f"      {dump(key)}: {dump(value)}" for key, value in photo.items()]
        lines.append("    {\n" + ",\n".join(fields) + "\n    }" + ("," if index + 1 < len(photos) else ""))
    lines.append("  ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # must round-trip
    with open(path, "w") as f:
        f.write(text)


def class_label(index, names):
    return f"{index} {names[index]}" if names else str(index)


def load_class_names(path):
    try:
        with open(path) as f:
            names = [line.rstrip("\n") for line in f]
    except OSError:
        return None
    return names if len(names) == 1000 else None


def main():
    parser = argparse.ArgumentParser(
        description="NumPy float64 reference outputs of EfficientNet-Lite0, as a JSON test fixture.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  python3 tools/reference_numpy.py --out /tmp/ref.json \\\n"
               "    --input-command \"convert {photo} -resize '224x224!' -depth 8 rgb:{out}\" \\\n"
               "    distractors-dev/n03063599_coffee_mug.jpg")
    parser.add_argument("--weights", default=os.path.join(REPO_ROOT, "models", "efficientnet-lite0.safetensors"),
                        help="safetensors checkpoint (default: models/efficientnet-lite0.safetensors)")
    parser.add_argument("--out", required=True, help="fixture JSON to write")
    parser.add_argument("--input-command", required=True,
                        help="shell command template; {photo} = photo path, {out} = file to write the "
                             "224x224x3 uint8 RGB bytes to")
    parser.add_argument("--data", default=os.path.join(os.path.dirname(REPO_ROOT), "shared", "data"),
                        help="directory the PHOTO paths are relative to (default: ../shared/data)")
    parser.add_argument("--classes", default=os.path.join(REPO_ROOT, "tools", "imagenet_classes.txt"),
                        help="class names for the summary on stderr (default: tools/imagenet_classes.txt)")
    parser.add_argument("photos", nargs="+", metavar="PHOTO", help="photo path relative to --data")
    args = parser.parse_args()

    for placeholder in ("{photo}", "{out}"):
        if placeholder not in args.input_command:
            parser.error(f"--input-command must contain {placeholder}")

    if not os.path.isfile(args.weights):
        parser.error(f"no weights at {args.weights} (pass --weights)")
    tensors = load_safetensors(args.weights)
    net = Net(tensors)
    names = load_class_names(args.classes)
    params = sum(t.size for t in tensors.values())
    print(f"weights: {args.weights} ({len(tensors)} tensors, {params:,} parameters)", file=sys.stderr)

    results = []
    for rel in args.photos:
        photo_path = os.path.abspath(os.path.join(args.data, rel))
        if not os.path.isfile(photo_path):
            sys.exit(f"no such photo: {photo_path}")
        try:
            raw = make_input(args.input_command, photo_path)
        except RuntimeError as error:
            sys.exit(f"{rel}: {error}")
        rgb = np.frombuffer(raw, dtype=np.uint8).reshape(INPUT_SIZE, INPUT_SIZE, 3)

        start = time.perf_counter()
        features, logits = net.forward(rgb)
        elapsed = time.perf_counter() - start
        if abs(net.macs - EXPECTED_MACS) > MACS_TOLERANCE:
            sys.exit(f"architecture check failed: {net.macs / 1e9:.4f} G multiply-adds, "
                     f"expected {EXPECTED_MACS / 1e9:.3f} G")

        # Best first; ties (never seen in practice) broken by the lower index.
        top5 = [int(i) for i in np.argsort(-logits, kind="stable")[:5]]
        results.append({
            "photo": rel,
            "input_sha256": hashlib.sha256(raw).hexdigest(),
            "top5": top5,
            "logits": floats(logits),
            "features": floats(features),
        })

        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        summary = ", ".join(f"{class_label(i, names)} ({probs[i]:.1%})" for i in top5)
        print(f"{rel}: {elapsed * 1000:.0f} ms, {net.macs / 1e9:.4f} G MACs: {summary}", file=sys.stderr)

    meta = {
        "weights_sha256": sha256_file(args.weights),
        "preprocess_command": args.input_command,
        "dtype": "float64",
        "generator": "tools/reference_numpy.py (NumPy, float64, batch norm unfolded, eps 1e-3)",
        "input": "224x224 RGB uint8 HWC, x = (v - 127) / 128",
        "float_digits": 7,
    }
    write_fixture(args.out, meta, results)
    print(f"wrote {args.out} ({os.path.getsize(args.out):,} bytes, {len(results)} photos)", file=sys.stderr)


if __name__ == "__main__":
    main()
