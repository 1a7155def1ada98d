#pragma once
// The autoencoder of Stable Diffusion 1.x (latent diffusion's AutoencoderKL: taming's Encoder and
// Decoder with a Gaussian latent; Rombach et al. 2022), in the key layout SD checkpoints store
// under "first_stage_model." (a separate VAE file, e.g. vae-ft-mse-840000, has the bare layout):
//
//   encoder.conv_in, encoder.down.<level>.block.<j>.{norm1, conv1, norm2, conv2, nin_shortcut},
//   encoder.down.<level>.attn.<j>, encoder.down.<level>.downsample.conv, encoder.mid.{block_1,
//   attn_1, block_2}, encoder.norm_out, encoder.conv_out; quant_conv (1×1, 2z → 2e);
//   post_quant_conv (1×1, e → z); decoder.conv_in, decoder.mid.*, decoder.up.<level>.block.<j>
//   (num_res_blocks + 1 per level), decoder.up.<level>.attn.<j>, decoder.up.<level>.upsample.conv,
//   decoder.norm_out, decoder.conv_out.
//
// ResnetBlock: x' = shortcut(x) + conv2(SiLU(GN2(conv1(SiLU(GN1 x))))), GroupNorm 32 groups,
// ε 1e-6; the shortcut is a 1×1 conv when the channels change. AttnBlock: single-head
// self-attention over the H·W positions with 1×1 q, k, v, proj_out convs, plus the input.
// Downsample: pad right and bottom by one, 3×3 conv stride 2. Upsample: nearest ×2, 3×3 conv.
//
// Images are in [−1, 1], [B, 3, H, W] with H, W multiples of 2^(levels − 1) (8 for SD); the
// latent the UNet sees is scaleFactor · z with z the Gaussian's mean (or a sample), scaleFactor
// 0.18215 for SD 1.x (from the model config, not the weights). SD 1.x: ch 128, mult [1, 2, 4, 4],
// 2 res blocks, attention only in the middle blocks, z = e = 4: 83.65 M parameters.

#include "base/job.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace reverie::models::sd {

struct SdVaeConfig {
    std::int64_t inChannels = 3, outChannels = 3;
    std::int64_t ch = 128;
    std::vector<std::int64_t> chMult{1, 2, 4, 4};
    std::int64_t numResBlocks = 2;
    std::vector<std::int64_t> attentionLevels; ///< levels (0 = full resolution) with attention blocks; SD: none
    std::int64_t zChannels = 4;                ///< the decoder's input channels
    std::int64_t embedDim = 4;                 ///< the latent's channels (quant_conv output / 2)
    double scaleFactor = 0.18215;
    nlohmann::json toJson() const;
};

class SdVaeImpl : public torch::nn::Module {
public:
    explicit SdVaeImpl(SdVaeConfig config);
    /// Image [B, in, H, W] in [−1, 1] → the Gaussian's (mean, log-variance), each [B, e, H/f, W/f].
    std::pair<at::Tensor, at::Tensor> encode(const at::Tensor& image);
    /// z [B, e, h, w] (unscaled) → image [B, out, f·h, f·w] (about [−1, 1]; not clamped).
    at::Tensor decode(const at::Tensor& z);
    /// The UNet's latent for an image: scaleFactor · mean.
    at::Tensor latents(const at::Tensor& image);
    /// The image for a UNet latent: decode(latent / scaleFactor).
    at::Tensor image(const at::Tensor& latent);
    const SdVaeConfig& config() const { return m_config; }
    std::int64_t downsampling() const { return std::int64_t(1) << (m_config.chMult.size() - 1); }
    std::int64_t parameterCount() const;

    struct Coder; ///< encoder or decoder

private:
    SdVaeConfig m_config;
    std::shared_ptr<Coder> m_encoder, m_decoder;
    std::shared_ptr<torch::nn::Module> m_quant, m_postQuant;
};
TORCH_MODULE(SdVae);

struct LoadedSdVae {
    SdVae model{nullptr}; ///< eval mode, float32, CPU
    std::string prefix;   ///< "first_stage_model." in a whole checkpoint, "" for a VAE file
    std::string storedDtype;
    std::int64_t parameters = 0;
};

/// The VAE among a checkpoint's tensors (names as in the file). A checkpoint without one says so.
Result<LoadedSdVae> sdVaeFromTensors(const std::vector<std::pair<std::string, at::Tensor>>& tensors);
Result<LoadedSdVae> loadSdVae(const std::string& path);

/// [name, shape] of every parameter of the VAE built from `c`.
std::vector<std::pair<std::string, std::vector<std::int64_t>>> sdVaeShapes(const SdVaeConfig& c);

} // namespace reverie::models::sd
