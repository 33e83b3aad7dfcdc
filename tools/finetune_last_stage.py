#!/usr/bin/env python3
"""Does fine-tuning the backbone's last stage with the embedding head beat training the head alone? (issue 17, item 4)

    python3 -m venv /tmp/ft-venv && /tmp/ft-venv/bin/pip install torch numpy pillow
    OMP_NUM_THREADS=1 nice -n 19 /tmp/ft-venv/bin/python tools/finetune_last_stage.py \\
        --data ../shared/data --seeds 1 2 3 4 5 --views 2 --epochs 12

A measuring prototype in PyTorch on the CPU (one thread); the product code is Swift and is not touched. Two models
go through one identical pipeline and differ only in what is trained:

  A  head only: frozen EfficientNet-Lite0 -> pooled 1280 features -> the trained head of `cairn landmarks train`
     (L2-normalised features, FC 1280 -> 512 + batch norm, cosine classifier x16 over n landmarks + 1 non-landmark
     class, softmax + center loss lambda 0.1 with center rate 0.5, SGD momentum 0.9, weight decay 5e-3 on weight
     matrices, rate 0.01, x0.1 at 40% and 80% of the epochs, batch 64).
  B  the same head trained together with the network's last stage: block 15 (1x1 expand 192 -> 1152, depthwise
     3x3, 1x1 project 1152 -> 320, each with batch norm, ReLU6 after the first two) and the 1x1 head conv
     320 -> 1280 + batch norm + ReLU6, then the global average pool. The stage starts from the ImageNet weights and
     is trained at the paper's CNN rate alpha1 = 0.001 (section 3.3, Algorithm 1; --stage-rate) with the same
     decay and weight decay (on the conv weights). Its batch norms keep their ImageNet running statistics (frozen,
     so that each folds into its convolution as Cairn's engine does) and train their scale and shift.

Photos: the 29 landmarks of landmarks-dev, and the negatives of distractors-dev (kind "distractors") and
everyday-more (kinds from manifest.tsv: landscape, mountain, seascape, street, nature-other, animal, unknown).
Each photo is decoded once as tools/landmark_pooling.py does (short side resized to 224, bilinear, centre crop
224, x = (v - 127) / 128) plus --views augmented views (random resized crop over 40-100% of the area with aspect
3/4-4/3 resized to 224x224, random flip, brightness / contrast / saturation x0.8-1.2, as
Sources/CairnLandmarkBuilder/Augmentation.swift; each view drawn from the photo's path and the view index, so it
is the same on every run). The frozen trunk (stem and blocks 0-14) runs once per view; its 192 x 7 x 7 output is
cached as float16 in --cache (npz under /tmp), so reruns skip decoding and the trunk. Before that the script checks
its PyTorch network against tools/reference_numpy.py's float64 forward pass on two photos.

Protocol, per seed (the splits depend only on the seed, so A and B see the same parts):
  - 30% of each landmark's photos are held out as test; the rest (and their augmented views) train.
  - The negatives are split stratified by kind into train / calibration / test thirds.
  - Each epoch draws as many non-landmark samples as there are landmark training views (ratio 1, --ratio), with
    replacement, from the training negatives' views (photo and augmented views). --epochs for both A and B, no
    curriculum. A and B start from the same head initialisation and draw the same samples in the same order.
  - Embeddings (the photo's centre crop only): one mean centroid per landmark from its training photos; the score
    is the top-1 centroid similarity; eta is set so that at most 1% of calibration negatives reach it (their
    99th-percentile score).
  - On the test part: top-1 accuracy, sensitivity (right landmark and score >= eta), specificity on all test
    negatives and per kind.

Prints a table per seed, the mean +- std over seeds and the paired difference B - A, the training wall time, and
the multiply-adds of the last stage per photo (what B adds to a photo's inference when the pack carries its own
copy of the stage). Results also go to --json.
"""
import argparse
import json
import os
import sys
import time
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_numpy import (BLOCK_COUNT, BN_EPS, REPO_ROOT, STRIDE2_BLOCKS, Net, load_safetensors,  # noqa: E402
                             tf_same_padding)

SIZE = 224
LAST_BLOCK = BLOCK_COUNT - 1          # block 15: 192 -> 1152 -> 320
HARD_KINDS = ("landscape", "mountain", "seascape", "street")


# ---------------------------------------------------------------------------------------------------------
# Data


def listing(data):
    """(paths relative to data, landmark key or "" , negative kind or "", landmark regions dict)."""
    paths, keys, kinds = [], [], []
    root = os.path.join(data, "landmarks-dev")
    regions = {}
    with open(os.path.join(root, "landmarks.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            regions[row["key"]] = row["region"]
    for key in sorted(os.listdir(root)):
        if os.path.isdir(os.path.join(root, key)):
            for name in sorted(os.listdir(os.path.join(root, key))):
                paths.append(f"landmarks-dev/{key}/{name}")
                keys.append(key)
                kinds.append("")
    for name in sorted(os.listdir(os.path.join(data, "distractors-dev"))):
        if name.lower().endswith((".jpg", ".jpeg", ".png")):
            paths.append(f"distractors-dev/{name}")
            keys.append("")
            kinds.append("distractors")
    with open(os.path.join(data, "everyday-more", "manifest.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            paths.append(f"everyday-more/{row['path']}")
            keys.append("")
            kinds.append(row["kind"])
    return paths, np.array(keys), np.array(kinds), regions


def centre_crop(image):
    """tools/landmark_pooling.py's framing: short side to 224 (bilinear), centre crop 224."""
    from PIL import Image
    scale = SIZE / min(image.size)
    image = image.resize((max(SIZE, round(image.width * scale)), max(SIZE, round(image.height * scale))), Image.BILINEAR)
    left, top = (image.width - SIZE) // 2, (image.height - SIZE) // 2
    return np.asarray(image.crop((left, top, left + SIZE, top + SIZE)), dtype=np.uint8)


def augmented(image, random):
    """One augmented view as Augmentation.swift draws it: crop 40-100% of the area, aspect 3/4-4/3, resized to
    224x224; random flip; brightness, contrast, saturation x0.8-1.2 around the view's mean."""
    from PIL import Image
    w, h = image.size
    area = w * h * random.uniform(0.4, 1.0)
    aspect = np.exp(random.uniform(np.log(3 / 4), np.log(4 / 3)))
    cw = max(1, min(w, int(np.sqrt(area * aspect))))
    ch = max(1, min(h, int(np.sqrt(area / aspect))))
    x0 = int(random.integers(0, w - cw + 1))
    y0 = int(random.integers(0, h - ch + 1))
    flip = random.random() < 0.5
    brightness, contrast, saturation = random.uniform(0.8, 1.2, 3)
    view = image.crop((x0, y0, x0 + cw, y0 + ch)).resize((SIZE, SIZE), Image.BILINEAR)
    if flip:
        view = view.transpose(Image.FLIP_LEFT_RIGHT)
    rgb = np.asarray(view, dtype=np.float32) * brightness
    mean = rgb.mean()
    rgb = (rgb - mean) * contrast + mean
    grey = (rgb * np.array([0.299, 0.587, 0.114], np.float32)).sum(2, keepdims=True)
    rgb = grey + (rgb - grey) * saturation
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def views_of(path, rel, count):
    """The photo's centre crop and `count` augmented views, uint8 (1 + count, 224, 224, 3)."""
    from PIL import Image
    image = Image.open(path).convert("RGB")
    out = [centre_crop(image)]
    for v in range(count):
        out.append(augmented(image, np.random.default_rng([zlib.crc32(rel.encode()), v])))
    return np.stack(out)


# ---------------------------------------------------------------------------------------------------------
# Network (PyTorch, float32)


def torch_setup():
    import torch
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    return torch


def same_pad(F, x, k, s):
    _, top, bottom = tf_same_padding(x.shape[2], k, s)
    _, left, right = tf_same_padding(x.shape[3], k, s)
    return F.pad(x, (left, right, top, bottom))


class Trunk:
    """Stem and blocks 0-14 with batch norm folded (inference only): input (N, 3, 224, 224) -> (N, 192, 7, 7)."""

    def __init__(self, t, torch):
        self.torch = torch
        self.t = t

    def conv_bn(self, x, weight, bn, stride=1, groups=1, act=True):
        torch, F = self.torch, self.torch.nn.functional
        w = torch.tensor(self.t[weight], dtype=torch.float32)
        k = w.shape[2]
        if k > 1:
            x = same_pad(F, x, k, stride)
        x = F.conv2d(x, w, stride=stride, groups=groups)
        scale = self.t[bn + ".weight"] / np.sqrt(self.t[bn + ".running_var"] + BN_EPS)
        shift = self.t[bn + ".bias"] - self.t[bn + ".running_mean"] * scale
        x = x * torch.tensor(scale, dtype=torch.float32)[:, None, None] + torch.tensor(shift, dtype=torch.float32)[:, None, None]
        return x.clamp(0, 6) if act else x

    def block(self, x, n):
        p = f"_blocks.{n}."
        stride = 2 if n in STRIDE2_BLOCKS else 1
        inputs = x
        if p + "_expand_conv.weight" in self.t:
            x = self.conv_bn(x, p + "_expand_conv.weight", p + "_bn0")
        x = self.conv_bn(x, p + "_depthwise_conv.weight", p + "_bn1", stride, groups=x.shape[1])
        x = self.conv_bn(x, p + "_project_conv.weight", p + "_bn2", act=False)
        if stride == 1 and x.shape == inputs.shape:
            x = x + inputs
        return x

    def __call__(self, x):
        x = self.conv_bn(x, "_conv_stem.weight", "_bn0", 2)
        for n in range(LAST_BLOCK):
            x = self.block(x, n)
        return x


def make_modules(torch, t, classes):
    nn = torch.nn
    F = nn.functional

    class FrozenStatsBN(nn.Module):
        """Batch norm with the checkpoint's running statistics, frozen; scale and shift trainable."""

        def __init__(self, prefix):
            super().__init__()
            self.weight = nn.Parameter(torch.tensor(t[prefix + ".weight"], dtype=torch.float32))
            self.bias = nn.Parameter(torch.tensor(t[prefix + ".bias"], dtype=torch.float32))
            self.register_buffer("inv", torch.tensor(1 / np.sqrt(t[prefix + ".running_var"] + BN_EPS), dtype=torch.float32))
            self.register_buffer("mean", torch.tensor(t[prefix + ".running_mean"], dtype=torch.float32))

        def forward(self, x):
            scale = self.weight * self.inv
            return x * scale[:, None, None] + (self.bias - self.mean * scale)[:, None, None]

    class LastStage(nn.Module):
        """Block 15 and the head conv, from the ImageNet weights: (N, 192, 7, 7) -> pooled (N, 1280)."""

        def __init__(self):
            super().__init__()
            p = f"_blocks.{LAST_BLOCK}."

            def weight(name):
                return nn.Parameter(torch.tensor(t[name], dtype=torch.float32))
            self.expand, self.bn0 = weight(p + "_expand_conv.weight"), FrozenStatsBN(p + "_bn0")
            self.depthwise, self.bn1 = weight(p + "_depthwise_conv.weight"), FrozenStatsBN(p + "_bn1")
            self.project, self.bn2 = weight(p + "_project_conv.weight"), FrozenStatsBN(p + "_bn2")
            self.head, self.bn3 = weight("_conv_head.weight"), FrozenStatsBN("_bn1")
            assert self.depthwise.shape[2] == 3 and self.expand.shape[:2] == (1152, 192)

        def forward(self, x):
            x = self.bn0(F.conv2d(x, self.expand)).clamp(0, 6)
            x = self.bn1(F.conv2d(x, self.depthwise, padding=1, groups=x.shape[1])).clamp(0, 6)  # 3x3 s1: TF same = 1
            x = self.bn2(F.conv2d(x, self.project))
            x = self.bn3(F.conv2d(x, self.head)).clamp(0, 6)
            return x.mean((2, 3))

        def conv_weights(self):
            return [self.expand, self.depthwise, self.project, self.head]

    class Head(nn.Module):
        """HeadModel.swift: unit features -> FC 1280 -> 512 + batch norm -> unit -> cosine logits x scale."""

        def __init__(self, scale=16.0, dimension=512, inputs=1280):
            super().__init__()
            self.fc = nn.Linear(inputs, dimension)
            nn.init.normal_(self.fc.weight, std=np.sqrt(2 / inputs))
            nn.init.zeros_(self.fc.bias)
            self.bn = nn.BatchNorm1d(dimension, eps=1e-5, momentum=0.1)
            self.classifier = nn.Parameter(torch.randn(classes, dimension) * np.sqrt(1 / dimension))
            self.scale = scale

        def forward(self, features):
            u = F.normalize(self.bn(self.fc(F.normalize(features, dim=1, eps=1e-12))), dim=1, eps=1e-12)
            return u, self.scale * u @ self.classifier.t()

    return LastStage, Head


def check_against_reference(torch, t, data, paths):
    """The PyTorch trunk + last stage must give the float64 reference's features (cosine >= 0.99999)."""
    LastStage, _ = make_modules(torch, t, 2)
    trunk, stage, net = Trunk(t, torch), LastStage().eval(), Net(t)
    for rel in paths:
        rgb = views_of(os.path.join(data, rel), rel, 0)[0]
        reference, _ = net.forward(rgb)
        with torch.no_grad():
            x = torch.tensor(((rgb.astype(np.float32) - 127) / 128).transpose(2, 0, 1)[None])
            ours = stage(trunk(x))[0].double().numpy()
        cosine = ours @ reference / np.linalg.norm(ours) / np.linalg.norm(reference)
        worst = np.abs(ours - reference).max()
        print(f"check {rel}: cosine {cosine:.7f}, max |difference| {worst:.2e}", flush=True)
        if cosine < 0.99999:
            sys.exit("the PyTorch network disagrees with tools/reference_numpy.py")


def build_cache(torch, t, data, paths, views, cache):
    """Trunk activations (photos, 1 + views, 192, 7, 7) float16, from --cache when it matches."""
    signature = f"{views}:{zlib.crc32(chr(10).join(paths).encode())}"
    if os.path.exists(cache):
        stored = np.load(cache)
        if str(stored["signature"]) == signature:
            print(f"trunk activations from {cache}", flush=True)
            return stored["activations"]
        print(f"{cache} is for other photos or views; recomputing", flush=True)
    trunk = Trunk(t, torch)
    out = np.zeros((len(paths), 1 + views, 192, 7, 7), np.float16)
    start, batch, index = time.time(), [], []

    def flush():
        x = torch.tensor(((np.concatenate(batch).astype(np.float32) - 127) / 128).transpose(0, 3, 1, 2))
        with torch.no_grad():
            y = trunk(x).numpy().astype(np.float16).reshape(len(index), 1 + views, 192, 7, 7)
        out[index] = y
        batch.clear()
        index.clear()

    for i, rel in enumerate(paths):
        batch.append(views_of(os.path.join(data, rel), rel, views))
        index.append(i)
        if len(index) == 16:
            flush()
        if (i + 1) % 500 == 0:
            elapsed = time.time() - start
            print(f"  trunk: {i + 1}/{len(paths)} photos, {elapsed:.0f} s, ~{elapsed / (i + 1) * (len(paths) - i - 1):.0f} s left", flush=True)
    if index:
        flush()
    print(f"trunk: {len(paths)} photos x {1 + views} views in {time.time() - start:.0f} s", flush=True)
    np.savez(cache, activations=out, signature=np.array(signature))
    return out


# ---------------------------------------------------------------------------------------------------------
# Protocol


def split(seed, keys, kinds):
    random = np.random.default_rng(seed)
    landmark_keys = sorted(set(keys) - {""})
    train, test = [], []
    for key in landmark_keys:
        members = random.permutation(np.where(keys == key)[0])
        held = int(round(len(members) * 0.3))
        test += list(members[:held])
        train += list(members[held:])
    negatives = {"train": [], "calibration": [], "test": []}
    for kind in sorted(set(kinds) - {""}):
        members = random.permutation(np.where(kinds == kind)[0])
        thirds = np.array_split(members, 3)
        for part, chunk in zip(("train", "calibration", "test"), thirds):
            negatives[part] += list(chunk)
    return landmark_keys, np.array(sorted(train)), np.array(sorted(test)), {k: np.array(sorted(v)) for k, v in negatives.items()}


def train_model(torch, t, acts, pooled, labels_of, parts, classes, seed, args, fine_tune):
    """Trains the head (and with fine_tune the last stage) on the training photos' views; returns embed(indices)."""
    LastStage, Head = make_modules(torch, t, classes)
    torch.manual_seed(seed)
    head = Head(scale=args.cosine_scale)
    stage = LastStage() if fine_tune else None
    groups = [
        {"params": [head.fc.weight], "lr": args.rate, "weight_decay": args.weight_decay},
        {"params": [head.fc.bias, head.bn.weight, head.bn.bias], "lr": args.rate, "weight_decay": 0.0},
        {"params": [head.classifier], "lr": args.rate, "weight_decay": args.weight_decay},
    ]
    if stage is not None:
        convs = stage.conv_weights()
        others = [p for p in stage.parameters() if all(p is not c for c in convs)]
        groups += [{"params": convs, "lr": args.stage_rate, "weight_decay": args.weight_decay},
                   {"params": others, "lr": args.stage_rate, "weight_decay": 0.0}]
    for g in groups:
        g["base"] = g["lr"]
    optimiser = torch.optim.SGD(groups, momentum=0.9)
    landmark_classes = classes - 1
    centers = torch.zeros(landmark_classes, 512)

    train, negatives = parts
    views = acts.shape[1]
    samples = np.array([(i, v) for i in train for v in range(views)])
    negative_pool = np.array([(i, v) for i in negatives for v in range(views)])
    negative_count = int(round(len(samples) * args.ratio))
    random = np.random.default_rng(seed * 7919 + 1)
    start = time.time()
    for epoch in range(args.epochs):
        decay = 0.01 if epoch >= int(0.8 * args.epochs) else 0.1 if epoch >= int(0.4 * args.epochs) else 1
        for g in optimiser.param_groups:
            g["lr"] = g["base"] * decay
        drawn = negative_pool[random.integers(0, len(negative_pool), negative_count)]
        epoch_samples = np.concatenate([samples, drawn])
        epoch_labels = np.concatenate([labels_of[samples[:, 0]], np.full(negative_count, landmark_classes)])
        order = random.permutation(len(epoch_samples))
        head.train()
        if stage is not None:
            stage.train()
        total, correct, seen = 0.0, 0, 0
        for b in range(0, len(order), args.batch):
            chosen = order[b:b + args.batch]
            if len(chosen) < 2:
                continue
            rows, cols = epoch_samples[chosen, 0], epoch_samples[chosen, 1]
            labels = torch.tensor(epoch_labels[chosen], dtype=torch.long)
            if stage is None:
                features = torch.from_numpy(pooled[rows, cols])
            else:
                features = stage(torch.from_numpy(acts[rows, cols].astype(np.float32)))
            u, logits = head(features)
            loss = torch.nn.functional.cross_entropy(logits, labels)
            mask = labels < landmark_classes
            if mask.any():
                difference = u[mask] - centers[labels[mask]]
                loss = loss + args.center_lambda / 2 * (difference ** 2).sum() / len(chosen)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            with torch.no_grad():  # center loss's update: c_j -= alpha * sum(c_j - x_i) / (1 + n_j)
                lm, uu = labels[mask], u[mask].detach()
                for j in lm.unique():
                    members = uu[lm == j]
                    centers[j] -= args.center_rate * (centers[j] - members).sum(0) / (1 + len(members))
            total += loss.item() * len(chosen)
            correct += (logits.argmax(1) == labels).sum().item()
            seen += len(chosen)
        if args.verbose:
            print(f"    {'B' if fine_tune else 'A'} epoch {epoch + 1}/{args.epochs}: loss {total / seen:.3f}, "
                  f"train accuracy {correct / seen:.3f}, {time.time() - start:.0f} s", flush=True)
    elapsed = time.time() - start
    head.eval()
    if stage is not None:
        stage.eval()

    def embed(indices):
        out = []
        with torch.no_grad():
            for b in range(0, len(indices), 128):
                rows = indices[b:b + 128]
                if stage is None:
                    features = torch.from_numpy(pooled[rows, 0])
                else:
                    features = stage(torch.from_numpy(acts[rows, 0].astype(np.float32)))
                out.append(head(features)[0].numpy())
        return np.concatenate(out)
    return embed, elapsed


def evaluate(embed, keys, kinds, landmark_keys, train, test, negatives):
    everything = np.concatenate([train, test, negatives["calibration"], negatives["test"]])
    embedded = dict(zip(everything.tolist(), embed(everything)))
    E = lambda idx: np.stack([embedded[i] for i in idx])  # noqa: E731
    train_e = E(train)
    centroids = np.stack([train_e[keys[train] == key].mean(0) for key in landmark_keys])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)

    def score(idx):
        s = E(idx) @ centroids.T
        return s.argmax(1), s.max(1)
    _, calibration = score(negatives["calibration"])
    eta = np.sort(calibration)[::-1][int(0.01 * len(calibration))] + 1e-6
    best, top = score(test)
    right = np.array(landmark_keys)[best] == keys[test]
    _, negative_top = score(negatives["test"])
    passed = negative_top >= eta
    result = {"top1": right.mean(), "sensitivity": (right & (top >= eta)).mean(), "eta": float(eta),
              "calibration_pass": float((calibration >= eta).mean()), "specificity": 1 - passed.mean()}
    test_kinds = kinds[negatives["test"]]
    for kind in sorted(set(test_kinds)):
        result[f"spec_{kind}"] = 1 - passed[test_kinds == kind].mean()
    return {k: float(v) for k, v in result.items()}


def stage_macs():
    cells = 7 * 7
    return {"expand 192->1152": 192 * 1152 * cells, "depthwise 3x3": 1152 * 9 * cells,
            "project 1152->320": 1152 * 320 * cells, "head conv 320->1280": 320 * 1280 * cells}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--data", default=os.path.join(os.path.dirname(REPO_ROOT), "shared", "data"))
    parser.add_argument("--weights", default=os.path.join(REPO_ROOT, "models", "efficientnet-lite0.safetensors"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--views", type=int, default=2, help="augmented views per photo (Cairn: 4)")
    parser.add_argument("--epochs", type=int, default=12, help="epochs for A and B alike (Cairn: 30 per stage)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rate", type=float, default=0.01, help="embedding and classifier rate (alpha2, alpha3)")
    parser.add_argument("--stage-rate", type=float, default=0.001, help="last stage's rate in B (the paper's alpha1)")
    parser.add_argument("--weight-decay", type=float, default=5e-3)
    parser.add_argument("--center-lambda", type=float, default=0.1)
    parser.add_argument("--center-rate", type=float, default=0.5)
    parser.add_argument("--cosine-scale", type=float, default=16.0)
    parser.add_argument("--ratio", type=float, default=1.0, help="non-landmark : landmark samples per epoch")
    parser.add_argument("--models", default="AB", help="which of A, B to train")
    parser.add_argument("--cache", default=None, help="npz of trunk activations (default /tmp/cairn-ft-trunk-vN.npz)")
    parser.add_argument("--json", default="/tmp/cairn-ft-results.json")
    parser.add_argument("--verbose", action="store_true", help="loss and accuracy per epoch")
    args = parser.parse_args()
    args.cache = args.cache or f"/tmp/cairn-ft-trunk-v{args.views}.npz"

    torch = torch_setup()
    t = load_safetensors(args.weights)
    paths, keys, kinds, regions = listing(args.data)
    print(f"{(keys != '').sum()} landmark photos ({len(set(keys) - {''})} landmarks), {(kinds != '').sum()} negatives: "
          + ", ".join(f"{k} {(kinds == k).sum()}" for k in sorted(set(kinds) - {''})), flush=True)
    check_against_reference(torch, t, args.data, [p for p in paths if "colosseum" in p][:1] + [paths[-1]])
    acts = build_cache(torch, t, args.data, paths, args.views, args.cache)

    # A's input: the frozen last stage's pooled features of every view, computed once.
    LastStage, _ = make_modules(torch, t, 2)
    frozen = LastStage().eval()
    pooled = np.zeros((len(paths), acts.shape[1], 1280), np.float32)
    start = time.time()
    with torch.no_grad():
        flat = acts.reshape(-1, 192, 7, 7)
        out = pooled.reshape(-1, 1280)
        for b in range(0, len(flat), 256):
            out[b:b + 256] = frozen(torch.from_numpy(flat[b:b + 256].astype(np.float32))).numpy()
    per_view = (time.time() - start) / len(flat)
    macs = stage_macs()
    print(f"last stage: {sum(macs.values()) / 1e6:.1f} M multiply-adds per view ("
          + ", ".join(f"{k} {v / 1e6:.2f} M" for k, v in macs.items()) + f"); {1000 * per_view:.2f} ms per view "
          "in PyTorch on one thread, batch 256", flush=True)

    results = {"args": vars(args), "stage_macs": macs, "seeds": {}}
    columns = ["top1", "sensitivity", "specificity"] + [f"spec_{k}" for k in HARD_KINDS] + ["eta"]
    for seed in args.seeds:
        seed_start = time.time()
        landmark_keys, train, test, negatives = split(seed, keys, kinds)
        classes = len(landmark_keys) + 1
        index_of = {k: i for i, k in enumerate(landmark_keys)}
        labels_of = np.array([index_of.get(k, -1) for k in keys])
        print(f"seed {seed}: {len(train)} training and {len(test)} test landmark photos; negatives "
              + ", ".join(f"{k} {len(v)}" for k, v in negatives.items()), flush=True)
        results["seeds"][seed] = {}
        for model in args.models:
            embed, elapsed = train_model(torch, t, acts, pooled, labels_of, (train, negatives["train"]), classes, seed,
                                         args, fine_tune=(model == "B"))
            result = evaluate(embed, keys, kinds, landmark_keys, train, test, negatives)
            result["train_s"] = elapsed
            results["seeds"][seed][model] = result
            print(f"  {model}: " + ", ".join(f"{c} {result[c]:.4f}" for c in columns) + f"; trained in {elapsed:.0f} s", flush=True)
        results["seeds"][seed]["wall_s"] = time.time() - seed_start
        print(f"  seed {seed}: {time.time() - seed_start:.0f} s", flush=True)
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)

    seeds = list(results["seeds"])
    print(f"\nmean +- std over seeds {seeds} (percent; eta absolute)")
    print(f"{'':10s}" + "".join(f"{c:>18s}" for c in columns))
    for model in args.models:
        values = np.array([[results["seeds"][s][model][c] for c in columns] for s in seeds])
        scale = np.array([100] * (len(columns) - 1) + [1])
        mean, std = (values * scale).mean(0), (values * scale).std(0, ddof=1) if len(seeds) > 1 else 0 * scale
        print(f"{model:10s}" + "".join(f"{m:11.2f} ± {s:4.2f}" for m, s in zip(mean, std)))
    if set("AB") <= set(args.models):
        d = np.array([[results["seeds"][s]["B"][c] - results["seeds"][s]["A"][c] for c in columns] for s in seeds])
        d *= np.array([100] * (len(columns) - 1) + [1])
        std = d.std(0, ddof=1) if len(seeds) > 1 else 0 * d[0]
        print(f"{'B - A':10s}" + "".join(f"{m:+11.2f} ± {s:4.2f}" for m, s in zip(d.mean(0), std)))
    print(f"results in {args.json}")


if __name__ == "__main__":
    main()
