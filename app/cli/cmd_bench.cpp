// reverie-cli bench WHAT: the benchmarks, each printing a table and (with --json) one JSON line.

#include "cli/command.h"

#include "engine/bench.h"
#include "erase/erase_bench.h"
#include "erase/sd_erase.h"
#include "generate/generate.h"
#include "generate/gradbench.h"
#include "models/bench_networks.h"
#include "models/published/bench.h"
#include "models/zoo.h"
#include "restore/bench.h"
#include "restore/restore.h"
#include "speech/enhance.h"
#include "speech/enhance_bench.h"
#include "tune/bench.h"
#include "tune/continual.h"
#include "unlearn/corrective.h"

#include <array>

namespace reverie::cli {
namespace {

const char* kHelp = R"(Usage: reverie-cli bench WHAT [options]

  bench engine    The samplers' own overhead over the network, measured in the same run.
                  Options: --quick (under 30 s)  --networks random|shipped (default random: a
                  random 2 M-parameter U-Net; shipped: fmnist-edm serves the VP-SDE samplers,
                  photo-denoise on 64x64 tiles the IR-SDE ones)
  bench generate  FD (shipped classifier's features) per sampler and NFE against the test set,
                  confidence, class histogram, real-vs-real floor, bits/dim.
                  Options: --quick (under 60 s)  --samples N  --seed S  --samplers ID,...
  bench restore   PSNR/SSIM/FD per task x sampler x NFE on Fashion-MNIST test images, with the
                  degraded input and the classical peer; the photo model on the held-out photos.
                  Options: --quick (under 60 s)  --samples N  --tasks ID,...  --samplers ID,...
                           --nfe N,...  --seed S  --no-fmnist  --no-photos  --large MP
                           --photo-sigmas S,...  (per-sigma sweep with NLM on every photo of
                           --photo-set test|val|test/<package>, centre crop --photo-crop N, 0 = whole; model
                           --photo-model DIR|NAME; --photo-true-sigma: a noise-map model also
                           told the true sigma, beside estimating it; --photo-lambda L: the IR-SDE
                           lambda of the sweep); --photo-tasks noise,blur,...: per-task sweep
                           (each task's classical peer given the true parameters; noise at each
                           --photo-sigmas value; --photo-true-sigma rows are told the task too,
                           and sigma 0 for the tasks other than noise; --photo-blend A,...:
                           after each +dc row, A*(model+dc) + (1-A)*(peer+dc) from the same run;
                           --photo-pnp K:S:E|K:xC:E|auto,...: plug-and-play rows, K denoiser
                           calls at sigma S (or C x the estimated error) down to E from the
                           consistent peer, prior --photo-pnp-model (default photo-denoise) at
                           --photo-pnp-nfe N per call (default 3))
                           --photo-levers all|ID,...: seconds per megapixel and PSNR of the photo
                           model per speed lever (default nfe5 overlap8 no-overlap tile128 tile256
                           tile256-nfe5 tile256-nfe2 one-step-256 nfe2-overlap8 nfe2-no-overlap
                           one-step-overlap8 one-step-no-overlap) on --photo-set at sigma 25, beside
                           NLM (--photo-crop 512 or 0 for the tile levers)
  bench enhance   SI-SDR/ESTOI before and after per sampler x NFE on held-out speech mixtures, with
                  the classical peers (sox noisered, ffmpeg afftdn and anlmdn); real-time factor.
                  Options: --quick (under 60 s)  --samples N  --samplers ID,...  --nfe N,...
                           --seed S  --no-peers  --task row|auto|denoise|dereverberate (row, the default:
                           each mixture's own task)  --strength S (0-1; default the card's)
                           --strength-curve X:S,... (strength by the coherence of what was removed)
                           --strengths S,... (a sweep: one run, a row per strength, and each
                           mixture's scores and coherence in the JSON)
                           --chunk-frames N (a multiple of 64; default the model card's)
                           --overlap-frames N (default an eighth of a chunk)
                           --length N (samples per mixture, default 32512: 2.03 s)
                  Held-out split corpus (docs/data.md): --layout split [--split test|val]
                  --snr-buckets 0,5,10,15,20 (--samples per bucket, families in turn)
                  --families recorded,white,...  --reverberant N (T60 0.2-1 s, no noise)
                  --room-share R (0-1: that share of the bucket mixtures recorded in a simulated
                  room the target keeps, groups "room" and "dry")
                  --model DIR|NAME (default speech-enhance)
                  Predictor-corrector settings (pc, sgmse-pc; every combination is a row):
                  --pc-snr 0.1,0.5  --corrector-steps 0,1 (0: predictor alone; NFE a multiple
                  of K + 1)  --final-denoise on|both (pc: the data estimate at t_eps, +1 NFE)
                  --error-pairs N (the model's error against the noise level on N mixtures'
                  first crop, against the identity and the noisy input)
  bench erase     Concept erasure on the text-conditional model (UCE, RECE, ESD, SPM, SLD; one, two
                  and three concepts): erased and held-out-synonym rates, other classes' accuracy,
                  FD, attack success, edit time.
                  Options: --quick (under 60 s)  --samples N  --methods ID,...  --steps N
                           (methods: uce rece esd spm spm-ft sld; also sld-weak sld-strong sld-max,
                           SLD's other configurations; sld is "medium")
                           --no-attacks  --no-sampler-attack (the attack through the whole sampling
                           run, the slowest)  --seed S  --set-sizes 1,2,3 (which concept sets)
                           --spm-anchor-weight W (SPM's latent-anchoring weight, default 30)
  bench sd-erase  Time of the closed-form erasure (UCE, RECE with 1 and 3 rounds) on the 32 K/V
                  matrices of SD 1.x's UNet (random weights, 68 erase rows, 365 preserved rows).
                  Options: --quick (one repeat)  --samples N (repeats)  --seed S
  bench published Seconds per evaluation and peak memory of the full-size published networks
                  (SGMSE+ NCSN++ on 2.04 s of audio, IR-SDE UNet on 256x256, SD 1.x's CLIP text
                  encoder on a prompt and the empty prompt, its UNet and VAE on 32x32 and 64x64
                  latents),
                  random weights;
                  derived real-time factor and seconds per image at the papers' step counts.
                  Options: --quick (one evaluation, 128x128, latent 32x32)  --samples N (timed repeats)
                           --networks sgmse,irsde,clip,sd-unet,sd-vae (default: all)
                           --precision fp32|bf16 (the SD networks' weights; run one precision per
                           process to compare peak memory)
  bench unlearn   Corrective unlearning on the classifier's architecture: a patch-trigger poison,
                  SSD with 10/50/100% of the poison identified beside retraining without it.
                  Options: --quick (under 60 s)  --steps N  --alpha A  --lambda L  --no-retrain  --seed S
                           --ssd-batch N,... (importance minibatch sizes; default 512)
                           --retain-samples N (cap on SSD's retain set; default all)
  bench tune      Fine-tuning methods on the DiT denoiser (full, checkpoint, adapter, lora, MEFT1-3):
                  peak activation memory, seconds per step and trainable parameters per depth and
                  batch size, with the ratios to full fine-tuning. Random weights.
                  Options: --quick (under 60 s)  --methods ID,...  --depths N,...  --batches N,...
                           --samples N (timed steps)
                           --modulation frozen|bias|lora|full (adaLN modulation under adapter/LoRA/MEFT)
  bench grad      Gradients of a loss on the final sample through a whole reversible-Heun sampling
                  run, four strategies (backprop, checkpoint, reversible, adjoint): error against
                  finite differences, against backprop and against the exact flow on Gaussian data;
                  peak memory, seconds and NFE through the shipped Fashion-MNIST U-Net (loss:
                  -log p(class | sample) under the shipped classifier), ODE and SDE.
                  Options: --quick (N = 10, 50; ODE only)  --steps N,... (default 10,50,200)
                           --strategies ID,...  --no-network  --ode-only  --seed S
                           --double-state (the network case's solver states in float64)
  bench continual Continual learning on Split Fashion-MNIST (5 tasks of 2 classes) with the
                  classifier's architecture: finetune, EWC, ER, DER++, each without and with refresh
                  learning; class- and task-incremental average accuracy and forgetting, and the
                  accuracy matrices (JSON).
                  Options: --quick (60 steps per task)  --steps N (per task, default 300)
                           --methods finetune,ewc,er,derpp  --seed S
                           --ewc-lambda L (EWC's penalty weight, default 1000)  --ewc-explicit (the
                           plain SGD step on the penalty instead of the proximal one: diverges
                           from L of about 10-30)
                           --seeds N (repeat with seeds S … S+N−1: mean ± std, as the paper; default 1)

Every bench takes --json (the result as JSON, last line of stdout) and --threads N.
bench engine, enhance and restore take --shard K/N: only the K-th of N shares of the work (engine:
its sampler x batch cells; enhance: its mixtures; restore: its Fashion-MNIST tasks and its photo
conditions), in N processes or cluster tasks (packaging/slurm/); `reverie-cli merge` turns their
--json outputs into the table and JSON of one whole run.
)";

using Bench = int (*)(const QCommandLineParser& p, bool quick);

bool seedOption(const QCommandLineParser& p, std::uint64_t* seed, int* code) {
    if (!p.isSet(QStringLiteral("seed"))) return true;
    bool ok = false;
    *seed = p.value(QStringLiteral("seed")).toULongLong(&ok);
    if (!ok) *code = usage(QStringLiteral("--seed needs a whole number"));
    return ok;
}

// --NAME X: a number >= 0 into *out (left alone when not given).
bool nonNegativeOption(const QCommandLineParser& p, const char* name, double* out, int* code) {
    if (!p.isSet(QString::fromLatin1(name))) return true;
    bool ok = false;
    *out = p.value(QString::fromLatin1(name)).toDouble(&ok);
    if (ok && *out >= 0) return true;
    *code = usage(QStringLiteral("--%1 needs a number >= 0").arg(QString::fromLatin1(name)));
    return false;
}

// --NAME A,B,...: numbers between 0 and 1 (blend weights, strengths) into *out.
bool unitList(const QCommandLineParser& p, const char* name, std::vector<double>* out, int* code) {
    for (const auto& v : listOption(p, name)) {
        bool ok = false;
        const double x = QString::fromStdString(v).toDouble(&ok);
        if (!ok || !(x >= 0 && x <= 1)) {
            *code = usage(QStringLiteral("--%1 needs values between 0 and 1").arg(QString::fromLatin1(name)));
            return false;
        }
        out->push_back(x);
    }
    return true;
}

bool nfeList(const QCommandLineParser& p, std::vector<int>* out, int* code) {
    for (const auto& v : listOption(p, "nfe")) {
        bool ok = false;
        out->push_back(QString::fromStdString(v).toInt(&ok));
        if (!ok || out->back() < 0) {
            *code = usage(QStringLiteral("--nfe needs comma-separated whole numbers"));
            return false;
        }
    }
    return true;
}

int report(const QCommandLineParser& p, const auto& r) {
    if (!r.ok()) return jobFailed(r);
    return printReport(r.value().table, r.value().json, p.isSet(QStringLiteral("json")));
}

int engine(const QCommandLineParser& p, bool quick) {
    bench::EngineBenchOptions o;
    o.quick = quick;
    if (int code = 0; !shardOption(p, &o.shard, &code)) return code;
    if (p.isSet(QStringLiteral("networks"))) {
        const auto which = p.value(QStringLiteral("networks"));
        if (which == QStringLiteral("shipped")) {
            auto nets = models::shippedBenchNetworks();
            if (!nets) return jobFailed(nets);
            o.networks = nets.value();
        } else if (which != QStringLiteral("random")) {
            return usage(QStringLiteral("bench engine: --networks is random or shipped"));
        }
    }
    return report(p, bench::runEngineBench(o, context(true)));
}

int generateBench(const QCommandLineParser& p, bool quick) {
    generate::BenchParams bp;
    bp.quick = quick;
    bp.modelDir = models::zoo::find(models::zoo::kGenerator);
    bp.classifierDir = models::zoo::find(models::zoo::kClassifier);
    int code = 0;
    if (!intOption(p, "samples", 2, &bp.samples, &code) || !seedOption(p, &bp.seed, &code)) return code;
    bp.samplers = listOption(p, "samplers");
    if (bp.modelDir.empty() || bp.classifierDir.empty())
        return usage(QStringLiteral("the built-in generator or classifier was not found (set REVERIE_MODELS_DIR)"));
    return report(p, generate::runBench(bp, context(true)));
}

int restoreBench(const QCommandLineParser& p, bool quick) {
    restore::RestoreBenchParams bp;
    bp.quick = quick;
    if (int code = 0; !shardOption(p, &bp.shard, &code)) return code;
    bp.modelDir = models::zoo::find(models::zoo::kRestorer);
    if (bp.modelDir.empty()) return usage(QStringLiteral("the built-in restoration model was not found (set REVERIE_MODELS_DIR)"));
    int code = 0;
    if (!intOption(p, "samples", 1, &bp.samples, &code) || !seedOption(p, &bp.seed, &code) || !nfeList(p, &bp.nfes, &code))
        return code;
    bp.classifierDir = models::zoo::find(models::zoo::kClassifier);
    bp.fmnist = !p.isSet(QStringLiteral("no-fmnist"));
    bp.photos = !p.isSet(QStringLiteral("no-photos"));
    if (p.isSet(QStringLiteral("large"))) {
        bool ok = false;
        bp.largeMegapixels = p.value(QStringLiteral("large")).toDouble(&ok);
        if (!ok || bp.largeMegapixels <= 0 || bp.largeMegapixels > 100)
            return usage(QStringLiteral("--large needs megapixels between 0 and 100"));
    }
    for (const auto& v : listOption(p, "photo-sigmas")) {
        bool ok = false;
        const double s = QString::fromStdString(v).toDouble(&ok);
        if (!ok || s < 0 || s > 255) return usage(QStringLiteral("--photo-sigmas needs values between 0 and 255"));
        bp.photoSigmas.push_back(s);
    }
    if (p.isSet(QStringLiteral("photo-set"))) {
        bp.photoSet = p.value(QStringLiteral("photo-set")).toStdString();
        if (bp.photoSet.empty() || bp.photoSet.front() == '/' || bp.photoSet.find("..") != std::string::npos)
            return usage(QStringLiteral("--photo-set names a folder below the photos folder (test, val, test/<package>)"));
    }
    bp.photoTrueSigma = p.isSet(QStringLiteral("photo-true-sigma"));
    if (int code = 0; !unitList(p, "photo-blend", &bp.photoBlends, &code)) return code;
    bp.photoPnp = listOption(p, "photo-pnp");
    if (!bp.photoPnp.empty())
        bp.photoPnpModelDir = models::zoo::resolve(p.value(QStringLiteral("photo-pnp-model")).toStdString(),
                                                   models::zoo::kPhotoRestorer);
    if (int code = 0; !intOption(p, "photo-pnp-nfe", 1, &bp.photoPnpNfe, &code)) return code;
    if (p.isSet(QStringLiteral("photo-levers"))) {
        bp.photoLevers = true;
        if (p.value(QStringLiteral("photo-levers")) != QLatin1String("all"))
            bp.photoLeverIds = listOption(p, "photo-levers");
    }
    if (p.isSet(QStringLiteral("photo-lambda"))) {
        bool ok = false;
        bp.photoLambda = p.value(QStringLiteral("photo-lambda")).toDouble(&ok);
        if (!ok || !(bp.photoLambda > 0) || bp.photoLambda > 255)
            return usage(QStringLiteral("--photo-lambda needs a value in (0, 255]"));
    }
    if (p.isSet(QStringLiteral("photo-crop"))) {
        bool ok = false;
        bp.photoCrop = p.value(QStringLiteral("photo-crop")).toInt(&ok);
        if (!ok || bp.photoCrop < 0 || (bp.photoCrop > 0 && bp.photoCrop < 16))
            return usage(QStringLiteral("--photo-crop needs 0 (whole photos) or at least 16"));
    }
    if (bp.photos || bp.largeMegapixels > 0) {
        bp.photoModelDir = models::zoo::resolve(p.value(QStringLiteral("photo-model")).toStdString(),
                                                models::zoo::kPhotoRestorer);
        if (bp.photoModelDir.empty())
            return usage(QStringLiteral("the built-in photo model was not found (set REVERIE_MODELS_DIR, or --no-photos)"));
    }
    bp.samplers = listOption(p, "samplers");
    bp.tasks = listOption(p, "tasks");
    bp.photoTasks = listOption(p, "photo-tasks");
    for (const auto& t : bp.photoTasks) {
        QStringList known;
        for (const auto& k : restore::tasks()) known << QString::fromStdString(k.id);
        if (!known.contains(QString::fromStdString(t)))
            return usage(QStringLiteral("--photo-tasks: unknown task '%1' (known: %2)")
                             .arg(QString::fromStdString(t), known.join(QStringLiteral(", "))));
    }
    return report(p, restore::runRestoreBench(bp, context(true)));
}

bool intList(const QCommandLineParser& p, const char* name, std::vector<int>* out, int* code, int min = 1);

int enhanceBench(const QCommandLineParser& p, bool quick) {
    speech::EnhanceBenchParams bp;
    bp.quick = quick;
    if (int code = 0; !shardOption(p, &bp.shard, &code)) return code;
    bp.modelDir = models::zoo::resolve(p.value(QStringLiteral("model")).toStdString(), models::zoo::kEnhancer);
    if (bp.modelDir.empty()) return usage(QStringLiteral("the built-in speech model was not found (set REVERIE_MODELS_DIR)"));
    std::vector<int> nfes;
    int code = 0;
    if (!intOption(p, "samples", 1, &bp.samples, &code) || !seedOption(p, &bp.seed, &code) || !nfeList(p, &nfes, &code))
        return code;
    bp.peers = !p.isSet(QStringLiteral("no-peers"));
    if (p.isSet(QStringLiteral("layout"))) bp.layout = p.value(QStringLiteral("layout")).toStdString();
    if (p.isSet(QStringLiteral("split"))) bp.split = p.value(QStringLiteral("split")).toStdString();
    if (p.isSet(QStringLiteral("task"))) bp.task = p.value(QStringLiteral("task")).toStdString();
    if (p.isSet(QStringLiteral("strength"))) {
        bool ok = false;
        bp.strength = p.value(QStringLiteral("strength")).toDouble(&ok);
        if (!ok) return usage(QStringLiteral("--strength needs a number"));
    }
    if (p.isSet(QStringLiteral("strength-curve"))) {
        auto c = speech::parseStrengthCurve(p.value(QStringLiteral("strength-curve")).toStdString());
        if (!c) return usage(QString::fromStdString(c.error().message));
        bp.strengthCurve = c.value();
    }
    if (int code = 0; !unitList(p, "strengths", &bp.strengths, &code)) return code;
    bp.families = listOption(p, "families");
    for (const auto& v : listOption(p, "snr-buckets")) {
        bool ok = false;
        const double snr = QString::fromStdString(v).toDouble(&ok);
        if (!ok || snr < -20 || snr > 60) return usage(QStringLiteral("--snr-buckets needs dB values between -20 and 60"));
        bp.snrBuckets.push_back(snr);
    }
    if (p.isSet(QStringLiteral("reverberant")) && !intOption(p, "reverberant", 0, &bp.reverberant, &code)) return code;
    if (p.isSet(QStringLiteral("chunk-frames")) && !intOption(p, "chunk-frames", 0, &bp.chunkFrames, &code))
        return code;
    if (p.isSet(QStringLiteral("room-share"))) {
        bool ok = false;
        bp.roomShare = p.value(QStringLiteral("room-share")).toDouble(&ok);
        if (!ok || !(bp.roomShare >= 0 && bp.roomShare <= 1))
            return usage(QStringLiteral("--room-share needs a share between 0 and 1"));
    }
    if (p.isSet(QStringLiteral("length"))) {
        int length = 0;
        if (!intOption(p, "length", 8192, &length, &code)) return code;
        if (length > 16000 * 60) return usage(QStringLiteral("--length: at most 960000 samples (60 s)"));
        bp.length = length;
    }
    if (p.isSet(QStringLiteral("overlap-frames")) &&
        !intOption(p, "overlap-frames", -1, &bp.overlapFrames, &code))
        return code;
    if (nfes.empty()) nfes.push_back(0);
    std::vector<double> snrs;
    for (const auto& v : listOption(p, "pc-snr")) {
        bool ok = false;
        const double x = QString::fromStdString(v).toDouble(&ok);
        if (!ok || !(x > 0) || x > 10) return usage(QStringLiteral("--pc-snr needs values in (0, 10]"));
        snrs.push_back(x);
    }
    if (snrs.empty()) snrs.push_back(0.5);
    std::vector<int> corr;
    if (!intList(p, "corrector-steps", &corr, &code, 0)) return code;
    if (corr.empty()) corr.push_back(1);
    std::vector<bool> finals{false};
    if (p.isSet(QStringLiteral("final-denoise"))) {
        const QString f = p.value(QStringLiteral("final-denoise"));
        if (f == QStringLiteral("on")) finals = {true};
        else if (f == QStringLiteral("both")) finals = {false, true};
        else if (f != QStringLiteral("off")) return usage(QStringLiteral("--final-denoise takes on, off or both"));
    }
    if (p.isSet(QStringLiteral("error-pairs")) && !intOption(p, "error-pairs", 1, &bp.errorPairs, &code)) return code;
    for (const auto& id : listOption(p, "samplers"))
        for (int k : nfes) {
            if (id != "pc" && id != "sgmse-pc") {
                bp.settings.push_back({id, k});
                continue;
            }
            for (double snr : snrs)
                for (int c : corr)
                    for (bool fd : finals)
                        if (!fd || id == "pc") bp.settings.push_back({id, k, snr, c, fd});
        }
    return report(p, speech::runEnhanceBench(bp, context(true)));
}

int eraseBench(const QCommandLineParser& p, bool quick) {
    erase::EraseBenchParams ep;
    ep.quick = quick;
    ep.modelDir = models::zoo::find(models::zoo::kTextGenerator);
    ep.classifierDir = models::zoo::find(models::zoo::kClassifier);
    if (ep.modelDir.empty() || ep.classifierDir.empty())
        return usage(QStringLiteral("the built-in text-conditional model or classifier was not found (set REVERIE_MODELS_DIR)"));
    int code = 0;
    if (!intOption(p, "samples", 1, &ep.samples, &code) || !intOption(p, "steps", 1, &ep.steps, &code) ||
        !seedOption(p, &ep.seed, &code))
        return code;
    if (p.isSet(QStringLiteral("samples"))) ep.attackSamples = ep.samples;
    ep.methods = listOption(p, "methods");
    ep.attacks = !p.isSet(QStringLiteral("no-attacks"));
    ep.samplerAttack = !p.isSet(QStringLiteral("no-sampler-attack"));
    std::vector<int> sizes;
    if (!intList(p, "set-sizes", &sizes, &code)) return code;
    for (int k : sizes) {
        if (k > 3) return usage(QStringLiteral("--set-sizes takes 1, 2 or 3"));
        std::vector<int> set;
        for (int c = 7; c < 7 + k; ++c) set.push_back(c); // Sneaker, then Bag, then Ankle boot
        ep.conceptSets.push_back(set);
    }
    if (p.isSet(QStringLiteral("spm-anchor-weight"))) {
        bool ok = false;
        ep.spmAnchorWeight = p.value(QStringLiteral("spm-anchor-weight")).toDouble(&ok);
        if (!ok || !(ep.spmAnchorWeight >= 0)) return usage(QStringLiteral("--spm-anchor-weight needs a number >= 0"));
    }
    return report(p, erase::runEraseBench(ep, context(true)));
}

int sdEraseBench(const QCommandLineParser& p, bool quick) {
    erase::SdEraseBenchParams ep;
    if (quick) ep.repeats = 1;
    int code = 0;
    if (!intOption(p, "samples", 1, &ep.repeats, &code) || !seedOption(p, &ep.seed, &code)) return code;
    return report(p, erase::runSdEraseBench(ep, context(true)));
}

int unlearnBench(const QCommandLineParser& p, bool quick) {
    unlearn::CorrectiveParams cp;
    cp.shippedClassifierDir = models::zoo::find(models::zoo::kClassifier);
    if (quick) {
        cp.trainImages = 6000;
        cp.testImages = 2000;
        cp.steps = 150;
        cp.batch = 64;
        cp.poisonShare = 0.05;
        cp.retainSamples = 300;
    }
    int code = 0;
    if (!intOption(p, "steps", 1, &cp.steps, &code) || !seedOption(p, &cp.seed, &code)) return code;
    if (!nonNegativeOption(p, "alpha", &cp.alpha, &code) ||
        !nonNegativeOption(p, "lambda", &cp.lambda, &code))
        return code;
    cp.retrain = !p.isSet(QStringLiteral("no-retrain"));
    if (!intList(p, "ssd-batch", &cp.ssdBatches, &code)) return code;
    if (p.isSet(QStringLiteral("retain-samples"))) {
        int cap = 0;
        if (!intOption(p, "retain-samples", 1, &cap, &code)) return code;
        cp.retainSamples = cap;
    }
    return report(p, unlearn::runCorrectiveBench(cp, context(true)));
}

int publishedBench(const QCommandLineParser& p, bool quick) {
    models::published::PublishedBenchParams pp;
    if (quick) pp.repeats = 1, pp.imageSide = 128, pp.latentSides = {32};
    int code = 0;
    if (!intOption(p, "samples", 1, &pp.repeats, &code)) return code;
    if (p.isSet(QStringLiteral("networks"))) {
        pp.sgmse = pp.irsde = pp.clipText = pp.sdUnet = pp.sdVae = false;
        for (const auto& n : listOption(p, "networks")) {
            if (n == "sgmse") pp.sgmse = true;
            else if (n == "irsde") pp.irsde = true;
            else if (n == "clip") pp.clipText = true;
            else if (n == "sd-unet") pp.sdUnet = true;
            else if (n == "sd-vae") pp.sdVae = true;
            else return usage(QStringLiteral("unknown network '%1' (known: sgmse, irsde, clip, sd-unet, sd-vae)").arg(QString::fromStdString(n)));
        }
    }
    if (p.isSet(QStringLiteral("precision"))) pp.precision = p.value(QStringLiteral("precision")).toStdString();
    return report(p, models::published::runPublishedBench(pp, context(true)));
}

bool intList(const QCommandLineParser& p, const char* name, std::vector<int>* out, int* code, int min) {
    const auto values = listOption(p, name);
    if (values.empty()) return true;
    out->clear();
    for (const auto& v : values) {
        bool ok = false;
        out->push_back(QString::fromStdString(v).toInt(&ok));
        if (!ok || out->back() < min) {
            *code = usage(QStringLiteral("--%1 needs comma-separated whole numbers >= %2").arg(QString::fromLatin1(name)).arg(min));
            return false;
        }
    }
    return true;
}

int tuneBench(const QCommandLineParser& p, bool quick) {
    tune::TuneBenchParams tp;
    if (quick) tp.depths = {4, 16}, tp.batches = {8}, tp.repeats = 1;
    int code = 0;
    if (!intOption(p, "samples", 1, &tp.repeats, &code) || !intList(p, "depths", &tp.depths, &code) ||
        !intList(p, "batches", &tp.batches, &code))
        return code;
    tp.methods = listOption(p, "methods");
    if (p.isSet(QStringLiteral("modulation"))) tp.modulation = p.value(QStringLiteral("modulation")).toStdString();
    return report(p, tune::runTuneBench(tp, context(true)));
}

int gradBench(const QCommandLineParser& p, bool quick) {
    generate::GradBenchParams gp;
    if (quick) gp.steps = {10, 50}, gp.stochastic = false;
    int code = 0;
    if (!intList(p, "steps", &gp.steps, &code, 1) || !seedOption(p, &gp.seed, &code)) return code;
    gp.strategies = listOption(p, "strategies");
    if (p.isSet(QStringLiteral("ode-only"))) gp.stochastic = false;
    gp.doubleState = p.isSet(QStringLiteral("double-state"));
    gp.network = !p.isSet(QStringLiteral("no-network"));
    if (gp.network) {
        gp.modelDir = models::zoo::find(models::zoo::kGenerator);
        gp.classifierDir = models::zoo::find(models::zoo::kClassifier);
        if (gp.modelDir.empty() || gp.classifierDir.empty())
            return usage(QStringLiteral("the built-in generator or classifier was not found (set "
                                        "REVERIE_MODELS_DIR, or --no-network)"));
    }
    return report(p, generate::runGradBench(gp, context(true)));
}

int continualBench(const QCommandLineParser& p, bool quick) {
    tune::ContinualParams cp;
    if (quick) cp.stepsPerTask = 60;
    int code = 0;
    if (!intOption(p, "steps", 1, &cp.stepsPerTask, &code) || !seedOption(p, &cp.seed, &code) ||
        !intOption(p, "seeds", 1, &cp.seeds, &code) ||
        !nonNegativeOption(p, "ewc-lambda", &cp.ewcLambda, &code))
        return code;
    if (const auto m = listOption(p, "methods"); !m.empty()) cp.methods = m;
    cp.ewcProximal = !p.isSet(QStringLiteral("ewc-explicit"));
    return report(p, tune::runContinualBench(cp, context(true)));
}

const std::array<std::pair<const char*, Bench>, 11> kBenches = {{{"engine", engine},
                                                                 {"generate", generateBench},
                                                                 {"restore", restoreBench},
                                                                 {"enhance", enhanceBench},
                                                                 {"erase", eraseBench},
                                                                 {"sd-erase", sdEraseBench},
                                                                 {"unlearn", unlearnBench},
                                                                 {"published", publishedBench},
                                                                 {"tune", tuneBench},
                                                                 {"grad", gradBench},
                                                                 {"continual", continualBench}}};

int run(const QStringList& args) {
    QCommandLineParser p;
    prepareParser(p);
    auto flag = [](const char* name, const char* help) {
        return QCommandLineOption(QString::fromLatin1(name), QString::fromUtf8(help));
    };
    auto value = [](const char* name, const char* help) {
        return QCommandLineOption(QString::fromLatin1(name), QString::fromUtf8(help), QStringLiteral("v"));
    };
    p.addOptions(
        {flag("quick", "Reduced version."),
         flag("json", "JSON output."),
         value("samples", "Samples."),
         value("seed", "Seed."),
         value("seeds", "Seeds to average over."),
         value("samplers", "Samplers."),
         value("tasks", "Tasks."),
         value("nfe", "NFE list."),
         flag("no-photos", "Skip photos."),
         flag("no-fmnist", "Skip Fashion-MNIST."),
         value("large", "Megapixels."),
         flag("no-peers", "Skip peers."),
         value("steps", "Steps."),
         value("alpha", "SSD α."),
         value("lambda", "SSD λ."),
         value("ewc-lambda", "EWC's λ."),
         flag("ewc-explicit", "EWC's penalty stepped explicitly."),
         flag("no-retrain", "Skip retraining."),
         value("methods", "Methods."),
         flag("no-attacks", "Skip attacks."),
         flag("no-sampler-attack", "Skip the attack through the sampler."),
         value("photo-sigmas", "Sweep σ list."),
         value("photo-set", "Photo set."),
         value("photo-crop", "Crop side."),
         value("photo-model", "Photo model."),
         flag("photo-true-sigma", "Also give the model the true sigma."),
         value("photo-blend", "Blends of the consistent model and peer."),
         value("photo-pnp", "Plug-and-play schedules K:S:E with the photo denoiser."),
         value("photo-pnp-model", "The plug-and-play denoiser (default photo-denoise)."),
         value("photo-pnp-nfe", "The plug-and-play denoiser's NFE per call (default 3)."),
         value("photo-lambda", "The sweep's IR-SDE lambda."),
         value("photo-tasks", "Photo task sweep."),
         value("photo-levers", "all, or the speed levers to measure."),
         value("layout", "Corpus layout."),
         value("split", "Corpus split."),
         value("task", "Enhance task."),
         value("strength", "Enhance strength."),
         value("strength-curve", "Enhance strength by the coherence of what was removed (COHERENCE:S,...)."),
         value("strengths", "Enhance strengths to sweep."),
         value("families", "Noise families."),
         value("snr-buckets", "SNR buckets."),
         value("reverberant", "Reverberant mixtures."),
         value("chunk-frames", "Enhance chunk length in STFT frames."),
         value("length", "Samples per mixture."),
         value("room-share", "Share of the bucket mixtures recorded in a kept room."),
         value("overlap-frames", "Enhance chunk overlap in STFT frames."),
         value("model", "Model folder or name."),
         value("depths", "Depths."),
         value("batches", "Batch sizes."),
         value("networks", "Networks."),
         value("precision", "fp32 or bf16."),
         value("ssd-batch", "SSD minibatch sizes."),
         value("retain-samples", "SSD retain cap."),
         value("spm-anchor-weight", "SPM anchor weights."),
         value("modulation", "adaLN modulation."),
         value("set-sizes", "Concept set sizes."),
         value("pc-snr", "PC snr list."),
         value("corrector-steps", "Corrector steps list."),
         value("final-denoise", "on, off or both."),
         value("error-pairs", "Mixtures for the error by noise level."),
         value("strategies", "Gradient strategies."),
         flag("no-network", "Skip the network case."),
         flag("ode-only", "Only the probability-flow ODE."),
         flag("double-state", "Solver states in float64."),
         value("shard", "K/N: this shard's share of the work.")});
    if (!p.parse(args)) return usage(p.errorText());
    const QStringList pos = p.positionalArguments();
    QString known;
    for (const auto& [name, _] : kBenches) known += (known.isEmpty() ? "" : ", ") + QString::fromLatin1(name);
    if (pos.size() == 1)
        for (const auto& [name, bench] : kBenches)
            if (pos.first() == QLatin1String(name)) {
                static const QStringList kShardable{QStringLiteral("engine"), QStringLiteral("enhance"),
                                                    QStringLiteral("restore")};
                if (p.isSet(QStringLiteral("shard")) && !kShardable.contains(pos.first()))
                    return usage(QStringLiteral("bench %1 does not split into shards (--shard: %2)")
                                     .arg(pos.first(), kShardable.join(QStringLiteral(", "))));
                int code = 0;
                if (!applyThreads(p, &code)) return code;
                return bench(p, p.isSet(QStringLiteral("quick")));
            }
    return usage(QStringLiteral("bench needs what to measure; known: %1").arg(known));
}

} // namespace

const Command kBench{"bench",
                     "Benchmarks: engine, generate, restore, enhance, erase, sd-erase, unlearn, published, "
                     "tune, grad (--help for each).",
                     kHelp, run};

} // namespace reverie::cli
