// reverie-cli restore: restore image files with the built-in restorer or a published IR-SDE
// checkpoint.

#include "base/runtime.h"
#include "cli/command.h"

#include "models/zoo.h"
#include "restore/restore.h"

#include <QDir>
#include <QFileInfo>

namespace reverie::cli {
namespace {

const char* kHelp = R"(Usage: reverie-cli restore IN... -o OUTDIR [options]

Restore images with the built-in restoration model (IR-SDE served by a residual denoiser, any
restoration sampler, the MR Sampler by default) or a published IR-SDE checkpoint (--model
FILE.pth; give it the --lambda it was trained with: 10 deraining/deblurring, 30
super-resolution/inpainting, 75 denoising; its own sampler is --sampler posterior --nfe 100). Writes OUTDIR/<name>.png, never over an input;
a bad input is reported and skipped, the others are still restored (exit status 1 at the end).

Options:
  IN                A file, or a folder: its files (not its sub-folders) of a known type, in
                    name order.
  -o, --out DIR     Output folder (required).
  --tile N          Tile side in pixels for images larger than the model's own (0, the default:
                    its card's image_size; a multiple of 8 up to 2048: the built-in photo models
                    are fully convolutional, larger tiles cost less per megapixel - README,
                    "Photo speed levers").
  --overlap N       Tile overlap in pixels (0: a quarter tile; -1: none).
  --device D        cpu (default), cuda or cuda:N: where the network and the sampling run (a
                    CUDA LibTorch and a visible GPU; packaging/gpu-check.sh).
  --shard K/N       Only every N-th input, starting with the K-th (K = 1..N): N processes or
                    cluster tasks share one batch (packaging/slurm/); with --json each prints a
                    part that `reverie-cli merge` puts together.
  --sampler ID      Sampler (default: the model card's recommendation, else mrs-sde-2-data;
                    --list-samplers shows them all).
  --nfe N           Network evaluations (default: the model card's recommendation, else 10).
  --seed S          Seed (default 0).
  --lambda L        IR-SDE stationary std on the 0..255 scale (default 50; a checkpoint's
                    max_sigma).
  --model DIR|FILE|NAME
                    Model folder, built-in name (fmnist-restore, photo-denoise, photo-restore) or a
                    published IR-SDE checkpoint (.pth, .pt, .ckpt, .safetensors).
  --sde-steps T     A checkpoint's SDE T (default 100, every official config).
  --noise-sigma S   The photo model: the noise std of the inputs on the 0..255 scale (default:
                    estimated from each image; the note says what was used).
  --task TASK       What is wrong with the inputs: noise, blur, motion-blur, down2, down4, jpeg,
                    inpaint-box, inpaint-stroke. Without --model it picks the built-in photo model
                    (noise: photo-denoise; the others: photo-restore); a noise-map model is told
                    sigma 0 for the tasks other than noise; down2/down4 up-sample the inputs 2x/4x
                    first, so the result is the super-resolved image.
  --mask FILE       Inpainting your own images: FILE marks the missing pixels (non-black =
                    missing; the input's size). The task becomes inpaint-stroke (or inpaint-box
                    if --task says so); without --model, photo-restore. The holes start from
                    OpenCV's fill and the known pixels are kept.
  --degrade TASK    Degrade each input with this task first (a demo pair; writes NAME-degraded.png);
                    the model is told that task.
  --no-consistency  Return the model's output as it is. By default, when the degradation is
                    known (a --degrade demo pair, --task down2/down4 on your own low-resolution
                    file, a --mask), the result is made consistent with the input: down-sampling
                    it gives the input back, the known pixels are kept, a known blur reproduces
                    the blurred input (docs/methods.md, "Consistency with a known degradation").
  --pnp K:S:E|K:xC:E|auto
                    With a known blur kernel or down-sampling (a --degrade demo pair, --task
                    down2/down4 on your own file): restore by plug-and-play instead, a photo
                    denoiser as the prior, K calls told sigma from S (or C times the start's
                    estimated error) down to E (0..255), each followed by the consistency step,
                    from the classical result made consistent (auto: 2:x2:1, chosen on the
                    validation photos; it lost to the classical result on the held-out ones:
                    README, "Plug-and-play with the photo denoiser").
  --pnp-model DIR|NAME  Its denoiser, a noise-map model (default photo-denoise).
  --pnp-nfe N       The denoiser's network evaluations per call (default 3).
  --no-noise-budget Let a denoiser remove more than the noise level it was given or estimated
                    (by default it is held to it: docs/methods.md, "Noise budget").
  --json            Print a JSON summary (last line of stdout).
  --list-samplers   List the samplers and exit.
  --threads N       LibTorch threads (0 = one per core).
)";

int run(const QStringList& args) {
    QCommandLineParser p;
    prepareParser(p);
    const QCommandLineOption out({QStringLiteral("o"), QStringLiteral("out")}, QStringLiteral("Output folder."),
                                 QStringLiteral("dir"));
    const QCommandLineOption list(QStringLiteral("list-samplers"), QStringLiteral("List the samplers and exit."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("JSON summary."));
    p.addOptions(
        {out,
         list,
         json,
         valueOption("sampler", "Sampler id.", "mrs-sde-2-data"),
         valueOption("nfe", "Network evaluations.", "10"),
         valueOption("seed", "Seed.", "0"),
         valueOption("shard", "K/N: every N-th input from the K-th.", ""),
         valueOption("tile", "Tile side in pixels (0: the model's).", "0"),
         valueOption("overlap", "Tile overlap in pixels (0: a quarter tile; -1: none).", "0"),
         valueOption("device", "cpu, cuda or cuda:N.", "cpu"),
         valueOption("lambda", "IR-SDE stationary std on the 0..255 scale.", "50"),
         valueOption("model", "Model folder, checkpoint file or built-in name.", ""),
         valueOption("sde-steps", "A checkpoint's SDE T.", "100"),
         valueOption("noise-sigma", "Noise std of the inputs (0..255; default: estimated).", ""),
         valueOption("degrade", "Degrade each input with this task first.", ""),
         valueOption("task", "What is wrong with the inputs.", ""),
         valueOption("mask", "Missing pixels of the inputs (non-black = missing).", ""),
         QCommandLineOption(QStringLiteral("no-consistency"),
                            QStringLiteral("Do not make the result consistent with a known degradation.")),
         valueOption("pnp", "Plug-and-play schedule K:S:E or auto.", ""),
         valueOption("pnp-model", "The plug-and-play denoiser.", ""),
         valueOption("pnp-nfe", "The plug-and-play denoiser's NFE per call.", "3"),
         QCommandLineOption(QStringLiteral("no-noise-budget"),
                            QStringLiteral("Let a denoiser remove more than the noise level."))});
    if (!p.parse(args)) return usage(p.errorText());
    if (p.isSet(list)) {
        for (const auto& s : restore::samplers()) std::printf("%-18s %s\n", s.id.c_str(), s.label.c_str());
        return 0;
    }
    const QStringList inputs =
        expandInputs(p.positionalArguments(),
                     QStringList{"png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp", "ppm", "pgm"});
    Shard shard;
    if (int code = 0; !shardOption(p, &shard, &code)) return code;
    if (inputs.isEmpty()) return usage(QStringLiteral("restore needs at least one input image"));
    if (!p.isSet(out)) return usage(QStringLiteral("restore needs -o OUTDIR"));
    restore::RestoreParams rp;
    bool ok1 = false, ok2 = false, ok3 = false;
    rp.sampler = p.value(QStringLiteral("sampler")).toStdString();
    rp.nfe = p.value(QStringLiteral("nfe")).toInt(&ok1);
    rp.seed = p.value(QStringLiteral("seed")).toULongLong(&ok2);
    rp.lambda255 = p.value(QStringLiteral("lambda")).toDouble(&ok3);
    bool ok4 = false;
    rp.sdeSteps = p.value(QStringLiteral("sde-steps")).toInt(&ok4);
    if (!(ok1 && ok2 && ok3 && ok4)) return usage(QStringLiteral("--nfe, --seed, --lambda and --sde-steps need numbers"));
    rp.tileSize = p.value(QStringLiteral("tile")).toInt(&ok1);
    rp.tileOverlap = p.value(QStringLiteral("overlap")).toInt(&ok2);
    if (!(ok1 && ok2)) return usage(QStringLiteral("--tile and --overlap need whole numbers"));
    rp.device = p.value(QStringLiteral("device")).toStdString();
    if (rp.device != "cpu") {
        std::string why = "unknown device (cpu, cuda or cuda:N)";
        if (rp.device.rfind("cuda", 0) != 0 || !runtime::deviceUsable("cuda", &why))
            return usage(QStringLiteral("--device %1: %2")
                             .arg(QString::fromStdString(rp.device), QString::fromStdString(why)));
    }
    if (p.isSet(QStringLiteral("noise-sigma"))) {
        bool ok = false;
        rp.noiseSigma255 = p.value(QStringLiteral("noise-sigma")).toDouble(&ok);
        if (!ok || !(rp.noiseSigma255 >= 0) || rp.noiseSigma255 > 255)
            return usage(QStringLiteral("--noise-sigma needs a value between 0 and 255"));
    }
    rp.task = p.value(QStringLiteral("task")).toStdString();
    rp.maskPath = p.value(QStringLiteral("mask")).toStdString();
    rp.consistency = !p.isSet(QStringLiteral("no-consistency"));
    rp.noiseBudget = !p.isSet(QStringLiteral("no-noise-budget"));
    rp.pnp = p.value(QStringLiteral("pnp")).toStdString();
    if (!rp.pnp.empty())
        rp.pnpModelDir = models::zoo::resolve(p.value(QStringLiteral("pnp-model")).toStdString(),
                                              models::zoo::kPhotoRestorer);
    if (int code = 0; !intOption(p, "pnp-nfe", 1, &rp.pnpNfe, &code)) return code;
    const char* builtin = models::zoo::kRestorer;
    if (!rp.maskPath.empty() && rp.task.empty()) builtin = models::zoo::kPhotoUniversal;
    if (!rp.task.empty()) builtin = rp.task == "noise" ? models::zoo::kPhotoRestorer : models::zoo::kPhotoUniversal;
    rp.modelDir = models::zoo::resolve(p.value(QStringLiteral("model")).toStdString(), builtin);
    if (auto v = restore::validate(rp); !v) return usage(QString::fromStdString(v.error().message));
    const std::string demo = p.value(QStringLiteral("degrade")).toStdString();
    if (!demo.empty()) {
        bool known = false;
        for (const auto& t : restore::tasks()) known = known || t.id == demo;
        if (!known) return usage(QStringLiteral("unknown task '%1' for --degrade").arg(QString::fromStdString(demo)));
    }
    const QString outDir = p.value(out);
    if (!QDir().mkpath(outDir)) return usage(QStringLiteral("cannot create the output folder %1").arg(outDir));
    int code = 0;
    if (!applyThreads(p, &code)) return code;
    auto info = restore::restorerInfo(rp.modelDir);
    if (!info) return jobFailed(info);
    // The model's recommended sampling (its card, chosen on validation photos) unless given.
    if (!p.isSet(QStringLiteral("sampler")) && !info.value().recommendedSampler.empty())
        rp.sampler = info.value().recommendedSampler;
    if (!p.isSet(QStringLiteral("nfe")) && info.value().recommendedNfe > 0) rp.nfe = info.value().recommendedNfe;
    if (auto v = restore::validate(rp); !v) return usage(QString::fromStdString(v.error().message));
    if (!info.value().recommendedSampler.empty() && (!p.isSet(QStringLiteral("sampler")) || !p.isSet(QStringLiteral("nfe"))))
        std::fprintf(stderr, "note: %s @ %d NFE (the model's recommended sampling; --sampler / --nfe override it)\n",
                     rp.sampler.c_str(), rp.nfe);
    if (info.value().published) std::fprintf(stderr, "%s\n", info.value().summary.c_str());

    return runFileBatch(
        inputs, outDir, "restored", p.isSet(json),
        {{"command", "restore"},
         {"sampler", rp.sampler},
         {"nfe", rp.nfe},
         {"tile", rp.tileSize},
         {"overlap", rp.tileOverlap},
         {"device", rp.device},
         {"inputs", inputs.size()}},
        "images",
        [&](const QString& in) -> FileOutcome {
            const QString target =
                QDir(outDir).filePath(QFileInfo(in).completeBaseName() + QStringLiteral(".png"));
            auto r = restore::restoreFile(rp, in.toStdString(), target.toStdString(), demo, context());
            if (!r.ok()) {
                const auto& why = r.error().message;
                const auto name = in.toStdString();
                return FileOutcome::skip(why.find(name) != std::string::npos ? why : name + ": " + why,
                                         r.isCancelled());
            }
            if (!r.value().note.empty()) std::fprintf(stderr, "note: %s\n", r.value().note.c_str());
            return FileOutcome::written({{"input", in.toStdString()},
                                         {"output", target.toStdString()},
                                         {"nfe", r.value().nfe},
                                         {"seconds", r.value().seconds},
                                         {"width", r.value().width},
                                         {"height", r.value().height}});
        },
        shard);
}

} // namespace

const Command kRestore{"restore", "Restore images with the built-in model or an IR-SDE checkpoint.", kHelp,
                       run};

} // namespace reverie::cli
