#pragma once
// The denoising UNet of Stable Diffusion 1.x (latent diffusion's `openaimodel.UNetModel` with
// SpatialTransformer cross-attention; Rombach et al. 2022), in the official key layout that SD
// checkpoints store under "model.diffusion_model.":
//
//   time_embed.{0,2}                       sinusoidal embedding (cos half first) → Linear, SiLU, Linear
//   input_blocks.0.0                       3×3 conv in_channels → C
//   input_blocks.i.0                       ResBlock (in_layers.{0 GN,2 conv}, emb_layers.1, out_layers.{0 GN,3 conv},
//                                          skip_connection = 1×1 conv when the channels change)
//   input_blocks.i.1                       SpatialTransformer at the attention resolutions
//   input_blocks.i.0.op                    3×3 stride-2 conv between levels
//   middle_block.{0,1,2}                   ResBlock, SpatialTransformer, ResBlock
//   output_blocks.i.{0,1,2}                ResBlock on [h, skip], SpatialTransformer, Upsample (nearest ×2, conv)
//   out.{0,2}                              GN, SiLU, 3×3 conv C → out_channels
//
// SpatialTransformer: GN(32, ε 1e-6) → proj_in (1×1) → [B, HW, C] → `depth` BasicTransformerBlocks
// (x += attn1(LN1 x) self-attention; x += attn2(LN2 x, context) cross-attention; x += ff(LN3 x),
// ff = GEGLU: proj → (a, g), a·GELU(g) → net.2) → proj_out (1×1) + input. Attention heads:
// `heads` of width C/heads (SD 1.x: 8 heads), or `headChannels` wide (SD 2.x style: 64).
// q/k/v have no bias. ResBlock: h = conv(SiLU(GN h)) + Linear(SiLU(emb)), out = skip(x) +
// conv(SiLU(GN h)) (GroupNorm 32 groups, ε 1e-5, computed in float32 as upstream's GroupNorm32).
//
// SD 1.x: in/out 4, C 320, mult [1, 2, 4, 4], 2 res blocks, attention at 4, 2, 1, depth 1,
// context 768, 8 heads: 859.52 M parameters. forward(x, t, context) predicts the noise ε of the
// discrete DDPM (1000 steps, scaled-linear β from 0.00085 to 0.012; see docs/methods.md).
//
// The config is read from the tensor shapes (levels, channel multipliers, res blocks, attention
// levels, depth, context width); the head count is not stored and comes from SdUNetOptions.

#include "base/job.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace reverie::models::sd {

struct SdUNetConfig {
    std::int64_t inChannels = 4, outChannels = 4;
    std::int64_t modelChannels = 320;
    std::vector<std::int64_t> channelMult{1, 2, 4, 4};
    std::int64_t numResBlocks = 2;
    std::vector<std::int64_t> attentionResolutions{4, 2, 1}; ///< downsampling factors with a SpatialTransformer
    std::int64_t transformerDepth = 1;
    std::int64_t contextDim = 768;
    std::int64_t numHeads = 8;        ///< used when headChannels is 0
    std::int64_t headChannels = 0;    ///< > 0: heads = channels / headChannels
    nlohmann::json toJson() const;
};

class SdUNetImpl : public torch::nn::Module {
public:
    explicit SdUNetImpl(SdUNetConfig config);
    /// x [B, in, H, W] (H, W multiples of 2^(levels − 1)), t [B] DDPM timesteps (may be fractional),
    /// context [B, L, contextDim] → [B, out, H, W].
    at::Tensor forward(const at::Tensor& x, const at::Tensor& t, const at::Tensor& context);
    const SdUNetConfig& config() const { return m_config; }
    std::int64_t parameterCount() const;

    struct Block; ///< one entry of input_blocks / middle_block / output_blocks

private:
    SdUNetConfig m_config;
    std::vector<std::shared_ptr<Block>> m_input, m_output;
    std::shared_ptr<Block> m_middle;
    std::shared_ptr<torch::nn::Module> m_timeEmbed, m_out;
};
TORCH_MODULE(SdUNet);

struct SdUNetOptions {
    std::optional<std::int64_t> numHeads;     ///< default 8 (SD 1.x)
    std::optional<std::int64_t> headChannels; ///< SD 2.x style fixed head width instead
};

struct LoadedSdUNet {
    SdUNet model{nullptr}; ///< eval mode, float32, CPU
    std::string prefix;    ///< "model.diffusion_model." in a whole checkpoint
    std::string storedDtype;
    std::int64_t parameters = 0;
};

/// The UNet among a checkpoint's tensors (names as in the file): config from the shapes, every key
/// and shape checked. Refuses SDXL (label_emb / conditioner keys), a file without a UNet, missing
/// or mis-shaped tensors, with what was found.
Result<LoadedSdUNet> sdUNetFromTensors(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                                      const SdUNetOptions& options = {});
/// The same from a file (.safetensors, or a torch.save .ckpt with or without "state_dict").
Result<LoadedSdUNet> loadSdUNet(const std::string& path, const SdUNetOptions& options = {});

/// The cross-attention key and value projections (every `attn2.to_k.weight` and `attn2.to_v.weight`,
/// [inner, contextDim]; 32 in SD 1.x) with their names inside the UNet, in state-dict order. The
/// tensors are the module's own parameters (writing them edits the model).
std::vector<std::pair<std::string, at::Tensor>> crossAttentionKv(SdUNetImpl& unet);
/// Σ|w| and Σw² over those weights (float64): tells whether a concept edit was made for this model.
std::pair<double, double> kvFingerprint(const std::vector<std::pair<std::string, at::Tensor>>& kv);

/// [name, shape] of every parameter of the UNet built from `c` (for the full-size manifest).
std::vector<std::pair<std::string, std::vector<std::int64_t>>> sdUNetShapes(const SdUNetConfig& c);

} // namespace reverie::models::sd
