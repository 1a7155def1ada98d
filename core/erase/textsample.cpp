#include "erase/textsample.h"

#include "data/fashion_mnist.h"
#include "data/text.h"
#include "engine/sde/param.h"
#include "engine/sde/sde.h"
#include "engine/solvers/common.h"
#include "engine/solvers/exp.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <tuple>

namespace reverie::erase {

// ---- sampling -------------------------------------------------------------------------------

namespace {

std::unique_ptr<sde::Sde> makeSde(const std::string& id) {
    if (id == "ve") return sde::makeVe();
    if (id == "vp") return sde::makeVp();
    if (id == "subvp") return sde::makeSubVp();
    return nullptr;
}

Result<TextSamples> sampleImpl(models::TextDenoiser& model, const at::Tensor& context, const at::Tensor& maskIn,
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
            models::TextDenoiser& m;
            bool training;
            ~Restore() { m->train(training); }
        } restore{model, wasTraining};

        const auto cond = context.to(at::kFloat);
        const auto mask = maskIn.defined() ? maskIn.to(at::kBool) : at::ones({B, context.size(1)}, at::kBool);
        auto nullIds = models::tokenIds({""});
        if (!nullIds) return nullIds.error();
        const auto L = cond.size(1);
        // An encoded prompt at the conditional context's length (padding is masked out), [B, L, dim].
        const auto atLength = [&](const models::TextContext& e) {
            at::Tensor c, m;
            if (L >= data::text::kMaxTokens) {
                c = at::zeros({1, L, cond.size(2)}, at::kFloat);
                c.slice(1, 0, data::text::kMaxTokens).copy_(e.context);
                m = at::zeros({1, L}, at::kBool);
                m.slice(1, 0, data::text::kMaxTokens).copy_(e.mask);
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
            auto ids = models::tokenIds({o.safetyPrompt});
            if (!ids) return ids.error();
            std::tie(safeCtx, safeMask) = atLength(model->encoder()->forward(ids.value()));
        }
        int calls = 0;
        const int warmup = sldWarmupSteps(o, o.steps);
        at::Tensor momentum; // ν_t

        sde::SigmaDenoiser sig = [&](const at::Tensor& xt, const at::Tensor& st, const at::Tensor&) {
            const auto n = xt.size(0);
            const auto x = xt.to(at::kFloat);
            auto s = st.to(at::kFloat).reshape({-1});
            if (s.numel() == 1) s = s.expand({n});
            at::Tensor out;
            const int call = calls++;
            if (safeCtx.defined()) {
                const auto sctx = safeCtx.slice(0, 0, n), smask = safeMask.slice(0, 0, n);
                const auto all = model->forward(at::cat({x, x, x}), at::cat({s, s, s}),
                                                at::cat({cond.slice(0, 0, n), nullCtx.slice(0, 0, n), sctx}),
                                                at::cat({mask.slice(0, 0, n), nullMask.slice(0, 0, n), smask}));
                const auto s4 = s.view({-1, 1, 1, 1});
                const auto ec = (x - all.slice(0, 0, n)) / s4, eu = (x - all.slice(0, n, 2 * n)) / s4,
                           es = (x - all.slice(0, 2 * n, 3 * n)) / s4;
                const auto eps = sldEpsilon(ec, eu, es, momentum, o, call >= warmup);
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

Result<TextSamples> sample(models::TextDenoiser& model, const std::vector<std::string>& prompts,
                           const std::vector<std::uint64_t>& seeds, const TextSampleOptions& options,
                           const JobContext& ctx) {
    if (prompts.size() != seeds.size())
        return Result<TextSamples>::invalid("give one seed per prompt (" + std::to_string(prompts.size()) +
                                            " prompts, " + std::to_string(seeds.size()) + " seeds)");
    auto ids = models::tokenIds(prompts);
    if (!ids) return ids.error();
    auto c = guarded<models::TextContext>("encoding prompts", [&]() -> Result<models::TextContext> {
        at::NoGradGuard g;
        return model->encoder()->forward(ids.value());
    });
    if (!c) return c.error();
    return sampleImpl(model, c.value().context, c.value().mask, seeds, options, ctx);
}

Result<TextSamples> sampleContext(models::TextDenoiser& model, const at::Tensor& context, const at::Tensor& mask,
                                  const std::vector<std::uint64_t>& seeds, const TextSampleOptions& options,
                                  const JobContext& ctx) {
    return sampleImpl(model, context, mask, seeds, options, ctx);
}

bool sldPreset(const std::string& name, TextSampleOptions* o) {
    // {s_S, λ, s_m, β_m, δ of 50 steps}
    struct P { const char* name; double scale, threshold, momentum, beta; int warmupOf50; };
    static const P kPresets[] = {{"weak", 200, 0.0, 0.0, 0.0, 15},
                                 {"medium", 1000, 0.01, 0.3, 0.4, 10},
                                 {"strong", 2000, 0.025, 0.5, 0.7, 7},
                                 {"max", 5000, 1.0, 0.5, 0.7, 0}};
    for (const auto& p : kPresets)
        if (name == p.name) {
            o->sldScale = p.scale;
            o->sldThreshold = p.threshold;
            o->sldMomentum = p.momentum;
            o->sldBeta = p.beta;
            o->sldWarmup = -1;
            o->sldWarmupShare = p.warmupOf50 / 50.0;
            return true;
        }
    return false;
}

at::Tensor sldEpsilon(const at::Tensor& ec, const at::Tensor& eu, const at::Tensor& es, at::Tensor& momentum,
                      const TextSampleOptions& o, bool apply) {
    auto mu = at::clamp_max((ec - es).abs() * o.sldScale, 1.0);
    mu = at::where((ec - es) >= o.sldThreshold, at::zeros_like(mu), mu);
    if (!momentum.defined() || !momentum.sizes().equals(ec.sizes())) momentum = at::zeros_like(ec);
    const auto gamma = mu * (es - eu) + o.sldMomentum * momentum;
    momentum = o.sldBeta * momentum + (1 - o.sldBeta) * gamma;
    return eu + o.guidance * (ec - eu - (apply ? gamma : at::zeros_like(gamma)));
}

int sldWarmupSteps(const TextSampleOptions& o, int steps) {
    if (o.sldWarmup >= 0) return o.sldWarmup;
    return int(std::lround(std::clamp(o.sldWarmupShare, 0.0, 1.0) * double(std::max(steps, 0))));
}

} // namespace reverie::erase
