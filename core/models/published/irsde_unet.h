#pragma once
// IR-SDE's ConditionalUNet (Algolzw/image-restoration-sde, codes/config/{deraining,deblurring,
// deshadow,inpainting,sisr}/models/modules/DenoisingUNet_arch.py — five identical copies) and its
// DA-CLIP extension (daclip_unet.h), one class with options, with the official parameter names:
//
//   init_conv.weight                   7×7, 2·in_nc → nf, no bias
//   time_mlp.1 / time_mlp.3            Linear nf → 4nf, 4nf → 4nf (0 = sinusoidal, 2 = GELU)
//   [prompt, text_mlp.0/.2, prompt_mlp]                       DA-CLIP degradation prompt only
//   downs.<i>.{0,1}                    ResBlock(dim_in → dim_in): mlp.1, block1.proj, block2.proj
//   downs.<i>.2.fn.{fn.…, norm.g}      Residual(PreNorm(LinearAttention | SpatialTransformer))
//   downs.<i>.3                        4×4 stride-2 conv (bias), or 3×3 no-bias conv at the last level
//   ups.<j>  (level depth−1−j)         ResBlocks (dim_out + dim_in → dim_out, res_conv), attention,
//                                      3.1 = nearest ×2 + 3×3 conv (bias), or 3×3 no-bias at level 0
//   mid_block1, mid_attn, mid_block2, final_res_block, final_conv
//
// Level widths: dim_in = nf·m[i], dim_out = nf·m[i+1] with m = [1] + ch_mult. IR-SDE's
// ConditionalUNet(in_nc, out_nc, nf, depth) is the case ch_mult = [2, 4, …, 2^depth] without
// contexts (mid width nf·2^depth).
//
// forward(x_t, μ, t): the net sees cat[x_t − μ, μ], reflect-pads right/bottom to multiples of
// 2^depth, runs, and crops back to the input size, exactly as upstream. t is the step number
// (IR-SDE passes an int 1..T, DA-CLIP a float; both give the same float32 embedding), a tensor
// [B] or [1]. The output is the predicted noise ε (IR-SDE: score = −ε / σ̄_t).
//
// Published IR-SDE .pth files carry no config: inferConditionalUNetConfig() reads it from the
// key shapes (published/load.h does this). Upstream's DataParallel "module." prefix is stripped
// by the loader.
//
// Thread rules: a module is used by one thread at a time.

#include "models/published/daclip_unet.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace reverie::models::published {

enum class UNetFamily {
    Irsde,  ///< IR-SDE ConditionalUNet(in_nc, out_nc, nf, depth)
    Daclip, ///< DA-CLIP ConditionalUNet(in_nc, out_nc, nf, ch_mult, context_dim, …)
};

struct ConditionalUNetConfig {
    UNetFamily family = UNetFamily::Irsde;
    int inNc = 3;
    int outNc = 3;
    int nf = 64;
    std::vector<int> chMult = {2, 4, 8, 16}; ///< per level, without upstream's prepended 1
    int contextDim = 0;                      ///< DA-CLIP context width; 0 = no contexts
    bool useDegraContext = false;            ///< DA-CLIP prompt branch (needs contextDim > 0)
    bool useImageContext = false;            ///< DA-CLIP SpatialTransformers (needs contextDim > 0)

    /// IR-SDE ConditionalUNet(in_nc, out_nc, nf, depth).
    static ConditionalUNetConfig irsde(int inNc, int outNc, int nf, int depth);
    /// DA-CLIP ConditionalUNet(in_nc, out_nc, nf, ch_mult, context_dim, use_degra_context,
    /// use_image_context).
    static ConditionalUNetConfig daclip(int inNc, int outNc, int nf, std::vector<int> chMult, int contextDim,
                                        bool useDegraContext, bool useImageContext);
    /// The published configs: IR-SDE deraining/deblurring (3, 3, 64, depth 4) and DA-CLIP test.yml.
    static ConditionalUNetConfig irsdeDefault() { return irsde(3, 3, 64, 4); }
    static ConditionalUNetConfig daclipDefault() { return daclip(3, 3, 64, {1, 2, 4, 8}, 512, true, true); }

    int depth() const { return static_cast<int>(chMult.size()); }
    bool hasPrompt() const { return contextDim > 0 && useDegraContext; }
    bool hasSpatialTransformers() const { return contextDim > 0 && useImageContext; }
    /// "" when the configuration can be built, otherwise why not.
    std::string validate() const;
    /// Upstream names: {in_nc, out_nc, nf, depth} for IR-SDE; {in_nc, out_nc, nf, ch_mult,
    /// context_dim, use_degra_context, use_image_context} for DA-CLIP.
    nlohmann::json toJson() const;
    /// Reads either form (a "depth" without "ch_mult" means IR-SDE). "" when fine.
    static std::string fromJson(const nlohmann::json& j, ConditionalUNetConfig* out);
};

/// Infers the config from a state dict's names and shapes (prefixes already stripped).
/// Returns "" and fills *out, or a message naming what is missing or inconsistent.
std::string inferConditionalUNetConfig(const std::vector<std::pair<std::string, std::vector<std::int64_t>>>& shapes,
                                       ConditionalUNetConfig* out);

// ---- blocks -----------------------------------------------------------------------------------

/// Channel LayerNorm of the IR-SDE code: (x − mean_c)·rsqrt(var_c + eps)·g, eps 1e-5 (float32).
class ChannelLayerNormImpl : public torch::nn::Module {
public:
    explicit ChannelLayerNormImpl(int dim);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor g;
};
TORCH_MODULE(ChannelLayerNorm);

/// LinearAttention(dim, heads 4, dim_head 32): to_qkv (no bias), to_out.0 (bias), to_out.1 (LN).
class LinearAttentionImpl : public torch::nn::Module {
public:
    explicit LinearAttentionImpl(int dim);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Conv2d to_qkv{nullptr}, outConv{nullptr};
    ChannelLayerNorm outNorm{nullptr};
};
TORCH_MODULE(LinearAttention);

/// Residual(PreNorm(dim, attention)): x + attention(LN(x)). Holds `fn` = PreNorm{fn, norm}.
class AttentionBlockImpl : public torch::nn::Module {
public:
    /// Linear attention, or (transformerHeads > 0) a SpatialTransformer.
    AttentionBlockImpl(int dim, int transformerHeads, int contextDim);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);
    bool isTransformer() const { return static_cast<bool>(transformer); }

    LinearAttention linear{nullptr};
    SpatialTransformer transformer{nullptr};
    ChannelLayerNorm norm{nullptr};
};
TORCH_MODULE(AttentionBlock);

/// ResBlock(dim_in → dim_out): SiLU → Linear scale/shift, conv3×3 (no bias) · (scale+1) + shift,
/// SiLU, conv3×3, SiLU, + res_conv(x) (1×1 no bias when dims differ). No normalisation.
class ResBlockImpl : public torch::nn::Module {
public:
    ResBlockImpl(int dimIn, int dimOut, int timeDim);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t);
    torch::nn::Linear mlp{nullptr};
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, res_conv{nullptr};
};
TORCH_MODULE(ResBlock);

// ---- the network ------------------------------------------------------------------------------

class ConditionalUNetImpl : public torch::nn::Module {
public:
    /// Throws std::invalid_argument when config.validate() fails.
    explicit ConditionalUNetImpl(ConditionalUNetConfig config);

    /// xt, cond: [B, in_nc, H, W] float32 (any H, W ≥ 2); time: [B] or [1] (int or float step).
    /// DA-CLIP only: textContext = degradation context [B, context_dim] (optional: skipped when
    /// undefined), imageContext = content context [B, context_dim] (required when the config has
    /// SpatialTransformers). Returns [B, out_nc, H, W].
    torch::Tensor forward(const torch::Tensor& xt, const torch::Tensor& cond, const torch::Tensor& time,
                          const torch::Tensor& textContext = {}, const torch::Tensor& imageContext = {});

    const ConditionalUNetConfig& config() const { return m_config; }
    std::int64_t parameterCount() const;

private:
    struct Level {
        ResBlock b1{nullptr}, b2{nullptr};
        AttentionBlock attn{nullptr};
        torch::nn::Conv2d resample{nullptr}; ///< down: strided conv / 3×3; up: conv after ×2 or 3×3
        bool upsampleFirst = false;
    };
    torch::Tensor sinusoidal(const torch::Tensor& time) const;

    ConditionalUNetConfig m_config;
    torch::nn::Conv2d m_initConv{nullptr}, m_finalConv{nullptr};
    torch::nn::Linear m_time1{nullptr}, m_time2{nullptr};
    torch::Tensor m_prompt;
    torch::nn::Linear m_text1{nullptr}, m_text2{nullptr}, m_promptMlp{nullptr};
    std::vector<Level> m_downs, m_ups;
    ResBlock m_mid1{nullptr}, m_mid2{nullptr}, m_final{nullptr};
    AttentionBlock m_midAttn{nullptr};
};
TORCH_MODULE(ConditionalUNet);

} // namespace reverie::models::published
