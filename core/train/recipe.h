#pragma once
// A training recipe: the settings every run has (steps, batch, optimiser, EMA, seed, checkpoint
// cadence) and the task's own settings, the object "options":
//
//   { "name": "fmnist-edm", "task": "denoiser", "steps": 3500, "batch": 64, "lr": 2e-4, …,
//     "options": { "dataset": "fashion-mnist", "net": { … }, "p_mean": -1.2, … } }
//
// The task (catalog/catalog.h maps its name to a factory) reads and validates its section. A
// flat recipe of the first format (task settings beside the common ones) is read as if its extra
// keys were the section, so old recipes and checkpoints keep working.
//
// Thread rules: plain values. Failure: parse errors are messages naming the key.

#include "base/job.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <string>

namespace reverie::train {

struct Recipe {
    std::string name = "unnamed";
    std::string task;
    int batch = 64;
    std::int64_t steps = 20000;
    double lr = 2e-4;
    std::int64_t warmup = 500;
    double weightDecay = 0.0;
    double emaDecay = 0.999;
    double gradClip = 1.0;
    std::uint64_t seed = 0;
    std::int64_t checkpointEvery = 500;
    std::int64_t logEvery = 25;
    nlohmann::json section = nlohmann::json::object(); ///< the task's settings ("options")

    /// Parses a recipe (either format); unknown common keys and invalid values give a message
    /// (empty = fine). The section is checked by the task, not here.
    static std::string fromJson(const nlohmann::json& j, Recipe* out);
    nlohmann::json toJson() const;
};

/// Parses recipe text; `where` names it in messages.
Result<Recipe> parseRecipe(const std::string& text, const std::string& where);
/// Reads a recipe file.
Result<Recipe> loadRecipe(const std::string& path);

/// Learning rate at a step: linear warm-up to lr, then cosine decay to 0 at `steps`.
double learningRate(const Recipe& r, std::int64_t step);

/// Reads a task section key by key with defaults, remembering the keys it was asked for, so that
/// unknown keys and type errors become one message:
///   SectionReader s(recipe.section, "denoiser");
///   s.read("p_mean", o.pMean); …; if (auto why = s.finish(); !why.empty()) return error;
class SectionReader {
public:
    SectionReader(const nlohmann::json& section, std::string task);
    template <typename T>
    void read(const char* key, T& field) {
        m_known.insert(key);
        if (!m_error.empty() || !m_section.contains(key)) return;
        try {
            field = m_section.at(key).get<T>();
        } catch (const std::exception& e) {
            m_error = m_task + "." + key + ": " + firstLine(e.what());
        }
    }
    /// The raw value of an object key (or null), marked as known; for nested configs.
    const nlohmann::json& object(const char* key);
    /// "" when every key was known and every value had the right type.
    std::string finish() const;

private:
    const nlohmann::json& m_section;
    std::string m_task;
    std::set<std::string> m_known;
    std::string m_error;
};

} // namespace reverie::train
