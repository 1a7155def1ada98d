#include "tune/task.h"

#include "data/fashion_mnist.h"
#include "engine/sde/param.h"
#include "engine/sde/sde.h"
#include "engine/solvers/edm.h"
#include "metrics/metrics.h"
#include "models/classifier.h"
#include "models/store.h"
#include "models/zoo.h"
#include "tune/adapter.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/serialize.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace reverie::tune {
namespace fs = std::filesystem;

at::Tensor edmDenoise(const DiTFunction& net, const at::Tensor& x, const at::Tensor& sigma, const at::Tensor& labels,
                      double sd) {
    const auto s = sigma.view({-1, 1, 1, 1});
    const auto norm = (s * s + sd * sd).sqrt();
    const auto cSkip = (sd * sd) / (s * s + sd * sd);
    const auto cOut = s * sd / norm;
    const auto cIn = 1.0 / norm;
    const auto cNoise = sigma.log() / 4.0;
    return cSkip * x + cOut * net(cIn * x, cNoise, labels);
}

namespace {

using TaskResult = Result<std::unique_ptr<train::TrainTask>>;

// Labels with the share `drop` replaced by the null class (classifier-free guidance).
at::Tensor dropLabels(const at::Tensor& labels, double drop, int nullClass, at::Generator& gen) {
    const auto d = at::bernoulli(at::full({labels.size(0)}, drop), gen).to(at::kBool);
    return at::where(d, at::full_like(labels, nullClass), labels);
}

// The EDM loss of one batch for a DiT-shaped network.
at::Tensor ditLoss(const DiTFunction& net, const train::ImageBatch& b, const train::EdmNoise& noise, double drop,
                   int nullClass, std::int64_t batch, at::Generator& gen) {
    const auto labels = dropLabels(b.labels, drop, nullClass, gen);
    const auto sigma = noise.sample(batch, gen);
    const auto z = at::randn(b.x.sizes(), gen);
    const auto denoised = edmDenoise(net, b.x + sigma.view({-1, 1, 1, 1}) * z, sigma, labels, noise.sigmaData);
    return (train::edmWeight(sigma, noise.sigmaData) * (denoised - b.x).pow(2)).mean();
}

std::string checkNet(const train::ImageData& data, const models::DiTConfig& net) {
    if (net.image != data.imageSize && data.dataset != "fashion-mnist")
        return "the DiT's image size (" + std::to_string(net.image) + ") differs from the data's image_size (" +
               std::to_string(data.imageSize) + ")";
    if (data.dataset == "fashion-mnist" && (net.image != 28 || net.channels != 1))
        return "Fashion-MNIST is 28×28 grey: the DiT needs image 28 and channels 1";
    for (int c : data.classes)
        if (c >= net.classes)
            return "classes: label " + std::to_string(c) + " is beyond the DiT's " + std::to_string(net.classes) +
                   " classes";
    return {};
}

std::vector<int> allBut(int classes, const std::vector<int>& except) {
    std::vector<int> out;
    for (int c = 0; c < classes; ++c)
        if (std::find(except.begin(), except.end(), c) == except.end()) out.push_back(c);
    return out;
}

// Quality of a network on class groups, added to the summary as <prefix>_fd, <prefix>_agreement.
Result<bool> addQuality(QualityJudge& judge, const DiTFunction& net, double sd, const std::vector<int>& classes,
                        int samples, int steps, const std::string& prefix, train::Summary& summary,
                        const JobContext& ctx) {
    if (classes.empty() || samples <= 0) return true;
    JobContext quiet; // the run's cancel token, but no sampler steps reported as training steps
    quiet.cancel = ctx.cancel;
    auto q = quality(judge, net, sd, classes, samples, steps, 0, quiet);
    if (!q) return q.error();
    summary.figures.push_back({prefix + "_fd", q.value().fd});
    summary.figures.push_back({prefix + "_agreement", q.value().agreement});
    return true;
}

class DiTDenoiserTask : public train::TrainTask {
public:
    DiTDenoiserTask(train::Recipe r, DiTDenoiserOptions o, data::LabelledImages images)
        : m_r(std::move(r)), m_o(std::move(o)), m_images(std::move(images)), m_model(m_o.net) {}
    torch::nn::Module& module() override { return *m_model; }
    std::string architecture() const override { return models::architectureTag("dit-denoiser", m_o.net.toJson()); }
    nlohmann::json section() const override { return m_o.toJson(); }
    Result<at::Tensor> loss(std::int64_t step, at::Generator& gen) override {
        const auto b = train::imageBatch(m_o.data, m_images, m_r, step, gen);
        return ditLoss(ditFunction(m_model), b, m_o.noise, m_o.labelDropout, m_o.net.classes, m_r.batch, gen);
    }
    Result<bool> finish(const std::string& checkpoint, train::Summary& summary, const JobContext& ctx) override {
        if (m_o.data.dataset != "fashion-mnist") return true;
        if (auto ok = models::loadWeights(*m_model, checkpoint, architecture()); !ok) return ok.error();
        const auto classes = m_o.data.classes.empty() ? allBut(m_o.net.classes, {}) : m_o.data.classes;
        auto judge = loadQualityJudge();
        if (!judge) return judge.error();
        return addQuality(judge.value(), ditFunction(m_model), m_o.noise.sigmaData, classes, 200, 18, "pretrain", summary, ctx);
    }

private:
    train::Recipe m_r;
    DiTDenoiserOptions m_o;
    data::LabelledImages m_images;
    models::DiT m_model;
};

} // namespace

nlohmann::json methodJson(const MethodConfig& m) {
    nlohmann::json j = {{"method", methodId(m.method)}};
    switch (m.method) {
    case Method::Checkpoint: j["segments"] = m.segments; break;
    case Method::Adapter: j["bottleneck"] = m.bottleneck; j["dropout"] = m.dropout; break;
    case Method::LoRA: j["lora_rank"] = m.loraRank; j["lora_alpha"] = m.loraAlpha; break;
    case Method::Meft1:
    case Method::Meft2:
    case Method::Meft3:
        j["bottleneck"] = m.bottleneck;
        j["dropout"] = m.dropout;
        j["lambda"] = m.lambdaOrDefault();
        j["beta"] = m.betaOrDefault();
        j["reversible_blocks"] = m.reversibleBlocks;
        break;
    default: break;
    }
    // Recorded only when not frozen, so the architecture of runs made before the option existed
    // is unchanged.
    if (m.method != Method::Full && m.method != Method::Checkpoint && m.modulation != Modulation::Frozen) {
        j["modulation"] = modulationId(m.modulation);
        if (m.modulation == Modulation::LoRA) { j["lora_rank"] = m.loraRank; j["lora_alpha"] = m.loraAlpha; }
    }
    return j;
}

std::string readMethod(train::SectionReader& s, MethodConfig& method) {
    std::string id = methodId(method.method);
    s.read("method", id);
    s.read("bottleneck", method.bottleneck);
    s.read("lora_rank", method.loraRank);
    s.read("lora_alpha", method.loraAlpha);
    s.read("dropout", method.dropout);
    s.read("lambda", method.lambda);
    s.read("beta", method.beta);
    s.read("reversible_blocks", method.reversibleBlocks);
    s.read("segments", method.segments);
    std::string modulation = modulationId(method.modulation);
    s.read("modulation", modulation);
    if (const auto mod = modulationFromId(modulation)) method.modulation = *mod;
    else return unknownModulation(modulation);
    const auto m = methodFromId(id);
    if (!m) {
        std::string known;
        for (auto k : allMethods()) known += (known.empty() ? "" : ", ") + methodId(k);
        return "unknown method '" + id + "' (known: " + known + ")";
    }
    method.method = *m;
    return {};
}

namespace {

class DiTTuneTask : public train::TrainTask {
public:
    DiTTuneTask(train::Recipe r, DiTTuneOptions o, data::LabelledImages images, LoadedDiT base)
        : m_r(std::move(r)), m_o(std::move(o)), m_images(std::move(images)), m_base(std::move(base)),
          m_model(m_base.net, m_o.method, m_r.seed) {}
    torch::nn::Module& module() override { return *m_model; }
    std::string architecture() const override {
        return models::architectureTag("dit-tune", {{"net", m_base.net->config().toJson()}, {"tune", methodJson(m_o.method)}});
    }
    nlohmann::json section() const override { return m_o.toJson(); }
    Result<at::Tensor> loss(std::int64_t step, at::Generator& gen) override {
        const auto b = train::imageBatch(m_o.data, m_images, m_r, step, gen);
        // Dropout seeds from the loop's checkpointed generator: exact resume (train/loop.h).
        m_model->reseed(static_cast<std::uint64_t>(at::randint(0, std::int64_t(1) << 62, {1}, gen).item<std::int64_t>()));
        return ditLoss(ditFunction(m_model), b, m_o.noise, m_o.labelDropout, m_base.net->config().classes, m_r.batch, gen);
    }
    // The run's adapter beside every final checkpoint (tune/adapter.h), so a partial run can be
    // switched on over its base too.
    Result<bool> checkpointWritten(const std::string& checkpoint, train::Summary& summary) override {
        if (auto ok = models::loadWeights(*m_model, checkpoint, architecture()); !ok) return ok.error();
        const std::string path = (fs::path(checkpoint).parent_path() / "adapter.safetensors").string();
        if (auto w = saveAdapter(*m_model, adapterInfo(m_r.name, summary.step, m_o, m_base), path); !w) return w.error();
        summary.files.push_back(path);
        return true;
    }
    Result<bool> finish(const std::string& checkpoint, train::Summary& summary, const JobContext& ctx) override {
        if (m_o.evalSamples <= 0 || m_o.data.dataset != "fashion-mnist") return true;
        const int classes = m_base.net->config().classes;
        const auto fresh = m_o.newClasses.empty() ? m_o.data.classes : m_o.newClasses;
        auto old = m_o.oldClasses;
        if (old.empty()) old = m_base.pretrainClasses.empty() ? allBut(classes, fresh) : m_base.pretrainClasses;
        if (auto ok = models::loadWeights(*m_model, checkpoint, architecture()); !ok) return ok.error();
        auto loaded = loadQualityJudge(); // one classifier and test split for the four groups
        if (!loaded) return loaded.error();
        auto& judge = loaded.value();
        if (auto q = addQuality(judge, ditFunction(m_model), m_o.noise.sigmaData, fresh, m_o.evalSamples, m_o.evalSteps, "new", summary, ctx); !q)
            return q;
        if (auto q = addQuality(judge, ditFunction(m_model), m_o.noise.sigmaData, old, m_o.evalSamples, m_o.evalSteps, "old", summary, ctx); !q)
            return q;
        // The same figures for the untouched base model: what tuning bought and what it cost.
        auto base = loadDiTFolder(m_base.folder);
        if (!base) return base.error();
        const auto f = ditFunction(base.value().net);
        if (auto q = addQuality(judge, f, base.value().sigmaData, fresh, m_o.evalSamples, m_o.evalSteps, "base_new", summary, ctx); !q)
            return q;
        return addQuality(judge, f, base.value().sigmaData, old, m_o.evalSamples, m_o.evalSteps, "base_old", summary, ctx);
    }

private:
    train::Recipe m_r;
    DiTTuneOptions m_o;
    data::LabelledImages m_images;
    LoadedDiT m_base;
    TunedDiT m_model;
};

} // namespace

std::string DiTDenoiserOptions::read(const nlohmann::json& section) {
    train::SectionReader s(section, "dit-denoiser");
    if (auto why = data.read(s); !why.empty()) return why;
    if (auto why = noise.read(s); !why.empty()) return why;
    s.read("label_dropout", labelDropout);
    const auto& j = s.object("net");
    if (!j.is_null())
        if (auto why = models::DiTConfig::fromJson(j, &net); !why.empty()) return why;
    if (auto why = s.finish(); !why.empty()) return why;
    if (labelDropout < 0 || labelDropout > 1) return "label_dropout must be in [0, 1]";
    return checkNet(data, net);
}

nlohmann::json DiTDenoiserOptions::toJson() const {
    nlohmann::json j = nlohmann::json::object();
    data.write(j);
    noise.write(j);
    j["label_dropout"] = labelDropout;
    j["net"] = net.toJson();
    return j;
}

std::string DiTTuneOptions::read(const nlohmann::json& section) {
    train::SectionReader s(section, "dit-tune");
    if (auto why = data.read(s); !why.empty()) return why;
    if (auto why = noise.read(s); !why.empty()) return why;
    s.read("label_dropout", labelDropout);
    s.read("base", base);
    const std::string methodError = readMethod(s, method);
    s.read("eval_samples", evalSamples);
    s.read("eval_steps", evalSteps);
    s.read("new_classes", newClasses);
    s.read("old_classes", oldClasses);
    if (auto why = s.finish(); !why.empty()) return why;
    if (!methodError.empty()) return methodError;
    if (labelDropout < 0 || labelDropout > 1) return "label_dropout must be in [0, 1]";
    if (evalSamples < 0 || evalSamples > 10000) return "eval_samples must be between 0 and 10000";
    if (evalSteps < 2 || evalSteps > 200) return "eval_steps must be between 2 and 200";
    if (base.empty()) return "base: name the pretrained DiT (a model folder or built-in name)";
    return {};
}

nlohmann::json DiTTuneOptions::toJson() const {
    nlohmann::json j = nlohmann::json::object();
    data.write(j);
    noise.write(j);
    j["label_dropout"] = labelDropout;
    j["base"] = base;
    j.update(methodJson(method));
    j["eval_samples"] = evalSamples;
    j["eval_steps"] = evalSteps;
    if (!newClasses.empty()) j["new_classes"] = newClasses;
    if (!oldClasses.empty()) j["old_classes"] = oldClasses;
    return j;
}

std::string weightsFingerprint(models::DiTImpl& net) {
    std::vector<at::Tensor> all = net.parameters();
    for (const auto& b : net.buffers()) all.push_back(b);
    return models::hashTensors(all);
}

Result<LoadedDiT> loadDiTFolder(const std::string& folderOrName) {
    using R = Result<LoadedDiT>;
    const std::string dir = models::zoo::resolve(folderOrName, "fmnist-dit");
    auto card = models::readCard(dir);
    if (!card) return card.error();
    const auto& j = card.value();
    const std::string kind = j.value("kind", std::string());
    if (kind != "dit-denoiser") {
        if (kind == "denoiser" || kind == "restorer" || kind == "enhancer" || kind == "text-denoiser")
            return R::invalid(dir + " is a U-Net model (kind '" + kind +
                              "'): the tuning methods need a DiT, a stack of equal-shape blocks (kind 'dit-denoiser'); "
                              "MEFT's reversible coupling cannot be built on a U-Net");
        return R::invalid(dir + " is not a pretrained DiT (card kind '" + kind + "', expected 'dit-denoiser')");
    }
    if (!j.contains("architecture")) return R::invalid(dir + "/card.json has no architecture");
    LoadedDiT out;
    models::DiTConfig cfg;
    if (auto why = models::DiTConfig::fromJson(j["architecture"], &cfg); !why.empty())
        return R::invalid(dir + "/card.json: " + why);
    try {
        out.sigmaData = j.value("sigma_data", 0.5);
        if (j.contains("pretrain_classes")) out.pretrainClasses = j["pretrain_classes"].get<std::vector<int>>();
    } catch (const std::exception& e) {
        return R::invalid(dir + "/card.json: " + firstLine(e.what()));
    }
    out.net = models::DiT(cfg);
    const std::string weights = (fs::path(dir) / "weights.pt").string();
    if (auto ok = models::loadWeights(*out.net, weights, models::architectureTag("dit-denoiser", cfg.toJson())); !ok)
        return ok.error();
    out.folder = dir;
    out.weights = weightsFingerprint(*out.net);
    return out;
}

Result<at::Tensor> sampleImages(const DiTFunction& net, double sd, const std::vector<int>& labels, int steps,
                                std::uint64_t seed, const JobContext& ctx) {
    using R = Result<at::Tensor>;
    if (labels.empty()) return R::invalid("no images asked for");
    sde::VeParams vp;
    vp.sigmaMin = 0.002;
    vp.sigmaMax = 80.0;
    const auto ve = sde::makeVe(vp);
    std::vector<at::Tensor> out;
    const int n = static_cast<int>(labels.size());
    for (int first = 0; first < n; first += 100) {
        const int count = std::min(100, n - first);
        const auto lab = at::tensor(std::vector<std::int64_t>(labels.begin() + first, labels.begin() + first + count));
        const sde::SigmaDenoiser sig = [&](const at::Tensor& xt, const at::Tensor& st, const at::Tensor&) {
            const auto sigma = st.dim() == 0 ? st.expand({xt.size(0)}) : st.reshape({xt.size(0), -1}).select(1, 0);
            torch::NoGradGuard g;
            return edmDenoise(net, xt, sigma.to(xt.scalar_type()).contiguous(), lab, sd);
        };
        const auto den = sde::denoiserFromSigma(*ve, sig);
        solvers::NoiseSource noise(seed + std::uint64_t(first), solvers::NoiseMode::PerItem);
        const auto xT = solvers::priorSample(*ve, at::zeros({count, 1, 28, 28}), at::Tensor(), noise);
        solvers::EdmOptions o;
        o.common.steps = steps;
        o.common.seed = seed + std::uint64_t(first) + 0x9E3779B97F4A7C15ULL;
        o.sigmaMin = 0.002;
        o.sigmaMax = 80.0;
        auto r = solvers::sampleEdm(*ve, den, xT, at::Tensor(), o, ctx);
        if (!r) return r.error();
        out.push_back(r.value().x.clamp(-1, 1));
    }
    return at::cat(out, 0);
}

Result<QualityJudge> loadQualityJudge() {
    const std::string classifierDir = models::zoo::find(models::zoo::kClassifier);
    auto clf = models::loadClassifierFolder(classifierDir.empty() ? models::zoo::kClassifier : classifierDir);
    if (!clf) return clf.error();
    auto test = data::loadFashionMnist(data::Split::Test);
    if (!test) return test.error();
    QualityJudge j;
    j.classifier = std::move(clf).value();
    j.classifier->eval();
    j.testImages = test.value().images;
    j.testLabels = test.value().labels;
    return j;
}

Result<Quality> quality(const DiTFunction& net, double sd, const std::vector<int>& classes, int samples, int steps,
                        std::uint64_t seed, const JobContext& ctx) {
    auto judge = loadQualityJudge();
    if (!judge) return judge.error();
    return quality(judge.value(), net, sd, classes, samples, steps, seed, ctx);
}

Result<Quality> quality(QualityJudge& judge, const DiTFunction& net, double sd, const std::vector<int>& classes,
                        int samples, int steps, std::uint64_t seed, const JobContext& ctx) {
    using R = Result<Quality>;
    if (classes.empty() || samples < 2) return R::invalid("quality needs classes and at least 2 samples");
    std::vector<int> labels(static_cast<std::size_t>(samples));
    for (int i = 0; i < samples; ++i) labels[std::size_t(i)] = classes[std::size_t(i) % classes.size()];
    auto x = sampleImages(net, sd, labels, steps, seed, ctx);
    if (!x) return x.error();
    torch::NoGradGuard g;
    auto& c = judge.classifier;
    auto keep = at::zeros_like(judge.testLabels, at::kBool);
    for (int k : classes) keep = keep.logical_or(judge.testLabels.eq(k));
    const auto idx = keep.nonzero().view({-1});
    if (idx.numel() < 2) return R::invalid("the test split has no images of the chosen classes");
    const auto real = data::toSigned(judge.testImages.index_select(0, idx));
    // Samples are quantised to 8 bits as a saved image would be, then judged like the test images.
    const auto fake = ((x.value() + 1) * 127.5).round().clamp(0, 255).div(127.5).sub(1);
    auto ga = metrics::fitGaussian(c->features(real));
    auto gb = metrics::fitGaussian(c->features(fake));
    if (!ga) return ga.error();
    if (!gb) return gb.error();
    auto fd = metrics::frechetDistance(ga.value(), gb.value());
    if (!fd) return fd.error();
    const auto pred = c->forward(fake).argmax(1);
    const auto want = at::tensor(std::vector<std::int64_t>(labels.begin(), labels.end()));
    Quality q;
    q.fd = fd.value();
    q.agreement = pred.eq(want).to(at::kDouble).mean().item<double>();
    q.samples = samples;
    return q;
}

ImageU8 gridImage(const at::Tensor& x, int columns) {
    const auto n = x.size(0), h = x.size(2), w = x.size(3);
    const std::int64_t cols = std::max<std::int64_t>(1, std::min<std::int64_t>(columns, n));
    const std::int64_t rows = (n + cols - 1) / cols, gap = 2;
    auto canvas = at::full({rows * (h + gap) - gap, cols * (w + gap) - gap}, 32, at::kByte);
    const auto u8 = ((x.detach().to(at::kFloat).cpu() + 1) * 127.5).round().clamp(0, 255).to(at::kByte);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto r = i / cols, c = i % cols;
        canvas.slice(0, r * (h + gap), r * (h + gap) + h).slice(1, c * (w + gap), c * (w + gap) + w).copy_(u8[i][0]);
    }
    ImageU8 out;
    out.width = static_cast<int>(canvas.size(1));
    out.height = static_cast<int>(canvas.size(0));
    out.channels = 1;
    out.pixels.assign(canvas.data_ptr<std::uint8_t>(), canvas.data_ptr<std::uint8_t>() + canvas.numel());
    return out;
}

Result<TunedComparison> compareNetworks(const DiTFunction& base, double baseSigmaData, const DiTFunction& tuned,
                                        double tunedSigmaData, const std::vector<int>& labels, int perLabel, int steps,
                                        std::uint64_t seed, const JobContext& ctx) {
    using R = Result<TunedComparison>;
    if (perLabel < 1 || perLabel > 64) return R::invalid("samples per label must be between 1 and 64");
    if (labels.empty()) return R::invalid("name the labels to sample");
    std::vector<int> all;
    for (int l : labels) all.insert(all.end(), static_cast<std::size_t>(perLabel), l);
    auto xb = sampleImages(base, baseSigmaData, all, steps, seed, ctx);
    if (!xb) return xb.error();
    TunedComparison out;
    out.base = gridImage(xb.value(), perLabel);
    if (tuned) {
        auto xt = sampleImages(tuned, tunedSigmaData, all, steps, seed, ctx);
        if (!xt) return xt.error();
        out.tuned = gridImage(xt.value(), perLabel);
    } else {
        out.tuned = out.base;
    }
    out.labels = labels;
    return out;
}

Result<TunedCheckpoint> loadTunedCheckpoint(const std::string& checkpoint) {
    using R = Result<TunedCheckpoint>;
    return guarded<TunedCheckpoint>("read " + checkpoint, [&]() -> R {
        if (!fs::exists(checkpoint)) return R::invalid(checkpoint + ": no such file");
        torch::serialize::InputArchive root;
        root.load_from(checkpoint);
        c10::IValue text;
        if (!root.try_read("recipe", text) || !text.isString())
            return R::invalid(checkpoint + " records no recipe (not a training checkpoint)");
        auto recipe = train::parseRecipe(text.toStringRef(), checkpoint);
        if (!recipe) return recipe.error();
        if (recipe.value().task != "dit-tune")
            return R::invalid(checkpoint + " is a '" + recipe.value().task + "' run, not a fine-tuning (dit-tune) run");
        TunedCheckpoint out;
        if (auto why = out.options.read(recipe.value().section); !why.empty()) return R::invalid(why);
        auto made = makeDiTTuneTask(recipe.value(), train::TaskData::Skip);
        if (!made) return made.error();
        out.task = std::move(made).value();
        if (auto ok = models::loadWeights(out.task->module(), checkpoint, out.task->architecture()); !ok)
            return ok.error();
        out.net = dynamic_cast<TunedDiTImpl*>(&out.task->module());
        if (!out.net) return R::failed("the fine-tuning task holds no tuned DiT");
        if (c10::IValue v; root.try_read("step", v) && v.isTensor()) out.step = v.toTensor().item<std::int64_t>();
        out.run = recipe.value().name;
        return out;
    });
}

namespace {
template <typename Opts>
Result<Opts> readOptions(const train::Recipe& r) {
    Opts o;
    if (auto why = o.read(r.section); !why.empty()) return Result<Opts>::invalid(why);
    return o;
}
} // namespace

TaskResult makeDiTDenoiserTask(const train::Recipe& r, train::TaskData mode) {
    auto o = readOptions<DiTDenoiserOptions>(r);
    if (!o) return o.error();
    data::LabelledImages images;
    if (mode == train::TaskData::Load) {
        auto loaded = train::loadImagesFor(o.value().data, r.batch, o.value().net.channels);
        if (!loaded) return loaded.error();
        images = std::move(loaded).value();
    }
    return std::unique_ptr<train::TrainTask>(std::make_unique<DiTDenoiserTask>(r, std::move(o).value(), std::move(images)));
}

TaskResult makeDiTTuneTask(const train::Recipe& r, train::TaskData mode) {
    auto o = readOptions<DiTTuneOptions>(r);
    if (!o) return o.error();
    auto base = loadDiTFolder(o.value().base);
    if (!base) return TaskResult::invalid("base: " + base.error().message);
    const auto& cfg = base.value().net->config();
    if (auto why = checkNet(o.value().data, cfg); !why.empty()) return TaskResult::invalid(why);
    if (auto why = o.value().method.validate(cfg.depth); !why.empty()) return TaskResult::invalid(why);
    data::LabelledImages images;
    if (mode == train::TaskData::Load) {
        auto loaded = train::loadImagesFor(o.value().data, r.batch, cfg.channels);
        if (!loaded) return loaded.error();
        images = std::move(loaded).value();
    }
    base.value().net->train();
    return std::unique_ptr<train::TrainTask>(
        std::make_unique<DiTTuneTask>(r, std::move(o).value(), std::move(images), std::move(base).value()));
}

} // namespace reverie::tune
