#pragma once
// A configurable U-Net, written once and reused by every workbench: channels per level, residual
// blocks per level, self-attention at chosen resolutions, Fourier or sinusoidal noise embedding,
// optional class conditioning (with a "null" class for classifier-free guidance), optional extra
// input channels (a condition image such as μ for restoration) and optional cross-attention to a
// context sequence (text). EdmDenoiser wraps it with EDM preconditioning so one network is a
// σ-conditioned denoiser D(x; σ) for every SDE (docs/methods.md, "EDM preconditioning and training").
//
// Thread rules: a module is used by one thread at a time (the engine thread).

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/pimpl.h>

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace reverie::models {

enum class NoiseEmbedding { Fourier, Sinusoidal };

struct UNetConfig {
    int inChannels = 1;           ///< channels of x
    int condChannels = 0;         ///< extra input channels concatenated to x (e.g. μ); 0 = none
    int outChannels = 1;
    int baseChannels = 32;
    std::vector<int> channelMult = {1, 2, 2}; ///< one entry per resolution level
    int resBlocks = 2;            ///< residual blocks per level
    std::vector<int> attnResolutions = {7}; ///< feature-map sizes (pixels) that get self-attention
    int imageSize = 28;           ///< nominal input size (for attnResolutions)
    NoiseEmbedding embedding = NoiseEmbedding::Fourier;
    int embDim = 128;
    int numClasses = 0;           ///< > 0: class-conditional; label numClasses = "no class" (CFG)
    int contextDim = 0;           ///< > 0: cross-attention to a [B, L, contextDim] context
    double dropout = 0.0;
    int groups = 8;               ///< GroupNorm groups

    /// Reads a config; unknown keys are an error (returned as a message, empty when fine).
    static std::string fromJson(const nlohmann::json& j, UNetConfig* out);
    nlohmann::json toJson() const;
};

/// Residual block with the noise/class embedding added between its two convolutions.
class ResBlockImpl : public torch::nn::Module {
public:
    ResBlockImpl(int in, int out, int embDim, double dropout, int groups);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& emb);

private:
    torch::nn::GroupNorm m_norm1{nullptr}, m_norm2{nullptr};
    torch::nn::Conv2d m_conv1{nullptr}, m_conv2{nullptr}, m_skip{nullptr};
    torch::nn::Linear m_emb{nullptr};
    double m_dropout;
};
TORCH_MODULE(ResBlock);

/// Multi-head attention over the pixels of a feature map; with a context, cross-attention
/// (queries from pixels, keys/values from the context tokens). Residual.
class AttentionImpl : public torch::nn::Module {
public:
    AttentionImpl(int channels, int contextDim, int groups, int heads = 4);
    /// context: [B, L, contextDim] or undefined (self-attention); mask: [B, L] bool (true = keep).
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {}, const torch::Tensor& mask = {});

    /// The key and value projections applied to the context (cross-attention only): the
    /// matrices that closed-form concept erasure edits.
    torch::nn::Linear keyProjection() const { return m_k; }
    torch::nn::Linear valueProjection() const { return m_v; }

private:
    int m_heads;
    bool m_cross;
    torch::nn::GroupNorm m_norm{nullptr};
    torch::nn::Linear m_q{nullptr}, m_k{nullptr}, m_v{nullptr}, m_out{nullptr};
};
TORCH_MODULE(Attention);

class UNetImpl : public torch::nn::Module {
public:
    explicit UNetImpl(UNetConfig config);
    /// x: [B, inChannels, H, W]; noise: [B] (the conditioning scalar, e.g. c_noise(σ));
    /// cond: [B, condChannels, H, W] or undefined; labels: [B] int64 or undefined;
    /// context/mask: see Attention. H and W must be divisible by 2^(levels−1).
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& noise, const torch::Tensor& cond = {},
                          const torch::Tensor& labels = {}, const torch::Tensor& context = {},
                          const torch::Tensor& mask = {});
    const UNetConfig& config() const { return m_config; }
    std::int64_t parameterCount() const;

private:
    torch::Tensor embed(const torch::Tensor& noise, const torch::Tensor& labels);

    UNetConfig m_config;
    torch::Tensor m_fourierFreqs; // buffer
    torch::nn::Linear m_emb1{nullptr}, m_emb2{nullptr};
    torch::nn::Embedding m_classEmb{nullptr};
    torch::nn::Conv2d m_in{nullptr}, m_out{nullptr};
    torch::nn::GroupNorm m_outNorm{nullptr};
    // Down path: per level, resBlocks blocks (each optionally followed by attention), then a
    // strided convolution except at the last level. Up path mirrors it with resBlocks+1 blocks.
    std::vector<ResBlock> m_downRes, m_upRes;
    std::vector<Attention> m_downAttn, m_upAttn, m_downCross, m_upCross; // null where absent
    std::vector<torch::nn::Conv2d> m_downsample, m_upsample;
    ResBlock m_mid1{nullptr}, m_mid2{nullptr};
    Attention m_midAttn{nullptr}, m_midCross{nullptr};
};
TORCH_MODULE(UNet);

/// EDM preconditioning (Karras et al. 2022): D(x; σ) = c_skip x + c_out F(c_in x, c_noise),
/// c_skip = σd²/(σ²+σd²), c_out = σ σd/√(σ²+σd²), c_in = 1/√(σ²+σd²), c_noise = ln(σ)/4.
/// For data in [−1, 1], σd = 0.5.
class EdmDenoiserImpl : public torch::nn::Module {
public:
    EdmDenoiserImpl(UNetConfig config, double sigmaData = 0.5);
    /// x: noisy input x_0 + σ z; sigma: [B] or scalar-broadcastable. Returns x̂_0.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& cond = {},
                          const torch::Tensor& labels = {}, const torch::Tensor& context = {},
                          const torch::Tensor& mask = {});
    UNet net() const { return m_net; }
    double sigmaData() const { return m_sigmaData; }

private:
    UNet m_net{nullptr};
    double m_sigmaData;
};
TORCH_MODULE(EdmDenoiser);

} // namespace reverie::models
