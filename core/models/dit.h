#pragma once
// A small DiT-style denoiser (Peebles & Xie, "Scalable Diffusion Models with Transformers", 2023):
// the image is cut into p×p patches, each patch is a token of `width` features with a fixed 2-D
// sine-cosine position code, and `depth` equal-shape transformer blocks follow. The noise level
// and the class enter every block through adaptive layer norm (adaLN: a shift, a scale and a gate
// per sub-layer, predicted from the conditioning vector c). A final adaLN layer maps the tokens
// back to patches.
//
// Every block is the composition of two residual sub-layers of the same shape,
//     A(h) = h + g_a ⊙ Attn(LN(h)·(1+s_a) + b_a),      M(h) = h + g_m ⊙ MLP(LN(h)·(1+s_m) + b_m),
// and block(h) = M(A(h)). Equal shapes are what reversible fine-tuning needs (tune/methods.h):
// MEFT splits a block into its attention and MLP halves or uses it whole.
//
// The network takes the noise input as one number per item (EDM's c_noise = ln(σ)/4 when used
// with EDM preconditioning, docs/methods.md) and class labels in 0…classes, where `classes` is the
// null label of classifier-free guidance.
//
// Each block may carry LoRA paths on its attention projections (enableLoRA) and a parallel
// bottleneck adapter beside its MLP (setMlpAdapter); both are off by default and the pretrained
// function is unchanged when they are on, because their up-projections start at zero.
//
// Thread rules: a module is used by one thread at a time (the engine thread).

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace reverie::models {

struct DiTConfig {
    int image = 28;      ///< square input side (a multiple of patch)
    int channels = 1;
    int patch = 4;
    int width = 64;      ///< token features
    int depth = 8;       ///< equal-shape blocks
    int heads = 4;
    int mlpRatio = 4;
    int classes = 10;    ///< labels 0…classes−1; `classes` is the null label

    static std::string fromJson(const nlohmann::json& j, DiTConfig* out);
    nlohmann::json toJson() const;
    int tokens() const { return (image / patch) * (image / patch); }
};

/// A bottleneck adapter (Houlsby et al., 2019): up(dropout(GELU(down(LN?(h))))). The up-projection
/// starts at zero so that an adapter added to a pretrained network leaves its function unchanged.
/// Dropout draws its mask from a generator seeded with setSeed(), so a recomputation replays the
/// same mask (reversible and checkpointed backpropagation recompute activations).
class AdapterImpl : public torch::nn::Module {
public:
    AdapterImpl(int width, int bottleneck, double dropout, bool layerNorm);
    at::Tensor forward(const at::Tensor& h);
    void setSeed(std::uint64_t seed) { m_seed = seed; }
    double dropout() const { return m_dropout; }

    torch::nn::Linear down{nullptr}, up{nullptr};

private:
    double m_dropout = 0;
    bool m_layerNorm = false;
    std::uint64_t m_seed = 0;
};
TORCH_MODULE(Adapter);

/// A rank-r update of a linear map: x ↦ (α/r)·B(A x), B starting at zero (Hu et al., 2021).
class LoRAImpl : public torch::nn::Module {
public:
    LoRAImpl(int in, int out, int rank, double alpha);
    at::Tensor forward(const at::Tensor& x);
    torch::nn::Linear a{nullptr}, b{nullptr};

private:
    double m_scale = 1;
};
TORCH_MODULE(LoRA);

class DiTBlockImpl : public torch::nn::Module {
public:
    DiTBlockImpl(int width, int heads, int mlpRatio);
    /// A(h): the attention sub-layer with its residual. h: [B, N, D], c: [B, D].
    at::Tensor attention(const at::Tensor& h, const at::Tensor& c);
    /// M(h): the MLP sub-layer with its residual (plus the parallel adapter when set).
    at::Tensor mlp(const at::Tensor& h, const at::Tensor& c);
    at::Tensor forward(const at::Tensor& h, const at::Tensor& c) { return mlp(attention(h, c), c); }

    void enableLoRA(int rank, double alpha);
    /// A rank-r update of the adaLN modulation map (c ↦ the six shift/scale/gate vectors).
    void enableModulationLoRA(int rank, double alpha);
    /// Bottleneck adapters in parallel with the sub-layers (He et al., 2022; MEFT's placement):
    /// A(h) + adapter(h) and M(h) + adapter(h).
    void setAttentionAdapter(Adapter adapter);
    void setMlpAdapter(Adapter adapter);
    Adapter attentionAdapter() const { return m_attnAdapter; }
    Adapter mlpAdapter() const { return m_mlpAdapter; }

    torch::nn::Linear modulation{nullptr}, qkv{nullptr}, proj{nullptr}, fc1{nullptr}, fc2{nullptr};
    LoRA loraQkv{nullptr}, loraProj{nullptr}, loraModulation{nullptr};

private:
    at::Tensor modulationOf(const at::Tensor& c);
    int m_width, m_heads;
    Adapter m_attnAdapter{nullptr}, m_mlpAdapter{nullptr};
};
TORCH_MODULE(DiTBlock);

class DiTImpl : public torch::nn::Module {
public:
    explicit DiTImpl(DiTConfig config);
    /// x: [B, C, H, W], noise: [B] (c_noise), labels: [B] int64 → [B, C, H, W].
    at::Tensor forward(const at::Tensor& x, const at::Tensor& noise, const at::Tensor& labels);

    /// The three stages of forward(), for callers that run the blocks themselves (tune/methods.h).
    at::Tensor tokens(const at::Tensor& x);                                   ///< [B, N, D]
    at::Tensor condition(const at::Tensor& noise, const at::Tensor& labels);  ///< c: [B, D]
    at::Tensor output(const at::Tensor& h, const at::Tensor& c);              ///< [B, C, H, W]

    int depth() const { return static_cast<int>(m_blocks.size()); }
    DiTBlock block(int i) const { return m_blocks[static_cast<std::size_t>(i)]; }
    torch::nn::Embedding labelEmbedding() const { return m_label; }
    torch::nn::Linear finalModulation() const { return m_finalModulation; }
    /// A rank-r update of the final layer's modulation map (see DiTBlockImpl::enableModulationLoRA).
    void enableFinalModulationLoRA(int rank, double alpha);
    LoRA finalModulationLoRA() const { return m_finalModulationLoRA; }
    const DiTConfig& config() const { return m_config; }

private:
    DiTConfig m_config;
    torch::nn::Conv2d m_patchEmbed{nullptr};
    torch::nn::Linear m_time1{nullptr}, m_time2{nullptr}, m_finalModulation{nullptr}, m_finalLinear{nullptr};
    torch::nn::Embedding m_label{nullptr};
    LoRA m_finalModulationLoRA{nullptr};
    std::vector<DiTBlock> m_blocks;
    at::Tensor m_position; ///< buffer [1, N, D]
};
TORCH_MODULE(DiT);

/// Fills every parameter with seeded random values of a scale that keeps activations O(1) (tests,
/// and benches whose timing does not depend on the values):
/// the DiT's own initialisation zeroes the adaLN gates and the final layer (adaLN-Zero), which
/// makes a fresh network the zero function, useless for checking gradients.
void randomiseParameters(torch::nn::Module& module, std::uint64_t seed, double scale = 1.0);

} // namespace reverie::models
