// A tuned adapter (Tune → Load adapter…): the safetensors container, the adapter's metadata
// (format, base architecture and weights, method as JSON, classes) and, when that is sound, every
// check against the built-in base model (architecture, weights fingerprint, each tensor's name and
// shape against the method's network).
#include "target.h"

#include "tune/adapter.h"

REVERIE_FUZZ_TARGET(adapter) {
    const std::string path = reverie::fuzz::scratchFile(reverie::fuzz::asText(data, size), ".safetensors");
    if (auto info = reverie::tune::readAdapterInfo(path); info) (void)reverie::tune::applyAdapter(path);
    return 0;
}
