#!/usr/bin/env python3
"""Oracle fixtures for Stable Diffusion 1.x's denoising UNet and autoencoder (tests/fixtures/sd/).

Runs the official latent-diffusion code — ldm/modules/diffusionmodules/openaimodel.py (UNetModel),
ldm/modules/attention.py (SpatialTransformer), ldm/modules/diffusionmodules/model.py (the VAE's
Encoder and Decoder) and ldm/modules/diffusionmodules/util.py of
https://github.com/CompVis/stable-diffusion at commit 21f890f9 — from a snapshot outside this
repository (default /work/oracle-src/sd; --sd-src to change). Nothing of it is copied here (its
licence is not MIT); the package __init__s and ldm/util.py (training helpers, PIL) are not
imported: path-only packages are registered and the three files are loaded directly, with
`ldm.util.instantiate_from_config` and omegaconf's ListConfig as inert stand-ins (the UNet only
checks `type(context_dim) == ListConfig`). einops comes from tools/oracles/shims/einops.

Writes:
  sd_unet_small.safetensors   a small UNet (in/out 4, 32 channels, mult [1, 2], 2 res blocks,
                              attention at 1 and 2, depth 1, 8 heads, context 16) with seeded
                              random values for every parameter (the zero-initialised output
                              convolutions too), stored as float16 under model.diffusion_model. as
                              in SD's fp16 checkpoints; the oracle runs on those rounded values
  sd_unet_small_io.json       config, inputs (x [2, 4, 16, 16], t [2], context [2, 77, 16]) and the
                              official forward's output
  sd_unet_v1_manifest.json    the full-size SD 1.x UNet's keys and shapes (v1-inference.yaml's
                              unet_config), built with the official modules
  sd_vae_small.safetensors    a small AutoencoderKL (ch 32, mult [1, 2], 1 res block, attention at
                              the half resolution as well as in the middle, z = e = 4) under
                              first_stage_model., seeded random values stored as float16
  sd_vae_small_io.json        image [2, 3, 16, 16] → the latent Gaussian's moments, and a latent
                              [2, 4, 8, 8] → the decoded image, from the official modules
  sd_vae_v1_manifest.json     the full-size SD 1.x VAE's keys and shapes (first_stage_config)

AutoencoderKL itself (ldm/models/autoencoder.py) imports PyTorch Lightning, which Debian does not
package; the oracle composes it as that file does: moments = quant_conv(Encoder(x)) with
quant_conv = Conv2d(2·z, 2·e, 1); decode(z) = Decoder(post_quant_conv(z)) with
post_quant_conv = Conv2d(e, z, 1); the names are the attribute names of that class.

Needs Debian's python3-torch and python3-numpy. Run with /usr/bin/python3.
"""
import argparse
import json
import os
import sys
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "tests", "fixtures", "sd")
PREFIX = "model.diffusion_model."
sys.path.insert(0, HERE)
from make_clip_fixtures import load_module as load, write_safetensors  # noqa: E402  (shared with the CLIP oracle)


def package(name):
    mod = types.ModuleType(name)
    mod.__path__ = []
    sys.modules[name] = mod
    return mod


def official_unet(src):
    sys.path.insert(0, os.path.join(HERE, "shims"))  # einops
    for p in ["ldm", "ldm.modules", "ldm.modules.diffusionmodules", "omegaconf"]:
        package(p)
    util = types.ModuleType("ldm.util")
    util.instantiate_from_config = lambda *a, **k: None
    sys.modules["ldm.util"] = util
    listconfig = types.ModuleType("omegaconf.listconfig")

    class ListConfig(list):
        pass

    listconfig.ListConfig = ListConfig
    sys.modules["omegaconf.listconfig"] = listconfig
    load("ldm.modules.diffusionmodules.util", os.path.join(src, "ldm/modules/diffusionmodules/util.py"))
    load("ldm.modules.attention", os.path.join(src, "ldm/modules/attention.py"))
    unet = load("ldm.modules.diffusionmodules.openaimodel",
                os.path.join(src, "ldm/modules/diffusionmodules/openaimodel.py")).UNetModel
    vae = load("ldm.modules.diffusionmodules.model", os.path.join(src, "ldm/modules/diffusionmodules/model.py"))
    return unet, vae


class AutoencoderKL(torch.nn.Module):
    """The composition of ldm/models/autoencoder.py's AutoencoderKL (encoder, decoder, quant_conv,
    post_quant_conv, in that registration order), built from the official Encoder/Decoder."""

    def __init__(self, model, ddconfig, embed_dim):
        super().__init__()
        self.encoder = model.Encoder(**ddconfig)
        self.decoder = model.Decoder(**ddconfig)
        self.quant_conv = torch.nn.Conv2d(2 * ddconfig["z_channels"], 2 * embed_dim, 1)
        self.post_quant_conv = torch.nn.Conv2d(embed_dim, ddconfig["z_channels"], 1)

    def moments(self, x):
        return self.quant_conv(self.encoder(x))

    def decode(self, z):
        return self.decoder(self.post_quant_conv(z))


def randomise(net):
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("weight") and p.dim() == 1:
                p.copy_(1.0 + 0.2 * torch.randn_like(p))  # norm scales near 1
            else:
                fan_in = p[0].numel() if p.dim() > 1 else p.numel()
                p.copy_(torch.randn_like(p) / max(1.0, fan_in) ** 0.5)
            p.copy_(p.half().float())  # stored as float16; the oracle runs on the rounded values


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sd-src", default="/work/oracle-src/sd")
    args = ap.parse_args()
    UNetModel, vae_model = official_unet(args.sd_src)
    os.makedirs(OUT, exist_ok=True)

    cfg = dict(image_size=16, in_channels=4, out_channels=4, model_channels=32, attention_resolutions=[2, 1],
               num_res_blocks=2, channel_mult=[1, 2], num_heads=8, use_spatial_transformer=True,
               transformer_depth=1, context_dim=16, use_checkpoint=False, legacy=False)
    torch.manual_seed(20261204)
    net = UNetModel(**cfg).eval()
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("weight") and ("norm" in name or ".in_layers.0." in name or ".out_layers.0." in name
                                           or name.startswith("out.0.")):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))  # norm scales near 1
            else:
                fan_in = p[0].numel() if p.dim() > 1 else p.numel()
                p.copy_(torch.randn_like(p) / max(1.0, fan_in) ** 0.5)
            p.copy_(p.half().float())  # stored as float16; the oracle runs on the rounded values
            p.copy_(p.half().float())  # stored as float16 (as SD's fp16 files); the forward uses those values
    g = torch.Generator().manual_seed(7)
    x = torch.randn(2, 4, 16, 16, generator=g)
    t = torch.tensor([999.0, 10.0])
    ctx = torch.randn(2, 77, 16, generator=g)
    with torch.no_grad():
        y = net(x, timesteps=t, context=ctx)
    sd = [(PREFIX + k, v.detach().half()) for k, v in net.state_dict().items()]
    write_safetensors(os.path.join(OUT, "sd_unet_small.safetensors"), sd)
    io = {"config": {k: cfg[k] for k in ("in_channels", "out_channels", "model_channels", "attention_resolutions",
                                         "num_res_blocks", "channel_mult", "num_heads", "transformer_depth",
                                         "context_dim")},
          "x": x.reshape(-1).tolist(), "x_shape": list(x.shape), "t": t.tolist(),
          "context": ctx.reshape(-1).tolist(), "context_shape": list(ctx.shape),
          "output": y.reshape(-1).tolist(), "output_shape": list(y.shape)}
    with open(os.path.join(OUT, "sd_unet_small_io.json"), "w") as f:
        json.dump(io, f)

    # v1-inference.yaml's unet_config (use_checkpoint only affects training).
    full = UNetModel(image_size=32, in_channels=4, out_channels=4, model_channels=320, attention_resolutions=[4, 2, 1],
                     num_res_blocks=2, channel_mult=[1, 2, 4, 4], num_heads=8, use_spatial_transformer=True,
                     transformer_depth=1, context_dim=768, use_checkpoint=False, legacy=False)
    keys = [[k, list(v.shape)] for k, v in full.state_dict().items()]
    manifest = {"prefix": PREFIX, "source": "CompVis/stable-diffusion 21f890f9 configs/stable-diffusion/v1-inference.yaml",
                "keys": keys, "num_parameters": int(sum(p.numel() for p in full.parameters()))}
    with open(os.path.join(OUT, "sd_unet_v1_manifest.json"), "w") as f:
        json.dump(manifest, f, indent=0)
    print("wrote", OUT, "; full-size UNet parameters:", manifest["num_parameters"], "keys:", len(keys))

    # ---- VAE ---------------------------------------------------------------------------------
    dd = dict(double_z=True, z_channels=4, resolution=16, in_channels=3, out_ch=3, ch=32, ch_mult=[1, 2],
              num_res_blocks=1, attn_resolutions=[8], dropout=0.0)
    torch.manual_seed(20261205)
    vae = AutoencoderKL(vae_model, dd, 4).eval()
    randomise(vae)
    g = torch.Generator().manual_seed(11)
    img = torch.rand(2, 3, 16, 16, generator=g) * 2 - 1
    z = torch.randn(2, 4, 8, 8, generator=g)
    with torch.no_grad():
        mom = vae.moments(img)
        dec = vae.decode(z)
    write_safetensors(os.path.join(OUT, "sd_vae_small.safetensors"),
                      [("first_stage_model." + k, v.detach().half()) for k, v in vae.state_dict().items()])
    io = {"config": dd, "embed_dim": 4, "image": img.reshape(-1).tolist(), "image_shape": list(img.shape),
          "moments": mom.reshape(-1).tolist(), "moments_shape": list(mom.shape),
          "z": z.reshape(-1).tolist(), "z_shape": list(z.shape),
          "decoded": dec.reshape(-1).tolist(), "decoded_shape": list(dec.shape)}
    with open(os.path.join(OUT, "sd_vae_small_io.json"), "w") as f:
        json.dump(io, f)
    full_dd = dict(double_z=True, z_channels=4, resolution=256, in_channels=3, out_ch=3, ch=128, ch_mult=[1, 2, 4, 4],
                   num_res_blocks=2, attn_resolutions=[], dropout=0.0)
    full_vae = AutoencoderKL(vae_model, full_dd, 4)
    vkeys = [[k, list(v.shape)] for k, v in full_vae.state_dict().items()]
    vman = {"prefix": "first_stage_model.", "source": "CompVis/stable-diffusion 21f890f9 v1-inference.yaml first_stage_config",
            "keys": vkeys, "num_parameters": int(sum(p.numel() for p in full_vae.parameters()))}
    with open(os.path.join(OUT, "sd_vae_v1_manifest.json"), "w") as f:
        json.dump(vman, f, indent=0)
    print("full-size VAE parameters:", vman["num_parameters"], "keys:", len(vkeys))


if __name__ == "__main__":
    main()
