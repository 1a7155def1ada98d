#pragma once
// The text-conditional Fashion-MNIST model that concept erasure edits: a small transformer text
// encoder over the closed vocabulary of erase/text.h and an EDM U-Net denoiser that reads the
// encoder's token outputs through cross-attention (models/unet.h, contextDim = encoder dim).
//
//   TextEncoder: token embedding (dim 64) + learned positions → 2 pre-norm transformer layers
//   (4 heads, MLP ×2, GELU) → final LayerNorm. Output [B, L, dim] with L = text::kMaxTokens
//   (always padded to the full length, so an item's computation does not depend on what else is
//   in the batch) and mask [B, L] (true = a real token). Padded positions are zeroed.
//   The empty prompt is one learned <null> token (classifier-free guidance; UCE's default guide).
//
//   TextDenoiser: D(x; σ, prompt) = EdmDenoiser(x, σ, context = E(prompt), mask).
//
// What the erasers read: crossAttentionKV() lists every cross-attention key and value projection
// [out, 64] (the matrices UCE/RECE edit and SPM wraps), and tokenEmbeddings() the encoder's final
// per-token outputs of a prompt (the c vectors those matrices read).
//
// Model folder: card.json (kind "text-denoiser", "architecture" = the U-Net config,
// "text_encoder" = the encoder config, "sigma_data") + weights.pt (an archive with "model" and
// "architecture"; a training checkpoint or an exported file, EMA weights applied when present).
//
// Thread rules: a model is used by one thread at a time (the engine thread). sample() sets
// NoGradGuard and eval mode for its own duration. Failure: the free functions return errors as values
// (nothing throws out of them); the module forward() may throw like any LibTorch module.

#include "erase/text.h"
#include "jobs/job.h"
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

namespace reverie::erase {

struct TextEncoderConfig {
    int vocab = 0;       ///< 0 → text::vocabularySize() (recorded, so a changed lexicon is refused)
    int dim = 64;        ///< token width = the U-Net's contextDim
    int layers = 2;
    int heads = 4;
    int mlpMult = 2;
    int maxTokens = text::kMaxTokens;

    int vocabSize() const { return vocab > 0 ? vocab : text::vocabularySize(); }
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
    /// The encoder's final outputs of a prompt's real tokens, [n, dim] (n words; "" → the
    /// <null> token, [1, dim]). Computed without gradients.
    Result<at::Tensor> tokenEmbeddings(const std::string& prompt);

    /// Every cross-attention key and value projection, in module order (K then V per block).
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
Result<TextDenoiser> loadTextModel(const std::string& dir);

/// Writes a model folder: weights.pt (the model's current weights) and card.json (kind,
/// architecture, text_encoder, sigma_data, parameters, plus `cardExtras`' keys). Atomic per file.
Result<bool> saveTextModel(TextDenoiser& model, const std::string& dir, const nlohmann::json& cardExtras);

struct TextSampleOptions {
    double guidance = 3.0;   ///< CFG weight w: D = D_∅ + w (D_c − D_∅); 1 = conditional only, 0 = unconditional
    int steps = 20;          ///< DPM-Solver++(2M) steps on the VP SDE (NFE = steps)
    std::string sde = "vp";  ///< "ve", "vp" or "subvp" (the σ-denoiser is served to each by rescaling)
    /// Safe Latent Diffusion (Schramowski et al. 2023), inference-time guidance away from a
    /// safety concept, one extra network pass per step. Off while safetyPrompt is empty. In ε
    /// form (ε = (x − D)/σ): ε̄ = ε_∅ + w (ε_c − ε_∅ − μ ⊙ (ε_S − ε_∅)), μ = min(s_S |ε_c − ε_S|, 1)
    /// where ε_c − ε_S < λ and 0 elsewhere, applied from step `sldWarmup` on (no momentum).
    std::string safetyPrompt;
    double sldScale = 1000;     ///< s_S
    double sldThreshold = 0.01; ///< λ
    int sldWarmup = 0;          ///< steps without the safety term
};

struct TextSamples {
    std::vector<ImageU8> images; ///< 28×28 grey, one per item
    at::Tensor x;                ///< [B, 1, 28, 28] float in [−1, 1] (e.g. for a classifier)
    std::int64_t nfe = 0;
};

/// Samples one image per prompt; item i starts from noise of seeds[i] alone (the same seed gives
/// the same image whatever else is in the batch). prompts.size() == seeds.size() ≥ 1.
Result<TextSamples> sample(TextDenoiser& model, const std::vector<std::string>& prompts,
                           const std::vector<std::uint64_t>& seeds, const TextSampleOptions& options = {},
                           const JobContext& ctx = {});

/// The same from a caller's context [B, L, dim] (and mask [B, L] bool, undefined = all real),
/// e.g. an adversarial embedding; the unconditional half still uses the model's <null> prompt.
Result<TextSamples> sampleContext(TextDenoiser& model, const at::Tensor& context, const at::Tensor& mask,
                                  const std::vector<std::uint64_t>& seeds, const TextSampleOptions& options = {},
                                  const JobContext& ctx = {});

} // namespace reverie::erase
