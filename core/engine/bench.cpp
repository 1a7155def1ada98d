#include "engine/bench.h"
#include "engine/bench_networks.h"

#include "engine/sde/param.h"
#include "engine/sde/sde.h"
#include "engine/solvers/edm.h"
#include "engine/solvers/exp.h"
#include "engine/solvers/ode.h"
#include "engine/solvers/pc.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <sstream>

namespace reverie::bench {

namespace {

/// A small U-Net-shaped convolutional network with random weights (about 2.1 M parameters):
/// 32-channel... see layers below. Plain ATen ops, no torch::nn, so that it compiles cheaply.
class RandomUNet {
public:
    explicit RandomUNet(std::uint64_t seed) {
        at::Generator g = at::detail::createCPUGenerator(seed);
        auto conv = [&](int64_t in, int64_t out) {
            const double sd = std::sqrt(2.0 / (in * 9.0));
            m_w.push_back(at::randn({out, in, 3, 3}, g, at::kFloat) * sd);
            m_b.push_back(at::zeros({out}, at::kFloat));
        };
        conv(3, 64);     // 0  @H
        conv(64, 64);    // 1  @H
        conv(64, 128);   // 2  stride 2 → H/2
        conv(128, 128);  // 3
        conv(128, 256);  // 4  stride 2 → H/4
        conv(256, 256);  // 5
        conv(256, 256);  // 6
        conv(256, 128);  // 7  after upsampling → H/2 (+ skip)
        conv(128, 64);   // 8  after upsampling → H (+ skip)
        conv(64, 3);     // 9
        m_temb = at::randn({64}, g, at::kFloat) * 0.1;
    }
    std::int64_t parameters() const {
        std::int64_t n = m_temb.numel();
        for (size_t i = 0; i < m_w.size(); ++i) n += m_w[i].numel() + m_b[i].numel();
        return n;
    }
    at::Tensor operator()(const at::Tensor& x, const at::Tensor& t) const {
        auto c = [&](const at::Tensor& h, int i, int stride = 1) {
            return at::conv2d(h, m_w[i], m_b[i], {stride, stride}, {1, 1});
        };
        const at::Tensor tv = t.to(at::kFloat).reshape({-1, 1, 1, 1});
        at::Tensor h0 = at::silu(c(x, 0) + m_temb.view({1, 64, 1, 1}) * tv);
        h0 = at::silu(c(h0, 1));
        at::Tensor h1 = at::silu(c(h0, 2, 2));
        h1 = at::silu(c(h1, 3));
        at::Tensor h2 = at::silu(c(h1, 4, 2));
        h2 = at::silu(c(h2, 5));
        h2 = at::silu(c(h2, 6));
        at::Tensor u1 = at::silu(c(at::upsample_nearest2d(h2, {h1.size(2), h1.size(3)}), 7)) + h1;
        at::Tensor u0 = at::silu(c(at::upsample_nearest2d(u1, {h0.size(2), h0.size(3)}), 8)) + h0;
        return c(u0, 9);
    }

private:
    std::vector<at::Tensor> m_w, m_b;
    at::Tensor m_temb;
};

struct Case {
    std::string name;
    bool meanReverting = false;
    std::function<Result<solvers::SampleOutput>(const sde::Sde&, const sde::Denoiser&, const at::Tensor&,
                                                const at::Tensor&, int steps, const JobContext&)>
        run;
};

std::vector<Case> cases() {
    using namespace solvers;
    std::vector<Case> v;
    auto common = [](int steps) {
        CommonOptions c;
        c.steps = steps;
        c.seed = 1;
        return c;
    };
    v.push_back({"euler-maruyama", false, [=](auto& s, auto& d, auto& x, auto& mu, int n, auto& ctx) {
                     return sampleEulerMaruyama(s, d, x, mu, common(n), ctx);
                 }});
    v.push_back({"pc (reverse-diffusion + langevin)", false, [=](auto& s, auto& d, auto& x, auto& mu, int n, auto& ctx) {
                     PcOptions o;
                     o.common = common(n);
                     return samplePc(s, d, x, mu, o, ctx);
                 }});
    v.push_back({"pf-ode euler", false, [=](auto& s, auto& d, auto& x, auto& mu, int n, auto& ctx) {
                     OdeOptions o;
                     o.common = common(n);
                     o.method = OdeMethod::Euler;
                     return sampleOde(s, d, x, mu, o, ctx);
                 }});
    v.push_back({"pf-ode heun", false, [=](auto& s, auto& d, auto& x, auto& mu, int n, auto& ctx) {
                     OdeOptions o;
                     o.common = common(n);
                     o.method = OdeMethod::Heun;
                     return sampleOde(s, d, x, mu, o, ctx);
                 }});
    v.push_back({"pf-ode rk4", false, [=](auto& s, auto& d, auto& x, auto& mu, int n, auto& ctx) {
                     OdeOptions o;
                     o.common = common(n);
                     o.method = OdeMethod::RK4;
                     return sampleOde(s, d, x, mu, o, ctx);
                 }});
    v.push_back({"pf-ode dopri5", false, [=](auto& s, auto& d, auto& x, auto& mu, int n, auto& ctx) {
                     OdeOptions o;
                     o.common = common(n);
                     o.method = OdeMethod::DoPri5;
                     o.rtol = o.atol = 5e-2; // keeps its NFE near the fixed-step rows
                     return sampleOde(s, d, x, mu, o, ctx);
                 }});
    v.push_back({"ddim", false, [=](auto& s, auto& d, auto& x, auto& mu, int n, auto& ctx) {
                     DdimOptions o;
                     o.common = common(n);
                     return sampleDdim(s, d, x, mu, o, ctx);
                 }});
    v.push_back({"edm heun", false, [=](auto& s, auto& d, auto& x, auto& mu, int n, auto& ctx) {
                     EdmOptions o;
                     o.common = common(n);
                     return sampleEdm(s, d, x, mu, o, ctx);
                 }});
    v.push_back({"edm stochastic", false, [=](auto& s, auto& d, auto& x, auto& mu, int n, auto& ctx) {
                     EdmOptions o;
                     o.common = common(n);
                     o.sChurn = 40;
                     return sampleEdm(s, d, x, mu, o, ctx);
                 }});
    v.push_back({"ir-sde posterior", true, [=](auto& s, auto& d, auto& x, auto& mu, int n, auto& ctx) {
                     PosteriorOptions o;
                     o.common = common(n);
                     return samplePosterior(s, d, x, mu, o, ctx);
                 }});
    v.push_back({"mrs sde data 2", true, [=](auto& s, auto& d, auto& x, auto& mu, int n, auto& ctx) {
                     MrsOptions o;
                     o.common = common(n);
                     return sampleMrs(s, d, x, mu, o, ctx);
                 }});
    v.push_back({"mrs ode noise 2", true, [=](auto& s, auto& d, auto& x, auto& mu, int n, auto& ctx) {
                     MrsOptions o;
                     o.common = common(n);
                     o.sde = false;
                     o.form = SolverForm::Noise;
                     return sampleMrs(s, d, x, mu, o, ctx);
                 }});
    return v;
}

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

/// Fills maxOverhead, table and json of a report from its JSON (rows, network, repeats).
EngineBenchReport finish(nlohmann::json j) {
    EngineBenchReport rep;
    rep.parameters = j["network"]["parameters"].get<std::int64_t>();
    rep.input = j["network"]["input"].get<std::vector<std::int64_t>>();
    for (const auto& r : j["rows"]) {
        EngineBenchRow row;
        row.sampler = r["sampler"].get<std::string>();
        row.network = r.value("network", "random-unet");
        row.batch = r["batch"].get<int>();
        row.nfe = r["nfe"].get<std::int64_t>();
        row.seconds = r["seconds"].get<double>();
        row.evalSeconds = r["eval_seconds"].get<double>();
        row.networkSeconds = r["network_seconds"].get<double>();
        row.overhead = r["overhead"].get<double>();
        rep.maxOverhead = std::max(rep.maxOverhead, row.overhead);
        rep.rows.push_back(row);
    }
    j["max_overhead"] = rep.maxOverhead;
    j["target"] = 1.03;
    rep.json = j.dump();

    std::ostringstream tab;
    auto described = [](const nlohmann::json& n) {
        const auto in = n["input"].get<std::vector<std::int64_t>>();
        std::string shape;
        for (auto v : in) shape += (shape.empty() ? "" : "x") + std::to_string(v);
        return std::to_string(n["parameters"].get<std::int64_t>()) + " parameters, input " + shape;
    };
    if (j.contains("networks")) { // the shipped networks, one per SDE family
        tab << "engine bench: shipped networks";
        for (const auto& n : j["networks"])
            tab << "; " << n["samplers"].get<std::string>() << " samplers: " << n["name"].get<std::string>()
                << " (" << described(n) << ")";
    } else {
        tab << "engine bench: random U-Net, " << described(j["network"]);
    }
    tab << ", median of " << j["repeats"].get<int>() << " runs";
    if (j.contains("shard"))
        tab << ", shard " << j["shard"]["index"].get<int>() << "/" << j["shard"]["count"].get<int>();
    tab << "\n";
    char line[160];
    std::snprintf(line, sizeof line, "%-36s %6s %6s %10s %12s %9s\n", "sampler", "batch", "NFE", "total s",
                  "eval ms", "overhead");
    tab << line;
    for (const auto& r : rep.rows) {
        std::snprintf(line, sizeof line, "%-36s %6d %6lld %10.3f %12.3f %9.3f\n", r.sampler.c_str(), r.batch,
                      static_cast<long long>(r.nfe), r.seconds, r.evalSeconds * 1e3, r.overhead);
        tab << line;
    }
    tab << "max overhead " << fmt("%.3f", rep.maxOverhead) << " (target <= 1.03)\n";
    rep.table = tab.str();
    return rep;
}

} // namespace

Result<EngineBenchReport> mergeEngineBench(std::vector<nlohmann::json> parts) {
    return guarded<EngineBenchReport>("merge bench engine", [&]() -> Result<EngineBenchReport> {
        auto m = mergeParts(std::move(parts), "rows");
        if (!m) return m.error();
        return finish(std::move(m.value().merged));
    });
}

Result<EngineBenchReport> runEngineBench(const EngineBenchOptions& opt, const JobContext& ctx) {
    return guarded<EngineBenchReport>("bench engine", [&]() -> Result<EngineBenchReport> {
        if (opt.batches.empty()) return Result<EngineBenchReport>::invalid("bench engine: no batch sizes given");
        for (int b : opt.batches)
            if (b < 1)
                return Result<EngineBenchReport>::invalid("bench engine: batch sizes must be positive");
        c10::InferenceMode inference;
        const int repeats = opt.repeats > 0 ? opt.repeats : 3;
        const int64_t hw = opt.quick ? 16 : 32;
        const RandomUNet net(opt.seed + 17);
        const bool shipped = opt.networks != nullptr;

        const auto vp = sde::makeVp();
        const auto ir = sde::makeIrSde();
        // The network's own time, accumulated inside the run it serves (CPU ops are synchronous;
        // on a GPU the figure would need a synchronise around the call).
        double networkSeconds = 0;
        auto timed = [&networkSeconds](sde::Denoiser inner) {
            sde::Denoiser d = inner;
            d.fn = [fn = std::move(inner.fn), &networkSeconds](const at::Tensor& x, const at::Tensor& t,
                                                               const at::Tensor& mu) {
                const double t0 = nowSeconds();
                at::Tensor out = fn(x, t, mu);
                networkSeconds += nowSeconds() - t0;
                return out;
            };
            return d;
        };
        struct Served {
            sde::Denoiser d;
            std::vector<std::int64_t> input;
            std::string name;
            std::int64_t parameters = 0;
        };
        Served vpNet, irNet;
        if (shipped) {
            const auto& gen = opt.networks->generative;
            const auto& mr = opt.networks->meanReverting;
            vpNet = {timed(sde::denoiserFromSigma(*vp, gen.fn)), gen.input, gen.name, gen.parameters};
            irNet = {timed(sde::denoiserFromSigma(*ir, mr.fn)), mr.input, mr.name, mr.parameters};
        } else {
            sde::Denoiser d;
            d.param = sde::Param::Noise;
            d.fn = [&net](const at::Tensor& x, const at::Tensor& t, const at::Tensor&) {
                return net(x, t.dim() == 0 ? t.expand({x.size(0)}) : t);
            };
            vpNet = irNet = {timed(d), {3, hw, hw}, "random-unet", net.parameters()};
        }

        const std::vector<Case> all = cases();
        std::vector<EngineBenchRow> rows;
        std::vector<std::size_t> units;
        std::size_t unit = 0;
        int done = 0;
        const int total = static_cast<int>(opt.shard.share(all.size() * opt.batches.size()));
        for (int batch : opt.batches) {
            const int steps = opt.steps > 0 ? opt.steps : (batch == 1 ? 20 : (opt.quick ? 4 : 10));
            for (const Case& c : all) {
                if (!opt.shard.owns(unit++)) continue;
                if (ctx.cancelled()) return Result<EngineBenchReport>::cancelled("bench engine: cancelled");
                const sde::Sde& s = c.meanReverting ? *ir : *vp;
                const Served& served = c.meanReverting ? irNet : vpNet;
                std::vector<std::int64_t> shape{batch};
                shape.insert(shape.end(), served.input.begin(), served.input.end());
                at::Generator g = at::detail::createCPUGenerator(opt.seed);
                const at::Tensor x = at::randn(shape, g, at::kFloat);
                const at::Tensor mu = at::randn(shape, g, at::kFloat) * 0.1;
                const at::Tensor xT = c.meanReverting ? x * (10.0 / 255.0) + mu : x;
                const at::Tensor m = c.meanReverting ? mu : at::Tensor();
                (void)served.d.fn(xT, at::full({batch}, 0.5, at::kDouble), m); // warm-up
                EngineBenchRow row;
                row.sampler = c.name;
                row.network = served.name;
                row.batch = batch;
                std::vector<EngineBenchRow> runs;
                for (int r = 0; r < repeats; ++r) {
                    networkSeconds = 0;
                    const double t0 = nowSeconds();
                    auto res = c.run(s, served.d, xT, m, steps, ctx);
                    const double ts = nowSeconds() - t0;
                    if (!res.ok()) return res.error();
                    const std::int64_t nfe = res.value().nfe;
                    if (nfe < 1 || !(networkSeconds > 0))
                        return Result<EngineBenchReport>::failed("bench engine: " + c.name + " evaluated no network");
                    EngineBenchRow one = row;
                    one.nfe = nfe;
                    one.seconds = ts;
                    one.networkSeconds = networkSeconds;
                    one.evalSeconds = networkSeconds / static_cast<double>(nfe);
                    one.overhead = ts / networkSeconds;
                    runs.push_back(one);
                }
                std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) { return a.overhead < b.overhead; });
                row = runs[runs.size() / 2];
                rows.push_back(row);
                units.push_back(unit - 1);
                Progress p;
                p.step = ++done;
                p.total = total;
                p.nfe = row.nfe;
                p.stepSeconds = row.seconds;
                p.message = "bench engine: " + c.name + " batch " + std::to_string(batch);
                ctx.report(p);
            }
        }

        nlohmann::json j;
        j["bench"] = "engine";
        j["quick"] = opt.quick;
        j["repeats"] = repeats;
        j["config"] = {{"quick", opt.quick}, {"batches", opt.batches},
                       {"repeats", repeats}, {"steps", opt.steps},
                       {"seed", opt.seed},   {"networks", shipped ? "shipped" : "random"}};
        j["network"] = {{"parameters", vpNet.parameters}, {"input", vpNet.input}, {"name", vpNet.name}};
        if (shipped)
            j["networks"] = {{{"samplers", "vp"},
                              {"name", vpNet.name},
                              {"parameters", vpNet.parameters},
                              {"input", vpNet.input}},
                             {{"samplers", "ir-sde"},
                              {"name", irNet.name},
                              {"parameters", irNet.parameters},
                              {"input", irNet.input}}};
        if (!opt.shard.whole()) j["shard"] = opt.shard.json();
        j["rows"] = nlohmann::json::array();
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto& r = rows[i];
            nlohmann::json row = {{"sampler", r.sampler},
                                  {"network", r.network},
                                  {"batch", r.batch},
                                  {"nfe", r.nfe},
                                  {"seconds", r.seconds},
                                  {"eval_seconds", r.evalSeconds},
                                  {"network_seconds", r.networkSeconds},
                                  {"overhead", r.overhead}};
            if (!opt.shard.whole()) row["unit"] = units[i];
            j["rows"].push_back(row);
        }
        return finish(std::move(j));
    });
}

} // namespace reverie::bench
