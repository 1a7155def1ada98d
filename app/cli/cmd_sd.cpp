// reverie-cli sd: text-to-image with a Stable Diffusion 1.x checkpoint into PNGs that carry the
// settings in A1111's "parameters" text.

#include "cli/command.h"

#include "erase/sd_attack.h"
#include "erase/sd_erase.h"
#include "generate/sd.h"
#include "imageconv.h"

#include <QFileInfo>
#include <QImage>

namespace reverie::cli {
namespace {

const char* kHelp = R"(Usage: reverie-cli sd --checkpoint FILE -o OUT.png [options]

Text-to-image with a Stable Diffusion 1.x checkpoint (.safetensors or .ckpt holding the text
encoder, UNet and VAE, e.g. v1-5-pruned-emaonly.safetensors). Each PNG carries its settings as
the "parameters" text AUTOMATIC1111's web UI writes; --from-png reads them back.

On this 2-core CPU one UNet evaluation of SD 1.5 at 512×512 takes about 20 s, so 20 guided steps
take about 7 minutes; 256×256 is about 8× cheaper. A GPU build takes seconds.

Options:
  --checkpoint FILE      The SD 1.x file (required).
  -o, --out FILE.png     The image; with --batch > 1, FILE-1.png, FILE-2.png, … (required).
  --prompt TEXT          What to draw.
  --negative TEXT        Negative prompt (the unconditional half of guidance).
  --steps N              Sampling steps (default 20).
  --sampler ID           dpmpp-2m (default), dpmpp-2m-sde, ddim, edm-heun, edm-sde, em, lcm (for LCM-LoRA
                         or LCM weights: 4–8 steps, --cfg 1–2).
  --no-karras            Uniform steps instead of Karras σ for ddim and dpmpp-*.
  --eta E                DDIM's η (1 = Euler ancestral).
  --cfg W                Classifier-free guidance weight (default 7.5).
  --seed S               Seed of the first image; image i uses S + i (default 0).
  --size WxH             Image size, multiples of 64 (default 512x512).
  --batch B              Number of images (default 1).
  --precision P          Weights in memory: fp32 (default), bf16 (half the memory) or fp16 (--device cuda).
  --device D             cpu (default) or cuda (a CUDA build of LibTorch and a visible GPU).
  --text-heads N --unet-heads N  Attention heads where a model differs from SD 1.x (width/64, 8).
  --edit FILE[:W]        Apply a concept edit made by `reverie-cli sd-erase` with weight W (default 1);
                         repeat for several. An SPM membrane (sd-erase --method spm) is scaled by
                         facilitated transport: γ from the prompt's likeness to its concept.
  --no-transport         Apply SPM membranes at their weight, without transport.
  --states FILE          Text states from `reverie-cli sd-attack` in place of the prompt's (the
                         prompt still names the image and picks SPM's transport).
  --init-image FILE      img2img: start from this image (scaled to --size) …
  --strength S           … noised to S in (0, 1] (default 0.75; ⌈steps·S⌉ steps run).
  --from-png FILE.png    Start from the settings stored in a PNG (other options override them).
  --json                 Print the result as JSON (last line of stdout).
  --threads N            LibTorch threads (0 = one per core).
)";

bool parseSize(const QString& s, int* w, int* h) {
    const auto parts = s.toLower().split(QLatin1Char('x'));
    if (parts.size() != 2) return false;
    bool ok1 = false, ok2 = false;
    *w = parts[0].toInt(&ok1);
    *h = parts[1].toInt(&ok2);
    return ok1 && ok2;
}

int run(const QStringList& args) {
    QCommandLineParser p;
    prepareParser(p);
    const QCommandLineOption out({QStringLiteral("o"), QStringLiteral("out")}, QStringLiteral("PNG file."),
                                 QStringLiteral("file"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("JSON output."));
    const QCommandLineOption noKarras(QStringLiteral("no-karras"), QStringLiteral("Uniform steps."));
    const QCommandLineOption noTransport(QStringLiteral("no-transport"),
                                         QStringLiteral("SPM without transport."));
    p.addOptions({out,
                  json,
                  noKarras,
                  noTransport,
                  valueOption("checkpoint", "SD 1.x file."),
                  valueOption("prompt", "Prompt."),
                  valueOption("negative", "Negative prompt."),
                  valueOption("steps", "Steps."),
                  valueOption("sampler", "Sampler id."),
                  valueOption("eta", "DDIM eta."),
                  valueOption("cfg", "Guidance weight."),
                  valueOption("seed", "Seed."),
                  valueOption("size", "WxH."),
                  valueOption("batch", "Images.", "1"),
                  valueOption("text-heads", "Text encoder heads."),
                  valueOption("edit", "Concept edit file[:weight]."),
                  valueOption("lora", "LoRA file[:weight]."),
                  valueOption("init-image", "Start image."),
                  valueOption("strength", "Denoising strength."),
                  valueOption("unet-heads", "UNet heads."),
                  valueOption("precision", "fp32 or bf16."),
                  valueOption("states", "Text states file."),
                  valueOption("device", "cpu or cuda."),
                  valueOption("from-png", "PNG with A1111 parameters.")});
    if (!p.parse(args)) return usage(p.errorText());
    if (!p.positionalArguments().isEmpty()) return usage(QStringLiteral("sd takes no arguments"));
    if (!p.isSet(out)) return usage(QStringLiteral("sd needs -o FILE.png"));
    generate::SdParams s;
    if (p.isSet(QStringLiteral("from-png"))) {
        const QString from = p.value(QStringLiteral("from-png"));
        const QImage img(from);
        if (img.isNull()) return usage(QStringLiteral("cannot read %1 as an image").arg(from));
        const QString text = img.text(QStringLiteral("parameters"));
        if (text.isEmpty()) return usage(QStringLiteral("%1 carries no \"parameters\" text").arg(from));
        auto parsed = generate::parseSdParametersText(text.toStdString(), s);
        if (!parsed) return usage(QString::fromStdString(parsed.error().message));
        s = parsed.value();
    }
    s.checkpoint = p.value(QStringLiteral("checkpoint")).toStdString();
    if (s.checkpoint.empty()) return usage(QStringLiteral("sd needs --checkpoint FILE"));
    if (p.isSet(QStringLiteral("prompt"))) s.prompt = p.value(QStringLiteral("prompt")).toStdString();
    if (p.isSet(QStringLiteral("negative"))) s.negativePrompt = p.value(QStringLiteral("negative")).toStdString();
    if (p.isSet(QStringLiteral("sampler"))) s.sampler = p.value(QStringLiteral("sampler")).toStdString();
    if (p.isSet(noKarras)) s.karras = false;
    if (p.isSet(QStringLiteral("precision"))) s.precision = p.value(QStringLiteral("precision")).toStdString();
    if (p.isSet(QStringLiteral("states"))) s.promptStates = p.value(QStringLiteral("states")).toStdString();
    if (p.isSet(QStringLiteral("device"))) s.device = p.value(QStringLiteral("device")).toStdString();
    bool ok = true;
    auto number = [&](const char* name, auto* target) {
        if (!p.isSet(QString::fromLatin1(name))) return;
        bool good = false;
        const double v = p.value(QString::fromLatin1(name)).toDouble(&good);
        if (!good) ok = false;
        else *target = static_cast<std::remove_pointer_t<decltype(target)>>(v);
    };
    number("steps", &s.steps);
    number("eta", &s.eta);
    number("cfg", &s.guidance);
    number("batch", &s.batch);
    number("text-heads", &s.textHeads);
    number("unet-heads", &s.unetHeads);
    number("strength", &s.strength);
    bool seedOk = true;
    if (p.isSet(QStringLiteral("seed"))) s.seed = p.value(QStringLiteral("seed")).toULongLong(&seedOk);
    if (!ok || !seedOk) return usage(QStringLiteral("--steps, --eta, --cfg, --seed, --batch and the head counts need numbers"));
    if (p.isSet(QStringLiteral("size")) && !parseSize(p.value(QStringLiteral("size")), &s.width, &s.height))
        return usage(QStringLiteral("--size needs WxH, e.g. 512x512"));
    for (const char* option : {"edit", "lora"})
        for (const QString& e : p.values(QString::fromLatin1(option))) {
            generate::SdEdit edit;
            const qsizetype colon = e.lastIndexOf(QLatin1Char(':'));
            bool good = colon > 0;
            const double w = good ? e.mid(colon + 1).toDouble(&good) : 1.0;
            edit.file = (good ? e.left(colon) : e).toStdString();
            edit.weight = good ? w : 1.0;
            (option[0] == 'e' ? s.edits : s.loras).push_back(edit);
        }
    if (p.isSet(QStringLiteral("init-image"))) {
        const QString file = p.value(QStringLiteral("init-image"));
        const QImage init(file);
        if (init.isNull()) return usage(QStringLiteral("cannot read %1 as an image").arg(file));
        s.initImage = app::toImageU8(init.scaled(s.width, s.height, Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
    }
    s.previews = false;
    s.transport = !p.isSet(noTransport);
    if (auto v = generate::validateSd(s); !v) return usage(QString::fromStdString(v.error().message));
    int code = 0;
    if (!applyThreads(p, &code)) return code;
    const auto r = generate::runSdTextToImage(s, context(true));
    if (!r.ok()) return jobFailed(r);
    for (const auto& w : r.value().warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    nlohmann::json transport = nlohmann::json::object();
    for (const auto& [file, gamma] : r.value().transport) {
        std::fprintf(stderr, "SPM membrane %s: transport γ %.3f\n", file.c_str(), gamma);
        transport[file] = gamma;
    }
    const QString path = p.value(out);
    const QFileInfo info(path);
    const std::string model = QFileInfo(QString::fromStdString(s.checkpoint)).completeBaseName().toStdString();
    nlohmann::json files = nlohmann::json::array();
    for (std::size_t i = 0; i < r.value().images.size(); ++i) {
        const auto& im = r.value().images[i];
        QImage img(im.pixels.data(), im.width, im.height, im.width * 3, QImage::Format_RGB888);
        img = img.copy();
        generate::SdParams one = s;
        one.seed = s.seed + i;
        one.batch = 1;
        img.setText(QStringLiteral("parameters"), QString::fromStdString(generate::sdParametersText(one, model)));
        const QString file = r.value().images.size() == 1
                                 ? path
                                 : info.path() + QLatin1Char('/') + info.completeBaseName() +
                                       QStringLiteral("-%1.").arg(i + 1) + info.suffix();
        if (!img.save(file, "PNG")) {
            std::fprintf(stderr, "reverie-cli: cannot write %s\n", qPrintable(file));
            return 1;
        }
        files.push_back(file.toStdString());
    }
    std::fprintf(stderr, "wrote %d image(s): NFE %lld, %d steps, %.1f s sampling and decoding (+ %.1f s loading)\n",
                 int(r.value().images.size()), static_cast<long long>(r.value().nfe), r.value().steps,
                 r.value().seconds, r.value().loadSeconds);
    if (p.isSet(json)) {
        nlohmann::json j = {{"files", files},
                            {"nfe", r.value().nfe},
                            {"steps", r.value().steps},
                            {"seconds", r.value().seconds},
                            {"load_seconds", r.value().loadSeconds},
                            {"parameters", r.value().parameters},
                            {"precision", s.precision},
                            {"device", s.device},
                            {"weight_bytes", r.value().weightBytes},
                            {"transport", transport}};
        std::printf("%s\n", j.dump().c_str());
    }
    return 0;
}

const char* kEraseHelp =
    R"(Usage: reverie-cli sd-erase --checkpoint FILE --concept TEXT -o EDIT.safetensors [options]

Erases concepts from a Stable Diffusion 1.x checkpoint in closed form (UCE, or RECE which also
erases the embeddings that would still bring them back), or by fine-tuning (ESD-x: one concept,
trained so that its prompt predicts the frozen model's negatively guided noise; SPM: the same
loss on a rank-1 membrane per matrix, anchored so that other prompts do not move), by editing the
UNet's cross-attention key/value projections. Writes the change as an edit file for `reverie-cli sd --edit` and the Stable
Diffusion tab; the checkpoint itself is never modified.

Options:
  --checkpoint FILE      The SD 1.x file (required).
  --concept TEXT         A prompt to erase (required; repeat for several).
  --guide TEXT           What the concepts should produce instead (default: the empty prompt).
  --preserve TEXT        A prompt whose images must not change (repeat for several).
  --method uce|rece|esd|spm  Default uce.
  --epochs N             RECE rounds after the UCE edit (default 1).
  --rece-lambda L        RECE's ridge (default 1e-3; 0.1 for nudity).
  ESD and SPM only (one --concept; no --guide or --preserve):
  --steps N              Training steps (default 200; the papers: 1000 (ESD), 3000 (SPM) on a GPU).
  --lr L                 Adam's learning rate (default: the paper's, 1e-5 for ESD, 1e-4 for SPM).
  --anchor-weight W      SPM: weight of the anchoring loss (default 1000, the paper's).
  --anchors N            SPM: random anchor contexts per step besides the empty prompt (default 1).
  --eta E                Negative-guidance strength of the target (default 1).
  --pool-images N        The frozen model's samples of the concept to noise (default 4).
  --pool-steps N         DDIM steps for those samples (default 20).
  --latent N             Latent side (default 64 = 512² images; a multiple of 8).
  --seed N               Seed of the pool, the noise and the timesteps (default 17).
  -o, --out FILE         The edit file (.safetensors, required).
  --text-heads N --unet-heads N  Attention heads where a model differs from SD 1.x.
  --json                 Print the result as JSON (last line of stdout).
  --threads N            LibTorch threads (0 = one per core).
)";

/// sd-erase --method esd|spm: the options parsed by runErase, the fine-tuning's own read here.
int runEsd(const QCommandLineParser& p, const erase::SdEraseParams& e, bool json) {
    if (e.concepts.size() != 1 || !e.preserve.empty() || !e.guide.empty())
        return usage(QStringLiteral("ESD and SPM erase one --concept and take no --guide or --preserve"));
    erase::SdEsdParams q = erase::finetuneParams(e);
    bool ok[9] = {};
    q.steps = p.value(QStringLiteral("steps")).toInt(&ok[0]);
    q.lr = p.value(QStringLiteral("lr")).toDouble(&ok[1]);
    q.eta = p.value(QStringLiteral("eta")).toDouble(&ok[2]);
    q.poolImages = p.value(QStringLiteral("pool-images")).toInt(&ok[3]);
    q.poolSteps = p.value(QStringLiteral("pool-steps")).toInt(&ok[4]);
    q.latentSize = p.value(QStringLiteral("latent")).toInt(&ok[5]);
    q.seed = p.value(QStringLiteral("seed")).toULongLong(&ok[6]);
    q.anchorWeight = p.value(QStringLiteral("anchor-weight")).toDouble(&ok[7]);
    q.anchors = p.value(QStringLiteral("anchors")).toInt(&ok[8]);
    for (bool b : ok)
        if (!b)
            return usage(
                QStringLiteral("--steps, --lr, --eta, --pool-images, --pool-steps, --latent, --seed, "
                               "--anchor-weight and --anchors need numbers"));
    const auto r = erase::runSdEsd(q, context());
    if (!r.ok()) return jobFailed(r);
    const auto& v = r.value();
    const double last = v.losses.empty() ? 0.0 : v.losses.back();
    std::fprintf(
        stderr,
        "wrote %s: %s on %d K/V matrices, %zu steps (pool %.1f s, training %.1f s, loading %.1f s); "
        "last loss %.4g; held-out objective %.4g -> %.4g; |dW|/|W| %.3g; held-out shift: prompt %.3g, "
        "anchors %.3g\n",
        q.output.c_str(), q.method.c_str(), v.matrices, v.losses.size(), v.poolSeconds, v.trainSeconds,
        v.loadSeconds, last, v.heldOutBefore, v.heldOutAfter, v.deltaRatio, v.conceptShift, v.anchorShift);
    if (json) {
        const nlohmann::json j = {{"file", q.output},
                                  {"method", q.method},
                                  {"matrices", v.matrices},
                                  {"steps", v.losses.size()},
                                  {"last_loss", last},
                                  {"held_out_before", v.heldOutBefore},
                                  {"held_out_after", v.heldOutAfter},
                                  {"delta_ratio", v.deltaRatio},
                                  {"concept_shift", v.conceptShift},
                                  {"anchor_shift", v.anchorShift},
                                  {"pool_seconds", v.poolSeconds},
                                  {"train_seconds", v.trainSeconds},
                                  {"load_seconds", v.loadSeconds}};
        std::printf("%s\n", j.dump().c_str());
    }
    return 0;
}

int runErase(const QStringList& args) {
    QCommandLineParser p;
    prepareParser(p);
    const QCommandLineOption out({QStringLiteral("o"), QStringLiteral("out")}, QStringLiteral("Edit file."),
                                 QStringLiteral("file"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("JSON output."));
    p.addOptions({out,
                  json,
                  valueOption("checkpoint", "SD 1.x file."),
                  valueOption("concept", "Concept."),
                  valueOption("guide", "Guide prompt."),
                  valueOption("preserve", "Prompt to preserve."),
                  valueOption("method", "uce or rece.", "uce"),
                  valueOption("epochs", "RECE rounds.", "1"),
                  valueOption("rece-lambda", "RECE ridge.", "1e-3"),
                  valueOption("text-heads", "Text encoder heads."),
                  valueOption("unet-heads", "UNet heads."),
                  valueOption("steps", "ESD steps.", "200"),
                  valueOption("lr", "ESD learning rate.", "0"),
                  valueOption("anchor-weight", "SPM anchor weight.", "1000"),
                  valueOption("anchors", "SPM anchors.", "1"),
                  valueOption("eta", "ESD η.", "1"),
                  valueOption("pool-images", "ESD pool.", "4"),
                  valueOption("pool-steps", "ESD pool steps.", "20"),
                  valueOption("latent", "ESD latent side.", "64"),
                  valueOption("seed", "ESD seed.", "17")});
    if (!p.parse(args)) return usage(p.errorText());
    if (!p.positionalArguments().isEmpty()) return usage(QStringLiteral("sd-erase takes no arguments"));
    if (!p.isSet(out)) return usage(QStringLiteral("sd-erase needs -o EDIT.safetensors"));
    erase::SdEraseParams e;
    e.checkpoint = p.value(QStringLiteral("checkpoint")).toStdString();
    if (e.checkpoint.empty()) return usage(QStringLiteral("sd-erase needs --checkpoint FILE"));
    for (const QString& c : p.values(QStringLiteral("concept"))) e.concepts.push_back(c.toStdString());
    if (e.concepts.empty()) return usage(QStringLiteral("sd-erase needs at least one --concept"));
    for (const QString& c : p.values(QStringLiteral("preserve"))) e.preserve.push_back(c.toStdString());
    e.guide = p.value(QStringLiteral("guide")).toStdString();
    e.method = p.value(QStringLiteral("method")).toStdString();
    e.output = p.value(out).toStdString();
    bool ok1 = false, ok2 = false, ok3 = true, ok4 = true;
    e.receEpochs = p.value(QStringLiteral("epochs")).toInt(&ok1);
    e.receLambda = p.value(QStringLiteral("rece-lambda")).toDouble(&ok2);
    if (p.isSet(QStringLiteral("text-heads"))) e.textHeads = p.value(QStringLiteral("text-heads")).toInt(&ok3);
    if (p.isSet(QStringLiteral("unet-heads"))) e.unetHeads = p.value(QStringLiteral("unet-heads")).toInt(&ok4);
    if (!(ok1 && ok2 && ok3 && ok4)) return usage(QStringLiteral("--epochs, --rece-lambda and the head counts need numbers"));
    int code = 0;
    if (!applyThreads(p, &code)) return code;
    if (e.method == "esd" || e.method == "spm") return runEsd(p, e, p.isSet(json));
    const auto r = erase::runSdErase(e, context());
    if (!r.ok()) return jobFailed(r);
    const auto& v = r.value();
    std::fprintf(stderr,
                 "wrote %s: %s on %d K/V matrices, %d erased rows, edit %.2f s (text %.2f s, loading %.1f s); "
                 "gap to the guide left %.3g, preserved prompts moved %.3g\n",
                 e.output.c_str(), e.method.c_str(), v.matrices, v.eraseRows, v.solveSeconds, v.encodeSeconds,
                 v.loadSeconds, v.residual, v.preserveDrift);
    if (p.isSet(json)) {
        const nlohmann::json j = {{"file", e.output},           {"method", e.method},
                                  {"matrices", v.matrices},      {"erase_rows", v.eraseRows},
                                  {"solve_seconds", v.solveSeconds}, {"encode_seconds", v.encodeSeconds},
                                  {"load_seconds", v.loadSeconds}, {"residual", v.residual},
                                  {"preserve_drift", v.preserveDrift}};
        std::printf("%s\n", j.dump().c_str());
    }
    return 0;
}

const char* kAttackHelp =
    R"(Usage: reverie-cli sd-attack --checkpoint FILE --edit EDIT.safetensors --prompt TEXT -o STATES.safetensors [options]

Looks for text states that bring an erased concept back through an edit made by `reverie-cli
sd-erase`, and writes them as a states file that the Stable Diffusion tab's attack and
`reverie-cli sd --states` take in place of the prompt's. Two attacks:
  closed-form  RECE's regeneration embedding: the states whose keys and values through the edited
               cross-attention come closest to what the prompt gave before the edit (a second).
  sampler      The states are optimised (Adam) so that the edited model's guided samples land on
               the original model's samples of the prompt from the same seeds, the gradient taken
               through every step of the sampler (reversible Heun, memory flat in the steps), and
               judged on seeds the search never saw. Per step and seed: steps + 1 forward and
               2·steps + 1 backward UNet evaluations, ×2 with guidance (minutes on the CPU at a
               16² latent, hours at SD's 64²: a GPU job).

Options:
  --checkpoint FILE      The SD 1.x file (required).
  --edit FILE            The edit to attack (required).
  --prompt TEXT          The erased prompt (required).
  --method M             closed-form (default) or sampler.
  --lambda L             closed-form: the ridge (default 1e-3; 0.1 for nudity).
  --negative-branch      Also replace the empty prompt's states (guidance's other branch), written
                         as "negative_states"; generation uses them in place of the negative prompt's.
  sampler only:
  --iterations N         Adam steps (default 20).
  --train-seeds N        Seeds the search fits (default 4); --batch N of them per step (default 2).
  --held-out-seeds N     Seeds that judge the states afterwards (default 4).
  --steps N              Reversible-Heun steps of the sampler (default 8).
  --guidance G           Classifier-free guidance (default 7.5).
  --lr L                 Adam's rate on the states (default 0.05).
  --latent N             Latent side (default 64 = 512² images; a multiple of 8).
  --seed N               First training seed (default 23; the held-out seeds follow them).
  --device D             cpu (default) or cuda.
  -o, --out FILE         The states file (.safetensors, required).
  --text-heads N --unet-heads N  Attention heads where a model differs from SD 1.x.
  --json                 Print the result as JSON (last line of stdout).
  --threads N            LibTorch threads (0 = one per core).
)";

int runAttack(const QStringList& args) {
    QCommandLineParser p;
    prepareParser(p);
    const QCommandLineOption out({QStringLiteral("o"), QStringLiteral("out")}, QStringLiteral("States file."),
                                 QStringLiteral("file"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("JSON output."));
    const QCommandLineOption negative(QStringLiteral("negative-branch"),
                                      QStringLiteral("Attack both branches."));
    p.addOptions({out,
                  json,
                  negative,
                  valueOption("checkpoint", "SD 1.x file."),
                  valueOption("edit", "Edit file."),
                  valueOption("prompt", "The erased prompt."),
                  valueOption("method", "closed-form or sampler.", "closed-form"),
                  valueOption("lambda", "Ridge.", "1e-3"),
                  valueOption("iterations", "Adam steps.", "20"),
                  valueOption("train-seeds", "Training seeds.", "4"),
                  valueOption("batch", "Seeds per step.", "2"),
                  valueOption("held-out-seeds", "Held-out seeds.", "4"),
                  valueOption("steps", "Sampler steps.", "8"),
                  valueOption("guidance", "Guidance.", "7.5"),
                  valueOption("lr", "Adam's rate.", "0.05"),
                  valueOption("latent", "Latent side.", "64"),
                  valueOption("seed", "First seed.", "23"),
                  valueOption("device", "cpu or cuda.", "cpu"),
                  valueOption("text-heads", "Text encoder heads."),
                  valueOption("unet-heads", "UNet heads.")});
    if (!p.parse(args)) return usage(p.errorText());
    if (!p.positionalArguments().isEmpty()) return usage(QStringLiteral("sd-attack takes no arguments"));
    if (!p.isSet(out)) return usage(QStringLiteral("sd-attack needs -o STATES.safetensors"));
    const std::string checkpoint = p.value(QStringLiteral("checkpoint")).toStdString();
    const std::string edit = p.value(QStringLiteral("edit")).toStdString();
    const std::string prompt = p.value(QStringLiteral("prompt")).toStdString();
    if (checkpoint.empty() || edit.empty() || prompt.empty())
        return usage(QStringLiteral("sd-attack needs --checkpoint FILE, --edit FILE and --prompt TEXT"));
    const QString method = p.value(QStringLiteral("method"));
    if (method != QLatin1String("closed-form") && method != QLatin1String("sampler"))
        return usage(QStringLiteral("--method must be closed-form or sampler, not '%1'").arg(method));
    bool okH[2] = {true, true};
    int textHeads = 0, unetHeads = 0;
    if (p.isSet(QStringLiteral("text-heads")))
        textHeads = p.value(QStringLiteral("text-heads")).toInt(&okH[0]);
    if (p.isSet(QStringLiteral("unet-heads")))
        unetHeads = p.value(QStringLiteral("unet-heads")).toInt(&okH[1]);
    if (!(okH[0] && okH[1])) return usage(QStringLiteral("the head counts need numbers"));
    int code = 0;
    if (!applyThreads(p, &code)) return code;
    const std::string output = p.value(out).toStdString();
    if (method == QLatin1String("closed-form")) {
        erase::SdAttackParams a;
        a.checkpoint = checkpoint;
        a.edit = edit;
        a.prompt = prompt;
        a.textHeads = textHeads;
        a.unetHeads = unetHeads;
        a.output = output;
        a.negative = p.isSet(negative);
        bool ok = false;
        a.lambda = p.value(QStringLiteral("lambda")).toDouble(&ok);
        if (!ok) return usage(QStringLiteral("--lambda needs a number"));
        const auto r = erase::runSdAttack(a, context());
        if (!r.ok()) return jobFailed(r);
        const auto& v = r.value();
        std::fprintf(
            stderr,
            "wrote %s: closed-form attack in %.2f s; K/V residual %.4g with the prompt, %.4g with the "
            "attack's states (empty prompt: %.4g, %.4g); |c'|/|c*| %.3f\n",
            output.c_str(), v.seconds, v.residualPrompt, v.residualAttack, v.residualNegativePrompt,
            v.residualNegativeAttack, v.normRatio);
        if (p.isSet(json)) {
            const nlohmann::json j = {{"file", output},
                                      {"method", "closed-form"},
                                      {"residual_prompt", v.residualPrompt},
                                      {"residual_attack", v.residualAttack},
                                      {"residual_negative_prompt", v.residualNegativePrompt},
                                      {"residual_negative_attack", v.residualNegativeAttack},
                                      {"negative_branch", a.negative},
                                      {"norm_ratio", v.normRatio},
                                      {"seconds", v.seconds}};
            std::printf("%s\n", j.dump().c_str());
        }
        return 0;
    }
    erase::SdSamplerAttackParams a;
    a.checkpoint = checkpoint;
    a.edit = edit;
    a.prompt = prompt;
    a.textHeads = textHeads;
    a.unetHeads = unetHeads;
    a.output = output;
    a.negative = p.isSet(negative);
    a.device = p.value(QStringLiteral("device")).toStdString();
    bool ok[9] = {};
    a.iterations = p.value(QStringLiteral("iterations")).toInt(&ok[0]);
    a.trainSeeds = p.value(QStringLiteral("train-seeds")).toInt(&ok[1]);
    a.batch = p.value(QStringLiteral("batch")).toInt(&ok[2]);
    a.heldOutSeeds = p.value(QStringLiteral("held-out-seeds")).toInt(&ok[3]);
    a.steps = p.value(QStringLiteral("steps")).toInt(&ok[4]);
    a.guidance = p.value(QStringLiteral("guidance")).toDouble(&ok[5]);
    a.lr = p.value(QStringLiteral("lr")).toDouble(&ok[6]);
    a.latentSize = p.value(QStringLiteral("latent")).toInt(&ok[7]);
    a.seed = p.value(QStringLiteral("seed")).toULongLong(&ok[8]);
    for (bool b : ok)
        if (!b)
            return usage(
                QStringLiteral("--iterations, --train-seeds, --batch, --held-out-seeds, --steps, --guidance, "
                               "--lr, --latent and --seed need numbers"));
    std::fprintf(stderr, "sampler attack: %lld UNet passes at a %d² latent in all\n",
                 static_cast<long long>(erase::samplerAttackUnetPasses(a)), a.latentSize);
    const auto r = erase::runSdSamplerAttack(a, context());
    if (!r.ok()) return jobFailed(r);
    const auto& v = r.value();
    std::fprintf(
        stderr,
        "wrote %s: sampler attack, %zu steps (%.1f s; targets %.1f s, loading %.1f s; NFE %lld forward, "
        "%lld backward); loss %.4g -> %.4g; latent distance to the original's samples, edited -> "
        "attacked: training seeds %.4g -> %.4g, held-out seeds %.4g -> %.4g; |c'|/|c*| %.3f\n",
        output.c_str(), v.losses.size(), v.searchSeconds, v.targetSeconds, v.loadSeconds,
        static_cast<long long>(v.forwardNfe), static_cast<long long>(v.backwardNfe), v.losses.front(),
        v.losses.back(), v.trainEdited, v.trainAttack, v.heldOutEdited, v.heldOutAttack, v.normRatio);
    if (p.isSet(json)) {
        const nlohmann::json j = {{"file", output},
                                  {"method", "sampler"},
                                  {"negative_branch", a.negative},
                                  {"losses", v.losses},
                                  {"train_edited", v.trainEdited},
                                  {"train_attack", v.trainAttack},
                                  {"held_out_edited", v.heldOutEdited},
                                  {"held_out_attack", v.heldOutAttack},
                                  {"norm_ratio", v.normRatio},
                                  {"forward_nfe", v.forwardNfe},
                                  {"backward_nfe", v.backwardNfe},
                                  {"search_seconds", v.searchSeconds},
                                  {"target_seconds", v.targetSeconds},
                                  {"load_seconds", v.loadSeconds}};
        std::printf("%s\n", j.dump().c_str());
    }
    return 0;
}

} // namespace

const Command kSd{"sd", "Text-to-image with a Stable Diffusion 1.x checkpoint.", kHelp, run};
const Command kSdErase{"sd-erase",
                       "Erase concepts from a Stable Diffusion 1.x checkpoint (UCE, RECE, ESD-x).",
                       kEraseHelp, runErase};
const Command kSdAttack{"sd-attack",
                        "Look for text states that undo a Stable Diffusion concept edit (closed form or "
                        "through the sampler).",
                        kAttackHelp, runAttack};

} // namespace reverie::cli
