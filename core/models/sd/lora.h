#pragma once
// LoRA files for Stable Diffusion 1.x in the kohya / AUTOMATIC1111 layout (.safetensors), matched
// to this project's UNet and text encoder and turned into weight changes ΔW = (α/r)·up·down.
//
//   lora_unet_<diffusers module path with "_" for ".">.lora_down.weight  [r, in] or [r, in, 1, 1]
//   lora_unet_<…>.lora_up.weight                                         [out, r] or [out, r, 1, 1]
//   lora_unet_<…>.alpha                                                  scalar α (default r)
//   lora_te_text_model_<Hugging Face CLIP path, "_" for ".">.…          the text encoder
//
// The UNet's module names are diffusers', not the checkpoint's: down_blocks.i.attentions.j is
// input_blocks.(3i + j + 1).1, mid_block.attentions.0 is middle_block.1, up_blocks.i.attentions.j is
// output_blocks.(3i + j).1; inside a transformer the names agree (transformer_blocks.0.attn1.to_q,
// ff.net.0.proj, proj_in, …). Modules outside the transformers (res-block convolutions of
// LoCon/LyCORIS files) are reported as not applied, never guessed.
//
// Thread rules: plain functions. Failure: errors as values — an SDXL LoRA (lora_te1_/lora_te2_ or
// ldm-style UNet names), a LoRA whose shapes do not fit this model (another base: SD 2.x), a file
// with no LoRA keys are refused with what was found.

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
    std::vector<std::string> notApplied; ///< LoRA modules with no counterpart among the transformers
    int rank = 0;                        ///< the largest rank found
};

/// Reads a kohya/A1111 LoRA .safetensors and matches it to `unet` and `text`.
Result<LoraFile> loadLora(const std::string& path, SdUNetImpl& unet, ClipTextModelImpl& text);

/// The kohya key ("lora_unet_down_blocks_0_attentions_0_…") of a UNet parameter's module, or "" for
/// modules outside the transformer blocks. `name` is the parameter's name without ".weight".
std::string kohyaUNetKey(const std::string& name, int resBlocks);

} // namespace reverie::models::sd
