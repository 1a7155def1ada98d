#include "restore/task.h"

#include "models/conditioned.h"
#include "models/store.h"
#include "restore/degrade.h"

#include <torch/serialize.h>

#include <filesystem>

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
        const auto degraded = degradeMixed(b.x, m_pool, gen, m_ranges);
        const auto& mu = degraded.mu;
        const auto sigma = m_o.noise.sample(m_r.batch, gen);
        const auto z = at::randn(b.x.sizes(), gen);
        at::Tensor labels; // the task as a class label (net.num_classes = 8), "unknown" at the dropout rate
        if (m_o.net.numClasses > 0) {
            std::vector<std::int64_t> l; // enum order = allDegradations() order
            for (const auto& d : degraded.params) l.push_back(std::int64_t(d.kind));
            labels = at::tensor(l, at::kLong);
            const auto unknown = at::rand({m_r.batch}, gen) < m_o.taskLabelDropout;
            labels = at::where(unknown, at::full_like(labels, m_o.net.numClasses), labels);
        }
        if (m_o.net.condChannels == m_o.net.inChannels) return train::residualLoss(m_model, b.x, mu, sigma, z, labels);
        // The noise map: each item's noise level (0 for other degradations), a constant plane.
        std::vector<float> level;
        for (const auto& d : degraded.params)
            level.push_back(d.kind == Degradation::Noise
                                ? float(models::noiseMapLevel(d.noiseSigma255, m_o.noise.sigmaData))
                                : 0.f);
        const auto map = at::tensor(level).view({-1, 1, 1, 1}).expand({mu.size(0), 1, mu.size(2), mu.size(3)});
        return train::residualLoss(m_model, b.x, mu, sigma, z, labels, at::cat({mu, map.to(mu.options())}, 1));
    }

    // Copies the weights of another restorer (file or checkpoint) into the model (header: init_from).
    Result<bool> initFrom(const std::string& path) {
        using R = Result<bool>;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec))
            return R::invalid("init_from: " + path + " does not exist (this recipe continues that run: train it first)");
        std::string arch;
        auto read = guarded<bool>("reading " + path, [&]() -> R {
            torch::serialize::InputArchive root;
            root.load_from(path);
            c10::IValue a;
            if (root.try_read("architecture", a) && a.isString()) arch = a.toStringRef();
            return true;
        });
        if (!read) return read.error();
        const std::string prefix = "restorer ";
        if (arch.rfind(prefix, 0) != 0)
            return R::invalid("init_from: " + path + " is not a restorer's weights (architecture '" + arch + "')");
        models::UNetConfig old;
        nlohmann::json j = nlohmann::json::parse(arch.substr(prefix.size()), nullptr, false);
        if (j.is_discarded()) return R::invalid("init_from: " + path + " records an unreadable architecture");
        if (auto why = models::UNetConfig::fromJson(j, &old); !why.empty()) return R::invalid("init_from: " + why);
        auto src = models::loadDenoiser(path, old, m_o.noise.sigmaData, "restorer");
        if (!src) return src.error();
        torch::NoGradGuard g;
        auto from = src.value()->named_parameters(true);
        for (const auto& b : src.value()->named_buffers(true)) from.insert(b.key(), b.value());
        auto to = m_model->named_parameters(true);
        for (const auto& b : m_model->named_buffers(true)) to.insert(b.key(), b.value());
        std::int64_t copied = 0;
        for (auto& p : to) {
            const auto* s = from.find(p.key());
            if (!s) {
                // A class embedding the old model lacks (task labels) adds zero: the run starts
                // exactly at the old model.
                if (p.key().find("class_emb") != std::string::npos) p.value().zero_();
                continue;
            }
            auto& dst = p.value();
            if (s->sizes() == dst.sizes()) {
                dst.copy_(*s), ++copied;
            } else if (s->dim() == 4 && dst.dim() == 4 && s->size(0) == dst.size(0) && s->size(1) < dst.size(1) &&
                       s->size(2) == dst.size(2) && s->size(3) == dst.size(3)) {
                dst.zero_();
                dst.narrow(1, 0, s->size(1)).copy_(*s), ++copied;
            } else {
                return R::invalid("init_from: the tensor " + p.key() + " of " + path + " does not fit the new architecture");
            }
        }
        if (copied == 0) return R::invalid("init_from: no tensor of " + path + " fits the model");
        m_model->train();
        return true;
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
    s.read("noise_sigma_power", ranges.noiseSigmaPower);
    s.read("blur_sigma_min", ranges.blurSigmaMin);
    s.read("blur_sigma_max", ranges.blurSigmaMax);
    s.read("motion_length_min", ranges.motionLengthMin);
    s.read("motion_length_max", ranges.motionLengthMax);
    s.read("jpeg_quality_min", ranges.jpegQualityMin);
    s.read("jpeg_quality_max", ranges.jpegQualityMax);
    s.read("box_coverage_min", ranges.boxCoverageMin);
    s.read("box_coverage_max", ranges.boxCoverageMax);
    s.read("init_from", initFrom);
    s.read("task_label_dropout", taskLabelDropout);
    if (const auto& j = s.object("net"); !j.is_null())
        if (auto why = models::UNetConfig::fromJson(j, &net); !why.empty()) return why;
    if (auto why = s.finish(); !why.empty()) return why;
    for (const auto& d : degradations)
        if (!parseDegradation(d)) {
            std::string known;
            for (const auto& id : degradationIds()) known += (known.empty() ? "" : ", ") + id;
            return "unknown degradation '" + d + "' (known: " + known + ")";
        }
    if (net.condChannels != net.inChannels && net.condChannels != net.inChannels + 1)
        return "the restorer is conditioned on μ: net.cond_channels must be net.in_channels (or one more, a noise map)";
    if (net.numClasses != 0 && net.numClasses != std::int64_t(allDegradations().size()))
        return "net.num_classes must be 0 (blind) or " + std::to_string(allDegradations().size()) +
               " (the task as a label, one per degradation)";
    if (!(taskLabelDropout >= 0) || taskLabelDropout > 1) return "need 0 <= task_label_dropout <= 1";
    if (!(noiseSigmaMin >= 0) || !(noiseSigmaMax >= noiseSigmaMin)) return "need 0 <= noise_sigma_min <= noise_sigma_max";
    if (!(ranges.noiseSigmaPower > 0) || ranges.noiseSigmaPower > 10) return "need 0 < noise_sigma_power <= 10";
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
    if (ranges.noiseSigmaPower != 1.0) j["noise_sigma_power"] = ranges.noiseSigmaPower;
    j["blur_sigma_min"] = ranges.blurSigmaMin;
    j["blur_sigma_max"] = ranges.blurSigmaMax;
    j["motion_length_min"] = ranges.motionLengthMin;
    j["motion_length_max"] = ranges.motionLengthMax;
    j["jpeg_quality_min"] = ranges.jpegQualityMin;
    j["jpeg_quality_max"] = ranges.jpegQualityMax;
    j["box_coverage_min"] = ranges.boxCoverageMin;
    j["box_coverage_max"] = ranges.boxCoverageMax;
    j["net"] = net.toJson();
    if (!initFrom.empty()) j["init_from"] = initFrom;
    if (net.numClasses > 0) j["task_label_dropout"] = taskLabelDropout;
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
    const std::string init = o.initFrom;
    auto task = std::make_unique<RestorerTask>(r, std::move(o), std::move(images));
    if (mode == train::TaskData::Load && !init.empty())
        if (auto ok = task->initFrom(init); !ok) return ok.error();
    return std::unique_ptr<train::TrainTask>(std::move(task));
}

} // namespace reverie::restore
