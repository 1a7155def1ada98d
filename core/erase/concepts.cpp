#include "erase/concepts.h"

#include "data/fashion_mnist.h"
#include "data/text.h"
#include "engine/grad/samplergrad.h"
#include "engine/sde/param.h"
#include "engine/solvers/common.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>
#include <torch/autograd.h>
#include <torch/optim/adam.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>
#include <vector>

namespace reverie::erase {

namespace {

/// Rows of a [N, d] tensor without exact duplicates (first occurrence kept, order kept).
at::Tensor uniqueRows(const at::Tensor& rows) {
    if (!rows.defined() || rows.size(0) < 2) return rows;
    std::set<std::vector<double>> seen;
    std::vector<std::int64_t> keep;
    const auto c = rows.to(at::kDouble).contiguous();
    const auto d = c.size(1);
    for (std::int64_t i = 0; i < c.size(0); ++i) {
        const double* p = c.data_ptr<double>() + i * d;
        if (seen.insert(std::vector<double>(p, p + d)).second) keep.push_back(i);
    }
    return c.index_select(0, at::tensor(keep, at::kLong));
}

at::Generator gen(std::uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

double shareOf(const at::Tensor& predicted, int cls) {
    return predicted.numel() > 0 ? predicted.eq(cls).to(at::kDouble).mean().item<double>() : 0.0;
}

/// Takes the given weights out of autograd for its lifetime (an attack optimises only its
/// context) and gives each its requires_grad flag back on the way out.
class FrozenWeights {
public:
    explicit FrozenWeights(std::vector<at::Tensor> weights) : m_weights(std::move(weights)) {
        for (auto& w : m_weights) {
            m_was.push_back(w.requires_grad());
            w.requires_grad_(false);
        }
    }
    ~FrozenWeights() {
        for (std::size_t i = 0; i < m_weights.size(); ++i) m_weights[i].requires_grad_(m_was[i]);
    }
    FrozenWeights(const FrozenWeights&) = delete;
    FrozenWeights& operator=(const FrozenWeights&) = delete;

private:
    std::vector<at::Tensor> m_weights;
    std::vector<bool> m_was;
};

} // namespace

std::vector<at::Tensor> kvWeights(models::TextDenoiser& model) {
    std::vector<at::Tensor> out;
    for (auto& nl : model->crossAttentionKV()) out.push_back(nl.linear->weight);
    return out;
}

std::vector<std::string> kvNames(models::TextDenoiser& model) {
    std::vector<std::string> out;
    for (auto& nl : model->crossAttentionKV()) out.push_back(nl.name);
    return out;
}

Result<at::Tensor> promptTokens(models::TextDenoiser& model, const std::vector<std::string>& prompts,
                                const std::vector<std::string>& onlyWords) {
    using R = Result<at::Tensor>;
    if (prompts.empty()) return R::invalid("no prompts to take token embeddings from");
    std::set<std::string> only;
    for (const auto& p : onlyWords)
        for (auto& w : data::text::words(p)) only.insert(w);
    std::vector<at::Tensor> rows;
    for (const auto& p : prompts) {
        auto t = model->tokenEmbeddings(p);
        if (!t) return t.error();
        if (only.empty()) {
            rows.push_back(t.value());
            continue;
        }
        const auto ws = data::text::words(p);
        for (std::size_t i = 0; i < ws.size() && std::int64_t(i) < t.value().size(0); ++i)
            if (only.count(ws[i])) rows.push_back(t.value()[std::int64_t(i)].unsqueeze(0));
    }
    if (rows.empty()) return R::invalid("the prompts contain none of the concept's words");
    return uniqueRows(at::cat(rows).to(at::kDouble));
}

Result<ConceptSet> classConcept(models::TextDenoiser& model, int cls, TokenChoice tokens) {
    using R = Result<ConceptSet>;
    if (cls < 0 || cls >= data::text::kClasses) return R::invalid("there is no class " + std::to_string(cls) + " (0–9)");
    ConceptSet c;
    c.name = data::text::className(cls);
    auto e = promptTokens(model, data::text::erasePrompts(cls),
                          tokens == TokenChoice::ConceptWords ? data::text::eraseSynonyms(cls) : std::vector<std::string>{});
    if (!e) return e.error();
    c.erase = e.value();
    // RECE derives its regeneration embeddings from the concept's own words only.
    auto d = promptTokens(model, data::text::erasePrompts(cls), data::text::eraseSynonyms(cls));
    if (!d) return d.error();
    c.derive = d.value();
    auto g = model->tokenEmbeddings("");
    if (!g) return g.error();
    c.guide = g.value().to(at::kDouble);
    return c;
}

Result<at::Tensor> preserveFor(models::TextDenoiser& model, const std::vector<int>& erased) {
    std::vector<std::string> prompts;
    for (int c = 0; c < data::text::kClasses; ++c)
        if (std::find(erased.begin(), erased.end(), c) == erased.end())
            for (auto& p : data::text::erasePrompts(c)) prompts.push_back(p);
    if (prompts.empty()) return at::Tensor();
    return promptTokens(model, prompts);
}

Result<EditSet> makeEditSet(models::TextDenoiser& model, const std::string& modelName) {
    auto ws = kvWeights(model);
    if (ws.empty()) return Result<EditSet>::invalid("the model has no cross-attention to edit");
    std::vector<at::Tensor> originals;
    for (auto& w : ws) originals.push_back(w.detach());
    return EditSet::create(modelName, kvNames(model), originals);
}

at::Tensor classify(models::Classifier& classifier, const at::Tensor& x) {
    c10::InferenceMode inference;
    classifier->eval();
    std::vector<at::Tensor> parts;
    for (std::int64_t s = 0; s < x.size(0); s += 500)
        parts.push_back(classifier->forward(x.narrow(0, s, std::min<std::int64_t>(500, x.size(0) - s))).argmax(1));
    return at::cat(parts);
}

Result<Recognition> recognition(models::TextDenoiser& model, models::Classifier& classifier,
                                const std::vector<std::string>& prompts, const std::vector<std::uint64_t>& seeds,
                                int cls, const TextSampleOptions& so, const JobContext& ctx) {
    using R = Result<Recognition>;
    if (prompts.empty() || seeds.empty()) return R::invalid("recognition needs prompts and seeds");
    std::vector<std::string> ps;
    std::vector<std::uint64_t> ss;
    for (const auto& p : prompts)
        for (auto s : seeds) {
            ps.push_back(p);
            ss.push_back(s);
        }
    Recognition rec;
    std::vector<at::Tensor> preds;
    for (std::size_t i = 0; i < ps.size(); i += 256) {
        if (ctx.cancelled()) return R::cancelled("recognition: cancelled");
        const std::size_t n = std::min<std::size_t>(256, ps.size() - i);
        auto r = sample(model, std::vector<std::string>(ps.begin() + std::ptrdiff_t(i), ps.begin() + std::ptrdiff_t(i + n)),
                        std::vector<std::uint64_t>(ss.begin() + std::ptrdiff_t(i), ss.begin() + std::ptrdiff_t(i + n)), so,
                        JobContext{nullptr, ctx.cancel});
        if (!r) return r.error();
        preds.push_back(classify(classifier, r.value().x));
    }
    const auto all = at::cat(preds);
    rec.share = shareOf(all, cls);
    for (std::int64_t i = 0; i < all.size(0); ++i) rec.predicted.push_back(int(all[i].item<std::int64_t>()));
    return rec;
}

Result<AttackResult> closedFormAttack(models::TextDenoiser& model, models::Classifier& classifier,
                                      const std::vector<at::Tensor>& originals, const std::string& prompt, int cls,
                                      const std::vector<std::uint64_t>& seeds, const AttackParams& ap,
                                      const TextSampleOptions& so, const JobContext& ctx) {
    using R = Result<AttackResult>;
    const auto edited = kvWeights(model);
    if (originals.size() != edited.size()) return R::invalid("the original K/V weights do not match the model");
    auto enc = model->encode({prompt});
    if (!enc) return enc.error();
    return guarded<AttackResult>("closed-form attack", [&]() -> R {
        const double t0 = nowSeconds();
        std::vector<MatrixPair> pairs;
        for (std::size_t i = 0; i < edited.size(); ++i) pairs.push_back({originals[i], edited[i].detach()});
        const auto ctx0 = enc.value().context.detach()[0];            // [L, dim]
        const auto mask = enc.value().mask;
        const auto real = mask[0].nonzero().squeeze(1);
        auto derived = regenerationEmbedding(pairs, ctx0.index_select(0, real).to(at::kDouble), ap.lambda);
        if (!derived) return derived.error();
        auto c = ctx0.clone();
        c.index_copy_(0, real, derived.value().to(c.scalar_type()));
        AttackResult a;
        a.context = c.unsqueeze(0);
        a.mask = mask;
        a.seconds = nowSeconds() - t0;
        const auto n = std::int64_t(seeds.size());
        auto s = sampleContext(model, a.context.expand({n, c.size(0), c.size(1)}).contiguous(), mask.expand({n, mask.size(1)}),
                               seeds, so, ctx);
        if (!s) return s.error();
        a.success = shareOf(classify(classifier, s.value().x), cls);
        a.samples = s.value().images;
        return a;
    });
}

Result<AttackResult> gradientAttack(models::TextDenoiser& model, models::Classifier& classifier, const at::Tensor& images,
                                    const std::string& prompt, int cls, const std::vector<std::uint64_t>& seeds,
                                    const AttackParams& ap, const TextSampleOptions& so, const JobContext& ctx) {
    using R = Result<AttackResult>;
    if (!images.defined() || images.size(0) < 1) return R::invalid("the gradient attack needs real images of the concept");
    if (ap.steps < 1 || ap.batch < 1 || !(ap.lr > 0)) return R::invalid("the attack needs steps, batch and lr > 0");
    auto enc = model->encode({prompt});
    if (!enc) return enc.error();
    return guarded<AttackResult>("gradient attack", [&]() -> R {
        const double t0 = nowSeconds();
        const FrozenWeights frozen(model->parameters());
        const auto mask = enc.value().mask;
        auto c = enc.value().context.detach().clone().requires_grad_(true);
        torch::optim::Adam opt({c}, torch::optim::AdamOptions(ap.lr));
        auto g = gen(ap.seed);
        const double sd = model->sigmaData();
        model->eval();
        for (int step = 0; step < ap.steps; ++step) {
            if (ctx.cancelled()) return R::cancelled("gradient attack: cancelled at step " + std::to_string(step));
            torch::AutoGradMode on(true);
            const auto idx = at::randint(images.size(0), {ap.batch}, g, at::kLong);
            const auto x0 = data::toSigned(images.index_select(0, idx));
            const auto sigma = at::exp(at::randn({ap.batch}, g, at::kFloat) * 1.2 - 1.2);
            const auto z = at::randn(x0.sizes(), g, at::kFloat);
            const auto s4 = sigma.view({-1, 1, 1, 1});
            const auto d = model->forward(x0 + s4 * z, sigma, c.expand({ap.batch, c.size(1), c.size(2)}),
                                          mask.expand({ap.batch, mask.size(1)}));
            const auto weight = (s4 * s4 + sd * sd) / (s4 * sd).square();
            const auto loss = (weight * (d - x0).square()).mean();
            opt.zero_grad();
            loss.backward();
            opt.step();
            if (step % 10 == 0 || step + 1 == ap.steps) {
                Progress pr;
                pr.step = step + 1;
                pr.total = ap.steps;
                pr.message = "gradient attack";
                pr.values = {{"loss", loss.item<double>()}};
                ctx.report(pr);
            }
        }
        AttackResult a;
        a.context = c.detach();
        a.mask = mask;
        a.seconds = nowSeconds() - t0;
        const auto n = std::int64_t(seeds.size());
        auto s = sampleContext(model, a.context.expand({n, c.size(1), c.size(2)}).contiguous(),
                               mask.expand({n, mask.size(1)}), seeds, so, ctx);
        if (!s) return s.error();
        a.success = shareOf(classify(classifier, s.value().x), cls);
        a.samples = s.value().images;
        return a;
    });
}

Result<AttackResult> samplerAttack(models::TextDenoiser& model, models::Classifier& classifier,
                                   const std::string& prompt, int cls,
                                   const std::vector<std::uint64_t>& seeds, const AttackParams& ap,
                                   const TextSampleOptions& so, const JobContext& ctx) {
    using R = Result<AttackResult>;
    if (ap.samplerIterations < 1 || ap.samplerBatch < 1 || ap.samplerSteps < 1 || !(ap.samplerLr > 0))
        return R::invalid("the sampler attack needs iterations, batch, steps and lr > 0");
    std::unique_ptr<sde::Sde> sdeP = so.sde == "ve"      ? sde::makeVe()
                                     : so.sde == "subvp" ? sde::makeSubVp()
                                     : so.sde == "vp"    ? sde::makeVp()
                                                         : nullptr;
    if (!sdeP) return R::invalid("unknown SDE '" + so.sde + "' (known: ve, vp, subvp)");
    auto enc = model->encode({prompt});
    if (!enc) return enc.error();
    auto nullEnc = model->encode({""});
    if (!nullEnc) return nullEnc.error();
    return guarded<AttackResult>("sampler attack", [&]() -> R {
        const double t0 = nowSeconds();
        c10::InferenceMode normal(false);
        // Only the context is optimised: the networks' weights stay out of the graph.
        std::vector<at::Tensor> weights = model->parameters();
        for (auto& w : classifier->parameters()) weights.push_back(w);
        const FrozenWeights frozen(std::move(weights));
        struct Restore {
            models::TextDenoiser& m;
            bool training;
            ~Restore() { m->train(training); }
        } restore{model, model->is_training()};
        model->eval();
        classifier->eval();
        const auto B = std::int64_t(ap.samplerBatch);
        const auto mask = enc.value().mask;
        const auto L = enc.value().context.size(1), dim = enc.value().context.size(2);
        at::Tensor c = enc.value().context.detach().clone().to(at::kFloat).requires_grad_(true);
        // The empty prompt at the prompt's length (padding masked out), as the sampler builds it.
        at::Tensor nullCtx = at::zeros({1, L, dim}, at::kFloat), nullMask = at::zeros({1, L}, at::kBool);
        const auto nl = std::min<std::int64_t>(L, nullEnc.value().context.size(1));
        nullCtx.slice(1, 0, nl).copy_(nullEnc.value().context.slice(1, 0, nl));
        nullMask.slice(1, 0, nl).copy_(nullEnc.value().mask.slice(1, 0, nl));
        const double w = so.guidance;
        sde::SigmaDenoiser sig = [&](const at::Tensor& xt, const at::Tensor& st, const at::Tensor&) {
            const auto n = xt.size(0);
            const auto x = xt.to(at::kFloat);
            auto s = st.to(at::kFloat).reshape({-1});
            if (s.numel() == 1) s = s.expand({n});
            const auto cc = c.expand({n, L, dim});
            const auto mm = mask.expand({n, L});
            if (w == 1.0) return model->forward(x, s, cc, mm).to(xt.scalar_type());
            const auto both =
                model->forward(at::cat({x, x}), at::cat({s, s}), at::cat({cc, nullCtx.expand({n, L, dim})}),
                               at::cat({mm, nullMask.expand({n, L})}));
            const auto cond = both.slice(0, 0, n), uncond = both.slice(0, n, 2 * n);
            return (uncond + w * (cond - uncond)).to(xt.scalar_type());
        };
        grad::Problem prob;
        prob.sde = sdeP.get();
        prob.denoiser = sde::denoiserFromSigma(*sdeP, sig);
        prob.params = {c};
        prob.loss = [&](const at::Tensor& x) {
            return -at::log_softmax(classifier->forward(x.to(at::kFloat).clamp(-1.0, 1.0)), 1)
                        .select(1, cls)
                        .sum();
        };
        grad::Options o;
        o.common.steps = ap.samplerSteps;
        o.strategy = grad::Strategy::Reversible;
        const int size = model->netConfig().imageSize, ch = model->netConfig().inChannels;
        torch::optim::Adam opt({c}, torch::optim::AdamOptions(ap.samplerLr));
        for (int it = 0; it < ap.samplerIterations; ++it) {
            // Fresh seeds each step (apart from the evaluation's): the context must work for any.
            std::vector<at::Tensor> starts;
            for (std::int64_t i = 0; i < B; ++i) {
                solvers::NoiseSource noise(ap.seed * 7919 + std::uint64_t(it) * 1000 + std::uint64_t(i) +
                                               900000,
                                           solvers::NoiseMode::PerItem);
                starts.push_back(
                    solvers::priorSample(*sdeP, at::zeros({1, ch, size, size}, at::kFloat), {}, noise));
            }
            auto g = grad::sampleGrad(prob, at::cat(starts), o, ctx);
            if (!g) return g.error();
            opt.zero_grad();
            c.mutable_grad() = g.value().gradParams[0] / double(B);
            opt.step();
            Progress pr;
            pr.step = it + 1;
            pr.total = ap.samplerIterations;
            pr.message = "sampler attack";
            pr.values = {{"loss", g.value().loss / double(B)}};
            ctx.report(pr);
        }
        AttackResult a;
        a.context = c.detach().clone();
        a.mask = mask;
        a.seconds = nowSeconds() - t0;
        const auto n = std::int64_t(seeds.size());
        auto s = sampleContext(model, a.context.expand({n, L, dim}).contiguous(), mask.expand({n, L}), seeds,
                               so, ctx);
        if (!s) return s.error();
        a.success = shareOf(classify(classifier, s.value().x), cls);
        a.samples = s.value().images;
        return a;
    });
}

} // namespace reverie::erase
