#pragma once
// Concept edit files for Stable Diffusion 1.x (written by erase/sd_erase.h): a .safetensors of
// ΔW for each cross-attention K/V matrix (names as in the checkpoint, "model.diffusion_model." or
// bare), metadata format "reverie-sd-edit" and the fingerprint (Σ|W|, ΣW²) of the K/V it was made
// from. Reading one checks that it belongs to the model at hand.
//
// Thread rules: plain functions. Failure: errors as values — not an edit, made for another model
// (fingerprint off by more than 1e-3 relative), a change missing or of the wrong shape.

#include "base/job.h"

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace reverie::models::sd {

/// The changes of `file` for `kv` (crossAttentionKv of the model), in kv's order; `fingerprint` is
/// kvFingerprint of kv as loaded.
/// `metadata`, when given, receives the file's metadata (method, concepts, guide, …).
Result<std::vector<at::Tensor>> readKvEdit(const std::string& file,
                                           const std::vector<std::pair<std::string, at::Tensor>>& kv,
                                           std::pair<double, double> fingerprint,
                                           std::map<std::string, std::string>* metadata = nullptr);

} // namespace reverie::models::sd
