#include "generate/generate.h"
#include "generate/internal.h"

#include "data/fashion_mnist.h"
#include "models/zoo.h"
#include "metrics/metrics.h"
#include "models/classifier.h"
#include "models/unet.h"
#include "engine/sde/param.h"
#include "engine/sde/sde.h"
#include "engine/solvers/common.h"
#include "engine/solvers/dlg.h"
#include "engine/solvers/edm.h"
#include "engine/solvers/exp.h"
#include "engine/solvers/likelihood.h"
#include "engine/solvers/ode.h"
#include "engine/solvers/pc.h"
#include "base/telemetry.h"
#include "models/store.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

namespace reverie::generate {

using namespace detail;

Result<BenchReport> runBench(const BenchParams& bp, const JobContext& ctx) {
    return guarded<BenchReport>("bench generate", [&]() -> Result<BenchReport> {
        std::optional<c10::InferenceMode> inference(std::in_place); // off again for the likelihood (autograd)
        const int N = bp.samples > 0 ? bp.samples : (bp.quick ? 32 : 200);
        auto model = loadGenerator(bp.modelDir);
        if (!model) return model.error();
        EvalSet e{bp.classifierDir, bp.dataDir};
        auto ref = reference(e);
        if (!ref) return ref.error();
        const double tStart = nowSeconds();

        nlohmann::json j;
        j["bench"] = "generate";
        j["quick"] = bp.quick;
        j["samples_per_point"] = N;
        j["sde"] = "vp";
        j["guidance"] = 1.0;
        j["labels"] = "item i → class i mod 10";
        std::ostringstream table;

        // Floors: FD of real images against the test set. Two disjoint test halves (5000 each), and
        // N training images vs the test set: FD is biased upwards at small N, so this is the floor
        // to read the samplers' figures against.
        {
            const auto& tf = ref.value()->testFeatures;
            auto a = metrics::fitGaussian(tf.slice(0, 0, 5000));
            auto b = metrics::fitGaussian(tf.slice(0, 5000, 10000));
            if (!a || !b) return Result<BenchReport>::failed("cannot fit the test features");
            auto fd = metrics::frechetDistance(a.value(), b.value());
            if (!fd) return fd.error();
            j["fd_real_halves_5000"] = fd.value();
            auto train = bp.dataDir.empty() ? data::loadFashionMnist(data::Split::Train)
                                            : data::loadFashionMnist(data::Split::Train, bp.dataDir);
            if (!train) return train.error();
            auto g = at::make_generator<at::CPUGeneratorImpl>(bp.seed + 99);
            const auto idx = at::randperm(train.value().size(), g, at::kLong).slice(0, 0, N);
            auto sc = scoreTensor(*ref.value(), train.value().images.index_select(0, idx), {});
            if (!sc) return sc.error();
            j["fd_real_train_n"] = sc.value().fd;
            j["real_confident"] = sc.value().confident;
            table << "FD floor: test half vs half (5000) " << fmt(j["fd_real_halves_5000"].get<double>())
                  << "; " << N << " training images vs test " << fmt(sc.value().fd) << " (confident "
                  << fmt(100 * sc.value().confident, 1) << "%)\n";
        }

        struct Plan {
            std::string id;
            std::vector<int> nfes;
            std::string estimator = "net"; ///< DLG only
        };
        std::vector<Plan> plans;
        if (bp.quick) {
            plans = {{"em", {10, 20}}, {"dpmpp-2m", {10, 20}}, {"edm-heun", {10, 20}}};
        } else {
            plans = {{"em", {10, 20, 50, 200}}, {"pc", {10, 20, 50}},       {"ode-euler", {10, 20, 50}},
                     {"ode-rk45", {10, 20, 50}}, {"edm-heun", {10, 20, 50}}, {"dpmpp-2m", {10, 20, 50}},
                     {"edm-sde", {10, 20, 50}},  {"dlg", {10, 20, 50}},     {"dlg", {10, 20, 50}, "haar"}};
        }
        if (!bp.samplers.empty()) {
            std::vector<Plan> kept;
            for (const auto& pl : plans)
                if (std::find(bp.samplers.begin(), bp.samplers.end(), pl.id) != bp.samplers.end()) kept.push_back(pl);
            if (kept.empty()) return Result<BenchReport>::invalid("none of the requested samplers is in the bench plan");
            plans = kept;
        }
        int64_t totalPoints = 0, done = 0;
        for (const auto& pl : plans) totalPoints += int64_t(pl.nfes.size());
        const auto s = makeSde("vp");
        j["rows"] = nlohmann::json::array();
        table << "sampler        NFE(budget)  NFE/sample  FD  confident  s/sample\n";
        for (const auto& pl : plans)
            for (int n : pl.nfes) {
                if (ctx.cancelled()) return Result<BenchReport>::cancelled("bench generate: cancelled");
                GenerateParams q;
                q.modelDir = bp.modelDir;
                q.sde = "vp";
                q.sampler = pl.id;
                q.nfe = n;
                q.seed = bp.seed;
                q.noiseEstimator = pl.estimator;
                if (pl.id == "ode-rk45") q.rk45Tolerance = rk45ToleranceFor(n);
                auto r = sampleMany(q, model.value(), *s, N, ctx, false, false);
                if (!r) return r.error();
                auto sc = scoreTensor(*ref.value(), fromImages(r.value().items), r.value().labels);
                if (!sc) return sc.error();
                nlohmann::json row;
                row["sampler"] = pl.id;
                row["nfe_budget"] = n;
                row["nfe"] = r.value().nfe;
                row["nfe_per_sample"] = r.value().nfePerSample;
                row["fd"] = sc.value().fd;
                row["confident"] = sc.value().confident;
                row["label_agreement"] = sc.value().agreement;
                row["histogram"] = sc.value().histogram;
                row["seconds_per_sample"] = r.value().seconds / N;
                if (pl.id == "ode-rk45") row["tolerance"] = q.rk45Tolerance;
                if (pl.id == "dlg") {
                    row["noise_estimator"] = pl.estimator;
                    row["chain"] = r.value().detail;
                }
                j["rows"].push_back(row);
                const std::string label = pl.id == "dlg" ? pl.id + "/" + pl.estimator : pl.id;
                char line[160];
                std::snprintf(line, sizeof line, "%-14s %6d %8.1f  %7.2f  %6.1f%%   %.4f\n", label.c_str(), n,
                              r.value().nfePerSample, sc.value().fd, 100 * sc.value().confident, r.value().seconds / N);
                table << line;
                if (!r.value().detail.empty()) table << "               " << r.value().detail << "\n";
                Progress pr;
                pr.step = ++done;
                pr.total = totalPoints;
                pr.nfe = r.value().nfe;
                pr.message = label + " @" + std::to_string(n) + ": FD " + fmt(sc.value().fd);
                ctx.report(pr);
            }

        // DLG's noise-level estimators on noisy test images.
        if (bp.samplers.empty() || std::find(bp.samplers.begin(), bp.samplers.end(), "dlg") != bp.samplers.end()) {
            const std::vector<double> sigmas = {0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0};
            auto nl = evaluateNoiseLevel(sigmas, bp.quick ? 200 : 2000, bp.seed, bp.dataDir);
            if (!nl) return nl.error();
            j["noise_level"] = nlohmann::json::array();
            table << "noise-level estimators, median |log σ̂ − log σ| on " << (bp.quick ? 200 : 2000)
                  << " test images (net | haar):";
            for (const auto& pt : nl.value()) {
                j["noise_level"].push_back({{"sigma", pt.sigma}, {"net", pt.netError}, {"haar", pt.haarError}});
                table << "  σ=" << fmt(pt.sigma, 2) << " " << fmt(pt.netError, 3) << " | " << fmt(pt.haarError, 3);
            }
            table << "\n";
        }

        // Likelihood on the test set through the PF-ODE (needs autograd: leave inference mode).
        inference.reset();
        LikelihoodParams lp;
        lp.modelDir = bp.modelDir;
        lp.dataDir = bp.dataDir;
        lp.count = bp.quick ? 2 : 32;
        lp.tolerance = bp.quick ? 1e-2 : 1e-3;
        lp.batch = bp.quick ? 2 : 32;
        lp.seed = bp.seed;
        auto lk = runLikelihood(lp, ctx);
        if (!lk) return lk.error();
        j["likelihood"] = {{"bpd", lk.value().bpd},
                           {"bpd_stderr", lk.value().bpdStdErr},
                           {"images", lk.value().images},
                           {"method", "PF-ODE (VP), RK45 rtol = atol = " + fmt(lp.tolerance, 5) + ", Rademacher trace, uniform dequantisation"},
                           {"nfe", lk.value().nfe},
                           {"seconds", lk.value().seconds}};
        table << "bits/dim (" << lk.value().images << " test images, PF-ODE RK45 tol " << fmt(lp.tolerance, 5)
              << ", NFE " << lk.value().nfe << "): " << fmt(lk.value().bpd, 3) << " ± " << fmt(lk.value().bpdStdErr, 3) << "\n";
        j["seconds"] = nowSeconds() - tStart;
        BenchReport rep;
        rep.json = j.dump();
        rep.table = table.str();
        return rep;
    });
}

} // namespace reverie::generate
