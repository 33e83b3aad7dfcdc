#!/usr/bin/env python3
"""EfficientNet-Lite0 in onnxruntime, beside Cairn's Swift engine: export, check against the reference, time.

    python3 tools/onnx_backbone.py export --out /tmp/lite0.onnx
    python3 tools/onnx_backbone.py check  --model /tmp/lite0.onnx --inputs DIR
    python3 tools/onnx_backbone.py time   --model /tmp/lite0.onnx --input x.rgb --batch 1 --threads 1 --runs 100

export  builds the ONNX graph (float32, opset 13) from models/efficientnet-lite0.safetensors: the network of
        tools/reference_numpy.py, with batch norm folded into each convolution's weights and bias, as Cairn's
        engine does. Input "input" is NCHW float32 [N, 3, 224, 224], N dynamic, already normalised as
        (v - 127) / 128; outputs "logits" [N, 1000] and "features" [N, 1280] (the pooled head activations).
check   runs the graph on the fixture's photos (Tests/Fixtures/backbone-reference.json) and compares with the
        NumPy float64 reference, using the criteria of Tests/CairnLeafTests/BackboneTests.swift: max |logit
        difference| <= 1e-3, feature cosine >= 0.99999, same top-5. The raw inputs (224*224*3 uint8 HWC RGB,
        from `cairn-bench preprocess PHOTO OUT`) must be in --inputs as NNN.rgb, in the fixture's order; their
        SHA-256 is checked against the fixture's input_sha256.
time    times one setting the way `cairn-bench cnn` does (same image repeated to fill the batch, warm-up, then
        --runs batches per session; ms per image = wall time / images) and prints one JSON line. --sessions S
        runs S sessions (intra-op threads each) on S Python threads, onnxruntime releasing the GIL in run():
        that is Cairn's "--threads S" (one session per thread, throughput). Otherwise one session with
        intra_op_num_threads = --threads (latency of one batch on T cores).

The architecture constants, the TensorFlow "same" padding rule and the safetensors reader come from
tools/reference_numpy.py, so that the two cannot disagree on what the network is. onnx, onnxruntime and
numpy are imported only by the subcommands that need them (scripts/bench-onnxruntime.sh installs them in a
throwaway venv).
"""
import argparse
import hashlib
import json
import os
import resource
import sys
import threading
import time

import numpy as np

from reference_numpy import (BLOCK_COUNT, BN_EPS, INPUT_BYTES, INPUT_SIZE, REPO_ROOT, STRIDE2_BLOCKS,
                             load_safetensors, tf_same_padding)

OPSET = 13
DEFAULT_WEIGHTS = os.path.join(REPO_ROOT, "models", "efficientnet-lite0.safetensors")
DEFAULT_FIXTURE = os.path.join(REPO_ROOT, "Tests", "Fixtures", "backbone-reference.json")

# Acceptance, as in Tests/CairnLeafTests/BackboneTests.swift for the Swift engine.
MAX_LOGIT_DIFFERENCE = 1e-3
MIN_FEATURE_COSINE = 0.99999


# ---------------------------------------------------------------------------------------------------------
# Export


class GraphBuilder:
    """Accumulates ONNX nodes and initializers; tracks the spatial size (H = W) for explicit padding."""

    def __init__(self, tensors):
        import onnx.numpy_helper
        self.t = tensors                  # float64 arrays, PyTorch layout
        self.nodes = []
        self.initializers = []
        self.size = INPUT_SIZE            # current feature map height = width
        self._from_array = onnx.numpy_helper.from_array
        self._counter = 0
        self.constant("relu6_min", np.array(0.0))   # Clip's bounds are inputs from opset 11 on
        self.constant("relu6_max", np.array(6.0))

    def _name(self, base):
        self._counter += 1
        return f"{base}_{self._counter}"

    def constant(self, name, array):
        self.initializers.append(self._from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def node(self, op, inputs, name, **attrs):
        from onnx import helper
        output = self._name(name)
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def folded(self, conv_name, bn_prefix):
        """Conv weight and bias with the batch norm that follows folded in (in float64, then rounded):
        w' = w * g / sqrt(var + eps) per output channel, b' = beta - mean * g / sqrt(var + eps)."""
        w = self.t[conv_name]
        g, beta = self.t[bn_prefix + ".weight"], self.t[bn_prefix + ".bias"]
        mean, var = self.t[bn_prefix + ".running_mean"], self.t[bn_prefix + ".running_var"]
        scale = g / np.sqrt(var + BN_EPS)
        return w * scale[:, None, None, None], beta - mean * scale

    def conv_bn(self, x, conv_name, bn_prefix, stride=1, depthwise=False, relu6=True):
        """Conv (+ folded BN) with explicit TF "same" pads computed for the current size, then ReLU6."""
        w, b = self.folded(conv_name, bn_prefix)
        k = w.shape[2]
        out, before, after = tf_same_padding(self.size, k, stride)
        self.size = out
        stem = conv_name.removesuffix(".weight")
        y = self.node("Conv", [x, self.constant(stem + ".weight_folded", w), self.constant(stem + ".bias_folded", b)],
                      stem, kernel_shape=[k, k], strides=[stride, stride],
                      pads=[before, before, after, after],           # [top, left, bottom, right]
                      group=w.shape[0] if depthwise else 1)
        return self.relu6(y) if relu6 else y

    def relu6(self, x):
        # ReLU6 = Clip(0, 6); onnxruntime fuses Conv + Clip into one kernel.
        return self.node("Clip", [x, "relu6_min", "relu6_max"], "relu6")

    def block(self, x, n):
        """MBConv block n: [1x1 expand], kxk depthwise, 1x1 project (linear), [residual]."""
        p = f"_blocks.{n}."
        stride = 2 if n in STRIDE2_BLOCKS else 1
        inputs, in_channels, in_size = x, self.channels, self.size
        if p + "_expand_conv.weight" in self.t:
            x = self.conv_bn(x, p + "_expand_conv.weight", p + "_bn0")
        x = self.conv_bn(x, p + "_depthwise_conv.weight", p + "_bn1", stride=stride, depthwise=True)
        x = self.conv_bn(x, p + "_project_conv.weight", p + "_bn2", relu6=False)
        self.channels = self.t[p + "_project_conv.weight"].shape[0]
        if stride == 1 and self.channels == in_channels and self.size == in_size:
            x = self.node("Add", [x, inputs], f"block{n}_residual")
        return x

    def build(self):
        from onnx import TensorProto, helper
        x = "input"
        x = self.conv_bn(x, "_conv_stem.weight", "_bn0", stride=2)
        self.channels = self.t["_conv_stem.weight"].shape[0]
        for n in range(BLOCK_COUNT):
            x = self.block(x, n)
        x = self.conv_bn(x, "_conv_head.weight", "_bn1")
        pooled = self.node("GlobalAveragePool", [x], "pool")                          # [N, 1280, 1, 1]
        self.nodes.append(helper.make_node("Flatten", [pooled], ["features"], name="features", axis=1))
        self.nodes.append(helper.make_node(
            "Gemm", ["features", self.constant("_fc.weight", self.t["_fc.weight"]),
                     self.constant("_fc.bias", self.t["_fc.bias"])],
            ["logits"], name="fc", transB=1))                                           # x @ W^T + b
        features = self.t["_conv_head.weight"].shape[0]
        classes = self.t["_fc.weight"].shape[0]
        graph = helper.make_graph(
            self.nodes, "efficientnet_lite0",
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, INPUT_SIZE, INPUT_SIZE])],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", classes]),
             helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", features])],
            self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="cairn tools/onnx_backbone.py")
        model.ir_version = 8        # readable by any onnxruntime since 1.10
        return model


def export(args):
    import onnx
    tensors = load_safetensors(args.weights)
    model = GraphBuilder(tensors).build()
    onnx.checker.check_model(model, full_check=True)   # also infers shapes: catches a wrong pad or channel
    onnx.save(model, args.out)
    convs = sum(node.op_type == "Conv" for node in model.graph.node)
    print(f"wrote {args.out} ({os.path.getsize(args.out):,} bytes; opset {OPSET}, onnx {onnx.__version__}; "
          f"{len(model.graph.node)} nodes, {convs} convolutions)", file=sys.stderr)


# ---------------------------------------------------------------------------------------------------------
# onnxruntime


def normalised(raw, copies=1):
    """224*224*3 uint8 HWC bytes -> float32 [copies, 3, 224, 224], (v - 127) / 128."""
    rgb = np.frombuffer(raw, dtype=np.uint8).reshape(INPUT_SIZE, INPUT_SIZE, 3)
    chw = ((rgb.astype(np.float32) - 127.0) / 128.0).transpose(2, 0, 1)
    return np.ascontiguousarray(np.broadcast_to(chw, (copies, 3, INPUT_SIZE, INPUT_SIZE)))


def session(model_path, intra_op_threads):
    """A CPU session: sequential execution, all graph optimisations, intra_op_threads threads."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])


def check(args):
    import onnxruntime as ort
    with open(args.fixture) as f:
        fixture = json.load(f)
    if fixture["weights_sha256"] != hashlib.sha256(open(args.weights, "rb").read()).hexdigest():
        sys.exit(f"{args.weights} is not the checkpoint the fixture was made from")
    photos = fixture["photos"]
    raws = []
    for index, photo in enumerate(photos):
        with open(os.path.join(args.inputs, f"{index:03d}.rgb"), "rb") as f:
            raw = f.read()
        if len(raw) != INPUT_BYTES or hashlib.sha256(raw).hexdigest() != photo["input_sha256"]:
            sys.exit(f"{photo['photo']}: input differs from the fixture's (input_sha256); regenerate one or the other")
        raws.append(raw)

    # All photos as one batch (also exercises the dynamic batch dimension), then one by one.
    sess = session(args.model, 1)
    batch = np.concatenate([normalised(raw) for raw in raws])
    logits, features = sess.run(["logits", "features"], {"input": batch})
    single = max(float(np.abs(sess.run(["logits"], {"input": batch[i:i + 1]})[0][0] - logits[i]).max())
                 for i in range(len(raws)))

    worst_logit, worst_cosine, top5_same, failures = 0.0, 1.0, 0, []
    for i, photo in enumerate(photos):
        ref_logits = np.array(photo["logits"])
        ref_features = np.array(photo["features"])
        difference = float(np.abs(logits[i].astype(np.float64) - ref_logits).max())
        f = features[i].astype(np.float64)
        cosine = float(f @ ref_features / np.sqrt((f @ f) * (ref_features @ ref_features)))
        top5 = [int(k) for k in np.argsort(-logits[i], kind="stable")[:5]]
        worst_logit, worst_cosine = max(worst_logit, difference), min(worst_cosine, cosine)
        top5_same += top5 == photo["top5"]
        if difference > MAX_LOGIT_DIFFERENCE or cosine < MIN_FEATURE_COSINE or top5 != photo["top5"]:
            failures.append(photo["photo"])
        print(f"  {photo['photo']}: max |logit diff| {difference:.2e}, 1 - feature cosine {1 - cosine:.1e}, "
              f"max |feature diff| {np.abs(f - ref_features).max():.2e}, top-5 {'same' if top5 == photo['top5'] else top5}")
    print(f"onnxruntime {ort.__version__} vs NumPy float64 reference, {len(photos)} photos: "
          f"max |logit difference| {worst_logit:.2e} (limit {MAX_LOGIT_DIFFERENCE:g}), "
          f"max 1 - feature cosine {1 - worst_cosine:.1e} (limit {1 - MIN_FEATURE_COSINE:.0e}), top-5 identical {top5_same}/{len(photos)}; "
          f"batch of {len(photos)} vs one by one: max |logit difference| {single:.2e}")
    if failures:
        sys.exit(f"disagreement with the reference: {', '.join(failures)}")


def rss_mb(field):
    """VmRSS / VmHWM of this process from /proc, in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def time_setting(args):
    import onnxruntime as ort
    baseline = rss_mb("VmRSS")          # interpreter + numpy + onnxruntime imported, no session yet
    with open(args.input, "rb") as f:
        raw = f.read()
    if len(raw) != INPUT_BYTES:
        sys.exit(f"{args.input}: {len(raw)} bytes, expected {INPUT_BYTES}")
    feed = {"input": normalised(raw, args.batch)}
    load_start = time.perf_counter()
    if args.sessions > 1:
        sessions = [session(args.model, 1) for _ in range(args.sessions)]
    else:
        sessions = [session(args.model, args.threads)]
    load_ms = (time.perf_counter() - load_start) * 1000 / len(sessions)
    for sess in sessions:
        for _ in range(args.warmup):
            sess.run(["logits"], feed)

    def work(sess):
        for _ in range(args.runs):
            sess.run(["logits"], feed)

    start, cpu_start = time.perf_counter(), time.process_time()
    if len(sessions) == 1:
        work(sessions[0])
    else:
        workers = [threading.Thread(target=work, args=(sess,)) for sess in sessions]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    images = len(sessions) * args.runs * args.batch
    print(json.dumps({
        "engine": "onnxruntime", "version": ort.__version__, "batch": args.batch,
        "threads": args.sessions if args.sessions > 1 else args.threads,
        "mode": f"{args.sessions} sessions x 1 thread" if args.sessions > 1 else f"1 session, intra-op {args.threads}",
        "ms_per_image": seconds * 1000 / images, "cpu_ms_per_image": cpu_seconds * 1000 / images, "images": images, "load_ms": load_ms,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "baseline_rss_mb": baseline,
    }))


# ---------------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 1)[1])
    parser.add_argument("--weights", default=DEFAULT_WEIGHTS, help="safetensors checkpoint")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("export", help="write the ONNX graph")
    p.add_argument("--out", required=True)
    p.set_defaults(func=export)

    p = commands.add_parser("check", help="compare onnxruntime with the NumPy reference fixture")
    p.add_argument("--model", required=True)
    p.add_argument("--fixture", default=DEFAULT_FIXTURE)
    p.add_argument("--inputs", required=True, help="folder of NNN.rgb inputs, in the fixture's photo order")
    p.set_defaults(func=check)

    p = commands.add_parser("time", help="time one setting; prints one JSON line")
    p.add_argument("--model", required=True)
    p.add_argument("--input", required=True, help="224*224*3 uint8 HWC RGB bytes")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int, default=1, help="intra-op threads of the one session")
    p.add_argument("--sessions", type=int, default=1, help="sessions on as many Python threads (1 intra-op thread each)")
    p.add_argument("--runs", type=int, default=50, help="timed batches per session")
    p.add_argument("--warmup", type=int, default=3, help="untimed batches per session first")
    p.set_defaults(func=time_setting)

    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
