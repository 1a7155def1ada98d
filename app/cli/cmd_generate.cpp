// reverie-cli generate: sample the built-in generator into a PNG grid.

#include "cli/command.h"

#include "generate/generate.h"
#include "models/zoo.h"

#include <QImage>

namespace reverie::cli {
namespace {

const char* kHelp = R"(Usage: reverie-cli generate -o FILE.png [options]

Sample the built-in class-conditional Fashion-MNIST generator into a PNG grid.

Options:
  -o, --out FILE.png     The grid (required).
  --sampler ID           Sampler (default dpmpp-2m; --list-samplers shows them all).
  --sde ve|vp|subvp      The SDE the denoiser is served to (default vp).
  --nfe N                Network evaluations (default 20).
  --guidance W           Classifier-free guidance weight (default 1).
  --class C              Class 0..9, or -1 for all (default -1).
  --seed S  --batch B    Seed and number of images (default 0, 16).
  --model DIR            Another generator folder.
  --noise-estimator net|haar  DLG's noise-level estimator (default net).
  --dlg-chains C         DLG's persistent chains, at most (default 10); each yields a sample per round.
  --dlg-eta H            DLG's Langevin step in data units (default 3.2, the paper's 0.8 for [0, 1] data).
  --guide-class C        Optimise each item's start noise so that its sample is classified as C by
                         the shipped classifier: gradients of -log p(C | sample) through the whole
                         run (needs --sampler rev-heun or rev-heun-sde).
  --guide-iterations K   Gradient steps on the start noise (default 8).
  --guide-step S         Step length in units of sqrt(D) (default 0.3).
  --guide-strategy ID    backprop, checkpoint, reversible (default; O(1) memory) or adjoint.
  --score                FD and confidence with the shipped classifier.
  --json                 Print the result as JSON (last line of stdout).
  --list-samplers        List the samplers and exit.
  --threads N            LibTorch threads (0 = one per core).
)";

int run(const QStringList& args) {
    QCommandLineParser p;
    prepareParser(p);
    const QCommandLineOption out({QStringLiteral("o"), QStringLiteral("out")}, QStringLiteral("PNG file."),
                                 QStringLiteral("file"));
    const QCommandLineOption list(QStringLiteral("list-samplers"), QStringLiteral("List the samplers and exit."));
    const QCommandLineOption score(QStringLiteral("score"), QStringLiteral("Score the samples."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("JSON output."));
    p.addOptions({out, list, score, json, valueOption("sampler", "Sampler id.", "dpmpp-2m"),
                  valueOption("sde", "ve, vp or subvp.", "vp"),
                  valueOption("nfe", "Network evaluations.", "20"),
                  valueOption("guidance", "Guidance weight.", "1"),
                  valueOption("class", "Class 0..9, -1 all.", "-1"), valueOption("seed", "Seed.", "0"),
                  valueOption("batch", "Images.", "16"), valueOption("model", "Generator folder.", ""),
                  valueOption("noise-estimator", "DLG's noise-level estimator: net or haar.", "net"),
                  valueOption("dlg-chains", "DLG's persistent chains, at most.", "10"),
                  valueOption("dlg-eta", "DLG's Langevin step in data units.", "3.2"),
                  valueOption("guide-class", "Class the start noise is optimised for.", "-1"),
                  valueOption("guide-iterations", "Gradient steps on the start noise.", "8"),
                  valueOption("guide-step", "Step length (sqrt(D) units).", "0.3"),
                  valueOption("guide-strategy", "Gradient strategy.", "reversible")});
    if (!p.parse(args)) return usage(p.errorText());
    if (p.isSet(list)) {
        for (const auto& s : generate::samplers())
            std::printf("%-14s %s  [%s]\n", s.id.c_str(), s.label.c_str(), s.nfeRule.c_str());
        return 0;
    }
    if (!p.isSet(out)) return usage(QStringLiteral("generate needs -o FILE.png"));
    if (!p.positionalArguments().isEmpty()) return usage(QStringLiteral("generate takes no arguments"));
    generate::GenerateParams g;
    bool ok1 = false, ok2 = false, ok3 = false, ok4 = false, ok5 = false, ok6 = false, ok7 = false;
    g.sampler = p.value(QStringLiteral("sampler")).toStdString();
    g.sde = p.value(QStringLiteral("sde")).toStdString();
    g.nfe = p.value(QStringLiteral("nfe")).toInt(&ok1);
    g.guidance = p.value(QStringLiteral("guidance")).toDouble(&ok2);
    g.label = p.value(QStringLiteral("class")).toInt(&ok3);
    g.seed = p.value(QStringLiteral("seed")).toULongLong(&ok4);
    g.batch = p.value(QStringLiteral("batch")).toInt(&ok5);
    g.noiseEstimator = p.value(QStringLiteral("noise-estimator")).toStdString();
    g.dlgChains = p.value(QStringLiteral("dlg-chains")).toInt(&ok6);
    g.dlgEta = p.value(QStringLiteral("dlg-eta")).toDouble(&ok7);
    bool ok8 = false, ok9 = false, ok10 = false;
    g.guideClass = p.value(QStringLiteral("guide-class")).toInt(&ok8);
    g.guideIterations = p.value(QStringLiteral("guide-iterations")).toInt(&ok9);
    g.guideStep = p.value(QStringLiteral("guide-step")).toDouble(&ok10);
    g.guideStrategy = p.value(QStringLiteral("guide-strategy")).toStdString();
    if (!(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8 && ok9 && ok10))
        return usage(
            QStringLiteral("--nfe, --guidance, --class, --seed, --batch, --dlg-chains, --dlg-eta and the "
                           "--guide- values need numbers"));
    if (g.guideClass >= 0) g.classifierDir = models::zoo::find(models::zoo::kClassifier);
    g.modelDir = models::zoo::resolve(p.value(QStringLiteral("model")).toStdString(), models::zoo::kGenerator);
    g.previews = false;
    if (auto v = generate::validate(g); !v) return usage(QString::fromStdString(v.error().message));
    int code = 0;
    if (!applyThreads(p, &code)) return code;
    const auto ctx = context(true);
    const auto r = generate::runGenerate(g, ctx);
    if (!r.ok()) return jobFailed(r);
    const auto& grid = r.value().grid;
    QImage img(grid.pixels.data(), grid.width, grid.height, grid.width, QImage::Format_Grayscale8);
    const QString path = p.value(out);
    if (!img.copy().save(path, "PNG")) {
        std::fprintf(stderr, "reverie-cli: cannot write %s\n", qPrintable(path));
        return 1;
    }
    std::fprintf(stderr, "wrote %s: %d samples, NFE %lld (%.1f per sample), %d steps, %.2f s\n", qPrintable(path),
                 g.batch, static_cast<long long>(r.value().nfe), r.value().nfePerSample, r.value().steps,
                 r.value().seconds);
    if (!r.value().detail.empty()) std::fprintf(stderr, "%s\n", r.value().detail.c_str());
    nlohmann::json j = {{"sde", g.sde},   {"sampler", g.sampler}, {"nfe_budget", g.nfe}, {"guidance", g.guidance},
                        {"seed", g.seed}, {"samples", g.batch},   {"nfe", r.value().nfe}, {"seconds", r.value().seconds},
                        {"nfe_per_sample", r.value().nfePerSample}};
    if (!r.value().detail.empty()) j["detail"] = r.value().detail;
    if (!r.value().guideProbability.empty()) {
        j["guide_class"] = g.guideClass;
        j["guide_strategy"] = g.guideStrategy;
        j["guide_probability"] = r.value().guideProbability;
        j["guide_nfe"] = r.value().guideNfe;
        std::fprintf(stderr, "guidance toward class %d: mean p %.3f -> %.3f over %d iterations (%lld NFE)\n",
                     g.guideClass, r.value().guideProbability.front(), r.value().guideProbability.back(),
                     g.guideIterations, static_cast<long long>(r.value().guideNfe));
    }
    if (p.isSet(score)) {
        const auto s = generate::scoreSamples({models::zoo::find(models::zoo::kClassifier), ""}, r.value().items,
                                              r.value().labels, ctx);
        if (!s.ok()) return jobFailed(s);
        j["fd"] = s.value().fd;
        j["confident_share"] = s.value().confident;
        j["label_agreement"] = s.value().agreement;
        j["histogram"] = s.value().histogram;
        std::fprintf(stderr, "FD %.2f, confident %.1f%%, label agreement %.1f%%\n", s.value().fd, 100 * s.value().confident,
                     100 * s.value().agreement);
    }
    if (p.isSet(json)) std::printf("%s\n", j.dump().c_str());
    return 0;
}

} // namespace

const Command kGenerate{"generate", "Sample the built-in generator into a PNG grid.", kHelp, run};

} // namespace reverie::cli
