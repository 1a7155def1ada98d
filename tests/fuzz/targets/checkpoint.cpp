// Any checkpoint file a user may open (.safetensors, a torch.save zip archive, a legacy
// torch.save pickle): the magic sniffing and every reader, through the path API the app uses.
#include "target.h"

#include "models/formats/torchzip.h"

#include <ATen/ATen.h>

REVERIE_FUZZ_TARGET(checkpoint) {
    namespace f = reverie::models::formats;
    const std::string path = reverie::fuzz::scratchFile(reverie::fuzz::asText(data, size), ".ckpt");
    (void)f::detectCheckpointFormat(path);
    if (auto tensors = f::readCheckpointTensors(path); tensors)
        for (const auto& [name, t] : tensors.value())
            if (t.numel() > 0) (void)t.flatten()[t.numel() - 1].item<double>();
    if (auto zip = f::readTorchZipFromMemory(std::string(reverie::fuzz::asText(data, size))); zip)
        (void)f::flattenStateDict(zip.value().root());
    return 0;
}
