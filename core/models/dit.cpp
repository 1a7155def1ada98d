#include "models/dit.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/normalization.h>
#include <torch/nn/init.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

namespace reverie::models {

namespace F = torch::nn::functional;

namespace {
at::Tensor layerNorm(const at::Tensor& h) {
    return F::layer_norm(h, F::LayerNormFuncOptions({h.size(-1)}).eps(1e-6));
}
} // namespace

std::string DiTConfig::fromJson(const nlohmann::json& j, DiTConfig* out) {
    static const std::set<std::string> known = {"image", "channels", "patch", "width", "depth", "heads",
                                                "mlp_ratio", "classes"};
    if (!j.is_object()) return "the DiT config must be a JSON object";
    for (const auto& [key, _] : j.items())
        if (!known.count(key)) return "unknown DiT key '" + key + "'";
    DiTConfig c;
    try {
        c.image = j.value("image", c.image);
        c.channels = j.value("channels", c.channels);
        c.patch = j.value("patch", c.patch);
        c.width = j.value("width", c.width);
        c.depth = j.value("depth", c.depth);
        c.heads = j.value("heads", c.heads);
        c.mlpRatio = j.value("mlp_ratio", c.mlpRatio);
        c.classes = j.value("classes", c.classes);
    } catch (const nlohmann::json::exception& e) {
        return std::string("DiT config: ") + e.what();
    }
    if (c.image < 1 || c.channels < 1 || c.patch < 1 || c.width < 1 || c.depth < 1 || c.heads < 1 ||
        c.mlpRatio < 1 || c.classes < 1)
        return "DiT sizes must be positive";
    if (c.image % c.patch != 0) return "the DiT image side must be a multiple of the patch size";
    if (c.width % c.heads != 0) return "the DiT width must be a multiple of the number of heads";
    if (c.width % 4 != 0) return "the DiT width must be a multiple of 4 (2-D sine-cosine positions)";
    *out = c;
    return {};
}

nlohmann::json DiTConfig::toJson() const {
    return {{"image", image}, {"channels", channels}, {"patch", patch}, {"width", width}, {"depth", depth},
            {"heads", heads}, {"mlp_ratio", mlpRatio}, {"classes", classes}};
}

// ---------------------------------------------------------------------------------------------

AdapterImpl::AdapterImpl(int width, int bottleneck, double dropout, bool layerNorm)
    : m_dropout(dropout), m_layerNorm(layerNorm) {
    down = register_module("down", torch::nn::Linear(width, bottleneck));
    up = register_module("up", torch::nn::Linear(bottleneck, width));
    torch::NoGradGuard noGrad;
    up->weight.zero_();
    up->bias.zero_();
}

at::Tensor AdapterImpl::forward(const at::Tensor& h) {
    at::Tensor x = m_layerNorm ? layerNorm(h) : h;
    x = at::gelu(down(x));
    if (is_training() && m_dropout > 0) {
        // The mask comes from a CPU generator seeded by setSeed(): a recomputation replays it exactly
        // on any device (the mask is drawn on the CPU and moved).
        auto gen = at::detail::createCPUGenerator(m_seed);
        auto keep = at::empty(x.sizes(), at::TensorOptions().dtype(at::kFloat)).bernoulli_(1.0 - m_dropout, gen);
        x = x * keep.to(x.options()) / (1.0 - m_dropout);
    }
    return up(x);
}

LoRAImpl::LoRAImpl(int in, int out, int rank, double alpha) : m_scale(alpha / rank) {
    a = register_module("a", torch::nn::Linear(torch::nn::LinearOptions(in, rank).bias(false)));
    b = register_module("b", torch::nn::Linear(torch::nn::LinearOptions(rank, out).bias(false)));
    torch::NoGradGuard noGrad;
    b->weight.zero_();
}

at::Tensor LoRAImpl::forward(const at::Tensor& x) { return b(a(x)) * m_scale; }

// ---------------------------------------------------------------------------------------------

namespace {

/// LN(h)·(1 + scale) + shift with per-item shift and scale [B, D].
at::Tensor modulate(const at::Tensor& h, const at::Tensor& shift, const at::Tensor& scale) {
    return layerNorm(h) * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1);
}

/// Fixed 2-D sine-cosine position code [1, g·g, D]: D/2 features for the row, D/2 for the column.
at::Tensor positionCode(int grid, int width) {
    const int quarter = width / 4;
    auto omega = at::exp(at::arange(quarter, at::kDouble) * (-std::log(10000.0) / quarter));
    auto pos = at::arange(grid, at::kDouble);
    auto angles = at::outer(pos, omega);                                 // [g, D/4]
    auto code1 = at::cat({at::sin(angles), at::cos(angles)}, 1);          // [g, D/2]
    auto rows = code1.unsqueeze(1).expand({grid, grid, width / 2});
    auto cols = code1.unsqueeze(0).expand({grid, grid, width / 2});
    return at::cat({rows, cols}, 2).reshape({1, grid * grid, width}).to(at::kFloat);
}

} // namespace

DiTBlockImpl::DiTBlockImpl(int width, int heads, int mlpRatio) : m_width(width), m_heads(heads) {
    modulation = register_module("modulation", torch::nn::Linear(width, 6 * width));
    qkv = register_module("qkv", torch::nn::Linear(width, 3 * width));
    proj = register_module("proj", torch::nn::Linear(width, width));
    fc1 = register_module("fc1", torch::nn::Linear(width, mlpRatio * width));
    fc2 = register_module("fc2", torch::nn::Linear(mlpRatio * width, width));
    // adaLN-Zero: every block starts as the identity.
    torch::NoGradGuard noGrad;
    modulation->weight.zero_();
    modulation->bias.zero_();
}

at::Tensor DiTBlockImpl::modulationOf(const at::Tensor& c) {
    auto sc = at::silu(c);
    auto mod = modulation(sc);
    if (loraModulation) mod = mod + loraModulation(sc);
    return mod;
}

at::Tensor DiTBlockImpl::attention(const at::Tensor& h, const at::Tensor& c) {
    auto mod = modulationOf(c).chunk(6, 1);
    auto x = modulate(h, mod[0], mod[1]);
    const auto b = h.size(0), n = h.size(1);
    const int dh = m_width / m_heads;
    auto q3 = qkv(x);
    if (loraQkv) q3 = q3 + loraQkv(x);
    auto parts = q3.view({b, n, 3, m_heads, dh}).permute({2, 0, 3, 1, 4}); // [3, B, H, N, dh]
    auto weights = at::softmax(at::matmul(parts[0], parts[1].transpose(-2, -1)) / std::sqrt(double(dh)), -1);
    auto y = at::matmul(weights, parts[2]).transpose(1, 2).reshape({b, n, m_width});
    auto out = proj(y);
    if (loraProj) out = out + loraProj(y);
    out = h + mod[2].unsqueeze(1) * out;
    if (m_attnAdapter) out = out + m_attnAdapter(h);
    return out;
}

at::Tensor DiTBlockImpl::mlp(const at::Tensor& h, const at::Tensor& c) {
    auto mod = modulationOf(c).chunk(6, 1);
    auto x = modulate(h, mod[3], mod[4]);
    auto out = h + mod[5].unsqueeze(1) * fc2(at::gelu(fc1(x)));
    if (m_mlpAdapter) out = out + m_mlpAdapter(h);
    return out;
}

void DiTBlockImpl::enableLoRA(int rank, double alpha) {
    loraQkv = register_module("lora_qkv", LoRA(m_width, 3 * m_width, rank, alpha));
    loraProj = register_module("lora_proj", LoRA(m_width, m_width, rank, alpha));
}

void DiTBlockImpl::enableModulationLoRA(int rank, double alpha) {
    loraModulation = register_module("lora_modulation", LoRA(m_width, 6 * m_width, rank, alpha));
}

void DiTBlockImpl::setAttentionAdapter(Adapter adapter) {
    m_attnAdapter = register_module("attn_adapter", std::move(adapter));
}

void DiTBlockImpl::setMlpAdapter(Adapter adapter) {
    m_mlpAdapter = register_module("mlp_adapter", std::move(adapter));
}

// ---------------------------------------------------------------------------------------------

DiTImpl::DiTImpl(DiTConfig config) : m_config(config) {
    const int d = config.width;
    m_patchEmbed = register_module(
        "patch_embed", torch::nn::Conv2d(torch::nn::Conv2dOptions(config.channels, d, config.patch).stride(config.patch)));
    m_time1 = register_module("time1", torch::nn::Linear(d, d));
    m_time2 = register_module("time2", torch::nn::Linear(d, d));
    m_label = register_module("label", torch::nn::Embedding(config.classes + 1, d));
    for (int i = 0; i < config.depth; ++i)
        m_blocks.push_back(register_module("block" + std::to_string(i), DiTBlock(d, config.heads, config.mlpRatio)));
    m_finalModulation = register_module("final_modulation", torch::nn::Linear(d, 2 * d));
    m_finalLinear = register_module("final_linear",
                                    torch::nn::Linear(d, config.patch * config.patch * config.channels));
    m_position = register_buffer("position", positionCode(config.image / config.patch, d));
    torch::NoGradGuard noGrad;
    m_finalModulation->weight.zero_();
    m_finalModulation->bias.zero_();
    m_finalLinear->weight.zero_();
    m_finalLinear->bias.zero_();
}

at::Tensor DiTImpl::tokens(const at::Tensor& x) {
    return m_patchEmbed(x).flatten(2).transpose(1, 2) + m_position.to(x.dtype());
}

at::Tensor DiTImpl::condition(const at::Tensor& noise, const at::Tensor& labels) {
    // Sinusoidal features of the noise input (scaled by 100 so that c_noise = ln(σ)/4, which spans
    // about ±1.5, covers several periods of the slowest frequencies), then a two-layer MLP.
    const int half = m_config.width / 2;
    auto freqs = at::exp(at::arange(half, noise.options()) * (-std::log(10000.0) / half));
    auto args = noise.reshape({-1, 1}) * 100.0 * freqs.unsqueeze(0);
    auto features = at::cat({at::cos(args), at::sin(args)}, 1);
    return m_time2(at::silu(m_time1(features))) + m_label(labels);
}

void DiTImpl::enableFinalModulationLoRA(int rank, double alpha) {
    m_finalModulationLoRA = register_module("final_modulation_lora", LoRA(m_config.width, 2 * m_config.width, rank, alpha));
}

at::Tensor DiTImpl::output(const at::Tensor& h, const at::Tensor& c) {
    auto sc = at::silu(c);
    auto modAll = m_finalModulation(sc);
    if (m_finalModulationLoRA) modAll = modAll + m_finalModulationLoRA(sc);
    auto mod = modAll.chunk(2, 1);
    auto patches = m_finalLinear(modulate(h, mod[0], mod[1])); // [B, N, p·p·C]
    const int g = m_config.image / m_config.patch, p = m_config.patch, ch = m_config.channels;
    return patches.view({h.size(0), g, g, p, p, ch}).permute({0, 5, 1, 3, 2, 4}).reshape({h.size(0), ch, g * p, g * p});
}

at::Tensor DiTImpl::forward(const at::Tensor& x, const at::Tensor& noise, const at::Tensor& labels) {
    auto c = condition(noise, labels);
    auto h = tokens(x);
    for (auto& block : m_blocks) h = block(h, c);
    return output(h, c);
}

void randomiseParameters(torch::nn::Module& module, std::uint64_t seed, double scale) {
    auto gen = at::detail::createCPUGenerator(seed);
    torch::NoGradGuard noGrad;
    for (auto& p : module.parameters()) {
        // Weights: std scale/√fan-in; vectors (biases): std 0.1·scale.
        const double std = p.dim() >= 2 ? scale / std::sqrt(double(p.numel() / p.size(0))) : 0.1 * scale;
        auto values = at::empty(p.sizes(), at::TensorOptions().dtype(at::kDouble)).normal_(0.0, 1.0, gen);
        p.copy_(values * std);
    }
}

} // namespace reverie::models
