#include "erase/sd_attack.h"
#include "erase/sd_parts.h"

#include "base/runtime.h"
#include "base/text.h"
#include "engine/grad/samplergrad.h"
#include "engine/sde/sde.h"
#include "engine/solvers/revheun.h"
#include "erase/closed_form.h"
#include "models/formats/safetensors.h"
#include "models/sd/edit.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/optim/adam.h>

#include <cmath>
#include <filesystem>
#include <map>

namespace reverie::erase {
using namespace models::sd;
using namespace detail;

Result<SdAttackResult> runSdAttack(const SdAttackParams& p, const JobContext& ctx) {
    using R = Result<SdAttackResult>;
    if (trim(p.prompt).empty()) return R::invalid("no concept to attack");
    if (p.output.empty()) return R::invalid("no output file for the attack's text states");
    if (!(p.lambda > 0)) return R::invalid("the ridge λ must be positive");
    try {
        c10::InferenceMode guard;
        const double t0 = nowSeconds();
        auto parts = loadParts(p.checkpoint, p.textHeads, p.unetHeads);
        if (!parts) return parts.error();
        auto kv = crossAttentionKv(*parts.value().unet.model);
        auto deltas = readKvEdit(p.edit, kv, kvFingerprint(kv));
        if (!deltas) return deltas.error();
        if (ctx.cancelled()) return R::cancelled("attack: cancelled");
        const auto batch =
            parts.value().tok.tokenize({trim(p.prompt), ""}, parts.value().text.model->config().context);
        const at::Tensor both = parts.value().text.model->forward(batch.ids).to(at::kDouble);
        const at::Tensor cStar = both[0], uStar = both[1]; // [L, width]: the prompt's and the empty prompt's
        std::vector<MatrixPair> pairs;
        for (std::size_t l = 0; l < kv.size(); ++l) {
            const at::Tensor W = kv[l].second.detach().to(at::kDouble);
            pairs.push_back({W, W + deltas.value()[l].to(at::kDouble)});
        }
        auto c = regenerationEmbedding(pairs, cStar, p.lambda);
        if (!c) return c.error();
        const at::Tensor cAdv = c.value();
        at::Tensor uAdv = uStar;
        if (p.negative) {
            auto u = regenerationEmbedding(pairs, uStar, p.lambda);
            if (!u) return u.error();
            uAdv = u.value();
        }
        // Relative K/V residual of states `x` through the edited matrices against `star` through
        // the original ones.
        const auto residual = [&](const at::Tensor& x, const at::Tensor& star) {
            double base = 0, gap = 0;
            for (const auto& [W, W2] : pairs) {
                const at::Tensor target = at::matmul(star, W.t());
                base += target.square().sum().item<double>();
                gap += (at::matmul(x, W2.t()) - target).square().sum().item<double>();
            }
            return base > 0 ? std::sqrt(gap / base) : 0.0;
        };
        SdAttackResult res;
        res.residualPrompt = residual(cStar, cStar);
        res.residualAttack = residual(cAdv, cStar);
        res.residualNegativePrompt = residual(uStar, uStar);
        res.residualNegativeAttack = residual(uAdv, uStar);
        res.normRatio = (cAdv.norm() / cStar.norm()).item<double>();
        const std::map<std::string, std::string> meta = {
            {"format", "reverie-sd-states"},     {"version", "1"},
            {"concept", trim(p.prompt)},         {"edit", std::filesystem::path(p.edit).filename().string()},
            {"lambda", number(p.lambda)},        {"method", "closed-form"},
            {"negative", p.negative ? "1" : "0"}};
        models::formats::NamedTensors out = {{"states", cAdv.to(at::kFloat).contiguous()}};
        if (p.negative) out.emplace_back("negative_states", uAdv.to(at::kFloat).contiguous());
        auto w = models::formats::writeSafetensors(p.output, out, meta);
        if (!w) return w.error();
        res.seconds = nowSeconds() - t0;
        return res;
    } catch (const std::exception& e) {
        return R::failed(std::string("attack: ") + firstLine(e.what()));
    }
}

Result<SdSamplerAttackResult> runSdSamplerAttack(const SdSamplerAttackParams& p, const JobContext& ctx) {
    using R = Result<SdSamplerAttackResult>;
    const std::string prompt = trim(p.prompt);
    if (prompt.empty()) return R::invalid("no concept to attack");
    if (p.output.empty()) return R::invalid("no output file for the attack's text states");
    if (p.iterations < 1 || p.trainSeeds < 1 || p.batch < 1 || p.heldOutSeeds < 1 || p.steps < 1 ||
        p.steps > 1000)
        return R::invalid("the sampler attack needs iterations, seeds, batch ≥ 1 and 1…1000 steps");
    if (p.batch > p.trainSeeds) return R::invalid("the batch cannot exceed the training seeds");
    if (!(p.lr > 0) || !std::isfinite(p.lr)) return R::invalid("the learning rate must be positive");
    if (!(p.guidance >= 0) || !std::isfinite(p.guidance)) return R::invalid("the guidance must be ≥ 0");
    if (p.latentSize < 8 || p.latentSize % 8 != 0 || p.latentSize > 256)
        return R::invalid("the latent size must be a multiple of 8 in 8…256");
    if (std::string why; !runtime::deviceUsable(p.device, &why))
        return R::invalid("device " + p.device + ": " + why);
    try {
        c10::InferenceMode normal(false); // the search needs autograd
        SdSamplerAttackResult res;
        auto parts = loadFrozen(p.checkpoint, p.textHeads, p.unetHeads, ctx, &res.loadSeconds);
        if (!parts) return parts.error();
        auto& unet = parts.value().unet;
        auto& text = parts.value().text;
        unet.model->eval();
        const at::Device dev = p.device == "cuda" ? at::Device(at::kCUDA) : at::Device(at::kCPU);
        if (!dev.is_cpu()) {
            unet.model->to(dev);
            text.model->to(dev);
        }
        const auto kv = crossAttentionKv(*unet.model);
        auto deltas = readKvEdit(p.edit, kv, kvFingerprint(kv));
        if (!deltas) return deltas.error();
        if (ctx.cancelled()) return R::cancelled("sampler attack: cancelled");

        at::Tensor cStar, uncond;
        {
            at::NoGradGuard ng;
            const auto batch = parts.value().tok.tokenize({prompt, ""}, text.model->config().context);
            const at::Tensor states = text.model->forward(batch.ids.to(dev)).to(at::kFloat);
            cStar = states[0].unsqueeze(0).contiguous();
            uncond = states[1].unsqueeze(0).contiguous();
        }
        const auto abar = sde::scaledLinearAlphasCumprod();
        const int N = int(abar.size());
        const auto sdeP = sde::makeDiscreteVp({abar, p.steps});
        // c (and u, the empty prompt's) are read through these handles: the search swaps in the
        // tensors it optimises.
        at::Tensor states = cStar, negStates = uncond;
        const double w = p.guidance;
        sde::Denoiser den;
        den.param = sde::Param::Noise;
        den.fn = [&](const at::Tensor& x, const at::Tensor& t, const at::Tensor&) {
            const std::int64_t b = x.size(0);
            const at::Tensor steps = sde::discreteTimesteps(t, b, N, x);
            const at::Tensor xf = x.to(at::kFloat);
            const at::Tensor cond = states.expand({b, -1, -1});
            at::Tensor eps;
            if (w == 1.0) {
                eps = unet.model->forward(xf, steps, cond);
            } else {
                const auto e = unet.model
                                   ->forward(at::cat({xf, xf}), at::cat({steps, steps}),
                                             at::cat({negStates.expand({b, -1, -1}), cond}))
                                   .chunk(2);
                eps = e[0] + (e[1] - e[0]) * w;
            }
            return eps.to(x.scalar_type());
        };
        const std::int64_t channels = unet.model->config().inChannels;
        const auto T = std::int64_t(p.trainSeeds), H = std::int64_t(p.heldOutSeeds);
        std::vector<at::Tensor> starts;
        for (std::int64_t i = 0; i < T + H; ++i) {
            solvers::NoiseSource noise(p.seed + std::uint64_t(i), solvers::NoiseMode::PerItem);
            starts.push_back(
                solvers::priorSample(*sdeP,
                                     at::zeros({1, channels, p.latentSize, p.latentSize},
                                               at::TensorOptions().dtype(at::kFloat).device(dev)),
                                     at::Tensor(), noise));
        }
        const at::Tensor xT = at::cat(starts);
        solvers::RevHeunOptions ro;
        ro.common.steps = p.steps;
        // The final latents of every seed for the states in `states`, one seed at a time.
        const auto sampleAll = [&](const char* what) -> Result<at::Tensor> {
            at::NoGradGuard ng;
            std::vector<at::Tensor> out;
            for (std::int64_t i = 0; i < T + H; ++i) {
                auto s = solvers::sampleReversibleHeun(*sdeP, den, xT.narrow(0, i, 1), at::Tensor(), ro, ctx);
                if (!s) return s.error();
                out.push_back(s.value().x);
                Progress pr;
                pr.step = int(i + 1);
                pr.total = int(T + H);
                pr.message = what;
                ctx.report(pr);
            }
            return at::cat(out);
        };
        double t0 = nowSeconds();
        auto target = sampleAll("the original model's samples");
        if (!target) return target.error();
        {
            at::NoGradGuard ng;
            for (std::size_t l = 0; l < kv.size(); ++l)
                kv[l].second.add_(deltas.value()[l].to(kv[l].second.device(), kv[l].second.scalar_type()));
        }
        auto edited = sampleAll("the edited model's samples");
        if (!edited) return edited.error();
        res.targetSeconds = nowSeconds() - t0;

        t0 = nowSeconds();
        at::Tensor c = cStar.clone().requires_grad_(true);
        at::Tensor u = uncond.clone().requires_grad_(p.negative);
        states = c;
        negStates = u;
        const auto perElement = double(channels * p.latentSize * p.latentSize);
        at::Tensor batchTarget;
        grad::Problem prob;
        prob.sde = sdeP.get();
        prob.denoiser = den;
        prob.params = {c};
        if (p.negative) prob.params.push_back(u);
        prob.loss = [&](const at::Tensor& x) { return (x - batchTarget).square().sum(); };
        grad::Options o;
        o.common.steps = p.steps;
        o.strategy = grad::Strategy::Reversible;
        torch::optim::Adam opt(prob.params, torch::optim::AdamOptions(p.lr));
        for (int it = 0; it < p.iterations; ++it) {
            if (ctx.cancelled()) return R::cancelled("sampler attack: cancelled");
            const std::int64_t B = p.batch;
            const at::Tensor pick = (at::arange(B, at::kLong) + std::int64_t(it) * B).remainder(T).to(dev);
            batchTarget = target.value().index_select(0, pick);
            auto g = grad::sampleGrad(prob, xT.index_select(0, pick), o, ctx);
            if (!g) return g.error();
            res.forwardNfe += g.value().forwardNfe;
            res.backwardNfe += g.value().backwardNfe;
            const double loss = g.value().loss / (double(B) * perElement);
            if (!std::isfinite(loss))
                return R::failed("sampler attack: the loss stopped being finite at step " +
                                 std::to_string(it + 1) + " (lower --lr)");
            res.losses.push_back(loss);
            opt.zero_grad();
            c.mutable_grad() = g.value().gradParams[0] / double(B);
            if (p.negative) u.mutable_grad() = g.value().gradParams[1] / double(B);
            opt.step();
            Progress pr;
            pr.step = it + 1;
            pr.total = p.iterations;
            pr.message = "sampler attack";
            pr.values = {{"loss", loss}};
            ctx.report(pr);
        }
        res.searchSeconds = nowSeconds() - t0;
        const at::Tensor cAdv = c.detach().clone(), uAdv = u.detach().clone();
        states = cAdv;
        negStates = uAdv;
        auto attacked = sampleAll("the attack's samples");
        if (!attacked) return attacked.error();
        const auto dist = [&](const at::Tensor& x, std::int64_t from, std::int64_t n) {
            return (x.narrow(0, from, n) - target.value().narrow(0, from, n)).square().mean().item<double>();
        };
        res.trainEdited = dist(edited.value(), 0, T);
        res.trainAttack = dist(attacked.value(), 0, T);
        res.heldOutEdited = dist(edited.value(), T, H);
        res.heldOutAttack = dist(attacked.value(), T, H);
        res.normRatio = (cAdv.norm() / cStar.norm()).item<double>();
        const std::map<std::string, std::string> meta = {
            {"format", "reverie-sd-states"},
            {"version", "1"},
            {"concept", prompt},
            {"edit", std::filesystem::path(p.edit).filename().string()},
            {"method", "sampler"},
            {"steps", std::to_string(p.steps)},
            {"guidance", number(p.guidance)},
            {"negative", p.negative ? "1" : "0"}};
        models::formats::NamedTensors out = {{"states", cAdv[0].cpu().contiguous()}};
        if (p.negative) out.emplace_back("negative_states", uAdv[0].cpu().contiguous());
        auto wr = models::formats::writeSafetensors(p.output, out, meta);
        if (!wr) return wr.error();
        return res;
    } catch (const solvers::CancelledError&) {
        return R::cancelled("sampler attack: cancelled");
    } catch (const std::exception& e) {
        return R::failed(std::string("sampler attack: ") + firstLine(e.what()));
    }
}

std::int64_t samplerAttackUnetPasses(const SdSamplerAttackParams& p) {
    const std::int64_t n = p.steps, seeds = std::int64_t(p.trainSeeds) + p.heldOutSeeds;
    const std::int64_t passes = std::int64_t(p.iterations) * p.batch * (3 * n + 2) + 3 * seeds * (n + 1);
    return p.guidance == 1.0 ? passes : 2 * passes;
}

} // namespace reverie::erase
