#include "erase/textmodel.h"

#include "data/fashion_mnist.h"
#include "generate/zoo.h"
#include "sde/param.h"
#include "sde/sde.h"
#include "solvers/common.h"
#include "solvers/exp.h"

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

namespace reverie::erase {

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
    if (c.vocab != 0 && c.vocab != text::vocabularySize())
        return "the text encoder was made for a vocabulary of " + std::to_string(c.vocab) + " words, this build has " +
               std::to_string(text::vocabularySize());
    if (c.dim < 4 || c.dim > 1024) return "text encoder dim must be between 4 and 1024";
    if (c.heads < 1 || c.dim % c.heads != 0) return "text encoder heads must divide dim";
    if (c.layers < 0 || c.layers > 24) return "text encoder layers must be between 0 and 24";
    if (c.mlpMult < 1 || c.mlpMult > 8) return "text encoder mlp_mult must be between 1 and 8";
    if (c.maxTokens != text::kMaxTokens)
        return "text encoder max_tokens must be " + std::to_string(text::kMaxTokens) + " (the tokenizer's limit)";
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
    const auto keep = ids.ne(text::kPadId);
    auto x = m_tokens(ids) + m_positions.slice(0, 0, L).unsqueeze(0);
    for (auto& layer : m_layers) x = layer(x, keep);
    x = m_final(x) * keep.unsqueeze(-1).to(x.scalar_type());
    return {x, keep};
}

Result<at::Tensor> tokenIds(const std::vector<std::string>& prompts) {
    if (prompts.empty()) return Result<at::Tensor>::invalid("no prompts given");
    auto ids = at::full({std::int64_t(prompts.size()), text::kMaxTokens}, text::kPadId, at::kLong);
    auto acc = ids.accessor<std::int64_t, 2>();
    for (std::size_t i = 0; i < prompts.size(); ++i) {
        auto t = text::tokenize(prompts[i]);
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
    auto t = text::tokenize(prompt);
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
    if (!fs::exists(path)) return Result<TextDenoiser>::invalid(path + ": no such file");
    return guarded<TextDenoiser>("loading " + path, [&]() -> Result<TextDenoiser> {
        TextDenoiser m(net, encoder, sigmaData);
        const std::string arch = textArchitecture(net, encoder);
        torch::serialize::InputArchive root;
        root.load_from(path);
        c10::IValue saved;
        const std::string got = root.try_read("architecture", saved) && saved.isString() ? saved.toStringRef() : "";
        if (got != arch)
            return Result<TextDenoiser>::invalid(path + " was saved from a different architecture (" +
                                                 (got.empty() ? "none recorded" : got) + "), expected " + arch);
        torch::serialize::InputArchive model;
        root.read("model", model);
        m->load(model);
        torch::serialize::InputArchive ema;
        if (root.try_read("ema", ema)) {
            at::NoGradGuard g;
            auto params = m->parameters();
            for (std::size_t i = 0; i < params.size(); ++i) {
                at::Tensor t;
                ema.read(std::to_string(i), t);
                params[i].copy_(t);
            }
        }
        m->eval();
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
    auto card = zoo::readCard(dir);
    if (!card) return card.error();
    const auto& j = card.value();
    const std::string kind = j.value("kind", std::string("?"));
    if (kind != "text-denoiser")
        return Result<CardModel>::invalid("model folder " + dir + " does not hold a text-conditional model (card kind '" +
                                          kind + "', expected 'text-denoiser')");
    if (!j.contains("architecture")) return Result<CardModel>::invalid(dir + "/card.json has no architecture");
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

void writeAtomically(const std::string& path, const std::string& content) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error("cannot write " + tmp);
        out << content;
        if (!out) throw std::runtime_error("cannot write " + tmp);
    }
    fs::rename(tmp, path);
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
        torch::serialize::OutputArchive root, m;
        model->save(m);
        root.write("model", m);
        root.write("architecture", c10::IValue(textArchitecture(model->netConfig(), model->encoderConfig())));
        const std::string weights = (fs::path(dir) / "weights.pt").string();
        root.save_to(weights + ".tmp");
        fs::rename(weights + ".tmp", weights);
        nlohmann::json card = {{"kind", "text-denoiser"},
                               {"architecture", model->netConfig().toJson()},
                               {"text_encoder", model->encoderConfig().toJson()},
                               {"sigma_data", model->sigmaData()},
                               {"parameters", model->parameterCount()}};
        if (cardExtras.is_object())
            for (const auto& [k, v] : cardExtras.items()) card[k] = v;
        writeAtomically((fs::path(dir) / "card.json").string(), card.dump(2) + "\n");
        return true;
    });
}

// ---- sampling -------------------------------------------------------------------------------

namespace {

std::unique_ptr<sde::Sde> makeSde(const std::string& id) {
    if (id == "ve") return sde::makeVe();
    if (id == "vp") return sde::makeVp();
    if (id == "subvp") return sde::makeSubVp();
    return nullptr;
}

Result<TextSamples> sampleImpl(TextDenoiser& model, const at::Tensor& context, const at::Tensor& maskIn,
                               const std::vector<std::uint64_t>& seeds, const TextSampleOptions& o,
                               const JobContext& ctx) {
    const auto B = std::int64_t(seeds.size());
    if (B < 1) return Result<TextSamples>::invalid("no seeds given (one per image)");
    if (!context.defined() || context.dim() != 3 || context.size(0) != B ||
        context.size(2) != model->encoderConfig().dim || context.size(1) < 1)
        return Result<TextSamples>::invalid("the context must be [" + std::to_string(B) + ", L, " +
                                            std::to_string(model->encoderConfig().dim) + "] (one row per seed)");
    if (maskIn.defined() && (maskIn.dim() != 2 || maskIn.size(0) != B || maskIn.size(1) != context.size(1)))
        return Result<TextSamples>::invalid("the context mask must be [B, L] like the context");
    if (o.steps < 1 || o.steps > 1000) return Result<TextSamples>::invalid("steps must be between 1 and 1000");
    if (!std::isfinite(o.guidance)) return Result<TextSamples>::invalid("guidance must be a finite number");
    auto sdeP = makeSde(o.sde);
    if (!sdeP) return Result<TextSamples>::invalid("unknown SDE '" + o.sde + "' (known: ve, vp, subvp)");

    return guarded<TextSamples>("text sampling", [&]() -> Result<TextSamples> {
        at::NoGradGuard noGrad;
        const bool wasTraining = model->is_training();
        model->eval();
        struct Restore {
            TextDenoiser& m;
            bool training;
            ~Restore() { m->train(training); }
        } restore{model, wasTraining};

        const auto cond = context.to(at::kFloat);
        const auto mask = maskIn.defined() ? maskIn.to(at::kBool) : at::ones({B, context.size(1)}, at::kBool);
        auto nullIds = tokenIds({""});
        if (!nullIds) return nullIds.error();
        const auto L = cond.size(1);
        // An encoded prompt at the conditional context's length (padding is masked out), [B, L, dim].
        const auto atLength = [&](const TextContext& e) {
            at::Tensor c, m;
            if (L >= text::kMaxTokens) {
                c = at::zeros({1, L, cond.size(2)}, at::kFloat);
                c.slice(1, 0, text::kMaxTokens).copy_(e.context);
                m = at::zeros({1, L}, at::kBool);
                m.slice(1, 0, text::kMaxTokens).copy_(e.mask);
            } else {
                c = e.context.slice(1, 0, L);
                m = e.mask.slice(1, 0, L);
            }
            return std::pair{c.expand({B, L, cond.size(2)}), m.expand({B, L})};
        };
        // The unconditional context.
        at::Tensor nullCtx, nullMask;
        std::tie(nullCtx, nullMask) = atLength(model->encoder()->forward(nullIds.value()));
        const double w = o.guidance;
        // SLD: the safety concept's context, at the same length.
        at::Tensor safeCtx, safeMask;
        if (!o.safetyPrompt.empty()) {
            auto ids = tokenIds({o.safetyPrompt});
            if (!ids) return ids.error();
            std::tie(safeCtx, safeMask) = atLength(model->encoder()->forward(ids.value()));
        }
        int calls = 0;

        sde::SigmaDenoiser sig = [&](const at::Tensor& xt, const at::Tensor& st, const at::Tensor&) {
            const auto n = xt.size(0);
            const auto x = xt.to(at::kFloat);
            auto s = st.to(at::kFloat).reshape({-1});
            if (s.numel() == 1) s = s.expand({n});
            at::Tensor out;
            const bool sld = safeCtx.defined() && calls++ >= o.sldWarmup;
            if (sld) {
                const auto sctx = safeCtx.slice(0, 0, n), smask = safeMask.slice(0, 0, n);
                const auto all = model->forward(at::cat({x, x, x}), at::cat({s, s, s}),
                                                at::cat({cond.slice(0, 0, n), nullCtx.slice(0, 0, n), sctx}),
                                                at::cat({mask.slice(0, 0, n), nullMask.slice(0, 0, n), smask}));
                const auto s4 = s.view({-1, 1, 1, 1});
                const auto ec = (x - all.slice(0, 0, n)) / s4, eu = (x - all.slice(0, n, 2 * n)) / s4,
                           es = (x - all.slice(0, 2 * n, 3 * n)) / s4;
                auto mu = at::clamp_max((ec - es).abs() * o.sldScale, 1.0);
                mu = at::where((ec - es) >= o.sldThreshold, at::zeros_like(mu), mu);
                const auto eps = eu + w * (ec - eu - mu * (es - eu));
                return (x - s4 * eps).to(xt.scalar_type());
            }
            if (w == 1.0) {
                out = model->forward(x, s, cond, mask);
            } else if (w == 0.0) {
                out = model->forward(x, s, nullCtx, nullMask);
            } else {
                const auto both = model->forward(at::cat({x, x}), at::cat({s, s}), at::cat({cond, nullCtx}),
                                                 at::cat({mask, nullMask}));
                const auto c = both.slice(0, 0, n), u = both.slice(0, n, 2 * n);
                out = u + w * (c - u);
            }
            return out.to(xt.scalar_type());
        };
        const auto den = sde::denoiserFromSigma(*sdeP, sig);
        const int size = model->netConfig().imageSize, ch = model->netConfig().inChannels;
        const auto like = at::zeros({1, ch, size, size}, at::kFloat);
        std::vector<at::Tensor> starts;
        for (const auto seed : seeds) {
            // One noise source per item: its prior draw depends on its own seed alone.
            solvers::NoiseSource noise(seed, solvers::NoiseMode::PerItem);
            starts.push_back(solvers::priorSample(*sdeP, like, {}, noise));
        }
        const auto xT = at::cat(starts);
        solvers::MrsOptions mo;
        mo.common.steps = o.steps;
        mo.sde = false; // deterministic DPM-Solver++(2M): the image is a function of the seed
        mo.order = 2;
        mo.form = solvers::SolverForm::Data;
        mo.spacing = solvers::Spacing::LogSnr;
        auto out = solvers::sampleMrs(*sdeP, den, xT, {}, mo, ctx);
        if (!out) return out.error();
        TextSamples r;
        r.x = out.value().x.clamp(-1.0, 1.0).to(at::kFloat).contiguous();
        r.nfe = out.value().nfe;
        const auto bytes = data::toBytes(r.x).contiguous();
        for (std::int64_t i = 0; i < B; ++i) {
            ImageU8 img;
            img.width = int(bytes.size(3));
            img.height = int(bytes.size(2));
            img.channels = int(bytes.size(1));
            const auto item = bytes[i].permute({1, 2, 0}).contiguous();
            img.pixels.assign(item.data_ptr<std::uint8_t>(), item.data_ptr<std::uint8_t>() + item.numel());
            r.images.push_back(std::move(img));
        }
        return r;
    });
}

} // namespace

Result<TextSamples> sample(TextDenoiser& model, const std::vector<std::string>& prompts,
                           const std::vector<std::uint64_t>& seeds, const TextSampleOptions& options,
                           const JobContext& ctx) {
    if (prompts.size() != seeds.size())
        return Result<TextSamples>::invalid("give one seed per prompt (" + std::to_string(prompts.size()) +
                                            " prompts, " + std::to_string(seeds.size()) + " seeds)");
    auto ids = tokenIds(prompts);
    if (!ids) return ids.error();
    auto c = guarded<TextContext>("encoding prompts", [&]() -> Result<TextContext> {
        at::NoGradGuard g;
        return model->encoder()->forward(ids.value());
    });
    if (!c) return c.error();
    return sampleImpl(model, c.value().context, c.value().mask, seeds, options, ctx);
}

Result<TextSamples> sampleContext(TextDenoiser& model, const at::Tensor& context, const at::Tensor& mask,
                                  const std::vector<std::uint64_t>& seeds, const TextSampleOptions& options,
                                  const JobContext& ctx) {
    return sampleImpl(model, context, mask, seeds, options, ctx);
}

} // namespace reverie::erase
