#include "generate/tasks.h"

#include "models/store.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <cmath>

namespace reverie::generate {
namespace {

using TaskResult = Result<std::unique_ptr<train::TrainTask>>;

// Reads the image-data keys and the nested network config; the rest is the caller's.
template <typename Config>
std::string readNet(train::SectionReader& s, const char* key, Config& config) {
    const auto& j = s.object(key);
    if (j.is_null()) return {};
    return Config::fromJson(j, &config);
}

class DenoiserTask : public train::TrainTask {
public:
    DenoiserTask(train::Recipe r, DenoiserOptions o, data::LabelledImages images)
        : m_r(std::move(r)), m_o(std::move(o)), m_images(std::move(images)), m_model(m_o.net, m_o.noise.sigmaData) {}
    torch::nn::Module& module() override { return *m_model; }
    std::string architecture() const override { return models::architectureTag("denoiser", m_o.net.toJson()); }
    nlohmann::json section() const override { return m_o.toJson(); }
    Result<at::Tensor> loss(std::int64_t step, at::Generator& gen) override {
        auto b = train::imageBatch(m_o.data, m_images, m_r, step, gen);
        at::Tensor labels;
        if (m_o.net.numClasses > 0) {
            const auto drop = at::bernoulli(at::full({m_r.batch}, m_o.labelDropout), gen).to(at::kBool);
            labels = at::where(drop, at::full_like(b.labels, m_o.net.numClasses), b.labels);
        }
        const auto sigma = m_o.noise.sample(m_r.batch, gen);
        const auto z = at::randn(b.x.sizes(), gen);
        return train::edmLoss(m_model, b.x, sigma, z, labels);
    }

private:
    train::Recipe m_r;
    DenoiserOptions m_o;
    data::LabelledImages m_images;
    models::EdmDenoiser m_model;
};

class ClassifierTask : public train::TrainTask {
public:
    ClassifierTask(train::Recipe r, ClassifierOptions o, data::LabelledImages images)
        : m_r(std::move(r)), m_o(std::move(o)), m_images(std::move(images)), m_model(m_o.classifier) {}
    torch::nn::Module& module() override { return *m_model; }
    std::string architecture() const override { return models::architectureTag("classifier", m_o.classifier.toJson()); }
    nlohmann::json section() const override { return m_o.toJson(); }
    Result<at::Tensor> loss(std::int64_t step, at::Generator& gen) override {
        auto b = train::imageBatch(m_o.data, m_images, m_r, step, gen);
        return at::cross_entropy_loss(m_model(b.x), b.labels);
    }
    Result<bool> finish(const std::string& checkpoint, train::Summary& summary, const JobContext&) override {
        if (m_o.data.dataset != "fashion-mnist") return true;
        auto test = data::loadFashionMnist(data::Split::Test);
        if (!test) return test.error();
        auto ema = models::loadClassifier(checkpoint, m_o.classifier);
        if (!ema) return ema.error();
        summary.figures.push_back({"test_accuracy", accuracy(ema.value(), test.value().images, test.value().labels)});
        return true;
    }

private:
    train::Recipe m_r;
    ClassifierOptions m_o;
    data::LabelledImages m_images;
    models::Classifier m_model;
};

class NoiseLevelTask : public train::TrainTask {
public:
    NoiseLevelTask(train::Recipe r, NoiseLevelOptions o, data::LabelledImages images)
        : m_r(std::move(r)), m_o(std::move(o)), m_images(std::move(images)), m_model(m_o.classifier) {}
    torch::nn::Module& module() override { return *m_model; }
    std::string architecture() const override { return models::architectureTag("noise-level", m_o.classifier.toJson()); }
    nlohmann::json section() const override { return m_o.toJson(); }
    Result<at::Tensor> loss(std::int64_t step, at::Generator& gen) override {
        auto b = train::imageBatch(m_o.data, m_images, m_r, step, gen);
        const double lo = std::log(m_o.sigmaMin), hi = std::log(m_o.sigmaMax);
        const auto sigma = (at::rand({m_r.batch}, gen) * (hi - lo) + lo).exp();
        const auto xt = b.x + sigma.view({-1, 1, 1, 1}) * at::randn(b.x.sizes(), gen);
        return (models::noiseLevelOutput(m_model, xt) - models::noiseLevelTarget(xt, sigma)).pow(2).mean();
    }

private:
    train::Recipe m_r;
    NoiseLevelOptions m_o;
    data::LabelledImages m_images;
    models::Classifier m_model;
};

} // namespace

std::string DenoiserOptions::read(const nlohmann::json& section) {
    train::SectionReader s(section, "denoiser");
    if (auto why = data.read(s); !why.empty()) return why;
    if (auto why = noise.read(s); !why.empty()) return why;
    s.read("label_dropout", labelDropout);
    if (auto why = readNet(s, "net", net); !why.empty()) return why;
    if (auto why = s.finish(); !why.empty()) return why;
    if (labelDropout < 0 || labelDropout > 1) return "label_dropout must be in [0, 1]";
    return {};
}

nlohmann::json DenoiserOptions::toJson() const {
    nlohmann::json j = nlohmann::json::object();
    data.write(j);
    noise.write(j);
    j["label_dropout"] = labelDropout;
    j["net"] = net.toJson();
    return j;
}

std::string ClassifierOptions::read(const nlohmann::json& section) {
    train::SectionReader s(section, "classifier");
    if (auto why = data.read(s); !why.empty()) return why;
    if (auto why = readNet(s, "classifier", classifier); !why.empty()) return why;
    if (auto why = s.finish(); !why.empty()) return why;
    if (classifier.classes < 2) return "a classifier needs at least 2 classes";
    return {};
}

nlohmann::json ClassifierOptions::toJson() const {
    nlohmann::json j = nlohmann::json::object();
    data.write(j);
    j["classifier"] = classifier.toJson();
    return j;
}

std::string NoiseLevelOptions::read(const nlohmann::json& section) {
    train::SectionReader s(section, "noise-level");
    if (auto why = data.read(s); !why.empty()) return why;
    if (auto why = readNet(s, "classifier", classifier); !why.empty()) return why;
    s.read("sigma_min", sigmaMin);
    s.read("sigma_max", sigmaMax);
    if (auto why = s.finish(); !why.empty()) return why;
    if (classifier.classes != 1) return "the noise-level task needs a classifier with \"classes\": 1 (one output: log σ)";
    if (!(sigmaMin > 0) || !(sigmaMax > sigmaMin)) return "need 0 < sigma_min < sigma_max";
    return {};
}

nlohmann::json NoiseLevelOptions::toJson() const {
    nlohmann::json j = nlohmann::json::object();
    data.write(j);
    j["classifier"] = classifier.toJson();
    j["sigma_min"] = sigmaMin;
    j["sigma_max"] = sigmaMax;
    return j;
}

namespace {
// Parses the section, loads the data when asked, builds the task.
template <typename Task, typename Opts>
TaskResult make(const train::Recipe& r, train::TaskData mode, int channels(const Opts&)) {
    Opts o;
    if (auto why = o.read(r.section); !why.empty()) return TaskResult::invalid(why);
    data::LabelledImages images;
    if (mode == train::TaskData::Load) {
        auto loaded = train::loadImagesFor(o.data, r.batch, channels(o));
        if (!loaded) return loaded.error();
        images = std::move(loaded).value();
    }
    return std::unique_ptr<train::TrainTask>(std::make_unique<Task>(r, std::move(o), std::move(images)));
}
} // namespace

TaskResult makeDenoiserTask(const train::Recipe& r, train::TaskData mode) {
    return make<DenoiserTask, DenoiserOptions>(r, mode, [](const DenoiserOptions& o) { return o.net.inChannels; });
}

TaskResult makeClassifierTask(const train::Recipe& r, train::TaskData mode) {
    return make<ClassifierTask, ClassifierOptions>(r, mode,
                                                   [](const ClassifierOptions& o) { return o.classifier.inChannels; });
}

TaskResult makeNoiseLevelTask(const train::Recipe& r, train::TaskData mode) {
    return make<NoiseLevelTask, NoiseLevelOptions>(r, mode,
                                                   [](const NoiseLevelOptions& o) { return o.classifier.inChannels; });
}

double accuracy(models::Classifier& model, const at::Tensor& images, const at::Tensor& labels) {
    torch::NoGradGuard g;
    const bool wasTraining = model->is_training();
    model->eval();
    std::int64_t correct = 0;
    const std::int64_t N = images.size(0);
    for (std::int64_t i = 0; i < N; i += 500) {
        const auto x = data::toSigned(images.slice(0, i, std::min(N, i + 500)));
        const auto pred = model(x).argmax(1);
        correct += pred.eq(labels.slice(0, i, std::min(N, i + 500))).sum().item<std::int64_t>();
    }
    model->train(wasTraining);
    return N > 0 ? double(correct) / double(N) : 0.0;
}

} // namespace reverie::generate
