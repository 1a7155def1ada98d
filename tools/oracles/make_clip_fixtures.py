#!/usr/bin/env python3
"""Oracle fixtures for Stable Diffusion 1.x's CLIP tokenizer and text encoder (tests/fixtures/sd/).

Runs OpenAI CLIP's own code — clip/simple_tokenizer.py and clip/model.py of
https://github.com/openai/CLIP at commit d05afc4 — from a snapshot outside this repository
(default /work/oracle-src/CLIP; --clip-src to change). Nothing of it is copied here.

Writes:
  clip_tokens.json          token ids of the official tokenizer for a list of tricky prompts
                            (case, white space, contractions, punctuation runs, digits, accents,
                            CJK, emoji, HTML references, special tokens, a prompt over 75 tokens)
  clip_text_small.safetensors  a small text tower (width 16, 2 layers, 2 heads, MLP 64, the full
                            49 408-token vocabulary) with seeded random weights, renamed into the
                            SD 1.x / Hugging Face layout under cond_stage_model.transformer.text_model.
  clip_text_small_fp16.ckpt the same weights as float16 in an ldm-style torch.save checkpoint
                            ({"state_dict": …, "global_step": 0}) with embeddings.position_ids, as
                            older SD 1.x .ckpt files carry it
  clip_text_small_io.json   config, input ids [3, 77] (SD padding with <|endoftext|>) and the
                            official forward's final-layer-norm states [3, 77, 16] (float32)
  clip_text_vitl14_manifest.json  the full-size ViT-L/14 text tower's keys and shapes in the same
                            layout, from the official modules built with ViT-L/14's config

The rename from OpenAI's module names to the Hugging Face names that SD checkpoints store:
  token_embedding → embeddings.token_embedding, positional_embedding → embeddings.position_embedding.weight,
  transformer.resblocks.i.attn.in_proj_{weight,bias} → encoder.layers.i.self_attn.{q,k,v}_proj (split in three),
  attn.out_proj → self_attn.out_proj, ln_1/ln_2 → layer_norm1/2, mlp.c_fc/c_proj → mlp.fc1/fc2,
  ln_final → final_layer_norm. text_projection and the image tower are not used by SD.

Needs Debian's python3-torch, python3-numpy and python3-regex; ftfy is not packaged, so
tools/oracles/shims/ftfy stands in (identity; see its docstring). Run with /usr/bin/python3.
"""
import argparse
import hashlib
import importlib.util
import json
import os
import struct
import sys
import unicodedata

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "tests", "fixtures", "sd")
PREFIX = "cond_stage_model.transformer.text_model."

PROMPTS = [
    "a photo of a cat",
    "A Photo OF a CAT, Highly Detailed",
    "   lots   of\twhite\n\nspace   ",
    "don't stop: it's what we'll do, I'd say; they've gone, you're here, I'm late",
    "DON'T SHOUT'S",
    "hello!!! ??? ... -- ;) (masterpiece:1.2) [blurry] {x|y} a+b=c",
    "3.14159 and 2026, not 1,000,000",
    "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, na\u00efve fa\u00e7ade",
    "\u00dcN\u00cfC\u00d6D\u00c9 \u00c0\u00c9\u00ce \u0130stanbul STRASSE stra\u00dfe",
    "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 \u03c3\u03c4\u03bf \u03c3\u03c0\u03af\u03c4\u03b9",
    "\u6771\u4eac\u306e\u591c\u666f, \u0645\u0631\u062d\u0628\u0627 \u0661\u0662\u0663",
    "emoji \U0001F431\U0001F680 rocket cat \u2764\ufe0f",
    "fish &amp; chips &lt;b&gt; &#39;quoted&#39; &#x263A; &amp;amp;",
    "<|startoftext|>inner<|endoftext|> words",
    "tab\u00a0nbsp\u2003em-space\u3000ideographic",
    "snake_case kebab-case CamelCase e-mail co-operate",
    "x" * 60,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    " ".join(["a highly detailed photograph of a red sports car on a mountain road at sunset"] * 8),
    "",
]


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def write_safetensors(path, tensors):
    """The format as documented: u64 header length, JSON header, tensors back to back."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors:
        a = t.detach().contiguous().numpy()
        dtype = {np.float32: "F32", np.float16: "F16", np.int64: "I64"}[a.dtype.type]
        b = a.tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def hf_state_dict(token_embedding, positional_embedding, transformer, ln_final):
    """OpenAI module names → the Hugging Face names SD 1.x stores (the rename in the docstring)."""
    out = [("embeddings.token_embedding.weight", token_embedding.weight),
           ("embeddings.position_embedding.weight", positional_embedding)]
    for i, blk in enumerate(transformer.resblocks):
        p = "encoder.layers.%d." % i
        w = blk.attn.in_proj_weight
        b = blk.attn.in_proj_bias
        W = w.shape[1]
        for j, n in enumerate("qkv"):
            out.append((p + "self_attn.%s_proj.weight" % n, w[j * W:(j + 1) * W]))
            out.append((p + "self_attn.%s_proj.bias" % n, b[j * W:(j + 1) * W]))
        out += [(p + "self_attn.out_proj.weight", blk.attn.out_proj.weight),
                (p + "self_attn.out_proj.bias", blk.attn.out_proj.bias),
                (p + "layer_norm1.weight", blk.ln_1.weight), (p + "layer_norm1.bias", blk.ln_1.bias),
                (p + "mlp.fc1.weight", blk.mlp.c_fc.weight), (p + "mlp.fc1.bias", blk.mlp.c_fc.bias),
                (p + "mlp.fc2.weight", blk.mlp.c_proj.weight), (p + "mlp.fc2.bias", blk.mlp.c_proj.bias),
                (p + "layer_norm2.weight", blk.ln_2.weight), (p + "layer_norm2.bias", blk.ln_2.bias)]
    out += [("final_layer_norm.weight", ln_final.weight), ("final_layer_norm.bias", ln_final.bias)]
    return out


def causal_mask(n):
    m = torch.empty(n, n)
    m.fill_(float("-inf"))
    m.triu_(1)
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip-src", default="/work/oracle-src/CLIP")
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(HERE, "shims"))
    clipdir = os.path.join(args.clip_src, "clip")
    tokmod = load_module("clip_simple_tokenizer", os.path.join(clipdir, "simple_tokenizer.py"))
    model = load_module("clip_model", os.path.join(clipdir, "model.py"))
    os.makedirs(OUT, exist_ok=True)

    # ---- tokenizer --------------------------------------------------------------------------
    vocab_path = os.path.join(clipdir, "bpe_simple_vocab_16e6.txt.gz")
    shipped = os.path.join(ROOT, "resources", "clip", "bpe_simple_vocab_16e6.txt.gz")
    sha = hashlib.sha256(open(vocab_path, "rb").read()).hexdigest()
    assert sha == hashlib.sha256(open(shipped, "rb").read()).hexdigest(), "the shipped vocabulary differs"
    tok = tokmod.SimpleTokenizer(vocab_path)
    sot, eot = tok.encoder["<|startoftext|>"], tok.encoder["<|endoftext|>"]
    cases = []
    for p in PROMPTS:
        # The shim's fix_text is the identity: only prompts ftfy would leave alone are used.
        assert unicodedata.normalize("NFC", p) == p
        assert not any(0x2018 <= ord(c) <= 0x201F or 0xFB00 <= ord(c) <= 0xFB06 or 0xFF01 <= ord(c) <= 0xFF5E
                       for c in p)
        ids = tok.encode(p)
        cases.append({"prompt": p, "ids": ids, "decoded": tok.decode(ids)})
    with open(os.path.join(OUT, "clip_tokens.json"), "w", encoding="utf-8") as f:
        json.dump({"source": "openai/CLIP d05afc4 clip/simple_tokenizer.py (ftfy shim: identity)",
                   "vocab_sha256": sha, "start": sot, "end": eot, "cases": cases}, f, ensure_ascii=False, indent=1)

    # ---- small text tower ---------------------------------------------------------------------
    torch.manual_seed(20261204)
    W, layers, heads, ctx, vocab = 16, 2, 2, 77, 49408
    token_embedding = torch.nn.Embedding(vocab, W)
    positional_embedding = torch.nn.Parameter(torch.empty(ctx, W))
    transformer = model.Transformer(width=W, layers=layers, heads=heads, attn_mask=causal_mask(ctx))
    ln_final = model.LayerNorm(W)
    with torch.no_grad():
        for p in [token_embedding.weight, positional_embedding] + list(transformer.parameters()) + list(ln_final.parameters()):
            p.copy_(torch.randn_like(p) * 0.3)
        for m in list(transformer.modules()) + [ln_final]:
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.add_(1.0)  # scales near 1, random offsets
    prompts = ["a photo of a cat", "Don't stop: 3 red cars &amp; a truck!", PROMPTS[-2]]
    ids = torch.full((len(prompts), ctx), eot, dtype=torch.long)
    for i, p in enumerate(prompts):
        t = [sot] + tok.encode(p)[:ctx - 2] + [eot]
        ids[i, :len(t)] = torch.tensor(t)
    with torch.no_grad():
        # The official text path (CLIP.encode_text up to ln_final; SD 1.x uses these states).
        x = token_embedding(ids) + positional_embedding
        x = x.permute(1, 0, 2)
        x = transformer(x)
        x = x.permute(1, 0, 2)
        y = ln_final(x).float()
    sd = hf_state_dict(token_embedding, positional_embedding, transformer, ln_final)
    write_safetensors(os.path.join(OUT, "clip_text_small.safetensors"), [(PREFIX + k, v.float()) for k, v in sd])
    half = {PREFIX + k: v.detach().half().clone() for k, v in sd}
    half[PREFIX + "embeddings.position_ids"] = torch.arange(ctx).unsqueeze(0)
    half["model.diffusion_model.time_embed.0.weight"] = torch.zeros(4, 4).half()  # a neighbour, as in SD
    torch.save({"state_dict": half, "global_step": 0}, os.path.join(OUT, "clip_text_small_fp16.ckpt"))
    with torch.no_grad():
        # The same forward on the float16-rounded weights (what the .ckpt holds), in float32.
        tok16 = token_embedding.weight.half().float()
        pos16 = positional_embedding.half().float()
        saved = [(p, p.detach().clone()) for p in list(transformer.parameters()) + list(ln_final.parameters())]
        for p, _ in saved:
            p.copy_(p.half().float())
        x = torch.nn.functional.embedding(ids, tok16) + pos16
        x = transformer(x.permute(1, 0, 2)).permute(1, 0, 2)
        y16 = ln_final(x).float()
        for p, v in saved:
            p.copy_(v)
    io = {"config": {"width": W, "layers": layers, "heads": heads, "context": ctx, "vocab": vocab, "mlp": 4 * W},
          "prefix": PREFIX, "prompts": prompts, "ids": ids.tolist(),
          "output": y.reshape(-1).tolist(), "output_fp16_weights": y16.reshape(-1).tolist(),
          "shape": list(y.shape)}
    with open(os.path.join(OUT, "clip_text_small_io.json"), "w") as f:
        json.dump(io, f)

    # ---- full-size manifest (ViT-L/14 text tower) ----------------------------------------------
    Wl, Ll, Hl = 768, 12, 12
    big = model.Transformer(width=Wl, layers=Ll, heads=Hl, attn_mask=causal_mask(ctx))
    big_sd = hf_state_dict(torch.nn.Embedding(vocab, Wl), torch.nn.Parameter(torch.empty(ctx, Wl)), big,
                           model.LayerNorm(Wl))
    manifest = {"prefix": PREFIX, "config": {"width": Wl, "layers": Ll, "heads": Hl, "context": ctx, "vocab": vocab,
                                             "mlp": 4 * Wl},
                "keys": [[k, list(v.shape)] for k, v in big_sd],
                "num_parameters": int(sum(v.numel() for _, v in big_sd))}
    with open(os.path.join(OUT, "clip_text_vitl14_manifest.json"), "w") as f:
        json.dump(manifest, f, indent=0)
    print("wrote", OUT, "parameters (ViT-L/14 text):", manifest["num_parameters"])


if __name__ == "__main__":
    main()
