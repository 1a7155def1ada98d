#include "erase/task.h"

#include "data/text.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

namespace reverie::erase {
namespace {

class TextDenoiserTask : public train::TrainTask {
public:
    TextDenoiserTask(train::Recipe r, TextDenoiserOptions o, data::LabelledImages images)
        : m_r(std::move(r)), m_o(std::move(o)), m_images(std::move(images)),
          m_model(m_o.net, m_o.textEncoder, m_o.noise.sigmaData) {}
    torch::nn::Module& module() override { return *m_model; }
    std::string architecture() const override { return models::textArchitecture(m_o.net, m_o.textEncoder); }
    nlohmann::json section() const override { return m_o.toJson(); }
    Result<at::Tensor> loss(std::int64_t step, at::Generator& gen) override {
        const auto b = train::imageBatch(m_o.data, m_images, m_r, step, gen);
        // Each item's class → one of its training prompts; dropped to "" for CFG.
        const auto drop = at::bernoulli(at::full({m_r.batch}, m_o.labelDropout), gen).to(at::kBool);
        const auto dropAcc = drop.accessor<bool, 1>();
        const auto yAcc = b.labels.accessor<std::int64_t, 1>();
        std::vector<std::string> prompts;
        prompts.reserve(std::size_t(m_r.batch));
        for (std::int64_t i = 0; i < m_r.batch; ++i)
            prompts.push_back(dropAcc[i] ? std::string() : data::text::trainingPrompt(int(yAcc[i]), m_r.seed, step, i));
        auto ids = models::tokenIds(prompts);
        if (!ids) return ids.error();
        const auto sigma = m_o.noise.sample(m_r.batch, gen);
        const auto z = at::randn(b.x.sizes(), gen);
        return models::textEdmLoss(m_model, b.x, sigma, z, ids.value());
    }

private:
    train::Recipe m_r;
    TextDenoiserOptions m_o;
    data::LabelledImages m_images;
    models::TextDenoiser m_model;
};

} // namespace

std::string TextDenoiserOptions::read(const nlohmann::json& section) {
    train::SectionReader s(section, "text-denoiser");
    if (auto why = data.read(s); !why.empty()) return why;
    if (auto why = noise.read(s); !why.empty()) return why;
    s.read("label_dropout", labelDropout);
    if (const auto& j = s.object("net"); !j.is_null())
        if (auto why = models::UNetConfig::fromJson(j, &net); !why.empty()) return why;
    if (const auto& j = s.object("text_encoder"); !j.is_null())
        if (auto why = models::TextEncoderConfig::fromJson(j, &textEncoder); !why.empty()) return why;
    if (auto why = s.finish(); !why.empty()) return why;
    if (data.dataset != "fashion-mnist")
        return "the text-denoiser task trains on Fashion-MNIST (its prompts name Fashion-MNIST classes)";
    if (net.contextDim != textEncoder.dim)
        return "the text-denoiser needs net.context_dim equal to text_encoder.dim (" + std::to_string(textEncoder.dim) + ")";
    if (net.numClasses != 0) return "the text-denoiser is conditioned on text only: net.num_classes must be 0";
    if (net.condChannels != 0) return "the text-denoiser takes no condition image: net.cond_channels must be 0";
    if (labelDropout < 0 || labelDropout > 1) return "label_dropout must be in [0, 1]";
    return {};
}

nlohmann::json TextDenoiserOptions::toJson() const {
    nlohmann::json j = nlohmann::json::object();
    data.write(j);
    noise.write(j);
    j["label_dropout"] = labelDropout;
    j["net"] = net.toJson();
    j["text_encoder"] = textEncoder.toJson();
    return j;
}

Result<std::unique_ptr<train::TrainTask>> makeTextDenoiserTask(const train::Recipe& r, train::TaskData mode) {
    using R = Result<std::unique_ptr<train::TrainTask>>;
    TextDenoiserOptions o;
    if (auto why = o.read(r.section); !why.empty()) return R::invalid(why);
    data::LabelledImages images;
    if (mode == train::TaskData::Load) {
        auto loaded = train::loadImagesFor(o.data, r.batch, o.net.inChannels);
        if (!loaded) return loaded.error();
        images = std::move(loaded).value();
    }
    return std::unique_ptr<train::TrainTask>(std::make_unique<TextDenoiserTask>(r, std::move(o), std::move(images)));
}

} // namespace reverie::erase
