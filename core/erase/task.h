#pragma once
// The erasure domain's training task "text-denoiser" (train/task.h): the text-conditional
// Fashion-MNIST model (models/textmodel.h) that concept erasure edits, trained jointly (encoder and
// U-Net) with the EDM loss. Item i of step s gets the prompt data::text::trainingPrompt(label,
// seed, s, i) (a random template × synonym of its class, a function of (seed, step, item) alone),
// replaced by the empty prompt with probability label_dropout (classifier-free guidance).
// Section keys: the image data keys of train/images.h (dataset must be fashion-mnist),
// p_mean/p_std/sigma_data, label_dropout, "net" (context_dim = text_encoder.dim, no classes, no
// condition image), "text_encoder".
//
// Thread rules: as train/task.h. Failure: errors name the key.

#include "base/job.h"
#include "models/textmodel.h"
#include "models/unet.h"
#include "train/edm.h"
#include "train/images.h"
#include "train/task.h"

#include <memory>
#include <string>

namespace reverie::erase {

struct TextDenoiserOptions {
    train::ImageData data;
    train::EdmNoise noise;
    double labelDropout = 0.1;
    models::UNetConfig net;
    models::TextEncoderConfig textEncoder;
    std::string read(const nlohmann::json& section);
    nlohmann::json toJson() const;
};

Result<std::unique_ptr<train::TrainTask>> makeTextDenoiserTask(const train::Recipe& r, train::TaskData data);

} // namespace reverie::erase
