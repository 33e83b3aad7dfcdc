#!/usr/bin/env python3
"""Pooling and flip test on the frozen backbone's features: does anything beat global average pooling?

    python3 tools/onnx_backbone.py export --out /tmp/lite0.onnx
    python3 tools/landmark_pooling.py --model /tmp/lite0.onnx --data ../shared/data [--splits 8]

Runs EfficientNet-Lite0 (the ONNX export of Cairn's network) on every photo of landmarks-dev and
distractors-dev, centre-cropped to 224 as `backbone.framing: center-crop` does, and keeps the head's
1280 x 7 x 7 activations; then the same again on the mirrored photo. For each way of pooling them (average:
what Cairn uses; generalised mean with p = 2, 3, 4; max; average and max side by side; average of the
photo and its mirror) it runs the landmark issue's offline test with one mean centroid per landmark on
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


def activations(model, paths):
    """The head's activations (N, 1280, 49) for each photo and for its mirror image."""
    import onnx
    import onnxruntime
    from PIL import Image

    graph = onnx.load(model)
    graph.graph.output.append(onnx.helper.make_tensor_value_info("relu6_91", onnx.TensorProto.FLOAT, None))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = os.cpu_count() or 1
    session = onnxruntime.InferenceSession(graph.SerializeToString(), options)
    plain = np.zeros((len(paths), 1280, 49), np.float32)
    mirrored = np.zeros_like(plain)
    for index, path in enumerate(paths):
        image = Image.open(path).convert("RGB")
        scale = 224 / min(image.size)
        image = image.resize((max(224, round(image.width * scale)), max(224, round(image.height * scale))), Image.BILINEAR)
        left, top = (image.width - 224) // 2, (image.height - 224) // 2
        image = image.crop((left, top, left + 224, top + 224))
        for target, view in ((plain, image), (mirrored, image.transpose(Image.FLIP_LEFT_RIGHT))):
            x = ((np.asarray(view, dtype=np.float32) - 127) / 128).transpose(2, 0, 1)[None]
            target[index] = session.run(["relu6_91"], {"input": x})[0].reshape(1280, 49)
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
    plain, mirrored = activations(args.model, paths)

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
    print(f"{len(paths)} photos, {args.splits} splits; one mean centroid per landmark, threshold at 99% specificity")
    print(f"{'pooling':26s} top-1   sensitivity  specificity")
    for name, features in variants.items():
        results = np.array([offline_test(features, labels, seed) for seed in range(1, args.splits + 1)])
        top1, sensitivity, specificity = results.mean(0)
        print(f"{name:26s} {100 * top1:5.1f}%  {100 * sensitivity:5.1f}%       {100 * specificity:5.1f}%")


if __name__ == "__main__":
    main()
