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

namespace detail {

std::mutex g_refMutex;
// Deliberately never destroyed: tensors freed during static destruction at exit would call into
// LibTorch's allocator (and the telemetry hook) after they are gone.
std::shared_ptr<Reference>& g_ref = *new std::shared_ptr<Reference>();

Result<std::shared_ptr<Reference>> reference(const EvalSet& e) {
    const std::string key = e.classifierDir + "|" + e.dataDir;
    std::lock_guard lock(g_refMutex);
    if (g_ref && g_ref->key == key) return g_ref;
    auto cls = loadClassifierDir(e.classifierDir);
    if (!cls) return cls.error();
    auto test = e.dataDir.empty() ? data::loadFashionMnist(data::Split::Test)
                                  : data::loadFashionMnist(data::Split::Test, e.dataDir);
    if (!test) return test.error();
    auto ref = std::make_shared<Reference>();
    ref->key = key;
    ref->classifier = cls.value();
    ref->testImages = test.value().images;
    std::vector<at::Tensor> feats;
    for (int64_t i = 0; i < ref->testImages.size(0); i += 500)
        feats.push_back(ref->classifier->features(
            data::toSigned(ref->testImages.slice(0, i, std::min<int64_t>(ref->testImages.size(0), i + 500)))));
    ref->testFeatures = at::cat(feats).to(at::kDouble);
    auto g = metrics::fitGaussian(ref->testFeatures);
    if (!g) return g.error();
    ref->test = g.value();
    g_ref = ref;
    return ref;
}

at::Tensor fromImages(const std::vector<ImageU8>& items) {
    auto t = at::empty({int64_t(items.size()), 1, 28, 28}, at::kByte);
    for (std::size_t i = 0; i < items.size(); ++i)
        std::memcpy(t[int64_t(i)].data_ptr<std::uint8_t>(), items[i].pixels.data(), 28 * 28);
    return t;
}

Result<SampleScores> scoreTensor(Reference& ref, const at::Tensor& bytes, const std::vector<int>& labels) {
    SampleScores s;
    if (bytes.size(0) < 2) return Result<SampleScores>::invalid("FD needs at least 2 samples");
    const auto x = data::toSigned(bytes);
    std::vector<at::Tensor> feats, probs;
    for (int64_t i = 0; i < x.size(0); i += 500) {
        const auto xb = x.slice(0, i, std::min<int64_t>(x.size(0), i + 500));
        feats.push_back(ref.classifier->features(xb));
        probs.push_back(at::softmax(ref.classifier->forward(xb), 1));
    }
    const auto f = at::cat(feats).to(at::kDouble);
    const auto pr = at::cat(probs);
    auto g = metrics::fitGaussian(f);
    if (!g) return g.error();
    auto fd = metrics::frechetDistance(g.value(), ref.test);
    if (!fd) return fd.error();
    s.fd = fd.value();
    const auto [conf, arg] = pr.max(1);
    s.confident = conf.gt(0.5).to(at::kDouble).mean().item<double>();
    s.histogram.assign(kClasses, 0);
    const auto argA = arg.contiguous();
    int64_t agree = 0, withLabel = 0;
    for (int64_t i = 0; i < argA.size(0); ++i) {
        const auto c = argA[i].item<int64_t>();
        if (c >= 0 && c < kClasses) ++s.histogram[std::size_t(c)];
        if (std::size_t(i) < labels.size() && labels[std::size_t(i)] >= 0) {
            ++withLabel;
            agree += c == labels[std::size_t(i)];
        }
    }
    s.agreement = withLabel > 0 ? double(agree) / double(withLabel) : 0.0;
    return s;
}

} // namespace detail

Result<SampleScores> scoreSamples(const EvalSet& e, const std::vector<ImageU8>& items, const std::vector<int>& labels,
                                  const JobContext&) {
    return guarded<SampleScores>("score", [&]() -> Result<SampleScores> {
        c10::InferenceMode inference;
        for (const auto& i : items)
            if (i.width != 28 || i.height != 28 || i.channels != 1 || i.pixels.size() != 28 * 28)
                return Result<SampleScores>::invalid("samples must be 28×28 grey images");
        auto ref = reference(e);
        if (!ref) return ref.error();
        return scoreTensor(*ref.value(), fromImages(items), labels);
    });
}

namespace detail {
double rk45ToleranceFor(int nfe) { return std::pow(10.0, -(0.5 + nfe / 20.0)); }
} // namespace detail

Result<std::vector<SweepPoint>> runSweep(const SweepParams& p, const JobContext& ctx) {
    return guarded<std::vector<SweepPoint>>("sweep", [&]() -> Result<std::vector<SweepPoint>> {
        if (p.samplerIds.empty() || p.nfes.empty())
            return Result<std::vector<SweepPoint>>::invalid("choose at least one sampler and one NFE value");
        if (p.samples < 2) return Result<std::vector<SweepPoint>>::invalid("a sweep point needs at least 2 samples");
        for (const auto& id : p.samplerIds)
            for (int n : p.nfes) {
                GenerateParams q = p.base;
                q.sampler = id;
                q.nfe = n;
                if (auto v = validate(q); !v) return v.error();
            }
        c10::InferenceMode inference;
        auto model = loadGenerator(p.base.modelDir);
        if (!model) return model.error();
        auto ref = reference(p.eval);
        if (!ref) return ref.error();
        const auto s = makeSde(p.base.sde);
        std::vector<SweepPoint> points;
        const int64_t total = int64_t(p.samplerIds.size() * p.nfes.size());
        for (const auto& id : p.samplerIds)
            for (int n : p.nfes) {
                if (ctx.cancelled()) return Result<std::vector<SweepPoint>>::cancelled("sweep: cancelled");
                GenerateParams q = p.base;
                q.sampler = id;
                q.nfe = n;
                if (id == "ode-rk45") q.rk45Tolerance = rk45ToleranceFor(n);
                telemetry::resetPeak();
                const auto rssBefore = telemetry::residentBytes();
                auto r = sampleMany(q, model.value(), *s, p.samples, ctx, false, false);
                if (!r) return r.error();
                auto sc = scoreTensor(*ref.value(), fromImages(r.value().items), r.value().labels);
                if (!sc) return sc.error();
                SweepPoint pt;
                pt.sampler = id;
                pt.nfeBudget = n;
                pt.nfe = std::llround(r.value().nfePerSample); // DLG: per sample, its burn-in amortised
                pt.fd = sc.value().fd;
                pt.confident = sc.value().confident;
                pt.seconds = r.value().seconds;
                const auto peak = telemetry::allocatorPeakBytes();
                pt.peakMiB = double(peak > 0 ? peak : std::max<int64_t>(0, telemetry::residentBytes() - rssBefore)) /
                             (1024.0 * 1024.0);
                points.push_back(pt);
                Progress pr;
                pr.step = int64_t(points.size());
                pr.total = total;
                pr.nfe = pt.nfe;
                pr.message = id;
                pr.values = {{"nfe", double(pt.nfe)}, {"fd", pt.fd}, {"seconds", pt.seconds},
                             {"peak_mib", pt.peakMiB}, {"confident", pt.confident}};
                std::vector<ImageU8> first(r.value().items.begin(),
                                           r.value().items.begin() + std::min<std::size_t>(16, r.value().items.size()));
                pr.preview = tile(first, 4);
                ctx.report(pr);
            }
        return points;
    });
}

Result<LikelihoodResult> runLikelihood(const LikelihoodParams& p, const JobContext& ctx) {
    return guarded<LikelihoodResult>("likelihood", [&]() -> Result<LikelihoodResult> {
        if (p.count < 1 || p.count > 10000) return Result<LikelihoodResult>::invalid("count must be 1..10000");
        if (p.steps < 0 || p.steps > 10000) return Result<LikelihoodResult>::invalid("steps must be 0 (adaptive) to 10000");
        if (!(p.tolerance > 0 && p.tolerance < 1)) return Result<LikelihoodResult>::invalid("tolerance must be in (0, 1)");
        const auto s = makeSde(p.sde);
        if (!s) return Result<LikelihoodResult>::invalid("unknown SDE '" + p.sde + "'");
        auto model = loadGenerator(p.modelDir);
        if (!model) return model.error();
        auto test = p.dataDir.empty() ? data::loadFashionMnist(data::Split::Test, data::defaultFashionMnistDir(), p.count)
                                      : data::loadFashionMnist(data::Split::Test, p.dataDir, p.count);
        if (!test) return test.error();
        const int nullClass = model.value()->net()->config().numClasses;
        const double t0 = nowSeconds();
        std::vector<double> bpd;
        LikelihoodResult out;
        const int B = std::max(1, p.batch);
        for (int first = 0; first < p.count; first += B) {
            const int n = std::min(B, p.count - first);
            // Uniform dequantisation: x = (u + U(0,1))/256 mapped to [−1, 1]; the 8-bit offset is 7 bits.
            auto g = at::make_generator<at::CPUGeneratorImpl>(p.seed + std::uint64_t(first));
            const auto u = test.value().images.slice(0, first, first + n).to(at::kFloat);
            const auto x = (u + at::rand(u.sizes(), g, at::kFloat)) / 256.0 * 2.0 - 1.0;
            // The unconditional model (null class): the likelihood of the data, not of data given a label.
            const auto den = sde::denoiserFromSigma(*s, guided(model.value(), at::full({n}, nullClass, at::kLong),
                                                               nullClass, 1.0));
            solvers::LikelihoodOptions o;
            o.method = p.steps > 0 ? solvers::OdeMethod::Heun : solvers::OdeMethod::DoPri5;
            o.steps = std::max(1, p.steps);
            o.rtol = o.atol = p.tolerance;
            o.maxNfe = 20000;
            o.offsetBits = 7.0;
            o.seed = p.seed + std::uint64_t(first);
            JobContext inner = ctx;
            const int total = p.count;
            inner.progress = [&, first, total](const Progress& pr) {
                Progress q = pr;
                q.message = "likelihood " + std::to_string(first + 1) + "–" + std::to_string(first + n) + " of " +
                            std::to_string(total);
                ctx.report(q);
            };
            auto r = solvers::pfOdeLikelihood(*s, den, x, {}, o, inner);
            if (!r) return r.error();
            out.nfe = r.value().nfe;
            const auto b = r.value().bpd.to(at::kDouble).contiguous();
            for (int64_t i = 0; i < b.size(0); ++i) bpd.push_back(b[i].item<double>());
        }
        double mean = 0, var = 0;
        for (double v : bpd) mean += v;
        mean /= double(bpd.size());
        for (double v : bpd) var += (v - mean) * (v - mean);
        var = bpd.size() > 1 ? var / double(bpd.size() - 1) : 0.0;
        out.bpd = mean;
        out.bpdStdErr = std::sqrt(var / double(bpd.size()));
        out.images = int(bpd.size());
        out.seconds = nowSeconds() - t0;
        return out;
    });
}

} // namespace reverie::generate
