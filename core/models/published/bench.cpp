#include "models/published/bench.h"

#include "base/telemetry.h"
#include "models/published/load.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

namespace reverie::models::published {

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

template <class F>
Result<double> timed(int repeats, const JobContext& ctx, F&& f) {
    f(); // warm-up: first-call allocations and kernel selection
    std::vector<double> s;
    for (int i = 0; i < repeats; ++i) {
        if (ctx.cancelled()) return Result<double>::cancelled("bench published: cancelled");
        const double t0 = nowSeconds();
        f();
        s.push_back(nowSeconds() - t0);
    }
    return median(s);
}

double mib(std::int64_t bytes) { return double(bytes) / 1048576.0; }

} // namespace

Result<PublishedBenchReport> runPublishedBench(const PublishedBenchParams& p, const JobContext& ctx) {
    using R = Result<PublishedBenchReport>;
    if (p.repeats < 1 || p.frames < 64 || p.frames % 64 != 0 || p.imageSide < 16)
        return R::invalid("bench published: repeats >= 1, frames a multiple of 64, image side >= 16");
    return guarded<PublishedBenchReport>("bench published", [&]() -> R {
        c10::InferenceMode inference;
        nlohmann::json j = {{"bench", "published"}, {"threads", at::get_num_threads()}, {"networks", nlohmann::json::array()}};
        std::ostringstream t;
        char line[256];
        t << "Published networks at full size (random values; batch 1, float32, " << at::get_num_threads()
          << " thread(s))\n";
        auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
        if (p.sgmse) {
            nlohmann::json config;
            auto m = std::dynamic_pointer_cast<NCSNppImpl>(buildDefault(Architecture::SgmseNcsnpp, &config));
            m->eval();
            const auto x = at::randn({1, 4, 256, p.frames}, gen);
            const auto tt = at::full({1}, 0.5f);
            auto s = timed(p.repeats, ctx, [&] { (void)m->forward(x, tt); });
            if (!s) return s.error();
            const double audio = double((p.frames - 1) * 128) / 16000.0; // SGMSE+'s hop 128 at 16 kHz
            const double sec = s.value();
            const double peak = mib(telemetry::sample().rssPeakBytes);
            j["networks"].push_back({{"network", "sgmse_ncsnpp"},
                                     {"parameters", m->parameterCount()},
                                     {"input", {1, 4, 256, p.frames}},
                                     {"audio_seconds", audio},
                                     {"seconds_per_evaluation", sec},
                                     {"peak_rss_mib", peak},
                                     {"rtf_pc_60", 60 * sec / audio},
                                     {"rtf_nfe_5", 5 * sec / audio},
                                     {"rtf_nfe_10", 10 * sec / audio}});
            std::snprintf(line, sizeof line,
                          "SGMSE+ NCSN++     %5.1f M params  [1,4,256,%d] (%.2f s audio): %.3f s/eval, peak RSS %.0f MiB\n"
                          "                  real-time factor: PC 30 steps (60 NFE) %.1f, 10 NFE %.2f, 5 NFE %.2f\n",
                          double(m->parameterCount()) / 1e6, p.frames, audio, sec, peak, 60 * sec / audio,
                          10 * sec / audio, 5 * sec / audio);
            t << line;
        }
        if (p.irsde) {
            auto m = std::dynamic_pointer_cast<ConditionalUNetImpl>(buildDefault(Architecture::IrsdeUNet));
            m->eval();
            const auto x = at::randn({1, 3, p.imageSide, p.imageSide}, gen);
            const auto tt = at::full({1}, 50.0f);
            auto s = timed(p.repeats, ctx, [&] { (void)m->forward(x, x, tt); });
            if (!s) return s.error();
            const double sec = s.value();
            const double peak = mib(telemetry::sample().rssPeakBytes);
            j["networks"].push_back({{"network", "irsde_unet"},
                                     {"parameters", m->parameterCount()},
                                     {"input", {1, 3, p.imageSide, p.imageSide}},
                                     {"seconds_per_evaluation", sec},
                                     {"peak_rss_mib", peak},
                                     {"seconds_per_image_100", 100 * sec},
                                     {"seconds_per_image_10", 10 * sec}});
            std::snprintf(line, sizeof line,
                          "IR-SDE UNet       %5.1f M params  [1,3,%d,%d]: %.3f s/eval, peak RSS %.0f MiB\n"
                          "                  seconds per image: 100 steps %.1f, 10 NFE %.1f\n",
                          double(m->parameterCount()) / 1e6, p.imageSide, p.imageSide, sec, peak, 100 * sec, 10 * sec);
            t << line;
        }
        PublishedBenchReport rep;
        rep.json = j.dump();
        rep.table = t.str();
        return rep;
    });
}

} // namespace reverie::models::published
