#!/usr/bin/env python3
"""Regenerates Plugins/SceneTagger/ImageNetClasses.swift from Plugins/SceneTagger/imagenet_classes.txt."""
import pathlib

folder = pathlib.Path(__file__).resolve().parent.parent / "Plugins" / "SceneTagger"
names = (folder / "imagenet_classes.txt").read_text().splitlines()
assert len(names) == 1000 and names[967] == "espresso", "expected the 1,000 ImageNet-1k classes in index order"
lines = [
    "// Generated from imagenet_classes.txt (the ImageNet-1k class names in index order, the first WordNet lemma of",
    "// each synset, from timm 1.0.31's timm/data/_info/imagenet_synsets.txt and imagenet_synset_to_lemma.txt).",
    "// Compiled in, so an installed cairnd needs no resource files. Regenerate: python3 tools/gen_imagenet_classes.py",
    "",
    "/// The 1,000 ImageNet-1k class names, indexed like the backbone's logits.",
    "let imageNetClasses: [String] = [",
]
lines += ['    "%s",' % n.replace("\\", "\\\\").replace('"', '\\"') for n in names]
lines.append("]")
(folder / "ImageNetClasses.swift").write_text("\n".join(lines) + "\n")
