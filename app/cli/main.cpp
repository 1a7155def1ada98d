// reverie-cli: the headless front end. Every command drives reverie_core directly, prints a
// progress bar on stderr and, with --json, one JSON object as the last line of stdout.

#include "bench/engine_bench.h"
#include "generate/generate.h"
#include "generate/zoo.h"
#include "diagnostics/diagnostics.h"
#include "jobs/job.h"
#include "restore/bench.h"
#include "restore/degrade.h"
#include "restore/imageio.h"
#include "restore/pipeline.h"
#include "runtime/runtime.h"
#include "speech/audio.h"
#include "erase/corrective.h"
#include "erase/erase_bench.h"
#include "speech/enhance.h"
#include "speech/enhance_bench.h"
#include "train/trainer.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QStringList>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <ATen/ATen.h>

#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <cstdio>
#include <unistd.h>

namespace {

reverie::CancelToken g_cancel; // Ctrl+C cancels the running job; it returns what it finished

void onSigint(int) { g_cancel.cancel(); }

// A progress bar on stderr: redrawn in place on a terminal, one line per step otherwise.
// With eta, the time left is extrapolated from the steps done so far in this run.
reverie::ProgressFn progressBar(bool quiet, bool eta = false) {
    const bool tty = isatty(STDERR_FILENO);
    auto start = std::make_shared<std::pair<double, std::int64_t>>(-1.0, 0);
    auto lastLine = std::make_shared<double>(0.0);
    return [tty, quiet, eta, start, lastLine](const reverie::Progress& p) {
        if (quiet) return;
        const double now = reverie::nowSeconds();
        if (start->first < 0) *start = {now - p.stepSeconds, p.step - 1};
        // Off a terminal (a log file), one line every 10 s is plenty.
        if (!tty && eta && p.step != p.total && now - *lastLine < 10.0) return;
        *lastLine = now;
        std::string left;
        if (eta && p.total > 0 && p.step <= p.total && p.step > start->second) { // adaptive jobs: total 0, no ETA
            const double per = (now - start->first) / double(p.step - start->second);
            const double secs = per * double(p.total - p.step);
            char buf[64];
            std::snprintf(buf, sizeof buf, " ETA %dh%02dm%02ds", int(secs) / 3600, (int(secs) / 60) % 60, int(secs) % 60);
            left = buf;
        }
        const int width = 30;
        const double frac = p.total > 0 ? double(p.step) / double(p.total) : 0.0;
        const int filled = int(frac * width + 0.5);
        std::string bar(filled, '#');
        bar.resize(width, '.');
        const std::string count = p.total > 0 ? std::to_string(p.step) + "/" + std::to_string(p.total)
                                              : "step " + std::to_string(p.step);
        std::fprintf(stderr, "%s[%s] %s %s (%.0f ms)%s%s", tty ? "\r\033[K" : "", bar.c_str(), count.c_str(),
                     p.message.c_str(), p.stepSeconds * 1000.0, left.c_str(), tty ? "" : "\n");
        if (tty && p.step == p.total) std::fputc('\n', stderr);
        std::fflush(stderr);
    };
}

int usage(const QString& error) {
    std::fprintf(stderr, "reverie-cli: %s\nRun 'reverie-cli --help' for the commands and options.\n", qPrintable(error));
    return 2;
}

// A job that ended without a value: its message on stderr (on a fresh line after a progress bar),
// exit status 130 when cancelled, else 1.
template <typename T>
int jobFailed(const reverie::Result<T>& r) {
    std::fprintf(stderr, "\nreverie-cli: %s\n", r.error().message.c_str());
    return r.isCancelled() ? 130 : 1;
}

// Every command takes --threads N (LibTorch intra-op threads; 0 = one per core).
QCommandLineOption threadsOption() {
    return QCommandLineOption(QStringLiteral("threads"), QStringLiteral("LibTorch threads (0 = one per core)."),
                              QStringLiteral("n"), QStringLiteral("0"));
}

// Reads --threads; on a bad value returns false after printing the usage error into *exitCode.
bool parseThreads(const QCommandLineParser& p, int* threads, int* exitCode) {
    bool ok = false;
    const QString text = p.value(QStringLiteral("threads"));
    *threads = text.toInt(&ok);
    if (ok && *threads >= 0 && *threads <= 1024) return true;
    *exitCode = usage(QStringLiteral("--threads needs a whole number from 0 to 1024, got '%1'").arg(text));
    return false;
}

const char* kHelp = R"(Usage: reverie-cli <command> [options]

Commands:
  diagnostics   Measure this machine: LibTorch, device, threads, BLAS, GFLOP/s, memory.
                Options: --json  --quick  --device cpu|cuda  --threads N

  bench engine  The samplers' own overhead over the network (time / (NFE x one evaluation)).
                Options: --quick (under 30 s)  --json  --threads N
  bench generate  FD (shipped classifier's features) per sampler and NFE against the test set,
                confidence, class histogram, real-vs-real floor, bits/dim.
                Options: --quick (under 60 s)  --samples N  --seed S  --samplers ID,...  --json
                         --threads N
  bench restore  PSNR/SSIM/FD per task x sampler x NFE on Fashion-MNIST test images, with the degraded
                input and the classical peer; time per image; the photo model on the held-out photos.
                Options: --quick (under 60 s)  --samples N  --tasks ID,...  --samplers ID,...  --nfe N,...
                         --seed S  --no-fmnist  --no-photos  --large MP (peak memory and s/MP)
                         --json  --threads N
  bench enhance  SI-SDR/ESTOI before and after per sampler x NFE on held-out speech mixtures (the held-out
                speaker), with the classical peers (sox noisered, ffmpeg afftdn and anlmdn); real-time factor each.
                Options: --quick (under 60 s)  --samples N (default 100)  --samplers ID,...  --nfe N,...
                         --seed S  --no-peers  --json  --threads N
  bench erase    Concept erasure on the text-conditional model (UCE, RECE, ESD, SPM with and without
                facilitated transport, SLD; one, two and three concepts): erased and held-out-synonym
                rates, other classes' accuracy, FD, closed-form and gradient attack success, edit time.
                Options: --quick (under 60 s)  --samples N (per prompt, default 100)  --methods ID,...
                         --steps N  --no-attacks  --seed S  --json  --threads N
  bench unlearn  Corrective unlearning on the shipped classifier's architecture: a patch-trigger poison,
                SSD with 10/50/100% of the poison identified beside retraining without it; clean and
                triggered accuracy, attack success. Options: --quick (under 60 s)  --steps N  --alpha A  --lambda L
                         --no-retrain  --seed S  --json  --threads N
  export CKPT OUT.pt  Write a checkpoint's EMA weights without optimizer state (the shipped file).
  generate      Sample the built-in generator into a PNG grid.
                Options: -o FILE.png (required)  --sampler ID  --sde ve|vp|subvp  --nfe N
                         --guidance W  --class C (-1 = all)  --seed S  --batch B  --model DIR
                         --noise-estimator net|haar (DLG)
                         --score (FD and confidence with the shipped classifier)  --json
                         --list-samplers  --threads N
  restore IN... -o OUTDIR  Restore images with the built-in restoration model (IR-SDE, MR Sampler);
                colour images channel by channel; writes OUTDIR/<name>.png, never over an input.
                Options: --sampler ID  --nfe N  --seed S  --lambda L (0..255 scale)
                         --model DIR|photo-denoise (the colour-photo denoiser)
                         --degrade TASK (make a demo pair first)  --list-samplers  --json  --threads N
  enhance IN... -o OUTDIR  Enhance noisy speech with the built-in model (SGMSE+-style, OUVE SDE); any
                format libsndfile reads, resampled to 16 kHz mono; writes OUTDIR/<name>.wav, never over an input.
                Options: --sampler ID (default mrs-sde-1-data)  --nfe N (0 = the sampler's default)
                         --seed S  --model DIR|speech-enhance  --list-samplers  --json  --threads N
  train RECIPE  Train (or resume) a built-in model from a recipe (JSON).
                Options: --out DIR (default: runs/<name>)  --max-steps N (this run)
                         --no-resume  --threads N  --json

Global options:
  -h, --help     Show this help.
  -v, --version  Show the version.

Exit status: 0 success, 1 the job failed, 2 bad command line, 130 cancelled (Ctrl+C).
)";

int diagnosticsCommand(const QStringList& args) {
    QCommandLineParser p;
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the result as JSON (last line)."));
    const QCommandLineOption quick(QStringLiteral("quick"), QStringLiteral("Smaller sizes, faster."));
    const QCommandLineOption device(QStringLiteral("device"), QStringLiteral("cpu or cuda."), QStringLiteral("device"),
                                    QStringLiteral("cpu"));
    p.addOptions({json, quick, device, threadsOption()});
    if (!p.parse(args)) return usage(p.errorText());
    if (!p.positionalArguments().isEmpty())
        return usage(QStringLiteral("diagnostics takes no arguments, got '%1'").arg(p.positionalArguments().join(' ')));
    int n = 0, code = 0;
    if (!parseThreads(p, &n, &code)) return code;

    auto params = p.isSet(quick) ? reverie::diagnostics::Params::quick() : reverie::diagnostics::Params{};
    params.device = p.value(device).toStdString();
    if (auto why = reverie::diagnostics::validate(params); !why.empty()) return usage(QString::fromStdString(why));

    reverie::runtime::prepareEngineThread(n);
    const reverie::JobContext ctx{progressBar(false), g_cancel};
    const auto result = reverie::diagnostics::run(params, ctx);
    if (!result.ok()) return jobFailed(result);
    const auto& r = result.value();
    for (const auto& w : r.warnings) std::fprintf(stderr, "WARNING: %s\n", w.c_str());
    if (p.isSet(json)) {
        std::printf("%s\n", reverie::diagnostics::toJson(r).c_str());
    } else {
        const auto& rt = r.runtime;
        std::printf("LibTorch        %s\n", rt.torchVersion.c_str());
        std::printf("Device          %s (CUDA in build: %s, devices: %d)\n", rt.device.c_str(),
                    rt.cudaBuilt ? "yes" : "no", rt.cudaDevices);
        std::printf("Threads         %d of %d cores (%s)\n", rt.threads, rt.hardwareThreads, rt.parallelBackend.c_str());
        std::printf("BLAS            %s  %s\n", rt.blas.c_str(), rt.blasPath.c_str());
        std::printf("Matrix product  %.1f GFLOP/s median (best %.1f)\n", r.matmulMedianGflops, r.matmulGflops);
        std::printf("Convolution     %.1f GFLOP/s median (best %.1f)\n", r.convMedianGflops, r.convGflops);
        std::printf("LibTorch peak   %.1f MiB\n", r.allocPeakBytes / 1048576.0);
        std::printf("Process RSS     %.1f MiB (peak %.1f MiB)\n", r.rssBytes / 1048576.0, r.rssPeakBytes / 1048576.0);
        std::printf("Wall time       %.2f s\n", r.seconds);
    }
    return 0;
}

// What one input of a folder batch came to: the JSON row of what was written, or why it was
// skipped (a sentence naming the file); a cancelled job stops the whole batch.
struct FileOutcome {
    nlohmann::json row;  ///< set when the input was processed and written
    std::string skipped; ///< set when it was not
    bool cancelled = false;

    static FileOutcome written(nlohmann::json row) { return {std::move(row), {}, false}; }
    static FileOutcome skip(std::string why, bool cancelled = false) { return {{}, std::move(why), cancelled}; }
};

// The folder-batch loop shared by `restore` and `enhance`: "[i/n] path" per input, a failed input
// reported and skipped, Ctrl+C honoured, the count and (with --json) one JSON object at the end
// (`header` plus written, failed and `rowsKey`: the rows). Returns the exit status: 0, 1 when any
// input failed, 130 when cancelled.
int runFileBatch(const QStringList& inputs, const QString& outDir, const char* done, bool json, nlohmann::json header,
                 const char* rowsKey, const std::function<FileOutcome(const QString&)>& one) {
    int failed = 0, written = 0;
    nlohmann::json rows = nlohmann::json::array();
    for (int i = 0; i < inputs.size(); ++i) {
        if (g_cancel.cancelled()) break;
        const QString in = inputs.at(i);
        std::fprintf(stderr, "[%d/%d] %s\n", i + 1, int(inputs.size()), qPrintable(in));
        FileOutcome o = one(in);
        if (o.cancelled) {
            std::fprintf(stderr, "\nreverie-cli: %s\n", o.skipped.c_str());
            return 130;
        }
        if (!o.skipped.empty()) {
            std::fprintf(stderr, "reverie-cli: %s (skipped)\n", o.skipped.c_str());
            ++failed;
            continue;
        }
        ++written;
        rows.push_back(std::move(o.row));
    }
    std::fprintf(stderr, "%s %d of %d file(s) into %s\n", done, written, int(inputs.size()), qPrintable(outDir));
    if (json) {
        header["written"] = written;
        header["failed"] = failed;
        header[rowsKey] = rows;
        std::printf("%s\n", header.dump().c_str());
    }
    if (g_cancel.cancelled()) return 130;
    return failed > 0 ? 1 : 0;
}

// reverie-cli restore IN... -o OUTDIR: each input restored with the built-in restorer (colour
// inputs channel by channel with the grey model), written as OUTDIR/<name>.png; never over an input.
// A bad input is reported and skipped; the others are still restored (exit status 1 at the end).
int restoreCommand(const QStringList& args) {
    QCommandLineParser p;
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    auto opt = [](const char* name, const char* help, const char* def) {
        return QCommandLineOption(QString::fromLatin1(name), QString::fromUtf8(help), QStringLiteral("v"),
                                  QString::fromLatin1(def));
    };
    const QCommandLineOption out({QStringLiteral("o"), QStringLiteral("out")}, QStringLiteral("Output folder."),
                                 QStringLiteral("dir"));
    const QCommandLineOption list(QStringLiteral("list-samplers"), QStringLiteral("List the samplers and exit."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print a JSON summary (last line)."));
    p.addOptions({out, list, json, threadsOption(), opt("sampler", "Sampler id.", "mrs-sde-2-data"),
                  opt("nfe", "Network evaluations.", "10"), opt("seed", "Seed.", "0"),
                  opt("lambda", "IR-SDE stationary std on the 0..255 scale.", "50"), opt("model", "Model folder or built-in name (fmnist-restore, photo-denoise).", ""),
                  opt("degrade", "Degrade each input with this task first (a demo pair; writes NAME-degraded.png).", "")});
    if (!p.parse(args)) return usage(p.errorText());
    if (p.isSet(list)) {
        for (const auto& s : reverie::restore::samplers()) std::printf("%-18s %s\n", s.id.c_str(), s.label.c_str());
        return 0;
    }
    const QStringList inputs = p.positionalArguments();
    if (inputs.isEmpty()) return usage(QStringLiteral("restore needs at least one input image"));
    if (!p.isSet(out)) return usage(QStringLiteral("restore needs -o OUTDIR"));
    reverie::restore::RestoreParams rp;
    bool ok1 = false, ok2 = false, ok3 = false;
    rp.sampler = p.value(QStringLiteral("sampler")).toStdString();
    rp.nfe = p.value(QStringLiteral("nfe")).toInt(&ok1);
    rp.seed = p.value(QStringLiteral("seed")).toULongLong(&ok2);
    rp.lambda255 = p.value(QStringLiteral("lambda")).toDouble(&ok3);
    if (!(ok1 && ok2 && ok3)) return usage(QStringLiteral("--nfe, --seed and --lambda need numbers"));
    rp.modelDir = reverie::zoo::resolve(p.value(QStringLiteral("model")).toStdString(), reverie::zoo::kRestorer);
    if (auto v = reverie::restore::validate(rp); !v) return usage(QString::fromStdString(v.error().message));
    std::optional<reverie::restore::Degradation> demo;
    if (!p.value(QStringLiteral("degrade")).isEmpty()) {
        demo = reverie::restore::parseDegradation(p.value(QStringLiteral("degrade")).toStdString());
        if (!demo) return usage(QStringLiteral("unknown task '%1' for --degrade").arg(p.value(QStringLiteral("degrade"))));
    }
    const QString outDir = p.value(out);
    if (!QDir().mkpath(outDir)) return usage(QStringLiteral("cannot create the output folder %1").arg(outDir));
    int n = 0, code = 0;
    if (!parseThreads(p, &n, &code)) return code;
    reverie::runtime::prepareEngineThread(n);
    auto info = reverie::restore::restorerInfo(rp.modelDir);
    if (!info) return jobFailed(info);

    return runFileBatch(
        inputs, outDir, "restored", p.isSet(json), {{"sampler", rp.sampler}, {"nfe", rp.nfe}}, "images",
        [&](const QString& in) -> FileOutcome {
            auto img = reverie::restore::loadImage(in.toStdString());
            if (!img) return FileOutcome::skip(img.error().message);
            at::Tensor mu = img.value().image;
            const QString base = QDir(outDir).filePath(QFileInfo(in).completeBaseName());
            if (demo) {
                auto g = at::make_generator<at::CPUGeneratorImpl>(rp.seed);
                mu = reverie::restore::degrade(mu, *demo, g).mu;
                reverie::restore::SaveOptions so;
                so.protectedPath = in.toStdString();
                if (auto s = reverie::restore::saveImage(mu, (base + QStringLiteral("-degraded.png")).toStdString(), so); !s)
                    std::fprintf(stderr, "reverie-cli: %s\n", s.error().message.c_str());
            }
            const reverie::JobContext ctx{progressBar(false, false), g_cancel};
            auto r = reverie::restore::restoreTensor(rp, mu, ctx);
            if (!r.ok()) return FileOutcome::skip(in.toStdString() + ": " + r.error().message, r.isCancelled());
            if (!r.value().note.empty()) std::fprintf(stderr, "note: %s\n", r.value().note.c_str());
            reverie::restore::SaveOptions so;
            so.protectedPath = in.toStdString();
            so.alpha = img.value().alpha;
            const QString target = base + QStringLiteral(".png");
            if (auto s = reverie::restore::saveImage(r.value().x, target.toStdString(), so); !s)
                return FileOutcome::skip(s.error().message);
            return FileOutcome::written({{"input", in.toStdString()}, {"output", target.toStdString()},
                                         {"nfe", r.value().nfe}, {"seconds", r.value().seconds},
                                         {"width", img.value().width}, {"height", img.value().height}});
        });
}

// reverie-cli enhance IN... -o OUTDIR: each input enhanced with the built-in speech model, written
// as OUTDIR/<name>.wav (16 kHz mono, 16-bit); never over an input. A bad input is reported and
// skipped; the others are still enhanced (exit status 1 at the end).
int enhanceCommand(const QStringList& args) {
    QCommandLineParser p;
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    auto opt = [](const char* name, const char* help, const char* def) {
        return QCommandLineOption(QString::fromLatin1(name), QString::fromUtf8(help), QStringLiteral("v"),
                                  QString::fromLatin1(def));
    };
    const QCommandLineOption out({QStringLiteral("o"), QStringLiteral("out")}, QStringLiteral("Output folder."),
                                 QStringLiteral("dir"));
    const QCommandLineOption list(QStringLiteral("list-samplers"), QStringLiteral("List the samplers and exit."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print a JSON summary (last line)."));
    p.addOptions({out, list, json, threadsOption(), opt("sampler", "Sampler id.", reverie::speech::kDefaultEnhanceSampler),
                  opt("nfe", "Network evaluations per chunk (0 = the sampler's default).", "0"), opt("seed", "Seed.", "0"),
                  opt("model", "Model folder or built-in name (speech-enhance).", "")});
    if (!p.parse(args)) return usage(p.errorText());
    if (p.isSet(list)) {
        for (const auto& s : reverie::speech::enhanceSamplers())
            std::printf("%-16s %s  [%s]\n", s.id.c_str(), s.label.c_str(),
                        s.defaultNfe > 0 ? ("default NFE " + std::to_string(s.defaultNfe)).c_str() : "adaptive NFE");
        return 0;
    }
    const QStringList inputs = p.positionalArguments();
    if (inputs.isEmpty()) return usage(QStringLiteral("enhance needs at least one input audio file"));
    if (!p.isSet(out)) return usage(QStringLiteral("enhance needs -o OUTDIR"));
    reverie::speech::EnhanceParams ep;
    bool ok1 = false, ok2 = false;
    ep.sampler = p.value(QStringLiteral("sampler")).toStdString();
    ep.nfe = p.value(QStringLiteral("nfe")).toInt(&ok1);
    ep.seed = p.value(QStringLiteral("seed")).toULongLong(&ok2);
    if (!(ok1 && ok2)) return usage(QStringLiteral("--nfe and --seed need numbers"));
    ep.modelDir = reverie::zoo::resolve(p.value(QStringLiteral("model")).toStdString(), reverie::zoo::kEnhancer);
    if (ep.modelDir.empty())
        return usage(QStringLiteral("the built-in speech model was not found (set REVERIE_MODELS_DIR or use --model DIR)"));
    if (auto v = reverie::speech::validateEnhance(ep); !v) return usage(QString::fromStdString(v.error().message));
    const QString outDir = p.value(out);
    if (!QDir().mkpath(outDir)) return usage(QStringLiteral("cannot create the output folder %1").arg(outDir));
    int n = 0, code = 0;
    if (!parseThreads(p, &n, &code)) return code;
    reverie::runtime::prepareEngineThread(n);
    auto info = reverie::speech::enhancerInfo(ep.modelDir);
    if (!info) return jobFailed(info);

    return runFileBatch(
        inputs, outDir, "enhanced", p.isSet(json),
        {{"sampler", ep.sampler}, {"nfe", ep.nfe}, {"model", info.value().name}}, "files",
        [&](const QString& in) -> FileOutcome {
            // Streamed in 30 s segments: an hour-long recording needs no more memory than a short one.
            const QString target = QDir(outDir).filePath(QFileInfo(in).completeBaseName() + QStringLiteral(".wav"));
            const reverie::JobContext ctx{progressBar(false, false), g_cancel};
            auto r = reverie::speech::enhanceFile(ep, in.toStdString(), target.toStdString(), ctx);
            if (!r.ok()) {
                const auto& why = r.error().message;
                return FileOutcome::skip(why.find(in.toStdString()) != std::string::npos ? why : in.toStdString() + ": " + why,
                                         r.isCancelled());
            }
            if (!r.value().note.empty()) std::fprintf(stderr, "note: %s\n", r.value().note.c_str());
            std::fprintf(stderr, "wrote %s: %.2f s of audio, NFE %lld, %.2f s (real-time factor %.2f)\n",
                         qPrintable(target), r.value().audioSeconds, (long long)r.value().nfe, r.value().seconds,
                         r.value().realTimeFactor);
            return FileOutcome::written({{"input", in.toStdString()}, {"output", target.toStdString()},
                                         {"nfe", r.value().nfe}, {"seconds", r.value().seconds},
                                         {"audio_seconds", r.value().audioSeconds},
                                         {"real_time_factor", r.value().realTimeFactor}, {"chunks", r.value().chunks},
                                         {"segments", r.value().segments}});
        });
}

// A bench's human-readable table (stdout, or stderr with --json) and its JSON line (last on stdout).
int printReport(const std::string& table, const std::string& json, bool asJson) {
    std::fputs(table.c_str(), asJson ? stderr : stdout);
    if (asJson) std::printf("%s\n", json.c_str());
    return 0;
}

// --NAME N with N a whole number >= 1, when given; false (with *code set) after a usage message.
bool positiveOption(const QCommandLineParser& p, const char* name, int* out, int* code) {
    const QString key = QString::fromLatin1(name);
    if (!p.isSet(key)) return true;
    bool ok = false;
    const int v = p.value(key).toInt(&ok);
    if (!ok || v < 1) {
        *code = usage(QStringLiteral("--%1 needs a whole number >= 1").arg(key));
        return false;
    }
    *out = v;
    return true;
}

int benchCommand(const QStringList& args) {
    QCommandLineParser p;
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption quick(QStringLiteral("quick"), QStringLiteral("Reduced version."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the result as JSON (last line)."));
    p.addOptions({quick, json, threadsOption(),
                  QCommandLineOption(QStringLiteral("samples"), QStringLiteral("Samples per point."), QStringLiteral("n")),
                  QCommandLineOption(QStringLiteral("seed"), QStringLiteral("Seed."), QStringLiteral("s"), QStringLiteral("0")),
                  QCommandLineOption(QStringLiteral("samplers"), QStringLiteral("Only these samplers (comma-separated)."),
                                     QStringLiteral("ids")),
                  QCommandLineOption(QStringLiteral("tasks"), QStringLiteral("bench restore: only these tasks."),
                                     QStringLiteral("ids")),
                  QCommandLineOption(QStringLiteral("nfe"), QStringLiteral("bench restore: only these NFE values."),
                                     QStringLiteral("list")),
                  QCommandLineOption(QStringLiteral("no-photos"), QStringLiteral("bench restore: skip the photo section.")),
                  QCommandLineOption(QStringLiteral("no-fmnist"),
                                     QStringLiteral("bench restore: skip the Fashion-MNIST tasks.")),
                  QCommandLineOption(QStringLiteral("large"),
                                     QStringLiteral("bench restore: also restore one photo upscaled to this many megapixels."),
                                     QStringLiteral("mp")),
                  QCommandLineOption(QStringLiteral("no-peers"), QStringLiteral("bench enhance: skip the classical peers.")),
                  QCommandLineOption(QStringLiteral("steps"), QStringLiteral("bench unlearn: training steps per model."),
                                     QStringLiteral("n")),
                  QCommandLineOption(QStringLiteral("alpha"), QStringLiteral("bench unlearn: SSD's selection threshold α."),
                                     QStringLiteral("a")),
                  QCommandLineOption(QStringLiteral("lambda"), QStringLiteral("bench unlearn: SSD's dampening constant λ."),
                                     QStringLiteral("l")),
                  QCommandLineOption(QStringLiteral("no-retrain"), QStringLiteral("bench unlearn: skip the retraining rows.")),
                  QCommandLineOption(QStringLiteral("methods"), QStringLiteral("bench erase: only these methods."),
                                     QStringLiteral("ids")),
                  QCommandLineOption(QStringLiteral("no-attacks"), QStringLiteral("bench erase: skip the attacks."))});
    if (!p.parse(args)) return usage(p.errorText());
    const QStringList pos = p.positionalArguments();
    if (pos.size() != 1 || (pos.first() != QLatin1String("engine") && pos.first() != QLatin1String("generate") &&
                            pos.first() != QLatin1String("restore") && pos.first() != QLatin1String("enhance") &&
                            pos.first() != QLatin1String("unlearn") && pos.first() != QLatin1String("erase")))
        return usage(QStringLiteral("bench needs what to measure; known: engine, generate, restore, enhance, erase, unlearn"));
    int n = 0, code = 0;
    if (!parseThreads(p, &n, &code)) return code;
    reverie::runtime::prepareEngineThread(n);
    if (pos.first() == QLatin1String("erase")) {
        reverie::erase::EraseBenchParams ep;
        ep.quick = p.isSet(quick);
        ep.modelDir = reverie::zoo::find(reverie::zoo::kTextGenerator);
        ep.classifierDir = reverie::zoo::find(reverie::zoo::kClassifier);
        if (ep.modelDir.empty() || ep.classifierDir.empty())
            return usage(QStringLiteral("the built-in text-conditional model or classifier was not found (set REVERIE_MODELS_DIR)"));
        if (p.isSet(QStringLiteral("samples"))) {
            bool ok = false;
            ep.samples = p.value(QStringLiteral("samples")).toInt(&ok);
            if (!ok || ep.samples < 1) return usage(QStringLiteral("--samples needs a whole number >= 1"));
            ep.attackSamples = ep.samples;
        }
        if (!positiveOption(p, "steps", &ep.steps, &code)) return code;
        if (p.isSet(QStringLiteral("seed"))) ep.seed = p.value(QStringLiteral("seed")).toULongLong();
        for (const auto& id : p.value(QStringLiteral("methods")).split(QLatin1Char(','), Qt::SkipEmptyParts))
            ep.methods.push_back(id.trimmed().toStdString());
        ep.attacks = !p.isSet(QStringLiteral("no-attacks"));
        const reverie::JobContext ctx{progressBar(false, true), g_cancel};
        const auto r = reverie::erase::runEraseBench(ep, ctx);
        if (!r.ok()) return jobFailed(r);
        return printReport(r.value().table, r.value().json, p.isSet(json));
    }
    if (pos.first() == QLatin1String("unlearn")) {
        reverie::erase::CorrectiveParams cp;
        cp.shippedClassifierDir = reverie::zoo::find(reverie::zoo::kClassifier);
        if (p.isSet(quick)) {
            cp.trainImages = 6000;
            cp.testImages = 2000;
            cp.steps = 150;
            cp.batch = 64;
            cp.poisonShare = 0.05;
            cp.retainSamples = 300;
        }
        if (!positiveOption(p, "steps", &cp.steps, &code)) return code;
        if (p.isSet(QStringLiteral("seed"))) cp.seed = p.value(QStringLiteral("seed")).toULongLong();
        for (const auto& [name, target] : {std::pair{"alpha", &cp.alpha}, std::pair{"lambda", &cp.lambda}}) {
            if (!p.isSet(QString::fromLatin1(name))) continue;
            bool ok = false;
            *target = p.value(QString::fromLatin1(name)).toDouble(&ok);
            if (!ok || !(*target >= 0)) return usage(QStringLiteral("--%1 needs a number >= 0").arg(QString::fromLatin1(name)));
        }
        cp.retrain = !p.isSet(QStringLiteral("no-retrain"));
        const reverie::JobContext ctx{progressBar(false, true), g_cancel};
        const auto r = reverie::erase::runCorrectiveBench(cp, ctx);
        if (!r.ok()) return jobFailed(r);
        return printReport(r.value().table, r.value().json, p.isSet(json));
    }
    if (pos.first() == QLatin1String("enhance")) {
        reverie::speech::EnhanceBenchParams bp;
        bp.quick = p.isSet(quick);
        bp.modelDir = reverie::zoo::find(reverie::zoo::kEnhancer);
        if (bp.modelDir.empty())
            return usage(QStringLiteral("the built-in speech model was not found (set REVERIE_MODELS_DIR)"));
        if (!positiveOption(p, "samples", &bp.samples, &code)) return code;
        if (p.isSet(QStringLiteral("seed"))) bp.seed = p.value(QStringLiteral("seed")).toULongLong();
        bp.peers = !p.isSet(QStringLiteral("no-peers"));
        std::vector<int> nfes;
        for (const auto& v : p.value(QStringLiteral("nfe")).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            bool ok = false;
            nfes.push_back(v.trimmed().toInt(&ok));
            if (!ok || nfes.back() < 0) return usage(QStringLiteral("--nfe needs comma-separated whole numbers"));
        }
        if (nfes.empty()) nfes.push_back(0);
        for (const auto& id : p.value(QStringLiteral("samplers")).split(QLatin1Char(','), Qt::SkipEmptyParts))
            for (int k : nfes) bp.settings.push_back({id.trimmed().toStdString(), k});
        const reverie::JobContext ctx{progressBar(false, true), g_cancel};
        const auto r = reverie::speech::runEnhanceBench(bp, ctx);
        if (!r.ok()) return jobFailed(r);
        return printReport(r.value().table, r.value().json, p.isSet(json));
    }
    if (pos.first() == QLatin1String("restore")) {
        reverie::restore::RestoreBenchParams bp;
        bp.quick = p.isSet(quick);
        bp.modelDir = reverie::zoo::find(reverie::zoo::kRestorer);
        if (bp.modelDir.empty())
            return usage(QStringLiteral("the built-in restoration model was not found (set REVERIE_MODELS_DIR)"));
        if (!positiveOption(p, "samples", &bp.samples, &code)) return code;
        bp.seed = p.value(QStringLiteral("seed")).toULongLong();
        bp.classifierDir = reverie::zoo::find(reverie::zoo::kClassifier);
        bp.fmnist = !p.isSet(QStringLiteral("no-fmnist"));
        bp.photos = !p.isSet(QStringLiteral("no-photos"));
        if (p.isSet(QStringLiteral("large"))) {
            bool ok = false;
            bp.largeMegapixels = p.value(QStringLiteral("large")).toDouble(&ok);
            if (!ok || bp.largeMegapixels <= 0 || bp.largeMegapixels > 100)
                return usage(QStringLiteral("--large needs megapixels between 0 and 100"));
        }
        if (bp.photos || bp.largeMegapixels > 0) {
            bp.photoModelDir = reverie::zoo::find(reverie::zoo::kPhotoRestorer);
            if (bp.photoModelDir.empty())
                return usage(QStringLiteral("the built-in photo model was not found (set REVERIE_MODELS_DIR, or --no-photos)"));
        }
        for (const auto& id : p.value(QStringLiteral("samplers")).split(QLatin1Char(','), Qt::SkipEmptyParts))
            bp.samplers.push_back(id.trimmed().toStdString());
        for (const auto& id : p.value(QStringLiteral("tasks")).split(QLatin1Char(','), Qt::SkipEmptyParts))
            bp.tasks.push_back(id.trimmed().toStdString());
        for (const auto& v : p.value(QStringLiteral("nfe")).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            bool ok = false;
            bp.nfes.push_back(v.trimmed().toInt(&ok));
            if (!ok) return usage(QStringLiteral("--nfe needs comma-separated whole numbers"));
        }
        const reverie::JobContext ctx{progressBar(false, true), g_cancel};
        const auto r = reverie::restore::runRestoreBench(bp, ctx);
        if (!r.ok()) return jobFailed(r);
        return printReport(r.value().table, r.value().json, p.isSet(json));
    }
    if (pos.first() == QLatin1String("generate")) {
        reverie::generate::BenchParams bp;
        bp.quick = p.isSet(quick);
        bp.modelDir = reverie::zoo::find(reverie::zoo::kGenerator);
        bp.classifierDir = reverie::zoo::find(reverie::zoo::kClassifier);
        if (p.isSet(QStringLiteral("samples"))) {
            bool ok = false;
            bp.samples = p.value(QStringLiteral("samples")).toInt(&ok);
            if (!ok || bp.samples < 2) return usage(QStringLiteral("--samples needs a whole number >= 2"));
        }
        bp.seed = p.value(QStringLiteral("seed")).toULongLong();
        for (const auto& id : p.value(QStringLiteral("samplers")).split(QLatin1Char(','), Qt::SkipEmptyParts))
            bp.samplers.push_back(id.trimmed().toStdString());
        if (bp.modelDir.empty() || bp.classifierDir.empty())
            return usage(QStringLiteral("the built-in generator or classifier was not found (set REVERIE_MODELS_DIR)"));
        const reverie::JobContext ctx{progressBar(false, true), g_cancel};
        const auto r = reverie::generate::runBench(bp, ctx);
        if (!r.ok()) return jobFailed(r);
        return printReport(r.value().table, r.value().json, p.isSet(json));
    }
    reverie::bench::EngineBenchOptions o;
    o.quick = p.isSet(quick);
    const reverie::JobContext ctx{progressBar(false, true), g_cancel};
    const auto r = reverie::bench::runEngineBench(o, ctx);
    if (!r.ok()) return jobFailed(r);
    return printReport(r.value().table, r.value().json, p.isSet(json));
}

int trainCommand(const QStringList& args) {
    QCommandLineParser p;
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Checkpoint folder."), QStringLiteral("dir"));
    const QCommandLineOption maxSteps(QStringLiteral("max-steps"), QStringLiteral("Steps to run now."), QStringLiteral("n"),
                                      QStringLiteral("-1"));
    const QCommandLineOption noResume(QStringLiteral("no-resume"), QStringLiteral("Start from scratch."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the summary as JSON (last line)."));
    p.addOptions({out, maxSteps, noResume, threadsOption(), json});
    if (!p.parse(args)) return usage(p.errorText());
    if (p.positionalArguments().size() != 1) return usage(QStringLiteral("train needs exactly one recipe file"));
    bool ok = false;
    const qint64 steps = p.value(maxSteps).toLongLong(&ok);
    if (!ok || steps < -1) return usage(QStringLiteral("--max-steps needs a whole number, got '%1'").arg(p.value(maxSteps)));
    int n = 0, code = 0;
    if (!parseThreads(p, &n, &code)) return code;
    auto recipe = reverie::train::loadRecipe(p.positionalArguments().first().toStdString());
    if (!recipe) return usage(QString::fromStdString(recipe.error().message));

    reverie::runtime::prepareEngineThread(n);
    reverie::train::Options options;
    options.outDir = p.isSet(out) ? p.value(out).toStdString() : "runs/" + recipe.value().name;
    options.resume = !p.isSet(noResume);
    options.maxStepsThisRun = steps;
    const reverie::JobContext ctx{progressBar(false, true), g_cancel};
    const auto r = reverie::train::run(recipe.value(), options, ctx);
    if (!r.ok()) return jobFailed(r);
    const auto& s = r.value();
    std::fprintf(stderr, "trained %s: steps %lld -> %lld, loss %.4f, %.3f s/step, %lld parameters, checkpoint %s\n",
                 recipe.value().name.c_str(), (long long)s.startStep, (long long)s.step, s.loss, s.secondsPerStep,
                 (long long)s.parameters, s.checkpoint.c_str());
    if (s.testAccuracy >= 0) std::fprintf(stderr, "test accuracy %.2f%%\n", 100.0 * s.testAccuracy);
    if (p.isSet(json)) {
        const nlohmann::json j = {{"step", s.step},         {"start_step", s.startStep},
                                  {"loss", s.loss},         {"seconds", s.seconds},
                                  {"seconds_per_step", s.secondsPerStep}, {"parameters", s.parameters},
                                  {"checkpoint", s.checkpoint}, {"test_accuracy", s.testAccuracy}};
        std::printf("%s\n", j.dump().c_str());
    }
    return 0;
}


int generateCommand(const QStringList& args) {
    QCommandLineParser p;
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    auto opt = [](const char* name, const char* help, const char* def) {
        return QCommandLineOption(QString::fromLatin1(name), QString::fromUtf8(help), QStringLiteral("v"),
                                  QString::fromLatin1(def));
    };
    const QCommandLineOption out({QStringLiteral("o"), QStringLiteral("out")}, QStringLiteral("PNG file."),
                                 QStringLiteral("file"));
    const QCommandLineOption list(QStringLiteral("list-samplers"), QStringLiteral("List the samplers and exit."));
    const QCommandLineOption score(QStringLiteral("score"),
                                   QStringLiteral("Score the samples with the shipped classifier (FD, confidence)."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the result as JSON (last line)."));
    p.addOptions({out, list, score, json, threadsOption(), opt("sampler", "Sampler id.", "dpmpp-2m"), opt("sde", "ve, vp or subvp.", "vp"),
                  opt("nfe", "Network evaluations.", "20"), opt("guidance", "Guidance weight.", "1"),
                  opt("class", "Class 0..9, -1 all.", "-1"), opt("seed", "Seed.", "0"), opt("batch", "Images.", "16"),
                  opt("model", "Model folder or built-in name (fmnist-restore, photo-denoise).", ""), opt("noise-estimator", "DLG's noise-level estimator: net or haar.", "net")});
    if (!p.parse(args)) return usage(p.errorText());
    if (p.isSet(list)) {
        for (const auto& s : reverie::generate::samplers())
            std::printf("%-14s %s  [%s]\n", s.id.c_str(), s.label.c_str(), s.nfeRule.c_str());
        return 0;
    }
    if (!p.isSet(out)) return usage(QStringLiteral("generate needs -o FILE.png"));
    if (!p.positionalArguments().isEmpty()) return usage(QStringLiteral("generate takes no arguments"));
    reverie::generate::GenerateParams g;
    bool ok1 = false, ok2 = false, ok3 = false, ok4 = false, ok5 = false;
    g.sampler = p.value(QStringLiteral("sampler")).toStdString();
    g.sde = p.value(QStringLiteral("sde")).toStdString();
    g.nfe = p.value(QStringLiteral("nfe")).toInt(&ok1);
    g.guidance = p.value(QStringLiteral("guidance")).toDouble(&ok2);
    g.label = p.value(QStringLiteral("class")).toInt(&ok3);
    g.seed = p.value(QStringLiteral("seed")).toULongLong(&ok4);
    g.batch = p.value(QStringLiteral("batch")).toInt(&ok5);
    g.noiseEstimator = p.value(QStringLiteral("noise-estimator")).toStdString();
    if (!(ok1 && ok2 && ok3 && ok4 && ok5)) return usage(QStringLiteral("--nfe, --guidance, --class, --seed and --batch need numbers"));
    g.modelDir = p.value(QStringLiteral("model")).isEmpty() ? reverie::zoo::find(reverie::zoo::kGenerator)
                                                              : p.value(QStringLiteral("model")).toStdString();
    g.previews = false;
    if (auto v = reverie::generate::validate(g); !v) return usage(QString::fromStdString(v.error().message));
    int n = 0, code = 0;
    if (!parseThreads(p, &n, &code)) return code;
    reverie::runtime::prepareEngineThread(n);
    const reverie::JobContext ctx{progressBar(false, true), g_cancel};
    const auto r = reverie::generate::runGenerate(g, ctx);
    if (!r.ok()) return jobFailed(r);
    const auto& grid = r.value().grid;
    QImage img(grid.pixels.data(), grid.width, grid.height, grid.width, QImage::Format_Grayscale8);
    const QString path = p.value(out);
    if (!img.copy().save(path, "PNG")) {
        std::fprintf(stderr, "reverie-cli: cannot write %s\n", qPrintable(path));
        return 1;
    }
    std::fprintf(stderr, "wrote %s: %d samples, NFE %lld, %d steps, %.2f s\n", qPrintable(path), g.batch,
                 static_cast<long long>(r.value().nfe), r.value().steps, r.value().seconds);
    nlohmann::json j = {{"sde", g.sde},   {"sampler", g.sampler}, {"nfe_budget", g.nfe}, {"guidance", g.guidance},
                        {"seed", g.seed}, {"samples", g.batch},   {"nfe", r.value().nfe}, {"seconds", r.value().seconds}};
    if (p.isSet(score)) {
        const auto s = reverie::generate::scoreSamples({reverie::zoo::find(reverie::zoo::kClassifier), ""},
                                                       r.value().items, r.value().labels, ctx);
        if (!s.ok()) {
            std::fprintf(stderr, "reverie-cli: %s\n", s.error().message.c_str());
            return 1;
        }
        j["fd"] = s.value().fd;
        j["confident_share"] = s.value().confident;
        j["label_agreement"] = s.value().agreement;
        j["histogram"] = s.value().histogram;
        std::fprintf(stderr, "FD %.2f, confident %.1f%%, label agreement %.1f%%\n", s.value().fd,
                     100 * s.value().confident, 100 * s.value().agreement);
    }
    if (p.isSet(json)) std::printf("%s\n", j.dump().c_str());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("reverie-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(REVERIE_VERSION));
    auto logger = spdlog::stderr_color_mt("reverie");
    logger->set_level(spdlog::level::warn);
    spdlog::set_default_logger(logger);
    std::signal(SIGINT, onSigint);
    reverie::zoo::setExecutableDir(QCoreApplication::applicationDirPath().toStdString());

    QStringList args = QCoreApplication::arguments();
    if (args.size() < 2) return usage(QStringLiteral("no command given"));
    const QString command = args.at(1);
    if (command == QLatin1String("-h") || command == QLatin1String("--help") || command == QLatin1String("help")) {
        std::fputs(kHelp, stdout);
        return 0;
    }
    if (command == QLatin1String("-v") || command == QLatin1String("--version")) {
        std::printf("reverie-cli %s\n", REVERIE_VERSION);
        return 0;
    }
    args.removeAt(1); // what follows belongs to the command
    if (command == QLatin1String("diagnostics")) return diagnosticsCommand(args);
    if (command == QLatin1String("train")) return trainCommand(args);
    if (command == QLatin1String("bench")) return benchCommand(args);
    if (command == QLatin1String("generate")) return generateCommand(args);
    if (command == QLatin1String("restore")) return restoreCommand(args);
    if (command == QLatin1String("enhance")) return enhanceCommand(args);
    if (command == QLatin1String("export")) {
        if (args.size() != 3) return usage(QStringLiteral("export needs CHECKPOINT OUT.pt"));
        const auto r = reverie::train::exportWeights(args.at(1).toStdString(), args.at(2).toStdString());
        if (!r.ok()) {
            std::fprintf(stderr, "reverie-cli: %s\n", r.error().message.c_str());
            return 1;
        }
        std::fprintf(stderr, "wrote %s (%.2f MB)\n", qPrintable(args.at(2)), double(r.value()) / 1e6);
        return 0;
    }
    if (command.startsWith(QLatin1Char('-'))) return usage(QStringLiteral("unknown option '%1'").arg(command));
    return usage(QStringLiteral("unknown command '%1'").arg(command));
}
