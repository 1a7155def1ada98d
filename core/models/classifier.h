#pragma once
// A small image classifier for Fashion-MNIST-sized images. Its penultimate features serve as
// the feature extractor of the Fréchet distance (FD) that Reverie reports for generated images.
// With one output, the same network is the noise-level estimator of Denoising MCMC: given
// x̃ = x₀ + σ z it predicts log σ relative to the image's own RMS (σ spans 0.005 … 80;
// docs/methods.md, "Noise-level estimators").
//
// Thread rules: a module is used by one thread at a time (the engine thread).

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace reverie::models {

struct ClassifierConfig {
    int inChannels = 1;
    int classes = 10;
    int width = 32;      ///< channels of the first stage (doubled, then quadrupled)
    int features = 128;  ///< size of the penultimate feature vector
    double dropout = 0.3;

    static std::string fromJson(const nlohmann::json& j, ClassifierConfig* out);
    nlohmann::json toJson() const;
};

class ClassifierImpl : public torch::nn::Module {
public:
    explicit ClassifierImpl(ClassifierConfig config);
    /// x: [B, C, H, W] in [−1, 1] → logits [B, classes].
    torch::Tensor forward(const torch::Tensor& x);
    /// The penultimate features [B, features] (after the non-linearity), for FD.
    torch::Tensor features(const torch::Tensor& x);
    const ClassifierConfig& config() const { return m_config; }

private:
    ClassifierConfig m_config;
    torch::nn::Conv2d m_c1{nullptr}, m_c2{nullptr}, m_c3{nullptr}, m_c4{nullptr}, m_c5{nullptr};
    torch::nn::BatchNorm2d m_b1{nullptr}, m_b2{nullptr}, m_b3{nullptr}, m_b4{nullptr}, m_b5{nullptr};
    torch::nn::Linear m_fc{nullptr}, m_head{nullptr};
};
TORCH_MODULE(Classifier);

/// Per-image RMS of x̃ [B, C, H, W] → [B] (the noise-level estimator's input scale).
at::Tensor noiseLevelScale(const at::Tensor& xTilde);
/// The regression target of the noise-level estimator: log σ − log RMS(x̃), [B].
at::Tensor noiseLevelTarget(const at::Tensor& xTilde, const at::Tensor& sigma);
/// The estimator's raw output for x̃ (a one-output classifier on x̃ / RMS(x̃)), [B].
at::Tensor noiseLevelOutput(Classifier& net, const at::Tensor& xTilde);
/// σ̂ = RMS(x̃) · exp(output), [B].
at::Tensor estimateNoiseLevel(Classifier& net, const at::Tensor& xTilde);

} // namespace reverie::models
