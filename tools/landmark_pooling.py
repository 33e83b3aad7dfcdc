#!/usr/bin/env python3
"""Pooling and flip test on the frozen backbone's features: does anything beat global average pooling?

    python3 tools/onnx_backbone.py export --out /tmp/lite0.onnx
    python3 tools/landmark_pooling.py --model /tmp/lite0.onnx --data ../shared/data [--splits 8]

Runs EfficientNet-Lite0 (the ONNX export of Cairn's network) on every photo of landmarks-dev and
distractors-dev, centre-cropped to 224 as `backbone.framing: center-crop` does, and keeps the head's
1280 x 7 x 7 activations; then the same again on the mirrored photo, and at inputs of 288 and 320 pixels
(the network is convolutional up to its pooling). For each way of pooling them (average: what Cairn uses;
generalised mean with p = 2, 3, 4; max; average and max side by side; average of the photo and its mirror;
average at the larger inputs) it runs the landmark issue's offline test with one mean centroid per landmark on
the unit-normalised features (no training, no projection): 30% of each landmark's photos held out, half the
negatives set the threshold at 99% specificity, the other half measure it. Prints top-1, sensitivity and
specificity averaged over --splits random splits. Needs numpy, Pillow, onnx and onnxruntime
(scripts/bench-index.sh installs them in a throwaway venv). Results: docs/LANDMARKS.md.
"""
import argparse
import os

import numpy as np


def photos(data):
    paths, labels = [], []
    root = os.path.join(data, "landmarks-dev")
    for key in sorted(os.listdir(root)):
        folder = os.path.join(root, key)
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                paths.append(os.path.join(folder, name))
                labels.append(key)
    root = os.path.join(data, "distractors-dev")
    for name in sorted(os.listdir(root)):
        if name.lower().endswith((".jpg", ".jpeg", ".png")):
            paths.append(os.path.join(root, name))
            labels.append("")
    return paths, np.array(labels)


def head_session(model):
    """An onnxruntime session of the exported network that also returns the head's activations before pooling,
    at any input size (the network is convolutional up to its pooling)."""
    import onnx
    from onnx_backbone import session

    graph = onnx.load(model)
    graph.graph.output.append(onnx.helper.make_tensor_value_info("relu6_91", onnx.TensorProto.FLOAT, None))
    dims = graph.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_param, dims[3].dim_param = "height", "width"
    return session(graph.SerializeToString(), os.cpu_count() or 1)


def activations(session, paths, size=224, mirror=True):
    """The head's activations (N, 1280, cells) at `size` pixels, for each photo and (with `mirror`) its mirror
    image (else None)."""
    from PIL import Image

    cells = ((size + 31) // 32) ** 2
    plain = np.zeros((len(paths), 1280, cells), np.float32)
    mirrored = np.zeros_like(plain) if mirror else None
    for index, path in enumerate(paths):
        image = Image.open(path).convert("RGB")
        scale = size / min(image.size)
        image = image.resize((max(size, round(image.width * scale)), max(size, round(image.height * scale))), Image.BILINEAR)
        left, top = (image.width - size) // 2, (image.height - size) // 2
        image = image.crop((left, top, left + size, top + size))
        views = [(plain, image)] + ([(mirrored, image.transpose(Image.FLIP_LEFT_RIGHT))] if mirror else [])
        for target, view in views:
            x = ((np.asarray(view, dtype=np.float32) - 127) / 128).transpose(2, 0, 1)[None]
            target[index] = session.run(["relu6_91"], {"input": x})[0].reshape(1280, cells)
    return plain, mirrored


def unit(x):
    return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-9)


def offline_test(features, labels, seed):
    random = np.random.default_rng(seed)
    features = unit(features)
    keys = sorted(set(labels) - {""})
    train, test = [], []
    for key in keys:
        members = random.permutation(np.where(labels == key)[0])
        held = int(round(len(members) * 0.3))
        test += list(members[:held])
        train += list(members[held:])
    negatives = random.permutation(np.where(labels == "")[0])
    calibration, held_negatives = negatives[: len(negatives) // 2], negatives[len(negatives) // 2:]
    centroids = np.stack([unit(features[[i for i in train if labels[i] == key]].mean(0, keepdims=True))[0] for key in keys])
    scores = features @ centroids.T
    best, score = scores.argmax(1), scores.max(1)
    threshold = np.sort(score[calibration])[::-1][int(0.01 * len(calibration))] + 1e-6
    test = np.array(test)
    right = np.array(keys)[best[test]] == labels[test]
    return right.mean(), (right & (score[test] >= threshold)).mean(), (score[held_negatives] < threshold).mean()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--splits", type=int, default=8)
    args = parser.parse_args()
    paths, labels = photos(args.data)
    session = head_session(args.model)
    plain, mirrored = activations(session, paths)

    def gem(maps, p):
        return np.power(np.power(np.maximum(maps, 1e-6), p).mean(2), 1 / p)

    variants = {
        "average (Cairn)": plain.mean(2),
        "generalised mean p=2": gem(plain, 2),
        "generalised mean p=3": gem(plain, 3),
        "generalised mean p=4": gem(plain, 4),
        "max": plain.max(2),
        "average | max": np.hstack([unit(plain.mean(2)), unit(plain.max(2))]),
        "average, photo + mirror": unit(plain.mean(2)) + unit(mirrored.mean(2)),
    }
    for size in (288, 320):
        variants[f"average, input {size}"] = activations(session, paths, size, mirror=False)[0].mean(2)
    print(f"{len(paths)} photos, {args.splits} splits; one mean centroid per landmark, threshold at 99% specificity")
    print(f"{'pooling':26s} top-1   sensitivity  specificity")
    for name, features in variants.items():
        results = np.array([offline_test(features, labels, seed) for seed in range(1, args.splits + 1)])
        top1, sensitivity, specificity = results.mean(0)
        print(f"{name:26s} {100 * top1:5.1f}%  {100 * sensitivity:5.1f}%       {100 * specificity:5.1f}%")


if __name__ == "__main__":
    main()
