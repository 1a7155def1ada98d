#include "restore/bench.h"

#include "data/fashion_mnist.h"
#include "metrics/metrics.h"
#include "restore/classical.h"
#include "restore/degrade.h"
#include "restore/pipeline.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace reverie::restore {

namespace {

struct Quality {
    double psnr = 0, ssim = 0;
};

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

std::string fmt(double v, int prec = 2) {
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", prec, v);
    return b;
}

} // namespace

Result<RestoreBenchReport> runRestoreBench(const RestoreBenchParams& bp, const JobContext& ctx) {
    return guarded<RestoreBenchReport>("bench restore", [&]() -> Result<RestoreBenchReport> {
        c10::InferenceMode inference;
        const int N = bp.samples > 0 ? bp.samples : (bp.quick ? 32 : 100);
        auto test = data::loadFashionMnist(data::Split::Test,
                                           bp.dataDir.empty() ? data::defaultFashionMnistDir() : bp.dataDir, N);
        if (!test) return test.error();
        const auto clean = data::toSigned(test.value().images);
        if (auto info = restorerInfo(bp.modelDir); !info) return info.error();

        std::vector<Degradation> tasks;
        if (bp.tasks.empty()) {
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
                     {"em", {10, 100}},                    {"ode-euler", {10, 100}}};
        }
        if (!bp.samplers.empty()) {
            std::vector<Plan> kept;
            for (const auto& pl : plans)
                if (std::find(bp.samplers.begin(), bp.samplers.end(), pl.sampler) != bp.samplers.end()) kept.push_back(pl);
            if (kept.empty()) return Result<RestoreBenchReport>::invalid("none of the requested samplers is in the plan");
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
        total *= std::int64_t(tasks.size());

        nlohmann::json j;
        j["bench"] = "restore";
        j["quick"] = bp.quick;
        j["images_per_task"] = N;
        j["lambda255"] = RestoreParams{}.lambda255;
        j["tasks"] = nlohmann::json::array();
        std::ostringstream table;
        table << "task            method              NFE    PSNR    SSIM    s/image\n";
        const double t0 = nowSeconds();
        for (const auto task : tasks) {
            auto g = at::make_generator<at::CPUGeneratorImpl>(bp.seed);
            const auto batch = degrade(clean, task, g);
            const auto degraded = measure(batch.mu, clean);
            const double tp = nowSeconds();
            const auto peer = classicalPeer(batch.mu, batch.mask, batch.params);
            const double peerSeconds = (nowSeconds() - tp) / double(N);
            const auto peerQ = measure(peer, clean);
            nlohmann::json tj;
            tj["task"] = degradationId(task);
            tj["degraded"] = {{"psnr", degraded.psnr}, {"ssim", degraded.ssim}};
            tj["classical"] = {{"psnr", peerQ.psnr}, {"ssim", peerQ.ssim}, {"seconds_per_image", peerSeconds}};
            tj["rows"] = nlohmann::json::array();
            char line[160];
            std::snprintf(line, sizeof line, "%-15s %-18s %4s  %6.2f  %6.4f\n", degradationId(task), "degraded", "-",
                          degraded.psnr, degraded.ssim);
            table << line;
            std::snprintf(line, sizeof line, "%-15s %-18s %4s  %6.2f  %6.4f  %.4f\n", degradationId(task), "classical",
                          "-", peerQ.psnr, peerQ.ssim, peerSeconds);
            table << line;
            for (const auto& pl : plans)
                for (int nfe : pl.nfes) {
                    if (ctx.cancelled()) return Result<RestoreBenchReport>::cancelled("bench restore: cancelled");
                    RestoreParams rp;
                    rp.modelDir = bp.modelDir;
                    rp.sampler = pl.sampler;
                    rp.nfe = nfe;
                    rp.seed = bp.seed;
                    rp.batch = 128;
                    auto r = restoreTensor(rp, batch.mu, {});
                    if (!r) return r.error();
                    const auto q = measure(r.value().x, clean);
                    tj["rows"].push_back({{"sampler", pl.sampler},
                                          {"nfe", r.value().nfe},
                                          {"psnr", q.psnr},
                                          {"ssim", q.ssim},
                                          {"seconds_per_image", r.value().seconds / double(N)}});
                    std::snprintf(line, sizeof line, "%-15s %-18s %4lld  %6.2f  %6.4f  %.4f\n", degradationId(task),
                                  pl.sampler.c_str(), static_cast<long long>(r.value().nfe), q.psnr, q.ssim,
                                  r.value().seconds / double(N));
                    table << line;
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
        j["seconds"] = nowSeconds() - t0;
        table << "whole bench: " << fmt(nowSeconds() - t0, 1) << " s\n";
        RestoreBenchReport rep;
        rep.json = j.dump();
        rep.table = table.str();
        return rep;
    });
}

} // namespace reverie::restore
