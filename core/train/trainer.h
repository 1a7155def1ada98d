#pragma once
// Training for the built-in models: a recipe (JSON) → a checkpointed, resumable run.
// Tasks: "denoiser" (an EdmDenoiser, for generation) and "classifier" (Fashion-MNIST classes;
// also the feature extractor of the Fréchet distance).
//
// The denoiser task trains an EdmDenoiser with the EDM loss: σ = exp(P_mean + P_std n),
// loss = λ(σ) ‖D(x_0 + σ z; σ) − x_0‖², λ = (σ² + σd²)/(σ σd)². AdamW, linear warm-up then
// cosine decay, EMA weights, gradient clipping, optional label dropout (classifier-free guidance).
//
// Exact resume: a checkpoint holds the model, the EMA weights, the optimiser state, the step and
// the random generator's state; the data order is a function of (seed, epoch). Training N steps
// straight and training k steps, stopping and resuming for N − k give bit-identical weights
// (with the same thread count).
//
// Thread rules: runs on the calling thread (the engine thread or the CLI); cancel is checked
// before every step, and a cancelled run writes a checkpoint of what it finished.

#include "jobs/job.h"
#include "train/job.h"
#include "models/classifier.h"
#include "models/unet.h"

#include <ATen/core/Tensor.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>

namespace reverie::train {

struct Recipe {
    std::string name = "fmnist-edm";
    std::string task = "denoiser";        ///< "denoiser" or "classifier"
    std::string dataset = "fashion-mnist";
    std::int64_t trainLimit = -1;         ///< use only the first N training images (-1: all)
    int batch = 64;
    std::int64_t steps = 20000;
    double lr = 2e-4;
    std::int64_t warmup = 500;
    double weightDecay = 0.0;
    double emaDecay = 0.999;
    double gradClip = 1.0;
    std::uint64_t seed = 0;
    std::int64_t checkpointEvery = 500;
    std::int64_t logEvery = 25;
    double pMean = -1.2;                  ///< EDM log-normal σ distribution
    double pStd = 1.2;
    double sigmaData = 0.5;
    double labelDropout = 0.1;            ///< class-conditional nets: share of labels dropped (CFG)
    bool hflip = false;                   ///< random horizontal flips
    models::UNetConfig net;               ///< denoiser task
    models::ClassifierConfig classifier;  ///< classifier task

    /// The architecture of the task's network as one JSON string (checkpoints record it).
    std::string architecture() const;

    /// Parses a recipe; unknown keys and invalid values give a message (empty = fine).
    static std::string fromJson(const nlohmann::json& j, Recipe* out);
    nlohmann::json toJson() const;
};

/// Reads a recipe file.
Result<Recipe> loadRecipe(const std::string& path);



/// The training-set indices of a step's batch: consecutive entries of the epoch's random
/// permutation, which is a function of (seed, epoch) alone — so resuming needs no data state.
at::Tensor batchIndices(std::uint64_t seed, std::int64_t step, int batch, std::int64_t datasetSize);

/// Learning rate at a step: linear warm-up to lr, then cosine decay to 0 at `steps`.
double learningRate(const Recipe& r, std::int64_t step);

/// The EDM loss on one batch: mean over the batch of λ(σ)‖D(x0 + σz; σ) − x0‖².
at::Tensor edmLoss(models::EdmDenoiser& model, const at::Tensor& x0, const at::Tensor& sigma, const at::Tensor& z,
                   const at::Tensor& labels = {});

/// Runs (or resumes) training. Progress: step/total, message "loss …", stepSeconds.
Result<Summary> run(const Recipe& recipe, const Options& options, const JobContext& ctx);

/// Loads the EMA weights of a classifier checkpoint (or shipped weights file), in eval mode.
Result<models::Classifier> loadClassifier(const std::string& path, const models::ClassifierConfig& expected);

/// Top-1 accuracy of a classifier on labelled images (uint8), in batches of 500.
double accuracy(models::Classifier& model, const at::Tensor& images, const at::Tensor& labels);

/// Writes the EMA weights of a training checkpoint (as the model's own weights) with its
/// architecture and recipe, without optimizer state: the small file that ships. Returns its size.
Result<std::int64_t> exportWeights(const std::string& checkpoint, const std::string& out);

/// Loads the EMA weights of a checkpoint (or a shipped weights file) into a new denoiser.
/// Errors name the problem: missing file, different architecture, corrupt archive.
Result<models::EdmDenoiser> loadDenoiser(const std::string& path, const models::UNetConfig& expected);

} // namespace reverie::train
