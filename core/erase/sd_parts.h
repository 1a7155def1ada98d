#pragma once
// What the Stable Diffusion erase jobs share inside the erase domain (sd_erase.cpp, sd_attack.cpp):
// an SD 1.x file's text encoder, UNet and tokenizer loaded for editing. Not part of the domain's
// API (sd_erase.h and sd_attack.h are).
//
// Thread rules: the engine thread. Failure: errors as values (a file that is not SD 1.x).

#include "base/job.h"
#include "models/sd/clip_text.h"
#include "models/sd/tokenizer.h"
#include "models/sd/unet.h"

#include <string>

namespace reverie::erase::detail {

/// The text encoder, UNet and tokenizer of an SD 1.x file.
struct SdParts {
    models::sd::ClipTextEncoder text;
    models::sd::LoadedSdUNet unet;
    models::sd::ClipTokenizer tok;
};
/// textHeads, unetHeads: 0 for SD 1.x's own.
Result<SdParts> loadParts(const std::string& checkpoint, int textHeads, int unetHeads);
/// loadParts with the "loading <file>" progress report the erase jobs start with; *seconds gets the
/// time it took.
Result<SdParts> loadReporting(const std::string& checkpoint, int textHeads, int unetHeads,
                              const JobContext& ctx, double* seconds);
/// loadReporting with every weight frozen (requires_grad off): the fine-tuning and the attacks
/// differentiate only what they add.
Result<SdParts> loadFrozen(const std::string& checkpoint, int textHeads, int unetHeads, const JobContext& ctx,
                           double* seconds);
/// v with 17 significant digits (metadata values that read back exactly).
std::string number(double v);

} // namespace reverie::erase::detail
