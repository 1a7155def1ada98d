#include "models/textmodel.h"

#include "data/fashion_mnist.h"
#include "base/io.h"
#include "models/store.h"
#include "engine/sde/param.h"
#include "engine/sde/sde.h"
#include "engine/solvers/common.h"
#include "engine/solvers/exp.h"

#include <ATen/ATen.h>
#include <torch/serialize.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <tuple>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace fs = std::filesystem;

namespace reverie::models {

// ---- config ---------------------------------------------------------------------------------

std::string TextEncoderConfig::fromJson(const nlohmann::json& j, TextEncoderConfig* out) {
    static const std::set<std::string> known = {"vocab", "dim", "layers", "heads", "mlp_mult", "max_tokens"};
    if (!j.is_object()) return "the text encoder config must be a JSON object";
    for (const auto& [key, _] : j.items())
        if (!known.count(key)) return "unknown text encoder key '" + key + "'";
    TextEncoderConfig c;
    try {
        c.vocab = j.value("vocab", c.vocab);
        c.dim = j.value("dim", c.dim);
        c.layers = j.value("layers", c.layers);
        c.heads = j.value("heads", c.heads);
        c.mlpMult = j.value("mlp_mult", c.mlpMult);
        c.maxTokens = j.value("max_tokens", c.maxTokens);
    } catch (const nlohmann::json::exception& e) {
        return std::string("text encoder: ") + e.what();
    }
    if (c.vocab != 0 && c.vocab != data::text::vocabularySize())
        return "the text encoder was made for a vocabulary of " + std::to_string(c.vocab) + " words, this build has " +
               std::to_string(data::text::vocabularySize());
    if (c.dim < 4 || c.dim > 1024) return "text encoder dim must be between 4 and 1024";
    if (c.heads < 1 || c.dim % c.heads != 0) return "text encoder heads must divide dim";
    if (c.layers < 0 || c.layers > 24) return "text encoder layers must be between 0 and 24";
    if (c.mlpMult < 1 || c.mlpMult > 8) return "text encoder mlp_mult must be between 1 and 8";
    if (c.maxTokens != data::text::kMaxTokens)
        return "text encoder max_tokens must be " + std::to_string(data::text::kMaxTokens) + " (the tokenizer's limit)";
    *out = c;
    return {};
}

nlohmann::json TextEncoderConfig::toJson() const {
    return {{"vocab", vocabSize()}, {"dim", dim},         {"layers", layers},
            {"heads", heads},       {"mlp_mult", mlpMult}, {"max_tokens", maxTokens}};
}

std::string textArchitecture(const models::UNetConfig& net, const TextEncoderConfig& encoder) {
    return "text-denoiser " + net.toJson().dump() + " " + encoder.toJson().dump();
}

// ---- encoder --------------------------------------------------------------------------------

TextLayerImpl::TextLayerImpl(int dim, int heads, int mlpMult) : m_heads(heads) {
    m_norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    m_norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    m_qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
    m_proj = register_module("proj", torch::nn::Linear(dim, dim));
    m_fc1 = register_module("fc1", torch::nn::Linear(dim, mlpMult * dim));
    m_fc2 = register_module("fc2", torch::nn::Linear(mlpMult * dim, dim));
}

at::Tensor TextLayerImpl::forward(const at::Tensor& x, const at::Tensor& keep) {
    const auto B = x.size(0), L = x.size(1), D = x.size(2);
    const auto d = D / m_heads;
    const auto qkv = m_qkv(m_norm1(x)).view({B, L, 3, m_heads, d}).permute({2, 0, 3, 1, 4}); // [3,B,h,L,d]
    const auto q = qkv[0], k = qkv[1], v = qkv[2];
    auto scores = at::matmul(q, k.transpose(-1, -2)) / std::sqrt(double(d)); // [B,h,L,L]
    scores = scores.masked_fill(keep.logical_not().view({B, 1, 1, L}), -1e9);
    const auto attn = at::matmul(at::softmax(scores, -1), v).transpose(1, 2).reshape({B, L, D});
    auto h = x + m_proj(attn);
    return h + m_fc2(at::gelu(m_fc1(m_norm2(h))));
}

TextEncoderImpl::TextEncoderImpl(TextEncoderConfig config) : m_config(config) {
    const int D = m_config.dim;
    m_tokens = register_module("tokens", torch::nn::Embedding(m_config.vocabSize(), D));
    m_positions = register_parameter("positions", at::randn({m_config.maxTokens, D}) * 0.02);
    {
        at::NoGradGuard g;
        m_tokens->weight.mul_(0.1);
    }
    for (int i = 0; i < m_config.layers; ++i)
        m_layers.push_back(register_module("layer_" + std::to_string(i), TextLayer(D, m_config.heads, m_config.mlpMult)));
    m_final = register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({D})));
}

TextContext TextEncoderImpl::forward(const at::Tensor& ids) {
    const auto L = ids.size(1);
    if (L < 1 || L > m_config.maxTokens)
        throw std::invalid_argument("token sequences must have 1.." + std::to_string(m_config.maxTokens) + " ids");
    const auto keep = ids.ne(data::text::kPadId);
    auto x = m_tokens(ids) + m_positions.slice(0, 0, L).unsqueeze(0);
    for (auto& layer : m_layers) x = layer(x, keep);
    x = m_final(x) * keep.unsqueeze(-1).to(x.scalar_type());
    return {x, keep};
}

Result<at::Tensor> tokenIds(const std::vector<std::string>& prompts) {
    if (prompts.empty()) return Result<at::Tensor>::invalid("no prompts given");
    auto ids = at::full({std::int64_t(prompts.size()), data::text::kMaxTokens}, data::text::kPadId, at::kLong);
    auto acc = ids.accessor<std::int64_t, 2>();
    for (std::size_t i = 0; i < prompts.size(); ++i) {
        auto t = data::text::tokenize(prompts[i]);
        if (!t) return t.error();
        for (std::size_t k = 0; k < t.value().size(); ++k) acc[std::int64_t(i)][std::int64_t(k)] = t.value()[k];
    }
    return ids;
}

// ---- the text-conditional denoiser -----------------------------------------------------------

TextDenoiserImpl::TextDenoiserImpl(models::UNetConfig net, TextEncoderConfig encoder, double sigmaData)
    : m_net(std::move(net)) {
    if (m_net.contextDim != encoder.dim)
        throw std::invalid_argument("the U-Net's context_dim (" + std::to_string(m_net.contextDim) +
                                    ") must equal the text encoder's dim (" + std::to_string(encoder.dim) + ")");
    m_encoder = register_module("encoder", TextEncoder(encoder));
    m_denoiser = register_module("denoiser", models::EdmDenoiser(m_net, sigmaData));
}

at::Tensor TextDenoiserImpl::forward(const at::Tensor& x, const at::Tensor& sigma, const at::Tensor& context,
                                     const at::Tensor& mask) {
    return m_denoiser->forward(x, sigma, {}, {}, context, mask);
}

at::Tensor TextDenoiserImpl::forwardIds(const at::Tensor& x, const at::Tensor& sigma, const at::Tensor& ids) {
    const auto c = m_encoder->forward(ids);
    return forward(x, sigma, c.context, c.mask);
}

Result<TextContext> TextDenoiserImpl::encode(const std::vector<std::string>& prompts) {
    auto ids = tokenIds(prompts);
    if (!ids) return ids.error();
    return guarded<TextContext>("encoding prompts", [&]() -> Result<TextContext> { return m_encoder->forward(ids.value()); });
}

Result<at::Tensor> TextDenoiserImpl::tokenEmbeddings(const std::string& prompt) {
    auto t = data::text::tokenize(prompt);
    if (!t) return t.error();
    return guarded<at::Tensor>("token embeddings", [&]() -> Result<at::Tensor> {
        at::NoGradGuard g;
        auto ids = tokenIds({prompt});
        if (!ids) return ids.error();
        const auto c = m_encoder->forward(ids.value());
        return c.context[0].slice(0, 0, std::int64_t(t.value().size())).clone();
    });
}

std::vector<NamedLinear> TextDenoiserImpl::crossAttentionKV() const {
    std::vector<NamedLinear> out;
    for (const auto& item : named_modules()) {
        auto* attn = dynamic_cast<models::AttentionImpl*>(item.value().get());
        if (!attn || item.key().find("cross") == std::string::npos) continue;
        out.push_back({item.key() + ".k", attn->keyProjection()});
        out.push_back({item.key() + ".v", attn->valueProjection()});
    }
    return out;
}

std::int64_t TextDenoiserImpl::parameterCount() const {
    std::int64_t n = 0;
    for (const auto& p : parameters()) n += p.numel();
    return n;
}

at::Tensor textEdmLoss(TextDenoiser& model, const at::Tensor& x0, const at::Tensor& sigma, const at::Tensor& z,
                       const at::Tensor& ids) {
    const auto s4 = sigma.view({-1, 1, 1, 1});
    const double sd = model->sigmaData();
    const auto weight = (s4 * s4 + sd * sd) / (s4 * sd).pow(2);
    const auto denoised = model->forwardIds(x0 + s4 * z, sigma, ids);
    return (weight * (denoised - x0).pow(2)).mean();
}

// ---- files ----------------------------------------------------------------------------------

Result<TextDenoiser> loadTextDenoiserWeights(const std::string& path, const models::UNetConfig& net,
                                             const TextEncoderConfig& encoder, double sigmaData) {
    return guarded<TextDenoiser>("loading " + path, [&]() -> Result<TextDenoiser> {
        TextDenoiser m(net, encoder, sigmaData);
        auto ok = loadWeights(*m, path, textArchitecture(net, encoder));
        if (!ok) return ok.error();
        return m;
    });
}

namespace {
struct CardModel {
    models::UNetConfig net;
    TextEncoderConfig encoder;
    double sigmaData = 0.5;
};

Result<CardModel> readTextCard(const std::string& dir) {
    auto card = readCardOfKind(dir, "text-denoiser", "a text-conditional model");
    if (!card) return card.error();
    const auto& j = card.value();
    CardModel c;
    if (auto err = models::UNetConfig::fromJson(j["architecture"], &c.net); !err.empty())
        return Result<CardModel>::invalid(dir + "/card.json: " + err);
    if (j.contains("text_encoder"))
        if (auto err = TextEncoderConfig::fromJson(j["text_encoder"], &c.encoder); !err.empty())
            return Result<CardModel>::invalid(dir + "/card.json: " + err);
    try {
        c.sigmaData = j.value("sigma_data", 0.5);
    } catch (const std::exception& e) {
        return Result<CardModel>::invalid(dir + "/card.json: " + firstLine(e.what()));
    }
    if (c.net.contextDim != c.encoder.dim)
        return Result<CardModel>::invalid(dir + "/card.json: context_dim " + std::to_string(c.net.contextDim) +
                                          " does not match the text encoder's dim " + std::to_string(c.encoder.dim));
    return c;
}

} // namespace

Result<TextDenoiser> loadTextModel(const std::string& dir) {
    auto c = readTextCard(dir);
    if (!c) return c.error();
    const std::string weights = (fs::path(dir) / "weights.pt").string();
    if (!fs::exists(weights)) return Result<TextDenoiser>::invalid("model folder " + dir + " has no weights.pt");
    auto m = loadTextDenoiserWeights(weights, c.value().net, c.value().encoder, c.value().sigmaData);
    if (!m) return Result<TextDenoiser>::invalid("cannot load " + weights + ": " + m.error().message);
    return m;
}

Result<bool> saveTextModel(TextDenoiser& model, const std::string& dir, const nlohmann::json& cardExtras) {
    return guarded<bool>("saving the model to " + dir, [&]() -> Result<bool> {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) return Result<bool>::invalid("cannot create " + dir + ": " + ec.message());
        const std::string weights = (fs::path(dir) / "weights.pt").string();
        auto saved = saveWeights(*model, weights, textArchitecture(model->netConfig(), model->encoderConfig()));
        if (!saved) return saved.error();
        nlohmann::json card = {{"kind", "text-denoiser"},
                               {"architecture", model->netConfig().toJson()},
                               {"text_encoder", model->encoderConfig().toJson()},
                               {"sigma_data", model->sigmaData()},
                               {"parameters", model->parameterCount()}};
        if (cardExtras.is_object())
            for (const auto& [k, v] : cardExtras.items()) card[k] = v;
        return io::writeFileAtomic((fs::path(dir) / "card.json").string(), card.dump(2) + "\n");
    });
}

} // namespace reverie::models
