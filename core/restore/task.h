#pragma once
// The restoration domain's training task "restorer" (train/task.h): an EdmDenoiser conditioned
// on the degraded image μ that denoises the residual y = x₀ − μ — the image-restoration model of
// IR-SDE served as a σ-denoiser (models/conditioned.h). Each training image is degraded on the
// fly by one degradation of the pool (restore::degradeMixed), drawn from the loop's generator.
// Section keys: the image data keys of train/images.h, p_mean/p_std/sigma_data, "degradations"
// (ids of restore/degrade.h; empty = all), noise_sigma_min/max (the noise task's σ, 0..255),
// noise_sigma_power (σ = min + (max − min)·u^power; 1 = uniform),
// blur_sigma_min/max, motion_length_min/max, jpeg_quality_min/max, box_coverage_min/max,
// "net" (cond_channels equal to in_channels, or in_channels + 1: a noise-map channel holding the
// noise level of μ, models::noiseMapLevel, 0 for items of other degradations), "init_from" (a
// weights file or training checkpoint of a restorer whose weights start the run: tensors of equal
// name and shape are copied; a conv_in with one input channel more, the noise map added, gets the
// old kernel in its other channels and zeros in the new one, so the run starts from the old model).
//
// Thread rules: as train/task.h. Failure: errors name the key or the data problem.

#include "base/job.h"
#include "models/unet.h"
#include "restore/degrade.h"
#include "train/edm.h"
#include "train/images.h"
#include "train/task.h"

#include <memory>
#include <string>
#include <vector>

namespace reverie::restore {

struct RestorerOptions {
    train::ImageData data;
    train::EdmNoise noise;
    std::vector<std::string> degradations; ///< the pool (empty: every degradation)
    double noiseSigmaMin = 5, noiseSigmaMax = 50;
    DegradeRanges ranges;                  ///< blur, motion, JPEG and box ranges (noise from the two above)
    models::UNetConfig net;
    std::string initFrom;                  ///< "" = random initialisation
    /// net.num_classes = 8: the task is a class label (restore::allDegradations() order, the UNet's
    /// null class = unknown), replaced by "unknown" with this probability so that the model also
    /// restores blind (a DA-CLIP-style degradation embedding, given instead of predicted).
    double taskLabelDropout = 0.2;
    std::string read(const nlohmann::json& section);
    nlohmann::json toJson() const;
};

Result<std::unique_ptr<train::TrainTask>> makeRestorerTask(const train::Recipe& r, train::TaskData data);

} // namespace reverie::restore
