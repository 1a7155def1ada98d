// A concept library (Erase → Load library…): the project's own torch.save reader, the JSON
// header and every check against the open model (id, matrices, weights, each concept's
// tensors), then the weights the library would give the model.
#include "target.h"
#include "targets/library_model.h"

REVERIE_FUZZ_TARGET(library) {
    const auto& m = reverie::fuzz::libraryModel();
    const std::string path = reverie::fuzz::scratchFile(reverie::fuzz::asText(data, size), ".erase");
    if (auto set = reverie::erase::EditSet::load(path, m.id, m.names, m.originals); set) {
        (void)set.value().effectiveWeights();
        (void)set.value().resolveActive();
    }
    return 0;
}
