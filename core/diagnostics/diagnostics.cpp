#include "diagnostics/diagnostics.h"

#include "base/telemetry.h"

#include <ATen/ATen.h>
#include <torch/cuda.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace reverie::diagnostics {

Params Params::quick() {
    Params p;
    p.matmulSize = 512;
    p.matmulRepeats = 3;
    p.convBatch = 8;
    p.convRepeats = 3;
    return p;
}

std::int64_t totalSteps(const Params& p) { return (1 + p.matmulRepeats) + (1 + p.convRepeats); }

std::string validate(const Params& p) {
    if (p.matmulSize < 1 || p.matmulSize > 16384) return "matrix size must be between 1 and 16384";
    if (p.matmulRepeats < 1 || p.convRepeats < 1) return "repeats must be at least 1";
    if (p.convBatch < 1 || p.convChannels < 1 || p.convSize < 3) return "convolution sizes must be positive (image at least 3 pixels)";
    std::string why;
    if (!runtime::deviceUsable(p.device, &why)) return "device " + p.device + ": " + why;
    return {};
}

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void sync(const at::Device& d) {
    if (d.is_cuda()) torch::cuda::synchronize();
}

} // namespace

reverie::Result<Result> run(const Params& p, const JobContext& ctx) {
    if (auto why = validate(p); !why.empty()) return reverie::Result<Result>::invalid(why);

    return guarded<Result>("diagnostics", [&]() -> reverie::Result<Result> {
        at::NoGradGuard noGrad;
        const double t0 = nowSeconds();
        telemetry::resetPeak();
        Result r;
        r.runtime = runtime::info();
        r.runtime.device = p.device;
        if (r.runtime.blasIsReference)
            r.warnings.push_back(
                "Matrix products use the slow reference BLAS (" + r.runtime.blasPath +
                "). Install libopenblas0-pthread for about 10x faster linear layers.");

        const at::Device dev(p.device == "cuda" ? at::kCUDA : at::kCPU);
        const auto total = totalSteps(p);
        std::int64_t step = 0;

        // One timed step: check cancel first, time fn, report.
        auto timed = [&](const std::string& what, auto&& fn) -> double {
            const double s = nowSeconds();
            fn();
            sync(dev);
            const double dt = nowSeconds() - s;
            Progress pr;
            pr.step = ++step;
            pr.total = total;
            pr.stepSeconds = dt;
            pr.message = what;
            ctx.report(pr);
            return dt;
        };

        // Matrix products.
        const int n = p.matmulSize;
        auto a = at::randn({n, n}, at::TensorOptions().device(dev));
        auto b = at::randn({n, n}, at::TensorOptions().device(dev));
        const double mmFlop = 2.0 * n * n * n;
        std::vector<double> mm;
        const std::string mmName = "matmul " + std::to_string(n) + "x" + std::to_string(n);
        for (int i = 0; i <= p.matmulRepeats; ++i) {
            if (ctx.cancelled()) return reverie::Result<Result>::cancelled("diagnostics cancelled");
            const double dt = timed(i == 0 ? mmName + " (warm-up)" : mmName, [&] { (void)at::mm(a, b); });
            if (i > 0) mm.push_back(mmFlop / dt / 1e9);
        }
        a.reset();
        b.reset();

        // Convolutions (through oneDNN on CPU).
        auto x = at::randn({p.convBatch, p.convChannels, p.convSize, p.convSize}, at::TensorOptions().device(dev));
        auto w = at::randn({p.convChannels, p.convChannels, 3, 3}, at::TensorOptions().device(dev));
        const double convFlop = 2.0 * p.convBatch * p.convChannels * p.convChannels * 9.0 * p.convSize * p.convSize;
        std::vector<double> conv;
        const std::string convName = "conv2d " + std::to_string(p.convChannels) + "ch 3x3 on " +
                                     std::to_string(p.convBatch) + "x" + std::to_string(p.convSize) + "²";
        for (int i = 0; i <= p.convRepeats; ++i) {
            if (ctx.cancelled()) return reverie::Result<Result>::cancelled("diagnostics cancelled");
            const double dt = timed(i == 0 ? convName + " (warm-up)" : convName,
                                    [&] { (void)at::conv2d(x, w, {}, 1, 1); });
            if (i > 0) conv.push_back(convFlop / dt / 1e9);
        }

        r.matmulGflops = *std::max_element(mm.begin(), mm.end());
        r.matmulMedianGflops = median(mm);
        r.convGflops = *std::max_element(conv.begin(), conv.end());
        r.convMedianGflops = median(conv);
        const auto s = telemetry::sample();
        r.allocPeakBytes = s.allocPeakBytes;
        r.rssBytes = s.rssBytes;
        r.rssPeakBytes = s.rssPeakBytes;
        r.seconds = nowSeconds() - t0;
        spdlog::info("diagnostics: matmul {:.1f} GFLOP/s, conv {:.1f} GFLOP/s, BLAS {}, {} threads",
                     r.matmulMedianGflops, r.convMedianGflops, r.runtime.blas, r.runtime.threads);
        return r;
    });
}

std::string toJson(const Result& r) {
    nlohmann::json j;
    j["torch_version"] = r.runtime.torchVersion;
    j["device"] = r.runtime.device;
    j["cuda_built"] = r.runtime.cudaBuilt;
    j["cuda_devices"] = r.runtime.cudaDevices;
    j["threads"] = r.runtime.threads;
    j["hardware_threads"] = r.runtime.hardwareThreads;
    j["parallel_backend"] = r.runtime.parallelBackend;
    j["blas"] = r.runtime.blas;
    j["blas_path"] = r.runtime.blasPath;
    j["blas_is_reference"] = r.runtime.blasIsReference;
    j["matmul_gflops_best"] = r.matmulGflops;
    j["matmul_gflops_median"] = r.matmulMedianGflops;
    j["conv_gflops_best"] = r.convGflops;
    j["conv_gflops_median"] = r.convMedianGflops;
    j["alloc_peak_bytes"] = r.allocPeakBytes;
    j["rss_bytes"] = r.rssBytes;
    j["rss_peak_bytes"] = r.rssPeakBytes;
    j["seconds"] = r.seconds;
    j["warnings"] = r.warnings;
    return j.dump();
}

} // namespace reverie::diagnostics
