// reverie-cli train / export: train a model from a recipe; write a checkpoint's shippable weights.

#include "cli/command.h"

#include "base/io.h"
#include "catalog/training.h"

namespace reverie::cli {
namespace {

const char* kTrainHelp = R"(Usage: reverie-cli train RECIPE.json [options]

Train (or resume) a model from a recipe (resources/recipes/*.json; docs/architecture.md). It
checkpoints every few hundred steps and resumes where it stopped; Ctrl+C writes a checkpoint.

Options:
  --out DIR         Checkpoint folder (default: runs/<name>).
  --max-steps N     Stop after N steps in this run (with a checkpoint).
  --no-resume       Start from scratch even when DIR holds a checkpoint.
  --json            Print the summary as JSON (last line of stdout).
  --threads N       LibTorch threads (0 = one per core).
)";

const char* kExportHelp = R"(Usage: reverie-cli export CHECKPOINT OUT.pt

Write a training checkpoint's EMA weights without optimizer state: the file that ships in a
model folder (resources/models/<name>/weights.pt).
)";

const char* kTuneHelp = R"(Usage: reverie-cli tune RECIPE.json [options]

Fine-tune a pretrained DiT from a recipe of task "dit-tune" (resources/recipes/fmnist-dit-tune.json:
the built-in DiT, pretrained without two Fashion-MNIST classes, learns them) and report what the
method cost and bought: trainable parameters, peak activation memory (allocator peak minus
weights, gradients and optimizer state), seconds per step, and at the end the Fréchet distance
and class agreement on the new classes and on the pretraining classes (forgetting), beside the
same figures for the untouched base model (docs/methods.md, "Memory-efficient fine-tuning").
Every run, a partial one too, writes its tuned adapter beside the checkpoint: adapter.safetensors,
only what the method trained, which the Tune page switches on and off over the base model
(docs/methods.md, "The tuned adapter").

Options:
  --method M        Override the recipe's method: full, checkpoint, adapter, lora, meft1, meft2,
                    meft3. The run is named <recipe>-<method>.
  --modulation S    Override what adapter, LoRA and MEFT do with the adaLN modulation maps:
                    frozen, bias, lora or full (docs/methods.md, "The modulation"). The run's
                    name gets -mod-<S>.
  --out DIR         Checkpoint folder (default: runs/<name>).
  --max-steps N     Stop after N steps in this run (with a checkpoint; resume later).
  --no-resume       Start from scratch even when DIR holds a checkpoint.
  --json            Print the summary as JSON (last line of stdout).
  --threads N       LibTorch threads (0 = one per core).
)";

// Runs a recipe given as text and prints the summary; shared by train and tune.
int runAndReport(const QCommandLineParser& p, const std::string& text, const std::string& name) {
    bool ok = false;
    const qint64 steps = p.value(QStringLiteral("max-steps")).toLongLong(&ok);
    if (!ok || steps < -1)
        return usage(QStringLiteral("--max-steps needs a whole number, got '%1'").arg(p.value(QStringLiteral("max-steps"))));
    int code = 0;
    if (!applyThreads(p, &code)) return code;
    train::Options options;
    options.resume = !p.isSet(QStringLiteral("no-resume"));
    options.maxStepsThisRun = steps;
    options.outDir = p.isSet(QStringLiteral("out")) ? p.value(QStringLiteral("out")).toStdString() : "runs/" + name;
    const auto r = catalog::runRecipeText(text, options, context(true));
    if (!r.ok()) return jobFailed(r);
    const auto& s = r.value();
    std::fprintf(stderr, "trained %s: steps %lld -> %lld, loss %.4f, %.3f s/step, %lld parameters, checkpoint %s\n",
                 name.c_str(), (long long)s.startStep, (long long)s.step, s.loss, s.secondsPerStep, (long long)s.parameters,
                 s.checkpoint.c_str());
    for (const auto& [k, v] : s.figures) std::fprintf(stderr, "%s %.4f\n", k.c_str(), v);
    for (const auto& f : s.files) std::fprintf(stderr, "wrote %s\n", f.c_str());
    if (p.isSet(QStringLiteral("json"))) {
        nlohmann::json j = {{"name", name},          {"step", s.step},
                            {"start_step", s.startStep}, {"loss", s.loss},
                            {"seconds", s.seconds},  {"seconds_per_step", s.secondsPerStep},
                            {"parameters", s.parameters}, {"checkpoint", s.checkpoint}};
        for (const auto& [k, v] : s.figures) j[k] = v;
        j["files"] = s.files;
        std::printf("%s\n", j.dump().c_str());
    }
    return 0;
}

void addRunOptions(QCommandLineParser& p) {
    p.addOptions({QCommandLineOption(QStringLiteral("out"), QStringLiteral("Checkpoint folder."), QStringLiteral("dir")),
                  QCommandLineOption(QStringLiteral("no-resume"), QStringLiteral("Start from scratch.")),
                  QCommandLineOption(QStringLiteral("json"), QStringLiteral("JSON output.")),
                  valueOption("max-steps", "Steps to run now.", "-1")});
}

int tune(const QStringList& args) {
    QCommandLineParser p;
    prepareParser(p);
    addRunOptions(p);
    p.addOption(QCommandLineOption(QStringLiteral("method"), QStringLiteral("Fine-tuning method."), QStringLiteral("id")));
    p.addOption(QCommandLineOption(QStringLiteral("modulation"),
                                   QStringLiteral("adaLN modulation under adapter/LoRA/MEFT: frozen, bias, lora or full."),
                                   QStringLiteral("id")));
    if (!p.parse(args)) return usage(p.errorText());
    if (p.positionalArguments().size() != 1) return usage(QStringLiteral("tune needs exactly one recipe file"));
    const QString path = p.positionalArguments().first();
    auto text = io::readFile(path.toStdString(), std::size_t(1) << 20); // recipes are small: the same cap as train
    if (!text) return usage(QStringLiteral("%1: cannot read the recipe (%2)").arg(path, QString::fromStdString(text.error().message)));
    nlohmann::json recipe = nlohmann::json::parse(text.value(), nullptr, false);
    if (recipe.is_discarded() || !recipe.is_object()) return usage(QStringLiteral("%1 is not valid JSON").arg(path));
    if (recipe.value("task", std::string()) != "dit-tune")
        return usage(QStringLiteral("%1 is not a fine-tuning recipe (task \"dit-tune\"); train it with reverie-cli train").arg(path));
    if (p.isSet(QStringLiteral("method"))) {
        const std::string method = p.value(QStringLiteral("method")).toStdString();
        if (!recipe.contains("options") || !recipe["options"].is_object()) recipe["options"] = nlohmann::json::object();
        recipe["options"]["method"] = method;
        recipe["name"] = recipe.value("name", std::string("tune")) + "-" + method;
    }
    if (p.isSet(QStringLiteral("modulation"))) {
        const std::string modulation = p.value(QStringLiteral("modulation")).toStdString();
        if (!recipe.contains("options") || !recipe["options"].is_object()) recipe["options"] = nlohmann::json::object();
        recipe["options"]["modulation"] = modulation;
        recipe["name"] = recipe.value("name", std::string("tune")) + "-mod-" + modulation;
    }
    const std::string effective = recipe.dump();
    auto info = catalog::inspectRecipe(effective);
    if (!info) return usage(QString::fromStdString(info.error().message));
    return runAndReport(p, effective, info.value().name);
}

int train(const QStringList& args) {
    QCommandLineParser p;
    prepareParser(p);
    addRunOptions(p);
    if (!p.parse(args)) return usage(p.errorText());
    if (p.positionalArguments().size() != 1) return usage(QStringLiteral("train needs exactly one recipe file"));
    const std::string path = p.positionalArguments().first().toStdString();
    auto info = catalog::inspectRecipeFile(path);
    if (!info) return usage(QString::fromStdString(info.error().message));
    auto text = io::readFile(path, std::size_t(1) << 20);
    if (!text) return usage(QString::fromStdString(path + ": cannot read the recipe (" + text.error().message + ")"));
    return runAndReport(p, text.value(), info.value().name);
}

int exportWeights(const QStringList& args) {
    if (args.size() != 3) return usage(QStringLiteral("export needs CHECKPOINT OUT.pt"));
    const auto r = catalog::exportCheckpoint(args.at(1).toStdString(), args.at(2).toStdString());
    if (!r.ok()) {
        std::fprintf(stderr, "reverie-cli: %s\n", r.error().message.c_str());
        return 1;
    }
    std::fprintf(stderr, "wrote %s (%.2f MB)\n", qPrintable(args.at(2)), double(r.value()) / 1e6);
    return 0;
}

} // namespace

const Command kTrain{"train", "Train (or resume) a model from a recipe (JSON).", kTrainHelp, train};
const Command kTune{"tune", "Fine-tune a pretrained DiT with a method (full, checkpoint, adapter, lora, meft1/2/3).",
                    kTuneHelp, tune};
const Command kExport{"export", "Write a checkpoint's EMA weights without optimizer state (the shipped file).",
                      kExportHelp, exportWeights};

} // namespace reverie::cli
