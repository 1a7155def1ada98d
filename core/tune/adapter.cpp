#include "tune/adapter.h"

#include "models/formats/safetensors.h"
#include "models/store.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>

namespace reverie::tune {
namespace fs = std::filesystem;

namespace {

// The trainable tensors of a tuned network by name (what an adapter file holds).
std::map<std::string, at::Tensor> trainableByName(TunedDiTImpl& tuned) {
    std::map<std::string, at::Tensor> out;
    for (const auto& p : tuned.named_parameters(true))
        if (p.value().requires_grad()) out.emplace(p.key(), p.value());
    return out;
}

std::string shapeText(const at::Tensor& t) {
    std::string out = "[";
    for (std::int64_t i = 0; i < t.dim(); ++i) out += (i ? ", " : "") + std::to_string(t.size(i));
    return out + "]";
}

std::string classesText(const std::vector<int>& classes) { return nlohmann::json(classes).dump(); }

Result<AdapterInfo> infoFromMetadata(const std::map<std::string, std::string>& meta, const std::string& path) {
    using R = Result<AdapterInfo>;
    const auto get = [&](const char* key) {
        const auto it = meta.find(key);
        return it == meta.end() ? std::string() : it->second;
    };
    if (get("format") != kAdapterFormat)
        return R::invalid(path +
                          " is not a tuned adapter: it has no Reverie adapter metadata (format '" +
                          std::string(kAdapterFormat) +
                          "'). Adapters are written by a fine-tuning run (Tune page or reverie-cli tune) as "
                          "adapter.safetensors beside its checkpoint");
    if (get("version") != "1") return R::invalid(path + ": adapter format version '" + get("version") + "' is not supported (1 is)");
    AdapterInfo info;
    try {
        info.run = get("run");
        info.step = get("step").empty() ? 0 : std::stoll(get("step"));
        info.base = get("base");
        info.baseArchitecture = get("base_architecture");
        info.baseWeights = get("base_weights");
        info.sigmaData = get("sigma_data").empty() ? 0.5 : std::stod(get("sigma_data"));
        const auto classes = nlohmann::json::parse(get("classes").empty() ? "[]" : get("classes"));
        info.classes = classes.get<std::vector<int>>();
        const auto method = nlohmann::json::parse(get("method"));
        if (!method.is_object()) return R::invalid(path + ": the adapter's method is not a JSON object");
        train::SectionReader s(method, "adapter method");
        const std::string why = readMethod(s, info.method);
        if (auto bad = s.finish(); !bad.empty()) return R::invalid(path + ": " + bad);
        if (!why.empty()) return R::invalid(path + ": " + why);
    } catch (const std::exception& e) {
        return R::invalid(path + ": unreadable adapter metadata (" + firstLine(e.what()) + ")");
    }
    if (info.baseArchitecture.empty() || info.baseWeights.empty())
        return R::invalid(path + ": the adapter does not record its base model's architecture and weights");
    if (!(info.sigmaData > 0)) return R::invalid(path + ": sigma_data must be positive");
    return info;
}

} // namespace

AdapterInfo adapterInfo(const std::string& run, std::int64_t step, const DiTTuneOptions& options, const LoadedDiT& base) {
    AdapterInfo info;
    info.run = run;
    info.step = step;
    info.base = options.base;
    info.baseArchitecture = models::architectureTag("dit-denoiser", base.net->config().toJson());
    info.baseWeights = base.weights;
    info.method = options.method;
    info.classes = options.newClasses.empty() ? options.data.classes : options.newClasses;
    info.sigmaData = options.noise.sigmaData;
    return info;
}

Result<std::int64_t> saveAdapter(TunedDiTImpl& tuned, AdapterInfo info, const std::string& path) {
    using R = Result<std::int64_t>;
    return guarded<std::int64_t>("write adapter " + path, [&]() -> R {
        models::formats::NamedTensors tensors;
        std::int64_t count = 0;
        for (const auto& [name, t] : trainableByName(tuned)) {
            tensors.emplace_back(name, t.detach().to(at::kCPU).contiguous());
            count += t.numel();
        }
        if (tensors.empty()) return R::invalid("the tuned network has no trainable tensors to save");
        info.parameters = count;
        const std::map<std::string, std::string> meta = {
            {"format", kAdapterFormat},
            {"version", "1"},
            {"run", info.run},
            {"step", std::to_string(info.step)},
            {"base", info.base},
            {"base_architecture", info.baseArchitecture},
            {"base_weights", info.baseWeights},
            {"method", methodJson(info.method).dump()},
            {"classes", classesText(info.classes)},
            {"sigma_data", nlohmann::json(info.sigmaData).dump()},
        };
        auto ok = models::formats::writeSafetensors(path, tensors, meta);
        if (!ok) return ok.error();
        std::error_code ec;
        const auto size = fs::file_size(path, ec);
        return ec ? R::failed(path + ": " + ec.message()) : R(static_cast<std::int64_t>(size));
    });
}

Result<AdapterInfo> readAdapterInfo(const std::string& path) {
    models::formats::safetensors::ReadOptions o;
    o.copy = true;
    auto file = models::formats::readSafetensors(path, o);
    if (!file) return file.error();
    auto info = infoFromMetadata(file.value().metadata, path);
    if (!info) return info;
    for (const auto& [name, t] : file.value().tensors) info.value().parameters += t.numel();
    return info;
}

Result<AppliedAdapter> applyAdapter(const std::string& path, const std::string& baseName) {
    using R = Result<AppliedAdapter>;
    if (!fs::is_regular_file(path)) return R::invalid(path + ": no such file");
    models::formats::safetensors::ReadOptions ro;
    ro.copy = true;
    auto file = models::formats::readSafetensors(path, ro);
    if (!file) return file.error();
    auto info = infoFromMetadata(file.value().metadata, path);
    if (!info) return info.error();
    const std::string wanted = baseName.empty() ? info.value().base : baseName;
    auto base = loadDiTFolder(wanted);
    if (!base) return R::invalid("base model: " + base.error().message);
    const auto& cfg = base.value().net->config();
    const std::string arch = models::architectureTag("dit-denoiser", cfg.toJson());
    const auto& a = info.value();
    if (arch != a.baseArchitecture)
        return R::invalid(path + " was tuned on a DiT of another architecture (" + a.baseArchitecture + ", base '" +
                          a.base + "'); '" + wanted + "' is " + arch + ". An adapter applies only to its own base model");
    if (base.value().weights != a.baseWeights)
        return R::invalid(path + " was tuned on other weights than '" + wanted + "' (the adapter's base '" + a.base +
                          "' had weights " + a.baseWeights + ", this one has " + base.value().weights +
                          "). An adapter applies only to the exact weights it was trained on");
    if (auto why = a.method.validate(cfg.depth); !why.empty()) return R::invalid(path + ": " + why);
    return guarded<AppliedAdapter>("apply adapter " + path, [&]() -> R {
        AppliedAdapter out;
        out.net = TunedDiT(base.value().net, a.method, 0);
        auto want = trainableByName(*out.net);
        std::set<std::string> seen;
        torch::NoGradGuard g;
        for (const auto& [name, t] : file.value().tensors) {
            const auto it = want.find(name);
            if (it == want.end())
                return R::invalid(path + ": tensor '" + name + "' is not part of a " + methodId(a.method.method) +
                                  " network on this base");
            if (it->second.sizes() != t.sizes())
                return R::invalid(path + ": tensor '" + name + "' has shape " + shapeText(t) +
                                  ", the network's is " + shapeText(it->second));
            if (!at::isfinite(t).all().item<bool>()) return R::invalid(path + ": tensor '" + name + "' holds NaN or Inf");
            it->second.copy_(t);
            seen.insert(name);
        }
        for (const auto& [name, t] : want)
            if (!seen.count(name)) return R::invalid(path + ": tensor '" + name + "' is missing");
        out.net->eval();
        out.info = a;
        out.info.parameters = 0;
        for (const auto& [name, t] : file.value().tensors) out.info.parameters += t.numel();
        out.sigmaData = a.sigmaData;
        return out;
    });
}

Result<std::int64_t> exportAdapter(const std::string& checkpoint, const std::string& out) {
    auto loaded = loadTunedCheckpoint(checkpoint);
    if (!loaded) return loaded.error();
    auto& t = loaded.value();
    auto base = loadDiTFolder(t.options.base);
    if (!base) return base.error();
    return saveAdapter(*t.net, adapterInfo(t.run, t.step, t.options, base.value()), out);
}

Result<TunedComparison> compareAdapter(const std::string& baseName, const std::string& adapter, std::vector<int> labels,
                                       int perLabel, int steps, std::uint64_t seed, const JobContext& ctx) {
    using R = Result<TunedComparison>;
    AppliedAdapter applied;
    if (!adapter.empty()) {
        auto a = applyAdapter(adapter, baseName);
        if (!a) return a.error();
        applied = std::move(a).value();
        if (labels.empty()) labels = applied.info.classes;
    }
    auto base = loadDiTFolder(baseName.empty() && !adapter.empty() ? applied.info.base : baseName);
    if (!base) return R::invalid("base model: " + base.error().message);
    if (labels.empty()) return R::invalid("name the labels to sample (the adapter records no classes)");
    const int classes = base.value().net->config().classes;
    for (int l : labels)
        if (l < 0 || l >= classes) return R::invalid("label " + std::to_string(l) + " is not a class of the model");
    return guarded<TunedComparison>("sample with adapter " + adapter, [&]() -> R {
        const DiTFunction tuned = adapter.empty() ? DiTFunction() : ditFunction(applied.net);
        return compareNetworks(ditFunction(base.value().net), base.value().sigmaData, tuned, applied.sigmaData, labels,
                               perLabel, steps, seed, ctx);
    });
}

} // namespace reverie::tune
