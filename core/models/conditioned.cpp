#include "models/conditioned.h"

#include "models/store.h"

#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <mutex>

namespace fs = std::filesystem;

namespace reverie::models {

Result<ConditionedModel> loadConditionedFolder(const std::string& dir, const std::string& kind,
                                               const std::string& what, double defaultSigmaData) {
    using R = Result<ConditionedModel>;
    static std::mutex mutex;
    static auto* cache = new std::map<std::string, ConditionedModel>(); // never destroyed (see header)
    std::lock_guard lock(mutex);
    const std::string key = kind + '\n' + dir;
    if (auto it = cache->find(key); it != cache->end()) return it->second;
    auto card = readCardOfKind(dir, kind, what);
    if (!card) return card.error();
    const auto& j = card.value();
    UNetConfig cfg;
    if (auto err = UNetConfig::fromJson(j["architecture"], &cfg); !err.empty()) return R::invalid(dir + "/card.json: " + err);
    if (cfg.condChannels != cfg.inChannels && cfg.condChannels != cfg.inChannels + 1)
        return R::invalid(dir + " is not conditioned on its input (cond_channels is neither in_channels nor "
                                "in_channels + 1 for a noise map)");
    auto m = loadDenoiser((fs::path(dir) / "weights.pt").string(), cfg, j.value("sigma_data", defaultSigmaData), kind);
    if (!m) return R::invalid("cannot load " + dir + "/weights.pt: " + m.error().message);
    ConditionedModel out{m.value(), cfg, j, 0};
    for (const auto& p : out.model->parameters()) out.parameters += p.numel();
    cache->emplace(key, out);
    return out;
}

double noiseMapLevel(double sigma255, double sigmaData) { return 2.0 * sigma255 / 255.0 / sigmaData; }

sde::SigmaDenoiser residualDenoiser(EdmDenoiser model, std::int64_t label, double noiseMap) {
    return [model, label, noiseMap](const at::Tensor& xt, const at::Tensor& st, const at::Tensor& mu) mutable {
        const auto x = xt.to(at::kFloat), m = mu.to(at::kFloat);
        const auto labels =
            label >= 0 ? at::full({x.size(0)}, label, at::TensorOptions().dtype(at::kLong).device(x.device()))
                       : at::Tensor();
        const auto cond = noiseMap >= 0
                              ? at::cat({m, at::full({m.size(0), 1, m.size(2), m.size(3)}, noiseMap, m.options())}, 1)
                              : m;
        return (m + model->forward(x - m, st.to(at::kFloat), cond, labels)).to(xt.scalar_type());
    };
}

} // namespace reverie::models
