#!/usr/bin/env python3
"""Converts a PyTorch legacy (pre-zip) checkpoint into a safetensors file, with Python's standard library only.

The legacy format is: a pickled magic number, protocol version and system info; the pickled state dict, whose
tensors refer to storages by key (persistent ids); the pickled list of storage keys; then each storage in that
order as an 8-byte little-endian element count followed by its raw little-endian data.

    python3 tools/convert_pth.py efficientnet-lite0-57934424.pth efficientnet-lite0.safetensors

The output is standard safetensors: an 8-byte little-endian header length, a JSON header mapping each tensor name
to its dtype, shape and byte range, padded with spaces to a multiple of 8 bytes, then the tensors' data, each
starting at a 64-byte aligned offset, so readers can memory-map it and use the floats in place.
"""
import array
import collections
import json
import pickle
import struct
import sys

MAGIC = 0x1950A86A20F9469CFC6C

DTYPES = {
    "FloatStorage": ("F32", 4),
    "DoubleStorage": ("F64", 8),
    "HalfStorage": ("F16", 2),
    "LongStorage": ("I64", 8),
    "IntStorage": ("I32", 4),
    "ShortStorage": ("I16", 2),
    "CharStorage": ("I8", 1),
    "ByteStorage": ("U8", 1),
    "BoolStorage": ("BOOL", 1),
}


class StorageType:
    def __init__(self, name):
        self.name = name


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None):
    return Tensor(storage, storage_offset, size, stride)


class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return rebuild_tensor_v2
        if module == "torch" and name in DTYPES:
            return StorageType(name)
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"unexpected class {module}.{name} in the checkpoint")

    def persistent_load(self, pid):
        # ('storage', storage_type, key, location, numel[, view_metadata])
        if not isinstance(pid, tuple) or pid[0] != "storage":
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        storage_type, key = pid[1], pid[2]
        return {"type": storage_type.name, "key": key, "numel": pid[4]}


def read_checkpoint(path):
    with open(path, "rb") as f:
        if pickle.load(f) != MAGIC:
            raise SystemExit(f"{path}: not a PyTorch legacy checkpoint (bad magic number)")
        pickle.load(f)  # protocol version
        pickle.load(f)  # system info
        state = Unpickler(f).load()
        keys = pickle.load(f)
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        types = {t.storage["key"]: t.storage["type"] for t in state.values() if isinstance(t, Tensor)}
        storages = {}
        for key in keys:
            (numel,) = struct.unpack("<q", f.read(8))
            data = f.read(numel * DTYPES[types[key]][1])
            if len(data) != numel * DTYPES[types[key]][1]:
                raise SystemExit(f"{path}: truncated (storage {key} is cut short)")
            storages[key] = (numel, data)
        if f.read(1):
            raise SystemExit(f"{path}: trailing bytes after the storages")
    return state, storages


def contiguous_bytes(tensor, storages):
    """The tensor's elements in row-major order, whatever its strides (TensorFlow-converted weights are stored
    channels-last)."""
    storage = tensor.storage
    if storage["type"] != "FloatStorage":
        raise SystemExit(f"unsupported storage type {storage['type']}")
    numel, data = storages[storage["key"]]
    count = 1
    for dim in tensor.size:
        count *= dim
    expected, stride = [], 1
    for dim in reversed(tensor.size):
        expected.insert(0, stride)
        stride *= dim
    if count == 0 or all(e == s for e, s, d in zip(expected, tensor.stride, tensor.size) if d != 1):
        start = tensor.offset * 4
        return data[start:start + count * 4]
    values = array.array("f")
    values.frombytes(data)
    if sys.byteorder != "little":
        values.byteswap()
    out = array.array("f", bytes(4 * count))
    index = [0] * len(tensor.size)
    for n in range(count):
        source = tensor.offset + sum(i * s for i, s in zip(index, tensor.stride))
        out[n] = values[source]
        for axis in range(len(index) - 1, -1, -1):
            index[axis] += 1
            if index[axis] < tensor.size[axis]:
                break
            index[axis] = 0
    if sys.byteorder != "little":
        out.byteswap()
    return out.tobytes()


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: convert_pth.py CHECKPOINT.pth OUTPUT.safetensors")
    state, storages = read_checkpoint(sys.argv[1])
    header, blobs, offset = {}, [], 0
    for name, tensor in state.items():
        # Only float tensors are weights; batch norm's num_batches_tracked counters are dropped.
        if not isinstance(tensor, Tensor) or tensor.storage["type"] != "FloatStorage":
            continue
        data = contiguous_bytes(tensor, storages)
        padding = (-offset) % 64
        if padding:
            blobs.append(b"\0" * padding)
            offset += padding
        header[name] = {"dtype": "F32", "shape": list(tensor.size), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt", "source": sys.argv[1].rsplit("/", 1)[-1]}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((-(8 + len(text))) % 64)  # data starts 64-byte aligned
    with open(sys.argv[2], "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for blob in blobs:
            out.write(blob)
    params = sum(h["data_offsets"][1] - h["data_offsets"][0] for k, h in header.items() if k != "__metadata__") // 4
    print(f"wrote {sys.argv[2]}: {len(header) - 1} tensors, {params:,} parameters")


if __name__ == "__main__":
    main()
