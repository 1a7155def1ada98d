#pragma once
// The shipped networks for `reverie-cli bench engine --networks shipped` (engine/bench.h): the
// Fashion-MNIST generator (class labels 0..9 in turn, no guidance) serves the VP-SDE samplers, the
// photo denoiser on tiles of its own size (noise map at σ = 25, as `restore` serves it) the IR-SDE
// ones. This header is LibTorch-free; the networks themselves are in engine/bench_networks.h.
//
// Thread rules: call on the engine thread (it loads models). Failure: a model that is not found or
// does not load comes back as the Result's error.

#include "base/job.h"

#include <memory>

namespace reverie::bench {
struct BenchNetworks;
}

namespace reverie::models {

Result<std::shared_ptr<const bench::BenchNetworks>> shippedBenchNetworks();

} // namespace reverie::models
