// Guidance by a differentiable objective: the start noise is optimised so that the sample the
// whole run produces is classified as the asked-for class (GenerateParams::guideClass).

#include "generate/internal.h"

#include "engine/grad/samplergrad.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>

namespace reverie::generate::detail {

at::Tensor NoiseGuide::loss(const at::Tensor& x) const {
    models::Classifier c = classifier;
    return -at::log_softmax(c->forward(x.to(at::kFloat).clamp(-1.0, 1.0)), 1).select(1, target).sum();
}

double NoiseGuide::meanProbability(const at::Tensor& x) const {
    c10::InferenceMode off;
    models::Classifier c = classifier;
    return at::softmax(c->forward(x.to(at::kFloat).clamp(-1.0, 1.0)), 1)
        .select(1, target)
        .mean()
        .item<double>();
}

Result<NoiseGuide> makeNoiseGuide(const GenerateParams& p) {
    auto clf = loadClassifierDir(p.classifierDir);
    if (!clf) return clf.error();
    NoiseGuide g;
    g.classifier = clf.value();
    g.classifier->eval();
    for (auto& w : g.classifier->parameters()) w.set_requires_grad(false); // gradients reach x only
    g.target = p.guideClass;
    return g;
}

Result<at::Tensor> guideNoise(const NoiseGuide& g, const GenerateParams& p, const sde::Sde& s,
                              const sde::Denoiser& den, at::Tensor xT, int steps, std::uint64_t seed,
                              GenerateResult& r, const JobContext& ctx) {
    grad::Problem prob;
    prob.sde = &s;
    prob.denoiser = den;
    prob.loss = [&g](const at::Tensor& x) { return g.loss(x); };
    grad::Options o;
    o.common.steps = steps;
    o.common.seed = seed;
    o.stochastic = p.sampler == "rev-heun-sde";
    o.strategy = *grad::strategyFromString(p.guideStrategy);
    // Each item moves along its own normalised gradient by guideStep·√D and is put back on the
    // norm it started with.
    const auto B = xT.size(0);
    const double D = static_cast<double>(xT[0].numel());
    const at::Tensor norms = xT.reshape({B, -1}).norm(2, 1).view({B, 1});
    at::Tensor x = xT.reshape({B, -1}).clone();
    for (int it = 0; it < p.guideIterations; ++it) {
        const double t0 = nowSeconds();
        auto res = grad::sampleGrad(prob, x.view(xT.sizes()), o, ctx);
        if (!res) return res.error();
        const auto& out = res.value();
        r.guideProbability.push_back(g.meanProbability(out.sample));
        r.guideNfe += out.forwardNfe + out.backwardNfe;
        const at::Tensor gr = out.gradX.reshape({B, -1});
        const at::Tensor step =
            gr / gr.norm(2, 1).clamp_min(1e-30).view({B, 1}) * (p.guideStep * std::sqrt(D));
        x = x - step;
        x = x * (norms / x.norm(2, 1).clamp_min(1e-30).view({B, 1}));
        Progress pr;
        pr.step = it + 1;
        pr.total = p.guideIterations;
        pr.nfe = r.guideNfe;
        pr.stepSeconds = nowSeconds() - t0;
        pr.message = "guide";
        pr.values = {{"p_class", r.guideProbability.back()}, {"loss", out.loss / static_cast<double>(B)}};
        ctx.report(pr);
    }
    return x.view(xT.sizes());
}

} // namespace reverie::generate::detail
