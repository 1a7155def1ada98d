#!/usr/bin/env python3
"""Oracle for a whole SGMSE+ enhancement run: upstream's own ScoreModel.enhance().

make_published_fixtures.py proves that the C++ NCSN++ computes what upstream's
network computes.  This script proves the rest of the path a published
checkpoint takes through the studio: normalisation, STFT and spectral
compression, zero-padding of the frames, the OUVE SDE's prior, the
predictor-corrector sampler (reverse diffusion + annealed Langevin), the
inverse transform and the scaling back.  It runs upstream's
`ScoreModel.enhance(y, N=3)` unchanged (sgmse/model.py at the pinned commit)
on the small checkpoint `sgmse_ncsnpp_small.ckpt` (EMA weights, as upstream's
load_from_checkpoint + eval() uses them) and records:

  * the noisy input waveform (float32 [T]),
  * every `torch.randn_like` draw the sampler makes, in order (complex64: the
    prior draw, then per step the corrector's and the predictor's draws),
  * the padded compressed spectrogram Y the sampler is conditioned on,
  * the final spectrogram handed to to_audio(),
  * the enhanced waveform enhance() returns.

The C++ test (tests/core/tst_published.cpp, sgmseEnhanceMatchesUpstream) replays
the recorded draws through the studio's `sgmse-pc` sampler and compares.

Only upstream's imports that the path never calls are stubbed: Lightning's base
classes, torchaudio, torch_ema, librosa, pesq, pystoi, torch_pesq, scipy (the
ODE sampler's solver) and sgmse.util.inference (validation metrics).  CUDA calls
(`y.cuda()` in enhance) are made no-ops: this runs on the CPU.

    /usr/bin/python3 tools/oracles/make_sgmse_enhance_fixture.py \
        --sgmse-src /work/oracle-src/sgmse --out tests/fixtures/published
"""

import argparse
import importlib
import json
import math
import os
import sys
import types

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import make_published_fixtures as mpf  # noqa: E402

N_STEPS = 3
SECONDS = 0.5
RATE = 16000


class _Anything:
    """A placeholder class for names the enhancement path imports but never uses."""

    def __init__(self, *a, **k):
        pass


def _stub_module(name, **attrs):
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    mod.__getattr__ = lambda attr: type(attr, (_Anything,), {})  # any other name: a placeholder
    sys.modules[name] = mod
    parent, _, child = name.rpartition(".")
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], child, mod)
    return mod


def import_upstream(root):
    for name in ["pytorch_lightning", "torchaudio", "torch_ema", "librosa", "pesq", "pystoi", "torch_pesq",
                 "scipy", "scipy.integrate", "scipy.stats", "scipy.signal"]:
        _stub_module(name)
    sys.modules["pytorch_lightning"].LightningModule = type("LightningModule", (_Anything,), {})
    sys.modules["pytorch_lightning"].LightningDataModule = type("LightningDataModule", (_Anything,), {})
    pkg = os.path.join(root, "sgmse")
    mpf._path_package("sgmse", pkg)
    mpf._path_package("sgmse.util", os.path.join(pkg, "util"))
    mpf._path_package("sgmse.backbones", os.path.join(pkg, "backbones"))
    _stub_module("sgmse.util.inference")
    ncsnpp = importlib.import_module("sgmse.backbones.ncsnpp")
    sys.modules["sgmse.backbones"].BackboneRegistry = ncsnpp.BackboneRegistry
    data_module = importlib.import_module("sgmse.data_module")
    sdes = importlib.import_module("sgmse.sdes")
    model = importlib.import_module("sgmse.model")
    return ncsnpp, data_module, sdes, model


def noisy_waveform(seed):
    """0.5 s of a voiced, speech-like signal (a 140 Hz pulse train through two formant
    resonances, with a syllable envelope) plus white noise at about 5 dB SNR."""
    g = torch.Generator().manual_seed(seed)
    n = int(SECONDS * RATE)
    t = torch.arange(n, dtype=torch.float64) / RATE
    f0 = 140.0 * (1 + 0.05 * torch.sin(2 * math.pi * 3 * t))
    phase = 2 * math.pi * torch.cumsum(f0, 0) / RATE
    voiced = sum(torch.cos(k * phase) / k for k in range(1, 25))
    formants = 0.6 * torch.sin(2 * math.pi * 700 * t) + 0.4 * torch.sin(2 * math.pi * 1200 * t)
    env = torch.sin(math.pi * t / SECONDS) ** 2
    clean = env * voiced * (1 + formants)
    clean = clean / clean.abs().max() * 0.5
    noise = torch.randn(n, generator=g, dtype=torch.float64)
    noise = noise * clean.pow(2).mean().sqrt() / noise.pow(2).mean().sqrt() * 10 ** (-5 / 20)
    return (clean + noise).to(torch.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sgmse-src", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20261203)
    args = ap.parse_args()

    ncsnpp, data_module, sdes, model = import_upstream(args.sgmse_src)
    ckpt_path = os.path.join(args.out, "sgmse_ncsnpp_small.ckpt")
    ckpt = torch.load(ckpt_path, map_location="cpu")
    hp = dict(ckpt["hyper_parameters"])

    # The network as ScoreModel.__init__ builds it (dnn_cls(**kwargs)), with the EMA weights
    # in dnn.parameters() order, as ScoreModel.eval() swaps them in.
    dnn = ncsnpp.NCSNpp(**hp)
    with torch.no_grad():
        for p, s in zip(dnn.parameters(), ckpt["ema"]["shadow_params"]):
            p.copy_(s)
    dnn.eval()
    sde = sdes.SDERegistry.get_by_name(hp["sde"])(**hp)
    dm = data_module.SpecsDataModule(**{**hp, "base_dir": ""})

    SM = model.ScoreModel

    class StandIn:
        """ScoreModel's own methods on a plain object (ScoreModel itself needs Lightning)."""
        forward = SM.forward
        enhance = SM.enhance
        get_pc_sampler = SM.get_pc_sampler
        to_audio = SM.to_audio
        _forward_transform = SM._forward_transform
        _backward_transform = SM._backward_transform
        _stft = SM._stft
        _istft = SM._istft

        def __call__(self, *a, **k):
            return self.forward(*a, **k)

    m = StandIn()
    m.backbone = hp.get("backbone", "ncsnpp")
    m.dnn = dnn
    m.sde = sde
    m.data_module = dm
    m.sr = RATE
    m.t_eps = hp.get("t_eps", 0.03)  # ScoreModel.__init__'s default

    recorded = {"draws": [], "Y": None, "final": None}
    real_randn_like = torch.randn_like

    def randn_like(*a, **k):
        z = real_randn_like(*a, **k)
        recorded["draws"].append(z.clone())
        return z

    real_get_pc_sampler = SM.get_pc_sampler

    def get_pc_sampler(self, predictor_name, corrector_name, y, *a, **k):
        recorded["Y"] = y.clone()
        return real_get_pc_sampler(self, predictor_name, corrector_name, y, *a, **k)

    real_to_audio = SM.to_audio

    def to_audio(self, spec, length=None):
        recorded["final"] = spec.clone()
        return real_to_audio(self, spec, length)

    StandIn.get_pc_sampler = get_pc_sampler
    StandIn.to_audio = to_audio
    torch.Tensor.cuda = lambda self, *a, **k: self  # enhance() moves y to CUDA; stay on the CPU

    y = noisy_waveform(args.seed)
    torch.manual_seed(args.seed)
    torch.randn_like = randn_like
    try:
        with torch.no_grad():
            x_hat = m.enhance(y.unsqueeze(0), N=N_STEPS)
    finally:
        torch.randn_like = real_randn_like
    x_hat = torch.from_numpy(np.asarray(x_hat, dtype=np.float32))

    draws = recorded["draws"]
    assert len(draws) == 1 + 2 * N_STEPS, len(draws)
    out = args.out
    desc = {
        "format": mpf.FORMAT,
        "what": "SGMSE+ ScoreModel.enhance(y, N=%d) (sampler_type pc, predictor reverse_diffusion, corrector ald, "
                "corrector_steps 1, snr 0.5) on sgmse_ncsnpp_small.ckpt's EMA weights, CPU, float32" % N_STEPS,
        "upstream": {"repo": "sp-uhh/sgmse", "commit": mpf._upstream_commit(args.sgmse_src)
                     or "ae690e8c046aa163da0c6c774842fa5f9a5f2183",
                     "functions_run": ["sgmse/model.py ScoreModel.enhance, get_pc_sampler, forward, to_audio, "
                                       "_stft, _istft, _forward_transform, _backward_transform",
                                       "sgmse/sampling/__init__.py get_pc_sampler",
                                       "sgmse/sampling/predictors.py ReverseDiffusionPredictor",
                                       "sgmse/sampling/correctors.py AnnealedLangevinDynamics",
                                       "sgmse/sdes.py OUVESDE", "sgmse/data_module.py SpecsDataModule "
                                       "(stft, istft, spec_fwd, spec_back)", "sgmse/util/other.py pad_spec",
                                       "sgmse/backbones/ncsnpp.py NCSNpp"]},
        "checkpoint": "sgmse_ncsnpp_small.ckpt",
        "seed": args.seed,
        "steps": N_STEPS,
        "nfe": N_STEPS * 2,
        "sample_rate": RATE,
        "noisy": mpf.write_bin(out, "sgmse_enhance_noisy.bin", y,
                               "0.5 s synthetic voiced signal + white noise at 5 dB SNR (float32 [T])"),
        "Y": mpf.write_bin(out, "sgmse_enhance_Y.bin", recorded["Y"],
                           "normalised, STFT'd, compressed, zero-padded noisy spectrogram [1,1,F,64]"),
        "draws": [mpf.write_bin(out, "sgmse_enhance_draw%d.bin" % i, z) for i, z in enumerate(draws)],
        "draw_order": "prior (sde.prior_sampling), then for each step: corrector (ald), predictor (reverse "
                      "diffusion; the last step's draw is made but not used: enhance returns x_mean)",
        "noise_convention": "torch.randn_like on complex64: real and imaginary parts each N(0, 1/2)",
        "final_spec": mpf.write_bin(out, "sgmse_enhance_final_spec.bin", recorded["final"],
                                    "the sampler's result (x_mean after the last step), squeezed to [F,64]"),
        "enhanced": mpf.write_bin(out, "sgmse_enhance_output.bin", x_hat,
                                  "enhance()'s return value (float32 [T]), scaled back by max|y|"),
        "norm_factor": float(y.abs().max()),
        "torch_version": torch.__version__,
    }
    mpf.write_json(os.path.join(out, "sgmse_enhance.json"), desc)
    print("enhanced: %d samples, %s" % (x_hat.numel(), mpf.stats(x_hat)))


if __name__ == "__main__":
    main()
