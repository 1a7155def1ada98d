// reverie-cli diagnostics: measure this machine.

#include "cli/command.h"

#include "diagnostics/diagnostics.h"

namespace reverie::cli {
namespace {

const char* kHelp = R"(Usage: reverie-cli diagnostics [options]

Measure this machine: LibTorch, device, threads, BLAS, GFLOP/s, memory.

Options:
  --json            Print the result as JSON (last line of stdout).
  --quick           Smaller sizes, faster.
  --device cpu|cuda The device to measure (default cpu).
  --threads N       LibTorch threads (0 = one per core).
)";

int run(const QStringList& args) {
    QCommandLineParser p;
    prepareParser(p);
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("JSON output."));
    const QCommandLineOption quick(QStringLiteral("quick"), QStringLiteral("Smaller sizes, faster."));
    p.addOptions({json, quick, valueOption("device", "cpu or cuda.", "cpu")});
    if (!p.parse(args)) return usage(p.errorText());
    if (!p.positionalArguments().isEmpty())
        return usage(QStringLiteral("diagnostics takes no arguments, got '%1'").arg(p.positionalArguments().join(' ')));
    auto params = p.isSet(quick) ? diagnostics::Params::quick() : diagnostics::Params{};
    params.device = p.value(QStringLiteral("device")).toStdString();
    if (auto why = diagnostics::validate(params); !why.empty()) return usage(QString::fromStdString(why));
    int code = 0;
    if (!applyThreads(p, &code)) return code;

    const auto result = diagnostics::run(params, context());
    if (!result.ok()) return jobFailed(result);
    const auto& r = result.value();
    for (const auto& w : r.warnings) std::fprintf(stderr, "WARNING: %s\n", w.c_str());
    if (p.isSet(json)) {
        std::printf("%s\n", diagnostics::toJson(r).c_str());
        return 0;
    }
    const auto& rt = r.runtime;
    std::printf("LibTorch        %s\n", rt.torchVersion.c_str());
    std::printf("Device          %s (CUDA in build: %s, devices: %d)\n", rt.device.c_str(), rt.cudaBuilt ? "yes" : "no",
                rt.cudaDevices);
    std::printf("Threads         %d of %d cores (%s)\n", rt.threads, rt.hardwareThreads, rt.parallelBackend.c_str());
    std::printf("BLAS            %s  %s\n", rt.blas.c_str(), rt.blasPath.c_str());
    std::printf("Matrix product  %.1f GFLOP/s median (best %.1f)\n", r.matmulMedianGflops, r.matmulGflops);
    std::printf("Convolution     %.1f GFLOP/s median (best %.1f)\n", r.convMedianGflops, r.convGflops);
    std::printf("LibTorch peak   %.1f MiB\n", r.allocPeakBytes / 1048576.0);
    std::printf("Process RSS     %.1f MiB (peak %.1f MiB)\n", r.rssBytes / 1048576.0, r.rssPeakBytes / 1048576.0);
    std::printf("Wall time       %.2f s\n", r.seconds);
    return 0;
}

} // namespace

const Command kDiagnostics{"diagnostics", "Measure this machine: LibTorch, device, threads, BLAS, GFLOP/s, memory.",
                           kHelp, run};

} // namespace reverie::cli
