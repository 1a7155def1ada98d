// `bench restore`: the photo model's speed levers and the large-image run (restore/bench.h).
#include "restore/bench_internal.h"

#include "base/telemetry.h"
#include "data/fashion_mnist.h"
#include "data/image_folder.h"
#include "metrics/metrics.h"
#include "restore/classical.h"
#include "restore/degrade.h"
#include "restore/imageio.h"
#include "restore/pipeline.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace reverie::restore::detail {

// The photo model's speed levers on the held-out photos at σ = photoSigma (noise estimated, as
// `reverie-cli restore` does): for each lever — NFE, tile size, overlap, the one-step x̂₀ —
// seconds per megapixel and PSNR / SSIM, beside OpenCV's colour NLM given the true σ. Photo i is
// noised from seed + i; every lever sees the same inputs.
Result<nlohmann::json> benchPhotoLevers(const RestoreBenchParams& bp, std::size_t firstUnit,
                                        const JobContext& ctx) {
    auto info = restorerInfo(bp.photoModelDir);
    if (!info) return info.error();
    auto listed = photoSetFiles(bp);
    if (!listed) return listed.error();
    const auto& files = listed.value();
    const std::string sampler = info.value().samplerOrDefault();
    const int nfe = info.value().nfeOrDefault();
    const int own = info.value().imageSize;
    struct Lever {
        std::string id, label, sampler;
        int nfe = 0, tile = 0,
            overlap = 0; // as RestoreParams: tile 0 the model's, overlap 0 a quarter, −1 none
        int batch = 0;   // tiles per network batch (0: RestoreParams' default)
    };
    std::vector<Lever> levers = {
        {"default", "default", sampler, nfe, 0, 0},
        {"nfe5", "5 NFE", sampler, 5, 0, 0},
        {"overlap8", "overlap 8", sampler, nfe, 0, 8},
        {"no-overlap", "no overlap", sampler, nfe, 0, -1},
        {"tile128", "tile 128", sampler, nfe, 128, 16},
        {"tile256", "tile 256", sampler, nfe, 256, 16},
        {"tile256-nfe5", "tile 256, 5 NFE", sampler, 5, 256, 16},
        {"tile256-nfe2", "tile 256, 2 NFE", sampler, 2, 256, 16},
        {"one-step-256", "one step (x0 preview), tile 256", "mrs-sde-1-data", 1, 256, 16},
        {"nfe2-overlap8", "2 NFE, overlap 8", sampler, 2, 0, 8},
        {"nfe2-no-overlap", "2 NFE, no overlap", sampler, 2, 0, -1},
        {"one-step-overlap8", "one step (x0 preview), overlap 8", "mrs-ode-1-data", 1, 0, 8},
        {"one-step-no-overlap", "one step (x0 preview), no overlap", "mrs-ode-1-data", 1, 0, -1},
        {"one-step-no-overlap-b4", "one step, no overlap, batch 4", "mrs-ode-1-data", 1, 0, -1, 4},
        {"one-step-no-overlap-b64", "one step, no overlap, batch 64", "mrs-ode-1-data", 1, 0, -1, 64},
        {"default-b64", "default, batch 64", sampler, nfe, 0, 0, 64},
    };
    if (!bp.photoLeverIds.empty()) {
        std::vector<Lever> kept;
        for (const auto& id : bp.photoLeverIds) {
            const auto it =
                std::find_if(levers.begin(), levers.end(), [&](const Lever& l) { return l.id == id; });
            if (it == levers.end()) {
                std::string known;
                for (const auto& l : levers) known += (known.empty() ? "" : ", ") + l.id;
                return Result<nlohmann::json>::invalid("unknown speed lever '" + id + "' (known: " + known +
                                                       ")");
            }
            kept.push_back(*it);
        }
        levers = kept;
    }
    std::vector<at::Tensor> clean, noisy;
    double mp = 0, peerSeconds = 0;
    Quality noisyQ, peerQ;
    for (std::size_t i = 0; i < files.size(); ++i) {
        auto loaded = loadImage(files[i].string());
        if (!loaded) return loaded.error();
        clean.push_back(centreCrop(toChannels(loaded.value().image, 3), bp.photoCrop));
        auto g = at::make_generator<at::CPUGeneratorImpl>(bp.seed + i);
        noisy.push_back(addNoise(clean.back(), bp.photoSigma, g).clamp(-1.0, 1.0));
        mp += double(clean.back().size(2) * clean.back().size(3)) / 1e6;
        const double t0 = nowSeconds();
        const auto peer = nlmDenoise(noisy.back(), bp.photoSigma);
        peerSeconds += nowSeconds() - t0;
        const auto dq = measure(noisy.back(), clean.back()), pq = measure(peer, clean.back());
        noisyQ.psnr += dq.psnr, noisyQ.ssim += dq.ssim, peerQ.psnr += pq.psnr, peerQ.ssim += pq.ssim;
    }
    const double n = double(files.size());
    nlohmann::json out = {{"model", info.value().name},
                          {"set", bp.photoSet},
                          {"photos", files.size()},
                          {"crop", bp.photoCrop},
                          {"megapixels", mp},
                          {"sigma255", bp.photoSigma},
                          {"model_tile", own},
                          {"noisy", {{"psnr", noisyQ.psnr / n}, {"ssim", noisyQ.ssim / n}}},
                          {"classical",
                           {{"method", "opencv-nlm-colored"},
                            {"psnr", peerQ.psnr / n},
                            {"ssim", peerQ.ssim / n},
                            {"seconds_per_megapixel", peerSeconds / mp}}},
                          {"rows", nlohmann::json::array()}};
    std::size_t unit = firstUnit;
    for (const auto& lv : levers) {
        if (!bp.shard.owns(unit++)) continue;
        Quality q;
        double seconds = 0, networkSeconds = 0;
        std::int64_t usedNfe = 0;
        for (std::size_t i = 0; i < files.size(); ++i) {
            if (ctx.cancelled()) return Result<nlohmann::json>::cancelled("bench restore: cancelled");
            RestoreParams rp;
            rp.modelDir = bp.photoModelDir;
            rp.sampler = lv.sampler;
            rp.nfe = lv.nfe;
            rp.seed = bp.seed + i;
            rp.tileSize = lv.tile;
            rp.tileOverlap = lv.overlap;
            if (lv.batch > 0) rp.tileBatch = lv.batch;
            // The whole call, as `reverie-cli restore` spends it: the noise-level estimate too.
            const double t0 = nowSeconds();
            auto r = restoreTensor(rp, noisy[i], {});
            if (!r) return r.error();
            seconds += nowSeconds() - t0;
            const auto one = measure(r.value().x, clean[i]);
            q.psnr += one.psnr, q.ssim += one.ssim;
            networkSeconds += r.value().networkSeconds;
            usedNfe = r.value().nfe;
            Progress pr;
            pr.message = "levers: " + lv.label + ": " + files[i].filename().string();
            ctx.report(pr);
        }
        const int tile = lv.tile > 0 ? lv.tile : own;
        const int overlap = lv.overlap < 0 ? 0 : lv.overlap > 0 ? lv.overlap : std::max(4, tile / 4);
        nlohmann::json row = {{"lever", lv.label},
                              {"id", lv.id},
                              {"sampler", lv.sampler},
                              {"nfe", usedNfe},
                              {"tile", tile},
                              {"overlap", overlap},
                              {"batch", lv.batch > 0 ? lv.batch : RestoreParams{}.tileBatch},
                              {"psnr", q.psnr / n},
                              {"ssim", q.ssim / n},
                              {"seconds_per_megapixel", seconds / mp},
                              {"network_seconds_per_megapixel", networkSeconds / mp}};
        if (!bp.shard.whole()) row["unit"] = unit - 1;
        out["rows"].push_back(row);
    }
    out["levers"] = levers.size(); // units used (the caller removes it)
    return out;
}

// One held-out photo upscaled to largeMegapixels (4:3), noised and restored in tiles at the card's
// sampling.
Result<nlohmann::json> benchLarge(const RestoreBenchParams& bp, const JobContext& ctx) {
    if (bp.photoModelDir.empty())
        return Result<nlohmann::json>::invalid("the large-image run needs the photo model");
    const std::string dir = (bp.photosDir.empty() ? defaultPhotosDir() : bp.photosDir) + "/test";
    const auto files = data::imageFilesIn(dir);
    if (files.empty()) return Result<nlohmann::json>::invalid("no held-out photographs in " + dir);
    auto loaded = loadImage(files.back().string());
    if (!loaded) return loaded.error();
    const auto src = toChannels(loaded.value().image, 3);
    const auto W = std::int64_t(std::llround(std::sqrt(bp.largeMegapixels * 1e6 * 4.0 / 3.0)));
    const auto H = std::int64_t(std::llround(double(W) * 3.0 / 4.0));
    at::Tensor noisy, cleanBytes; // the reference as 8-bit (PSNR is on 8-bit values): 1/4 of a float copy
    {
        const auto clean = upscaleBicubicCv(src, H, W);
        auto g = at::make_generator<at::CPUGeneratorImpl>(bp.seed);
        noisy = addNoise(clean, bp.photoSigma, g).clamp(-1.0, 1.0);
        cleanBytes = data::toBytes(clean);
    }
    const double mp = double(H * W) / 1e6;
    const auto rssBefore = telemetry::residentBytes();
    // The restoration's own peak: from here (the noisy input already held, as after loading a
    // file), not the making of the test image before it.
    const bool phasePeak = telemetry::resetResidentPeak();
    RestoreParams rp;
    rp.modelDir = bp.photoModelDir;
    auto info = restorerInfo(bp.photoModelDir);
    if (!info) return info.error();
    // The card's sampling, as `reverie-cli restore` uses it, and the default tile batch.
    rp.sampler = info.value().samplerOrDefault();
    rp.nfe = info.value().nfeOrDefault();
    rp.seed = bp.seed;
    auto r = restoreTensor(rp, noisy, ctx);
    if (!r) return r.error();
    const auto peak = phasePeak ? telemetry::residentPeakBytes() : telemetry::sample().rssPeakBytes;
    // PSNR only: SSIM's windows over 12 MP would need tens of GB (metrics::ssim unfolds them).
    const auto psnrOf = [&](const at::Tensor& x) {
        return metrics::psnr(data::toBytes(x).to(at::kFloat), cleanBytes.to(at::kFloat)).value();
    };
    const double psnrBefore = psnrOf(noisy), psnrAfter = psnrOf(r.value().x);
    nlohmann::json out = {{"photo", files.back().filename().string()},
                          {"width", W},
                          {"height", H},
                          {"megapixels", mp},
                          {"sampler", rp.sampler},
                          {"nfe", r.value().nfe},
                          {"seconds", r.value().seconds},
                          {"seconds_per_megapixel", r.value().seconds / mp},
                          {"tile_batch", rp.tileBatch},
                          {"psnr_noisy", psnrBefore},
                          {"psnr_restored", psnrAfter},
                          {"rss_before_mib", double(rssBefore) / 1048576.0},
                          {"peak_rss_mib", double(peak) / 1048576.0},
                          {"peak_rss_scope", phasePeak ? "restoration" : "process"},
                          {"rss_added_mib", double(peak - rssBefore) / 1048576.0},
                          {"image_mib", double(noisy.numel()) * 4.0 / 1048576.0}};
    return out;
}

} // namespace reverie::restore::detail
