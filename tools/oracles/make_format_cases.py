#!/usr/bin/env python3
"""Writes the checkpoint-format fixtures of tests/core/tst_formats.cpp.

Run with Debian's Python and python3-torch / python3-numpy (development only):

    /usr/bin/python3 tools/oracles/make_format_cases.py

It writes small files into tests/fixtures/formats/ with the real torch.save (pickle protocols 2,
4 and 5), a TorchScript archive, a legacy (non-zip) torch.save file and a safetensors file
written by hand from the format description, plus expected.json: for every file the tensors
(name, dtype, shape, values) and scalars (a dotted path and its value) that the C++ readers must
reproduce. The hostile files are built by the C++ test itself.

Everything is seeded, so a rerun changes nothing except where torch's own pickling differs.
"""

import argparse
import collections
import json
import os
import struct
import sys
import types

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "formats")

# c10::toString names, which the C++ test prints.
DTYPE_NAMES = {
    torch.float32: "Float", torch.float64: "Double", torch.float16: "Half",
    torch.bfloat16: "BFloat16", torch.int64: "Long", torch.int32: "Int",
    torch.int16: "Short", torch.int8: "Char", torch.uint8: "Byte", torch.bool: "Bool",
}


def describe(name, t):
    t = t.detach()
    values = t.flatten()
    if t.dtype in (torch.float16, torch.bfloat16):
        values = values.float()
    if t.dtype == torch.bool:
        values = values.to(torch.int64)
    return {"name": name, "dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "values": values.tolist()}


def flatten(obj, prefix=""):
    """What flattenStateDict must return: every tensor by dotted path, in order."""
    out = []

    def join(key):
        return f"{prefix}.{key}" if prefix else str(key)

    if isinstance(obj, torch.Tensor):
        return [(prefix, obj)]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += flatten(v, join(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            out += flatten(v, join(i))
    elif isinstance(obj, argparse.Namespace):
        for k, v in vars(obj).items():
            out += flatten(v, join(k))
    return out


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.bn = torch.nn.BatchNorm2d(2)
        self.fc = torch.nn.Linear(8, 3)


def fake_lightning_attribute_dict():
    """A dict subclass living in a module of Lightning's name, as real checkpoints pickle it."""
    names = ["pytorch_lightning", "pytorch_lightning.utilities", "pytorch_lightning.utilities.parsing"]
    for n in names:
        sys.modules.setdefault(n, types.ModuleType(n))
    mod = sys.modules[names[-1]]

    class AttributeDict(dict):
        def __getattr__(self, key):
            return self[key]

    AttributeDict.__module__ = mod.__name__
    AttributeDict.__qualname__ = "AttributeDict"
    mod.AttributeDict = AttributeDict
    return AttributeDict


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    expected = {}

    # -- 1. a plain module state_dict (OrderedDict with _metadata, BatchNorm's int64 counter) ----
    net = Net()
    with torch.no_grad():
        net.bn.running_mean.copy_(torch.tensor([0.5, -0.25]))
        net.bn.running_var.copy_(torch.tensor([2.0, 3.0]))
        net.bn.num_batches_tracked.fill_(7)
    sd = net.state_dict()
    torch.save(sd, os.path.join(OUT, "state_dict.pt"))
    expected["state_dict.pt"] = {"tensors": [describe(k, v) for k, v in sd.items()], "scalars": []}

    # -- 2. a Lightning-like checkpoint, in three pickle protocols -------------------------------
    AttributeDict = fake_lightning_attribute_dict()
    args = argparse.Namespace(lr=3e-4, image_size=32, name="unet", betas=(0.9, 0.999), use_ema=True,
                              channels=[1, 2, 2], note=None)
    params = [p.detach() for p in net.parameters()]
    ckpt = {
        "epoch": 3,
        "global_step": 1234,
        "pytorch-lightning_version": "1.9.4",
        "state_dict": collections.OrderedDict((f"model.{k}", v) for k, v in sd.items()),
        "ema": {"decay": 0.9999, "num_updates": 1234, "shadow_params": [p * 0.5 for p in params]},
        "hyper_parameters": AttributeDict(lr=1e-4, batch_size=16, args=args),
        "optimizer_states": [{
            "state": {0: {"step": 10, "exp_avg": torch.full((2,), 0.125)}},
            "param_groups": [{"lr": 1e-4, "betas": (0.9, 0.999), "params": [0]}],
        }],
        "callbacks": {"ModelCheckpoint{'monitor': 'val_loss'}": {
            "best_model_score": torch.tensor(0.25), "best_model_path": "/runs/best.ckpt"}},
        "tags": {3, 1, 2},
        "frozen": frozenset({5}),
        "raw": b"\x00\xffab",
        "buffer": bytearray(b"xy"),
        "big": 2 ** 70,
        "neg": -5,
        "large": 2 ** 40 + 3,
        "nothing": None,
        "numpy_f": np.float64(0.5),
        "numpy_i": np.int64(-7),
        "numpy_b": np.bool_(True),
        "nested": {"deep": [1, 2.5, "x", (True, False)]},
    }
    scalars = [
        {"path": "epoch", "int": 3},
        {"path": "global_step", "int": 1234},
        {"path": "pytorch-lightning_version", "string": "1.9.4"},
        {"path": "ema.decay", "float": 0.9999},
        {"path": "ema.num_updates", "int": 1234},
        {"path": "hyper_parameters.lr", "float": 1e-4},
        {"path": "hyper_parameters.batch_size", "int": 16},
        {"path": "hyper_parameters.args.lr", "float": 3e-4},
        {"path": "hyper_parameters.args.image_size", "int": 32},
        {"path": "hyper_parameters.args.name", "string": "unet"},
        {"path": "hyper_parameters.args.use_ema", "bool": True},
        {"path": "hyper_parameters.args.betas.1", "float": 0.999},
        {"path": "hyper_parameters.args.channels.2", "int": 2},
        {"path": "optimizer_states.0.state.0.step", "int": 10},
        {"path": "optimizer_states.0.param_groups.0.lr", "float": 1e-4},
        {"path": "callbacks.ModelCheckpoint{'monitor': 'val_loss'}.best_model_path", "string": "/runs/best.ckpt"},
        {"path": "neg", "int": -5},
        {"path": "large", "int": 2 ** 40 + 3},
        {"path": "big", "bigint": str(2 ** 70)},
        {"path": "numpy_f", "float": 0.5},
        {"path": "numpy_i", "int": -7},
        {"path": "numpy_b", "bool": True},
        {"path": "nested.deep.1", "float": 2.5},
        {"path": "nested.deep.2", "string": "x"},
        {"path": "raw", "bytes": [0, 255, 97, 98]},
        {"path": "buffer", "bytes": [120, 121]},
    ]
    flat = [describe(k, v) for k, v in flatten(ckpt)]
    for proto in (2, 4, 5):
        name = "lightning.ckpt" if proto == 2 else f"lightning_p{proto}.ckpt"
        torch.save(ckpt, os.path.join(OUT, name), pickle_protocol=proto)
        expected[name] = {"tensors": flat, "scalars": scalars}

    # -- 3. views of one storage: offsets and non-contiguous strides ---------------------------
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    views = {
        "base": base,
        "row": base[1],
        "col": base[:, 2],
        "block": base[1:3, 2:5],
        "t": base.t(),
        "tail": base.view(-1)[20:],
        "every_other": base[::2, ::3],
        "separate": torch.tensor([9.0, 8.0]),
    }
    torch.save(views, os.path.join(OUT, "views.pt"))
    expected["views.pt"] = {"tensors": [describe(k, v) for k, v in views.items()], "scalars": [],
                            "shared_with_base": ["row", "col", "block", "t", "tail", "every_other"]}

    # -- 4. every element type, scalars, empty tensors and a Parameter -------------------------
    dtypes = collections.OrderedDict([
        ("f32", torch.tensor([1.5, -2.25, 3e-8], dtype=torch.float32)),
        ("f16", torch.tensor([0.5, -1.0, 65504.0], dtype=torch.float16)),
        ("bf16", torch.tensor([[1.0, -0.5], [3.0e38, 0.0078125]], dtype=torch.bfloat16)),
        ("f64", torch.tensor([0.1, -1e300], dtype=torch.float64)),
        ("i64", torch.tensor([2 ** 62, -(2 ** 62), 5], dtype=torch.int64)),
        ("i32", torch.tensor([2 ** 31 - 1, -(2 ** 31)], dtype=torch.int32)),
        ("i16", torch.tensor([-32768, 32767], dtype=torch.int16)),
        ("i8", torch.tensor([-128, 127], dtype=torch.int8)),
        ("u8", torch.tensor([0, 255], dtype=torch.uint8)),
        ("bool", torch.tensor([True, False, True])),
        ("scalar", torch.tensor(4.5)),
        ("empty", torch.zeros(0, 3)),
        ("param", torch.nn.Parameter(torch.tensor([1.0, 2.0]))),
    ])
    torch.save(dtypes, os.path.join(OUT, "dtypes.pt"))
    expected["dtypes.pt"] = {"tensors": [describe(k, v) for k, v in dtypes.items()], "scalars": [],
                             "parameters": ["param"]}

    # -- 5. a dict with an argparse.Namespace (the old "args" convention) ----------------------
    ns = {"args": argparse.Namespace(lr=0.01, steps=500, name="ddpm", betas=(0.9, 0.99)),
          "weight": torch.tensor([[1.0, 2.0], [3.0, 4.0]])}
    torch.save(ns, os.path.join(OUT, "namespace.pt"))
    expected["namespace.pt"] = {"tensors": [describe("weight", ns["weight"])], "scalars": [
        {"path": "args.lr", "float": 0.01}, {"path": "args.steps", "int": 500},
        {"path": "args.name", "string": "ddpm"}, {"path": "args.betas.0", "float": 0.9}]}

    # -- 6. refused formats ----------------------------------------------------------------------
    torch.save({"w": torch.ones(2)}, os.path.join(OUT, "legacy.pt"), _use_new_zipfile_serialization=False)
    torch.jit.save(torch.jit.script(torch.nn.ReLU()), os.path.join(OUT, "script.pt"))

    # -- 7. a safetensors file written from the format description (not by our writer) ---------
    st = collections.OrderedDict([
        ("a.weight", torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
        ("b.f64", torch.tensor([0.25], dtype=torch.float64)),
        ("c.i64", torch.tensor([-3, 2 ** 40], dtype=torch.int64)),
        ("d.bf16", torch.tensor([1.0, -2.0], dtype=torch.bfloat16)),
        ("e.f16", torch.tensor([0.5], dtype=torch.float16)),
        ("f.bool", torch.tensor([True, False])),
        ("g.u8", torch.tensor([7], dtype=torch.uint8)),
        ("h.empty", torch.zeros(0)),
        ("i.scalar", torch.tensor(3.0)),
    ])
    codes = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.bfloat16: "BF16",
             torch.float16: "F16", torch.bool: "BOOL", torch.uint8: "U8"}
    header, blobs, offset = {"__metadata__": {"format": "pt", "source": "make_format_cases.py"}}, [], 0
    # Like the reference writer: larger elements first (alignment), then by name.
    for name, t in sorted(st.items(), key=lambda kv: (-kv[1].element_size(), kv[0])):
        raw = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(os.path.join(OUT, "sample.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    order = [k for k in header if k != "__metadata__"]
    expected["sample.safetensors"] = {"tensors": [describe(k, st[k]) for k in order], "scalars": [],
                                      "metadata": header["__metadata__"]}

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files ({total} bytes) to {OUT}")


if __name__ == "__main__":
    main()
