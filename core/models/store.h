#pragma once
// Model files on disk: the one place that reads cards, checks a model's kind and architecture,
// and loads or saves weights. A model folder holds card.json (kind, architecture config,
// settings, measured figures) and weights.pt (a LibTorch archive: "model" = the module's
// parameters and buffers, "architecture" = the string architectureTag() makes, optionally
// "recipe", and in training checkpoints "ema" = the EMA copies of the parameters in module order,
// which replace the parameters on load). Where folders are searched for: models/zoo.h.
//
// Thread rules: call on the thread that will use the module (the engine thread). Failure: every
// function returns an error naming the file and the problem (missing, another kind or
// architecture, corrupt archive); nothing throws out.

#include "base/job.h"
#include "models/classifier.h"
#include "models/unet.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace torch::nn {
class Module;
}

namespace reverie::models {

/// The architecture string recorded in weights files: "<kind> <config JSON>", or the config
/// alone for kind "denoiser" (the format the first shipped generator was written in).
std::string architectureTag(const std::string& kind, const nlohmann::json& config);

/// dir/card.json as JSON. Errors: no folder, no card, invalid JSON.
Result<nlohmann::json> readCard(const std::string& dir);
/// The card, checked to be of `kind` and to carry an "architecture"; `what` names the expected
/// model in the message ("a restoration model").
Result<nlohmann::json> readCardOfKind(const std::string& dir, const std::string& kind, const std::string& what);

/// Loads a weights file or training checkpoint into `module` (EMA weights when present) and puts
/// it in eval mode. Refuses a file recorded with another architecture string.
Result<bool> loadWeights(torch::nn::Module& module, const std::string& path, const std::string& architecture);
/// Writes the module's current weights with its architecture (and recipe JSON text, if any),
/// atomically. Returns the file's size in bytes.
Result<std::int64_t> saveWeights(torch::nn::Module& module, const std::string& path, const std::string& architecture,
                                 const std::string& recipe = {});

/// FNV-1a over the tensors' bytes (contiguous, CPU) and dtypes, as 16 hex digits: a fingerprint
/// of a set of weights that files made for those exact weights record and are checked against.
std::string hashTensors(const std::vector<at::Tensor>& tensors);

/// A U-Net denoiser of `kind` ("denoiser", "restorer", "enhancer") from a weights file.
Result<EdmDenoiser> loadDenoiser(const std::string& path, const UNetConfig& expected, double sigmaData = 0.5,
                                 const std::string& kind = "denoiser");
/// A classifier-shaped network of `kind` ("classifier", "noise-level") from a weights file.
Result<Classifier> loadClassifier(const std::string& path, const ClassifierConfig& expected,
                                  const std::string& kind = "classifier");

/// A model folder of kind "denoiser" (a generator), eval mode.
Result<EdmDenoiser> loadGeneratorFolder(const std::string& dir);
/// A classifier-shaped model folder (the shipped Fashion-MNIST classifier, whose penultimate
/// features serve the Fréchet distance everywhere, or the noise-level estimator), eval mode.
Result<Classifier> loadClassifierFolder(const std::string& dir, const std::string& kind = "classifier");

} // namespace reverie::models
