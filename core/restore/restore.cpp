#include "restore/restore.h"

#include "base/telemetry.h"
#include "data/fashion_mnist.h"
#include "metrics/metrics.h"
#include "models/zoo.h"
#include "restore/classical.h"
#include "restore/consistency.h"
#include "restore/degrade.h"
#include "restore/imageio.h"
#include "restore/pipeline.h"
#include "restore/pnp.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

namespace reverie::restore {

namespace {

// [1, C, H, W] in [−1, 1] → an 8-bit grey or RGB image.
ImageU8 toImage(const at::Tensor& x) {
    const auto b = data::toBytes(x.detach().to(at::kFloat).cpu())[0].permute({1, 2, 0}).contiguous();
    ImageU8 img;
    img.height = int(b.size(0));
    img.width = int(b.size(1));
    img.channels = int(b.size(2));
    img.pixels.assign(b.data_ptr<std::uint8_t>(), b.data_ptr<std::uint8_t>() + b.numel());
    return img;
}

struct Scores {
    double psnr = 0, ssim = 0;
};

// Mean PSNR / SSIM over a batch on 8-bit values (PSNR capped at 100 dB for identical images).
// SSIM needs 11×11 windows: smaller images get PSNR only (ssim stays NaN).
Scores score(const at::Tensor& a, const at::Tensor& b) {
    const auto x = data::toBytes(a).to(at::kFloat), y = data::toBytes(b).to(at::kFloat);
    Scores s;
    const bool ssimOk = x.size(2) >= 11 && x.size(3) >= 11;
    for (std::int64_t i = 0; i < x.size(0); ++i) {
        s.psnr += std::min(metrics::psnr(x[i], y[i]).value(), 100.0);
        s.ssim += ssimOk ? metrics::ssim(x[i], y[i]).value() : std::nan("");
    }
    s.psnr /= double(x.size(0));
    s.ssim /= double(x.size(0));
    return s;
}

const char* peerName(Degradation d) {
    switch (d) {
    case Degradation::Noise: return "OpenCV non-local means";
    case Degradation::Blur:
    case Degradation::MotionBlur: return "Wiener deconvolution (known kernel)";
    case Degradation::Down2:
    case Degradation::Down4: return "bicubic interpolation";
    case Degradation::InpaintBox:
    case Degradation::InpaintStroke: return "OpenCV inpainting (Telea)";
    case Degradation::Jpeg: return "OpenCV non-local means (JPEG strength)";
    }
    return "";
}

RestoreParams pipelineParams(const RestoreJobParams& p) {
    RestoreParams rp;
    rp.modelDir = p.modelDir;
    rp.sampler = p.sampler;
    rp.nfe = p.nfe;
    rp.seed = p.seed;
    rp.lambda255 = p.lambda255;
    rp.noiseSigma255 = p.noiseSigma255;
    rp.previews = p.previews;
    rp.task = p.degradeTask.empty() ? p.task : p.degradeTask; // a demo pair: the task it was degraded with
    rp.consistency = p.consistency;
    if (p.plugAndPlay) {
        rp.pnp = "auto";
        rp.pnpModelDir = models::zoo::find(models::zoo::kPhotoRestorer);
    }
    return rp;
}

constexpr std::int64_t kMaxUpscaledPixels = 100'000'000;

// A user's own low-resolution image for task down2 / down4: bicubic up-sampling by the factor
// first (the μ the super-resolution model expects); other tasks: the image as it is.
Result<at::Tensor> ownInput(const at::Tensor& image, const std::string& task) {
    const auto d = task.empty() ? std::nullopt : parseDegradation(task);
    const int f = d ? downFactor(*d) : 1;
    if (f == 1 || !image.defined()) return image;
    const std::int64_t H = image.size(2) * f, W = image.size(3) * f;
    if (H * W > kMaxUpscaledPixels)
        return Result<at::Tensor>::invalid("the " + std::to_string(f) + "× super-resolved image would have " +
                                           std::to_string(W) + " × " + std::to_string(H) +
                                           " pixels; at most 100 megapixels: crop the input first");
    return guarded<at::Tensor>("up-sampling", [&]() -> Result<at::Tensor> { return upscaleBicubicCv(image, H, W); });
}

// Plug-and-play (restore/pnp.h) from the classical peer made consistent, the noise-map denoiser
// p.pnpModelDir (else p.modelDir) as the prior.
Result<RestoreTensorResult> restoreByPnp(const RestoreParams& p, const at::Tensor& mu,
                                         const KnownDegradation& k, const JobContext& ctx) {
    auto s = pnpSchedule(p.pnp, k.params.kind);
    if (!s) return s.error();
    const std::string prior = p.pnpModelDir.empty() ? p.modelDir : p.pnpModelDir;
    auto info = restorerInfo(prior);
    if (!info) return info.error();
    if (!info.value().noiseMap)
        return Result<RestoreTensorResult>::invalid(
            "plug-and-play needs a denoiser told the noise level (a noise-map "
            "model such as photo-denoise); '" +
            info.value().name + "' is not one");
    if (p.pnpNfe < 1 || p.pnpNfe > 100)
        return Result<RestoreTensorResult>::invalid("the plug-and-play denoiser's NFE must be 1..100");
    const auto t0 = std::chrono::steady_clock::now();
    auto start = guarded<at::Tensor>("plug-and-play start", [&]() -> Result<at::Tensor> {
        return consistent(classicalPeer(mu, k.params.kind, {}, k.params, photoPeerOptions(k.params.kind)), k);
    });
    if (!start) return start.error();
    auto x = guarded<at::Tensor>("plug-and-play", [&]() -> Result<at::Tensor> {
        return plugAndPlay(start.value(), k, photoDenoiser(prior, p.pnpNfe, p.device), s.value(), ctx);
    });
    if (!x) return x.error();
    RestoreTensorResult out;
    out.x = x.value().clamp(-1.0, 1.0);
    out.nfe = std::int64_t(s.value().iterations) * p.pnpNfe;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.note = "plug-and-play with " + info.value().name + " (" + s.value().id() + ", " +
               std::to_string(p.pnpNfe) + " NFE per call) from the " + classicalPeerId(k.params.kind) +
               " result; consistent with the input";
    return out;
}

// Restores μ. With what made μ known (k) and p.consistency: inpainting starts from the classical
// fill (the model alone leaves holes larger than its tiles' context grey-ish), and the result is
// made consistent with the observation (restore/consistency.h).
Result<RestoreTensorResult> restoreKnown(const RestoreParams& p, const at::Tensor& mu,
                                         const std::optional<KnownDegradation>& k, const JobContext& ctx) {
    const bool use = p.consistency && k && hasConsistencyStep(k->params.kind);
    at::Tensor input = mu;
    if (use && isInpainting(k->params.kind) && holesStartFromTelea(p.modelDir, mu.size(2), mu.size(3))) {
        auto filled = guarded<at::Tensor>("inpainting", [&]() -> Result<at::Tensor> { return inpaintCv(mu, k->mask); });
        if (!filled) return filled.error();
        input = filled.value();
    }
    if (use && !p.pnp.empty() && !isInpainting(k->params.kind)) return restoreByPnp(p, mu, *k, ctx);
    auto r = restoreTensor(p, input, ctx);
    if (r && !p.pnp.empty()) // asked for, but there is no known kernel or down-sampling to use
        r.value().note +=
            std::string(r.value().note.empty() ? "" : "; ") +
            "plug-and-play not used: it needs a known blur kernel or down-sampling and the consistency step";
    if (!r || !use) return r;
    return guarded<RestoreTensorResult>("consistency", [&]() -> Result<RestoreTensorResult> {
        auto out = std::move(r.value());
        out.x = consistent(out.x, *k);
        const std::string what = isInpainting(k->params.kind)
                                     ? (input.is_same(mu) ? "the known pixels kept"
                                                          : "the known pixels kept, the holes started from OpenCV's fill")
                                 : downFactor(k->params.kind) > 1 ? "down-sampling it gives the low-resolution input"
                                                                  : "consistent with the known blur kernel";
        out.note += (out.note.empty() ? "" : "; ") + std::string("made consistent with the input (") + what + ")";
        return out;
    });
}

// A user's own mask file: non-black = missing. Returns the known-pixel mask [1, 1, H, W] (1 = known).
Result<at::Tensor> loadMask(const std::string& path, std::int64_t H, std::int64_t W) {
    auto m = loadImage(path);
    if (!m) return Result<at::Tensor>::invalid("the mask '" + path + "': " + m.error().message);
    const auto& t = m.value().image;
    if (t.size(2) != H || t.size(3) != W)
        return Result<at::Tensor>::invalid("the mask '" + path + "' is " + std::to_string(t.size(3)) + " × " +
                                           std::to_string(t.size(2)) + "; the image is " + std::to_string(W) +
                                           " × " + std::to_string(H));
    // [−1, 1]: black is −1; anything brighter than 1/255 above black is missing.
    const auto missing = (t.amax(1, true) > -1.0 + 1.0 / 255.0).to(at::kFloat);
    const double frac = missing.mean().item<double>();
    if (frac <= 0) return Result<at::Tensor>::invalid("the mask '" + path + "' marks no pixel as missing (all black)");
    if (frac >= 1) return Result<at::Tensor>::invalid("the mask '" + path + "' marks every pixel as missing");
    return 1.0 - missing;
}

// A user's own file with a mask file: μ gets its missing pixels mid-grey (as the model saw holes
// in training), the task becomes inpainting (inpaint-stroke unless `task` names inpaint-box), and
// what is known is returned.
Result<KnownDegradation> applyOwnMask(const std::string& maskPath, const std::string& task, at::Tensor& mu,
                                      std::string& taskOut) {
    using R = Result<KnownDegradation>;
    const auto d = parseDegradation(task);
    if (d && !isInpainting(*d))
        return R::invalid("a mask marks missing pixels: it goes with task inpaint-box or inpaint-stroke, not " + task);
    auto mask = loadMask(maskPath, mu.size(2), mu.size(3));
    if (!mask) return mask.error();
    return guarded<KnownDegradation>("mask", [&]() -> R {
        taskOut = d ? task : "inpaint-stroke";
        mu = applyMask(mu, mask.value());
        KnownDegradation k;
        k.params.kind = *parseDegradation(taskOut);
        k.mu = mu;
        k.mask = mask.value();
        return k;
    });
}

Result<at::Tensor> testImages(int first, int count) {
    auto t = data::loadFashionMnist(data::Split::Test, data::defaultFashionMnistDir(), first + count);
    if (!t) return t.error();
    if (t.value().size() < first + count)
        return Result<at::Tensor>::invalid("the test set has only " + std::to_string(t.value().size()) + " images");
    return data::toSigned(t.value().images.slice(0, first, first + count));
}

} // namespace

const std::vector<TaskInfo>& tasks() {
    static const std::vector<TaskInfo> list = {
        {"noise", "Gaussian noise (σ = 25)"},  {"blur", "Gaussian blur (σ 1–2 px)"},
        {"motion-blur", "Motion blur (5–9 px)"}, {"down2", "2× down-sampling"},
        {"down4", "4× down-sampling"},          {"inpaint-box", "Inpainting: box"},
        {"inpaint-stroke", "Inpainting: strokes"}, {"jpeg", "JPEG (quality 10–40)"}};
    return list;
}

Result<bool> validateJob(const RestoreJobParams& p) {
    if (auto v = validate(pipelineParams(p)); !v) return v;
    if (!p.degradeTask.empty() && !parseDegradation(p.degradeTask))
        return Result<bool>::invalid("unknown restoration task '" + p.degradeTask + "'");
    if (!p.maskPath.empty() && (p.inputPath.empty() || !p.degradeTask.empty()))
        return Result<bool>::invalid("a mask of missing pixels goes with your own image, restored as it is "
                                     "(not a test image, not degraded first)");
    if (p.inputPath.empty() && (p.testIndex < 0 || p.testIndex >= 10000))
        return Result<bool>::invalid("the test image index must be between 0 and 9999");
    return true;
}

Result<RestoreJobResult> runRestore(const RestoreJobParams& p, const JobContext& ctx) {
    if (auto v = validateJob(p); !v) return v.error();
    RestoreJobResult out;
    at::Tensor clean;
    std::optional<KnownDegradation> known;
    std::string ownTask = p.task; // a mask makes it inpainting
    if (!p.inputPath.empty()) {
        auto img = loadImage(p.inputPath);
        if (!img) return img.error();
        if (ctx.cancelled()) return Result<RestoreJobResult>::cancelled("restore: cancelled");
        clean = img.value().image;
        if (!p.maskPath.empty()) {
            if (!p.degradeTask.empty())
                return Result<RestoreJobResult>::invalid("a mask is for your own image; a demo pair makes its own");
            auto k = applyOwnMask(p.maskPath, p.task, clean, ownTask);
            if (!k) return k.error();
            known = k.value();
        } else if (p.degradeTask.empty()) {
            known = knownOwnLowRes(p.task, clean);
            auto up = ownInput(clean, p.task);
            if (!up) return up.error();
            clean = up.value();
        }
        out.width = img.value().width;
        out.height = img.value().height;
        out.channels = img.value().channels;
    } else {
        auto t = testImages(p.testIndex, 1);
        if (!t) return t.error();
        clean = t.value();
        out.width = out.height = 28;
        out.channels = 1;
    }
    return guarded<RestoreJobResult>("restore", [&]() -> Result<RestoreJobResult> {
        c10::InferenceMode inference;
        at::Tensor mu = clean;
        DegradedBatch batch;
        std::optional<Degradation> task;
        if (!p.degradeTask.empty()) {
            task = parseDegradation(p.degradeTask);
            auto g = at::make_generator<at::CPUGeneratorImpl>(p.seed);
            batch = degrade(clean, *task, g);
            mu = batch.mu;
            known = knownOf(batch, clean);
        }
        auto rp = pipelineParams(p);
        if (p.degradeTask.empty()) rp.task = ownTask;
        auto r = restoreKnown(rp, mu, known, ctx);
        if (!r) return r.error();
        if (auto info = restorerInfo(p.modelDir); info && info.value().published) out.modelSummary = info.value().summary;
        out.input = toImage(mu);
        out.restored = toImage(r.value().x);
        out.nfe = r.value().nfe;
        out.seconds = r.value().seconds;
        out.note = r.value().note;
        if (task) {
            out.reference = toImage(clean);
            const auto si = score(mu, clean), sr = score(r.value().x, clean);
            out.psnrInput = si.psnr;
            out.psnrRestored = sr.psnr;
            if (!std::isnan(si.ssim)) {
                out.ssimInput = si.ssim;
                out.ssimRestored = sr.ssim;
            }
            if (p.classicalPeer) {
                // A photograph's peer with the settings chosen on the validation photos.
                const auto peer = classicalPeer(mu, batch.mask, batch.params,
                                                p.inputPath.empty() ? ClassicalOptions{} : photoPeerOptions(*task));
                const auto sp = score(peer, clean);
                out.peer = toImage(peer);
                out.peerName = peerName(*task);
                out.psnrPeer = sp.psnr;
                if (!std::isnan(sp.ssim)) out.ssimPeer = sp.ssim;
            }
        }
        return out;
    });
}

Result<RestoreSweepResult> runRestoreSweep(const RestoreSweepParams& p, const JobContext& ctx) {
    if (auto v = validateJob(p.base); !v) return v.error();
    if (p.base.degradeTask.empty()) return Result<RestoreSweepResult>::invalid("a sweep needs a task to degrade with");
    if (p.samplerIds.empty() || p.nfes.empty())
        return Result<RestoreSweepResult>::invalid("choose at least one sampler and one NFE value");
    if (p.images < 1 || p.images > 10000) return Result<RestoreSweepResult>::invalid("images must be between 1 and 10000");
    for (const auto& id : p.samplerIds) {
        auto q = pipelineParams(p.base);
        q.sampler = id;
        if (auto v = validate(q); !v) return v.error();
    }
    auto clean = testImages(0, p.images);
    if (!clean) return clean.error();
    return guarded<RestoreSweepResult>("sweep", [&]() -> Result<RestoreSweepResult> {
        c10::InferenceMode inference;
        auto g = at::make_generator<at::CPUGeneratorImpl>(p.base.seed);
        const auto task = *parseDegradation(p.base.degradeTask);
        const auto batch = degrade(clean.value(), task, g);
        // As a single restoration does (restoreKnown): consistent with each image's own known
        // degradation (its kernel, its low-resolution image, its mask); holes start from Telea.
        const bool dc = p.base.consistency && hasConsistencyStep(task);
        const auto input = dc && isInpainting(task) && holesStartFromTelea(p.base.modelDir, batch.mu.size(2), batch.mu.size(3))
                               ? inpaintCv(batch.mu, batch.mask)
                               : batch.mu;
        auto consistentAll = [&](const at::Tensor& x) {
            std::vector<at::Tensor> xs;
            for (std::int64_t i = 0; i < x.size(0); ++i)
                xs.push_back(consistent(x.slice(0, i, i + 1), knownOf(batch, clean.value(), i)));
            return at::cat(xs);
        };
        RestoreSweepResult res;
        const auto si = score(batch.mu, clean.value());
        res.psnrInput = si.psnr;
        res.ssimInput = si.ssim;
        const auto sp = score(classicalPeer(batch.mu, batch.mask, batch.params), clean.value());
        res.psnrPeer = sp.psnr;
        res.ssimPeer = sp.ssim;
        const std::int64_t total = std::int64_t(p.samplerIds.size() * p.nfes.size());
        for (const auto& id : p.samplerIds)
            for (int n : p.nfes) {
                if (ctx.cancelled()) return Result<RestoreSweepResult>::cancelled("sweep: cancelled");
                auto q = pipelineParams(p.base);
                q.sampler = id;
                q.nfe = n;
                q.previews = false;
                telemetry::resetPeak();
                auto r = restoreTensor(q, input, JobContext{ProgressFn{}, ctx.cancel});
                if (!r) return r.error();
                const auto s = score(dc ? consistentAll(r.value().x) : r.value().x, clean.value());
                RestoreSweepPoint pt{id, n, s.psnr, s.ssim, r.value().seconds / double(p.images),
                                     double(telemetry::allocatorPeakBytes()) / (1024.0 * 1024.0)};
                res.points.push_back(pt);
                Progress pr;
                pr.step = std::int64_t(res.points.size());
                pr.total = total;
                pr.nfe = r.value().nfe;
                pr.message = id;
                pr.values = {{"nfe", double(n)}, {"psnr", pt.psnr}, {"ssim", pt.ssim}, {"seconds", pt.seconds},
                             {"peak_mib", pt.peakMiB}};
                ctx.report(pr);
            }
        return res;
    });
}

} // namespace reverie::restore

namespace reverie::restore {

Result<RestoreFileResult> restoreFile(const RestoreParams& p, const std::string& inPath, const std::string& outPng,
                                      const std::string& degradeTask, const JobContext& ctx) {
    using R = Result<RestoreFileResult>;
    std::optional<Degradation> demo;
    if (!degradeTask.empty()) {
        demo = parseDegradation(degradeTask);
        if (!demo) return R::invalid("unknown task '" + degradeTask + "' to degrade with");
    }
    auto img = loadImage(inPath);
    if (!img) return img.error();
    at::Tensor mu = img.value().image;
    at::Tensor alpha = img.value().alpha;
    std::optional<KnownDegradation> known;
    RestoreParams q = p;
    if (!p.maskPath.empty()) {
        if (demo) return R::invalid("a mask is for your own image; a demo pair makes its own");
        auto k = applyOwnMask(p.maskPath, p.task, mu, q.task);
        if (!k) return k.error();
        known = k.value();
    }
    if (!demo && p.maskPath.empty()) {
        known = knownOwnLowRes(p.task, mu); // before up-sampling: the file is the observation
        auto up = ownInput(mu, p.task);
        if (!up) return up.error();
        if (alpha.defined() && up.value().size(2) != mu.size(2)) // alpha in [0, 1] → [−1, 1] and back
            alpha = ((upscaleBicubicCv(alpha * 2.0 - 1.0, up.value().size(2), up.value().size(3)) + 1.0) * 0.5)
                        .clamp(0.0, 1.0);
        mu = up.value();
    }
    if (demo) {
        auto g = at::make_generator<at::CPUGeneratorImpl>(p.seed);
        const auto batch = degrade(mu, *demo, g);
        known = knownOf(batch, mu);
        mu = batch.mu;
        const auto dot = outPng.rfind(".png");
        const std::string degradedPath =
            (dot != std::string::npos ? outPng.substr(0, dot) : outPng) + "-degraded.png";
        SaveOptions so;
        so.protectedPath = inPath;
        if (auto s = saveImage(mu, degradedPath, so); !s) return s.error();
    }
    if (demo) q.task = degradeTask; // the demo's own task
    auto r = restoreKnown(q, mu, known, ctx);
    if (!r) return r.error();
    SaveOptions so;
    so.protectedPath = inPath;
    so.alpha = alpha;
    if (auto s = saveImage(r.value().x, outPng, so); !s) return s.error();
    return RestoreFileResult{r.value().nfe, r.value().seconds, int(mu.size(3)), int(mu.size(2)), r.value().note};
}

} // namespace reverie::restore
