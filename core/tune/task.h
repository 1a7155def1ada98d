#pragma once
// The Tune domain's training tasks (train/task.h), named in catalog/catalog.cpp:
//
//   "dit-denoiser"  pretrains the DiT denoiser (models/dit.h) with EDM preconditioning and the
//                   EDM loss (train/edm.h), optionally on some classes only (the image data key
//                   "classes"), so that the other classes are new to it when it is fine-tuned;
//   "dit-tune"      fine-tunes a pretrained DiT with one of the methods of tune/methods.h. The
//                   section names the base model ("base": a model folder or built-in name whose
//                   card says kind "dit-denoiser"), the method and its settings, and the data.
//                   The recorded architecture includes the method and its settings, so a resume
//                   from another method's checkpoint is refused by the loop. At the end it
//                   measures what the tuned model learnt and forgot (quality() below).
//
// Section keys of "dit-tune" besides the image data (train/images.h) and EDM noise keys:
//   base, method, bottleneck, lora_rank, lora_alpha, dropout, lambda, beta, reversible_blocks,
//   segments, label_dropout, eval_samples, eval_steps, new_classes, old_classes.
//
// Thread rules: as train/task.h. Failure: errors name the key, the base model or the data.

#include "base/job.h"
#include "models/classifier.h"
#include "models/dit.h"
#include "train/edm.h"
#include "train/images.h"
#include "train/recipe.h"
#include "train/task.h"
#include "tune/methods.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace reverie::tune {

/// A network of the DiT's signature: (x, c_noise, labels) → output shaped like x.
using DiTFunction = std::function<at::Tensor(const at::Tensor& x, const at::Tensor& noise, const at::Tensor& labels)>;

/// A DiT-shaped module (models::DiT, TunedDiT, or a pointer to one) as a DiTFunction; the module
/// is shared, not copied.
template <typename Net>
DiTFunction ditFunction(Net net) {
    return [net](const at::Tensor& x, const at::Tensor& noise, const at::Tensor& labels) mutable {
        return net->forward(x, noise, labels);
    };
}

/// EDM preconditioning (Karras et al. 2022, Table 1) around a DiT-shaped network:
/// D(x; σ) = c_skip x + c_out F(c_in x, ln(σ)/4), c_skip = σd²/(σ²+σd²), c_out = σσd/√(σ²+σd²),
/// c_in = 1/√(σ²+σd²). sigma: [B].
at::Tensor edmDenoise(const DiTFunction& net, const at::Tensor& x, const at::Tensor& sigma, const at::Tensor& labels,
                      double sigmaData);

/// A method's configuration as the recipe keys name it (method, bottleneck, lora_rank, lora_alpha,
/// dropout, lambda, beta, reversible_blocks, segments: only those the method uses, with the
/// MEFT factors resolved), and read back from such keys ("" or the reason it is not valid).
nlohmann::json methodJson(const MethodConfig& m);
std::string readMethod(train::SectionReader& s, MethodConfig& method);

struct DiTDenoiserOptions {
    train::ImageData data;
    train::EdmNoise noise;
    double labelDropout = 0.1;
    models::DiTConfig net;
    std::string read(const nlohmann::json& section);
    nlohmann::json toJson() const;
};

struct DiTTuneOptions {
    train::ImageData data;
    train::EdmNoise noise;
    double labelDropout = 0.1;
    std::string base = "fmnist-dit"; ///< model folder or built-in name (models/zoo.h)
    MethodConfig method;
    int evalSamples = 200;           ///< per class group, for quality() at the end (0: skip)
    int evalSteps = 18;              ///< EDM Heun steps for those samples
    std::vector<int> newClasses;     ///< quality on these (empty: the data's classes)
    std::vector<int> oldClasses;     ///< forgetting on these (empty: the base card's pretraining classes)
    std::string read(const nlohmann::json& section);
    nlohmann::json toJson() const;
};

/// A pretrained DiT from a model folder (card kind "dit-denoiser"), eval mode. A folder of
/// another kind is refused with the reason (e.g. a U-Net has no stack of equal blocks).
struct LoadedDiT {
    models::DiT net{nullptr};
    double sigmaData = 0.5;
    std::vector<int> pretrainClasses; ///< from the card's recipe (empty: all)
    std::string folder;
    std::string weights; ///< weightsFingerprint() of the weights as loaded
};
/// models::hashTensors over a DiT's parameters and buffers in module order: what a tuned adapter
/// records of its base (tune/adapter.h). A TunedDiT adds modules to its base's blocks, which
/// changes this; take it from an untouched base.
std::string weightsFingerprint(models::DiTImpl& net);
Result<LoadedDiT> loadDiTFolder(const std::string& folderOrName);

/// What a generator produces for some classes, judged by the shipped classifier: the Fréchet
/// distance of its penultimate features between `samples` generated images (labels cycling
/// through `classes`, seeds 0…) and the Fashion-MNIST test images of those classes, and the share
/// the classifier assigns to the requested class.
struct Quality {
    double fd = 0;
    double agreement = 0;
    int samples = 0;
};
Result<Quality> quality(const DiTFunction& net, double sigmaData, const std::vector<int>& classes, int samples,
                        int steps, std::uint64_t seed, const JobContext& ctx);
/// The shipped classifier (eval mode) and the Fashion-MNIST test split, loaded once to judge
/// several class groups (the end of a fine-tuning run judges four).
struct QualityJudge {
    models::Classifier classifier{nullptr};
    at::Tensor testImages; ///< uint8 [N, 1, 28, 28]
    at::Tensor testLabels; ///< int64 [N]
};
Result<QualityJudge> loadQualityJudge();
Result<Quality> quality(QualityJudge& judge, const DiTFunction& net, double sigmaData, const std::vector<int>& classes,
                        int samples, int steps, std::uint64_t seed, const JobContext& ctx);

/// Samples `labels.size()` images with the EDM Heun sampler on the VE schedule (σ 0.002…80),
/// seeds seed + i: [N, 1, 28, 28] in [−1, 1]. The same seeds give the same starting noise for
/// any network, so a base and a tuned model can be compared item by item.
Result<at::Tensor> sampleImages(const DiTFunction& net, double sigmaData, const std::vector<int>& labels, int steps,
                                std::uint64_t seed, const JobContext& ctx);

/// Two grids of the same layout (one row per label group): a base model's samples and a tuned
/// model's on the same seeds and labels.
struct TunedComparison {
    ImageU8 base, tuned;
    std::vector<int> labels; ///< one per row
};

/// Samples of two networks on the same seeds and labels (`perLabel` of each label): grids of
/// `perLabel` columns, one row per label. `tuned` empty: its grid is the base's.
Result<TunedComparison> compareNetworks(const DiTFunction& base, double baseSigmaData, const DiTFunction& tuned,
                                        double tunedSigmaData, const std::vector<int>& labels, int perLabel, int steps,
                                        std::uint64_t seed, const JobContext& ctx);

/// A fine-tuning ("dit-tune") checkpoint with its EMA weights loaded into the method's network.
struct TunedCheckpoint {
    std::unique_ptr<train::TrainTask> task; ///< owns the network
    TunedDiTImpl* net = nullptr;
    DiTTuneOptions options;
    std::string run;       ///< the recipe's name
    std::int64_t step = 0;
};
Result<TunedCheckpoint> loadTunedCheckpoint(const std::string& checkpoint);

/// [N, 1, H, W] in [−1, 1] as an 8-bit grid of `columns` columns, 2-pixel grey gaps.
ImageU8 gridImage(const at::Tensor& x, int columns);

Result<std::unique_ptr<train::TrainTask>> makeDiTDenoiserTask(const train::Recipe& r, train::TaskData data);
Result<std::unique_ptr<train::TrainTask>> makeDiTTuneTask(const train::Recipe& r, train::TaskData data);

} // namespace reverie::tune
