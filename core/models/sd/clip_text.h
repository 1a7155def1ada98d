#pragma once
// The CLIP text encoder of Stable Diffusion 1.x (OpenAI CLIP ViT-L/14's text tower), in the
// Hugging Face key layout that SD 1.x checkpoints store under
// "cond_stage_model.transformer.text_model.":
//
//   embeddings.token_embedding.weight [vocab, W]     embeddings.position_embedding.weight [77, W]
//   encoder.layers.<i>.self_attn.{q,k,v,out}_proj.{weight,bias}   encoder.layers.<i>.layer_norm1/2
//   encoder.layers.<i>.mlp.fc1/fc2.{weight,bias}                   final_layer_norm.{weight,bias}
//   (embeddings.position_ids, a buffer of 0…76, is accepted when present and ignored)
//
// Forward (Radford et al. 2021; the published model): x = token_embedding[ids] +
// position_embedding[0:L]; each of the N pre-norm layers does x += out_proj(attn(LN1(x))) with
// causal self-attention (a token sees itself and the tokens before it), then
// x += fc2(QuickGELU(fc1(LN2(x)))), QuickGELU(u) = u·σ(1.702u); the result is final_layer_norm(x),
// [B, L, W] — what SD 1.x cross-attends to (the last layer's states after the final norm; no
// pooling, no projection). Layer norms use ε = 1e-5.
//
// ViT-L/14: W = 768, 12 layers, 12 heads, MLP 3072, 123 M parameters. The head count is not
// stored in a checkpoint: it is W / 64 (both published CLIP text towers use 64-wide heads) unless
// ClipTextOptions::heads says otherwise (the oracle fixtures use narrower heads).
//
//   auto enc = loadClipTextEncoder("v1-5-pruned-emaonly.safetensors");
//   auto tok = ClipTokenizer::load();
//   at::Tensor ctx = enc.value().model->forward(tok.value().tokenize({"a cat"}).ids); // [1, 77, 768]

#include "base/job.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace reverie::models::sd {

struct ClipTextConfig {
    std::int64_t vocab = 49408;
    std::int64_t context = 77;
    std::int64_t width = 768;
    std::int64_t layers = 12;
    std::int64_t heads = 12;
    std::int64_t mlp = 3072;
    nlohmann::json toJson() const;
};

class ClipAttentionImpl : public torch::nn::Module {
public:
    ClipAttentionImpl(std::int64_t width, std::int64_t heads);
    /// x [B, L, W]; causal.
    at::Tensor forward(const at::Tensor& x);

private:
    std::int64_t m_heads;
    torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
};
TORCH_MODULE(ClipAttention);

class ClipMlpImpl : public torch::nn::Module {
public:
    ClipMlpImpl(std::int64_t width, std::int64_t hidden);
    at::Tensor forward(const at::Tensor& x);

private:
    torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(ClipMlp);

class ClipLayerImpl : public torch::nn::Module {
public:
    explicit ClipLayerImpl(const ClipTextConfig& c);
    at::Tensor forward(const at::Tensor& x);

private:
    ClipAttention self_attn{nullptr};
    torch::nn::LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
    ClipMlp mlp{nullptr};
};
TORCH_MODULE(ClipLayer);

class ClipTextModelImpl : public torch::nn::Module {
public:
    explicit ClipTextModelImpl(ClipTextConfig config);
    /// ids [B, L] int64 with L ≤ context → [B, L, W] (final_layer_norm of the last layer).
    at::Tensor forward(const at::Tensor& ids);
    const ClipTextConfig& config() const { return m_config; }
    std::int64_t parameterCount() const;

private:
    ClipTextConfig m_config;
    torch::nn::Embedding m_token{nullptr}, m_position{nullptr};
    torch::nn::ModuleList m_layers{nullptr};
    torch::nn::LayerNorm m_final{nullptr};
};
TORCH_MODULE(ClipTextModel);

struct ClipTextOptions {
    std::optional<std::int64_t> heads; ///< default: width / 64
};

struct ClipTextEncoder {
    ClipTextModel model{nullptr}; ///< eval mode, float32, CPU
    std::string file;
    std::string container;        ///< "safetensors", "torch.save zip (state_dict)", …
    std::string prefix;           ///< the key prefix found (e.g. "cond_stage_model.transformer.text_model.")
    std::int64_t parameters = 0;
    std::string storedDtype;      ///< the dtype the weights were stored in ("float16", "float32", …)
};

/// Finds the CLIP text encoder among a checkpoint's tensors (a whole SD 1.x checkpoint, a
/// Hugging Face text_encoder file, or the bare layout above), infers the config from the shapes,
/// checks every key and shape and loads it. Refused with a message that says what the file is
/// instead: SD 2.x (OpenCLIP ViT-H, "cond_stage_model.model."), SDXL ("conditioner.embedders."),
/// a file without a text encoder, a missing or mis-shaped tensor.
Result<ClipTextEncoder> loadClipTextEncoder(const std::string& path, const ClipTextOptions& options = {});

/// The same from tensors already read (names as in the file).
Result<ClipTextEncoder> clipTextEncoderFromTensors(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                                                   const ClipTextOptions& options = {});

/// [name, shape] of every parameter of the model built from `c`, in state-dict order (the
/// full-size manifest test compares these with the published layout).
std::vector<std::pair<std::string, std::vector<std::int64_t>>> clipTextShapes(const ClipTextConfig& c);

} // namespace reverie::models::sd
