#include "restore/task.h"

#include "models/store.h"
#include "restore/degrade.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

namespace reverie::restore {
namespace {

class RestorerTask : public train::TrainTask {
public:
    RestorerTask(train::Recipe r, RestorerOptions o, data::LabelledImages images)
        : m_r(std::move(r)), m_o(std::move(o)), m_images(std::move(images)), m_model(m_o.net, m_o.noise.sigmaData) {
        for (const auto& d : m_o.degradations) m_pool.push_back(*parseDegradation(d));
        if (m_pool.empty()) m_pool = allDegradations();
        m_ranges = m_o.ranges;
        m_ranges.noiseSigmaMin = m_o.noiseSigmaMin;
        m_ranges.noiseSigmaMax = m_o.noiseSigmaMax;
    }
    torch::nn::Module& module() override { return *m_model; }
    std::string architecture() const override { return models::architectureTag("restorer", m_o.net.toJson()); }
    nlohmann::json section() const override { return m_o.toJson(); }
    Result<at::Tensor> loss(std::int64_t step, at::Generator& gen) override {
        const auto b = train::imageBatch(m_o.data, m_images, m_r, step, gen);
        const auto mu = degradeMixed(b.x, m_pool, gen, m_ranges).mu;
        const auto sigma = m_o.noise.sample(m_r.batch, gen);
        const auto z = at::randn(b.x.sizes(), gen);
        return train::residualLoss(m_model, b.x, mu, sigma, z);
    }

private:
    train::Recipe m_r;
    RestorerOptions m_o;
    data::LabelledImages m_images;
    models::EdmDenoiser m_model;
    std::vector<Degradation> m_pool;
    DegradeRanges m_ranges;
};

} // namespace

std::string RestorerOptions::read(const nlohmann::json& section) {
    train::SectionReader s(section, "restorer");
    if (auto why = data.read(s); !why.empty()) return why;
    if (auto why = noise.read(s); !why.empty()) return why;
    s.read("degradations", degradations);
    s.read("noise_sigma_min", noiseSigmaMin);
    s.read("noise_sigma_max", noiseSigmaMax);
    s.read("blur_sigma_min", ranges.blurSigmaMin);
    s.read("blur_sigma_max", ranges.blurSigmaMax);
    s.read("motion_length_min", ranges.motionLengthMin);
    s.read("motion_length_max", ranges.motionLengthMax);
    s.read("jpeg_quality_min", ranges.jpegQualityMin);
    s.read("jpeg_quality_max", ranges.jpegQualityMax);
    s.read("box_coverage_min", ranges.boxCoverageMin);
    s.read("box_coverage_max", ranges.boxCoverageMax);
    if (const auto& j = s.object("net"); !j.is_null())
        if (auto why = models::UNetConfig::fromJson(j, &net); !why.empty()) return why;
    if (auto why = s.finish(); !why.empty()) return why;
    for (const auto& d : degradations)
        if (!parseDegradation(d)) {
            std::string known;
            for (const auto& id : degradationIds()) known += (known.empty() ? "" : ", ") + id;
            return "unknown degradation '" + d + "' (known: " + known + ")";
        }
    if (net.condChannels != net.inChannels) return "the restorer is conditioned on μ: net.cond_channels must equal net.in_channels";
    if (!(noiseSigmaMin >= 0) || !(noiseSigmaMax >= noiseSigmaMin)) return "need 0 <= noise_sigma_min <= noise_sigma_max";
    if (!(ranges.blurSigmaMin > 0) || !(ranges.blurSigmaMax >= ranges.blurSigmaMin)) return "need 0 < blur_sigma_min <= blur_sigma_max";
    if (!(ranges.motionLengthMin >= 1) || !(ranges.motionLengthMax >= ranges.motionLengthMin))
        return "need 1 <= motion_length_min <= motion_length_max";
    if (ranges.jpegQualityMin < 1 || ranges.jpegQualityMax > 100 || ranges.jpegQualityMin > ranges.jpegQualityMax)
        return "need 1 <= jpeg_quality_min <= jpeg_quality_max <= 100";
    if (!(ranges.boxCoverageMin > 0) || !(ranges.boxCoverageMax >= ranges.boxCoverageMin) || ranges.boxCoverageMax >= 1)
        return "need 0 < box_coverage_min <= box_coverage_max < 1";
    return {};
}

nlohmann::json RestorerOptions::toJson() const {
    nlohmann::json j = nlohmann::json::object();
    data.write(j);
    noise.write(j);
    j["degradations"] = degradations;
    j["noise_sigma_min"] = noiseSigmaMin;
    j["noise_sigma_max"] = noiseSigmaMax;
    j["blur_sigma_min"] = ranges.blurSigmaMin;
    j["blur_sigma_max"] = ranges.blurSigmaMax;
    j["motion_length_min"] = ranges.motionLengthMin;
    j["motion_length_max"] = ranges.motionLengthMax;
    j["jpeg_quality_min"] = ranges.jpegQualityMin;
    j["jpeg_quality_max"] = ranges.jpegQualityMax;
    j["box_coverage_min"] = ranges.boxCoverageMin;
    j["box_coverage_max"] = ranges.boxCoverageMax;
    j["net"] = net.toJson();
    return j;
}

Result<std::unique_ptr<train::TrainTask>> makeRestorerTask(const train::Recipe& r, train::TaskData mode) {
    using R = Result<std::unique_ptr<train::TrainTask>>;
    RestorerOptions o;
    if (auto why = o.read(r.section); !why.empty()) return R::invalid(why);
    data::LabelledImages images;
    if (mode == train::TaskData::Load) {
        auto loaded = train::loadImagesFor(o.data, r.batch, o.net.inChannels);
        if (!loaded) return loaded.error();
        images = std::move(loaded).value();
    }
    return std::unique_ptr<train::TrainTask>(std::make_unique<RestorerTask>(r, std::move(o), std::move(images)));
}

} // namespace reverie::restore
