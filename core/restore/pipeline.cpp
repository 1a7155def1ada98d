#include "restore/pipeline.h"
#include "restore/pnp.h"

#include "base/runtime.h"
#include "data/fashion_mnist.h"
#include "engine/sde/param.h"
#include "engine/sde/sde.h"
#include "engine/solvers/common.h"
#include "engine/solvers/exp.h"
#include "engine/solvers/ode.h"
#include "engine/solvers/pc.h"
#include "engine/solvers/posterior_onestep.h"
#include "models/conditioned.h"
#include "models/published/load.h"
#include "models/unet.h"
#include "models/zoo.h"
#include "restore/degrade.h"
#include "restore/noiselevel.h"
#include "restore/tiling.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

namespace fs = std::filesystem;

namespace reverie::restore {

namespace {

// A loaded restorer: the built-in residual denoiser (model) or a published IR-SDE
// ConditionalUNet (unet).
struct Loaded {
    models::EdmDenoiser model{nullptr};
    models::published::ConditionalUNet unet{nullptr};
    RestorerInfo info;
    double sigmaData = 0.25;
};

Result<Loaded> loadFolder(const std::string& dir) {
    auto m = models::loadConditionedFolder(dir, "restorer", "a restoration model", 0.25);
    if (!m) return m.error();
    const auto& c = m.value();
    Loaded l;
    l.model = c.model;
    l.info.channels = c.config.inChannels;
    l.info.imageSize = c.config.imageSize;
    l.info.noiseMap = c.noiseMap();
    l.info.taskLabels = c.config.numClasses == int(allDegradations().size());
    if (const auto it = c.card.find("sampling"); it != c.card.end() && it->is_object()) {
        l.info.recommendedSampler = it->value("sampler", std::string());
        l.info.recommendedNfe = it->value("nfe", 0);
    }
    l.sigmaData = c.model->sigmaData();
    l.info.name = c.card.value("name", fs::path(dir).filename().string());
    l.info.summary = l.info.name + " (" + std::to_string(c.parameters) + " parameters, built-in format)";
    return l;
}

Result<Loaded> loadCheckpoint(const std::string& path) {
    using R = Result<Loaded>;
    namespace pub = models::published;
    pub::LoadOptions lo;
    lo.expect = pub::Architecture::IrsdeUNet;
    auto m = pub::loadPublished(path, lo);
    if (!m) {
        std::string why = m.error().message;
        if (why.find("DA-CLIP") != std::string::npos)
            why += " (a DA-CLIP UNet needs the context vectors of DA-CLIP's CLIP image encoder, which the studio "
                   "does not have; use an IR-SDE checkpoint)";
        return R::invalid(why);
    }
    const auto& cfg = m.value().unet->config();
    if (cfg.inNc != cfg.outNc || (cfg.inNc != 1 && cfg.inNc != 3))
        return R::invalid(path + ": a ConditionalUNet with " + std::to_string(cfg.inNc) + " input and " +
                          std::to_string(cfg.outNc) + " output channels is not an image restorer the studio can run");
    Loaded l;
    l.unet = m.value().unet;
    l.info.channels = cfg.inNc;
    l.info.imageSize = 0;
    l.info.name = fs::path(path).filename().string();
    l.info.published = true;
    l.info.summary = m.value().card.summary();
    return l;
}

// Folders are cached by loadConditionedFolder; the last checkpoint here, keyed by path, size and
// modification time (a full-size ConditionalUNet takes seconds to read).
Result<Loaded> loadRestorer(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return loadFolder(path);
    static std::mutex mutex;
    static std::string cachedKey;
    static std::optional<Loaded> cached;
    const auto size = fs::file_size(path, ec);
    const auto mtime = fs::last_write_time(path, ec).time_since_epoch().count();
    const std::string key = fs::absolute(path, ec).string() + "|" + std::to_string(size) + "|" + std::to_string(mtime);
    std::lock_guard<std::mutex> lock(mutex);
    if (cached && cachedKey == key) return *cached;
    auto l = loadCheckpoint(path);
    if (!l) return l.error();
    cached = l.value();
    cachedKey = key;
    return l;
}

// The official network predicts the noise ε of x_t = μ + (x₀ − μ) e^{−θ̄_t} + σ̄_t ε on images in
// [0, 1]; on the studio's [−1, 1] scale (λ doubled) the same ε holds, so the net sees (x + 1)/2 and
// (μ + 1)/2 and its output is the noise prediction (docs/methods.md, "Published IR-SDE checkpoints").
sde::Denoiser publishedNoise(models::published::ConditionalUNet net) {
    sde::Denoiser d;
    d.param = sde::Param::Noise;
    d.fn = [net](const at::Tensor& x, const at::Tensor& t, const at::Tensor& mu) mutable {
        const auto x01 = ((x + 1.0) * 0.5).to(at::kFloat);
        const auto mu01 = ((mu.expand_as(x) + 1.0) * 0.5).to(at::kFloat).contiguous();
        const auto tv = (t.dim() == 0 ? t.reshape({1}) : t).to(at::kFloat).to(x.device());
        return net->forward(x01, mu01, tv).to(x.scalar_type());
    };
    return d;
}

constexpr int kPublishedTile = 512;

// "noise level σ ≈ 24.9" (estimated) or "= 25.0" (given); the mean when over several images.
std::string noiseLevelNote(double sigma, bool given, std::size_t images) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "noise level σ %s %.1f", given ? "=" : "≈", sigma);
    return images > 1 ? std::string(buf) + " (mean over " + std::to_string(images) + " images)" : std::string(buf);
}

// The user said the input has a degradation other than noise (RestoreParams::task).
bool taskIsNoiseFree(const RestoreParams& p) { return !p.task.empty() && p.task != "noise"; }

using models::residualDenoiser;

struct MrsId {
    bool sde = true;
    int order = 2;
    solvers::SolverForm form = solvers::SolverForm::Data;
};

bool parseMrs(const std::string& id, MrsId* out) {
    // mrs-{ode|sde}-{1|2}-{data|noise}
    if (id.size() < 13 || id.rfind("mrs-", 0) != 0) return false;
    const std::string kind = id.substr(4, 3), order = id.substr(8, 1), form = id.substr(10);
    if ((kind != "ode" && kind != "sde") || id[7] != '-' || id[9] != '-') return false;
    if (order != "1" && order != "2") return false;
    if (form != "data" && form != "noise") return false;
    out->sde = kind == "sde";
    out->order = order == "1" ? 1 : 2;
    out->form = form == "data" ? solvers::SolverForm::Data : solvers::SolverForm::Noise;
    return true;
}

ImageU8 previewOf(const at::Tensor& xt, const at::Tensor* x0) {
    // The first image: x_t on the left, x̂_0 on the right, 4 px apart (grey or RGB).
    auto pick = [](const at::Tensor& t) { return data::toBytes(t.slice(0, 0, 1).detach().to(at::kFloat).cpu())[0]; };
    auto left = pick(xt);
    auto both = x0 && x0->defined()
                    ? at::cat({left, at::full({left.size(0), left.size(1), 4}, 255, at::kByte), pick(*x0)}, 2)
                    : left;
    both = both.permute({1, 2, 0}).contiguous();
    ImageU8 img;
    img.height = int(both.size(0));
    img.width = int(both.size(1));
    img.channels = int(both.size(2));
    img.pixels.assign(both.data_ptr<std::uint8_t>(), both.data_ptr<std::uint8_t>() + both.numel());
    return img;
}

} // namespace

const std::vector<SamplerInfo>& samplers() {
    static const std::vector<SamplerInfo> list = [] {
        std::vector<SamplerInfo> l = {{"posterior", "IR-SDE posterior sampling"},
                                      {"em", "Euler–Maruyama (reverse SDE)"},
                                      {"ode-euler", "PF-ODE Euler"}};
        for (const char* kind : {"sde", "ode"})
            for (const char* order : {"2", "1"})
                for (const char* form : {"data", "noise"})
                    l.push_back({std::string("mrs-") + kind + "-" + order + "-" + form,
                                 std::string("MR Sampler ") + (kind[0] == 's' ? "SDE" : "ODE") + ", order " + order +
                                     ", " + form + " prediction"});
        // Last: a baseline for comparisons, not a sampler to use (engine/solvers/posterior_onestep.h).
        l.push_back({"posterior-1step", "Baseline: IR-SDE posterior, one t→t−1 step per subsampled t"});
        return l;
    }();
    return list;
}

Result<bool> validate(const RestoreParams& p) {
    const auto& list = samplers();
    if (std::none_of(list.begin(), list.end(), [&](const SamplerInfo& s) { return s.id == p.sampler; }))
        return Result<bool>::invalid("unknown restoration sampler '" + p.sampler + "'");
    if (p.nfe < 1 || p.nfe > 1000) return Result<bool>::invalid("NFE must be between 1 and 1000");
    if (!(p.lambda255 > 0) || p.lambda255 > 255) return Result<bool>::invalid("λ must be in (0, 255]");
    if (!(p.noiseSigma255 <= 255))
        return Result<bool>::invalid("the noise level σ must be at most 255 (or negative: estimate it)");
    if (!p.task.empty() && !parseDegradation(p.task)) {
        std::string known;
        for (const auto& id : degradationIds()) known += (known.empty() ? "" : ", ") + id;
        return Result<bool>::invalid("unknown task '" + p.task + "' (known: " + known + ")");
    }
    if (!p.pnp.empty() && p.pnp != "auto")
        if (auto s = parsePnpSchedule(p.pnp); !s) return s.error();
    if (p.pnpNfe < 1 || p.pnpNfe > 100)
        return Result<bool>::invalid("the plug-and-play denoiser's NFE must be 1..100");
    if (p.batch < 1 || p.batch > 4096) return Result<bool>::invalid("batch must be between 1 and 4096");
    if (p.tileBatch < 1 || p.tileBatch > 4096)
        return Result<bool>::invalid("the tile batch must be between 1 and 4096");
    if (p.tileSize != 0 && (p.tileSize < 16 || p.tileSize > 2048 || p.tileSize % 8 != 0))
        return Result<bool>::invalid(
            "the tile size must be a multiple of 8 from 16 to 2048 (or 0: the model's own)");
    if (p.tileOverlap < -1 || (p.tileSize > 0 && p.tileOverlap >= p.tileSize))
        return Result<bool>::invalid(
            "the tile overlap must be smaller than the tile (-1: none, 0: a quarter tile)");
    if (p.sdeSteps < 1 || p.sdeSteps > 10000) return Result<bool>::invalid("the SDE's T must be between 1 and 10000");
    if (p.device != "cpu") {
        const std::string kind = p.device.substr(0, p.device.find(':'));
        std::string why = "unknown device (cpu, cuda or cuda:N)";
        if (kind != "cuda" || !runtime::deviceUsable("cuda", &why))
            return Result<bool>::invalid("--device " + p.device + ": " + why);
        try {
            const at::Device d(p.device);
            if (d.has_index() && d.index() >= runtime::info().cudaDevices)
                return Result<bool>::invalid("--device " + p.device + ": no such GPU (" +
                                             std::to_string(runtime::info().cudaDevices) + " visible)");
        } catch (const std::exception&) {
            return Result<bool>::invalid("--device " + p.device + ": unknown device (cpu, cuda or cuda:N)");
        }
    }
    // A second-order MR Sampler step uses the previous evaluation: one evaluation is not enough
    // (found by the soak: NFE 1 used to fail only once restoring had started).
    if (MrsId mrs; parseMrs(p.sampler, &mrs) && mrs.order == 2 && p.nfe < 2)
        return Result<bool>::invalid(p.sampler + " is second order: it needs at least 2 NFE (use an order-1 sampler for 1)");
    return true;
}

Result<RestorerInfo> restorerInfo(const std::string& modelDir) {
    auto l = loadRestorer(modelDir);
    if (!l) return l.error();
    return l.value().info;
}

Result<RestoreTensorResult> restoreTensor(const RestoreParams& p, const at::Tensor& mu, const JobContext& ctx,
                                          solvers::NoiseSource* replay) {
    if (auto v = validate(p); !v) return v.error();
    if (!mu.defined() || mu.dim() != 4 || mu.size(0) < 1)
        return Result<RestoreTensorResult>::invalid("the degraded images must be a [B, C, H, W] batch");
    if (mu.size(1) != 1 && mu.size(1) != 3)
        return Result<RestoreTensorResult>::invalid("images must have 1 (grey) or 3 (RGB) channels, not " +
                                                    std::to_string(mu.size(1)));
    auto loaded = loadRestorer(p.modelDir);
    if (!loaded) return loaded.error();
    const auto info = loaded.value().info;
    if (mu.size(1) != info.channels) {
        // Grey model, colour input: every channel as its own grey image. Colour model, grey
        // input: grey RGB in, luma out.
        const std::int64_t B = mu.size(0), C = mu.size(1), H = mu.size(2), W = mu.size(3);
        const auto adapted = info.channels == 1 ? mu.reshape({B * C, 1, H, W}) : mu.expand({B, 3, H, W}).contiguous();
        auto r = restoreTensor(p, adapted, ctx, replay);
        if (!r) return r;
        auto out = r.value();
        out.x = info.channels == 1 ? out.x.reshape({B, C, H, W})
                                   : (0.299 * out.x.select(1, 0) + 0.587 * out.x.select(1, 1) + 0.114 * out.x.select(1, 2))
                                         .unsqueeze(1);
        out.note = info.channels == 1 ? "the grey model restored each colour channel on its own"
                                      : "the colour model restored the grey image as grey RGB";
        return out;
    }
    if (info.noiseMap && mu.size(0) > 1) {
        // One noise level per image: one image at a time, item i with seed + i.
        RestoreTensorResult all;
        std::vector<at::Tensor> xs;
        for (std::int64_t i = 0; i < mu.size(0); ++i) {
            RestoreParams q = p;
            q.seed = p.seed + std::uint64_t(i);
            auto r = restoreTensor(q, mu.slice(0, i, i + 1), ctx, replay);
            if (!r) return r;
            xs.push_back(r.value().x);
            all.nfe = r.value().nfe;
            all.seconds += r.value().seconds;
            all.noiseSigma255.push_back(r.value().noiseSigma255.at(0));
        }
        all.x = at::cat(xs);
        double mean = 0;
        for (double v : all.noiseSigma255) mean += v / double(all.noiseSigma255.size());
        all.note = noiseLevelNote(mean, p.noiseSigma255 >= 0 || taskIsNoiseFree(p), all.noiseSigma255.size());
        return all;
    }
    return guarded<RestoreTensorResult>("restore", [&]() -> Result<RestoreTensorResult> {
        c10::InferenceMode inference;
        // A noise-map model: the input's noise level, given or estimated, as its map value.
        double map = -1, noiseSigma = -1;
        if (info.noiseMap) {
            // A task other than noise: the noise-free inputs of training (map 0), unless σ is given.
            noiseSigma = p.noiseSigma255 >= 0 ? p.noiseSigma255 : taskIsNoiseFree(p) ? 0.0 : estimateNoiseSigma255(mu);
            if (ctx.cancelled()) return Result<RestoreTensorResult>::cancelled("restore: cancelled");
            map = models::noiseMapLevel(noiseSigma, loaded.value().sigmaData);
        }
        // A model with task labels: the task's index (restore::allDegradations() order), or -1
        // (the null class: unknown).
        std::int64_t label = -1;
        if (info.taskLabels && !p.task.empty()) label = std::int64_t(*parseDegradation(p.task)); // enum order
        sde::IrSdeParams ip;
        ip.lambda = 2.0 * p.lambda255 / 255.0; // Reverie's images live in [−1, 1]
        if (info.published) {
            ip.T = p.sdeSteps;
            ip.upstreamGrid = true; // the step numbers the network was trained on
        }
        const auto s = sde::makeIrSde(ip);
        const auto bare =
            info.published ? publishedNoise(loaded.value().unet)
                           : sde::denoiserFromSigma(*s, residualDenoiser(loaded.value().model, label, map));
        // The time inside the network (with the σ rescaling around it), so the rest — prior
        // samples, solver arithmetic, tiling and blending — can be reported apart.
        double networkSeconds = 0;
        sde::Denoiser den = bare;
        den.fn = [inner = bare.fn, &networkSeconds](const at::Tensor& x, const at::Tensor& t,
                                                    const at::Tensor& m) {
            const double start = nowSeconds();
            auto r = inner(x, t, m);
            networkSeconds += nowSeconds() - start;
            return r;
        };
        const std::int64_t B = mu.size(0), H = mu.size(2), W = mu.size(3);
        // The network and the sampling on the job's device; the model follows the job that uses it
        // (jobs run one at a time on the engine thread). The input moves there after the noise
        // estimate, which reads it on the CPU.
        const at::Device device(p.device);
        if (loaded.value().model) loaded.value().model->to(device);
        if (loaded.value().unet) loaded.value().unet->to(device);
        const at::Tensor muOn = mu.to(device);
        const bool tiledRun = info.published ? (H > kPublishedTile || W > kPublishedTile)
                                             : (H != info.imageSize || W != info.imageSize);
        const double t0 = nowSeconds();
        std::int64_t nfe = 0;
        MrsId mrs;
        const bool isMrs = parseMrs(p.sampler, &mrs);

        // Samples one batch of model-sized images; `first` is the index of its first item (seeds).
        auto run = [&](const at::Tensor& m, std::uint64_t first, bool previews) -> Result<at::Tensor> {
            solvers::NoiseSource ownNoise(p.seed + first, solvers::NoiseMode::PerItem);
            solvers::NoiseSource& noise = replay ? *replay : ownNoise;
            solvers::CommonOptions common;
            common.steps = p.nfe;
            common.seed = p.seed + first + 0x9E3779B97F4A7C15ULL;
            common.source = replay;
            if (previews)
                common.onStep = [&](const solvers::StepInfo& st) {
                    Progress pr = solvers::stepProgress(st, p.sampler);
                    if (st.x) pr.preview = previewOf(*st.x, st.x0);
                    ctx.report(pr);
                };
            const auto xT = solvers::priorSample(*s, m, m, noise);
            Result<solvers::SampleOutput> out = Result<solvers::SampleOutput>::failed("no sampler ran");
            if (p.sampler == "posterior") {
                solvers::PosteriorOptions o;
                o.common = common;
                out = solvers::samplePosterior(*s, den, xT, m, o, ctx);
            } else if (p.sampler == "posterior-1step") {
                solvers::OneStepPosteriorOptions o;
                o.common = common;
                out = solvers::samplePosteriorOneStep(*s, den, xT, m, o, ctx);
            } else if (p.sampler == "em") {
                out = solvers::sampleEulerMaruyama(*s, den, xT, m, common, ctx);
            } else if (p.sampler == "ode-euler") {
                solvers::OdeOptions o;
                o.common = common;
                o.method = solvers::OdeMethod::Euler;
                out = solvers::sampleOde(*s, den, xT, m, o, ctx);
            } else if (isMrs) {
                solvers::MrsOptions o;
                o.common = common;
                o.sde = mrs.sde;
                o.order = mrs.order;
                o.form = mrs.form;
                o.spacing = solvers::Spacing::LogSnr;
                o.lambdaMin = -5.0;
                out = solvers::sampleMrs(*s, den, xT, m, o, ctx);
            }
            if (!out) return out.error();
            nfe = out.value().nfe;
            return p.clamp ? out.value().x.clamp(-1.0, 1.0) : out.value().x;
        };

        std::vector<at::Tensor> results;
        if (!tiledRun) {
            for (std::int64_t i = 0; i < B; i += p.batch) {
                const auto chunk = muOn.slice(0, i, std::min(B, i + p.batch)).to(at::kFloat);
                auto r = run(chunk, std::uint64_t(i), p.previews && i == 0);
                if (!r) return r.error();
                results.push_back(r.value());
                if (!p.previews) {
                    Progress pr;
                    pr.step = std::min(B, i + p.batch);
                    pr.total = B;
                    pr.nfe = nfe;
                    pr.message = p.sampler;
                    ctx.report(pr);
                }
            }
        } else {
            // Tiles of the model's size, overlap a quarter tile, `batch` tiles per network batch.
            // Tile k of image i draws its noise from seed + i + k (the first tile: the image's own
            // seed), so the result does not depend on the batch size, and no noise pattern repeats
            // from tile to tile.
            const int tile = p.tileSize > 0 ? p.tileSize : info.published ? kPublishedTile : info.imageSize;
            const int overlap = p.tileOverlap < 0   ? 0
                                : p.tileOverlap > 0 ? std::min(p.tileOverlap, tile - 1)
                                : info.published    ? 64
                                                    : std::max(4, tile / 4);
            for (std::int64_t i = 0; i < B; ++i) {
                const auto grid = tileGrid(H, W, tile, overlap);
                std::int64_t done = 0;
                Error failure{ErrorKind::Failed, ""};
                bool failed = false;
                auto fn = [&](const at::Tensor& t, std::int64_t firstTile) -> at::Tensor {
                    auto r = run(t.to(at::kFloat), std::uint64_t(i + firstTile), false);
                    if (!r) {
                        failed = true;
                        failure = r.error();
                        return at::zeros_like(t);
                    }
                    done += t.size(0);
                    Progress pr;
                    pr.step = done;
                    pr.total = std::int64_t(grid.size());
                    pr.nfe = nfe;
                    pr.message = p.sampler + " (tiles)";
                    ctx.report(pr);
                    return r.value();
                };
                // The built-in model sees tiles of exactly its size; a checkpoint pads itself.
                const auto out = tiledBatched(
                    muOn.slice(0, i, i + 1), tile, overlap, p.tileBatch, fn,
                    [&] { return failed || ctx.cancelled(); }, info.published ? 1 : 4,
                    info.published ? 8 : tile);
                if (ctx.cancelled()) return Result<RestoreTensorResult>::cancelled("restore: cancelled");
                if (failed) return failure;
                results.push_back(out);
            }
        }
        RestoreTensorResult res;
        res.x = results.size() == 1 ? results.front() : at::cat(results); // one image: no copy
        res.x = res.x.to(at::kCPU);
        res.nfe = nfe;
        res.seconds = nowSeconds() - t0;
        res.networkSeconds = networkSeconds;
        if (info.noiseMap) {
            res.noiseSigma255 = {noiseSigma};
            res.note = noiseLevelNote(noiseSigma, p.noiseSigma255 >= 0 || taskIsNoiseFree(p), 1);
            // Denoising: the discrepancy principle (Morozov): what is removed, x̂ − μ, should be
            // no larger than the noise, so x̂ is projected onto the ball ‖x − μ‖ ≤ σ·√N around
            // the input, σ the noise level used for the map (docs/methods.md, "Noise budget").
            // It binds only when the model removes more than the noise (a nearly clean photo,
            // whose texture the sampler would re-draw); radius 0.9 σ already costs 0.2–0.6 dB
            // at σ = 25–50 on the validation photos, 1.0 σ nothing.
            const bool denoising = !info.taskLabels || p.task == "noise";
            if (p.noiseBudget && denoising && B == 1) {
                const double r = noiseSigma * 2.0 / 255.0; // RMS on the [−1, 1] scale
                // No whole-image temporaries (a 12-MP photo's float image is 137 MiB): the
                // distance in blocks of rows, the projection in place on the result.
                const auto m = mu.to(res.x.scalar_type());
                double sq = 0;
                for (std::int64_t y = 0; y < H; y += 256) {
                    const auto rows = std::min<std::int64_t>(256, H - y);
                    sq += (res.x.narrow(2, y, rows) - m.narrow(2, y, rows)).pow(2).sum().item<double>();
                }
                const double rms = std::sqrt(sq / double(res.x.numel()));
                if (rms > r) res.x.sub_(m).mul_(r / rms).add_(m);
            }
        }
        return res;
    });
}

} // namespace reverie::restore
