#pragma once
// The parts of `bench restore` shared by its translation units (restore/bench.cpp, the Fashion-MNIST
// tasks, the photo sections and the run; restore/bench_speed.cpp, the photo speed levers and the
// large image). Internal to core/restore.

#include "base/job.h"
#include "restore/bench.h"

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace reverie::restore::detail {

struct Quality {
    double psnr = 0, ssim = 0;
};

/// Mean PSNR / SSIM over images, on 8-bit values.
Quality measure(const at::Tensor& restored, const at::Tensor& clean);
/// The centre c × c crop of [B, C, H, W] (the whole image where a side is shorter; c ≤ 0: x).
at::Tensor centreCrop(const at::Tensor& x, std::int64_t c);
/// Every photo under photosDir/photoSet (recursively), or why there is none.
Result<std::vector<std::filesystem::path>> photoSetFiles(const RestoreBenchParams& bp);

/// The photo model's speed levers (units from firstUnit; the JSON's "levers" holds their count).
Result<nlohmann::json> benchPhotoLevers(const RestoreBenchParams& bp, std::size_t firstUnit,
                                        const JobContext& ctx);
/// One held-out photo upscaled to bp.largeMegapixels, restored in tiles: time, PSNR, peak memory.
Result<nlohmann::json> benchLarge(const RestoreBenchParams& bp, const JobContext& ctx);

} // namespace reverie::restore::detail
