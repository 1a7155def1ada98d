#pragma once
// LoRA files for Stable Diffusion 1.x (.safetensors), matched to this project's UNet and text
// encoder and turned into weight changes ΔW = (α/r)·up·down. The layouts people have:
//
//   kohya / A1111:   lora_unet_<module, "_" for ".">.lora_down.weight / .lora_up.weight / .alpha
//                    lora_te_text_model_<Hugging Face CLIP path, "_" for ".">.…
//   PEFT/diffusers:  unet.<diffusers module>.lora_A.weight / .lora_B.weight (or .lora.down/.lora.up)
//                    text_encoder.text_model.<path>.…
//
// kohya files name UNet modules either the diffusers way (lora_unet_down_blocks_0_attentions_0_…)
// or the checkpoint's (lora_unet_input_blocks_1_1_…); both are read. Diffusers' names map to the
// checkpoint's (diffusersUNetPath): down_blocks.i.resnets.j / attentions.j is input_blocks.(3i+j+1)
// .0 / .1, downsamplers.0.conv is input_blocks.(3i+3).0.op, mid_block.resnets.0/1 and attentions.0
// are middle_block.0/2 and .1, up_blocks.i.resnets.j / attentions.j is output_blocks.(3i+j).0 / .1,
// upsamplers.0.conv the block's last .conv; a residual block's conv1, time_emb_proj, conv2,
// conv_shortcut are in_layers.2, emb_layers.1, out_layers.3, skip_connection; conv_in, conv_out and
// time_embedding.linear_1/2 are input_blocks.0.0, out.2 and time_embed.0/2. Convolutions take
// LoCon factors (down [r, in, kh, kw], up [out, r, 1, 1]). Other LyCORIS factors (LoHa, LoKr, a
// spatial up-projection) are reported as not applied, never guessed.
//
// Thread rules: plain functions. Failure: errors as values — an SDXL LoRA (lora_te1_/lora_te2_), a
// LoRA whose shapes do not fit this model (another base: SD 2.x, SDXL's UNet), a file with no LoRA
// keys are refused with what was found.

#include "base/job.h"

#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

namespace reverie::models::sd {

class SdUNetImpl;
class ClipTextModelImpl;

struct LoraChange {
    std::string parameter; ///< the parameter's name inside its network ("…attn2.to_k.weight")
    bool text = false;     ///< the text encoder's (else the UNet's)
    at::Tensor target;     ///< that parameter itself (writing it changes the network)
    at::Tensor delta;      ///< (α/r)·up·down, shaped like the parameter, float32
};

struct LoraFile {
    std::vector<LoraChange> changes;
    std::vector<std::string> notApplied; ///< LoRA modules with no counterpart here, or of a kind not read
    int rank = 0;                        ///< the largest rank found
};

/// Reads a kohya/A1111 LoRA .safetensors and matches it to `unet` and `text`.
Result<LoraFile> loadLora(const std::string& path, SdUNetImpl& unet, ClipTextModelImpl& text);

/// The diffusers name of a UNet module given by its checkpoint name without ".weight"
/// ("input_blocks.1.0.in_layers.2" → "down_blocks.0.resnets.0.conv1"), or "" for modules no LoRA
/// targets (norms) and names that are not the UNet's.
std::string diffusersUNetPath(const std::string& name, int resBlocks);
/// The kohya key of that module ("lora_unet_down_blocks_0_resnets_0_conv1"), or "".
std::string kohyaUNetKey(const std::string& name, int resBlocks);

} // namespace reverie::models::sd
