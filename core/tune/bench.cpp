#include "tune/bench.h"

#include "base/telemetry.h"
#include "tune/methods.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/optim/adam.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace reverie::tune {

namespace {

double mib(std::int64_t bytes) { return double(bytes) / 1048576.0; }

struct Row {
    std::string method;
    int depth = 0, batch = 0;
    std::int64_t trainable = 0;
    double activationMiB = 0, seconds = 0;
};

} // namespace

Result<TuneBenchReport> runTuneBench(const TuneBenchParams& p, const JobContext& ctx) {
    using R = Result<TuneBenchReport>;
    std::vector<Method> methods;
    for (const auto& id : p.methods) {
        auto m = methodFromId(id);
        if (!m) return R::invalid("bench tune: unknown method '" + id + "' (full, checkpoint, adapter, lora, meft1, meft2, meft3)");
        methods.push_back(*m);
    }
    if (methods.empty()) methods = allMethods();
    if (p.repeats < 1 || p.width < 8 || p.width % 4 != 0 || p.depths.empty() || p.batches.empty())
        return R::invalid("bench tune: repeats >= 1, a width that is a multiple of 4 (>= 8), at least one depth and batch");
    for (int d : p.depths)
        if (d < 1 || d > 256) return R::invalid("bench tune: depths must be between 1 and 256");
    for (int b : p.batches)
        if (b < 1 || b > 4096) return R::invalid("bench tune: batch sizes must be between 1 and 4096");

    const auto modulation = modulationFromId(p.modulation);
    if (!modulation) return R::invalid("bench tune: " + unknownModulation(p.modulation));

    return guarded<TuneBenchReport>("bench tune", [&]() -> R {
        telemetry::installAllocatorHook();
        std::vector<Row> rows;
        auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
        for (int depth : p.depths)
            for (int batch : p.batches)
                for (Method method : methods) {
                    if (ctx.cancelled()) return R::cancelled("bench tune: cancelled");
                    models::DiTConfig cfg;
                    cfg.width = p.width;
                    cfg.depth = depth;
                    cfg.heads = 4;
                    models::DiT base(cfg);
                    models::randomiseParameters(*base, 1);
                    MethodConfig mc;
                    mc.method = method;
                    mc.modulation = *modulation;
                    TunedDiT model(base, mc, 7);
                    model->train();
                    torch::optim::Adam opt(model->trainableParameters(), torch::optim::AdamOptions(1e-4));
                    const auto x = at::randn({batch, 1, 28, 28}, gen);
                    const auto target = at::randn({batch, 1, 28, 28}, gen);
                    const auto noise = at::randn({batch}, gen) * 0.5;
                    const auto labels = at::randint(0, 10, {batch}, gen);
                    auto step = [&] {
                        auto loss = (model->forward(x, noise, labels) - target).pow(2).mean();
                        loss.backward();
                    };
                    step(); // warm-up: allocates gradients and (with the first Adam step) its state
                    opt.step();
                    Row r;
                    r.method = methodId(method);
                    r.depth = depth;
                    r.batch = batch;
                    r.trainable = model->trainableCount();
                    std::vector<double> seconds;
                    for (int i = 0; i < p.repeats; ++i) {
                        for (auto& t : model->trainableParameters())
                            if (t.grad().defined()) t.grad().zero_();
                        const auto held = telemetry::allocatorBytes();
                        telemetry::resetPeak();
                        const double t0 = nowSeconds();
                        step();
                        const auto peak = telemetry::allocatorPeakBytes();
                        opt.step();
                        seconds.push_back(nowSeconds() - t0);
                        r.activationMiB = std::max(r.activationMiB, mib(peak - held));
                    }
                    std::sort(seconds.begin(), seconds.end());
                    r.seconds = seconds[seconds.size() / 2];
                    rows.push_back(r);
                }

        // Ratios against full fine-tuning at the same depth and batch.
        std::map<std::pair<int, int>, const Row*> full;
        for (const auto& r : rows)
            if (r.method == "full") full[{r.depth, r.batch}] = &r;
        models::DiTConfig shape;
        shape.width = p.width;
        nlohmann::json j = {{"bench", "tune"}, {"threads", at::get_num_threads()}, {"width", p.width},
                            {"modulation", p.modulation}, {"tokens", shape.tokens()}, {"rows", nlohmann::json::array()}};
        std::ostringstream t;
        char line[256];
        t << "Fine-tuning methods on the DiT denoiser (width " << p.width << ", " << shape.tokens() << " tokens, float32, "
          << at::get_num_threads() << " thread(s), modulation " << p.modulation << "); activation memory = allocator peak − weights, grads, Adam state\n";
        std::snprintf(line, sizeof line, "%-11s %5s %5s %11s %14s %9s %11s %9s\n", "method", "depth", "batch",
                      "trainable", "activation MiB", "vs full", "s/step", "vs full");
        t << line;
        for (const auto& r : rows) {
            nlohmann::json row = {{"method", r.method}, {"depth", r.depth}, {"batch", r.batch},
                                  {"trainable_parameters", r.trainable}, {"activation_mib", r.activationMiB},
                                  {"seconds_per_step", r.seconds}};
            double memRatio = -1, timeRatio = -1;
            if (auto it = full.find({r.depth, r.batch}); it != full.end() && it->second->activationMiB > 0) {
                memRatio = r.activationMiB / it->second->activationMiB;
                timeRatio = r.seconds / it->second->seconds;
                row["activation_vs_full"] = memRatio;
                row["time_vs_full"] = timeRatio;
            }
            j["rows"].push_back(row);
            std::snprintf(line, sizeof line, "%-11s %5d %5d %11lld %14.2f %9s %11.4f %9s\n", r.method.c_str(), r.depth,
                          r.batch, static_cast<long long>(r.trainable), r.activationMiB,
                          memRatio < 0 ? "-" : (std::to_string(int(std::lround(memRatio * 100))) + "%").c_str(),
                          r.seconds, timeRatio < 0 ? "-" : (std::to_string(timeRatio).substr(0, 4) + "×").c_str());
            t << line;
        }
        TuneBenchReport rep;
        rep.json = j.dump();
        rep.table = t.str();
        return rep;
    });
}

} // namespace reverie::tune
