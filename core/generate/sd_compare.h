#pragma once
// The Erase workbench's comparison on a Stable Diffusion 1.x file: every prompt × seed generated
// from the same starting noise twice, once with the checkpoint as it is and once with the chosen
// concept edits (erase/sd_erase.h files, SdParams::edits), and how far each prompt moved. An edit
// that erases "van gogh" should move "a painting by van gogh" a lot and "a photo of a dog" little.
//
// Thread rules: run on the engine thread (it calls runSdTextToImage). Progress: runSdTextToImage's
// steps, renumbered over the whole comparison, with the prompt and column in the message.
// Failure: errors as values (runSdTextToImage's; no prompts; more than 64 prompts × seeds).

#include "generate/sd.h"

#include <string>
#include <vector>

namespace reverie::generate {

struct SdCompareParams {
    SdParams base;                      ///< checkpoint, size, steps, sampler, guidance, first seed, edits
    std::vector<std::string> prompts;   ///< one row each
    int seeds = 2;                      ///< columns: seeds base.seed … base.seed + seeds − 1
    bool original = true;               ///< false: only the edited images (the originals are unchanged)
    /// With original = false: the originals kept from an earlier run ([prompt][seed]), measured
    /// against for `moved` (empty: no `moved`).
    std::vector<std::vector<ImageU8>> kept;
};

struct SdCompareResult {
    /// [prompt][seed]; `original` is empty when SdCompareParams::original was false.
    std::vector<std::vector<ImageU8>> original, edited;
    /// Per prompt, mean |edited − original| over its images' pixels (0–255), against the new or the
    /// kept originals; empty without either.
    std::vector<double> moved;
    std::int64_t nfe = 0;
    double seconds = 0;
    std::vector<std::string> warnings;
};
Result<SdCompareResult> runSdCompare(const SdCompareParams& p, const JobContext& ctx);

/// Mean |a − b| over the pixels of two images of one size (−1 when the sizes differ).
double meanAbsDifference(const ImageU8& a, const ImageU8& b);

} // namespace reverie::generate
