#include "speech/task.h"

#include "base/runtime.h"
#include "models/store.h"
#include "speech/pairs.h"
#include "speech/stft.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <cmath>
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
        auto pair = enhancerBatch(*m_corpus, m_r.seed, step, m_r.batch);
        if (!pair) return pair.error();
        const auto& [x0, mu] = pair.value();
        const auto sigma = m_o.noise.sample(m_r.batch, gen);
        const auto z = at::randn(x0.sizes(), gen);
        return train::residualLoss(m_model, x0, mu, sigma, z);
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
    if (auto why = s.finish(); !why.empty()) return why;
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
    return j;
}

CorpusOptions EnhancerOptions::corpus() const {
    CorpusOptions o;
    o.dir = speechDir;
    o.testSpeaker = testSpeaker;
    o.trainSpeakers.erase(std::remove(o.trainSpeakers.begin(), o.trainSpeakers.end(), testSpeaker), o.trainSpeakers.end());
    if (testSpeaker != "ru") o.trainSpeakers.push_back("ru"); // the default test speaker trains instead
    o.length = std::int64_t(cropFrames - 1) * SpecParams{}.hop;
    o.snrMin = snrMin;
    o.snrMax = snrMax;
    return o;
}

Result<std::pair<at::Tensor, at::Tensor>> enhancerBatch(const Corpus& corpus, std::uint64_t seed, std::int64_t step,
                                                        int batch) {
    std::vector<at::Tensor> x0, mu;
    for (int i = 0; i < batch; ++i) {
        const auto m = corpus.mixture(CorpusSplit::Train, seed, std::uint64_t(step) * std::uint64_t(batch) + std::uint64_t(i));
        auto p = trainingPair(m.clean, m.noisy);
        if (!p) return p.error();
        x0.push_back(p.value().first);
        mu.push_back(p.value().second);
    }
    return std::make_pair(at::stack(x0), at::stack(mu));
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
    return std::unique_ptr<train::TrainTask>(std::make_unique<EnhancerTask>(r, std::move(o), std::move(corpus)));
}

} // namespace reverie::speech
