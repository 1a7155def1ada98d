#include "models/classifier.h"

#include <ATen/ATen.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/dropout.h>
#include <torch/nn/functional/pooling.h>

#include <nlohmann/json.hpp>

#include <set>

namespace F = torch::nn::functional;

namespace reverie::models {

std::string ClassifierConfig::fromJson(const nlohmann::json& j, ClassifierConfig* out) {
    static const std::set<std::string> known = {"in_channels", "classes", "width", "features", "dropout"};
    if (!j.is_object()) return "the classifier config must be a JSON object";
    for (const auto& [key, _] : j.items())
        if (!known.count(key)) return "unknown classifier key '" + key + "'";
    ClassifierConfig c;
    try {
        c.inChannels = j.value("in_channels", c.inChannels);
        c.classes = j.value("classes", c.classes);
        c.width = j.value("width", c.width);
        c.features = j.value("features", c.features);
        c.dropout = j.value("dropout", c.dropout);
    } catch (const nlohmann::json::exception& e) {
        return std::string("classifier config: ") + e.what();
    }
    if (c.inChannels < 1 || c.classes < 1 || c.width < 1 || c.features < 1) return "classifier sizes must be positive";
    if (c.dropout < 0 || c.dropout >= 1) return "dropout must be in [0, 1)";
    *out = c;
    return {};
}

nlohmann::json ClassifierConfig::toJson() const {
    return {{"in_channels", inChannels}, {"classes", classes}, {"width", width}, {"features", features},
            {"dropout", dropout}};
}

ClassifierImpl::ClassifierImpl(ClassifierConfig config) : m_config(config) {
    const int w = config.width;
    auto conv = [](int in, int out) { return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)); };
    m_c1 = register_module("c1", conv(config.inChannels, w));
    m_b1 = register_module("b1", torch::nn::BatchNorm2d(w));
    m_c2 = register_module("c2", conv(w, w));
    m_b2 = register_module("b2", torch::nn::BatchNorm2d(w));
    m_c3 = register_module("c3", conv(w, 2 * w));
    m_b3 = register_module("b3", torch::nn::BatchNorm2d(2 * w));
    m_c4 = register_module("c4", conv(2 * w, 2 * w));
    m_b4 = register_module("b4", torch::nn::BatchNorm2d(2 * w));
    m_c5 = register_module("c5", conv(2 * w, 4 * w));
    m_b5 = register_module("b5", torch::nn::BatchNorm2d(4 * w));
    m_fc = register_module("fc", torch::nn::Linear(4 * w, config.features));
    m_head = register_module("head", torch::nn::Linear(config.features, config.classes));
}

torch::Tensor ClassifierImpl::features(const torch::Tensor& x) {
    auto h = F::silu(m_b1(m_c1(x)));
    h = F::max_pool2d(F::silu(m_b2(m_c2(h))), F::MaxPool2dFuncOptions(2));
    h = F::silu(m_b3(m_c3(h)));
    h = F::max_pool2d(F::silu(m_b4(m_c4(h))), F::MaxPool2dFuncOptions(2));
    h = F::silu(m_b5(m_c5(h)));
    h = h.mean({2, 3});
    return F::silu(m_fc(h));
}

torch::Tensor ClassifierImpl::forward(const torch::Tensor& x) {
    auto f = features(x);
    if (m_config.dropout > 0) f = F::dropout(f, F::DropoutFuncOptions().p(m_config.dropout).training(is_training()));
    return m_head(f);
}

at::Tensor noiseLevelScale(const at::Tensor& xTilde) {
    return xTilde.pow(2).mean({1, 2, 3}).add(1e-8).sqrt();
}

at::Tensor noiseLevelTarget(const at::Tensor& xTilde, const at::Tensor& sigma) {
    return sigma.log() - noiseLevelScale(xTilde).log();
}

at::Tensor noiseLevelOutput(Classifier& net, const at::Tensor& xTilde) {
    const auto scale = noiseLevelScale(xTilde);
    return net(xTilde / scale.view({-1, 1, 1, 1})).view({-1});
}

at::Tensor estimateNoiseLevel(Classifier& net, const at::Tensor& xTilde) {
    return noiseLevelScale(xTilde) * noiseLevelOutput(net, xTilde).exp();
}

} // namespace reverie::models
