#!/usr/bin/env python3
"""Oracle for a whole IR-SDE restoration run: upstream's own IRSDE.reverse_posterior().

make_published_fixtures.py proves that the C++ ConditionalUNet computes what the
official network computes.  This script proves the rest of what a published
IR-SDE checkpoint goes through in the studio: the discrete cosine schedule
(codes/utils/sde_utils.py IRSDE with schedule 'cosine', eps 0.005, as every
official test config), the noisy start state `noise_state(LQ)`, the noise
prediction turned into x0, and the posterior sampler the official test scripts
use (`sampling_mode: posterior`).  It runs upstream's code unchanged on the small
random-weight checkpoint `irsde_unet_small.pth` and records:

  * the degraded image LQ (float32 [1,3,30,42] in [0,1]),
  * every `torch.randn_like` draw, in order (the start state's, then one per
    posterior step; the last step's is multiplied by a standard deviation of
    ~1e-10 and makes no difference),
  * the result of reverse_posterior (not clamped; the test scripts clamp when
    they write the image).

The C++ test (tests/core/tst_published.cpp, irsdeRestoreMatchesUpstream) runs
the studio's `posterior` sampler on the same file with the draws replayed.

Only upstream's imports that this path never calls are stubbed: tqdm (replaced
by the identity), torchvision.utils (image saving) and scipy.integrate (the
unused black-box ODE sampler); einops is the self-checked stand-in in shims/.

    /usr/bin/python3 tools/oracles/make_irsde_restore_fixture.py \
        --irsde-src /work/oracle-src/irsde --out tests/fixtures/published
"""

import argparse
import importlib.util
import os
import sys
import types

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import make_published_fixtures as mpf  # noqa: E402

T = 20            # the SDE's T (official configs: 100; smaller keeps the fixture small)
MAX_SIGMA = 10    # deraining / deblurring
EPS = 0.005       # every official test config
SEED = 20261203


def _stub(name, **attrs):
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    return mod


def import_sde_utils(root):
    _stub("tqdm", tqdm=lambda it, *a, **k: it)
    tv = _stub("torchvision")
    tv.utils = _stub("torchvision.utils", save_image=None)
    sp = _stub("scipy")
    sp.integrate = _stub("scipy.integrate")
    path = os.path.join(root, "codes", "utils", "sde_utils.py")
    spec = importlib.util.spec_from_file_location("irsde_sde_utils", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--irsde-src", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "shims"))  # einops stand-in
    mpf.check_einops_stand_in()
    sde_utils = import_sde_utils(args.irsde_src)
    arch = mpf.import_irsde(args.irsde_src, "deraining")
    net = arch.ConditionalUNet(**mpf.IRSDE_SMALL)
    net.load_state_dict(torch.load(os.path.join(args.out, "irsde_unet_small.pth"), map_location="cpu"))
    net.eval()

    gen = torch.Generator().manual_seed(SEED)
    H, W = mpf.IRSDE_HW
    # A smooth degraded image in [0, 1]: low-frequency colour fields plus a little texture.
    base = torch.rand((1, 3, H // 6 + 1, W // 6 + 1), generator=gen)
    lq = torch.nn.functional.interpolate(base, size=(H, W), mode="bilinear", align_corners=False)
    lq = (0.8 * lq + 0.2 * torch.rand((1, 3, H, W), generator=gen)).clamp(0, 1)

    sde = sde_utils.IRSDE(max_sigma=MAX_SIGMA, T=T, schedule="cosine", eps=EPS, device=torch.device("cpu"))
    sde.set_model(net)

    draws = []
    real_randn_like = torch.randn_like

    def randn_like(*a, **k):
        z = real_randn_like(*a, **k)
        draws.append(z.clone())
        return z

    torch.manual_seed(SEED)
    torch.randn_like = randn_like
    try:
        with torch.no_grad():
            sde.set_mu(lq)                      # as the test scripts: model.feed_data(noisy_state, LQ)
            start = sde.noise_state(lq)
            out = sde.reverse_posterior(start.clone(), T=T)
    finally:
        torch.randn_like = real_randn_like
    assert len(draws) == 1 + T, len(draws)

    o = args.out
    desc = {
        "format": mpf.FORMAT,
        "what": "IRSDE(max_sigma=%d, T=%d, schedule='cosine', eps=%g).reverse_posterior(noise_state(LQ)) with "
                "irsde_unet_small.pth (ConditionalUNet nf 8, depth 2), CPU, float32" % (MAX_SIGMA, T, EPS),
        "upstream": {"repo": "Algolzw/image-restoration-sde", "commit": "2598d73cde3a1e2cf78c4ba4923414e1f4b90393",
                     "functions_run": ["codes/utils/sde_utils.py IRSDE (__init__ cosine schedule, noise_state, "
                                       "reverse_posterior, noise_fn, reverse_posterior_step, "
                                       "get_init_state_from_noise, reverse_optimum_step, reverse_optimum_std)",
                                       "codes/config/deraining/models/modules/DenoisingUNet_arch.py ConditionalUNet"]},
        "checkpoint": "irsde_unet_small.pth",
        "max_sigma": MAX_SIGMA, "T": T, "eps": EPS, "seed": SEED,
        "lq": mpf.write_bin(o, "irsde_restore_lq.bin", lq, "degraded image in [0,1], [1,3,30,42]"),
        "draws": [mpf.write_bin(o, "irsde_restore_draw%d.bin" % i, z) for i, z in enumerate(draws)],
        "draw_order": "noise_state (x_T = LQ + max_sigma/255 * z), then one per reverse_posterior_step, t = T..1",
        "output": mpf.write_bin(o, "irsde_restore_output.bin", out, "reverse_posterior's result in [0,1] scale "
                                "(not clamped), [1,3,30,42]"),
        "schedule_check": {"thetas_cumsum_dt": [float(v) for v in (sde.thetas_cumsum * sde.dt)],
                           "sigma_bars": [float(v) for v in sde.sigma_bars]},
        "torch_version": torch.__version__,
    }
    mpf.write_json(os.path.join(o, "irsde_restore.json"), desc)
    print("restored:", mpf.stats(out), "LQ:", mpf.stats(lq))


if __name__ == "__main__":
    main()
