#include "erase/sd_erase.h"
#include "base/text.h"
#include "erase/sd_parts.h"

#include "base/io.h"
#include "erase/closed_form.h"
#include "models/formats/safetensors.h"
#include "models/sd/clip_text.h"
#include "models/sd/edit.h"
#include "models/sd/files.h"
#include "models/sd/tokenizer.h"
#include "models/sd/unet.h"

#include "engine/sde/sde.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

namespace reverie::erase {
namespace detail {

std::string number(double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}

Result<SdParts> loadParts(const std::string& checkpoint, int textHeads, int unetHeads) {
    using namespace models::sd;
    auto file = readSdFile(checkpoint);
    if (!file) return file.error();
    ClipTextOptions to;
    if (textHeads > 0) to.heads = textHeads;
    auto text = clipTextEncoderFromTensors(file.value().tensors, to);
    if (!text) return text.error();
    SdUNetOptions uo;
    if (unetHeads > 0) uo.numHeads = unetHeads;
    auto unet = sdUNetFromTensors(file.value().tensors, uo);
    if (!unet) return unet.error();
    auto tok = ClipTokenizer::load();
    if (!tok) return tok.error();
    return SdParts{std::move(text.value()), std::move(unet.value()), std::move(tok.value())};
}

/// loadParts with the "loading <file>" progress report the erase jobs start with; *seconds gets the
/// time it took.
Result<SdParts> loadReporting(const std::string& checkpoint, int textHeads, int unetHeads,
                              const JobContext& ctx, double* seconds) {
    const double t0 = nowSeconds();
    Progress pr;
    pr.message = "loading " + std::filesystem::path(checkpoint).filename().string();
    ctx.report(pr);
    auto parts = loadParts(checkpoint, textHeads, unetHeads);
    *seconds = nowSeconds() - t0;
    return parts;
}

/// loadReporting with every weight frozen (requires_grad off): the fine-tuning and the attacks
/// differentiate only what they add.
Result<SdParts> loadFrozen(const std::string& checkpoint, int textHeads, int unetHeads, const JobContext& ctx,
                           double* seconds) {
    auto parts = loadReporting(checkpoint, textHeads, unetHeads, ctx, seconds);
    if (!parts) return parts;
    for (auto& w : parts.value().unet.model->parameters()) w.requires_grad_(false);
    for (auto& w : parts.value().text.model->parameters()) w.requires_grad_(false);
    return parts;
}

} // namespace detail

namespace {
using namespace models::sd;
using namespace detail;

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : "\n") + s;
    return out;
}

/// The rows UCE's official procedure erases for a prompt paired with its guide: the text states
/// from the prompt's last word token to the end of the context (its end token and the padding that
/// attends to it), aligned with the guide's rows from the guide's last word token; both cut to the
/// same count. f = (ids incl. start and end) − 2; for "" that is the start token.
std::pair<at::Tensor, at::Tensor> alignedRows(const at::Tensor& states, int fa, const at::Tensor& guideStates,
                                              int fg) {
    const std::int64_t L = states.size(0);
    const int far = std::max(fa, fg);
    const std::int64_t n = L - far;
    return {states.narrow(0, fa, n), guideStates.narrow(0, fg, n)};
}

/// Writes an edit file: ΔW per K/V matrix (names as in the checkpoint), the method, its prompts and
/// the fingerprint of the K/V it was made from (models/sd/edit.h reads it).
Result<bool> writeEdit(const std::string& output, const std::string& prefix,
                       const std::vector<std::pair<std::string, at::Tensor>>& kv,
                       const std::vector<at::Tensor>& deltas, const std::string& method,
                       const std::string& concepts, const std::string& guide, const std::string& preserve,
                       const std::string& checkpoint) {
    models::formats::NamedTensors out;
    for (std::size_t l = 0; l < kv.size(); ++l)
        out.emplace_back(prefix + kv[l].first, deltas[l].to(at::kFloat).contiguous());
    const auto [fa, fs] = kvFingerprint(kv);
    const std::map<std::string, std::string> meta = {
        {"format", "reverie-sd-edit"},
        {"version", "1"},
        {"method", method},
        {"concepts", concepts},
        {"guide", guide},
        {"preserve", preserve},
        {"base", std::filesystem::path(checkpoint).stem().string()},
        {"fingerprint_abs", number(fa)},
        {"fingerprint_sq", number(fs)}};
    return models::formats::writeSafetensors(output, out, meta);
}

} // namespace

Result<SdEraseResult> runSdErase(const SdEraseParams& p, const JobContext& ctx) {
    using R = Result<SdEraseResult>;
    std::vector<std::string> concepts;
    for (const auto& c : p.concepts)
        if (!trim(c).empty()) concepts.push_back(trim(c));
    if (concepts.empty()) return R::invalid("no concept to erase");
    if (p.method != "uce" && p.method != "rece") return R::invalid("method must be uce or rece, not '" + p.method + "'");
    if (p.output.empty()) return R::invalid("no output file for the edit");
    if (p.receEpochs < 1 || p.receEpochs > 10) return R::invalid("RECE epochs must lie in 1…10");
    try {
        c10::InferenceMode guard;
        SdEraseResult res;
        auto parts = loadReporting(p.checkpoint, p.textHeads, p.unetHeads, ctx, &res.loadSeconds);
        if (!parts) return parts.error();
        auto& text = parts.value().text;
        auto& unet = parts.value().unet;
        auto& tok = parts.value().tok;
        if (ctx.cancelled()) return R::cancelled("erase: cancelled");

        double t0 = nowSeconds();
        std::vector<std::string> prompts = concepts;
        prompts.push_back(p.guide);
        for (const auto& s : p.preserve)
            if (!trim(s).empty()) prompts.push_back(trim(s));
        const auto batch = tok.tokenize(prompts, text.model->config().context);
        const at::Tensor states = text.model->forward(batch.ids).to(at::kDouble);
        res.encodeSeconds = nowSeconds() - t0;
        const std::size_t g = concepts.size();
        auto last = [&](std::size_t i) { return batch.lengths[i] - 2; };

        std::vector<ConceptSet> sets;
        for (std::size_t i = 0; i < g; ++i) {
            auto [e, gd] = alignedRows(states[std::int64_t(i)], last(i), states[std::int64_t(g)], last(g));
            sets.push_back({concepts[i], e, gd, 1.0, at::Tensor()});
            res.eraseRows += int(e.size(0));
        }
        std::vector<at::Tensor> keep;
        for (std::size_t i = g + 1; i < prompts.size(); ++i)
            keep.push_back(states[std::int64_t(i)].narrow(0, last(i), states.size(1) - last(i)));
        const at::Tensor preserve = keep.empty() ? at::Tensor() : at::cat(keep);

        auto kv = crossAttentionKv(*unet.model);
        std::vector<at::Tensor> Ws;
        for (const auto& [name, w] : kv) Ws.push_back(w.detach());
        res.matrices = int(Ws.size());
        UceParams up;
        up.eta = p.eta;
        up.lambda1 = p.lambda1;
        up.lambda2 = p.lambda2;
        Edit edit;
        if (p.method == "uce") {
            auto e = solveJoint(Ws, sets, preserve, up);
            if (!e) return e.error();
            edit = std::move(e.value());
            res.solveSeconds = edit.seconds;
        } else {
            ConceptSet all{join(concepts), at::cat([&] {
                               std::vector<at::Tensor> v;
                               for (const auto& s : sets) v.push_back(s.erase);
                               return v;
                           }()),
                           at::cat([&] {
                               std::vector<at::Tensor> v;
                               for (const auto& s : sets) v.push_back(s.guide);
                               return v;
                           }()),
                           1.0, at::Tensor()};
            ReceParams rp;
            rp.uce = up;
            rp.lambda = p.receLambda;
            rp.epochs = p.receEpochs;
            auto r = runRece(Ws, all, preserve, rp, {}, ctx);
            if (!r) return r.error();
            res.eraseRows = int(r.value().conceptSet.erase.size(0));
            edit = std::move(r.value().edit);
            res.solveSeconds = r.value().seconds;
        }

        // How far the edit moved the concepts to their guides, and how little the preserved moved.
        double gap = 0, left = 0, drift = 0, base = 0;
        for (std::size_t l = 0; l < Ws.size(); ++l) {
            const at::Tensor W = Ws[l].to(at::kDouble), W2 = edit.weights[l].to(at::kDouble);
            for (const auto& s : sets) {
                const at::Tensor target = at::matmul(s.guide, W.t());
                gap += (at::matmul(s.erase, W.t()) - target).square().sum().item<double>();
                left += (at::matmul(s.erase, W2.t()) - target).square().sum().item<double>();
            }
            if (preserve.defined()) {
                const at::Tensor before = at::matmul(preserve, W.t());
                drift += (at::matmul(preserve, W2.t()) - before).square().sum().item<double>();
                base += before.square().sum().item<double>();
            }
        }
        res.residual = gap > 0 ? std::sqrt(left / gap) : 0.0;
        res.preserveDrift = base > 0 ? std::sqrt(drift / base) : 0.0;

        auto w = writeEdit(p.output, unet.prefix, kv, edit.deltas, p.method, join(concepts), p.guide,
                           join(p.preserve), p.checkpoint);
        if (!w) return w.error();
        return res;
    } catch (const std::exception& e) {
        return R::failed(std::string("erase: ") + firstLine(e.what()));
    }
}

SdEsdParams finetuneParams(const SdEraseParams& p) {
    SdEsdParams q;
    q.method = p.method;
    q.checkpoint = p.checkpoint;
    q.concept_ = p.concepts.empty() ? std::string() : p.concepts.front();
    q.textHeads = p.textHeads;
    q.unetHeads = p.unetHeads;
    q.output = p.output;
    return q;
}

Result<SdEsdResult> runSdEsd(const SdEsdParams& p, const JobContext& ctx) {
    using R = Result<SdEsdResult>;
    const std::string concept_ = trim(p.concept_);
    if (concept_.empty()) return R::invalid("no concept to erase");
    if (p.output.empty()) return R::invalid("no output file for the edit");
    if (p.method != "esd" && p.method != "spm")
        return R::invalid("method must be esd or spm, not '" + p.method + "'");
    const bool spm = p.method == "spm";
    const std::string what = spm ? "SPM" : "ESD";
    if (p.steps < 1 || p.batch < 1 || p.poolImages < 1 || p.poolSteps < 1 || !(p.lr >= 0) ||
        !std::isfinite(p.lr))
        return R::invalid(what + " needs steps, batch, pool images and pool steps ≥ 1 and lr ≥ 0");
    const double lr = p.lr > 0 ? p.lr : spm ? 1e-4 : 1e-5;
    if (spm && (!(p.anchorWeight >= 0) || !std::isfinite(p.anchorWeight) || p.anchors < 0 || p.anchors > 16))
        return R::invalid("SPM needs an anchor weight ≥ 0 and 0…16 anchors");
    if (!(p.eta >= 0) || !std::isfinite(p.eta)) return R::invalid("η must be ≥ 0");
    if (p.latentSize < 8 || p.latentSize % 8 != 0 || p.latentSize > 256)
        return R::invalid("the latent size must be a multiple of 8 in 8…256");
    try {
        SdEsdResult res;
        // Loaded outside inference mode: the K/V matrices take part in autograd below.
        auto parts = loadFrozen(p.checkpoint, p.textHeads, p.unetHeads, ctx, &res.loadSeconds);
        if (!parts) return parts.error();
        auto& unet = parts.value().unet;
        auto& text = parts.value().text;
        if (ctx.cancelled()) return R::cancelled(what + ": cancelled");

        Progress pr;
        double t0 = 0;
        // The K/V Linear modules in crossAttentionKv's order; their weights are swapped for W + ΔW
        // during the edited pass and put back after every step (and on any exit).
        const auto kv = crossAttentionKv(*unet.model);
        std::map<std::string, torch::nn::LinearImpl*> byName;
        for (const auto& item : unet.model->named_modules())
            if (auto* lin = item.value()->as<torch::nn::LinearImpl>()) byName[item.key() + ".weight"] = lin;
        std::vector<torch::nn::LinearImpl*> linears;
        std::vector<at::Tensor> originals;
        for (const auto& [name, w] : kv) {
            auto it = byName.find(name);
            if (it == byName.end()) return R::failed(what + ": no module for " + name);
            linears.push_back(it->second);
            originals.push_back(it->second->weight);
        }
        struct Restore {
            std::vector<torch::nn::LinearImpl*>& l;
            std::vector<at::Tensor>& w;
            ~Restore() {
                for (std::size_t i = 0; i < l.size(); ++i) l[i]->weight = w[i];
            }
        } restore{linears, originals};
        res.matrices = int(kv.size());

        at::Tensor cond, uncond;
        {
            at::NoGradGuard ng;
            const auto batch = parts.value().tok.tokenize({concept_, ""}, text.model->config().context);
            const at::Tensor states = text.model->forward(batch.ids).to(at::kFloat);
            cond = states[0].unsqueeze(0);
            uncond = states[1].unsqueeze(0);
        }
        const auto abar = sde::scaledLinearAlphasCumprod();
        const int N = int(abar.size());
        auto g = at::make_generator<at::CPUGeneratorImpl>(p.seed);
        auto eps = [&](const at::Tensor& x, const at::Tensor& t, const at::Tensor& c) {
            return unet.model->forward(x, t, c.expand({x.size(0), -1, -1}));
        };

        // The pool: the frozen model's DDIM samples of the prompt (guidance poolGuidance).
        t0 = nowSeconds();
        const std::int64_t P = p.poolImages + std::max(1, p.batch); // the last ones are held out
        at::Tensor pool;
        {
            at::NoGradGuard ng;
            at::Tensor x = at::randn({P, 4, p.latentSize, p.latentSize}, g, at::kFloat);
            std::vector<int> ts;
            for (int i = 0; i < p.poolSteps; ++i)
                ts.push_back(int(std::lround((N - 1) * (1.0 - double(i) / p.poolSteps))));
            for (int i = 0; i < p.poolSteps; ++i) {
                if (ctx.cancelled()) return R::cancelled(what + ": cancelled while sampling the pool");
                const int t = ts[std::size_t(i)];
                const at::Tensor tt = at::full({P}, double(t), at::kFloat);
                const auto e2 = unet.model
                                    ->forward(at::cat({x, x}), at::cat({tt, tt}),
                                              at::cat({uncond.expand({P, -1, -1}), cond.expand({P, -1, -1})}))
                                    .chunk(2);
                const at::Tensor e = e2[0] + (e2[1] - e2[0]) * p.poolGuidance;
                const double a = abar[std::size_t(t)];
                const double aPrev = i + 1 < p.poolSteps ? abar[std::size_t(ts[std::size_t(i + 1)])] : 1.0;
                const at::Tensor x0 = (x - std::sqrt(1 - a) * e) / std::sqrt(a);
                x = std::sqrt(aPrev) * x0 + std::sqrt(1 - aPrev) * e;
                pr = Progress{};
                pr.step = i + 1;
                pr.total = p.poolSteps;
                pr.message = "pool";
                ctx.report(pr);
            }
            pool = x;
        }
        res.poolSeconds = nowSeconds() - t0;
        const at::Tensor trainPool = pool.narrow(0, 0, p.poolImages);
        const at::Tensor heldPool = pool.narrow(0, p.poolImages, P - p.poolImages);

        // x_t at discrete timesteps, and the frozen model's negatively guided target there.
        auto draw = [&](const at::Tensor& from, std::int64_t B, at::Generator& gen) {
            const auto idx = at::randint(from.size(0), {B}, gen, at::kLong);
            const auto t = at::randint(1, N, {B}, gen, at::kLong);
            std::vector<float> sa(static_cast<std::size_t>(B)), sb(static_cast<std::size_t>(B));
            for (std::int64_t i = 0; i < B; ++i) {
                const double a = abar[std::size_t(t[i].item<std::int64_t>())];
                sa[std::size_t(i)] = float(std::sqrt(a));
                sb[std::size_t(i)] = float(std::sqrt(1 - a));
            }
            const auto ca = at::tensor(sa).view({B, 1, 1, 1}), cb = at::tensor(sb).view({B, 1, 1, 1});
            const at::Tensor xt = ca * from.index_select(0, idx) +
                                  cb * at::randn({B, 4, p.latentSize, p.latentSize}, gen, at::kFloat);
            return std::make_pair(xt, t.to(at::kFloat));
        };
        auto target = [&](const at::Tensor& xt, const at::Tensor& t) {
            at::NoGradGuard ng;
            for (std::size_t i = 0; i < linears.size(); ++i) linears[i]->weight = originals[i];
            const std::int64_t B = xt.size(0);
            const auto e2 = unet.model
                                ->forward(at::cat({xt, xt}), at::cat({t, t}),
                                          at::cat({uncond.expand({B, -1, -1}), cond.expand({B, -1, -1})}))
                                .chunk(2);
            return (e2[0] - p.eta * (e2[1] - e2[0])).detach();
        };
        // ESD: a full ΔW per matrix. SPM: ΔW = U Dᵀ, U [out, 1] zero-initialised, D [in, 1]
        // Kaiming-uniform with a = √5 (PyTorch's Linear default, as the reference initialises it):
        // bound √(6 / ((1 + a²)·fan_in)) = 1/√fan_in.
        std::vector<at::Tensor> deltas, ups, downs, trainable;
        for (const auto& w : originals) {
            if (spm) {
                ups.push_back(at::zeros({w.size(0), 1}, w.options()).requires_grad_(true));
                const double bound = 1.0 / std::sqrt(double(w.size(1)));
                downs.push_back(
                    (at::rand({w.size(1), 1}, g, at::kFloat) * 2 - 1).mul_(bound).requires_grad_(true));
            } else {
                deltas.push_back(at::zeros_like(w).requires_grad_(true));
            }
        }
        for (auto* list : {&deltas, &ups, &downs})
            for (auto& t : *list) trainable.push_back(t);
        auto deltaOf = [&](std::size_t i) { return spm ? at::mm(ups[i], downs[i].t()) : deltas[i]; };
        auto edited = [&] {
            for (std::size_t i = 0; i < linears.size(); ++i) linears[i]->weight = originals[i] + deltaOf(i);
        };
        auto frozen = [&] {
            for (std::size_t i = 0; i < linears.size(); ++i) linears[i]->weight = originals[i];
        };
        // SPM's anchors: `count` random contexts of the prompt's norm (kept with probability
        // 1 − cos(c, n)), then the empty prompt's.
        const double condNorm = cond.norm().item<double>();
        auto anchorsFrom = [&](at::Generator& gen, int count) {
            std::vector<at::Tensor> as;
            for (int tries = 0; int(as.size()) < count && tries < 20 * count; ++tries) {
                const at::Tensor n = at::randn(cond.sizes(), gen, at::kFloat);
                const double nn = n.norm().item<double>();
                const double cosine = (cond * n).sum().item<double>() / (condNorm * nn + 1e-12);
                const double u = at::rand({1}, gen, at::kDouble).item<double>();
                if (u > 1 - cosine) continue;
                const double s = 0.8 + 0.4 * at::rand({1}, gen, at::kDouble).item<double>();
                as.push_back(n * (s * condNorm / (nn + 1e-12)));
            }
            as.push_back(uncond);
            return at::cat(as);
        };
        // The inputs an anchor batch of A contexts sees: the batch's x_t and t, repeated.
        auto repeatTo = [](const at::Tensor& x, std::int64_t A) {
            return x.index_select(0, at::arange(A, at::kLong).remainder(x.size(0)));
        };
        // The held-out batch: its own noise, timesteps, latents and anchors.
        auto gHeld = at::make_generator<at::CPUGeneratorImpl>(p.seed ^ 0x9e3779b97f4a7c15ULL);
        const auto held = draw(heldPool, std::max<std::int64_t>(2, p.batch), gHeld);
        const at::Tensor xh = held.first, th = held.second;
        const at::Tensor targetHeld = target(xh, th);
        const at::Tensor anchorsHeld = anchorsFrom(gHeld, 2);
        const std::int64_t AH = anchorsHeld.size(0);
        at::Tensor frozenConceptHeld, frozenAnchorHeld;
        {
            at::NoGradGuard ng;
            frozen();
            frozenConceptHeld = eps(xh, th, cond);
            frozenAnchorHeld = unet.model->forward(repeatTo(xh, AH), repeatTo(th, AH), anchorsHeld);
        }
        auto heldOut = [&] {
            at::NoGradGuard ng;
            edited();
            return (eps(xh, th, cond) - targetHeld).square().mean().item<double>();
        };
        res.heldOutBefore = heldOut();

        t0 = nowSeconds();
        torch::optim::Adam opt(trainable, torch::optim::AdamOptions(lr));
        for (int step = 0; step < p.steps; ++step) {
            if (ctx.cancelled()) return R::cancelled(what + ": cancelled at step " + std::to_string(step));
            const auto drawn = draw(trainPool, p.batch, g);
            const at::Tensor xt = drawn.first, t = drawn.second;
            const at::Tensor goal = target(xt, t);
            at::Tensor anchors, anchorGoal, xa, ta;
            if (spm && p.anchorWeight > 0) {
                at::NoGradGuard ng;
                anchors = anchorsFrom(g, p.anchors);
                xa = repeatTo(xt, anchors.size(0));
                ta = repeatTo(t, anchors.size(0));
                frozen();
                anchorGoal = unet.model->forward(xa, ta, anchors).detach();
            }
            torch::AutoGradMode on(true);
            edited();
            const at::Tensor erase = (eps(xt, t, cond) - goal).square().mean();
            at::Tensor loss = erase;
            double anchorLoss = 0;
            if (anchors.defined()) {
                const at::Tensor anchor = (unet.model->forward(xa, ta, anchors) - anchorGoal).square().mean();
                loss = loss + p.anchorWeight * anchor;
                anchorLoss = anchor.item<double>();
            }
            opt.zero_grad();
            loss.backward();
            opt.step();
            res.losses.push_back(erase.item<double>());
            if (spm) res.anchorLosses.push_back(anchorLoss);
            pr = Progress{};
            pr.step = step + 1;
            pr.total = p.steps;
            pr.message = what;
            pr.values = {{"loss", res.losses.back()}};
            if (spm) pr.values.emplace_back("anchor", anchorLoss);
            ctx.report(pr);
        }
        res.trainSeconds = nowSeconds() - t0;
        res.heldOutAfter = heldOut();
        std::vector<at::Tensor> out;
        double d2 = 0, w2 = 0;
        {
            at::NoGradGuard ng;
            for (std::size_t i = 0; i < originals.size(); ++i) {
                out.push_back(deltaOf(i).detach().clone());
                d2 += out.back().square().sum().item<double>();
                w2 += originals[i].square().sum().item<double>();
            }
            edited();
            res.conceptShift = (eps(xh, th, cond) - frozenConceptHeld).square().mean().item<double>();
            res.anchorShift =
                (unet.model->forward(repeatTo(xh, AH), repeatTo(th, AH), anchorsHeld) - frozenAnchorHeld)
                    .square()
                    .mean()
                    .item<double>();
        }
        res.deltaRatio = w2 > 0 ? std::sqrt(d2 / w2) : 0.0;
        frozen();
        auto w = writeEdit(p.output, unet.prefix, kv, out, p.method, concept_, "", "", p.checkpoint);
        if (!w) return w.error();
        return res;
    } catch (const std::exception& e) {
        return R::failed(what + ": " + firstLine(e.what()));
    }
}

Result<SdEraseBenchReport> runSdEraseBench(const SdEraseBenchParams& p, const JobContext& ctx) {
    using R = Result<SdEraseBenchReport>;
    if (p.rows < 1 || p.preserveRows < 0 || p.repeats < 1) return R::invalid("rows, preserve rows and repeats must be positive");
    try {
        c10::InferenceMode guard;
        at::manual_seed(p.seed);
        std::vector<at::Tensor> Ws;
        for (const auto& [name, shape] : sdUNetShapes(SdUNetConfig{}))
            if (name.find(".attn2.to_k.weight") != std::string::npos || name.find(".attn2.to_v.weight") != std::string::npos)
                Ws.push_back(at::randn(shape) * 0.02);
        const std::int64_t in = Ws.front().size(1);
        ConceptSet c{"concept", at::randn({p.rows, in}, at::kDouble), at::randn({p.rows, in}, at::kDouble), 1.0, at::Tensor()};
        const at::Tensor preserve = p.preserveRows > 0 ? at::randn({p.preserveRows, in}, at::kDouble) : at::Tensor();
        nlohmann::json rows = nlohmann::json::array();
        std::ostringstream table;
        table << "closed-form erasure on the SD 1.x K/V shapes (" << Ws.size() << " matrices, " << p.rows
              << " erase rows, " << p.preserveRows << " preserved rows)\n";
        for (const auto& [label, epochs] : std::vector<std::pair<std::string, int>>{{"uce", 0}, {"rece-1", 1}, {"rece-3", 3}}) {
            std::vector<double> times;
            for (int r = 0; r < p.repeats; ++r) {
                if (ctx.cancelled()) return R::cancelled("bench: cancelled");
                const double t0 = nowSeconds();
                if (epochs == 0) {
                    auto e = solveJoint(Ws, {c}, preserve, UceParams{});
                    if (!e) return e.error();
                } else {
                    ReceParams rp;
                    rp.epochs = epochs;
                    rp.lambda = 1e-3;
                    auto e = runRece(Ws, c, preserve, rp);
                    if (!e) return e.error();
                }
                times.push_back(nowSeconds() - t0);
            }
            std::sort(times.begin(), times.end());
            const double median = times[times.size() / 2];
            rows.push_back({{"method", label}, {"seconds", median}, {"repeats", p.repeats}});
            char line[128];
            std::snprintf(line, sizeof line, "  %-8s %.3f s (median of %d)\n", label.c_str(), median, p.repeats);
            table << line;
            Progress pr;
            pr.message = label;
            pr.values = {{"seconds", median}};
            ctx.report(pr);
        }
        const nlohmann::json j = {{"bench", "sd-erase"},     {"matrices", Ws.size()}, {"rows", p.rows},
                                  {"preserve_rows", p.preserveRows}, {"results", rows}};
        return SdEraseBenchReport{j.dump(), table.str()};
    } catch (const std::exception& e) {
        return R::failed(std::string("bench sd-erase: ") + firstLine(e.what()));
    }
}

} // namespace reverie::erase
