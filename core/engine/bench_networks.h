#pragma once
// The networks `bench engine --networks shipped` serves its samplers with (engine/bench.h). Holds
// LibTorch types, so the app reaches it only through a pointer (models/bench_networks.h makes it).

#include "engine/bench.h"
#include "engine/sde/param.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::bench {

/// A real network the bench serves samplers with instead of the random one.
struct BenchNetwork {
    std::string name;
    std::int64_t parameters = 0;
    std::vector<std::int64_t> input; ///< C, H, W of one item
    sde::SigmaDenoiser fn;           ///< D(x̃; σ̃[, μ]) (the bench adds the SDE's rescaling)
};

struct BenchNetworks {
    BenchNetwork generative;    ///< serves the VP-SDE samplers
    BenchNetwork meanReverting; ///< serves the IR-SDE samplers (receives μ)
};

} // namespace reverie::bench
