#pragma once
// The text-conditional Fashion-MNIST model that concept erasure edits: a small transformer text
// encoder over the closed vocabulary of data/text.h and an EDM U-Net denoiser that reads the
// encoder's token outputs through cross-attention (models/unet.h, contextDim = encoder dim):
// D(x; σ, prompt) = EdmDenoiser(x, σ, context = E(prompt), mask).
//
// Thread rules: a model is used by one thread at a time (the engine thread). Failure: the free
// functions return errors as values (nothing throws out of them); the module forward() may throw
// like any LibTorch module.

#include "data/text.h"
#include "base/job.h"
#include "models/unet.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::models {

struct TextEncoderConfig {
    int vocab = 0;       ///< 0 → data::text::vocabularySize() (recorded, so a changed lexicon is refused)
    int dim = 64;        ///< token width = the U-Net's contextDim
    int layers = 2;
    int heads = 4;
    int mlpMult = 2;
    int maxTokens = data::text::kMaxTokens;

    int vocabSize() const { return vocab > 0 ? vocab : data::text::vocabularySize(); }
    /// Unknown keys and bad values give a message (empty = fine).
    static std::string fromJson(const nlohmann::json& j, TextEncoderConfig* out);
    nlohmann::json toJson() const;
};

/// One pre-norm transformer layer: x + MHA(LN(x)), then x + MLP(LN(x)).
class TextLayerImpl : public torch::nn::Module {
public:
    TextLayerImpl(int dim, int heads, int mlpMult);
    /// x [B, L, dim]; keep [B, L] bool (keys that may be attended to).
    at::Tensor forward(const at::Tensor& x, const at::Tensor& keep);

private:
    int m_heads;
    torch::nn::LayerNorm m_norm1{nullptr}, m_norm2{nullptr};
    torch::nn::Linear m_qkv{nullptr}, m_proj{nullptr}, m_fc1{nullptr}, m_fc2{nullptr};
};
TORCH_MODULE(TextLayer);

/// Encoded prompts: the cross-attention context and its mask.
struct TextContext {
    at::Tensor context; ///< [B, L, dim] float
    at::Tensor mask;    ///< [B, L] bool
};

/// Token embedding (dim 64) + learned positions → 2 pre-norm transformer layers (4 heads, MLP ×2,
/// GELU) → final LayerNorm. Output [B, L, dim] with L = data::text::kMaxTokens (always padded to
/// the full length, so an item's computation does not depend on what else is in the batch) and
/// mask [B, L] (true = a real token). Padded positions are zeroed. The empty prompt is one learned
/// <null> token (classifier-free guidance; UCE's default guide).
class TextEncoderImpl : public torch::nn::Module {
public:
    explicit TextEncoderImpl(TextEncoderConfig config = {});
    /// ids: [B, L] int64 (L ≤ maxTokens; kPadId after the last word). Returns context and mask.
    TextContext forward(const at::Tensor& ids);
    const TextEncoderConfig& config() const { return m_config; }

private:
    TextEncoderConfig m_config;
    torch::nn::Embedding m_tokens{nullptr};
    at::Tensor m_positions; // [maxTokens, dim]
    std::vector<TextLayer> m_layers;
    torch::nn::LayerNorm m_final{nullptr};
};
TORCH_MODULE(TextEncoder);

/// Token ids of prompts, padded with kPadId to [B, kMaxTokens] int64; errors name the prompt.
Result<at::Tensor> tokenIds(const std::vector<std::string>& prompts);

/// One cross-attention projection as the erasers see it.
struct NamedLinear {
    std::string name;          ///< e.g. "denoiser.net.mid_cross.k"
    torch::nn::Linear linear;  ///< shares the model's parameters (editing weight edits the model)
};

class TextDenoiserImpl : public torch::nn::Module {
public:
    /// net.contextDim must equal encoder.dim (otherwise std::invalid_argument).
    TextDenoiserImpl(models::UNetConfig net, TextEncoderConfig encoder = {}, double sigmaData = 0.5);

    /// x: [B, 1, H, W] noisy input; sigma: [B]; context/mask from encode() or a caller's own.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& sigma, const at::Tensor& context,
                       const at::Tensor& mask);
    /// The same from token ids (training).
    at::Tensor forwardIds(const at::Tensor& x, const at::Tensor& sigma, const at::Tensor& ids);

    /// Encodes prompts (unknown words, too long: InvalidInput). Gradients follow the grad mode.
    Result<TextContext> encode(const std::vector<std::string>& prompts);
    /// The encoder's final outputs of a prompt's real tokens (the c vectors the K/V projections
    /// read), [n, dim] (n words; "" → the <null> token, [1, dim]). Computed without gradients.
    Result<at::Tensor> tokenEmbeddings(const std::string& prompt);

    /// Every cross-attention key and value projection, in module order (K then V per block):
    /// [out, 64], the matrices UCE/RECE edit and SPM wraps.
    std::vector<NamedLinear> crossAttentionKV() const;

    TextEncoder encoder() const { return m_encoder; }
    models::EdmDenoiser denoiser() const { return m_denoiser; }
    const models::UNetConfig& netConfig() const { return m_net; }
    const TextEncoderConfig& encoderConfig() const { return m_encoder->config(); }
    double sigmaData() const { return m_denoiser->sigmaData(); }
    std::int64_t parameterCount() const;

private:
    models::UNetConfig m_net;
    TextEncoder m_encoder{nullptr};
    models::EdmDenoiser m_denoiser{nullptr};
};
TORCH_MODULE(TextDenoiser);

/// The architecture string recorded in checkpoints and weight files of this model.
std::string textArchitecture(const models::UNetConfig& net, const TextEncoderConfig& encoder);

/// EDM loss: mean over the batch of λ(σ)‖D(x0 + σz; σ, ids) − x0‖², λ = (σ² + σd²)/(σ σd)².
at::Tensor textEdmLoss(TextDenoiser& model, const at::Tensor& x0, const at::Tensor& sigma, const at::Tensor& z,
                       const at::Tensor& ids);

/// Loads a weights file or training checkpoint (EMA weights when present) into a new model in
/// eval mode. Errors: missing file, another architecture (both named), corrupt archive.
Result<TextDenoiser> loadTextDenoiserWeights(const std::string& path, const models::UNetConfig& net,
                                             const TextEncoderConfig& encoder, double sigmaData = 0.5);

/// Loads a model folder (card kind "text-denoiser"). Errors name the folder and the problem.
/// card.json: kind, "architecture" (the U-Net config), "text_encoder" (the encoder config),
/// "sigma_data"; weights.pt: an archive with "model" and "architecture" (a training checkpoint or
/// an exported file, EMA weights applied when present).
Result<TextDenoiser> loadTextModel(const std::string& dir);

/// Writes a model folder: weights.pt (the model's current weights) and card.json (kind,
/// architecture, text_encoder, sigma_data, parameters, plus `cardExtras`' keys). Atomic per file.
Result<bool> saveTextModel(TextDenoiser& model, const std::string& dir, const nlohmann::json& cardExtras);

} // namespace reverie::models
