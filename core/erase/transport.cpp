#include "erase/transport.h"

#include <ATen/ATen.h>
#include <torch/nn/init.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace reverie::erase {

std::vector<std::string> splitWords(const std::string& prompt) {
    std::vector<std::string> out;
    std::string cur;
    for (const char ch : prompt) {
        const auto u = static_cast<unsigned char>(ch);
        // Bytes ≥ 0x80 (UTF-8) stay inside words.
        if (std::isalnum(u) || u >= 0x80) {
            cur.push_back(static_cast<char>(std::tolower(u)));
        } else if (!cur.empty()) {
            out.push_back(cur);
            cur.clear();
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

double tokenOverlap(const std::vector<std::string>& promptTokens, const std::vector<std::string>& conceptTokens) {
    const std::set<std::string> c(conceptTokens.begin(), conceptTokens.end());
    if (c.empty()) return 0;
    const std::set<std::string> p(promptTokens.begin(), promptTokens.end());
    std::size_t common = 0;
    for (const auto& t : c) common += p.count(t);
    return double(common) / double(c.size());
}

double embeddingCosine(const at::Tensor& prompt, const at::Tensor& conceptEmb) {
    try {
        if (!prompt.defined() || !conceptEmb.defined() || prompt.numel() == 0 || conceptEmb.numel() == 0) return 0;
        auto pool = [](const at::Tensor& t) { return (t.dim() >= 2 ? t.reshape({-1, t.size(-1)}).mean(0) : t.reshape(-1)).to(at::kDouble); };
        const auto a = pool(prompt), b = pool(conceptEmb.to(prompt.device()));
        if (a.numel() != b.numel()) return 0;
        const double na = a.norm().item<double>(), nb = b.norm().item<double>();
        if (!(na > 0) || !(nb > 0) || !std::isfinite(na) || !std::isfinite(nb)) return 0;
        return at::dot(a, b).item<double>() / (na * nb);
    } catch (...) {
        return 0;
    }
}

double permeability(const at::Tensor& promptEmbedding, const at::Tensor& conceptEmbedding,
                    const std::vector<std::string>& promptTokens, const std::vector<std::string>& conceptTokens) {
    const double g = std::max(embeddingCosine(promptEmbedding, conceptEmbedding), tokenOverlap(promptTokens, conceptTokens));
    return std::clamp(std::isfinite(g) ? g : 0.0, 0.0, 1.0);
}

MembraneLinearImpl::MembraneLinearImpl(torch::nn::Linear base, int rank) : m_base(std::move(base)) {
    const auto& w = m_base->weight;
    const auto r = std::max(rank, 1);
    m_down = register_parameter("down", at::empty({r, w.size(1)}, w.options()));
    m_up = register_parameter("up", at::zeros({w.size(0), r}, w.options()));
    torch::NoGradGuard ng;
    torch::nn::init::kaiming_uniform_(m_down, std::sqrt(5.0));
}

void MembraneLinearImpl::setPermeability(double gamma) {
    m_gamma = gamma;
    m_gammaBatch = at::Tensor();
}

void MembraneLinearImpl::setPermeability(const at::Tensor& perSample) {
    m_gammaBatch = perSample.defined() ? perSample.reshape(-1) : at::Tensor();
}

at::Tensor MembraneLinearImpl::forward(const at::Tensor& x) {
    auto y = m_base->forward(x);
    if (m_scale == 0) return y;
    if (!m_gammaBatch.defined()) {
        if (m_gamma == 0) return y;
        return y + (m_scale * m_gamma) * at::linear(at::linear(x, m_down), m_up);
    }
    TORCH_CHECK(x.dim() >= 1 && m_gammaBatch.numel() == x.size(0), "membrane: ", m_gammaBatch.numel(),
                " permeabilities for a batch of ", x.dim() ? x.size(0) : 0);
    std::vector<std::int64_t> shape(static_cast<std::size_t>(y.dim()), 1);
    shape[0] = y.size(0);
    const auto g = m_gammaBatch.to(y.device(), y.scalar_type()).view(shape);
    const auto update = y + (g * m_scale) * at::linear(at::linear(x, m_down), m_up);
    // Samples with γ = 0 keep the base output bit for bit (y + 0 would turn −0 into +0).
    return at::where(g == 0, y, update);
}

} // namespace reverie::erase
