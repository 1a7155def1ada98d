#!/usr/bin/env python3
"""Oracle fixtures for published-checkpoint compatibility (SGMSE+ and IR-SDE/DA-CLIP).

The upstream architecture code is *run* from a snapshot outside this repository
(never vendored).  This script builds shrunken configurations of the published
networks, fills every parameter with seeded random values (the default inits
zero several convolutions, which would make the outputs trivial), writes them in
the on-disk layout the real checkpoints use, and records the networks' outputs
for fixed inputs as raw little-endian float32 files plus JSON descriptions.  It
also writes key -> shape manifests of the full-size default configurations.

Needs only Debian's python3-torch (1.13) and python3-numpy.  See README.md next
to this file for the upstream commits and the exact commands.

    python3 make_published_fixtures.py \
        --sgmse-src  /work/oracle-src/sgmse \
        --irsde-src  /work/oracle-src/irsde \
        --daclip-src /work/oracle-src/daclip \
        --out        tests/fixtures/published

    python3 make_published_fixtures.py ... --verify     # reload + rerun, bit-exact
"""

import argparse
import collections
import contextlib
import hashlib
import importlib
import json
import math
import os
import sys
import types

sys.dont_write_bytecode = True  # no __pycache__ in the repo's shims or the upstream snapshots

import numpy as np
import torch
import torch.nn as nn

FORMAT = "reverie-oracle-v1"

# --------------------------------------------------------------------------
# importing the upstream code without its training-stack package __init__s
# --------------------------------------------------------------------------


def _path_package(name, path):
    """Register `name` as a package whose submodules live in `path`, without
    executing the package's __init__.py (those import Lightning, wandb, ...)."""
    mod = types.ModuleType(name)
    mod.__path__ = [path]
    mod.__package__ = name
    sys.modules[name] = mod
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, mod)
    return mod


def _upstream_commit(root):
    p = os.path.join(root, "UPSTREAM_COMMIT")
    if os.path.exists(p):
        with open(p) as f:
            return f.read().strip()
    return None


class _StubSpecsDataModule:
    """Stand-in for sgmse.data_module.SpecsDataModule (which imports Lightning and
    torchaudio).  Real SGMSE+ checkpoints pickle a *reference* to that class in
    hyper_parameters['data_module_cls']; the stub lets Python write and read the
    same GLOBAL opcode."""


def install_sgmse_data_module_stub():
    if "sgmse.data_module" in sys.modules:
        return sys.modules["sgmse.data_module"].SpecsDataModule
    if "sgmse" not in sys.modules:
        _path_package("sgmse", os.path.join(os.path.dirname(__file__), "_nonexistent"))
    mod = types.ModuleType("sgmse.data_module")
    cls = type("SpecsDataModule", (_StubSpecsDataModule,), {"__module__": "sgmse.data_module"})
    mod.SpecsDataModule = cls
    sys.modules["sgmse.data_module"] = mod
    sys.modules["sgmse"].data_module = mod
    return cls


def import_sgmse(root):
    pkg = os.path.join(root, "sgmse")
    _path_package("sgmse", pkg)
    _path_package("sgmse.util", os.path.join(pkg, "util"))
    _path_package("sgmse.backbones", os.path.join(pkg, "backbones"))
    install_sgmse_data_module_stub()
    return importlib.import_module("sgmse.backbones.ncsnpp")


def import_irsde(root, config):
    mdir = os.path.join(root, "codes", "config", config, "models", "modules")
    name = "irsde_%s_modules" % config.replace("-", "_")
    _path_package(name, mdir)
    return importlib.import_module(name + ".DenoisingUNet_arch")


def import_daclip(root):
    mdir = os.path.join(root, "universal-image-restoration", "config", "daclip-sde", "models", "modules")
    _path_package("daclip_modules", mdir)
    return importlib.import_module("daclip_modules.DenoisingUNet_arch")


def check_einops_stand_in():
    """The upstream IR-SDE/DA-CLIP code calls einops; when the local stand-in is
    used, check it against explicit reshapes/permutes for every pattern they use."""
    import einops
    if not getattr(einops, "__reverie_shim__", False):
        return "einops " + getattr(einops, "__version__", "?")
    from einops import rearrange, repeat
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 12, 3, 5, generator=g)
    assert torch.equal(rearrange(x, "b (h c) x y -> b h c (x y)", h=4), x.reshape(2, 4, 3, 15))
    y = x.reshape(2, 4, 3, 15)
    assert torch.equal(rearrange(y, "b h c (x y) -> b (h c) x y", h=4, x=3, y=5), x)
    a = torch.randn(2, 4, 15, 3, generator=g)  # Attention: 'b h (x y) d -> b (h d) x y'
    assert torch.equal(rearrange(a, "b h (x y) d -> b (h d) x y", x=3, y=5),
                       a.permute(0, 1, 3, 2).reshape(2, 12, 3, 5))
    assert torch.equal(rearrange(x, "b c h w -> b (h w) c"), x.reshape(2, 12, 15).permute(0, 2, 1))
    z = x.reshape(2, 12, 15).permute(0, 2, 1)
    assert torch.equal(rearrange(z, "b (h w) c -> b c h w", h=3, w=5), x)
    q = torch.randn(2, 15, 12, generator=g)
    qh = q.reshape(2, 15, 4, 3).permute(0, 2, 1, 3).reshape(8, 15, 3)
    assert torch.equal(rearrange(q, "b n (h d) -> (b h) n d", h=4), qh)
    assert torch.equal(rearrange(qh, "(b h) n d -> b n (h d)", h=4), q)
    v = torch.randn(2, 6, generator=g)
    assert torch.equal(rearrange(v, "b c -> b c 1 1"), v[:, :, None, None])
    assert torch.equal(rearrange(v[:, 0], "b -> b 1"), v[:, :1])
    m = torch.randn(2, 5, generator=g) > 0
    assert torch.equal(repeat(m, "b j -> (b h) () j", h=3), m[:, None, None, :].expand(2, 3, 1, 5).reshape(6, 1, 5))
    return "local stand-in (tools/oracles/shims/einops), self-checked"


# --------------------------------------------------------------------------
# seeded randomisation of every parameter
# --------------------------------------------------------------------------


def _randn(gen, shape):
    return torch.randn(shape, generator=gen, dtype=torch.float32)


def randomise(model, seed, gain=1.0, fourier_scale=None):
    """Give every parameter a seeded value with activations kept O(1):
    conv / linear / NIN weights ~ N(0, gain^2 / fan_in), biases ~ N(0, 0.1^2),
    norm scales ~ 1 + N(0, 0.1^2), norm shifts ~ N(0, 0.1^2).  Returns the list
    of parameter names in model.parameters() order."""
    gen = torch.Generator().manual_seed(seed)
    done = set()
    with torch.no_grad():
        for mname, m in model.named_modules():
            cls = type(m).__name__
            for pname, p in m.named_parameters(recurse=False):
                full = (mname + "." if mname else "") + pname
                shape = tuple(p.shape)
                if cls == "GaussianFourierProjection":
                    v = _randn(gen, shape) * (fourier_scale if fourier_scale else 16.0)
                elif cls in ("GroupNorm", "LayerNorm") and pname in ("weight", "g"):
                    v = 1.0 + 0.1 * _randn(gen, shape)
                elif cls in ("GroupNorm", "LayerNorm") and pname == "bias":
                    v = 0.1 * _randn(gen, shape)
                elif cls == "NIN" and pname == "W":  # (in, out), used as x @ W
                    v = _randn(gen, shape) * (gain / math.sqrt(shape[0]))
                elif pname == "weight" and len(shape) >= 2:  # Conv (out,in,kh,kw) / Linear (out,in)
                    fan_in = int(np.prod(shape[1:]))
                    v = _randn(gen, shape) * (gain / math.sqrt(fan_in))
                elif pname in ("bias", "b"):
                    v = 0.1 * _randn(gen, shape)
                elif pname == "prompt":  # DA-CLIP learned prompt, torch.rand init upstream
                    v = torch.rand(shape, generator=gen)
                else:
                    raise RuntimeError("no randomisation rule for %s (%s)" % (full, cls))
                p.copy_(v)
                done.add(id(p))
    names = [n for n, _ in model.named_parameters()]
    assert all(id(p) in done for p in model.parameters()), "parameter left at its default init"
    return names


def perturbed_copy(params, seed, rel=0.2, keep=()):
    """EMA-like second set of weights: p + rel * std(p) * N(0,1); indices in `keep`
    are copied unchanged (parameters that never change during training)."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for i, p in enumerate(params):
        p = p.detach()
        if i in keep:
            out.append(p.clone())
            continue
        s = float(p.std()) if p.numel() > 1 else 0.1
        s = s if s > 0 else 0.1
        out.append((p + rel * s * _randn(gen, p.shape)).contiguous())
    return out


# --------------------------------------------------------------------------
# raw .bin + JSON tensor files
# --------------------------------------------------------------------------


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_bin(outdir, fname, t, note=None):
    t = t.detach().contiguous()
    if t.dtype == torch.complex64:
        arr = torch.view_as_real(t).numpy()
        desc = {"dtype": "complex64", "storage": "float32 pairs (re, im), interleaved",
                "shape": list(t.shape)}
    elif t.dtype == torch.float32:
        arr = t.numpy()
        desc = {"dtype": "float32", "shape": list(t.shape)}
    elif t.dtype == torch.int64:
        arr = t.numpy()
        desc = {"dtype": "int64", "shape": list(t.shape)}
    else:
        raise TypeError(t.dtype)
    arr = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False)
    path = os.path.join(outdir, fname)
    with open(path, "wb") as f:
        f.write(arr.tobytes(order="C"))
    desc.update({"file": fname, "byte_order": "little", "order": "C (row-major)",
                 "bytes": os.path.getsize(path), "sha256": _sha256(path)})
    if note:
        desc["note"] = note
    return desc


def read_bin(outdir, desc):
    dt = {"float32": "<f4", "complex64": "<f4", "int64": "<i8"}[desc["dtype"]]
    arr = np.fromfile(os.path.join(outdir, desc["file"]), dtype=dt)
    shape = list(desc["shape"]) + ([2] if desc["dtype"] == "complex64" else [])
    t = torch.from_numpy(arr.reshape(shape).copy())
    return torch.view_as_complex(t) if desc["dtype"] == "complex64" else t


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def stats(t):
    t = torch.view_as_real(t) if t.is_complex() else t
    return {"mean": float(t.mean()), "std": float(t.std()), "absmax": float(t.abs().max())}


# --------------------------------------------------------------------------
# storage location tags ('cuda:0' as in checkpoints written from GPU training)
# --------------------------------------------------------------------------


@contextlib.contextmanager
def tag_storages_as(location, tensors):
    """While active, torch.save writes `location` (e.g. 'cuda:0') as the storage
    location of the given tensors; others keep 'cpu'.  Loading then needs
    map_location='cpu', exactly as with real GPU-trained checkpoints."""
    import torch.serialization as ser
    ptrs = {t.storage().data_ptr() for t in tensors if t.numel() > 0}

    def tagger(obj):
        try:
            return location if obj.data_ptr() in ptrs else None
        except Exception:
            return None

    def deserializer(obj, loc):
        return None

    entry = (0, tagger, deserializer)
    ser._package_registry.append(entry)
    ser._package_registry.sort(key=lambda e: e[0])
    try:
        yield
    finally:
        ser._package_registry.remove(entry)


def _all_tensors(obj, acc):
    if torch.is_tensor(obj):
        acc.append(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            _all_tensors(v, acc)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _all_tensors(v, acc)
    return acc


def manifest_of(state_dict, prefix=""):
    keys = [[prefix + k, list(v.shape), str(v.dtype).replace("torch.", "")] for k, v in state_dict.items()]
    return keys, int(sum(v.numel() for v in state_dict.values()))


# --------------------------------------------------------------------------
# SGMSE+ (NCSN++ backbone inside a Lightning checkpoint)
# --------------------------------------------------------------------------

SGMSE_SMALL_BACKBONE = {
    # argparse-exposed backbone args (as in the real hyper_parameters) ...
    "ch_mult": [1, 1, 1, 1, 2],
    "num_res_blocks": 2,
    "attn_resolutions": [16],
    "centered": True,
    # ... plus nf, which real checkpoints do not carry (always the default 128);
    # ScoreModel forwards every hyper-parameter to NCSNpp(**kwargs).
    "nf": 8,
}
SGMSE_FRAMES = 64  # 256 freq bins x 64 frames; 2^(levels-1) = 16 divides 64 (and pad_spec pads T to x64)


def sgmse_hparams(backbone_kwargs):
    """hyper_parameters as ScoreModel.save_hyperparameters() records them when
    train.py builds ScoreModel(backbone=..., sde=..., data_module_cls=SpecsDataModule,
    **ScoreModel, **SDE, **Backbone, **DataModule argparse groups) - defaults of
    the pinned sgmse commit, in that order."""
    cls = install_sgmse_data_module_stub()
    hp = collections.OrderedDict()
    hp["backbone"] = "ncsnpp"
    hp["sde"] = "ouve"
    hp["lr"] = 1e-4
    hp["ema_decay"] = 0.999
    hp["t_eps"] = 0.03
    hp["num_eval_files"] = 20
    hp["loss_type"] = "score_matching"
    hp["loss_weighting"] = "sigma^2"
    hp["network_scaling"] = None
    hp["c_in"] = "1"
    hp["c_out"] = "1"
    hp["c_skip"] = "0"
    hp["sigma_data"] = 0.1
    hp["l1_weight"] = 0.001
    hp["pesq_weight"] = 0.0
    hp["sr"] = 16000
    hp["data_module_cls"] = cls          # pickled as GLOBAL sgmse.data_module.SpecsDataModule
    hp["theta"] = 1.5
    hp["sigma_min"] = 0.05
    hp["sigma_max"] = 0.5
    hp["N"] = 30
    hp["sampler_type"] = "pc"
    for k, v in backbone_kwargs.items():
        hp[k] = v
    hp["base_dir"] = "/data/VoiceBank-DEMAND"
    hp["format"] = "default"
    hp["batch_size"] = 8
    hp["n_fft"] = 510
    hp["hop_length"] = 128
    hp["num_frames"] = 256
    hp["window"] = "hann"
    hp["num_workers"] = 4
    hp["dummy"] = False
    hp["spec_factor"] = 0.15
    hp["spec_abs_exponent"] = 0.5
    hp["normalize"] = "noisy"
    hp["transform_type"] = "exponent"
    return dict(hp)  # Lightning stores dict(model.hparams)


def _progress(n, started=True, processed=True):
    d = {"ready": n, "completed": n}
    if started:
        d["started"] = n
    if processed:
        d["processed"] = n
    return d


def lightning_loops(epoch, steps, batches_per_epoch, val_batches):
    done_in_epoch = steps - epoch * batches_per_epoch
    return {
        "fit_loop": {
            "state_dict": {},
            "epoch_loop.state_dict": {"_batches_that_stepped": steps},
            "epoch_loop.batch_progress": {"total": _progress(steps), "current": _progress(done_in_epoch),
                                          "is_last_batch": True},
            "epoch_loop.scheduler_progress": {"total": _progress(0, False, False),
                                              "current": _progress(0, False, False)},
            "epoch_loop.automatic_optimization.state_dict": {},
            "epoch_loop.automatic_optimization.optim_progress": {
                "optimizer": {"step": {"total": _progress(steps, False, False),
                                       "current": _progress(done_in_epoch, False, False)},
                              "zero_grad": {"total": _progress(steps, True, False),
                                            "current": _progress(done_in_epoch, True, False)}}},
            "epoch_loop.manual_optimization.state_dict": {},
            "epoch_loop.manual_optimization.optim_step_progress": {"total": _progress(0, False, False),
                                                                   "current": _progress(0, False, False)},
            "epoch_loop.val_loop.state_dict": {},
            "epoch_loop.val_loop.batch_progress": {"total": _progress(val_batches),
                                                   "current": _progress(val_batches), "is_last_batch": True},
            "epoch_progress": {"total": {"ready": epoch + 1, "completed": epoch, "started": epoch + 1,
                                         "processed": epoch + 1},
                               "current": {"ready": epoch + 1, "completed": epoch, "started": epoch + 1,
                                           "processed": epoch + 1}},
        },
        "validate_loop": {"state_dict": {}, "batch_progress": {"total": _progress(0), "current": _progress(0),
                                                                "is_last_batch": False}},
        "test_loop": {"state_dict": {}, "batch_progress": {"total": _progress(0), "current": _progress(0),
                                                            "is_last_batch": False}},
        "predict_loop": {"state_dict": {}, "batch_progress": {"total": _progress(0), "current": _progress(0)}},
    }


def lightning_callbacks(logdir, epoch, step, pesq, si_sdr):
    def key(monitor, mode, every_n_train_steps=0, every_n_epochs=1):
        return ("ModelCheckpoint{'monitor': %r, 'mode': %r, 'every_n_train_steps': %d, "
                "'every_n_epochs': %d, 'train_time_interval': None}"
                % (monitor, mode, every_n_train_steps, every_n_epochs))

    def state(monitor, best_path, score, dirpath, last_path="", kth=None):
        return {"monitor": monitor, "best_model_score": score, "best_model_path": best_path,
                "current_score": score, "dirpath": dirpath,
                "best_k_models": ({best_path: score} if score is not None else {}),
                "kth_best_model_path": best_path if score is not None else "",
                "kth_value": kth, "last_model_path": last_path}

    d = os.path.join(logdir, "8r1kc0xn")
    d2 = d + "-sgmse"
    pesq_path = os.path.join(d, "epoch=%d-pesq=%.2f.ckpt" % (epoch, float(pesq)))
    sisdr_path = os.path.join(d, "epoch=%d-si_sdr=%.2f.ckpt" % (epoch, float(si_sdr)))
    return {
        key(None, "min"): state(None, "", None, d, os.path.join(d, "epoch=%d-last.ckpt" % epoch),
                                torch.tensor(float("inf"))),
        key(None, "min", 50000, 0): state(None, "", None, d2, "", torch.tensor(float("inf"))),
        key("pesq", "max"): state("pesq", pesq_path, pesq, d, "", pesq),
        key("si_sdr", "max"): state("si_sdr", sisdr_path, si_sdr, d, "", si_sdr),
    }


def adam_state(params, steps, seed, requires_grad):
    gen = torch.Generator().manual_seed(seed)
    st = {}
    for i, p in enumerate(params):
        if not requires_grad[i]:
            continue  # no grad -> Adam never creates state (GaussianFourierProjection.W)
        st[i] = {"step": torch.tensor(float(steps)),
                 "exp_avg": 1e-4 * _randn(gen, p.shape),
                 "exp_avg_sq": 1e-8 * _randn(gen, p.shape).abs()}
    group = {"lr": 1e-4, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0, "amsgrad": False,
             "maximize": False, "foreach": None, "capturable": False, "differentiable": False,
             "fused": None, "params": list(range(len(params)))}
    return {"state": st, "param_groups": [group]}


def make_sgmse(ncsnpp, out, commit, small=True):
    torch.manual_seed(0)  # upstream inits draw from the global RNG; we overwrite everything anyway
    bk = dict(SGMSE_SMALL_BACKBONE)
    dnn = ncsnpp.NCSNpp(**bk)

    class ScoreModelLike(nn.Module):  # only to get the 'dnn.' prefix and _metadata as in ScoreModel
        def __init__(self, dnn):
            super().__init__()
            self.dnn = dnn

    wrapper = ScoreModelLike(dnn)
    names = randomise(dnn, seed=1234, gain=1.0, fourier_scale=16)
    params = list(dnn.parameters())
    raw = [p.detach().clone() for p in params]
    w_index = names.index("all_modules.0.W")
    ema = perturbed_copy(raw, seed=4321, rel=0.2, keep=(w_index,))
    stale = perturbed_copy(raw, seed=999, rel=0.1, keep=(w_index,))  # ema.collected_params (last store())

    # inputs: complex spectrograms (x_t, y), 256 bins x 64 frames, and t
    gen = torch.Generator().manual_seed(77)
    F, T = 256, SGMSE_FRAMES
    y = torch.complex(_randn(gen, (1, 1, F, T)), _randn(gen, (1, 1, F, T))) * 0.3
    z = torch.complex(_randn(gen, (1, 1, F, T)), _randn(gen, (1, 1, F, T))) / math.sqrt(2.0)
    x0 = y * 0.8
    # OUVESDE marginal with the default theta/sigma at t=0.5 (just to make x_t plausible)
    theta, smin, smax, t0 = 1.5, 0.05, 0.5, 0.5
    logsig = math.log(smax / smin)
    mean = math.exp(-theta * t0) * x0 + (1 - math.exp(-theta * t0)) * y
    std = math.sqrt(smin ** 2 * math.exp(-2 * theta * t0)
                    * (math.exp(2 * (theta + logsig) * t0) - 1) * logsig / (theta + logsig))
    x_t = mean + std * z
    dnn_in = torch.cat([x_t, y], dim=1)  # what ScoreModel.forward feeds the dnn: complex [1,2,256,64]
    cases = []
    dnn.eval()
    with torch.no_grad():
        for tval in [0.5, 0.03125]:
            t = torch.tensor([tval], dtype=torch.float32)
            for p, v in zip(params, ema):
                p.copy_(v)
            out_ema = dnn(dnn_in, t)
            for p, v in zip(params, raw):
                p.copy_(v)
            out_raw = dnn(dnn_in, t)
            cases.append((tval, out_ema, out_raw))
        # pre-Nov-2022 SGMSE+ checkpoints may carry hyper_parameters['centered'] = False:
        # NCSNpp then maps its 4-channel input x -> 2x - 1 first.  Same EMA weights, t = 0.5.
        for p, v in zip(params, ema):
            p.copy_(v)
        dnn.centered = False
        out_uncentered = dnn(dnn_in, torch.tensor([0.5], dtype=torch.float32))
        dnn.centered = True
    # state_dict in the checkpoint holds the RAW weights (a train-time save);
    # inference must use ema['shadow_params'].
    for p, v in zip(params, raw):
        with torch.no_grad():
            p.copy_(v)
    sd = wrapper.state_dict()  # OrderedDict with _metadata, keys 'dnn.*'
    batches_per_epoch, epoch = 1450, 160  # steps > 65535 so the pickle needs BININT, as real ones do
    steps = batches_per_epoch * epoch + 17
    hp = sgmse_hparams(bk)
    pesq, si_sdr = torch.tensor(2.9312), torch.tensor(17.304)
    ckpt = collections.OrderedDict()
    ckpt["epoch"] = epoch
    ckpt["global_step"] = steps
    ckpt["pytorch-lightning_version"] = "2.1.4"
    ckpt["state_dict"] = sd
    ckpt["loops"] = lightning_loops(epoch, steps, batches_per_epoch, 20)
    ckpt["callbacks"] = lightning_callbacks("logs", epoch, steps, pesq, si_sdr)
    ckpt["optimizer_states"] = [adam_state(raw, steps, 5, [p.requires_grad for p in params])]
    ckpt["lr_schedulers"] = []
    ckpt["hparams_name"] = "kwargs"
    ckpt["hyper_parameters"] = hp
    ckpt["ema"] = {"decay": 0.999, "num_updates": steps, "shadow_params": ema, "collected_params": stale}
    ckpt = dict(ckpt)

    ckpt_name = "sgmse_ncsnpp_small.ckpt"
    cuda_tensors = list(sd.values()) + ema + stale + _all_tensors(ckpt["optimizer_states"], []) + [pesq, si_sdr]
    with tag_storages_as("cuda:0", cuda_tensors):
        torch.save(ckpt, os.path.join(out, ckpt_name))

    four = torch.cat([x_t.real, x_t.imag, y.real, y.imag], dim=1)
    inputs = {"input_4ch": write_bin(
        out, "sgmse_small_input_4ch.bin", four,
        "channels [Re x_t, Im x_t, Re y, Im y] = exactly the 4-channel tensor NCSNpp.forward builds internally "
        "from its complex input cat([x_t, y], dim=1) of shape [1,2,256,64] (x_t = channel 0, y = channel 1)")}
    tensors = {}
    for i, (tval, out_ema, out_raw) in enumerate(cases):
        c = {"t": tval, "t_tensor": {"dtype": "float32", "shape": [1]},
             "dnn_output": write_bin(out, "sgmse_small_case%d_dnn_output.bin" % i, out_ema,
                                     "dnn(cat([x_t,y]), t) with the EMA weights (complex [1,1,256,64]); "
                                     "the score is its negation"),
             "output_stats": stats(out_ema),
             "max_abs_diff_ema_vs_raw": float((out_ema - out_raw).abs().max())}
        if i == 0:
            c["dnn_output_raw_weights"] = write_bin(
                out, "sgmse_small_case0_dnn_output_raw.bin", out_raw,
                "same with the raw state_dict weights - NOT what inference must produce (diagnostic only)")
        tensors["case%d" % i] = c
    tensors["case_centered_false"] = {
        "t": 0.5, "t_tensor": {"dtype": "float32", "shape": [1]}, "override_hparams": {"centered": False},
        "dnn_output": write_bin(out, "sgmse_small_uncentered_dnn_output.bin", out_uncentered,
                                "EMA weights, t=0.5, but NCSNpp(centered=False) as in checkpoints trained before "
                                "sgmse commit cf4ecd3 (Nov 2022) without --centered: input x -> 2x-1"),
        "output_stats": stats(out_uncentered)}
    keys, count = manifest_of(sd)
    meta = {
        "format": FORMAT,
        "model": "SGMSE+ ScoreModel with NCSN++ backbone (sgmse/backbones/ncsnpp.py, registry name 'ncsnpp')",
        "upstream": {"repo": "sp-uhh/sgmse", "commit": commit},
        "checkpoint": {
            "file": ckpt_name, "bytes": os.path.getsize(os.path.join(out, ckpt_name)),
            "sha256": _sha256(os.path.join(out, ckpt_name)),
            "layout": "torch.save zip of a Lightning 2.1.4-style dict: epoch, global_step, "
                      "pytorch-lightning_version, state_dict (OrderedDict with _metadata, keys 'dnn.*', RAW weights), "
                      "loops, callbacks, optimizer_states (Adam), lr_schedulers, hparams_name='kwargs', "
                      "hyper_parameters (plain dict; 'data_module_cls' is a pickled class reference "
                      "GLOBAL 'sgmse.data_module' 'SpecsDataModule'), ema (torch_ema state: decay, num_updates, "
                      "shadow_params = list in dnn.parameters() order, collected_params = list of stale weights). "
                      "Storages of state_dict/ema/optimizer tensors are tagged 'cuda:0' (load with map_location cpu); "
                      "callbacks' kth_value tensors are 'cpu'.",
            "inference_weights": "ema.shadow_params[i] -> i-th entry of dnn.parameters() (= state_dict order of "
                                 "'dnn.*' keys; the dnn has no buffers). shadow_params[%d] (all_modules.0.W, "
                                 "requires_grad=False) equals the raw value; all others differ." % w_index,
            "num_parameters": count, "num_keys": len(keys),
        },
        "backbone_kwargs": bk,
        "backbone_defaults_used": {"scale_by_sigma": True, "nonlinearity": "swish", "resamp_with_conv": True,
                                   "conditional": True, "fir": True, "fir_kernel": [1, 3, 3, 1],
                                   "skip_rescale": True, "resblock_type": "biggan", "progressive": "output_skip",
                                   "progressive_input": "input_skip", "progressive_combine": "sum",
                                   "init_scale": 0.0, "fourier_scale": 16, "image_size": 256,
                                   "embedding_type": "fourier", "dropout": 0.0},
        "score_convention": "ScoreModel.forward(x_t, y, t) for backbone 'ncsnpp' = -dnn(torch.cat([x_t, y], dim=1), t); "
                            "x_t, y complex64 [B,1,F,T], t float32 [B]. NCSNpp itself divides its (pre-output_layer) "
                            "result by t (scale_by_sigma=True uses time_cond as 'sigma') and embeds log(t).",
        "inputs": inputs,
        "cases": tensors,
        "randomisation": "every parameter seeded: conv/linear/NIN weights N(0,1/fan_in), biases N(0,0.01), "
                         "GroupNorm weight 1+N(0,0.01), GaussianFourierProjection.W N(0,1)*16; EMA = raw + "
                         "0.2*std(raw)*N(0,1) per tensor (seed 4321), W kept equal",
        "torch_version": torch.__version__,
    }
    write_json(os.path.join(out, "sgmse_ncsnpp_small.json"), meta)
    return meta


def sgmse_full_manifest(ncsnpp, out, commit):
    torch.manual_seed(0)
    dnn = ncsnpp.NCSNpp()  # defaults == train.py's argparse defaults
    sd = collections.OrderedDict(("dnn." + k, v) for k, v in dnn.state_dict().items())
    keys, count = manifest_of(sd)
    meta = {"format": FORMAT, "model": "SGMSE+ NCSN++ default config (nf 128, ch_mult [1,1,2,2,2,2,2], "
                                       "num_res_blocks 2, attn_resolutions [16])",
            "upstream": {"repo": "sp-uhh/sgmse", "commit": commit},
            "prefix": "dnn.", "num_parameters": count, "num_keys": len(keys),
            "ema_shadow_params": "list of %d tensors with exactly these shapes, same order" % len(keys),
            "keys": keys}
    write_json(os.path.join(out, "sgmse_ncsnpp_default_manifest.json"), meta)
    del dnn
    return count, len(keys)


# --------------------------------------------------------------------------
# IR-SDE ConditionalUNet (plain .pth state dict) and DA-CLIP's variant
# --------------------------------------------------------------------------

IRSDE_SMALL = {"in_nc": 3, "out_nc": 3, "nf": 8, "depth": 2}
IRSDE_HW = (30, 42)
# nf >= 32: the constructor computes dim // 32 attention heads for every level, even unused ones
DACLIP_SMALL = {"in_nc": 3, "out_nc": 3, "nf": 32, "ch_mult": [1, 1, 1], "context_dim": 16,
                "use_degra_context": True, "use_image_context": True}


def _irsde_inputs(seed, hw, with_context=0):
    gen = torch.Generator().manual_seed(seed)
    H, W = hw
    mu = torch.rand((1, 3, H, W), generator=gen)             # LQ image in [0,1]
    x_t = mu + 0.3 * _randn(gen, (1, 3, H, W))               # noisy state around mu
    ctx = None
    if with_context:
        ctx = (_randn(gen, (1, with_context)), _randn(gen, (1, with_context)))
    return x_t, mu, ctx


def make_irsde(arch, out, commit, config):
    torch.manual_seed(0)
    net = arch.ConditionalUNet(**IRSDE_SMALL)
    randomise(net, seed=2024, gain=1.0)
    net.eval()
    x_t, mu, _ = _irsde_inputs(55, IRSDE_HW)
    cases = {}
    with torch.no_grad():
        for i, t in enumerate([37, 100]):
            y = net(x_t, mu, t)  # t passed as a Python int, as IRSDE.noise_fn does at test time
            cases["case%d" % i] = {
                "t": t, "t_tensor": {"dtype": "int64", "shape": [1],
                                     "note": "forward() turns the int into torch.tensor([t]) (int64)"},
                "output": write_bin(out, "irsde_small_case%d_output.bin" % i, y,
                                    "predicted noise epsilon, [1,3,30,42]"),
                "output_stats": stats(y)}
    sd = net.state_dict()
    for k in sd:
        sd[k] = sd[k].cpu()  # BaseModel.save_network
    torch.save(sd, os.path.join(out, "irsde_unet_small.pth"))
    dp = nn.DataParallel(net).state_dict()
    torch.save(dp, os.path.join(out, "irsde_unet_small_module.pth"))
    keys, count = manifest_of(sd)
    meta = {
        "format": FORMAT,
        "model": "IR-SDE ConditionalUNet (codes/config/%s/models/modules/DenoisingUNet_arch.py)" % config,
        "upstream": {"repo": "Algolzw/image-restoration-sde", "commit": commit},
        "config": IRSDE_SMALL,
        "weights": [
            {"file": "irsde_unet_small.pth", "prefix": "",
             "bytes": os.path.getsize(os.path.join(out, "irsde_unet_small.pth")),
             "sha256": _sha256(os.path.join(out, "irsde_unet_small.pth"))},
            {"file": "irsde_unet_small_module.pth", "prefix": "module.",
             "bytes": os.path.getsize(os.path.join(out, "irsde_unet_small_module.pth")),
             "sha256": _sha256(os.path.join(out, "irsde_unet_small_module.pth"))}],
        "layout": "torch.save of model.state_dict(): a collections.OrderedDict (with the _metadata attribute, "
                  "i.e. a BUILD of the OrderedDict with {'_metadata': ...}), float32 tensors, storages 'cpu'. "
                  "The second file has every key prefixed 'module.' (DataParallel); load_network strips it.",
        "num_parameters": count, "num_keys": len(keys),
        "inputs": {"x_t": write_bin(out, "irsde_small_x_t.bin", x_t, "noisy state x_t, [1,3,30,42]"),
                   "mu": write_bin(out, "irsde_small_mu.bin", mu, "condition mu = LQ image, [1,3,30,42]")},
        "call": "noise = ConditionalUNet(x_t, mu, t); net input is cat([x_t - mu, mu], dim=1); "
                "30x42 is reflect-padded (right/bottom) to 32x44 (multiples of 2^depth=4) and the output cropped back",
        "cases": cases,
        "randomisation": "every parameter seeded: conv/linear weights N(0,1/fan_in), biases N(0,0.01), "
                         "LayerNorm g 1+N(0,0.01)",
        "torch_version": torch.__version__,
    }
    write_json(os.path.join(out, "irsde_unet_small.json"), meta)
    return meta


def irsde_full_manifest(arch, out, commit, config):
    torch.manual_seed(0)
    cfg = {"in_nc": 3, "out_nc": 3, "nf": 64, "depth": 4}
    net = arch.ConditionalUNet(**cfg)
    keys, count = manifest_of(net.state_dict())
    write_json(os.path.join(out, "irsde_unet_default_manifest.json"),
               {"format": FORMAT, "model": "IR-SDE ConditionalUNet (%s) default config" % config,
                "upstream": {"repo": "Algolzw/image-restoration-sde", "commit": commit},
                "config": cfg, "prefix": "", "num_parameters": count, "num_keys": len(keys), "keys": keys})
    return count, len(keys)


def make_daclip(arch, out, commit):
    torch.manual_seed(0)
    net = arch.ConditionalUNet(**DACLIP_SMALL)
    randomise(net, seed=3033, gain=1.0)
    net.eval()
    x_t, mu, (text_ctx, image_ctx) = _irsde_inputs(66, IRSDE_HW, with_context=DACLIP_SMALL["context_dim"])
    cases = {}
    with torch.no_grad():
        for i, t in enumerate([37, 100]):
            # IRSDE.noise_fn in daclip-uir passes t * scale (scale=1.0): a Python float
            y = net(x_t, mu, float(t) * 1.0, text_context=text_ctx, image_context=image_ctx)
            cases["case%d" % i] = {
                "t": float(t), "t_tensor": {"dtype": "float32", "shape": [1],
                                            "note": "forward() turns the float into torch.tensor([t]) (float32)"},
                "output": write_bin(out, "daclip_small_case%d_output.bin" % i, y,
                                    "predicted noise epsilon, [1,3,30,42]"),
                "output_stats": stats(y)}
    sd = net.state_dict()
    torch.save(sd, os.path.join(out, "daclip_unet_small.pth"))
    keys, count = manifest_of(sd)
    meta = {
        "format": FORMAT,
        "model": "DA-CLIP universal-IR ConditionalUNet (universal-image-restoration/config/daclip-sde/"
                 "models/modules/DenoisingUNet_arch.py)",
        "upstream": {"repo": "Algolzw/daclip-uir", "commit": commit},
        "config": DACLIP_SMALL,
        "weights": {"file": "daclip_unet_small.pth", "prefix": "",
                    "bytes": os.path.getsize(os.path.join(out, "daclip_unet_small.pth")),
                    "sha256": _sha256(os.path.join(out, "daclip_unet_small.pth"))},
        "num_parameters": count, "num_keys": len(keys),
        "inputs": {"x_t": write_bin(out, "daclip_small_x_t.bin", x_t, "[1,3,30,42]"),
                   "mu": write_bin(out, "daclip_small_mu.bin", mu, "[1,3,30,42]"),
                   "text_context": write_bin(out, "daclip_small_text_context.bin", text_ctx,
                                             "degradation embedding from DA-CLIP's encode_image(control=True) "
                                             "(second return value), [1,context_dim], unnormalised"),
                   "image_context": write_bin(out, "daclip_small_image_context.bin", image_ctx,
                                              "content image embedding (first return value), [1,context_dim]")},
        "call": "noise = ConditionalUNet(x_t, mu, t, text_context=degra_context, image_context=image_context)",
        "cases": cases,
        "context_required": "with use_image_context=True, image_context must be given: with None the "
                            "cross-attention falls back to self-attention and fails unless context_dim equals "
                            "the attention width (upstream quirk)",
        "missing_for_full_pipeline": "the DA-CLIP image encoder (open_clip ViT-B-32 + controller, "
                                     "daclip_ViT-B-32.pt) that produces the two 512-d contexts; fixtures feed "
                                     "random context vectors instead",
        "torch_version": torch.__version__,
    }
    write_json(os.path.join(out, "daclip_unet_small.json"), meta)
    return meta


def daclip_full_manifest(arch, out, commit):
    torch.manual_seed(0)
    cfg = {"in_nc": 3, "out_nc": 3, "nf": 64, "ch_mult": [1, 2, 4, 8], "context_dim": 512,
           "use_degra_context": True, "use_image_context": True}
    net = arch.ConditionalUNet(**cfg)
    keys, count = manifest_of(net.state_dict())
    write_json(os.path.join(out, "daclip_unet_default_manifest.json"),
               {"format": FORMAT, "model": "DA-CLIP universal-IR ConditionalUNet, options/test.yml config",
                "upstream": {"repo": "Algolzw/daclip-uir", "commit": commit},
                "config": cfg, "prefix": "", "num_parameters": count, "num_keys": len(keys), "keys": keys})
    return count, len(keys)


# --------------------------------------------------------------------------
# verification: reload files in their on-disk layout, rebuild, rerun, compare
# --------------------------------------------------------------------------


def _same(a, b, what):
    if a.shape != b.shape or not torch.equal(a, b):
        diff = (a - b).abs().max() if a.shape == b.shape else "shape %s vs %s" % (a.shape, b.shape)
        raise SystemExit("MISMATCH %s: %s" % (what, diff))
    print("  ok  %s (bit-exact)" % what)


def verify_sgmse(ncsnpp, out):
    meta = json.load(open(os.path.join(out, "sgmse_ncsnpp_small.json")))
    install_sgmse_data_module_stub()
    ck = torch.load(os.path.join(out, meta["checkpoint"]["file"]), map_location="cpu")
    hp = ck["hyper_parameters"]
    assert hp["data_module_cls"].__module__ == "sgmse.data_module"
    assert hp["backbone"] == "ncsnpp" and hp["n_fft"] == 510 and hp["hop_length"] == 128
    names = ["ch_mult", "num_res_blocks", "attn_resolutions", "centered", "nf"]
    dnn = ncsnpp.NCSNpp(**{k: hp[k] for k in names if k in hp})
    sd = collections.OrderedDict((k[4:], v) for k, v in ck["state_dict"].items() if k.startswith("dnn."))
    dnn.load_state_dict(sd, strict=True)
    shadow = ck["ema"]["shadow_params"]
    params = list(dnn.parameters())
    assert len(shadow) == len(params) == len(sd)
    with torch.no_grad():
        for p, s in zip(params, shadow):  # torch_ema copy_to
            p.copy_(s)
    dnn.eval()
    four = read_bin(out, meta["inputs"]["input_4ch"])
    x = torch.complex(four[:, 0:1], four[:, 1:2])
    y = torch.complex(four[:, 2:3], four[:, 3:4])
    for cname, c in meta["cases"].items():
        dnn.centered = c.get("override_hparams", {}).get("centered", hp["centered"])
        with torch.no_grad():
            o = dnn(torch.cat([x, y], dim=1), torch.tensor([c["t"]], dtype=torch.float32))
        _same(o, read_bin(out, c["dnn_output"]), "sgmse %s (EMA weights)" % cname)


def _load_unet(arch, path, cfg):
    sd = torch.load(path, map_location="cpu")
    assert isinstance(sd, collections.OrderedDict) and hasattr(sd, "_metadata")
    clean = collections.OrderedDict((k[7:] if k.startswith("module.") else k, v) for k, v in sd.items())
    net = arch.ConditionalUNet(**cfg)
    net.load_state_dict(clean, strict=True)
    return net.eval()


def verify_irsde(arch, out):
    meta = json.load(open(os.path.join(out, "irsde_unet_small.json")))
    x_t = read_bin(out, meta["inputs"]["x_t"])
    mu = read_bin(out, meta["inputs"]["mu"])
    for w in meta["weights"]:
        net = _load_unet(arch, os.path.join(out, w["file"]), meta["config"])
        for cname, c in meta["cases"].items():
            with torch.no_grad():
                o = net(x_t, mu, c["t"])
            _same(o, read_bin(out, c["output"]), "irsde %s from %s" % (cname, w["file"]))


def verify_daclip(arch, out):
    meta = json.load(open(os.path.join(out, "daclip_unet_small.json")))
    inp = {k: read_bin(out, v) for k, v in meta["inputs"].items()}
    net = _load_unet(arch, os.path.join(out, meta["weights"]["file"]), meta["config"])
    for cname, c in meta["cases"].items():
        with torch.no_grad():
            o = net(inp["x_t"], inp["mu"], c["t"], text_context=inp["text_context"],
                    image_context=inp["image_context"])
        _same(o, read_bin(out, c["output"]), "daclip %s" % cname)


# --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sgmse-src", required=True, help="snapshot root of sp-uhh/sgmse (contains sgmse/)")
    ap.add_argument("--irsde-src", required=True, help="snapshot root of Algolzw/image-restoration-sde (contains codes/)")
    ap.add_argument("--irsde-config", default="deraining",
                    help="which codes/config/<task> ConditionalUNet to run (deraining, deblurring, ... share one file)")
    ap.add_argument("--daclip-src", help="snapshot root of Algolzw/daclip-uir (optional)")
    ap.add_argument("--shims", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "shims"),
                    help="directory holding the einops stand-in (default: tools/oracles/shims)")
    ap.add_argument("--out", required=True, help="output directory (tests/fixtures/published)")
    ap.add_argument("--verify", action="store_true", help="only reload the written files and check bit-exactness")
    ap.add_argument("--no-manifests", action="store_true", help="skip the full-size key manifests")
    args = ap.parse_args()

    torch.set_num_threads(1)  # reproducible CPU reductions
    sys.path.insert(0, os.path.abspath(args.shims))
    einops_used = check_einops_stand_in()
    print("einops:", einops_used)
    ncsnpp = import_sgmse(os.path.abspath(args.sgmse_src))
    irsde = import_irsde(os.path.abspath(args.irsde_src), args.irsde_config)
    daclip = import_daclip(os.path.abspath(args.daclip_src)) if args.daclip_src else None
    out = args.out
    os.makedirs(out, exist_ok=True)

    if not args.verify:
        commits = {"sgmse": _upstream_commit(args.sgmse_src), "irsde": _upstream_commit(args.irsde_src),
                   "daclip": _upstream_commit(args.daclip_src) if args.daclip_src else None}
        index = {"format": FORMAT, "generator": "tools/oracles/make_published_fixtures.py",
                 "torch_version": torch.__version__, "einops": einops_used, "upstream_commits": commits}
        m = make_sgmse(ncsnpp, out, commits["sgmse"])
        index["sgmse_small"] = {"json": "sgmse_ncsnpp_small.json", "num_parameters": m["checkpoint"]["num_parameters"],
                                "num_keys": m["checkpoint"]["num_keys"]}
        print("sgmse small: %d params, %d keys" % (m["checkpoint"]["num_parameters"], m["checkpoint"]["num_keys"]),
              {k: v["output_stats"] for k, v in m["cases"].items()})
        m = make_irsde(irsde, out, commits["irsde"], args.irsde_config)
        index["irsde_small"] = {"json": "irsde_unet_small.json", "num_parameters": m["num_parameters"],
                                "num_keys": m["num_keys"]}
        print("irsde small: %d params, %d keys" % (m["num_parameters"], m["num_keys"]),
              {k: v["output_stats"] for k, v in m["cases"].items()})
        if daclip:
            m = make_daclip(daclip, out, commits["daclip"])
            index["daclip_small"] = {"json": "daclip_unet_small.json", "num_parameters": m["num_parameters"],
                                     "num_keys": m["num_keys"]}
            print("daclip small: %d params, %d keys" % (m["num_parameters"], m["num_keys"]),
                  {k: v["output_stats"] for k, v in m["cases"].items()})
        if not args.no_manifests:
            c, k = sgmse_full_manifest(ncsnpp, out, commits["sgmse"])
            index["sgmse_default_manifest"] = {"json": "sgmse_ncsnpp_default_manifest.json",
                                               "num_parameters": c, "num_keys": k}
            print("sgmse default: %d params, %d keys" % (c, k))
            c, k = irsde_full_manifest(irsde, out, commits["irsde"], args.irsde_config)
            index["irsde_default_manifest"] = {"json": "irsde_unet_default_manifest.json",
                                               "num_parameters": c, "num_keys": k}
            print("irsde default: %d params, %d keys" % (c, k))
            if daclip:
                c, k = daclip_full_manifest(daclip, out, commits["daclip"])
                index["daclip_default_manifest"] = {"json": "daclip_unet_default_manifest.json",
                                                    "num_parameters": c, "num_keys": k}
                print("daclip default: %d params, %d keys" % (c, k))
        files = sorted(f for f in os.listdir(out) if f != "index.json")
        index["files"] = {f: {"bytes": os.path.getsize(os.path.join(out, f)),
                              "sha256": _sha256(os.path.join(out, f))} for f in files}
        write_json(os.path.join(out, "index.json"), index)

    print("verifying (reload from disk, rebuild, rerun):")
    verify_sgmse(ncsnpp, out)
    verify_irsde(irsde, out)
    if daclip:
        verify_daclip(daclip, out)
    print("all fixtures round-trip bit-exactly")


if __name__ == "__main__":
    main()
