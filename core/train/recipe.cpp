#include "train/recipe.h"

#include "base/io.h"

#include <algorithm>
#include <cmath>

namespace reverie::train {

namespace {
const std::set<std::string>& commonKeys() {
    static const std::set<std::string> keys = {"name", "task", "batch", "steps", "lr", "warmup", "weight_decay",
                                               "ema_decay", "grad_clip", "seed", "checkpoint_every", "log_every"};
    return keys;
}
} // namespace

std::string Recipe::fromJson(const nlohmann::json& j, Recipe* out) {
    if (!j.is_object()) return "a recipe must be a JSON object";
    Recipe r;
    try {
        r.name = j.value("name", r.name);
        r.task = j.value("task", std::string("denoiser"));
        r.batch = j.value("batch", r.batch);
        r.steps = j.value("steps", r.steps);
        r.lr = j.value("lr", r.lr);
        r.warmup = j.value("warmup", r.warmup);
        r.weightDecay = j.value("weight_decay", r.weightDecay);
        r.emaDecay = j.value("ema_decay", r.emaDecay);
        r.gradClip = j.value("grad_clip", r.gradClip);
        r.seed = j.value("seed", r.seed);
        r.checkpointEvery = j.value("checkpoint_every", r.checkpointEvery);
        r.logEvery = j.value("log_every", r.logEvery);
    } catch (const nlohmann::json::exception& e) {
        return std::string("recipe: ") + firstLine(e.what());
    }
    if (r.task.empty()) return "the recipe names no task";
    if (j.contains("options")) {
        if (!j["options"].is_object()) return "the recipe's \"options\" must be a JSON object";
        r.section = j["options"];
        for (const auto& [key, _] : j.items())
            if (!commonKeys().count(key) && key != "options") return "unknown recipe key '" + key + "'";
    } else {
        // The first format: the task's settings stand beside the common ones.
        for (const auto& [key, value] : j.items())
            if (!commonKeys().count(key)) r.section[key] = value;
    }
    if (r.batch < 1 || r.batch > 4096) return "batch must be between 1 and 4096";
    if (r.steps < 1) return "steps must be at least 1";
    if (!(r.lr > 0) || !std::isfinite(r.lr)) return "lr must be a positive number";
    if (r.warmup < 0) return "warmup must not be negative";
    if (!(r.weightDecay >= 0)) return "weight_decay must not be negative";
    if (r.emaDecay < 0 || r.emaDecay >= 1) return "ema_decay must be in [0, 1)";
    if (!(r.gradClip > 0)) return "grad_clip must be positive";
    if (r.checkpointEvery < 1 || r.logEvery < 1) return "checkpoint_every and log_every must be at least 1";
    *out = r;
    return {};
}

nlohmann::json Recipe::toJson() const {
    return {{"name", name},          {"task", task},         {"batch", batch},
            {"steps", steps},        {"lr", lr},             {"warmup", warmup},
            {"weight_decay", weightDecay}, {"ema_decay", emaDecay}, {"grad_clip", gradClip},
            {"seed", seed},          {"checkpoint_every", checkpointEvery}, {"log_every", logEvery},
            {"options", section}};
}

Result<Recipe> parseRecipe(const std::string& text, const std::string& where) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        return Result<Recipe>::invalid(where + ": not valid JSON (" + firstLine(e.what()) + ")");
    }
    Recipe r;
    if (auto why = Recipe::fromJson(j, &r); !why.empty()) return Result<Recipe>::invalid(where + ": " + why);
    return r;
}

Result<Recipe> loadRecipe(const std::string& path) {
    auto text = io::readFile(path, std::size_t(1) << 20);
    if (!text) return Result<Recipe>::invalid(path + ": cannot read the recipe (" + text.error().message + ")");
    return parseRecipe(text.value(), path);
}

double learningRate(const Recipe& r, std::int64_t step) {
    if (r.warmup > 0 && step < r.warmup) return r.lr * double(step + 1) / double(r.warmup);
    const double span = double(std::max<std::int64_t>(1, r.steps - r.warmup));
    const double progress = std::clamp(double(step - r.warmup) / span, 0.0, 1.0);
    return r.lr * 0.5 * (1.0 + std::cos(M_PI * progress));
}

SectionReader::SectionReader(const nlohmann::json& section, std::string task)
    : m_section(section), m_task(std::move(task)) {
    if (!m_section.is_object()) m_error = "the " + m_task + " section must be a JSON object";
}

const nlohmann::json& SectionReader::object(const char* key) {
    static const nlohmann::json null;
    m_known.insert(key);
    if (!m_section.is_object() || !m_section.contains(key)) return null;
    return m_section.at(key);
}

std::string SectionReader::finish() const {
    if (!m_error.empty()) return m_error;
    for (const auto& [key, _] : m_section.items())
        if (!m_known.count(key)) return "unknown " + m_task + " key '" + key + "'";
    return {};
}

} // namespace reverie::train
