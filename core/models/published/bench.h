#pragma once
// `reverie-cli bench published`: what the full-size published networks cost on this machine.
// Timing does not depend on the weights' values, so the networks are built from their published
// default configs (buildDefault, random values): SGMSE+ NCSN++ (65.6 M parameters) on one
// 256-frame spectrogram (2.04 s of 16 kHz audio) and the IR-SDE ConditionalUNet on one colour
// image of `imageSide`², batch 1, float32, inference mode; and Stable Diffusion 1.x's CLIP
// ViT-L/14 text encoder (models/sd) on a prompt and the empty prompt, with the tokenizer's time,
// and its UNet and VAE (decode, encode) on 32² and 64² latents (256² and 512² images).
//
// Thread rules: call on the engine thread. Failure: none expected besides out-of-memory.

#include "base/job.h"

#include <string>
#include <vector>

namespace reverie::models::published {

struct PublishedBenchParams {
    int repeats = 3;        ///< timed evaluations per network after one warm-up (the median is reported)
    int frames = 256;       ///< NCSN++ input frames (SGMSE+'s training crop)
    int imageSide = 256;    ///< ConditionalUNet input side
    bool sgmse = true, irsde = true;
    bool clipText = true;   ///< SD 1.x's CLIP ViT-L/14 text encoder (123 M) on [2, 77] tokens
    bool sdUnet = true;     ///< SD 1.x's UNet (859.5 M), one evaluation per latent side
    bool sdVae = true;      ///< SD 1.x's VAE (83.7 M): decode and encode per latent side
    std::vector<int> latentSides{32, 64}; ///< 32: a 256² image, 64: a 512² one
    std::string precision = "fp32"; ///< the SD networks' weights and activations: "fp32" or "bf16"
};

struct PublishedBenchReport {
    std::string json;  ///< one line
    std::string table; ///< human-readable
};

/// Per network: parameters, seconds per evaluation (median), the process's peak RSS after it;
/// derived: SGMSE+ real-time factor at PC (30 steps, one corrector step: 60 evaluations) and at
/// the MR Sampler's 5 and 10; IR-SDE seconds per image at its 100 steps and at 10.
Result<PublishedBenchReport> runPublishedBench(const PublishedBenchParams& p, const JobContext& ctx);

} // namespace reverie::models::published
