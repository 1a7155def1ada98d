// reverie-cli train / export: train a model from a recipe; write a checkpoint's shippable weights.

#include "cli/command.h"

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

int train(const QStringList& args) {
    QCommandLineParser p;
    prepareParser(p);
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Checkpoint folder."), QStringLiteral("dir"));
    const QCommandLineOption noResume(QStringLiteral("no-resume"), QStringLiteral("Start from scratch."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("JSON output."));
    p.addOptions({out, noResume, json, valueOption("max-steps", "Steps to run now.", "-1")});
    if (!p.parse(args)) return usage(p.errorText());
    if (p.positionalArguments().size() != 1) return usage(QStringLiteral("train needs exactly one recipe file"));
    bool ok = false;
    const qint64 steps = p.value(QStringLiteral("max-steps")).toLongLong(&ok);
    if (!ok || steps < -1)
        return usage(QStringLiteral("--max-steps needs a whole number, got '%1'").arg(p.value(QStringLiteral("max-steps"))));
    const std::string path = p.positionalArguments().first().toStdString();
    int code = 0;
    if (!applyThreads(p, &code)) return code;
    train::Options options;
    options.resume = !p.isSet(noResume);
    options.maxStepsThisRun = steps;
    std::string name;
    {
        auto info = catalog::inspectRecipeFile(path);
        if (!info) return usage(QString::fromStdString(info.error().message));
        name = info.value().name;
    }
    options.outDir = p.isSet(out) ? p.value(out).toStdString() : "runs/" + name;
    const auto r = catalog::runRecipeFile(path, options, context(true));
    if (!r.ok()) return jobFailed(r);
    const auto& s = r.value();
    std::fprintf(stderr, "trained %s: steps %lld -> %lld, loss %.4f, %.3f s/step, %lld parameters, checkpoint %s\n",
                 name.c_str(), (long long)s.startStep, (long long)s.step, s.loss, s.secondsPerStep, (long long)s.parameters,
                 s.checkpoint.c_str());
    for (const auto& [k, v] : s.figures) std::fprintf(stderr, "%s %.4f\n", k.c_str(), v);
    if (p.isSet(json)) {
        nlohmann::json j = {{"step", s.step},       {"start_step", s.startStep},           {"loss", s.loss},
                            {"seconds", s.seconds}, {"seconds_per_step", s.secondsPerStep}, {"parameters", s.parameters},
                            {"checkpoint", s.checkpoint}};
        for (const auto& [k, v] : s.figures) j[k] = v;
        std::printf("%s\n", j.dump().c_str());
    }
    return 0;
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
const Command kExport{"export", "Write a checkpoint's EMA weights without optimizer state (the shipped file).",
                      kExportHelp, exportWeights};

} // namespace reverie::cli
