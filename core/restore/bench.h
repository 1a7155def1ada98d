#pragma once
// `reverie-cli bench restore`: PSNR / SSIM per task × sampler × NFE on held-out Fashion-MNIST
// test images, the degraded input and the classical peer beside them, and the time per image.
//
// Each task degrades the first N test images with a fixed seed (restore::degrade, the task's
// default parameters: noise σ = 25, blur σ 1–2 px, motion 5–9 px, JPEG quality 10–40, boxes
// 10–30 %), so every row of a task sees the same pairs. PSNR and SSIM are computed per image on
// 8-bit values (PSNR capped at 100 dB for exact images) and averaged. The classical peers get the
// true degradation parameters (σ, kernel, quality, mask) — information the model does not have.
//
// Thread rules: call on the engine thread. Failure: a missing model or data set → InvalidInput.

#include "jobs/job.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::restore {

struct RestoreBenchParams {
    std::string modelDir;
    std::string dataDir;                 ///< Fashion-MNIST ("" = default)
    bool quick = false;                  ///< 3 tasks, 4 rows, 32 images: under a minute
    int samples = 0;                     ///< images per task (0 → 100; quick: 32)
    std::vector<std::string> tasks;      ///< only these tasks (empty: all eight)
    std::vector<std::string> samplers;   ///< only these samplers of the plan (empty: all)
    std::vector<int> nfes;               ///< only these NFE values of the plan (empty: all)
    std::uint64_t seed = 0;
};

struct RestoreBenchReport {
    std::string json;                    ///< one line
    std::string table;                   ///< human-readable
};

Result<RestoreBenchReport> runRestoreBench(const RestoreBenchParams& p, const JobContext& ctx);

} // namespace reverie::restore
