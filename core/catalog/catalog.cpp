#include "catalog/catalog.h"
#include "catalog/training.h"

#include "erase/task.h"
#include "generate/tasks.h"
#include "restore/task.h"
#include "speech/task.h"
#include "train/loop.h"
#include "tune/adapter.h"
#include "tune/task.h"

namespace reverie::catalog {

const std::vector<TaskEntry>& tasks() {
    static const std::vector<TaskEntry> table = {
        {"denoiser", "generate", "EDM image denoiser (generator), optionally class-conditional", generate::makeDenoiserTask},
        {"classifier", "generate", "image classifier (its features serve the Fréchet distance)", generate::makeClassifierTask},
        {"noise-level", "generate", "noise-level estimator for Denoising MCMC", generate::makeNoiseLevelTask},
        {"restorer", "restore", "μ-conditioned residual denoiser for IR-SDE restoration", restore::makeRestorerTask},
        {"enhancer", "speech", "SGMSE+-style residual denoiser on complex spectrograms", speech::makeEnhancerTask},
        {"text-denoiser", "erase", "text-conditional denoiser that concept erasure edits", erase::makeTextDenoiserTask},
        {"dit-denoiser", "tune", "DiT denoiser (a stack of equal blocks), pretrained for fine-tuning", tune::makeDiTDenoiserTask},
        {"dit-tune", "tune", "fine-tune a pretrained DiT: full, checkpointing, adapters, LoRA, MEFT1/2/3", tune::makeDiTTuneTask},
    };
    return table;
}

Result<train::TaskFactory> factoryFor(const std::string& task) {
    std::string known;
    for (const auto& t : tasks()) {
        if (task == t.name) return t.factory;
        known += (known.empty() ? "" : ", ") + std::string(t.name);
    }
    return Result<train::TaskFactory>::invalid("unknown task '" + task + "' (known: " + known + ")");
}

Result<train::Summary> runTraining(const train::Recipe& recipe, const train::Options& options, const JobContext& ctx) {
    auto factory = factoryFor(recipe.task);
    if (!factory) return factory.error();
    return train::run(recipe, factory.value(), options, ctx);
}

namespace {
Result<train::RecipeInfo> inspect(const Result<train::Recipe>& r) {
    if (!r) return r.error();
    auto factory = factoryFor(r.value().task);
    if (!factory) return Result<train::RecipeInfo>::invalid("recipe: " + factory.error().message);
    auto task = guarded<std::unique_ptr<train::TrainTask>>(
        "recipe", [&] { return factory.value()(r.value(), train::TaskData::Skip); });
    if (!task) return Result<train::RecipeInfo>::invalid("recipe: " + task.error().message);
    return train::RecipeInfo{r.value().name, r.value().task, r.value().steps, r.value().batch};
}
} // namespace

Result<train::RecipeInfo> inspectRecipe(const std::string& jsonText) { return inspect(train::parseRecipe(jsonText, "recipe")); }

Result<train::RecipeInfo> inspectRecipeFile(const std::string& path) { return inspect(train::loadRecipe(path)); }

Result<train::Summary> runRecipeText(const std::string& jsonText, const train::Options& options, const JobContext& ctx) {
    auto r = train::parseRecipe(jsonText, "recipe");
    if (!r) return r.error();
    return runTraining(r.value(), options, ctx);
}

Result<train::Summary> runRecipeFile(const std::string& path, const train::Options& options, const JobContext& ctx) {
    auto r = train::loadRecipe(path);
    if (!r) return r.error();
    return runTraining(r.value(), options, ctx);
}

Result<std::int64_t> exportCheckpoint(const std::string& checkpoint, const std::string& out) {
    return train::exportWeights(checkpoint, out, factoryFor);
}

Result<AdapterSummary> checkAdapter(const std::string& path, const std::string& base) {
    auto a = tune::applyAdapter(path, base);
    if (!a) return a.error();
    const auto& i = a.value().info;
    return AdapterSummary{path, i.run, i.base, tune::methodId(i.method.method), i.classes, i.step, i.parameters};
}

Result<std::int64_t> exportAdapter(const std::string& checkpoint, const std::string& out) {
    return tune::exportAdapter(checkpoint, out);
}

Result<TunedSamples> sampleWithAdapter(const std::string& base, const std::string& adapter, const std::vector<int>& labels,
                                       int perLabel, int steps, const JobContext& ctx) {
    auto r = tune::compareAdapter(base, adapter, labels, perLabel, steps, 0, ctx);
    if (!r) return r.error();
    return TunedSamples{std::move(r.value().base), std::move(r.value().tuned), std::move(r.value().labels)};
}

std::vector<std::string> taskNames() {
    std::vector<std::string> out;
    for (const auto& t : tasks()) out.emplace_back(t.name);
    return out;
}

} // namespace reverie::catalog
