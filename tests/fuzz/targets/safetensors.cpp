// .safetensors from memory: the header checks, then (for files that pass) touching every tensor.
#include "target.h"

#include "models/formats/safetensors.h"

#include <ATen/ATen.h>

REVERIE_FUZZ_TARGET(safetensors) {
    namespace f = reverie::models::formats;
    f::safetensors::ReadOptions options;
    options.maxHeaderBytes = 1 << 20;
    for (const bool copy : {false, true}) {
        options.copy = copy;
        auto file = f::readSafetensorsFromMemory(std::string(reverie::fuzz::asText(data, size)), options);
        if (!file) continue;
        for (const auto& [name, t] : file.value().tensors)
            if (t.numel() > 0) (void)t.flatten()[t.numel() - 1].item<double>(); // the last byte is inside
    }
    return 0;
}
