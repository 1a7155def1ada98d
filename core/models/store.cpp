#include "models/store.h"

#include "base/io.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/serialize.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace reverie::models {

std::string hashTensors(const std::vector<at::Tensor>& tensors) {
    std::uint64_t h = 1469598103934665603ull;
    constexpr std::uint64_t prime = 1099511628211ull;
    for (const auto& t : tensors) {
        const auto c = t.detach().to(at::kCPU).contiguous();
        const auto* p = static_cast<const unsigned char*>(c.data_ptr());
        const auto n = static_cast<std::size_t>(c.numel()) * c.element_size();
        for (std::size_t i = 0; i < n; ++i) {
            h ^= p[i];
            h *= prime;
        }
        h ^= static_cast<unsigned char>(c.scalar_type());
        h *= prime;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string architectureTag(const std::string& kind, const nlohmann::json& config) {
    return kind == "denoiser" ? config.dump() : kind + " " + config.dump();
}

Result<nlohmann::json> readCard(const std::string& dir) {
    using R = Result<nlohmann::json>;
    if (dir.empty()) return R::invalid("no model folder given (the built-in model was not found)");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return R::invalid("model folder " + dir + " does not exist");
    const auto cardPath = (fs::path(dir) / "card.json").string();
    if (!fs::exists(cardPath, ec)) return R::invalid("model folder " + dir + " has no card.json");
    auto text = io::readFile(cardPath, std::size_t(4) << 20);
    if (!text) return text.error();
    try {
        auto j = nlohmann::json::parse(text.value());
        if (!j.is_object()) return R::invalid(cardPath + " is not a JSON object");
        return j;
    } catch (const std::exception& e) {
        return R::invalid(cardPath + " is not valid JSON: " + firstLine(e.what()));
    }
}

Result<nlohmann::json> readCardOfKind(const std::string& dir, const std::string& kind, const std::string& what) {
    using R = Result<nlohmann::json>;
    auto card = readCard(dir);
    if (!card) return card;
    const auto& j = card.value();
    const auto found = j.contains("kind") && j["kind"].is_string() ? j["kind"].get<std::string>() : std::string("?");
    if (found != kind)
        return R::invalid("model folder " + dir + " does not hold " + what + " (card kind '" + found + "', expected '" +
                          kind + "')");
    if (!j.contains("architecture")) return R::invalid(dir + "/card.json has no architecture");
    return card;
}

Result<bool> loadWeights(torch::nn::Module& module, const std::string& path, const std::string& architecture) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return Result<bool>::invalid(path + ": no such file");
    return guarded<bool>("loading " + path, [&]() -> Result<bool> {
        torch::serialize::InputArchive root;
        root.load_from(path);
        c10::IValue arch;
        const std::string saved = root.try_read("architecture", arch) && arch.isString() ? arch.toStringRef() : "";
        if (saved != architecture)
            return Result<bool>::invalid(path + " was saved from a different architecture (" +
                                         (saved.empty() ? "none recorded" : saved) + "), expected " + architecture);
        torch::serialize::InputArchive model;
        root.read("model", model);
        module.load(model);
        torch::serialize::InputArchive ema;
        if (root.try_read("ema", ema)) {
            torch::NoGradGuard g;
            auto params = module.parameters();
            for (std::size_t i = 0; i < params.size(); ++i) {
                at::Tensor t;
                ema.read(std::to_string(i), t);
                params[i].copy_(t);
            }
        }
        module.eval();
        return true;
    });
}

Result<std::int64_t> saveWeights(torch::nn::Module& module, const std::string& path, const std::string& architecture,
                                 const std::string& recipe) {
    auto ok = io::replaceAtomic(path, [&](const std::string& tmp) -> Result<bool> {
        torch::serialize::OutputArchive root, model;
        module.save(model);
        root.write("model", model);
        root.write("architecture", c10::IValue(architecture));
        if (!recipe.empty()) root.write("recipe", c10::IValue(recipe));
        root.save_to(tmp);
        return true;
    });
    if (!ok) return ok.error();
    std::error_code ec;
    return static_cast<std::int64_t>(fs::file_size(path, ec));
}

Result<EdmDenoiser> loadDenoiser(const std::string& path, const UNetConfig& expected, double sigmaData,
                                 const std::string& kind) {
    EdmDenoiser m(expected, sigmaData);
    auto ok = loadWeights(*m, path, architectureTag(kind, expected.toJson()));
    if (!ok) return ok.error();
    return m;
}

Result<Classifier> loadClassifier(const std::string& path, const ClassifierConfig& expected, const std::string& kind) {
    Classifier m(expected);
    auto ok = loadWeights(*m, path, architectureTag(kind, expected.toJson()));
    if (!ok) return ok.error();
    return m;
}

Result<EdmDenoiser> loadGeneratorFolder(const std::string& dir) {
    using R = Result<EdmDenoiser>;
    auto card = readCardOfKind(dir, "denoiser", "a generator");
    if (!card) return card.error();
    UNetConfig cfg;
    if (auto err = UNetConfig::fromJson(card.value()["architecture"], &cfg); !err.empty())
        return R::invalid(dir + "/card.json: " + err);
    if (cfg.inChannels != 1 || cfg.imageSize != 28) return R::invalid("model folder " + dir + " is not a 28×28 grey generator");
    auto m = loadDenoiser((fs::path(dir) / "weights.pt").string(), cfg, card.value().value("sigma_data", 0.5));
    if (!m) return R::invalid("cannot load " + dir + "/weights.pt: " + m.error().message);
    return m;
}

Result<Classifier> loadClassifierFolder(const std::string& dir, const std::string& kind) {
    using R = Result<Classifier>;
    auto card = readCardOfKind(dir, kind, "a " + kind);
    if (!card) return card.error();
    ClassifierConfig cfg;
    if (auto err = ClassifierConfig::fromJson(card.value()["architecture"], &cfg); !err.empty())
        return R::invalid(dir + "/card.json: " + err);
    const std::string weights = (fs::path(dir) / "weights.pt").string();
    auto m = loadClassifier(weights, cfg, kind);
    if (!m) return R::invalid("cannot load " + weights + ": " + m.error().message);
    return m;
}

} // namespace reverie::models
