#include "train/edm.h"

#include <ATen/ATen.h>

namespace reverie::train {

std::string EdmNoise::read(SectionReader& s) {
    s.read("p_mean", pMean);
    s.read("p_std", pStd);
    s.read("sigma_data", sigmaData);
    if (!(pStd > 0)) return "p_std must be positive";
    if (!(sigmaData > 0)) return "sigma_data must be positive";
    return {};
}

void EdmNoise::write(nlohmann::json& j) const {
    j["p_mean"] = pMean;
    j["p_std"] = pStd;
    j["sigma_data"] = sigmaData;
}

at::Tensor EdmNoise::sample(std::int64_t batch, at::Generator& gen) const {
    const auto n = at::randn({batch}, gen);
    return (n * pStd + pMean).exp();
}

at::Tensor edmWeight(const at::Tensor& sigma, double sd) {
    const auto s4 = sigma.view({-1, 1, 1, 1});
    return (s4 * s4 + sd * sd) / (s4 * sd).pow(2);
}

at::Tensor edmLoss(models::EdmDenoiser& model, const at::Tensor& x0, const at::Tensor& sigma, const at::Tensor& z,
                   const at::Tensor& labels) {
    const auto denoised = model->forward(x0 + sigma.view({-1, 1, 1, 1}) * z, sigma, at::Tensor(), labels);
    return (edmWeight(sigma, model->sigmaData()) * (denoised - x0).pow(2)).mean();
}

at::Tensor residualLoss(models::EdmDenoiser& model, const at::Tensor& x0, const at::Tensor& mu, const at::Tensor& sigma,
                        const at::Tensor& z, const at::Tensor& labels, const at::Tensor& cond) {
    const auto y0 = x0 - mu;
    const auto denoised = model->forward(y0 + sigma.view({-1, 1, 1, 1}) * z, sigma, cond.defined() ? cond : mu, labels);
    return (edmWeight(sigma, model->sigmaData()) * (denoised - y0).pow(2)).mean();
}

} // namespace reverie::train
