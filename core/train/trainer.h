#pragma once
// Training for the built-in models: a recipe (JSON) → a checkpointed, resumable run.
// Tasks: "denoiser" (an EdmDenoiser, for generation), "classifier" (Fashion-MNIST classes;
// also the feature extractor of the Fréchet distance) and "noise-level" (a one-output classifier
// that estimates σ of x₀ + σz, for Denoising MCMC; σ log-uniform in [sigma_min, sigma_max],
// squared error on log σ − log RMS(x̃), see models/classifier.h) and "restorer" (an EdmDenoiser
// conditioned on the degraded image μ that denoises the residual y = x₀ − μ: the image-restoration
// model of IR-SDE served as a σ-denoiser, D(x̃; σ̃, μ) = μ + E(x̃ − μ; σ̃, μ), trained with the EDM
// loss on y₀ = x₀ − μ; μ comes from restore::degradeMixed over the recipe's degradations).
// Task "enhancer" (speech, SGMSE+-style) is the same residual denoiser on spectrograms: x₀ = the
// clean compressed complex STFT (speech/stft.h) as 2 channels (real, imaginary) [2, 256, frames],
// μ = the noisy one, both divided by the noisy waveform's max |x|; the mixtures come from
// speech::Corpus (training speakers only), mixture number step·batch + i for the recipe's seed,
// so a resumed run sees exactly the batches of a straight one. Served to the OUVE SDE by
// speech/enhance.h.
//
// Data: Fashion-MNIST ("fashion-mnist"), a folder of images ("folder": data_dir, image_size,
// channels; see data/image_folder.h) or patches of the large images in a folder ("patches":
// data_dir, image_size = the patch size, patch_stride, patch_scales, channels). Augmentation is
// deterministic: random horizontal flips and shifts by up to `shift` pixels (background filled),
// drawn from the run's checkpointed generator, so a resumed run sees exactly the batches a
// straight run would.
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
// Task "text-denoiser" (erase/textmodel.h): a TextDenoiser (text encoder + EdmDenoiser with
// cross-attention, net.context_dim = text_encoder.dim) trained jointly with the same EDM loss on
// Fashion-MNIST: item i of step s gets the prompt text::trainingPrompt(label, seed, s, i) (a
// random template × synonym of its class, a function of (seed, step, item) alone), replaced by
// the empty prompt with probability label_dropout (classifier-free guidance).
//
// Thread rules: runs on the calling thread (the engine thread or the CLI); cancel is checked
// before every step, and a cancelled run writes a checkpoint of what it finished.

#include "data/fashion_mnist.h"
#include "erase/textmodel.h"
#include "jobs/job.h"
#include "train/job.h"
#include "models/classifier.h"
#include "models/unet.h"
#include "speech/corpus.h"

#include <ATen/core/Tensor.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace reverie::train {

struct Recipe {
    std::string name = "fmnist-edm";
    std::string task = "denoiser";        ///< "denoiser", "classifier", "noise-level", "restorer", "enhancer", "text-denoiser"
    std::string dataset = "fashion-mnist"; ///< "fashion-mnist", "folder" or "patches" (of large photos)
    std::string dataDir;                  ///< folder dataset: its root (class = first sub-folder)
    int imageSize = 28;                   ///< folder dataset: images are centre-cropped and resized to this
    int channels = 1;                     ///< folder dataset: 1 (grey) or 3 (RGB)
    int patchStride = 16;                 ///< patches dataset: grid step (patch size = image_size)
    int patchScales = 1;                  ///< patches dataset: full resolution and this many − 1 halvings
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
    int shift = 0;                        ///< random shifts by up to this many pixels (each axis)
    double sigmaMin = 0.005;              ///< noise-level task: σ range (log-uniform)
    double sigmaMax = 80.0;
    std::vector<std::string> degradations;  ///< restorer task: the pool (empty: every degradation)
    double noiseSigmaMin = 5, noiseSigmaMax = 50; ///< restorer task: the noise task's σ range (0..255 scale)
    // enhancer task (speech, speech/corpus.h): mixtures made on the fly from (seed, step, item)
    std::string speechDir;                ///< enhancer: the corpus folder ("" → speech::defaultSpeechDir())
    int cropFrames = 64;                  ///< enhancer: STFT frames per training crop ((n − 1)·hop samples)
    std::string testSpeaker = "ru";       ///< enhancer: the held-out speaker (never trained on)
    double snrMin = 0, snrMax = 20;       ///< enhancer: mixture SNR range in dB (uniform)
    models::UNetConfig net;               ///< denoiser task
    models::ClassifierConfig classifier;  ///< classifier task
    erase::TextEncoderConfig textEncoder; ///< text-denoiser task ("text_encoder")

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

/// Loads the EMA weights of a noise-level estimator checkpoint (or shipped weights file), in eval mode.
Result<models::Classifier> loadNoiseLevel(const std::string& path, const models::ClassifierConfig& expected);

/// Loads a recipe's training images: Fashion-MNIST's train split or the image folder.
Result<data::LabelledImages> loadTrainingData(const Recipe& recipe);

/// Applies the recipe's augmentation (flips, shifts) to a batch in [−1, 1], drawing from gen.
at::Tensor augment(const Recipe& recipe, const at::Tensor& x, at::Generator& gen);

/// Top-1 accuracy of a classifier on labelled images (uint8), in batches of 500.
double accuracy(models::Classifier& model, const at::Tensor& images, const at::Tensor& labels);

/// Writes the EMA weights of a training checkpoint (as the model's own weights) with its
/// architecture and recipe, without optimizer state: the small file that ships. Returns its size.
Result<std::int64_t> exportWeights(const std::string& checkpoint, const std::string& out);

/// Loads the EMA weights of a checkpoint (or a shipped weights file) into a new denoiser.
/// Errors name the problem: missing file, different architecture, corrupt archive.
/// task: "denoiser" (a generator) or "restorer" (the μ-conditioned residual denoiser).
Result<models::EdmDenoiser> loadDenoiser(const std::string& path, const models::UNetConfig& expected,
                                         double sigmaData = 0.5, const std::string& task = "denoiser");

/// The enhancer's corpus settings from its recipe: mixtures of (crop_frames − 1)·hop samples (crop_frames
/// STFT frames), every speaker but test_speaker for training.
speech::CorpusOptions enhancerCorpusOptions(const Recipe& recipe);

/// The enhancer's batch at a step: x₀ (clean) and μ (noisy) [batch, 2, 256, frames] from training
/// mixtures step·batch + i, i < batch, of the corpus for `seed` (speech/pairs.h).
Result<std::pair<at::Tensor, at::Tensor>> enhancerBatch(const speech::Corpus& corpus, std::uint64_t seed,
                                                        std::int64_t step, int batch);

/// The restorer's loss on one batch: the EDM loss of the residual denoiser E on y₀ = x₀ − μ,
/// mean over the batch of λ(σ)‖E(y₀ + σz; σ, cond = μ) − y₀‖².
at::Tensor restorerLoss(models::EdmDenoiser& model, const at::Tensor& x0, const at::Tensor& mu, const at::Tensor& sigma,
                        const at::Tensor& z);

} // namespace reverie::train
