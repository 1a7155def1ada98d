#pragma once
// `reverie-cli bench tune`: what each fine-tuning method (tune/methods.h) costs per training step
// on the DiT denoiser: peak activation memory, seconds per step and trainable parameters, for
// each depth and batch size. Memory and time do not depend on the weights' values, so the
// networks carry seeded random weights.
//
// Activation memory is measured as the MEFT repository measures it: the LibTorch allocator's
// peak during forward + backward minus what is held before the step starts (weights, gradients
// and optimizer state, all allocated by one warm-up step).
//
// Thread rules: call on the engine thread (it installs the allocator hook on the calling thread).

#include "base/job.h"

#include <string>
#include <vector>

namespace reverie::tune {

struct TuneBenchParams {
    std::vector<int> depths = {4, 8, 16, 32};
    std::vector<int> batches = {8, 32};
    std::vector<std::string> methods; ///< ids (methods.h); empty: all
    std::string modulation = "frozen"; ///< adaLN modulation under adapter/LoRA/MEFT (methods.h)
    int width = 64;                   ///< token features (28×28 images, 4×4 patches: 49 tokens)
    int repeats = 3;                  ///< timed steps after one warm-up (median time, largest peak)
};

struct TuneBenchReport {
    std::string json;  ///< one line
    std::string table; ///< human-readable
};

Result<TuneBenchReport> runTuneBench(const TuneBenchParams& p, const JobContext& ctx);

} // namespace reverie::tune
