#include "speech/task.h"

#include "base/runtime.h"
#include "models/store.h"
#include "speech/pairs.h"
#include "speech/predictive.h"
#include "speech/stft.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

namespace reverie::speech {
namespace {

class EnhancerTask : public train::TrainTask {
public:
    EnhancerTask(train::Recipe r, EnhancerOptions o, std::optional<Corpus> corpus)
        : m_r(std::move(r)), m_o(std::move(o)), m_corpus(std::move(corpus)), m_model(m_o.net, m_o.noise.sigmaData) {}
    torch::nn::Module& module() override { return *m_model; }
    std::string architecture() const override { return models::architectureTag("enhancer", m_o.net.toJson()); }
    nlohmann::json section() const override { return m_o.toJson(); }
    Result<at::Tensor> loss(std::int64_t step, at::Generator& gen) override {
        if (!m_corpus) return Result<at::Tensor>::failed("the enhancer task was made without its corpus");
        auto batch = enhancerBatch(*m_corpus, m_r.seed, step, m_r.batch);
        if (!batch) return batch.error();
        const auto& b = batch.value();
        at::Tensor labels;
        if (m_o.net.numClasses > 0) {
            const auto drop = at::bernoulli(at::full({m_r.batch}, m_o.labelDropout), gen).to(at::kBool);
            labels = at::where(drop, at::full({m_r.batch}, std::int64_t(m_o.net.numClasses), at::kLong), b.reverberant);
        }
        if (m_o.objective == kPredictiveObjective) return predictiveLoss(m_model, b.x0, b.mu, labels, m_o.maskBound);
        const auto sigma = m_o.noise.sample(m_r.batch, gen);
        const auto z = at::randn(b.x0.sizes(), gen);
        return train::residualLoss(m_model, b.x0, b.mu, sigma, z, labels);
    }

    // Starts from another run's weights (header: init_from); the architecture must be the same.
    Result<bool> initFrom(const std::string& path) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec))
            return Result<bool>::invalid("init_from: " + path +
                                         " does not exist (this recipe continues that run: train it first)");
        auto ok = models::loadWeights(*m_model, path, architecture());
        if (!ok) return Result<bool>::invalid("init_from: " + ok.error().message);
        m_model->train();
        return true;
    }

private:
    train::Recipe m_r;
    EnhancerOptions m_o;
    std::optional<Corpus> m_corpus;
    models::EdmDenoiser m_model;
};

} // namespace

std::string EnhancerOptions::read(const nlohmann::json& section) {
    train::SectionReader s(section, "enhancer");
    std::string dataset = "speech"; // the first recipe format named it
    s.read("dataset", dataset);
    s.read("speech_dir", speechDir);
    s.read("crop_frames", cropFrames);
    s.read("test_speaker", testSpeaker);
    s.read("snr_min", snrMin);
    s.read("snr_max", snrMax);
    if (auto why = noise.read(s); !why.empty()) return why;
    if (const auto& j = s.object("net"); !j.is_null())
        if (auto why = models::UNetConfig::fromJson(j, &net); !why.empty()) return why;
    s.read("layout", layout);
    s.read("noise_dir", noiseDir);
    std::vector<std::string> noiseNames;
    s.read("noises", noiseNames);
    s.read("reverb_share", reverbShare);
    s.read("room_share", roomShare);
    s.read("t60_min", t60Min);
    s.read("t60_max", t60Max);
    s.read("label_dropout", labelDropout);
    s.read("objective", objective);
    s.read("mask_bound", maskBound);
    s.read("init_from", initFrom);
    if (auto why = s.finish(); !why.empty()) return why;
    noises.clear();
    for (const auto& name : noiseNames) {
        const auto k = parseNoiseKind(name);
        if (!k) return "unknown noise family '" + name + "'";
        noises.push_back(*k);
    }
    if (layout != "speakers" && layout != "split") return "layout must be \"speakers\" or \"split\"";
    if (!(reverbShare >= 0 && reverbShare <= 1)) return "reverb_share must be in [0, 1]";
    if (!(roomShare >= 0 && roomShare <= 1)) return "room_share must be in [0, 1]";
    if (!(t60Min > 0 && t60Max >= t60Min && t60Max <= 2)) return "need 0 < t60_min <= t60_max <= 2";
    if (net.numClasses != 0 && net.numClasses != 2) return "net.num_classes must be 0 or 2 (the task labels)";
    if (labelDropout < 0 || labelDropout > 1) return "label_dropout must be in [0, 1]";
    if (objective != kScoreObjective && objective != kPredictiveObjective)
        return "objective must be \"score\" (EDM residual score model) or \"mask\" (predictive mask)";
    if (!(maskBound >= 1 && maskBound <= 10)) return "mask_bound must be between 1 and 10";
    if (dataset != "speech") return "the enhancer trains on the speech corpus (dataset \"speech\")";
    if (net.inChannels != 2 || net.condChannels != 2 || net.outChannels != 2)
        return "the enhancer works on complex spectrograms conditioned on the noisy one: net.in_channels, "
               "net.cond_channels and net.out_channels must all be 2";
    if (cropFrames < 4 || cropFrames > 1024 || cropFrames % 4 != 0) return "crop_frames must be a multiple of 4 between 4 and 1024";
    if (!(snrMin <= snrMax) || !std::isfinite(snrMin) || !std::isfinite(snrMax)) return "need a finite snr_min <= snr_max";
    if (testSpeaker.empty()) return "test_speaker must name the held-out speaker";
    return {};
}

nlohmann::json EnhancerOptions::toJson() const {
    nlohmann::json j = {{"speech_dir", speechDir}, {"crop_frames", cropFrames}, {"test_speaker", testSpeaker},
                        {"snr_min", snrMin},       {"snr_max", snrMax},         {"net", net.toJson()}};
    noise.write(j);
    if (layout != "speakers") {
        std::vector<std::string> names;
        for (const auto k : noises) names.push_back(toString(k));
        j["layout"] = layout;
        j["noise_dir"] = noiseDir;
        j["noises"] = names;
        j["reverb_share"] = reverbShare;
        if (roomShare > 0) j["room_share"] = roomShare;
        j["t60_min"] = t60Min;
        j["t60_max"] = t60Max;
    }
    if (net.numClasses > 0) j["label_dropout"] = labelDropout;
    if (objective != kScoreObjective) {
        j["objective"] = objective;
        j["mask_bound"] = maskBound;
    }
    if (!initFrom.empty()) j["init_from"] = initFrom;
    return j;
}

CorpusOptions EnhancerOptions::corpus() const {
    CorpusOptions o;
    o.dir = speechDir;
    o.layout = layout;
    o.noiseDir = noiseDir;
    if (!noises.empty()) o.noises = noises;
    else if (layout == "split")
        o.noises = {NoiseKind::Recorded, NoiseKind::Recorded, NoiseKind::Recorded, NoiseKind::Recorded, NoiseKind::Babble,
                    NoiseKind::Babble,   NoiseKind::White,    NoiseKind::Pink,     NoiseKind::Brown,    NoiseKind::Slope,
                    NoiseKind::Tonal,    NoiseKind::Impulsive, NoiseKind::Hum};
    o.reverbShare = reverbShare;
    o.roomShare = roomShare;
    o.t60Min = t60Min;
    o.t60Max = t60Max;
    o.testSpeaker = testSpeaker;
    o.trainSpeakers.erase(std::remove(o.trainSpeakers.begin(), o.trainSpeakers.end(), testSpeaker), o.trainSpeakers.end());
    if (testSpeaker != "ru") o.trainSpeakers.push_back("ru"); // the default test speaker trains instead
    o.length = std::int64_t(cropFrames - 1) * SpecParams{}.hop;
    o.snrMin = snrMin;
    o.snrMax = snrMax;
    return o;
}

Result<EnhancerBatch> enhancerBatch(const Corpus& corpus, std::uint64_t seed, std::int64_t step, int batch) {
    std::vector<at::Tensor> x0, mu;
    std::vector<std::int64_t> reverberant;
    for (int i = 0; i < batch; ++i) {
        const auto m = corpus.mixture(CorpusSplit::Train, seed, std::uint64_t(step) * std::uint64_t(batch) + std::uint64_t(i));
        auto p = trainingPair(m.clean, m.noisy);
        if (!p) return p.error();
        x0.push_back(p.value().first);
        mu.push_back(p.value().second);
        reverberant.push_back(m.t60 > 0 && !m.roomKept ? 1 : 0); // a kept room is not to be removed
    }
    return EnhancerBatch{at::stack(x0), at::stack(mu), at::tensor(reverberant, at::kLong)};
}


Result<std::unique_ptr<train::TrainTask>> makeEnhancerTask(const train::Recipe& r, train::TaskData mode) {
    using R = Result<std::unique_ptr<train::TrainTask>>;
    EnhancerOptions o;
    if (auto why = o.read(r.section); !why.empty()) return R::invalid(why);
    std::optional<Corpus> corpus;
    if (mode == train::TaskData::Load) {
        runtime::keepFreedMemory(); // the step's activations are freed and reallocated every step
        auto c = Corpus::load(o.corpus());
        if (!c) return c.error();
        corpus = c.value();
    }
    const std::string init = o.initFrom;
    auto task = std::make_unique<EnhancerTask>(r, std::move(o), std::move(corpus));
    if (mode == train::TaskData::Load && !init.empty()) // not when only inspected or exported
        if (auto ok = task->initFrom(init); !ok) return ok.error();
    return std::unique_ptr<train::TrainTask>(std::move(task));
}

} // namespace reverie::speech
