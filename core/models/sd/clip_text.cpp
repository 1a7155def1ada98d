#include "models/sd/clip_text.h"

#include "models/sd/files.h"
#include "models/published/load.h"

#include <ATen/ATen.h>
#include <torch/nn/functional/activation.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace reverie::models::sd {
namespace {

using Named = std::vector<std::pair<std::string, at::Tensor>>;

bool startsWith(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

torch::nn::LayerNorm layerNorm(std::int64_t w) {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({w}).eps(1e-5));
}

// Where the text encoder's keys start in the files people have.
const char* const kPrefixes[] = {
    "cond_stage_model.transformer.text_model.", // SD 1.x checkpoint (ldm FrozenCLIPEmbedder)
    "cond_stage_model.transformer.",            // older transformers layout without text_model.
    "text_model.",                              // Hugging Face CLIPTextModel / text_encoder
    "",                                         // the bare layout
};

} // namespace

nlohmann::json ClipTextConfig::toJson() const {
    return {{"vocab_size", vocab}, {"max_position_embeddings", context}, {"hidden_size", width},
            {"num_hidden_layers", layers}, {"num_attention_heads", heads}, {"intermediate_size", mlp},
            {"hidden_act", "quick_gelu"}};
}

ClipAttentionImpl::ClipAttentionImpl(std::int64_t width, std::int64_t heads) : m_heads(heads) {
    q_proj = register_module("q_proj", torch::nn::Linear(width, width));
    k_proj = register_module("k_proj", torch::nn::Linear(width, width));
    v_proj = register_module("v_proj", torch::nn::Linear(width, width));
    out_proj = register_module("out_proj", torch::nn::Linear(width, width));
}

at::Tensor ClipAttentionImpl::forward(const at::Tensor& x) {
    const auto B = x.size(0), L = x.size(1), W = x.size(2), d = W / m_heads;
    auto heads = [&](const at::Tensor& t) { return t.view({B, L, m_heads, d}).transpose(1, 2); }; // [B,h,L,d]
    const auto q = heads(q_proj(x)) * (1.0 / std::sqrt(double(d)));
    const auto k = heads(k_proj(x)), v = heads(v_proj(x));
    auto scores = at::matmul(q, k.transpose(-1, -2)); // [B,h,L,L]
    const auto future = at::ones({L, L}, x.options().dtype(at::kBool)).triu(1);
    scores = scores.masked_fill(future, -std::numeric_limits<float>::infinity());
    const auto out = at::matmul(at::softmax(scores, -1), v).transpose(1, 2).reshape({B, L, W});
    return out_proj(out);
}

ClipMlpImpl::ClipMlpImpl(std::int64_t width, std::int64_t hidden) {
    fc1 = register_module("fc1", torch::nn::Linear(width, hidden));
    fc2 = register_module("fc2", torch::nn::Linear(hidden, width));
}

at::Tensor ClipMlpImpl::forward(const at::Tensor& x) {
    const auto h = fc1(x);
    return fc2(h * at::sigmoid(1.702 * h)); // QuickGELU
}

ClipLayerImpl::ClipLayerImpl(const ClipTextConfig& c) {
    self_attn = register_module("self_attn", ClipAttention(c.width, c.heads));
    layer_norm1 = register_module("layer_norm1", layerNorm(c.width));
    mlp = register_module("mlp", ClipMlp(c.width, c.mlp));
    layer_norm2 = register_module("layer_norm2", layerNorm(c.width));
}

at::Tensor ClipLayerImpl::forward(const at::Tensor& x) {
    const auto h = x + self_attn(layer_norm1(x));
    return h + mlp(layer_norm2(h));
}

ClipTextModelImpl::ClipTextModelImpl(ClipTextConfig config) : m_config(config) {
    TORCH_CHECK(config.heads > 0 && config.width % config.heads == 0, "CLIP text: width must be a multiple of the heads");
    auto embeddings = register_module("embeddings", std::make_shared<torch::nn::Module>());
    m_token = embeddings->register_module("token_embedding", torch::nn::Embedding(config.vocab, config.width));
    m_position = embeddings->register_module("position_embedding", torch::nn::Embedding(config.context, config.width));
    auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
    m_layers = encoder->register_module("layers", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < config.layers; ++i) m_layers->push_back(ClipLayer(config));
    m_final = register_module("final_layer_norm", layerNorm(config.width));
}

at::Tensor ClipTextModelImpl::forward(const at::Tensor& ids) {
    TORCH_CHECK(ids.dim() == 2, "CLIP text: token ids must be [batch, length]");
    const auto L = ids.size(1);
    TORCH_CHECK(L >= 1 && L <= m_config.context, "CLIP text: at most ", m_config.context, " tokens");
    TORCH_CHECK(ids.min().item<std::int64_t>() >= 0 && ids.max().item<std::int64_t>() < m_config.vocab,
                "CLIP text: token id outside the vocabulary");
    auto x = m_token(ids) + m_position(at::arange(L, ids.options().dtype(at::kLong))).unsqueeze(0);
    for (const auto& layer : *m_layers) x = layer->as<ClipLayer>()->forward(x);
    return m_final(x);
}

std::vector<std::pair<std::string, std::vector<std::int64_t>>> clipTextShapes(const ClipTextConfig& c) {
    return published::parameterShapes(*ClipTextModel(c));
}

std::int64_t ClipTextModelImpl::parameterCount() const {
    std::int64_t n = 0;
    for (const auto& p : parameters()) n += p.numel();
    return n;
}

Result<ClipTextEncoder> clipTextEncoderFromTensors(const Named& tensors, const ClipTextOptions& options) {
    using R = Result<ClipTextEncoder>;
    auto any = [&](const std::string& p) {
        return std::any_of(tensors.begin(), tensors.end(), [&](const auto& kv) { return startsWith(kv.first, p); });
    };
    if (any("conditioner.embedders."))
        return R::invalid("this is an SDXL checkpoint (conditioner.embedders.*): its two text encoders are not supported; "
                          "Stable Diffusion 1.x files are");
    if (any("cond_stage_model.model.transformer."))
        return R::invalid("this is a Stable Diffusion 2.x checkpoint: its text encoder is OpenCLIP ViT-H "
                          "(cond_stage_model.model.*), which is not supported; Stable Diffusion 1.x files are");
    ClipTextEncoder enc;
    Named own;
    for (const char* prefix : kPrefixes) {
        if (!any(std::string(prefix) + "embeddings.token_embedding.weight")) continue;
        enc.prefix = prefix;
        for (const auto& [k, v] : tensors)
            if (startsWith(k, prefix)) own.emplace_back(k.substr(std::string(prefix).size()), v);
        break;
    }
    if (own.empty()) {
        std::string why = "no CLIP text encoder in the file (no *embeddings.token_embedding.weight)";
        if (any("model.diffusion_model.")) why += "; it has a latent-diffusion UNet but no cond_stage_model";
        return R::invalid(why);
    }
    std::map<std::string, at::Tensor> byName;
    for (auto& [k, v] : own) byName[k] = v;
    byName.erase("embeddings.position_ids"); // a buffer of 0…76 in older files; the positions are implied
    own.clear();
    for (auto& kv : byName) own.emplace_back(kv.first, kv.second);
    const auto& tok = byName["embeddings.token_embedding.weight"];
    const auto pos = byName.find("embeddings.position_embedding.weight");
    const auto fc1 = byName.find("encoder.layers.0.mlp.fc1.weight");
    if (tok.dim() != 2 || pos == byName.end() || pos->second.dim() != 2 || fc1 == byName.end() || fc1->second.dim() != 2)
        return R::invalid("the CLIP text encoder's embeddings or first layer are missing or mis-shaped");
    ClipTextConfig c;
    c.vocab = tok.size(0);
    c.width = tok.size(1);
    c.context = pos->second.size(0);
    c.mlp = fc1->second.size(0);
    c.layers = 0;
    while (byName.count("encoder.layers." + std::to_string(c.layers) + ".self_attn.q_proj.weight")) ++c.layers;
    c.heads = options.heads.value_or(c.width / 64);
    if (c.heads < 1 || c.width % c.heads != 0)
        return R::invalid("the CLIP text encoder's width " + std::to_string(c.width) + " is not a multiple of " +
                          std::to_string(c.heads) + " heads");
    if (c.layers < 1) return R::invalid("the CLIP text encoder has no layers");
    enc.storedDtype = std::string(c10::toString(tok.scalar_type()));
    enc.model = ClipTextModel(c);
    Named asFloat;
    for (const auto& [k, v] : own) asFloat.emplace_back(k, v.to(at::kFloat));
    auto loaded = published::loadNamedTensors(*enc.model, asFloat, "CLIP text encoder");
    if (!loaded) return loaded.error();
    enc.model->eval();
    enc.parameters = enc.model->parameterCount();
    return enc;
}

Result<ClipTextEncoder> loadClipTextEncoder(const std::string& path, const ClipTextOptions& options) {
    auto file = readSdFile(path);
    if (!file) return file.error();
    auto enc = clipTextEncoderFromTensors(file.value().tensors, options);
    if (!enc) return Error{enc.error().kind, path + ": " + enc.error().message};
    enc.value().file = path;
    enc.value().container = file.value().container;
    return enc;
}

} // namespace reverie::models::sd
