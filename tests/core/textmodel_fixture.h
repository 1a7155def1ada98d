#pragma once
// A tiny text-conditional model for the erase tests (tst_textmodel, tst_concepts).

#include "erase/textmodel.h"

#include <ATen/ATen.h>

#include <cstdint>

namespace reverie::testing {

inline models::UNetConfig tinyTextNet() {
    models::UNetConfig c;
    c.baseChannels = 16;
    c.channelMult = {1, 2};
    c.resBlocks = 1;
    c.attnResolutions = {14};
    c.embDim = 32;
    c.contextDim = 64;
    return c;
}

/// A random model whose cross-attention matters (the output projections start at zero).
inline erase::TextDenoiser randomTextModel(std::uint64_t seed) {
    at::manual_seed(seed);
    erase::TextDenoiser m(tinyTextNet());
    at::NoGradGuard g;
    for (auto& p : m->parameters()) p.add_(at::randn(p.sizes()) * 0.05);
    m->eval();
    return m;
}

} // namespace reverie::testing
