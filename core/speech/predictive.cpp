#include "speech/predictive.h"

#include <ATen/ATen.h>

namespace reverie::speech {
namespace {

at::Tensor magnitude(const at::Tensor& x) { return (x.pow(2).sum(1, true) + 1e-10).sqrt(); }

} // namespace

at::Tensor predictiveEstimate(models::EdmDenoiser& model, const at::Tensor& y, const at::Tensor& labels, double bound) {
    const double scale = 1.0 / model->sigmaData();
    const auto mag = magnitude(y);
    const auto cond = at::cat({(mag + 1e-3).log() / 4.0, mag * scale}, 1);
    const auto noise = at::zeros({y.size(0)}, y.options());
    const auto f = model->net()->forward(y * scale, noise, cond, labels);
    // M = (1 + f₀) + i f₁, its magnitude r mapped to bound·tanh(r / bound): the zero-initialised
    // output layer starts near the identity (|M| = 1.5 tanh(1/1.5) ≈ 0.87).
    auto mr = 1.0 + f.narrow(1, 0, 1);
    auto mi = f.narrow(1, 1, 1);
    const auto r = (mr.pow(2) + mi.pow(2) + 1e-12).sqrt();
    const auto s = bound * (r / bound).tanh() / r;
    mr = mr * s;
    mi = mi * s;
    const auto yr = y.narrow(1, 0, 1), yi = y.narrow(1, 1, 1);
    return at::cat({mr * yr - mi * yi, mr * yi + mi * yr}, 1);
}

at::Tensor predictiveLoss(models::EdmDenoiser& model, const at::Tensor& x0, const at::Tensor& y, const at::Tensor& labels,
                          double bound) {
    const auto est = predictiveEstimate(model, y, labels, bound);
    const double sd2 = model->sigmaData() * model->sigmaData();
    const auto complexTerm = (est - x0).pow(2).mean();
    const auto magnitudeTerm = (magnitude(est) - magnitude(x0)).pow(2).mean();
    return 0.5 * (complexTerm + magnitudeTerm) / sd2;
}

} // namespace reverie::speech
