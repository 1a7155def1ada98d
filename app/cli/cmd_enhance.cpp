// reverie-cli enhance: enhance noisy speech files with the built-in model or a published SGMSE+
// checkpoint.

#include "cli/command.h"

#include "models/zoo.h"
#include "speech/enhance.h"

#include <QDir>
#include <QFileInfo>

namespace reverie::cli {
namespace {

const char* kHelp = R"(Usage: reverie-cli enhance IN... -o OUTDIR [options]

Enhance noisy speech with the built-in model (SGMSE+-style, OUVE SDE) or a published SGMSE+
checkpoint (--model FILE.ckpt). Any format libsndfile reads, resampled to the model's rate
(16 kHz for the built-in model; a checkpoint's own) in mono; streamed in 30 s segments, so an
hour-long file needs no more memory than a short one. Writes OUTDIR/<name>.wav, never over an
input.

Options:
  IN                A file, or a folder: its files (not its sub-folders) of a known type, in
                    name order.
  -o, --out DIR     Output folder (required).
  --shard K/N       Only every N-th input, starting with the K-th (K = 1..N): N processes or
                    cluster tasks share one batch (packaging/slurm/); with --json each prints a
                    part that `reverie-cli merge` puts together.
  --sampler ID      Sampler (default: the model's, predictive for a predictive model folder and
                    mrs-sde-1-data otherwise; --list-samplers shows them all).
  --nfe N           Network evaluations per chunk (0 = the sampler's default).
  --seed S          Seed (default 0).
  --snr R           pc, sgmse-pc: the annealed-Langevin corrector's snr (default 0.5).
  --corrector-steps K
                    pc, sgmse-pc: corrector steps per predictor step (default 1; 0 = the
                    predictor alone); the NFE must be a multiple of K + 1.
  --chunk-frames N  Long inputs go through the network in chunks of N STFT frames (a multiple
                    of 64; default the model card's chunk_frames, else its training crop;
                    the built-in predictive model: 512, 4.1 s).
  --overlap-frames N
                    Frames two chunks share, cross-faded (default an eighth of a chunk).
  --final-denoise   pc: return the model's data estimate at t_eps after the last step (+1 NFE).
  --task T          denoise (default: remove the noise, keep the recording's room), auto (the
                    model judges) or dereverberate (remove the room's reverberation too);
                    dereverberate needs a model trained for it.
  --strength S      How much of the change to keep, 0–1: the output is y + S·(enhanced − y).
                    Lower keeps more of the noise and distorts the speech less (default: the
                    model card's: its strength by what the model removed when it has such a
                    curve, else its fixed strength, 1 when it names none).
  --strength-curve COHERENCE:S,...
                    The strength by how closely what the full-strength output removed follows
                    what it kept (the coherence, -1..1: near 0 for noise, near 1 for speech
                    taken away; e.g. -0.15:0.9,0.31:0.5,0.68:0.1; linear between points, flat
                    beyond), per 30 s segment; instead of the card's. Ignored with --strength.
  --model DIR|FILE|NAME
                    Model folder, built-in name (speech-enhance, the score model; or
                    speech-enhance-predictive, one pass), or a published SGMSE+
                    checkpoint (.ckpt, .pth, .pt, .bin, .safetensors; NCSN++ backbone, OUVE
                    SDE). A checkpoint's settings come from the file; its own sampler is
                    --sampler sgmse-pc (60 NFE, as upstream's enhancement.py).
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
        {out, list, json, valueOption("sampler", "Sampler id.", speech::kDefaultEnhanceSampler),
         valueOption("nfe", "Network evaluations per chunk.", "0"), valueOption("seed", "Seed.", "0"),
         valueOption("shard", "K/N: every N-th input from the K-th.", ""),
         valueOption("task", "denoise, auto or dereverberate.", "denoise"),
         valueOption("strength", "Share of the change kept (0-1; -1: the model's).", "-1"),
         valueOption("strength-curve", "Strength by the coherence of what was removed (COHERENCE:S,...).",
                     ""),
         valueOption("chunk-frames", "Chunk length in STFT frames (0: the model's).", "0"),
         valueOption("overlap-frames", "Chunk overlap in STFT frames (-1: an eighth of a chunk).", "-1"),
         valueOption("snr", "Corrector snr.", "0.5"), valueOption("corrector-steps", "Corrector steps.", "1"),
         QCommandLineOption(QStringLiteral("final-denoise"), QStringLiteral("Final denoising step.")),
         valueOption("model", "Model folder, checkpoint file or built-in name.", "")});
    if (!p.parse(args)) return usage(p.errorText());
    if (p.isSet(list)) {
        for (const auto& s : speech::enhanceSamplers())
            std::printf("%-16s %s  [%s]\n", s.id.c_str(), s.label.c_str(),
                        s.defaultNfe > 0 ? ("default NFE " + std::to_string(s.defaultNfe)).c_str() : "adaptive NFE");
        return 0;
    }
    const QStringList inputs =
        expandInputs(p.positionalArguments(), QStringList{"wav", "flac", "ogg", "oga", "mp3", "aif", "aiff"});
    Shard shard;
    if (int code = 0; !shardOption(p, &shard, &code)) return code;
    if (inputs.isEmpty()) return usage(QStringLiteral("enhance needs at least one input audio file"));
    if (!p.isSet(out)) return usage(QStringLiteral("enhance needs -o OUTDIR"));
    speech::EnhanceParams ep;
    bool ok1 = false, ok2 = false;
    ep.sampler = p.value(QStringLiteral("sampler")).toStdString();
    ep.nfe = p.value(QStringLiteral("nfe")).toInt(&ok1);
    ep.seed = p.value(QStringLiteral("seed")).toULongLong(&ok2);
    if (!(ok1 && ok2)) return usage(QStringLiteral("--nfe and --seed need numbers"));
    ep.snr = p.value(QStringLiteral("snr")).toDouble(&ok1);
    ep.correctorSteps = p.value(QStringLiteral("corrector-steps")).toInt(&ok2);
    if (!(ok1 && ok2)) return usage(QStringLiteral("--snr and --corrector-steps need numbers"));
    ep.chunkFrames = p.value(QStringLiteral("chunk-frames")).toInt(&ok1);
    ep.overlapFrames = p.value(QStringLiteral("overlap-frames")).toInt(&ok2);
    if (!(ok1 && ok2)) return usage(QStringLiteral("--chunk-frames and --overlap-frames need whole numbers"));
    ep.finalDenoise = p.isSet(QStringLiteral("final-denoise"));
    ep.task = p.value(QStringLiteral("task")).toStdString();
    ep.strength = p.value(QStringLiteral("strength")).toDouble(&ok1);
    if (!ok1) return usage(QStringLiteral("--strength needs a number"));
    if (p.isSet(QStringLiteral("strength-curve"))) {
        auto c = speech::parseStrengthCurve(p.value(QStringLiteral("strength-curve")).toStdString());
        if (!c) return usage(QString::fromStdString(c.error().message));
        ep.strengthCurve = c.value();
    }
    ep.modelDir = models::zoo::resolve(p.value(QStringLiteral("model")).toStdString(), models::zoo::kEnhancer);
    if (ep.modelDir.empty())
        return usage(QStringLiteral("the built-in speech model was not found (set REVERIE_MODELS_DIR or use --model DIR)"));
    if (!p.isSet(QStringLiteral("sampler"))) ep.sampler = speech::defaultEnhanceSampler(ep.modelDir);
    if (auto v = speech::validateEnhance(ep); !v) return usage(QString::fromStdString(v.error().message));
    const QString outDir = p.value(out);
    if (!QDir().mkpath(outDir)) return usage(QStringLiteral("cannot create the output folder %1").arg(outDir));
    int code = 0;
    if (!applyThreads(p, &code)) return code;
    auto info = speech::enhancerInfo(ep.modelDir);
    if (!info) return jobFailed(info);
    if (info.value().published) std::fprintf(stderr, "%s\n", info.value().summary.c_str());

    return runFileBatch(
        inputs, outDir, "enhanced", p.isSet(json),
        {{"command", "enhance"},
         {"sampler", ep.sampler},
         {"nfe", ep.nfe},
         {"task", ep.task},
         {"model", info.value().name},
         {"inputs", inputs.size()}},
        "files",
        [&](const QString& in) -> FileOutcome {
            const QString target = QDir(outDir).filePath(QFileInfo(in).completeBaseName() + QStringLiteral(".wav"));
            auto r = speech::enhanceFile(ep, in.toStdString(), target.toStdString(), context());
            if (!r.ok()) {
                const auto& why = r.error().message;
                const auto name = in.toStdString();
                return FileOutcome::skip(why.find(name) != std::string::npos ? why : name + ": " + why, r.isCancelled());
            }
            const auto& v = r.value();
            if (!v.note.empty()) std::fprintf(stderr, "note: %s\n", v.note.c_str());
            std::fprintf(stderr, "wrote %s: %.2f s of audio, NFE %lld, %.2f s (real-time factor %.2f)\n", qPrintable(target),
                         v.audioSeconds, (long long)v.nfe, v.seconds, v.realTimeFactor);
            return FileOutcome::written({{"input", in.toStdString()}, {"output", target.toStdString()}, {"nfe", v.nfe},
                                         {"seconds", v.seconds}, {"audio_seconds", v.audioSeconds},
                                         {"real_time_factor", v.realTimeFactor}, {"chunks", v.chunks},
                                         {"segments", v.segments}});
        },
        shard);
}

} // namespace

const Command kEnhance{"enhance", "Enhance noisy speech with the built-in model or an SGMSE+ checkpoint.", kHelp, run};

} // namespace reverie::cli
