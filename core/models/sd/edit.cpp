#include "models/sd/edit.h"

#include "models/formats/safetensors.h"

#include <ATen/ATen.h>

#include <cmath>
#include <filesystem>

namespace reverie::models::sd {

Result<std::vector<at::Tensor>> readKvEdit(const std::string& file,
                                           const std::vector<std::pair<std::string, at::Tensor>>& kv,
                                           std::pair<double, double> fingerprint,
                                           std::map<std::string, std::string>* metadata) {
    using R = Result<std::vector<at::Tensor>>;
    const std::string name = std::filesystem::path(file).filename().string();
    auto f = formats::readSafetensors(file);
    if (!f) return f.error();
    const auto& meta = f.value().metadata;
    const auto fmt = meta.find("format");
    if (fmt == meta.end() || fmt->second != "reverie-sd-edit")
        return R::invalid(name + " is not a concept edit made by Reverie (no format \"reverie-sd-edit\")");
    auto value = [&](const char* key) {
        const auto it = meta.find(key);
        try {
            return it == meta.end() ? -1.0 : std::stod(it->second);
        } catch (...) {
            return -1.0;
        }
    };
    auto close = [](double a, double b) { return std::abs(a - b) <= 1e-3 * std::max(std::abs(b), 1e-12); };
    if (!close(value("fingerprint_abs"), fingerprint.first) || !close(value("fingerprint_sq"), fingerprint.second)) {
        const auto base = meta.find("base");
        return R::invalid(name + " was made for another model (" + (base == meta.end() ? std::string("unknown") : base->second) +
                          "): its cross-attention weights differ from this checkpoint's");
    }
    std::vector<at::Tensor> out;
    for (const auto& [key, w] : kv) {
        const at::Tensor* d = f.value().find("model.diffusion_model." + key);
        if (!d) d = f.value().find(key);
        if (!d) return R::invalid(name + " has no change for " + key);
        if (d->sizes() != w.sizes()) return R::invalid(name + ": the change for " + key + " has the wrong shape");
        out.push_back(*d);
    }
    if (metadata) *metadata = meta;
    return out;
}

} // namespace reverie::models::sd
