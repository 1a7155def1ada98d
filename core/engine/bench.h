#pragma once
// `reverie-cli bench engine [--quick] [--json]`: the samplers' own overhead over the network,
// overhead = sampler wall time / the time spent inside the network during that same run (the
// denoiser wrapper accumulates it around every evaluation, so both figures see the same caches,
// clocks and load), for each sampler at batch 1 and 16 on a random-weight U-Net-like network
// (about 2 M parameters, 3×32×32; quick: 3×16×16 and fewer steps at batch 16), or on the
// shipped networks (`--networks shipped`: the Fashion-MNIST generator for the VP-SDE samplers,
// the photo denoiser on 64² tiles for the IR-SDE ones), the median over `repeats` runs. The
// target is ≤ 1.03.
//
// Thread rules: run on the engine thread (it sets InferenceMode for its own duration). Checks the
// cancel token between runs and inside every sampler; reports progress per row. Failure: errors
// and cancel come back as Result values.

#include "base/job.h"
#include "base/shard.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace reverie::bench {

/// The shipped networks, when the bench serves its samplers with them (engine/bench_networks.h,
/// which holds LibTorch types; made by models::shippedBenchNetworks()).
struct BenchNetworks;

struct EngineBenchOptions {
    bool quick = false;
    std::vector<int> batches{1, 16};
    int repeats = 0;        ///< 0 → 3
    int steps = 0;          ///< 0 → 20 at batch 1, 10 at larger batches (quick: 20 and 4)
    std::uint64_t seed = 0;
    /// Only the cells (batch × sampler, numbered batch-major) this shard owns; the JSON then
    /// carries `shard` and each row its cell as `unit`, for mergeEngineBench.
    Shard shard;
    /// Set: its `generative` network serves the VP-SDE samplers and `meanReverting` (which
    /// receives μ) the IR-SDE ones; null: the random U-Net serves all.
    std::shared_ptr<const BenchNetworks> networks;
};

struct EngineBenchRow {
    std::string sampler;
    std::string network; ///< the network that served it (the BenchNetwork's name, or "random-unet")
    int batch = 0;
    std::int64_t nfe = 0;
    double seconds = 0;      ///< sampler wall time (of the median run)
    double networkSeconds = 0; ///< time inside the network during that run
    double evalSeconds = 0;  ///< networkSeconds / nfe
    double overhead = 0;     ///< seconds / networkSeconds
};

struct EngineBenchReport {
    std::vector<EngineBenchRow> rows;
    std::int64_t parameters = 0;
    std::vector<std::int64_t> input; ///< C, H, W
    double maxOverhead = 0;
    std::string json;   ///< one JSON object on one line (the CLI prints it last with --json)
    std::string table;  ///< a human-readable table (several lines)
};

Result<EngineBenchReport> runEngineBench(const EngineBenchOptions& options, const JobContext& ctx);

/// The report one unsharded run would give, from the JSON of all N shards of one configuration
/// (any order); the timings are each shard's own.
Result<EngineBenchReport> mergeEngineBench(std::vector<nlohmann::json> parts);

} // namespace reverie::bench
