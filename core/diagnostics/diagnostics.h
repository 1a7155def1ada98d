#pragma once
// Diagnostics: measures this machine for the user — LibTorch version, device, threads, matrix
// product and convolution throughput, the BLAS in use (with a clear warning when it is the slow
// reference BLAS) and the memory the measurement takes. Runs as a core job: progress after every
// timed repeat, cancel checked before each.
// Thread rules: run() on the calling thread (the engine thread in the app). Failure: errors as
// values (InvalidInput, Cancelled).

#include "base/job.h"
#include "base/runtime.h"

#include <string>
#include <vector>

namespace reverie::diagnostics {

struct Params {
    std::string device = "cpu"; ///< "cpu" or "cuda"
    int matmulSize = 1024;      ///< square matrices, float32
    int matmulRepeats = 10;     ///< timed repeats (after one warm-up)
    int convBatch = 32;         ///< conv2d: batch × channels × size², 3×3 kernel, padding 1
    int convChannels = 64;
    int convSize = 32;
    int convRepeats = 10;
    /// A smaller, faster variant (sizes and repeats halved) for quick checks and tests.
    static Params quick();
};

struct Result {
    runtime::Info runtime;
    double matmulGflops = 0;    ///< best repeat (the median is the figure to quote)
    double matmulMedianGflops = 0;
    double convGflops = 0;
    double convMedianGflops = 0;
    std::int64_t allocPeakBytes = 0; ///< LibTorch allocator peak during the job
    std::int64_t rssBytes = 0;       ///< process RSS at the end
    std::int64_t rssPeakBytes = 0;   ///< process peak RSS
    double seconds = 0;              ///< wall time of the job
    std::vector<std::string> warnings; ///< sentences for the user (e.g. reference BLAS)
};

/// Total progress steps run() reports for these params (warm-ups included).
std::int64_t totalSteps(const Params& p);

/// Checks params before any work; returns an empty string when they are valid.
std::string validate(const Params& p);

/// Runs the measurement on the calling thread (the engine thread in the app).
/// Errors: InvalidInput for bad params or an unusable device; Cancelled when ctx is cancelled
/// (checked before every timed step).
reverie::Result<Result> run(const Params& p, const JobContext& ctx);

/// The result as a JSON object (one line), as `reverie-cli diagnostics --json` prints it.
std::string toJson(const Result& r);

} // namespace reverie::diagnostics
