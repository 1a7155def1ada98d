// The Tune domain's training tasks (tune/task.h) through the generic loop (catalog):
// - pretraining data can hold classes out ("classes"), and a label the data lacks is refused;
// - a fine-tuning run from a pretrained DiT folder trains only what its method trains, reports
//   its activation memory per step (reversible MEFT far below full fine-tuning on the same
//   network), resumes exactly (dropout masks included), and refuses a checkpoint of another
//   method, a base that is not a DiT (a U-Net has no stack of equal blocks) and a bad method;
// - every run writes its tuned adapter, which applied to the base is the checkpoint's network and
//   is refused by another base, another architecture or when tampered with;
// - EDM preconditioning around the DiT is the formula of Karras et al. (Table 1).

#include "base/telemetry.h"
#include "catalog/catalog.h"
#include "catalog/training.h"
#include "models/dit.h"
#include "models/formats/safetensors.h"
#include "models/store.h"
#include "models/zoo.h"
#include "train/images.h"
#include "train/recipe.h"
#include "tune/adapter.h"
#include "tune/methods.h"
#include "tune/task.h"

#include <ATen/ATen.h>
#include <torch/serialize.h>

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace reverie;

namespace {

#define VERIFY_OK(r) QVERIFY2((r).ok(), (r).ok() ? "" : (r).error().message.c_str())

models::DiTConfig baseConfig(int width = 32) {
    models::DiTConfig c;
    c.width = width;
    c.depth = 6;
    c.heads = 2;
    c.mlpRatio = 2;
    return c;
}

// A "pretrained" DiT folder: seeded random weights (the adaLN-Zero initialisation would make the
// network the zero function) with the card the task reads.
std::string makeBase(const QString& root, std::uint64_t seed = 21, int width = 32) {
    const std::string dir = (root + QStringLiteral("/base")).toStdString();
    QDir().mkpath(QString::fromStdString(dir));
    models::DiT net(baseConfig(width));
    models::randomiseParameters(*net, seed, 0.5);
    const auto arch = models::architectureTag("dit-denoiser", baseConfig(width).toJson());
    auto saved = models::saveWeights(*net, dir + "/weights.pt", arch);
    if (!saved) qFatal("%s", saved.error().message.c_str());
    nlohmann::json card = {{"name", "test-dit"},
                           {"kind", "dit-denoiser"},
                           {"architecture", baseConfig(width).toJson()},
                           {"sigma_data", 0.5},
                           {"pretrain_classes", {0, 1, 2, 3, 4, 6, 7, 9}}};
    std::ofstream(dir + "/card.json") << card.dump(2);
    return dir;
}

train::Recipe tuneRecipe(const std::string& base, const std::string& method, int steps = 4) {
    train::Recipe r;
    r.name = "t";
    r.task = "dit-tune";
    r.batch = 16;
    r.steps = steps;
    r.warmup = 1;
    r.lr = 1e-3;
    r.checkpointEvery = 1000;
    r.logEvery = 1;
    r.seed = 9;
    r.section = {{"base", base}, {"method", method}, {"classes", {5, 8}}, {"train_limit", 2000}, {"eval_samples", 0}};
    return r;
}

// A checkpoint's raw (non-EMA) weights, loaded into the tuned network they were saved from.
std::vector<at::Tensor> checkpointModel(const std::string& path, const std::string& base, const tune::MethodConfig& mc) {
    auto b = tune::loadDiTFolder(base);
    if (!b) qFatal("%s", b.error().message.c_str());
    tune::TunedDiT m(b.value().net, mc);
    torch::serialize::InputArchive root, model;
    root.load_from(path);
    root.read("model", model);
    m->load(model);
    std::vector<at::Tensor> out;
    for (const auto& p : m->parameters()) out.push_back(p.detach().clone());
    return out;
}

} // namespace

class TestTuneTask : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        at::set_num_threads(1);
        telemetry::installAllocatorHook();
        QVERIFY(m_root.isValid());
        m_base = makeBase(m_root.path());
    }

    void classesAreHeldOut() {
        train::ImageData d;
        d.classes = {5, 8};
        d.trainLimit = 3000;
        auto images = train::loadImages(d);
        VERIFY_OK(images);
        const auto labels = images.value().labels;
        QVERIFY(labels.numel() > 400); // about a fifth of 3000
        QVERIFY(labels.eq(5).logical_or(labels.eq(8)).all().item<bool>());
        QVERIFY(labels.eq(5).any().item<bool>() && labels.eq(8).any().item<bool>());
        d.classes = {12};
        auto bad = train::loadImages(d);
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().message.find("label 12 does not exist") != std::string::npos, bad.error().message.c_str());
    }

    void edmPreconditioningIsKarrasTable1() {
        // F = identity on its input plus c_noise: D = c_skip x + c_out (c_in x + ln σ / 4).
        const tune::DiTFunction f = [](const at::Tensor& x, const at::Tensor& n, const at::Tensor&) {
            return x + n.view({-1, 1, 1, 1});
        };
        const auto x = at::full({2, 1, 2, 2}, 0.8, at::kDouble);
        const auto sigma = at::tensor({0.3, 5.0}, at::kDouble);
        const auto d = tune::edmDenoise(f, x, sigma, at::Tensor(), 0.5);
        for (int i = 0; i < 2; ++i) {
            const double s = sigma[i].item<double>(), sd = 0.5;
            const double cSkip = sd * sd / (s * s + sd * sd), cOut = s * sd / std::sqrt(s * s + sd * sd),
                         cIn = 1 / std::sqrt(s * s + sd * sd);
            const double want = cSkip * 0.8 + cOut * (cIn * 0.8 + std::log(s) / 4);
            QVERIFY(std::abs(d[i].max().item<double>() - want) < 1e-12);
        }
    }

    void methodsTrainWhatTheyShouldAndMeftSavesMemory() {
        std::map<std::string, train::Summary> out;
        for (const std::string method : {"full", "adapter", "meft1"}) {
            QTemporaryDir dir;
            auto r = catalog::runTraining(tuneRecipe(m_base, method, 3), {dir.path().toStdString(), false, -1}, {});
            VERIFY_OK(r);
            out[method] = r.value();
            qInfo("%s: %lld trainable, peak activation %.2f MiB, loss %.4f", method.c_str(),
                  (long long)r.value().parameters, r.value().figure("peak_activation_mib"), r.value().loss);
            QVERIFY(std::isfinite(r.value().loss));
        }
        // Trainable parameters as the methods define them.
        auto base = tune::loadDiTFolder(m_base);
        VERIFY_OK(base);
        std::int64_t all = 0;
        for (const auto& p : base.value().net->parameters()) all += p.numel();
        QCOMPARE(out["full"].parameters, all);
        tune::MethodConfig mc;
        mc.method = tune::Method::Meft1;
        QCOMPARE(out["meft1"].parameters, tune::TunedDiT(base.value().net, mc)->trainableCount());
        QVERIFY(out["adapter"].parameters < all / 4);
        // The loop's own per-step figure: reversible backpropagation stores far less.
        const double full = out["full"].figure("peak_activation_mib"), meft = out["meft1"].figure("peak_activation_mib");
        QVERIFY(full > 0 && meft > 0);
        QVERIFY2(meft < 0.5 * full, qPrintable(QStringLiteral("meft1 %1 MiB, full %2 MiB").arg(meft).arg(full)));
    }

    void resumesExactlyWithDropout() {
        auto r = tuneRecipe(m_base, "meft2", 4);
        r.section["dropout"] = 0.2;
        QTemporaryDir a, b;
        VERIFY_OK(catalog::runTraining(r, {a.path().toStdString(), false, -1}, {}));
        VERIFY_OK(catalog::runTraining(r, {b.path().toStdString(), false, 2}, {}));
        auto second = catalog::runTraining(r, {b.path().toStdString(), true, -1}, {});
        VERIFY_OK(second);
        QCOMPARE(second.value().startStep, std::int64_t(2));
        tune::MethodConfig mc;
        mc.method = tune::Method::Meft2;
        mc.dropout = 0.2;
        const auto wa = checkpointModel(a.path().toStdString() + "/checkpoint.pt", m_base, mc);
        const auto wb = checkpointModel(b.path().toStdString() + "/checkpoint.pt", m_base, mc);
        QVERIFY(wa.size() > 50);
        QCOMPARE(wa.size(), wb.size());
        for (std::size_t i = 0; i < wa.size(); ++i) QVERIFY2(at::equal(wa[i], wb[i]), qPrintable(QString::number(i)));
        // The comparison means something: training moved the trainable weights off the base.
        auto base = tune::loadDiTFolder(m_base);
        VERIFY_OK(base);
        tune::TunedDiT fresh(base.value().net, mc);
        std::size_t moved = 0;
        const auto start = fresh->parameters();
        for (std::size_t i = 0; i < wa.size(); ++i) moved += at::equal(wa[i], start[i]) ? 0 : 1;
        QVERIFY2(moved >= 10, qPrintable(QString::number(moved)));
    }

    void badInputIsAClearMessage() {
        QTemporaryDir dir;
        const std::string out = dir.path().toStdString();
        VERIFY_OK(catalog::runTraining(tuneRecipe(m_base, "meft1", 2), {out, false, -1}, {}));
        // A checkpoint of another method: refused, and the first run's checkpoint is kept.
        const auto before = QFileInfo(dir.filePath(QStringLiteral("checkpoint.pt"))).size();
        auto other = catalog::runTraining(tuneRecipe(m_base, "adapter", 4), {out, true, -1}, {});
        QVERIFY(!other.ok());
        QVERIFY2(other.error().message.find("different architecture") != std::string::npos, other.error().message.c_str());
        QCOMPARE(QFileInfo(dir.filePath(QStringLiteral("checkpoint.pt"))).size(), before);
        // A U-Net as the base: MEFT needs equal blocks.
        auto unet = catalog::runTraining(tuneRecipe(models::zoo::kGenerator, "meft1", 2), {out + "/u", false, -1}, {});
        QVERIFY(!unet.ok());
        QVERIFY2(unet.error().message.find("U-Net") != std::string::npos &&
                     unet.error().message.find("equal-shape blocks") != std::string::npos,
                 unet.error().message.c_str());
        // An unknown method names the known ones; too many reversible blocks is refused.
        auto bad = tuneRecipe(m_base, "meft9", 2);
        auto r = catalog::runTraining(bad, {out + "/b", false, -1}, {});
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find("known: full, checkpoint") != std::string::npos, r.error().message.c_str());
        bad = tuneRecipe(m_base, "meft3", 2);
        bad.section["reversible_blocks"] = 7;
        r = catalog::runTraining(bad, {out + "/c", false, -1}, {});
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find("more reversible blocks") != std::string::npos, r.error().message.c_str());
        // A folder with no usable images.
        QTemporaryDir empty;
        bad = tuneRecipe(m_base, "lora", 2);
        bad.section["dataset"] = "folder";
        bad.section["data_dir"] = empty.path().toStdString();
        bad.section.erase("classes");
        r = catalog::runTraining(bad, {out + "/d", false, -1}, {});
        QVERIFY(!r.ok());
        qInfo("empty folder: %s", r.error().message.c_str());
        QVERIFY(r.error().message.find(empty.path().toStdString()) != std::string::npos);
    }

    void modulationTrainsAndTravelsWithTheAdapter() {
        // The adaLN modulation setting: an unknown one is refused naming the known ones; a run
        // with "bias" (the base's own modulation biases train, in place) or "lora" writes an
        // adapter that records the setting and, applied to the base, is the checkpoint's network
        // exactly; resuming a run with another setting is refused as another architecture.
        auto bad = tuneRecipe(m_base, "meft1", 2);
        bad.section["modulation"] = "weights";
        QTemporaryDir dir;
        const std::string out = dir.path().toStdString();
        auto r = catalog::runTraining(bad, {out + "/x", false, -1}, {});
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find("known: frozen, bias, lora, full") != std::string::npos, r.error().message.c_str());
        auto base = tune::loadDiTFolder(m_base);
        VERIFY_OK(base);
        for (const std::string modulation : {"bias", "lora"}) {
            const std::string run = out + "/" + modulation;
            auto recipe = tuneRecipe(m_base, "meft1", 2);
            recipe.section["modulation"] = modulation;
            auto s = catalog::runTraining(recipe, {run, false, -1}, {});
            VERIFY_OK(s);
            auto info = tune::readAdapterInfo(run + "/adapter.safetensors");
            VERIFY_OK(info);
            QCOMPARE(tune::modulationId(info.value().method.modulation), modulation);
            tune::MethodConfig mc;
            mc.method = tune::Method::Meft1;
            mc.modulation = *tune::modulationFromId(modulation);
            QCOMPARE(s.value().parameters, tune::TunedDiT(tune::loadDiTFolder(m_base).value().net, mc)->trainableCount());
            auto applied = tune::applyAdapter(run + "/adapter.safetensors");
            VERIFY_OK(applied);
            auto ckpt = tune::loadTunedCheckpoint(s.value().checkpoint);
            VERIFY_OK(ckpt);
            ckpt.value().net->eval();
            applied.value().net->eval();
            torch::NoGradGuard g;
            at::manual_seed(4);
            const auto x = at::randn({3, 1, 28, 28}), n = at::randn({3}) * 0.5, l = at::tensor({5, 8, 2});
            const auto y = applied.value().net->forward(x, n, l);
            QVERIFY(at::equal(y, ckpt.value().net->forward(x, n, l)));
            // The modulation moved: the tuned network is not the frozen-modulation one.
            auto names = models::formats::readSafetensors(run + "/adapter.safetensors");
            VERIFY_OK(names);
            int modulationTensors = 0;
            for (const auto& [name, t] : names.value().tensors)
                modulationTensors += name.find("modulation") != std::string::npos;
            QCOMPARE(modulationTensors, modulation == "bias" ? 7 : 14); // 6 blocks + the final layer (LoRA: a and b)
            QVERIFY(!at::allclose(y, base.value().net->forward(x, n, l), 1e-4, 1e-5));
        }
        // Resuming the "lora" run as "frozen": another architecture, the checkpoint is kept.
        const auto before = QFileInfo(QString::fromStdString(out + "/lora/checkpoint.pt")).size();
        auto other = catalog::runTraining(tuneRecipe(m_base, "meft1", 4), {out + "/lora", true, -1}, {});
        QVERIFY(!other.ok());
        QVERIFY2(other.error().message.find("different architecture") != std::string::npos, other.error().message.c_str());
        QCOMPARE(QFileInfo(QString::fromStdString(out + "/lora/checkpoint.pt")).size(), before);
    }

    void adapterIsTheRunApartFromItsBase() {
        // Every run writes adapter.safetensors beside its checkpoint (a partial run too): only
        // the tensors the method trained, with the base's fingerprint. Applied to the base it
        // is the checkpoint's network exactly; another base's weights, another architecture, a
        // file that is not an adapter, a tampered or missing tensor and garbage are refused,
        // naming the mismatch.
        QTemporaryDir dir;
        const std::string out = dir.path().toStdString(), adapter = out + "/adapter.safetensors";
        auto partial = catalog::runTraining(tuneRecipe(m_base, "meft1", 3), {out, false, 1}, {});
        VERIFY_OK(partial);
        QCOMPARE(partial.value().files, std::vector<std::string>{adapter});
        auto info = tune::readAdapterInfo(adapter);
        VERIFY_OK(info);
        QCOMPARE(info.value().step, std::int64_t(1));
        auto s = catalog::runTraining(tuneRecipe(m_base, "meft1", 3), {out, true, -1}, {});
        VERIFY_OK(s);
        QCOMPARE(s.value().files, std::vector<std::string>{adapter});
        info = tune::readAdapterInfo(adapter);
        VERIFY_OK(info);
        const auto& i = info.value();
        QCOMPARE(i.run, std::string("t"));
        QCOMPARE(i.step, std::int64_t(3));
        QCOMPARE(i.base, m_base);
        QCOMPARE(tune::methodId(i.method.method), std::string("meft1"));
        QCOMPARE(i.method.lambdaOrDefault(), 0.1);
        QCOMPARE(i.classes, (std::vector<int>{5, 8}));

        auto applied = tune::applyAdapter(adapter);
        VERIFY_OK(applied);
        auto& net = applied.value().net;
        QCOMPARE(i.parameters, net->trainableCount());
        auto base = tune::loadDiTFolder(m_base);
        VERIFY_OK(base);
        std::int64_t baseCount = 0;
        for (const auto& p : base.value().net->parameters()) baseCount += p.numel();
        QVERIFY2(i.parameters < baseCount / 4, qPrintable(QStringLiteral("%1 of %2").arg(i.parameters).arg(baseCount)));
        auto ckpt = tune::loadTunedCheckpoint(s.value().checkpoint);
        VERIFY_OK(ckpt);
        ckpt.value().net->eval();
        torch::NoGradGuard g;
        at::manual_seed(3);
        const auto x = at::randn({4, 1, 28, 28}), n = at::randn({4}) * 0.5, l = at::tensor({5, 8, 5, 1});
        const auto ya = net->forward(x, n, l);
        QVERIFY(at::equal(ya, ckpt.value().net->forward(x, n, l)));
        QVERIFY(!at::allclose(ya, base.value().net->forward(x, n, l), 1e-4, 1e-5));
        // Exported again from the checkpoint: the same tensors.
        const std::string again = out + "/again.safetensors";
        VERIFY_OK(catalog::exportAdapter(s.value().checkpoint, again));
        auto fa = models::formats::readSafetensors(adapter), fb = models::formats::readSafetensors(again);
        VERIFY_OK(fa);
        VERIFY_OK(fb);
        QCOMPARE(fa.value().tensors.size(), fb.value().tensors.size());
        for (std::size_t k = 0; k < fa.value().tensors.size(); ++k) {
            QCOMPARE(fa.value().tensors[k].first, fb.value().tensors[k].first);
            QVERIFY(at::equal(fa.value().tensors[k].second, fb.value().tensors[k].second));
        }

        const auto refused = [&](const std::string& file, const std::string& onto, const std::string& why) {
            auto r = tune::applyAdapter(file, onto);
            if (r.ok()) return std::string("accepted");
            qInfo("%s", r.error().message.c_str());
            return r.error().message.find(why) != std::string::npos ? std::string() : r.error().message;
        };
        QTemporaryDir other, wide;
        const std::string otherBase = makeBase(other.path(), 22), wideBase = makeBase(wide.path(), 21, 48);
        QCOMPARE(refused(adapter, otherBase, "tuned on other weights"), std::string());
        QCOMPARE(refused(adapter, otherBase, i.baseWeights), std::string());
        QCOMPARE(refused(adapter, wideBase, "another architecture"), std::string());
        const std::string plain = out + "/plain.safetensors";
        VERIFY_OK(models::formats::writeSafetensors(plain, {{"w", at::randn({3})}}));
        QCOMPARE(refused(plain, m_base, "is not a tuned adapter"), std::string());
        auto tampered = fa.value().tensors;
        tampered[0].second = at::zeros({1});
        VERIFY_OK(models::formats::writeSafetensors(out + "/shape.safetensors", tampered, fa.value().metadata));
        QCOMPARE(refused(out + "/shape.safetensors", m_base, "has shape [1]"), std::string());
        auto fewer = fa.value().tensors;
        const std::string dropped = fewer.back().first;
        fewer.pop_back();
        VERIFY_OK(models::formats::writeSafetensors(out + "/fewer.safetensors", fewer, fa.value().metadata));
        QCOMPARE(refused(out + "/fewer.safetensors", m_base, "'" + dropped + "' is missing"), std::string());
        std::ofstream(out + "/garbage.safetensors") << "not a tensor file at all";
        QVERIFY(refused(out + "/garbage.safetensors", m_base, "") != "accepted");
        QCOMPARE(refused(out + "/none.safetensors", m_base, "no such file"), std::string());
        // The refusals left the run's adapter as it was.
        auto still = tune::applyAdapter(adapter);
        VERIFY_OK(still);
        QVERIFY(at::equal(still.value().net->forward(x, n, l), ya));
    }

    void switchedOffAdapterSamplesTheBase() {
        // The comparison grids: with the adapter switched off both are the base's; on, the right
        // one is the tuned network's, from the same starting noise.
        QTemporaryDir dir;
        const std::string out = dir.path().toStdString();
        VERIFY_OK(catalog::runTraining(tuneRecipe(m_base, "lora", 2), {out, false, -1}, {}));
        auto off = catalog::sampleWithAdapter(m_base, "", {5, 8}, 3, 4, {});
        VERIFY_OK(off);
        QCOMPARE(off.value().base.pixels, off.value().tuned.pixels);
        QCOMPARE(off.value().base.width, 3 * 28 + 2 * 2);
        QCOMPARE(off.value().base.height, 2 * 28 + 2);
        auto on = catalog::sampleWithAdapter(m_base, out + "/adapter.safetensors", {}, 3, 4, {});
        VERIFY_OK(on);
        QCOMPARE(on.value().labels, (std::vector<int>{5, 8})); // the adapter's classes
        QCOMPARE(on.value().base.pixels, off.value().base.pixels);
        QVERIFY(on.value().tuned.pixels != on.value().base.pixels);
        auto bad = catalog::sampleWithAdapter(m_base, out + "/adapter.safetensors", {12}, 3, 4, {});
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().message.find("label 12") != std::string::npos, bad.error().message.c_str());
    }

    void cancelDuringTheEndEvaluation() {
        // Cancel right after the last training step: the end-of-run evaluation (samples of four
        // class groups) stops, the job says so, and the trained checkpoint is there.
        QTemporaryDir dir;
        auto r = tuneRecipe(m_base, "adapter", 2);
        r.section["eval_samples"] = 400;
        JobContext ctx;
        const CancelToken token = ctx.cancel;
        ctx.progress = [token](const Progress& p) {
            if (p.step == 2 && p.total == 2) token.cancel();
        };
        auto out = catalog::runTraining(r, {dir.path().toStdString(), false, -1}, ctx);
        QVERIFY(!out.ok());
        QCOMPARE(int(out.error().kind), int(ErrorKind::Cancelled));
        QVERIFY2(out.error().message.find("end-of-run evaluation at step 2") != std::string::npos, out.error().message.c_str());
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("checkpoint.pt"))));
    }

    void qualityJudgesClasses() {
        // The shipped classifier judges samples of a network that returns its input unchanged
        // (D = x: the sampler then ends at its starting noise, rescaled): nothing like a garment,
        // so the agreement is low and the FD large; the figures are finite and reproducible.
        const tune::DiTFunction noiseNet = [](const at::Tensor& x, const at::Tensor&, const at::Tensor&) {
            return at::zeros_like(x);
        };
        auto q1 = tune::quality(noiseNet, 0.5, {5, 8}, 40, 4, 0, {});
        auto q2 = tune::quality(noiseNet, 0.5, {5, 8}, 40, 4, 0, {});
        VERIFY_OK(q1);
        VERIFY_OK(q2);
        QCOMPARE(q1.value().fd, q2.value().fd);
        QVERIFY(std::isfinite(q1.value().fd) && q1.value().fd > 50);
        QVERIFY(q1.value().agreement <= 0.75);
    }

    void shippedDiTMeetsItsCard() {
        // The shipped DiT draws the classes it was pretrained on and not the two held out, which
        // is what the fine-tuning recipe teaches it; the figures are the card's (same seeds).
        auto dit = tune::loadDiTFolder(models::zoo::find("fmnist-dit"));
        VERIFY_OK(dit);
        auto card = models::readCard(dit.value().folder);
        VERIFY_OK(card);
        const auto& e = card.value()["evaluation"];
        const int samples = e["samples"].get<int>(), steps = e["steps"].get<int>();
        auto net = dit.value().net;
        const tune::DiTFunction f = [net](const at::Tensor& x, const at::Tensor& n, const at::Tensor& l) mutable {
            return net->forward(x, n, l);
        };
        const auto seen = tune::quality(f, 0.5, dit.value().pretrainClasses, samples, steps, 0, {});
        const auto held = tune::quality(f, 0.5, e["held_out_classes"].get<std::vector<int>>(), samples, steps, 0, {});
        VERIFY_OK(seen);
        VERIFY_OK(held);
        qInfo("pretraining classes: FD %.3f, agreement %.3f; held out: FD %.3f, agreement %.3f", seen.value().fd,
              seen.value().agreement, held.value().fd, held.value().agreement);
        QVERIFY(std::abs(seen.value().fd - e["seen_fd"].get<double>()) < 0.02 * e["seen_fd"].get<double>());
        QVERIFY(std::abs(held.value().fd - e["held_out_fd"].get<double>()) < 0.02 * e["held_out_fd"].get<double>());
        QVERIFY(std::abs(seen.value().agreement - e["seen_agreement"].get<double>()) < 0.03);
        QVERIFY(std::abs(held.value().agreement - e["held_out_agreement"].get<double>()) < 0.03);
        QVERIFY(seen.value().agreement > held.value().agreement + 0.3);
    }

private:
    QTemporaryDir m_root;
    std::string m_base;
};

QTEST_MAIN(TestTuneTask)
#include "tst_tunetask.moc"
