#pragma once
// The generation domain's training tasks (train/task.h), named in catalog/catalog.cpp:
//   "denoiser"    an EdmDenoiser (models/unet.h) on images, EDM loss, optional class labels
//                 dropped with probability label_dropout (classifier-free guidance);
//   "classifier"  the Fashion-MNIST classifier (models/classifier.h) whose penultimate features
//                 serve the Fréchet distance; cross-entropy; test accuracy measured at the end;
//   "noise-level" the one-output classifier that estimates σ of x₀ + σz for Denoising MCMC:
//                 σ log-uniform in [sigma_min, sigma_max], squared error on log σ − log RMS(x̃).
// Section keys: the image data keys of train/images.h, plus the ones each Options reads.
//
// Thread rules: as train/task.h. Failure: errors name the key or the data problem.

#include "base/job.h"
#include "models/classifier.h"
#include "models/unet.h"
#include "train/edm.h"
#include "train/images.h"
#include "train/task.h"

#include <ATen/core/Tensor.h>

#include <memory>

namespace reverie::generate {

struct DenoiserOptions {
    train::ImageData data;
    train::EdmNoise noise;
    double labelDropout = 0.1; ///< class-conditional nets: share of labels dropped (CFG)
    models::UNetConfig net;
    /// Reads a "denoiser" section; a message for a bad key or value ("" = fine).
    std::string read(const nlohmann::json& section);
    nlohmann::json toJson() const;
};

struct ClassifierOptions {
    train::ImageData data;
    models::ClassifierConfig classifier;
    std::string read(const nlohmann::json& section);
    nlohmann::json toJson() const;
};

struct NoiseLevelOptions {
    train::ImageData data;
    models::ClassifierConfig classifier = oneOutput();
    double sigmaMin = 0.005; ///< σ range (log-uniform)
    double sigmaMax = 80.0;
    std::string read(const nlohmann::json& section);
    nlohmann::json toJson() const;
    static models::ClassifierConfig oneOutput() {
        models::ClassifierConfig c;
        c.classes = 1;
        return c;
    }
};

Result<std::unique_ptr<train::TrainTask>> makeDenoiserTask(const train::Recipe& r, train::TaskData data);
Result<std::unique_ptr<train::TrainTask>> makeClassifierTask(const train::Recipe& r, train::TaskData data);
Result<std::unique_ptr<train::TrainTask>> makeNoiseLevelTask(const train::Recipe& r, train::TaskData data);

/// Top-1 accuracy of a classifier on labelled images (uint8), in batches of 500.
double accuracy(models::Classifier& model, const at::Tensor& images, const at::Tensor& labels);

} // namespace reverie::generate
