#include "erase/textsample.h"
#include "erase/finetune.h"

#include "erase/concepts.h"
#include "data/text.h"
#include "erase/transport.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/autograd.h>
#include <torch/optim/adam.h>

#include <cmath>
#include <random>

namespace reverie::erase {

namespace {

enum class Kind { Esd, Spm };

/// Puts the model's K/V Parameter tensors back (and their requires_grad flags) on scope exit.
struct KvGuard {
    std::vector<models::NamedLinear> kv;
    std::vector<at::Tensor> params;   // the registered Parameter tensors, in kv order
    std::vector<at::Tensor> all;
    std::vector<bool> flags;
    explicit KvGuard(models::TextDenoiser& model) : kv(model->crossAttentionKV()), all(model->parameters()) {
        for (auto& nl : kv) params.push_back(nl.linear->weight);
        for (auto& p : all) {
            flags.push_back(p.requires_grad());
            p.requires_grad_(false);
        }
    }
    void set(const std::vector<at::Tensor>& ws) {
        for (std::size_t i = 0; i < kv.size(); ++i) kv[i].linear->weight = ws[i];
    }
    void original() {
        for (std::size_t i = 0; i < kv.size(); ++i) kv[i].linear->weight = params[i];
    }
    ~KvGuard() {
        original();
        for (std::size_t i = 0; i < all.size(); ++i) all[i].requires_grad_(flags[i]);
    }
};

Result<FinetuneResult> trainKind(models::TextDenoiser& model, int cls, const FinetuneParams& p, Kind kind, const JobContext& ctx) {
    using R = Result<FinetuneResult>;
    if (cls < 0 || cls >= data::text::kClasses) return R::invalid("there is no class " + std::to_string(cls) + " (0–9)");
    if (p.steps < 1 || p.batch < 1 || !(p.lr > 0) || p.poolImages < 1 || p.poolSteps < 1)
        return R::invalid("training needs steps, batch, lr, pool images and pool steps > 0");
    if (!(p.eta >= 0) || !(p.anchorWeight >= 0) || !std::isfinite(p.anchorWeight) || p.anchors < 0)
        return R::invalid("η, the anchor weight and anchors must be ≥ 0");
    const auto prompts = data::text::erasePrompts(cls);
    if (prompts.empty()) return R::invalid("the concept has no prompts");
    auto concept_ = classConcept(model, cls);
    if (!concept_) return concept_.error();
    const char* what = kind == Kind::Esd ? "ESD" : "SPM";

    return guarded<FinetuneResult>(what, [&]() -> R {
        const double t0 = nowSeconds();
        model->eval();
        std::mt19937_64 rng(p.seed);
        auto g = at::make_generator<at::CPUGeneratorImpl>(p.seed);
        // The x₀ pool: the frozen model's own samples of the concept.
        std::vector<std::string> poolPrompts;
        std::vector<std::uint64_t> poolSeeds;
        for (int i = 0; i < p.poolImages; ++i) {
            poolPrompts.push_back(prompts[rng() % prompts.size()]);
            poolSeeds.push_back(p.seed * 1000 + std::uint64_t(i));
        }
        TextSampleOptions so;
        so.steps = p.poolSteps;
        so.guidance = p.guidance;
        auto pool = sample(model, poolPrompts, poolSeeds, so, JobContext{nullptr, ctx.cancel});
        if (!pool) return pool.error();
        const auto x0pool = pool.value().x;

        auto nullEnc = model->encode({""});
        if (!nullEnc) return nullEnc.error();
        KvGuard guard(model);
        std::vector<at::Tensor> trainable, deltasOrUp, downs;
        for (auto& w : guard.params) {
            if (kind == Kind::Esd) {
                deltasOrUp.push_back(at::zeros_like(w).requires_grad_(true));
            } else {
                deltasOrUp.push_back(at::zeros({w.size(0), 1}, w.options()).requires_grad_(true));
                // Kaiming-uniform with a = √5 (PyTorch's Linear default, as the reference initialises
                // D): bound = √(6 / ((1 + a²)·fan_in)) = 1/√fan_in.
                const double bound = 1.0 / std::sqrt(double(w.size(1)));
                downs.push_back((at::rand({w.size(1), 1}, g, w.scalar_type()) * 2 - 1).mul_(bound).requires_grad_(true));
            }
        }
        for (auto& t : deltasOrUp) trainable.push_back(t);
        for (auto& t : downs) trainable.push_back(t);
        torch::optim::Adam opt(trainable, torch::optim::AdamOptions(p.lr));
        auto deltaOf = [&](std::size_t l) {
            return kind == Kind::Esd ? deltasOrUp[l] : at::mm(deltasOrUp[l], downs[l].t());
        };
        const double sd = model->sigmaData();
        // ‖ΔW‖/‖W‖ over all trained matrices: how far the edit has moved the model.
        auto deltaRatio = [&] {
            at::NoGradGuard ng;
            double d2 = 0, w2 = 0;
            for (std::size_t l = 0; l < guard.params.size(); ++l) {
                d2 += deltaOf(l).square().sum().item<double>();
                w2 += guard.params[l].square().sum().item<double>();
            }
            return w2 > 0 ? std::sqrt(d2 / w2) : 0.0;
        };
        FinetuneResult res;
        if (kind == Kind::Spm) res.anchorWeight = p.anchorWeight;
        for (int step = 0; step < p.steps; ++step) {
            if (ctx.cancelled()) return R::cancelled(std::string(what) + ": cancelled at step " + std::to_string(step));
            const auto B = p.batch;
            const auto idx = at::randint(x0pool.size(0), {B}, g, at::kLong);
            const auto x0 = x0pool.index_select(0, idx);
            const auto sigma = at::exp(at::randn({B}, g, at::kFloat) * 1.2 - 1.2);
            const auto s4 = sigma.view({-1, 1, 1, 1});
            const auto xs = x0 + s4 * at::randn(x0.sizes(), g, at::kFloat);
            std::vector<std::string> ps;
            for (int i = 0; i < B; ++i) ps.push_back(prompts[rng() % prompts.size()]);
            auto enc = model->encode(ps);
            if (!enc) return enc.error();
            const auto c = enc.value().context.detach(), m = enc.value().mask;
            const auto nc = nullEnc.value().context.detach().expand({B, c.size(1), c.size(2)});
            const auto nm = nullEnc.value().mask.expand({B, c.size(1)});
            at::Tensor anchors, anchorMask;
            if (kind == Kind::Spm && p.anchors > 0) {
                // Random contexts of the concept prompts' norm, kept with probability 1 − cos(c, n).
                std::vector<at::Tensor> as, ams;
                std::uniform_real_distribution<double> u01(0, 1), scale(0.8, 1.2);
                for (int tries = 0; int(as.size()) < p.anchors && tries < 20 * p.anchors; ++tries) {
                    const auto k = std::int64_t(rng() % std::uint64_t(B));
                    const auto ck = c[k];
                    auto n = at::randn(ck.sizes(), g, at::kFloat) * m[k].unsqueeze(1).to(at::kFloat);
                    const double cosine =
                        (ck.flatten() * n.flatten()).sum().item<double>() / (ck.norm().item<double>() * n.norm().item<double>() + 1e-12);
                    if (u01(rng) > 1 - cosine) continue;
                    as.push_back(n * (scale(rng) * ck.norm().item<double>() / (n.norm().item<double>() + 1e-12)));
                    ams.push_back(m[k]);
                }
                // The empty prompt is an anchor too (the reference's anchor set includes it): the
                // unconditional branch that guidance pushes against must not move.
                as.push_back(nullEnc.value().context[0].detach());
                ams.push_back(nullEnc.value().mask[0]);
                anchors = at::stack(as);
                anchorMask = at::stack(ams);
            }
            at::Tensor target, anchorTarget;
            {
                at::NoGradGuard ng;
                guard.original();
                const auto both = model->forward(at::cat({xs, xs}), at::cat({sigma, sigma}), at::cat({c, nc}), at::cat({m, nm}));
                const auto dc = both.slice(0, 0, B), du = both.slice(0, B, 2 * B);
                target = du - p.eta * (dc - du);
                if (anchors.defined()) {
                    const auto A = anchors.size(0);
                    anchorTarget = model->forward(xs.slice(0, 0, A), sigma.slice(0, 0, A), anchors, anchorMask);
                }
            }
            torch::AutoGradMode on(true);
            std::vector<at::Tensor> ws;
            for (std::size_t l = 0; l < guard.params.size(); ++l) ws.push_back(guard.params[l] + deltaOf(l));
            guard.set(ws);
            const auto weight = (s4 * s4 + sd * sd) / (s4 * sd).square();
            const auto erase = (weight * (model->forward(xs, sigma, c, m) - target).square()).mean();
            auto loss = erase;
            double anchorLoss = 0;
            if (anchors.defined()) {
                const auto A = anchors.size(0);
                const auto out = model->forward(xs.slice(0, 0, A), sigma.slice(0, 0, A), anchors, anchorMask);
                const auto anchor = (weight.slice(0, 0, A) * (out - anchorTarget).square()).mean();
                loss = loss + p.anchorWeight * anchor;
                anchorLoss = anchor.item<double>();
            }
            opt.zero_grad();
            loss.backward();
            opt.step();
            guard.original();
            res.losses.push_back(erase.item<double>());
            if (kind == Kind::Spm) res.anchorLosses.push_back(anchorLoss);
            if (step % 10 == 0 || step + 1 == p.steps) {
                Progress pr;
                pr.step = step + 1;
                pr.total = p.steps;
                pr.message = what;
                pr.values = {{"loss", erase.item<double>()}, {"total", loss.item<double>()}, {"anchor", anchorLoss},
                             {"delta_ratio", deltaRatio()}};
                ctx.report(pr);
            }
        }
        Artefact a;
        a.name = concept_.value().name;
        a.method = kind == Kind::Esd ? "esd" : "spm";
        a.conceptSet = concept_.value();
        {
            at::NoGradGuard ng;
            for (std::size_t l = 0; l < guard.params.size(); ++l) a.deltas.push_back(deltaOf(l).detach().clone());
        }
        res.deltaRatio = deltaRatio();
        res.seconds = nowSeconds() - t0;
        a.seconds = res.seconds;
        res.artefact = std::move(a);
        return res;
    });
}

} // namespace

FinetuneParams esdParams() { return {}; }

FinetuneParams spmParams() {
    FinetuneParams p;
    p.lr = 1e-2;
    return p;
}

Result<FinetuneResult> trainEsd(models::TextDenoiser& model, int cls, const FinetuneParams& p, const JobContext& ctx) {
    return trainKind(model, cls, p, Kind::Esd, ctx);
}

Result<FinetuneResult> trainSpm(models::TextDenoiser& model, int cls, const FinetuneParams& p, const JobContext& ctx) {
    return trainKind(model, cls, p, Kind::Spm, ctx);
}

Result<at::Tensor> pooledEmbedding(models::TextDenoiser& model, const std::string& prompt) {
    auto t = model->tokenEmbeddings(prompt);
    if (!t) return t.error();
    return t.value().to(at::kDouble).mean(0);
}

Result<double> transportFor(models::TextDenoiser& model, const std::string& prompt, const std::string& conceptName) {
    auto pe = pooledEmbedding(model, prompt);
    if (!pe) return pe.error();
    auto ce = pooledEmbedding(model, conceptName);
    if (!ce) return ce.error();
    return permeability(pe.value(), ce.value(), data::text::words(prompt), data::text::words(conceptName));
}

} // namespace reverie::erase
