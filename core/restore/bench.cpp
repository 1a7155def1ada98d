#include "restore/bench.h"
#include "restore/bench_internal.h"
#include "restore/bench_table.h"

#include "base/telemetry.h"
#include "data/fashion_mnist.h"
#include "data/image_folder.h"
#include "metrics/metrics.h"
#include "models/store.h"
#include "restore/classical.h"
#include "restore/consistency.h"
#include "restore/degrade.h"
#include "restore/imageio.h"
#include "restore/pipeline.h"
#include "restore/pnp.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>
#include <sstream>

namespace reverie::restore {

namespace detail {

// The centre c × c crop of [B, C, H, W] (the whole image where a side is shorter; c ≤ 0: x).
at::Tensor centreCrop(const at::Tensor& x, std::int64_t c) {
    if (c <= 0) return x;
    const std::int64_t H = x.size(2), W = x.size(3);
    return x.narrow(2, std::max<std::int64_t>(0, (H - c) / 2), std::min(c, H))
        .narrow(3, std::max<std::int64_t>(0, (W - c) / 2), std::min(c, W))
        .contiguous();
}

// Every photo under photosDir/photoSet (recursively), or why there is none.
Result<std::vector<std::filesystem::path>> photoSetFiles(const RestoreBenchParams& bp) {
    const std::string dir = (bp.photosDir.empty() ? defaultPhotosDir() : bp.photosDir) + "/" + bp.photoSet;
    auto files = data::imageFilesUnder(dir);
    if (files.empty())
        return Result<std::vector<std::filesystem::path>>::invalid(
            "no photographs under " + dir + " (packaging/fetch-corpora.sh puts them there)");
    return files;
}

// Mean PSNR / SSIM over images, on 8-bit values.
Quality measure(const at::Tensor& restored, const at::Tensor& clean) {
    const auto a = data::toBytes(restored).to(at::kFloat), b = data::toBytes(clean).to(at::kFloat);
    Quality q;
    const std::int64_t n = a.size(0);
    for (std::int64_t i = 0; i < n; ++i) {
        q.psnr += std::min(metrics::psnr(a[i], b[i]).value(), 100.0);
        q.ssim += metrics::ssim(a[i], b[i]).value();
    }
    q.psnr /= double(n);
    q.ssim /= double(n);
    return q;
}

} // namespace detail

using detail::benchLarge;
using detail::benchPhotoLevers;
using detail::centreCrop;
using detail::measure;
using detail::photoSetFiles;
using detail::Quality;

namespace {

// Penultimate classifier features of images in [−1, 1], as stored in 8 bits, float64.
at::Tensor featuresOf(models::Classifier& c, const at::Tensor& x) {
    const auto q = data::toSigned(data::toBytes(x));
    std::vector<at::Tensor> parts;
    for (std::int64_t i = 0; i < q.size(0); i += 500)
        parts.push_back(c->features(q.slice(0, i, std::min(q.size(0), i + 500))).to(at::kDouble));
    return at::cat(parts);
}

double fdAgainst(models::Classifier& c, const at::Tensor& x, const metrics::Gaussian& ref) {
    const auto g = metrics::fitGaussian(featuresOf(c, x));
    if (!g) return std::numeric_limits<double>::quiet_NaN();
    const auto d = metrics::frechetDistance(g.value(), ref);
    return d ? d.value() : std::numeric_limits<double>::quiet_NaN();
}

std::string fmt(double v, int prec = 2) {
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", prec, v);
    return b;
}

// The held-out photographs, noised with photoSigma, restored in tiles by the photo model.
Result<nlohmann::json> benchPhotos(const RestoreBenchParams& bp, std::size_t firstUnit,
                                   const JobContext& ctx) {
    auto info = restorerInfo(bp.photoModelDir);
    if (!info) return info.error();
    const std::string dir = (bp.photosDir.empty() ? defaultPhotosDir() : bp.photosDir) + "/test";
    const auto files = data::imageFilesIn(dir);
    if (files.empty())
        return Result<nlohmann::json>::invalid("no held-out photographs in " + dir +
                                               " (packaging/install-deps.sh puts them there)");
    struct Plan {
        std::string sampler;
        std::vector<int> nfes;
    };
    std::vector<Plan> plans;
    plans.push_back({"mrs-sde-2-data", bp.quick ? std::vector<int>{10} : std::vector<int>{5, 10, 20}});
    if (!bp.quick) {
        plans.push_back({"mrs-ode-2-data", {10}});
        plans.push_back({"posterior", {10, 50}});
    }
    nlohmann::json out;
    out["model"] = info.value().name;
    out["sigma255"] = bp.photoSigma;
    out["photos"] = nlohmann::json::array();
    std::size_t unit = firstUnit;
    for (const auto& f : files) {
        if (!bp.shard.owns(unit++)) continue;
        auto loaded = loadImage(f.string());
        if (!loaded) return loaded.error();
        auto x = toChannels(loaded.value().image, 3);
        if (bp.quick) x = centreCrop(x, 96); // keeps the quick bench short
        const double mp = double(x.size(2) * x.size(3)) / 1e6;
        auto g = at::make_generator<at::CPUGeneratorImpl>(bp.seed);
        const auto noisy = addNoise(x, bp.photoSigma, g).clamp(-1.0, 1.0);
        const auto noisyQ = measure(noisy, x);
        const double tp = nowSeconds();
        const auto peer = nlmDenoise(noisy, bp.photoSigma);
        const double peerSeconds = nowSeconds() - tp;
        const auto peerQ = measure(peer, x);
        const std::string name = f.filename().string();
        nlohmann::json pj;
        pj["photo"] = name;
        pj["width"] = x.size(3);
        pj["height"] = x.size(2);
        pj["noisy"]["psnr"] = noisyQ.psnr;
        pj["noisy"]["ssim"] = noisyQ.ssim;
        pj["classical"]["method"] = "opencv-nlm-colored";
        pj["classical"]["psnr"] = peerQ.psnr;
        pj["classical"]["ssim"] = peerQ.ssim;
        pj["classical"]["seconds_per_megapixel"] = peerSeconds / mp;
        pj["rows"] = nlohmann::json::array();
        if (!bp.shard.whole()) pj["unit"] = unit - 1;
        for (const auto& pl : plans)
            for (int nfe : pl.nfes) {
                if (ctx.cancelled()) return Result<nlohmann::json>::cancelled("bench restore: cancelled");
                RestoreParams rp;
                rp.modelDir = bp.photoModelDir;
                rp.sampler = pl.sampler;
                rp.nfe = nfe;
                rp.seed = bp.seed;
                auto r = restoreTensor(rp, noisy, {});
                if (!r) return r.error();
                const auto q = measure(r.value().x, x);
                nlohmann::json row;
                row["sampler"] = pl.sampler;
                row["nfe"] = r.value().nfe;
                row["psnr"] = q.psnr;
                row["ssim"] = q.ssim;
                row["seconds_per_megapixel"] = r.value().seconds / mp;
                pj["rows"].push_back(row);
                Progress pr;
                pr.message = name + " " + pl.sampler + " @" + std::to_string(nfe) + ": " + fmt(q.psnr) + " dB";
                ctx.report(pr);
            }
        out["photos"].push_back(pj);
    }
    out["files"] = files.size(); // units used (the caller removes it)
    return out;
}

// One condition of a photo sweep: a task, and for the noise task its σ (0..255).
struct SweepCondition {
    Degradation task = Degradation::Noise;
    double sigma = 0;
    std::string label() const {
        return task == Degradation::Noise ? "noise " + fmt(sigma, 0) : std::string(degradationId(task));
    }
};

// The photo sweep: per condition, degraded / classical peer (true parameters) / model means over
// the photos of one set. Noise: photo i noised from seed + i (addNoise), NLM given the true σ
// (σ = 0: the input back). Other tasks: degrade() from seed + i with its default ranges, the
// task's classical peer given the true kernel / quality / mask (classicalPeer).
Result<nlohmann::json> benchPhotoSweep(const RestoreBenchParams& bp,
                                       const std::vector<SweepCondition>& conditions, std::size_t firstUnit,
                                       const JobContext& ctx) {
    auto info = restorerInfo(bp.photoModelDir);
    if (!info) return info.error();
    auto listed = photoSetFiles(bp);
    if (!listed) return listed.error();
    const auto& files = listed.value();
    std::vector<std::string> samplers = bp.samplers;
    if (samplers.empty()) samplers = {"mrs-sde-2-data"};
    std::vector<int> nfes = bp.nfes;
    if (nfes.empty()) nfes = {10};
    bool owned = false; // a shard without a condition of its own loads no photo
    for (std::size_t u = firstUnit; u < firstUnit + conditions.size(); ++u) owned = owned || bp.shard.owns(u);
    std::vector<at::Tensor> photos;
    for (const auto& f : files) {
        if (!owned) break;
        auto loaded = loadImage(f.string());
        if (!loaded) return loaded.error();
        photos.push_back(centreCrop(toChannels(loaded.value().image, 3), bp.photoCrop));
    }
    nlohmann::json out = {{"model", info.value().name},
                          {"set", bp.photoSet},
                          {"photos", files.size()},
                          {"crop", bp.photoCrop},
                          {"rows", nlohmann::json::array()}};
    for (const auto& id : bp.photoPnp)
        if (auto s = pnpSchedule(id, Degradation::Down2); !s) return s.error();
    const auto& pnps = bp.photoPnp; // "auto" resolves per task
    const auto scheduleOf = [&](int j, Degradation d) {
        return pnpSchedule(pnps[std::size_t(j)], d).value();
    };
    if (!pnps.empty() && bp.photoPnpModelDir.empty())
        return Result<nlohmann::json>::invalid(
            "bench restore: plug-and-play needs a noise-map photo denoiser");
    const auto pnpDenoiser = photoDenoiser(bp.photoPnpModelDir, bp.photoPnpNfe);
    std::size_t unit = firstUnit;
    for (const auto& c : conditions) {
        if (!bp.shard.owns(unit++)) continue;
        const bool noise = c.task == Degradation::Noise;
        Quality degradedQ, peerQ;
        struct Acc {
            std::string sampler;
            int nfe = 0;
            Quality q;
            int wins = 0;
            double seconds = 0;
            bool trueSigma = false;  ///< a noise-map model told the true σ (0 for the other tasks)
            double sigmaUsed = 0;    ///< sum over photos of the σ the model used (estimated or given)
            bool consistent = false; ///< told, and made consistent with the known degradation
            std::vector<double> psnrs; ///< per photo (an identical photo counts as 100 dB)
            double blend = -1; ///< ≥ 0: α·consistent(x̂) + (1 − α)·consistent(peer) (photoBlends)
            int pnp = -1;      ///< ≥ 0: plug-and-play with schedule pnps[pnp] from the consistent peer
        };
        std::vector<Acc> accs;
        for (const auto& s : samplers)
            for (int k : nfes) {
                accs.push_back({s, k, {}, 0, 0, false, 0, false, {}});
                if (bp.photoTrueSigma && info.value().noiseMap) {
                    accs.push_back({s, k, {}, 0, 0, true, 0, false, {}});
                    if (hasConsistencyStep(c.task)) {
                        accs.push_back({s, k, {}, 0, 0, true, 0, true, {}});
                        for (double alpha : bp.photoBlends)
                            accs.push_back({s, k, {}, 0, 0, true, 0, true, {}, alpha});
                    }
                }
            }
        if (hasConsistencyStep(c.task) && !isInpainting(c.task)) // a known kernel or down-sampling
            for (std::size_t j = 0; j < pnps.size(); ++j) {
                Acc a{"pnp", scheduleOf(int(j), c.task).iterations * bp.photoPnpNfe, {}, 0, 0, true, 0, true,
                      {}};
                a.pnp = int(j);
                accs.push_back(a);
            }
        double mp = 0;
        for (std::size_t i = 0; i < photos.size(); ++i) {
            if (ctx.cancelled()) return Result<nlohmann::json>::cancelled("bench restore: cancelled");
            const auto& x = photos[i];
            mp += double(x.size(2) * x.size(3)) / 1e6;
            auto g = at::make_generator<at::CPUGeneratorImpl>(bp.seed + i);
            at::Tensor mu, peer;
            KnownDegradation known;
            if (noise) {
                mu = c.sigma > 0 ? addNoise(x, c.sigma, g).clamp(-1.0, 1.0) : x.clone();
                peer = nlmDenoise(mu, c.sigma);
            } else {
                const auto d = degrade(x, c.task, g);
                mu = d.mu;
                peer = classicalPeer(d.mu, d.mask, d.params, photoPeerOptions(c.task));
                known = knownOf(d, x);
            }
            const auto dq = measure(mu, x);
            const auto pq = measure(peer, x);
            degradedQ.psnr += dq.psnr, degradedQ.ssim += dq.ssim, peerQ.psnr += pq.psnr, peerQ.ssim += pq.ssim;
            at::Tensor lastConsistent, peerConsistent; // the "+dc" row's output, the peer's made consistent
            for (auto& a : accs) {
                if (a.blend >= 0) { // from the "+dc" row before it: no new run
                    if (!peerConsistent.defined()) peerConsistent = consistent(peer, known);
                    const auto q = measure(a.blend * lastConsistent + (1.0 - a.blend) * peerConsistent, x);
                    a.q.psnr += q.psnr, a.q.ssim += q.ssim;
                    a.psnrs.push_back(q.psnr);
                    a.wins += q.psnr > pq.psnr ? 1 : 0;
                    continue;
                }
                if (a.pnp >= 0) { // plug-and-play with the photo denoiser, from the consistent peer
                    if (!peerConsistent.defined()) peerConsistent = consistent(peer, known);
                    const auto t0 = std::chrono::steady_clock::now();
                    auto r = plugAndPlay(peerConsistent, known, pnpDenoiser, scheduleOf(a.pnp, c.task), ctx);
                    if (!r) return r.error();
                    a.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                    const auto q = measure(r.value(), x);
                    a.q.psnr += q.psnr, a.q.ssim += q.ssim;
                    a.psnrs.push_back(q.psnr);
                    a.wins += q.psnr > pq.psnr ? 1 : 0;
                    continue;
                }
                RestoreParams rp;
                rp.modelDir = bp.photoModelDir;
                rp.sampler = a.sampler;
                rp.nfe = a.nfe;
                rp.seed = bp.seed + i;
                if (bp.photoLambda > 0) rp.lambda255 = bp.photoLambda;
                if (a.trueSigma) { // told what the input is: its σ and its task
                    rp.noiseSigma255 = noise ? c.sigma : 0.0;
                    rp.task = degradationId(c.task);
                }
                // As restoreFile() does with a known mask: the holes start from OpenCV's fill.
                const bool fill = a.consistent && isInpainting(c.task) &&
                                  holesStartFromTelea(bp.photoModelDir, mu.size(2), mu.size(3));
                auto r = restoreTensor(rp, fill ? inpaintCv(mu, known.mask) : mu, {});
                if (!r) return r.error();
                if (a.consistent) lastConsistent = consistent(r.value().x, known);
                const auto q = measure(a.consistent ? lastConsistent : r.value().x, x);
                a.q.psnr += q.psnr, a.q.ssim += q.ssim, a.seconds += r.value().seconds;
                a.psnrs.push_back(q.psnr);
                if (!r.value().noiseSigma255.empty()) a.sigmaUsed += r.value().noiseSigma255.front();
                a.wins += q.psnr > pq.psnr ? 1 : 0;
                a.nfe = int(r.value().nfe);
            }
            Progress pr;
            pr.message = c.label() + ": " + files[i].filename().string();
            ctx.report(pr);
        }
        const double n = double(photos.size());
        const char* peerName = noise ? "opencv-nlm-colored" : classicalPeerId(c.task);
        nlohmann::json row = {{"task", degradationId(c.task)},
                              {"noisy", {{"psnr", degradedQ.psnr / n}, {"ssim", degradedQ.ssim / n}}},
                              {"classical", {{"method", peerName}, {"psnr", peerQ.psnr / n}, {"ssim", peerQ.ssim / n}}},
                              {"model", nlohmann::json::array()}};
        if (noise) row["sigma255"] = c.sigma;
        if (!bp.shard.whole()) row["unit"] = unit - 1;
        for (const auto& a : accs) {
            nlohmann::json m = {
                {"sampler", a.sampler}, {"nfe", a.nfe},
                {"psnr", a.q.psnr / n}, {"ssim", a.q.ssim / n},
                {"wins", a.wins},       {"seconds_per_megapixel", mp > 0 ? a.seconds / mp : 0.0}};
            if (info.value().taskLabels) m["task_given"] = a.trueSigma;
            if (a.consistent) m["consistent"] = true;
            if (a.blend >= 0) m["blend"] = a.blend;
            if (a.pnp >= 0)
                m["pnp"] =
                    scheduleOf(a.pnp, c.task).id() + (pnps[std::size_t(a.pnp)] == "auto" ? " (auto)" : "");
            if (!a.psnrs.empty()) {
                auto v = a.psnrs;
                std::sort(v.begin(), v.end());
                m["psnr_median"] = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
                m["identical"] = std::count_if(v.begin(), v.end(), [](double x) { return x >= 100.0; });
            }
            if (info.value().noiseMap) {
                m["noise_sigma"] = a.trueSigma ? "given" : "estimated";
                m["noise_sigma_mean"] = a.sigmaUsed / n;
            }
            row["model"].push_back(m);
        }
        out["rows"].push_back(row);
    }
    return out;
}

} // namespace

std::string defaultPhotosDir() {
    if (const char* e = std::getenv("REVERIE_PHOTOS_DIR"); e && *e) return e;
    return "/usr/local/share/reverie/photos";
}

Result<RestoreBenchReport> runRestoreBench(const RestoreBenchParams& bp, const JobContext& ctx) {
    return guarded<RestoreBenchReport>("bench restore", [&]() -> Result<RestoreBenchReport> {
        c10::InferenceMode inference;
        const int N = bp.samples > 0 ? bp.samples : (bp.quick ? 32 : 100);
        at::Tensor clean;
        std::optional<models::Classifier> classifier;
        std::optional<metrics::Gaussian> cleanFeatures;
        if (bp.fmnist) {
            auto test = data::loadFashionMnist(data::Split::Test,
                                               bp.dataDir.empty() ? data::defaultFashionMnistDir() : bp.dataDir, N);
            if (!test) return test.error();
            clean = data::toSigned(test.value().images);
            if (auto info = restorerInfo(bp.modelDir); !info) return info.error();
            if (!bp.classifierDir.empty()) {
                auto c = models::loadClassifierFolder(bp.classifierDir);
                if (!c) return c.error();
                classifier = c.value();
                auto g = metrics::fitGaussian(featuresOf(*classifier, clean));
                if (!g) return g.error();
                cleanFeatures = g.value();
            }
        }
        auto fdOf = [&](const at::Tensor& x) {
            return classifier ? fdAgainst(*classifier, x, *cleanFeatures) : std::numeric_limits<double>::quiet_NaN();
        };

        std::vector<Degradation> tasks;
        if (!bp.fmnist) {
        } else if (bp.tasks.empty()) {
            tasks = bp.quick ? std::vector<Degradation>{Degradation::Noise, Degradation::Down4, Degradation::InpaintBox}
                             : allDegradations();
        } else {
            for (const auto& id : bp.tasks) {
                auto d = parseDegradation(id);
                if (!d) return Result<RestoreBenchReport>::invalid("unknown task '" + id + "'");
                tasks.push_back(*d);
            }
        }
        struct Plan {
            std::string sampler;
            std::vector<int> nfes;
        };
        std::vector<Plan> plans;
        if (bp.quick) {
            plans = {{"posterior", {10, 20}}, {"mrs-sde-2-data", {10}}, {"mrs-sde-2-noise", {5}}};
        } else {
            plans = {{"posterior", {5, 10, 20, 50, 100}}, {"mrs-sde-2-data", {5, 10, 20, 50, 100}},
                     {"mrs-ode-2-data", {5, 10, 20}},      {"mrs-sde-1-data", {5, 10, 20}},
                     {"mrs-sde-2-noise", {5, 10, 20}},     {"mrs-ode-1-noise", {5, 10, 20}},
                     {"em", {10, 100}},                    {"ode-euler", {10, 100}},
                     {"posterior-1step", {10, 20, 100}}}; // the paper's baseline (docs/methods.md)
        }
        if (!bp.samplers.empty() && bp.fmnist) { // the photo sections take any sampler
            std::vector<Plan> kept;
            for (const auto& pl : plans)
                if (std::find(bp.samplers.begin(), bp.samplers.end(), pl.sampler) != bp.samplers.end())
                    kept.push_back(pl);
            if (kept.empty())
                return Result<RestoreBenchReport>::invalid("none of the requested samplers is in the plan");
            plans = kept;
        }
        if (!bp.nfes.empty()) {
            for (auto& pl : plans) {
                std::vector<int> keep;
                for (int n : pl.nfes)
                    if (std::find(bp.nfes.begin(), bp.nfes.end(), n) != bp.nfes.end()) keep.push_back(n);
                pl.nfes = keep;
            }
        }
        std::int64_t total = 0, done = 0;
        for (const auto& pl : plans) total += std::int64_t(pl.nfes.size());
        total *= std::int64_t(bp.shard.share(tasks.size()));

        nlohmann::json j;
        j["bench"] = "restore";
        j["quick"] = bp.quick;
        j["images_per_task"] = bp.fmnist ? N : 0;
        j["lambda255"] = RestoreParams{}.lambda255;
        j["tasks"] = nlohmann::json::array();
        const auto name = [](const std::string& dir) {
            return std::filesystem::path(dir).filename().string();
        };
        j["config"] = {{"model", name(bp.modelDir)},
                       {"quick", bp.quick},
                       {"samples", N},
                       {"tasks", bp.tasks},
                       {"samplers", bp.samplers},
                       {"nfes", bp.nfes},
                       {"seed", bp.seed},
                       {"fd", !bp.classifierDir.empty()},
                       {"fmnist", bp.fmnist},
                       {"photo_model", name(bp.photoModelDir)},
                       {"photos", bp.photos},
                       {"photo_sigma", bp.photoSigma},
                       {"large", bp.largeMegapixels},
                       {"photo_sigmas", bp.photoSigmas},
                       {"photo_set", bp.photoSet},
                       {"photo_crop", bp.photoCrop},
                       {"photo_true_sigma", bp.photoTrueSigma},
                       {"photo_tasks", bp.photoTasks},
                       {"photo_lambda", bp.photoLambda},
                       {"photo_levers", bp.photoLevers},
                       {"photo_lever_ids", bp.photoLeverIds}};
        if (!bp.shard.whole()) j["shard"] = bp.shard.json();
        const double t0 = nowSeconds();
        std::size_t unit =
            0; // units: the Fashion-MNIST tasks, then the photo conditions or photos, then the large run
        for (const auto task : tasks) {
            if (!bp.shard.owns(unit++)) continue;
            auto g = at::make_generator<at::CPUGeneratorImpl>(bp.seed);
            const auto batch = degrade(clean, task, g);
            const auto degraded = measure(batch.mu, clean);
            const double tp = nowSeconds();
            const auto peer = classicalPeer(batch.mu, batch.mask, batch.params);
            const double peerSeconds = (nowSeconds() - tp) / double(N);
            const auto peerQ = measure(peer, clean);
            const double degradedFd = fdOf(batch.mu), peerFd = fdOf(peer);
            nlohmann::json tj;
            tj["task"] = degradationId(task);
            tj["degraded"] = {{"psnr", degraded.psnr}, {"ssim", degraded.ssim}};
            tj["classical"] = {{"psnr", peerQ.psnr}, {"ssim", peerQ.ssim}, {"seconds_per_image", peerSeconds}};
            if (classifier) {
                tj["degraded"]["fd"] = degradedFd;
                tj["classical"]["fd"] = peerFd;
            }
            tj["rows"] = nlohmann::json::array();
            if (!bp.shard.whole()) tj["unit"] = unit - 1;
            for (const auto& pl : plans)
                for (int nfe : pl.nfes) {
                    if (ctx.cancelled())
                        return Result<RestoreBenchReport>::cancelled("bench restore: cancelled");
                    RestoreParams rp;
                    rp.modelDir = bp.modelDir;
                    rp.sampler = pl.sampler;
                    rp.nfe = nfe;
                    rp.seed = bp.seed;
                    rp.batch = 128;
                    auto r = restoreTensor(rp, batch.mu, {});
                    if (!r) return r.error();
                    const auto q = measure(r.value().x, clean);
                    const double fd = fdOf(r.value().x);
                    nlohmann::json row = {{"sampler", pl.sampler},
                                          {"nfe", r.value().nfe},
                                          {"psnr", q.psnr},
                                          {"ssim", q.ssim},
                                          {"seconds_per_image", r.value().seconds / double(N)}};
                    if (classifier) row["fd"] = fd;
                    tj["rows"].push_back(row);
                    Progress pr;
                    pr.step = ++done;
                    pr.total = total;
                    pr.nfe = r.value().nfe;
                    pr.message = std::string(degradationId(task)) + " " + pl.sampler + " @" + std::to_string(nfe) +
                                 ": " + fmt(q.psnr) + " dB";
                    ctx.report(pr);
                }
            j["tasks"].push_back(tj);
        }
        if (bp.photos && !bp.photoModelDir.empty() && bp.photoLevers) {
            auto lj = benchPhotoLevers(bp, unit, ctx);
            if (!lj) return lj.error();
            unit += lj.value()["levers"].get<std::size_t>();
            lj.value().erase("levers");
            j["levers"] = lj.value();
        } else if (bp.photos && !bp.photoModelDir.empty() &&
                   (!bp.photoSigmas.empty() || !bp.photoTasks.empty())) {
            // The task sweep (its noise rows at each σ of photoSigmas, else photoSigma), or the σ sweep.
            std::vector<SweepCondition> conditions;
            const auto sigmas = bp.photoSigmas.empty() ? std::vector<double>{bp.photoSigma} : bp.photoSigmas;
            std::vector<std::string> ids = bp.photoTasks;
            if (ids.empty()) ids = {"noise"};
            for (const auto& id : ids) {
                const auto d = parseDegradation(id);
                if (!d) return Result<RestoreBenchReport>::invalid("unknown photo task '" + id + "'");
                if (*d == Degradation::Noise)
                    for (double s : sigmas) conditions.push_back({*d, s});
                else
                    conditions.push_back({*d, 0});
            }
            auto sj = benchPhotoSweep(bp, conditions, unit, ctx);
            if (!sj) return sj.error();
            unit += conditions.size();
            j[bp.photoTasks.empty() ? "sigma_sweep" : "task_sweep"] = sj.value();
        } else if (bp.photos && !bp.photoModelDir.empty()) {
            auto pj = benchPhotos(bp, unit, ctx);
            if (!pj) return pj.error();
            unit += pj.value()["files"].get<std::size_t>();
            pj.value().erase("files");
            j["photos"] = pj.value();
        }
        if (bp.largeMegapixels > 0 && bp.shard.owns(unit++)) {
            auto lj = benchLarge(bp, ctx);
            if (!lj) return lj.error();
            j["large"] = lj.value();
        }
        j["seconds"] = nowSeconds() - t0;
        RestoreBenchReport rep;
        rep.json = j.dump();
        rep.table = benchTable(j);
        return rep;
    });
}

} // namespace reverie::restore
