#pragma once
// `reverie-cli bench restore`: PSNR / SSIM (and FD) per task × sampler × NFE on held-out
// Fashion-MNIST test images, the degraded input and the classical peer beside them, and the time
// per image; optionally the colour-photo restorer on held-out photographs and one large image.
//
// Thread rules: call on the engine thread. Failure: a missing model or data set → InvalidInput.

#include "base/job.h"
#include "base/shard.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::restore {

struct RestoreBenchParams {
    std::string modelDir;
    std::string dataDir;                 ///< Fashion-MNIST ("" = default)
    bool quick = false;                  ///< 3 tasks, 4 rows, 32 images; photos: 96×96 centre crops at MRS-2 @10
    int samples = 0;                     ///< images per task (0 → 100; quick: 32)
    std::vector<std::string> tasks;      ///< only these tasks (empty: all eight)
    std::vector<std::string> samplers;   ///< only these samplers of the plan (empty: all)
    std::vector<int> nfes;               ///< only these NFE values of the plan (empty: all)
    std::uint64_t seed = 0;
    std::string classifierDir;           ///< FD column ("" = no FD)
    bool fmnist = true;                  ///< the Fashion-MNIST tasks (false: photos / large only)
    std::string photoModelDir;           ///< colour-photo restorer (the photo section and the large run)
    bool photos = true;                  ///< the photo section (needs photoModelDir)
    std::string photosDir;               ///< its held-out photos are photosDir/test ("" = defaultPhotosDir())
    double photoSigma = 25;              ///< noise σ of the photo section (0..255)
    double largeMegapixels = 0;          ///< > 0: the large-image run at this size
    /// Non-empty: the σ sweep replaces the photo section — every photo under photosDir/photoSet
    /// (recursively), centre-cropped to photoCrop (0 = whole), at each σ (0..255).
    std::vector<double> photoSigmas;
    std::string photoSet = "test";       ///< sub-folder of photosDir for the sweep ("test", "val", "test/<package>")
    int photoCrop = 256;                 ///< centre crop side of the sweep (0 = whole photos)
    /// A noise-map model in the sweep: also restore with the true σ given (a second row per
    /// sampler), beside the default row where the model estimates σ itself.
    bool photoTrueSigma = false;
    /// Non-empty: the task sweep replaces the photo section — each task (restore::degradationIds())
    /// on every photo of the set, the classical peer given the true parameters; noise at each σ of
    /// photoSigmas (else photoSigma). photoTrueSigma adds rows told the truth: σ (0 for the other
    /// tasks) and, for a model with task labels, the task (RestoreParams::task).
    std::vector<std::string> photoTasks;
    double photoLambda = 0;              ///< > 0: the sweep's IR-SDE λ (0..255); 0: RestoreParams' default
    /// Task sweep with photoTrueSigma, tasks with a consistency step: after each "+dc" row, a row
    /// per α here of α·consistent(x̂) + (1 − α)·consistent(peer) ("+dc blend α"; α = 0 is the
    /// classical peer made consistent, e.g. bicubic with back-projection), from the same run.
    std::vector<double> photoBlends;
    /// Task sweep, blur, motion blur, 2× and 4×: a row per schedule "K:S:E" (or "auto") of plug-and-play
    /// (restore/pnp.h) with photoPnpModelDir as the prior, from the classical peer made consistent.
    std::vector<std::string> photoPnp;
    std::string photoPnpModelDir; ///< the noise-map denoiser of the plug-and-play rows
    int photoPnpNfe = 3;          ///< its network evaluations per call (as restore::RestoreParams::pnpNfe)
    /// The speed levers replace the photo section: the photo model on every photo of photoSet
    /// (crop photoCrop) at σ = photoSigma, per lever (NFE, tile size, overlap, one-step x̂₀)
    /// seconds per megapixel and PSNR / SSIM, beside OpenCV's NLM given the true σ.
    bool photoLevers = false;
    std::vector<std::string> photoLeverIds; ///< only these levers (empty: all; ids in restore/bench.cpp)
    /// Only this shard's units: the Fashion-MNIST tasks, then the sweep's conditions (or the photo
    /// section's photos), then the large run, numbered in that order; the JSON then carries
    /// `shard` and each unit its number, for mergeRestoreBench.
    Shard shard;
};

/// Where the installer puts the photographs: $REVERIE_PHOTOS_DIR, else /usr/local/share/reverie/photos
/// (sub-folders train/ and test/; packaging/install-deps.sh).
std::string defaultPhotosDir();

struct RestoreBenchReport {
    std::string json;                    ///< one line
    std::string table;                   ///< human-readable
};

/// Each task degrades the first N test images with a fixed seed (restore::degrade, the task's
/// default parameters: noise σ = 25, blur σ 1–2 px, motion 5–9 px, JPEG quality 10–40, boxes
/// 10–30 %), so every row of a task sees the same pairs. PSNR and SSIM are computed per image on
/// 8-bit values (PSNR capped at 100 dB for exact images) and averaged. The classical peers get the
/// true degradation parameters (σ, kernel, quality, mask) — information the model does not have.
/// FD column: the Fréchet distance between the shipped classifier's penultimate features of the
/// restored images and of the clean ones (the same N images) — a perceptual measure beside PSNR,
/// which rewards smooth, averaged results. Like every FD it is biased upwards at small N: compare
/// rows of one task (same N), not against generation's FD.
/// Photos: the colour-photo restorer on the held-out photographs (<photosDir>/test, never trained
/// on), Gaussian noise σ = photoSigma (0..255), restored in tiles at full size, beside OpenCV's
/// colour non-local means with the true σ; PSNR / SSIM per photo and seconds per megapixel.
/// σ sweep (photoSigmas): per σ, the mean over the photos of the noisy input, OpenCV's colour NLM
/// given the true σ (σ = 0: h = 0, the input back), and the photo model for each sampler × NFE
/// (samplers / nfes, default mrs-sde-2-data @ 10), plus on how many photos the model beat NLM.
/// Photo i is noised from seed + i at every σ, so rows of one σ see the same inputs.
/// Large: one photo upscaled (bicubic) to largeMegapixels, noised the same way and restored at
/// 10 NFE: wall time, seconds per megapixel and the process's peak resident memory (bounded: the
/// tiles go through the network `batch` at a time).
Result<RestoreBenchReport> runRestoreBench(const RestoreBenchParams& p, const JobContext& ctx);

/// The report one unsharded run would give, from the JSON of all N shards of one configuration
/// (any order); "seconds" is then the shards' sum (and `shards` their number).
Result<RestoreBenchReport> mergeRestoreBench(std::vector<nlohmann::json> parts);

} // namespace reverie::restore
