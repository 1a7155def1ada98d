#pragma once
// The restoration pipeline: a μ-conditioned residual denoiser served as an IR-SDE model, and
// every sampler the engine offers for it (shared/REFERENCE.md §3, §4).
//
// The shipped restorer E is trained (train/trainer.h, task "restorer") as an EDM denoiser of the
// residual y₀ = x₀ − μ given μ. As a σ-denoiser D(x̃; σ̃, μ) = μ + E(x̃ − μ; σ̃, μ) it serves the
// IR-SDE of any stationary std λ exactly (sde::denoiserFromSigma: x̃ = (x_t − μ)/α + μ,
// σ̃ = σ_t/α_t), so λ is a sampling-time choice (default 50/255 on the 0..1 scale, IR-SDE's
// universal setting; 100/255 on Reverie's [−1, 1] scale).
//
// Samplers (id → engine call; NFE = steps for all of them):
//   posterior            IR-SDE posterior sampling (Luo et al.), uniform t grid
//   em                   Euler–Maruyama on the reverse SDE, uniform t
//   ode-euler            PF-ODE Euler, uniform t
//   mrs-{ode|sde}-{1|2}-{data|noise}
//                        MR Sampler: ODE or SDE, order 1 or 2 (multistep), update written with
//                        data prediction or noise prediction, steps uniform in log-SNR (λ_min −5).
// A velocity-parameterised network converts exactly to data (sde/param.h), so for MRS "velocity"
// is the data form; the network here predicts data.
//
// Images of another size than the model's are restored in overlapping tiles of the model's size
// (restore/tiling.h), `batch` tiles per network batch; tile k of image i draws its noise from
// seed + i + k. Measured: the shipped Fashion-MNIST restorer is object-centric (trained on
// centred 28×28 items), so tiles that cut through objects restore less well — a noisy 2×2 mosaic
// of test images gains 1.1 dB tiled (22.4 → 23.4 dB, tst_restorer) where single test images gain
// 2.7 dB (its card). Tiling is meant for the fully convolutional photo model trained on patches
// (resources/models/photo-denoise).
//
// Thread rules: call on the engine thread (LibTorch state); the loaded model is cached per folder.
// Failure: bad settings or a wrong model folder → InvalidInput naming the problem; cancel → Cancelled.

#include "jobs/job.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::restore {

struct SamplerInfo {
    std::string id;
    std::string label;
};
/// Every restoration sampler, in menu order.
const std::vector<SamplerInfo>& samplers();

struct RestoreParams {
    std::string modelDir;                 ///< folder with weights.pt and card.json (kind "restorer")
    std::string sampler = "mrs-sde-2-data";
    int nfe = 10;                         ///< = steps for every sampler
    std::uint64_t seed = 0;               ///< item i draws its noise from seed + i
    double lambda255 = 50;                ///< IR-SDE stationary std λ on the 0..255 scale
    int batch = 64;                       ///< images per network batch
    bool previews = false;                ///< progress carries x_t | x̂_0 of the first images
    int tileOverlap = 0;                  ///< tiled runs: overlap in pixels (0: a quarter tile, at least 4)
};

/// Fails early (InvalidInput) for an unknown sampler or settings out of range.
Result<bool> validate(const RestoreParams& p);

struct RestoreTensorResult {
    at::Tensor x;               ///< restored images [B, C, H, W] in [−1, 1]
    std::int64_t nfe = 0;       ///< network evaluations per image (the batch shares them)
    double seconds = 0;
    std::string note;           ///< what was adapted (channels), for the user; empty if nothing
};

/// Restores μ [B, C, H, W] in [−1, 1], C = 1 or 3. A grey model restores colour images channel by
/// channel; a colour model restores grey images as grey RGB and returns their luma (the note says
/// which). H, W other than the model's image size are tiled. Progress: step/total per sampler
/// step (and chunk or tile), nfe.
Result<RestoreTensorResult> restoreTensor(const RestoreParams& p, const at::Tensor& mu, const JobContext& ctx);

/// The model's channel count and training image size (reads the card; for callers that convert).
struct RestorerInfo {
    int channels = 1;
    int imageSize = 28;
    std::string name;
};
Result<RestorerInfo> restorerInfo(const std::string& modelDir);

} // namespace reverie::restore
