#pragma once
// The restoration pipeline: the μ-conditioned residual denoiser (task "restorer", restore/task.h)
// served as an IR-SDE model of any stationary std λ, a sampling-time choice, and every sampler the
// engine offers for it (docs/methods.md, "IR-SDE" and "Residual denoisers").
//
// Thread rules: call on the engine thread (LibTorch state); the loaded model is cached per folder.
// Failure: bad settings or a wrong model folder → InvalidInput naming the problem; cancel → Cancelled.

#include "base/job.h"
#include "restore/restore.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::solvers {
class NoiseSource;
}

namespace reverie::restore {

struct RestoreTensorResult {
    at::Tensor x;               ///< restored images [B, C, H, W] in [−1, 1]
    std::int64_t nfe = 0;       ///< network evaluations per image (the batch shares them)
    double seconds = 0;         ///< sampling time (the noise-level estimate not included)
    double networkSeconds = 0;  ///< of which inside the network's forward passes
    std::string note;           ///< what was adapted (channels) or estimated, for the user; empty if nothing
    /// A noise-map model: the noise σ (0..255) each image was restored with, given or estimated.
    std::vector<double> noiseSigma255;
};

/// Samplers (p.sampler; NFE = steps for all of them): posterior (IR-SDE posterior sampling, uniform
/// t), em (Euler–Maruyama on the reverse SDE, uniform t), ode-euler (PF-ODE Euler, uniform t),
/// mrs-{ode|sde}-{1|2}-{data|noise} (MR Sampler, steps uniform in log-SNR, λ_min −5).
/// Images of another size than the model's are restored in overlapping tiles of the model's size
/// (restore/tiling.h), `batch` tiles per network batch; tile k of image i draws its noise from
/// seed + i + k. Tiling is meant for the fully convolutional photo model trained on patches
/// (resources/models/photo-denoise): the object-centric Fashion-MNIST restorer (trained on centred
/// 28×28 items) restores tiles that cut through objects less well.
/// Restores μ [B, C, H, W] in [−1, 1], C = 1 or 3. A grey model restores colour images channel by
/// channel; a colour model restores grey images as grey RGB and returns their luma (the note says
/// which). H, W other than the model's image size are tiled. Progress: step/total per sampler
/// step (and chunk or tile), nfe.
/// A published IR-SDE checkpoint is fully convolutional: images up to 512×512 go through it whole
/// (as the official test scripts run them), larger ones in 512-pixel tiles.
/// A model with a noise map (models/conditioned.h) restores each image with its own noise level:
/// p.noiseSigma255 when ≥ 0, else estimated from the image (restore/noiselevel.h); images then go
/// through one at a time (item i with seed + i, as in a batch).
/// `replay` (tests only): the prior draw and every sampler step draw from it in order instead of
/// from p.seed (tests/core/tst_published.cpp replays the official sampler's noise).
Result<RestoreTensorResult> restoreTensor(const RestoreParams& p, const at::Tensor& mu, const JobContext& ctx,
                                          solvers::NoiseSource* replay = nullptr);

} // namespace reverie::restore
