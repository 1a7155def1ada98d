#pragma once
// The model the `library` fuzz target loads concept libraries for: two small cross-attention
// matrices (in = 8). Its seeds (tests/fuzz/seeds/library) are written by EditSet::save for this
// model; tst_fuzz_replay::librarySeedsAreTheWritersOutput checks that they still are (and
// rewrites them with REVERIE_UPDATE_SEEDS=1).

#include "erase/editset.h"

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace reverie::fuzz {

struct LibraryModel {
    std::string id = "fuzz-model@0";
    std::vector<std::string> names{"k0", "v0"};
    std::vector<at::Tensor> originals;
};

inline const LibraryModel& libraryModel() {
    static const LibraryModel m = [] {
        LibraryModel m;
        m.originals = {at::arange(32, at::kFloat).reshape({4, 8}).div(10).sin(),
                       at::arange(48, at::kFloat).reshape({6, 8}).div(7).cos()};
        return m;
    }();
    return m;
}

} // namespace reverie::fuzz
