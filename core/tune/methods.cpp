#include "tune/methods.h"

#include <torch/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>

namespace reverie::tune {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::string methodId(Method m) {
    switch (m) {
    case Method::Full: return "full";
    case Method::Checkpoint: return "checkpoint";
    case Method::Adapter: return "adapter";
    case Method::LoRA: return "lora";
    case Method::Meft1: return "meft1";
    case Method::Meft2: return "meft2";
    case Method::Meft3: return "meft3";
    }
    return "full";
}

std::vector<Method> allMethods() {
    return {Method::Full, Method::Checkpoint, Method::Adapter, Method::LoRA, Method::Meft1, Method::Meft2, Method::Meft3};
}

std::optional<Method> methodFromId(const std::string& id) {
    for (Method m : allMethods())
        if (methodId(m) == id) return m;
    return std::nullopt;
}

std::string modulationId(Modulation m) {
    switch (m) {
    case Modulation::Frozen: return "frozen";
    case Modulation::Bias: return "bias";
    case Modulation::LoRA: return "lora";
    case Modulation::Full: return "full";
    }
    return "frozen";
}

namespace {
constexpr Modulation kModulations[] = {Modulation::Frozen, Modulation::Bias, Modulation::LoRA, Modulation::Full};
}

std::optional<Modulation> modulationFromId(const std::string& id) {
    for (Modulation m : kModulations)
        if (modulationId(m) == id) return m;
    return std::nullopt;
}

std::string unknownModulation(const std::string& id) {
    std::string known;
    for (Modulation m : kModulations) known += (known.empty() ? "" : ", ") + modulationId(m);
    return "unknown modulation '" + id + "' (known: " + known + ")";
}

bool isMeft(Method m) { return m == Method::Meft1 || m == Method::Meft2 || m == Method::Meft3; }

double MethodConfig::lambdaOrDefault() const {
    if (!std::isnan(lambda)) return lambda;
    return method == Method::Meft2 ? 1.0 : 0.1;
}

double MethodConfig::betaOrDefault() const {
    if (!std::isnan(beta)) return beta;
    return method == Method::Meft1 ? 1.0 : 0.1;
}

std::string MethodConfig::validate(int depth) const {
    if (depth < 1) return "the network has no blocks to tune";
    if (bottleneck < 1) return "the adapter width must be at least 1";
    if (loraRank < 1) return "the LoRA rank must be at least 1";
    if (!(dropout >= 0 && dropout < 1)) return "dropout must be in [0, 1)";
    if (segments < 0 || segments > depth) return "checkpoint segments must be between 1 and the number of blocks";
    if (isMeft(method)) {
        if (!(lambdaOrDefault() > 0) || !(betaOrDefault() > 0))
            return "MEFT's scaling factors λ and β must be positive (the inverse divides by them)";
        if (reversibleBlocks > depth) return "more reversible blocks than the network has";
    }
    return {};
}

// --------------------------------------------------------------------------------------------
// Custom autograd Functions. The module is passed as an integer (its address) because a
// Function's extra arguments must be IValues; it outlives the backward pass by contract
// (the caller keeps the model alive while it backpropagates).

namespace {

at::Tensor gradOrZero(const at::Tensor& leaf) {
    return leaf.grad().defined() ? leaf.grad() : at::zeros_like(leaf);
}

void backwardIfNeeded(const at::Tensor& out, const at::Tensor& grad) {
    if (out.requires_grad()) torch::autograd::backward({out}, {grad});
}

/// MEFT's reversible backpropagation over the lower `blocks` blocks (MEFT Algorithm 1).
struct ReversibleStack : torch::autograd::Function<ReversibleStack> {
    static variable_list forward(AutogradContext* ctx, at::Tensor s, at::Tensor c, int64_t self, int64_t blocks) {
        auto* m = reinterpret_cast<TunedDiTImpl*>(self);
        at::Tensor y = s;
        {
            torch::NoGradGuard noGrad;
            for (int i = 0; i < blocks; ++i) y = m->couple(i, y, c, true);
        }
        // Only the top output is kept; every lower state is recomputed by inversion.
        ctx->saved_data["y"] = y.detach();
        ctx->saved_data["c"] = c.detach();
        ctx->saved_data["self"] = self;
        ctx->saved_data["blocks"] = blocks;
        return {y};
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        auto* m = reinterpret_cast<TunedDiTImpl*>(ctx->saved_data["self"].toInt());
        const auto blocks = ctx->saved_data["blocks"].toInt();
        at::Tensor y = ctx->saved_data["y"].toTensor();
        const at::Tensor c = ctx->saved_data["c"].toTensor();
        at::Tensor dy = grads[0].defined() ? grads[0] : at::zeros_like(y);
        at::Tensor dc = at::zeros_like(c);
        const double lambda = m->lambda(), beta = m->beta();
        for (auto i = static_cast<int>(blocks) - 1; i >= 0; --i) {
            auto ys = y.chunk(2, -1), ds = dy.chunk(2, -1);
            const int one = m->swaps() ? 1 : 0, two = 1 - one;
            at::Tensor y1 = ys[one], y2 = ys[two], dy1 = ds[one], dy2 = ds[two];

            // G: recompute G(y¹), push dy² through it; then x² = (y² − G(y¹))/β.
            at::Tensor y1Leaf = y1.detach().requires_grad_(true), cG = c.detach().requires_grad_(true), g;
            {
                torch::AutoGradMode on(true);
                m->seedG(i);
                g = m->applyG(i, y1Leaf, cG);
                backwardIfNeeded(g, dy2);
            }
            at::Tensor x2 = (y2 - g.detach()) / beta;
            dy1 = dy1 + gradOrZero(y1Leaf);
            dc = dc + gradOrZero(cG);

            // F: recompute F(x²), push the total dy¹ through it; then x¹ = (y¹ − F(x²))/λ.
            at::Tensor x2Leaf = x2.detach().requires_grad_(true), cF = c.detach().requires_grad_(true), f;
            {
                torch::AutoGradMode on(true);
                m->seedF(i);
                f = m->applyF(i, x2Leaf, cF);
                backwardIfNeeded(f, dy1);
            }
            at::Tensor x1 = (y1 - f.detach()) / lambda;
            at::Tensor dx2 = beta * dy2 + gradOrZero(x2Leaf);
            at::Tensor dx1 = lambda * dy1;
            dc = dc + gradOrZero(cF);
            y = at::cat({x1, x2}, -1);
            dy = at::cat({dx1, dx2}, -1);
        }
        return {dy, dc, at::Tensor(), at::Tensor()};
    }
};

/// Gradient checkpointing of blocks [begin, end): inner activations recomputed in backward.
struct CheckpointSegment : torch::autograd::Function<CheckpointSegment> {
    static variable_list forward(AutogradContext* ctx, at::Tensor h, at::Tensor c, int64_t self, int64_t begin,
                                 int64_t end) {
        auto* m = reinterpret_cast<TunedDiTImpl*>(self);
        at::Tensor out = h;
        {
            torch::NoGradGuard noGrad;
            for (auto i = begin; i < end; ++i) out = m->runBlock(static_cast<int>(i), out, c, true);
        }
        ctx->saved_data["h"] = h.detach();
        ctx->saved_data["c"] = c.detach();
        ctx->saved_data["self"] = self;
        ctx->saved_data["begin"] = begin;
        ctx->saved_data["end"] = end;
        return {out};
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        auto* m = reinterpret_cast<TunedDiTImpl*>(ctx->saved_data["self"].toInt());
        at::Tensor hLeaf = ctx->saved_data["h"].toTensor().detach().requires_grad_(true);
        at::Tensor cLeaf = ctx->saved_data["c"].toTensor().detach().requires_grad_(true);
        const auto begin = ctx->saved_data["begin"].toInt(), end = ctx->saved_data["end"].toInt();
        {
            torch::AutoGradMode on(true);
            at::Tensor out = hLeaf;
            for (auto i = begin; i < end; ++i) out = m->runBlock(static_cast<int>(i), out, cLeaf, false);
            backwardIfNeeded(out, grads[0].defined() ? grads[0] : at::zeros_like(out));
        }
        return {gradOrZero(hLeaf), gradOrZero(cLeaf), at::Tensor(), at::Tensor(), at::Tensor()};
    }
};

} // namespace

// --------------------------------------------------------------------------------------------

TunedDiTImpl::TunedDiTImpl(models::DiT base, MethodConfig config, std::uint64_t seed)
    : m_base(std::move(base)), m_config(config), m_seedState(seed * 0x9E3779B97F4A7C15ULL + 1) {
    register_module("base", m_base);
    const int depth = m_base->depth(), d = m_base->config().width;
    m_lambda = config.lambdaOrDefault();
    m_beta = config.betaOrDefault();
    m_seedsF.assign(static_cast<std::size_t>(depth), 0);
    m_seedsG.assign(static_cast<std::size_t>(depth), 0);
    const auto reference = m_base->parameters().front();
    const bool full = config.method == Method::Full || config.method == Method::Checkpoint;
    for (auto& p : m_base->parameters()) p.requires_grad_(full);
    if (full) return;
    m_base->labelEmbedding()->weight.requires_grad_(true);
    auto modulationLayers = [&] {
        std::vector<torch::nn::Linear> out;
        for (int i = 0; i < depth; ++i) out.push_back(m_base->block(i)->modulation);
        out.push_back(m_base->finalModulation());
        return out;
    };
    switch (config.modulation) {
    case Modulation::Frozen: break;
    case Modulation::Bias:
        for (auto& l : modulationLayers()) l->bias.requires_grad_(true);
        break;
    case Modulation::Full:
        for (auto& l : modulationLayers())
            for (auto& p : l->parameters()) p.requires_grad_(true);
        break;
    case Modulation::LoRA:
        for (int i = 0; i < depth; ++i) {
            m_base->block(i)->enableModulationLoRA(config.loraRank, config.loraAlpha);
            m_base->block(i)->loraModulation->to(reference.device(), reference.scalar_type());
        }
        m_base->enableFinalModulationLoRA(config.loraRank, config.loraAlpha);
        m_base->finalModulationLoRA()->to(reference.device(), reference.scalar_type());
        break;
    }

    auto adapter = [&](bool layerNorm) {
        models::Adapter a(d, config.bottleneck, config.dropout, layerNorm);
        a->to(reference.device(), reference.scalar_type());
        return a;
    };
    for (int i = 0; i < depth; ++i) {
        auto block = m_base->block(i);
        switch (config.method) {
        case Method::Adapter:
        case Method::Meft3:
            block->setAttentionAdapter(adapter(false));
            block->setMlpAdapter(adapter(false));
            break;
        case Method::LoRA:
            block->enableLoRA(config.loraRank, config.loraAlpha);
            block->loraQkv->to(reference.device(), reference.scalar_type());
            block->loraProj->to(reference.device(), reference.scalar_type());
            break;
        case Method::Meft1:
        case Method::Meft2:
            block->setMlpAdapter(adapter(false));
            m_revAdapters.push_back(register_module("rev_adapter" + std::to_string(i), adapter(true)));
            break;
        default: break;
        }
    }
}

std::uint64_t TunedDiTImpl::nextSeed() {
    // splitmix64: cheap, deterministic, well mixed.
    std::uint64_t z = (m_seedState += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (z ^ (z >> 31)) >> 2;
}

void TunedDiTImpl::seedAdapters(int block, std::uint64_t seed) {
    auto b = m_base->block(block);
    if (auto a = b->attentionAdapter()) a->setSeed(seed + 1);
    if (auto a = b->mlpAdapter()) a->setSeed(seed + 2);
    if (!m_revAdapters.empty()) m_revAdapters[static_cast<std::size_t>(block)]->setSeed(seed + 3);
}

void TunedDiTImpl::seedF(int block) { seedAdapters(block, m_seedsF[static_cast<std::size_t>(block)]); }
void TunedDiTImpl::seedG(int block) { seedAdapters(block, m_seedsG[static_cast<std::size_t>(block)]); }

at::Tensor TunedDiTImpl::applyF(int block, const at::Tensor& x, const at::Tensor& c) {
    auto b = m_base->block(block);
    switch (m_config.method) {
    case Method::Meft1: return b->forward(x, c);
    case Method::Meft2: return m_revAdapters[static_cast<std::size_t>(block)]->forward(x);
    default: return b->attention(x, c);
    }
}

at::Tensor TunedDiTImpl::applyG(int block, const at::Tensor& x, const at::Tensor& c) {
    auto b = m_base->block(block);
    switch (m_config.method) {
    case Method::Meft1: return m_revAdapters[static_cast<std::size_t>(block)]->forward(x);
    case Method::Meft2: return b->forward(x, c);
    default: return b->mlp(x, c);
    }
}

at::Tensor TunedDiTImpl::couple(int block, const at::Tensor& s, const at::Tensor& c, bool drawSeeds) {
    auto xs = s.chunk(2, -1);
    const auto i = static_cast<std::size_t>(block);
    if (drawSeeds) m_seedsF[i] = nextSeed();
    seedF(block);
    at::Tensor y1 = m_lambda * xs[0] + applyF(block, xs[1], c);
    if (drawSeeds) m_seedsG[i] = nextSeed();
    seedG(block);
    at::Tensor y2 = m_beta * xs[1] + applyG(block, y1, c);
    return swaps() ? at::cat({y2, y1}, -1) : at::cat({y1, y2}, -1);
}

at::Tensor TunedDiTImpl::runBlock(int block, const at::Tensor& h, const at::Tensor& c, bool drawSeeds) {
    const auto i = static_cast<std::size_t>(block);
    if (drawSeeds) m_seedsF[i] = nextSeed();
    seedF(block);
    return m_base->block(block)->forward(h, c);
}

at::Tensor TunedDiTImpl::coupledForward(const at::Tensor& s, const at::Tensor& c, int begin, int end) {
    at::Tensor y = s;
    for (int i = begin; i < end; ++i) y = couple(i, y, c, false);
    return y;
}

at::Tensor TunedDiTImpl::coupledInverse(const at::Tensor& s, const at::Tensor& c, int begin, int end) {
    at::Tensor y = s;
    for (int i = end - 1; i >= begin; --i) {
        auto ys = y.chunk(2, -1);
        const int one = swaps() ? 1 : 0, two = 1 - one;
        seedG(i);
        at::Tensor x2 = (ys[two] - applyG(i, ys[one], c)) / m_beta;
        seedF(i);
        at::Tensor x1 = (ys[one] - applyF(i, x2, c)) / m_lambda;
        y = at::cat({x1, x2}, -1);
    }
    return y;
}

at::Tensor TunedDiTImpl::forward(const at::Tensor& x, const at::Tensor& noise, const at::Tensor& labels) {
    at::Tensor c = m_base->condition(noise, labels);
    at::Tensor h = m_base->tokens(x);
    const int depth = m_base->depth();
    const bool training = is_training();
    const bool grads = torch::GradMode::is_enabled();
    const auto self = reinterpret_cast<int64_t>(this);
    // A custom Function's backward runs only when one of its inputs requires grad; with frozen
    // embeddings neither might, so the stream is made a leaf that does (its grad is discarded).
    auto ensureGrad = [&](at::Tensor t) { return grads && !t.requires_grad() ? t.detach().requires_grad_(true) : t; };

    if (isMeft(m_config.method)) {
        at::Tensor s = at::cat({h, h}, -1);
        const int k = m_config.reversibleBlocks < 0 ? depth : std::min(m_config.reversibleBlocks, depth);
        int i = 0;
        if (m_config.reversibleBackprop && k > 0 && grads) {
            s = ReversibleStack::apply(ensureGrad(s), c, self, k)[0];
            i = k;
        }
        for (; i < depth; ++i) s = couple(i, s, c, training);
        auto streams = s.chunk(2, -1);
        h = (streams[0] + streams[1]) / 2;
    } else if (m_config.method == Method::Checkpoint && grads) {
        const int segments = m_config.segments > 0 ? m_config.segments
                                                   : std::max(1, static_cast<int>(std::lround(std::sqrt(double(depth)))));
        const int per = (depth + segments - 1) / segments;
        for (int b = 0; b < depth; b += per)
            h = CheckpointSegment::apply(ensureGrad(h), c, self, b, std::min(depth, b + per))[0];
    } else {
        for (int i = 0; i < depth; ++i) h = runBlock(i, h, c, training);
    }
    return m_base->output(h, c);
}

std::vector<at::Tensor> TunedDiTImpl::trainableParameters() const {
    std::vector<at::Tensor> out;
    for (const auto& p : parameters())
        if (p.requires_grad()) out.push_back(p);
    return out;
}

std::int64_t TunedDiTImpl::trainableCount() const {
    std::int64_t n = 0;
    for (const auto& p : trainableParameters()) n += p.numel();
    return n;
}

} // namespace reverie::tune
