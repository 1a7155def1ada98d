#pragma once
// Reading a Stable Diffusion file's tensors for the loaders of models/sd: a .safetensors file
// (memory-mapped), or a torch.save archive (.ckpt/.pt, read by the restricted unpickler) whose
// weights an ldm/Lightning checkpoint keeps under "state_dict" (only those are returned then,
// with the prefix removed; "global_step" and optimizer state are dropped).

#include "base/job.h"

#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

namespace reverie::models::sd {

struct SdFileTensors {
    std::vector<std::pair<std::string, at::Tensor>> tensors; ///< names as in the file (minus "state_dict.")
    std::string container;                                   ///< "safetensors", "torch.save zip (state_dict)", …
};

/// Errors: the file cannot be opened, is not a checkpoint, or is refused by the readers.
Result<SdFileTensors> readSdFile(const std::string& path);

} // namespace reverie::models::sd
