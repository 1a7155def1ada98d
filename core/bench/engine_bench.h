#pragma once
// `reverie-cli bench engine [--quick] [--json]`: the samplers' own overhead over the network.
//
// For each sampler, at batch 1 and 16, with a random-weight convolutional U-Net-like network of
// about 2 M parameters (3×32×32 input; 3×16×16 with quick), the bench times the sampler and, right
// after it, the same number of bare network evaluations (same batch, same input), and reports
//     overhead = sampler time / (NFE × one network evaluation)
// as the median over `repeats` such interleaved pairs (shared machines are noisy). The target is
// ≤ 1.03. quick: smaller images (16×16), fewer steps at batch 16, < 30 s on two CPU cores.
//
// Thread rules: run on the engine thread (it sets InferenceMode for its own duration). Checks the
// cancel token between runs and inside every sampler; reports progress per row.

#include "jobs/job.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::bench {

struct EngineBenchOptions {
    bool quick = false;
    std::vector<int> batches{1, 16};
    int repeats = 0;        ///< 0 → 3
    int steps = 0;          ///< 0 → 20 at batch 1, 10 at larger batches (quick: 20 and 4)
    std::uint64_t seed = 0;
};

struct EngineBenchRow {
    std::string sampler;
    int batch = 0;
    std::int64_t nfe = 0;
    double seconds = 0;      ///< sampler wall time (of the median run)
    double evalSeconds = 0;  ///< one bare network evaluation (of the median run)
    double overhead = 0;     ///< seconds / (nfe × evalSeconds)
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

} // namespace reverie::bench
