// Networks and training: the U-Net's shapes and conditioning, EDM preconditioning identities,
// one training step lowers the loss on a fixed batch, checkpoint → resume continues bit for bit,
// and bad recipes or checkpoints give clear messages.

#include "base/runtime.h"
#include "catalog/catalog.h"
#include "catalog/training.h"
#include "data/fashion_mnist.h"
#include "generate/tasks.h"
#include "models/store.h"
#include "models/unet.h"
#include "restore/degrade.h"
#include "restore/task.h"
#include "train/edm.h"
#include "train/images.h"

#include "fixtures.h"

#include <ATen/ATen.h>
#include <torch/optim/adamw.h>

#include <nlohmann/json.hpp>

#include <QtTest>

using namespace reverie;

namespace {
models::UNetConfig tinyNet() {
    models::UNetConfig c;
    c.baseChannels = 16;
    c.channelMult = {1, 2};
    c.resBlocks = 1;
    c.attnResolutions = {14};
    c.embDim = 32;
    return c;
}
train::Recipe tinyRecipe() {
    train::Recipe r;
    r.name = "test";
    r.task = "denoiser";
    r.batch = 8;
    r.steps = 6;
    r.warmup = 2;
    r.lr = 1e-3;
    r.checkpointEvery = 100;
    r.logEvery = 1;
    return r;
}
generate::DenoiserOptions tinyDenoiser() {
    generate::DenoiserOptions o;
    o.data.trainLimit = 256;
    o.net = tinyNet();
    return o;
}
// The recipe with this task section.
template <typename Options>
train::Recipe with(train::Recipe r, const std::string& task, const Options& o) {
    r.task = task;
    r.section = o.toJson();
    return r;
}
// A tiny grey restorer conditioned on μ, trained on `images` Fashion-MNIST images.
restore::RestorerOptions tinyRestorer(int images, std::vector<std::string> degradations) {
    restore::RestorerOptions o;
    o.data.trainLimit = images;
    o.noise.sigmaData = 0.25;
    o.net = tinyNet();
    o.net.condChannels = 1;
    o.degradations = std::move(degradations);
    return o;
}
train::Recipe tinyDenoiserRecipe() { return with(tinyRecipe(), "denoiser", tinyDenoiser()); }
Result<train::Summary> run(const train::Recipe& r, const train::Options& o, const JobContext& ctx = {}) {
    return catalog::runTraining(r, o, ctx);
}
} // namespace

class TestTrain : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { runtime::prepareEngineThread(1); }

    void unetShapesAndConditioning() {
        auto c = tinyNet();
        c.numClasses = 10;
        c.condChannels = 1;
        c.contextDim = 24;
        models::UNet net(c);
        // The output layer starts at zero so training starts from D(x) = c_skip x; perturb it.
        {
            torch::NoGradGuard g;
            for (auto& p : net->parameters()) p.add_(at::randn_like(p) * 0.05);
        }
        const auto x = at::randn({3, 1, 28, 28});
        const auto cond = at::randn({3, 1, 28, 28});
        const auto noise = at::tensor({0.1f, -0.3f, 0.5f});
        const auto labels = at::tensor({int64_t(1), int64_t(2), int64_t(10)});
        const auto ctx = at::randn({3, 5, 24});
        const auto out = net(x, noise, cond, labels, ctx);
        QCOMPARE(out.sizes().vec(), x.sizes().vec());
        // Each conditioning input changes the output.
        QVERIFY(!at::allclose(out, net(x, noise, cond, at::tensor({int64_t(3), int64_t(2), int64_t(10)}), ctx)));
        QVERIFY(!at::allclose(out, net(x, noise, at::zeros_like(cond), labels, ctx)));
        QVERIFY(!at::allclose(out, net(x, noise, cond, labels, at::randn({3, 5, 24}))));
        QVERIFY(!at::allclose(out, net(x, noise * 2, cond, labels, ctx)));
        // Batch items are independent.
        const auto one = net(x.slice(0, 1, 2), noise.slice(0, 1, 2), cond.slice(0, 1, 2), labels.slice(0, 1, 2),
                             ctx.slice(0, 1, 2));
        QVERIFY(at::allclose(one, out.slice(0, 1, 2), 1e-4, 1e-5));
    }

    void edmPreconditioningLimits() {
        // With F = 0 (the initial zero output layer), D(x; σ) = c_skip x = σd²/(σ²+σd²) x exactly.
        models::EdmDenoiser d(tinyNet());
        const auto x = at::randn({2, 1, 28, 28});
        const auto sigma = at::tensor({0.01f, 10.0f});
        const auto out = d(x, sigma);
        QVERIFY(at::allclose(out[0], x[0] * (0.25 / (0.0001 + 0.25)), 1e-5, 1e-6));
        QVERIFY(at::allclose(out[1], x[1] * (0.25 / (100.0 + 0.25)), 1e-5, 1e-6));
    }

    void oneStepLowersTheLossOnAFixedBatch() {
        torch::manual_seed(3);
        models::EdmDenoiser d(tinyNet());
        const auto x0 = at::rand({8, 1, 28, 28}) * 2 - 1;
        const auto sigma = at::tensor({0.05f, 0.1f, 0.2f, 0.5f, 1.0f, 2.0f, 5.0f, 10.0f});
        const auto z = at::randn({8, 1, 28, 28});
        torch::optim::AdamW opt(d->parameters(), torch::optim::AdamWOptions(1e-3));
        auto step = [&] {
            opt.zero_grad();
            train::edmLoss(d, x0, sigma, z).backward();
            opt.step();
            return train::edmLoss(d, x0, sigma, z).item<double>();
        };
        const double before = train::edmLoss(d, x0, sigma, z).item<double>();
        const double afterOne = step();
        double afterTen = afterOne;
        for (int i = 1; i < 10; ++i) afterTen = step();
        qInfo("EDM loss on a fixed batch: %.5f, after one step %.5f, after ten %.5f", before, afterOne, afterTen);
        QVERIFY(afterOne < before);
        QVERIFY2(afterTen < before * 0.95, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(afterTen)));
    }

    void learningRateSchedule() {
        auto r = tinyRecipe();
        r.steps = 100;
        r.warmup = 10;
        QCOMPARE(train::learningRate(r, 0), r.lr / 10);
        QCOMPARE(train::learningRate(r, 9), r.lr);
        QVERIFY(std::abs(train::learningRate(r, 10) - r.lr) < 1e-12);
        QVERIFY(std::abs(train::learningRate(r, 55) - r.lr / 2) < 1e-12);
        QVERIFY(train::learningRate(r, 100) < 1e-12);
    }

    void resumeIsBitIdentical() {
        QTemporaryDir straightDir, splitDir;
        const auto r = tinyDenoiserRecipe();
        const auto net = tinyNet();
        train::Options straight{straightDir.path().toStdString(), false, -1};
        auto a = run(r, straight, {});
        VERIFY_OK(a);
        QCOMPARE(a.value().step, r.steps);

        train::Options first{splitDir.path().toStdString(), true, 2};
        auto b1 = run(r, first, {});
        QVERIFY(b1.ok());
        QCOMPARE(b1.value().step, int64_t(2));
        train::Options rest{splitDir.path().toStdString(), true, -1};
        auto b2 = run(r, rest, {});
        VERIFY_OK(b2);
        QCOMPARE(b2.value().startStep, int64_t(2));
        QCOMPARE(b2.value().step, r.steps);

        auto ma = models::loadDenoiser(a.value().checkpoint, net);
        auto mb = models::loadDenoiser(b2.value().checkpoint, net);
        QVERIFY(ma.ok() && mb.ok());
        const auto pa = ma.value()->parameters(), pb = mb.value()->parameters();
        QCOMPARE(pa.size(), pb.size());
        for (size_t i = 0; i < pa.size(); ++i) QVERIFY2(at::equal(pa[i], pb[i]), qPrintable(QString::number(i)));
        // The log has one row per step, none duplicated by the resume.
        QFile log(splitDir.filePath(QStringLiteral("train_log.csv")));
        QVERIFY(log.open(QIODevice::ReadOnly));
        QCOMPARE(log.readAll().trimmed().split('\n').size(), int(r.steps) + 1);
    }

    void cancelWritesACheckpoint() {
        QTemporaryDir dir;
        auto r = tinyDenoiserRecipe();
        r.steps = 1000;
        CancelToken token;
        JobContext ctx{[&](const Progress& p) {
                           if (p.step == 3) token.cancel();
                       },
                       token};
        auto out = run(r, {dir.path().toStdString(), true, -1}, ctx);
        QVERIFY(out.isCancelled());
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("checkpoint.pt"))));
        auto resumed = run(r, {dir.path().toStdString(), true, 1}, {});
        VERIFY_OK(resumed);
        QCOMPARE(resumed.value().startStep, int64_t(3));
    }

    void classifierTrainsAndReportsAccuracy() {
        QTemporaryDir dir;
        auto r = tinyRecipe();
        r.batch = 32;
        r.steps = 80;
        r.lr = 3e-3;
        generate::ClassifierOptions o;
        o.data.trainLimit = 2000;
        o.classifier.width = 8;
        o.classifier.features = 32;
        r = with(r, "classifier", o);
        auto out = run(r, {dir.path().toStdString(), false, -1}, {});
        VERIFY_OK(out);
        const double accuracy = out.value().figure("test_accuracy");
        qInfo("tiny classifier after 80 steps: test accuracy %.3f", accuracy);
        QVERIFY(accuracy > 0.3); // far above chance (0.1) after 80 small steps
        auto m = models::loadClassifier(out.value().checkpoint, o.classifier);
        QVERIFY(m.ok());
        QCOMPARE(m.value()->features(at::zeros({2, 1, 28, 28})).sizes().vec(), (std::vector<int64_t>{2, 32}));
        // A classifier checkpoint is not a denoiser.
        QVERIFY(!models::loadDenoiser(out.value().checkpoint, tinyNet()).ok());
    }

    void noiseLevelEstimatorLearns() {
        // The noise-level task: a one-output classifier on x̃ / RMS(x̃) regressing log σ − log RMS.
        // 120 small steps must beat the best constant predictor by a wide margin.
        QTemporaryDir dir;
        auto r = tinyRecipe();
        r.batch = 32;
        r.steps = 120;
        r.lr = 3e-3;
        r.warmup = 10;
        generate::NoiseLevelOptions o;
        o.data.trainLimit = 1000;
        o.classifier.width = 8;
        o.classifier.features = 16;
        o.classifier.classes = 1;
        o.classifier.dropout = 0;
        r = with(r, "noise-level", o);
        auto out = run(r, {dir.path().toStdString(), false, -1}, {});
        VERIFY_OK(out);
        auto m = models::loadClassifier(out.value().checkpoint, o.classifier, "noise-level");
        VERIFY_OK(m);
        QVERIFY(!models::loadClassifier(out.value().checkpoint, o.classifier).ok()); // a different kind of model
        auto test = data::loadFashionMnist(data::Split::Test, data::defaultFashionMnistDir(), 256);
        QVERIFY(test.ok());
        auto g = at::make_generator<at::CPUGeneratorImpl>(3);
        const auto x0 = data::toSigned(test.value().images);
        const auto sigma = (at::rand({256}, g) * (std::log(80.0) - std::log(0.005)) + std::log(0.005)).exp();
        const auto xt = x0 + sigma.view({-1, 1, 1, 1}) * at::randn(x0.sizes(), g);
        at::NoGradGuard ng;
        const auto est = models::estimateNoiseLevel(m.value(), xt);
        const double err = (est.log() - sigma.log()).abs().median().item<double>();
        const auto target = models::noiseLevelTarget(xt, sigma);
        const double constant = (target - target.median()).abs().median().item<double>();
        qInfo("tiny noise-level estimator: median |log σ̂ − log σ| %.3f (best constant %.3f)", err, constant);
        QVERIFY(err < 0.5 * constant);
    }

    void restorerTrainsAndResumesExactly() {
        // The restorer: an EdmDenoiser on y₀ = x₀ − μ conditioned on μ from the degradation mix.
        // A short run lowers the loss; 3 + 3 steps with a stop equal 6 straight steps (the
        // degradations draw from the checkpointed generator, so resuming replays them exactly).
        const auto o = tinyRestorer(256, {"noise", "inpaint-box", "jpeg"});
        const auto r = with(tinyRecipe(), "restorer", o);
        QTemporaryDir straightDir, splitDir;
        auto straight = run(r, {straightDir.path().toStdString(), false, -1}, {});
        VERIFY_OK(straight);
        auto first = run(r, {splitDir.path().toStdString(), false, 3}, {});
        QVERIFY(first.ok());
        auto second = run(r, {splitDir.path().toStdString(), true, -1}, {});
        QVERIFY(second.ok());
        auto a = models::loadDenoiser(straight.value().checkpoint, o.net, 0.25, "restorer");
        auto b = models::loadDenoiser(second.value().checkpoint, o.net, 0.25, "restorer");
        VERIFY_OK(a);
        QVERIFY(b.ok());
        const auto pa = a.value()->parameters(), pb = b.value()->parameters();
        for (std::size_t i = 0; i < pa.size(); ++i) QVERIFY(at::equal(pa[i], pb[i]));
        // A restorer checkpoint is not a generator.
        QVERIFY(!models::loadDenoiser(straight.value().checkpoint, o.net).ok());

        // Loss on a fixed batch goes down over a few steps of plain AdamW.
        auto test = data::loadFashionMnist(data::Split::Test, data::defaultFashionMnistDir(), 16);
        QVERIFY(test.ok());
        const auto x0 = data::toSigned(test.value().images);
        auto g = at::make_generator<at::CPUGeneratorImpl>(1);
        const auto mu = restore::degrade(x0, restore::Degradation::Noise, g).mu;
        const auto sigma = at::full({16}, 0.3f);
        const auto z = at::randn(x0.sizes(), g);
        models::EdmDenoiser m(o.net, 0.25);
        torch::optim::AdamW opt(m->parameters(), torch::optim::AdamWOptions(2e-3));
        const double before = train::residualLoss(m, x0, mu, sigma, z).item<double>();
        for (int i = 0; i < 10; ++i) {
            opt.zero_grad();
            train::residualLoss(m, x0, mu, sigma, z).backward();
            opt.step();
        }
        const double after = train::residualLoss(m, x0, mu, sigma, z).item<double>();
        qInfo("restorer loss on a fixed batch: %.4f → %.4f", before, after);
        QVERIFY(after < 0.8 * before);
    }

    void restorerStartsFromAnotherWithANoiseMap() {
        // init_from: a restorer with a noise-map channel (cond_channels = in + 1) starts from a
        // trained restorer without one; the new channel's kernel is zero, so the new model is the
        // old one whatever the map holds, and its loss runs with each item's noise level.
        const auto o = tinyRestorer(64, {"noise"});
        QTemporaryDir dir;
        auto old = run(with(tinyRecipe(), "restorer", o), {dir.path().toStdString(), false, -1}, {});
        VERIFY_OK(old);
        auto oldModel = models::loadDenoiser(old.value().checkpoint, o.net, 0.25, "restorer");
        VERIFY_OK(oldModel);

        restore::RestorerOptions m = o;
        m.net.condChannels = 2;
        m.initFrom = old.value().checkpoint;
        auto task = restore::makeRestorerTask(with(tinyRecipe(), "restorer", m), train::TaskData::Load);
        VERIFY_OK(task);
        auto& module = dynamic_cast<models::EdmDenoiserImpl&>(task.value()->module());
        module.eval();
        auto g = at::make_generator<at::CPUGeneratorImpl>(3);
        const auto mu = at::randn({2, 1, 28, 28}, g) * 0.5;
        const auto x = at::randn({2, 1, 28, 28}, g) * 0.3;
        const auto sigma = at::full({2}, 0.4f);
        at::Tensor a, b;
        {
            torch::NoGradGuard ng;
            a = oldModel.value()->forward(x, sigma, mu);
            b = module.forward(x, sigma, at::cat({mu, at::full({2, 1, 28, 28}, 1.7f)}, 1));
        }
        QVERIFY2(at::allclose(a, b, 1e-5, 1e-6), "the initialised model differs from the one it started from");
        auto loss = task.value()->loss(0, g);
        VERIFY_OK(loss);
        QVERIFY(std::isfinite(loss.value().item<double>()));
        // Training moves the new channel's kernel: the map is read.
        train::Recipe longer = with(tinyRecipe(), "restorer", m);
        QTemporaryDir dir2;
        auto tuned = run(longer, {dir2.path().toStdString(), false, -1}, {});
        VERIFY_OK(tuned);
        auto tunedModel = models::loadDenoiser(tuned.value().checkpoint, m.net, 0.25, "restorer");
        VERIFY_OK(tunedModel);
        const auto w = tunedModel.value()->named_parameters(true).find("net.conv_in.weight");
        QVERIFY(w != nullptr);
        QVERIFY(w->select(1, 2).abs().max().item<double>() > 0);

        // Task labels (net.num_classes = 8): the class embedding the old model lacks starts at
        // zero, so the labelled model is the old one for every label, "unknown" (8) included.
        restore::RestorerOptions t = o;
        t.net.numClasses = 8;
        t.initFrom = old.value().checkpoint;
        auto labelled = restore::makeRestorerTask(with(tinyRecipe(), "restorer", t), train::TaskData::Load);
        VERIFY_OK(labelled);
        auto& lm = dynamic_cast<models::EdmDenoiserImpl&>(labelled.value()->module());
        lm.eval();
        for (const std::int64_t label : {0, 5, 8}) {
            torch::NoGradGuard ng;
            const auto c = lm.forward(x, sigma, mu, at::full({2}, label, at::kLong));
            QVERIFY2(at::allclose(a, c, 1e-5, 1e-6), qPrintable(QStringLiteral("label %1").arg(label)));
        }
        auto labelledLoss = labelled.value()->loss(0, g);
        VERIFY_OK(labelledLoss);
        QVERIFY(std::isfinite(labelledLoss.value().item<double>()));

        // What cannot start the run: a missing file, another kind's weights.
        m.initFrom = dir.filePath(QStringLiteral("none.pt")).toStdString();
        auto missing = restore::makeRestorerTask(with(tinyRecipe(), "restorer", m), train::TaskData::Load);
        QVERIFY(!missing.ok());
        QVERIFY2(missing.error().message.find("none.pt") != std::string::npos, missing.error().message.c_str());
        QTemporaryDir gen;
        auto generator = run(tinyDenoiserRecipe(), {gen.path().toStdString(), false, 1}, {});
        VERIFY_OK(generator);
        m.initFrom = generator.value().checkpoint;
        auto wrong = restore::makeRestorerTask(with(tinyRecipe(), "restorer", m), train::TaskData::Load);
        QVERIFY(!wrong.ok());
        QVERIFY2(wrong.error().message.find("not a restorer") != std::string::npos, wrong.error().message.c_str());
    }

    void augmentationIsDeterministicAndShifts() {
        train::ImageData r;
        r.hflip = false;
        r.shift = 2;
        auto x = at::full({4, 1, 8, 8}, -1.0f);
        x.index_put_({at::indexing::Slice(), 0, 3, 4}, 1.0f); // one bright pixel
        auto g1 = at::make_generator<at::CPUGeneratorImpl>(9), g2 = at::make_generator<at::CPUGeneratorImpl>(9);
        const auto a = train::augment(r, x, g1), b = train::augment(r, x, g2);
        QVERIFY(at::equal(a, b));
        QCOMPARE(a.sizes().vec(), x.sizes().vec());
        bool moved = false;
        for (int i = 0; i < 4; ++i) {
            // The bright pixel survives, moved by at most 2 pixels on each axis; the rest is background.
            QCOMPARE(a[i].eq(1.0f).sum().item<std::int64_t>(), std::int64_t(1));
            const auto pos = a[i][0].eq(1.0f).nonzero()[0];
            QVERIFY(std::abs(pos[0].item<std::int64_t>() - 3) <= 2 && std::abs(pos[1].item<std::int64_t>() - 4) <= 2);
            moved = moved || pos[0].item<std::int64_t>() != 3 || pos[1].item<std::int64_t>() != 4;
        }
        QVERIFY(moved);
        r.shift = 0;
        r.hflip = true;
        // 16 items: each is either untouched or mirrored (column 4 → 8 − 1 − 4 = 3), and both
        // happen (a flip that never happens, or always, would fail here).
        const auto x16 = x.repeat({4, 1, 1, 1});
        const auto f = train::augment(r, x16, g1);
        int flipped = 0;
        for (int i = 0; i < 16; ++i) {
            const auto pos = f[i][0].eq(1.0f).nonzero()[0];
            QCOMPARE(pos[0].item<std::int64_t>(), std::int64_t(3));
            const auto col = pos[1].item<std::int64_t>();
            QVERIFY(col == 4 || col == 3);
            if (col == 3) {
                QVERIFY(at::equal(f[i], x16[i].flip({2})));
                ++flipped;
            } else {
                QVERIFY(at::equal(f[i], x16[i]));
            }
        }
        qInfo("flipped %d of 16", flipped);
        QVERIFY(flipped > 0 && flipped < 16);
    }

    void trainsFromAnImageFolder() {
        // The folder dataset feeds the same loop: two classes of flat images, a few classifier steps.
        QTemporaryDir dir;
        for (const char* cls : {"dark", "light"}) {
            QVERIFY(QDir(dir.path()).mkpath(QString::fromLatin1(cls)));
            for (int i = 0; i < 8; ++i) {
                QFile f(dir.filePath(QStringLiteral("%1/%2.pgm").arg(QString::fromLatin1(cls)).arg(i)));
                QVERIFY(f.open(QIODevice::WriteOnly));
                f.write("P5\n16 16\n255\n");
                f.write(QByteArray(256, char(std::string(cls) == "dark" ? 20 + i : 200 + i)));
            }
        }
        auto r = tinyRecipe();
        r.batch = 8;
        r.steps = 30;
        r.lr = 3e-3;
        generate::ClassifierOptions o;
        o.data.dataset = "folder";
        o.data.dataDir = dir.path().toStdString();
        o.data.imageSize = 16;
        o.classifier.width = 4;
        o.classifier.features = 8;
        o.classifier.classes = 2;
        o.classifier.dropout = 0;
        QTemporaryDir out;
        auto trained = run(with(r, "classifier", o), {out.path().toStdString(), false, -1}, {});
        VERIFY_OK(trained);
        auto m = models::loadClassifier(trained.value().checkpoint, o.classifier);
        QVERIFY(m.ok());
        auto d = train::loadImages(o.data);
        QVERIFY(d.ok());
        QCOMPARE(generate::accuracy(m.value(), d.value().images, d.value().labels), 1.0);
        // A grey network cannot train on colour folders.
        o.data.channels = 3;
        auto bad = run(with(r, "classifier", o), {out.path().toStdString(), false, -1}, {});
        QVERIFY(!bad.ok());
        QVERIFY(QString::fromStdString(bad.error().message).contains(QStringLiteral("channel")));
    }

    void batchesCoverEachEpochOnce() {
        const auto a = train::batchIndices(5, 0, 10, 25);
        const auto b = train::batchIndices(5, 1, 10, 25);
        const auto c = train::batchIndices(5, 2, 10, 25); // 5 from epoch 0, 5 from epoch 1
        const auto epoch0 = at::cat({a, b, c.slice(0, 0, 5)});
        QVERIFY(at::equal(std::get<0>(epoch0.sort()), at::arange(25, at::kLong)));
        QVERIFY(at::equal(train::batchIndices(5, 2, 10, 25), c)); // a function of (seed, step) alone
        QVERIFY(!at::equal(train::batchIndices(6, 0, 10, 25), a));
    }

    void shippedClassifierMeetsItsCard() {
        // The card (resources/models/fmnist-classifier/card.json) claims 92.58% on the 10k test images.
        const std::string dir = REVERIE_SOURCE_DIR "/resources/models/fmnist-classifier";
        QFile cardFile(QString::fromStdString(dir + "/card.json"));
        QVERIFY(cardFile.open(QIODevice::ReadOnly));
        const auto card = nlohmann::json::parse(cardFile.readAll().toStdString());
        models::ClassifierConfig config;
        QVERIFY(models::ClassifierConfig::fromJson(card["architecture"], &config).empty());
        auto m = models::loadClassifier(dir + "/weights.pt", config);
        VERIFY_OK(m);
        auto test = data::loadFashionMnist(data::Split::Test);
        QVERIFY(test.ok());
        const double acc = generate::accuracy(m.value(), test.value().images, test.value().labels);
        qInfo("shipped classifier: test accuracy %.4f", acc);
        QVERIFY(acc >= 0.90);
        QVERIFY(std::abs(acc - card["evaluation"]["test_accuracy"].get<double>()) < 0.005);
    }

    void badRecipesAndCheckpoints_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown key") << R"({"stepz": 10})" << "unknown denoiser key 'stepz'";
        QTest::newRow("unknown key beside the options") << R"({"task": "denoiser", "options": {}, "stepz": 1})"
                                                        << "unknown recipe key 'stepz'";
        QTest::newRow("unknown option") << R"({"task": "denoiser", "options": {"p_men": 1}})"
                                        << "unknown denoiser key 'p_men'";
        QTest::newRow("options not an object") << R"({"task": "denoiser", "options": 3})" << "must be a JSON object";
        QTest::newRow("unknown net key") << R"({"net": {"chanels": 3}})" << "unknown network key 'chanels'";
        QTest::newRow("bad lr") << R"({"lr": -1})" << "lr must be";
        QTest::newRow("wrong type") << R"({"batch": "big"})" << "recipe:";
        QTest::newRow("not an object") << R"([1,2])" << "JSON object";
        QTest::newRow("unknown task") << R"({"task": "paint"})" << "unknown task 'paint'";
        QTest::newRow("bad classifier") << R"({"task": "classifier", "classifier": {"width": 0}})" << "positive";
        QTest::newRow("noise-level with classes") << R"({"task": "noise-level", "classifier": {"classes": 10}})"
                                                  << "\"classes\": 1";
        QTest::newRow("classifier with one class")
            << R"({"task": "classifier", "classifier": {"classes": 1}})" << "at least 2 classes";
        QTest::newRow("folder without dir") << R"({"dataset": "folder"})" << "needs data_dir";
        QTest::newRow("unknown dataset") << R"({"dataset": "imagenet"})" << "unknown dataset 'imagenet'";
        QTest::newRow("bad shift") << R"({"shift": 40})" << "shift must be";
        QTest::newRow("patches without dir") << R"({"dataset": "patches"})" << "the patches dataset needs data_dir";
        QTest::newRow("bad patch stride") << R"({"dataset": "patches", "data_dir": "/x", "patch_stride": 0})"
                                          << "patch_stride must be";
        QTest::newRow("bad patch scales") << R"({"dataset": "patches", "data_dir": "/x", "patch_scales": 7})"
                                          << "patch_scales must be";
        QTest::newRow("unknown degradation") << R"({"task": "restorer", "degradations": ["rain"]})"
                                             << "unknown degradation 'rain'";
        QTest::newRow("restorer without μ") << R"({"task": "restorer"})" << "cond_channels must be";
        QTest::newRow("bad noise power")
            << R"({"task": "restorer", "net": {"in_channels": 1, "cond_channels": 1}, "noise_sigma_power": 0})"
            << "noise_sigma_power";
        QTest::newRow("noise map of two channels")
            << R"({"task": "restorer", "net": {"in_channels": 1, "cond_channels": 3}})" << "cond_channels must be";
        QTest::newRow("task labels of another count")
            << R"({"task": "restorer", "net": {"in_channels": 1, "cond_channels": 1, "num_classes": 5}})"
            << "net.num_classes must be 0 (blind) or 8";
        QTest::newRow("bad task label dropout")
            << R"({"task": "restorer", "net": {"in_channels": 1, "cond_channels": 1, "num_classes": 8}, "task_label_dropout": 2})"
            << "task_label_dropout";
        QTest::newRow("bad sigma range") << R"({"task": "noise-level", "sigma_min": 2, "sigma_max": 1})"
                                         << "sigma_min < sigma_max";
    }
    void badRecipesAndCheckpoints() {
        QFETCH(QString, json);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("r.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(json.toUtf8());
        f.close();
        auto r = catalog::inspectRecipeFile(path.toStdString());
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.error().message).contains(message), r.error().message.c_str());
    }

    void checkpointFromAnotherArchitecture() {
        QTemporaryDir dir;
        auto r = tinyDenoiserRecipe();
        r.steps = 1;
        auto out = run(r, {dir.path().toStdString(), false, -1}, {});
        QVERIFY(out.ok());
        auto other = tinyNet();
        other.baseChannels = 24;
        auto m = models::loadDenoiser(out.value().checkpoint, other);
        QVERIFY(!m.ok());
        QVERIFY2(QString::fromStdString(m.error().message).contains(QStringLiteral("different architecture")),
                 m.error().message.c_str());
        auto o2 = tinyDenoiser();
        o2.net = other;
        auto r2 = with(r, "denoiser", o2);
        auto resumed = run(r2, {dir.path().toStdString(), true, -1}, {});
        QVERIFY(!resumed.ok());
        QVERIFY(QString::fromStdString(resumed.error().message).contains(QStringLiteral("different architecture")));
        QFile junk(dir.filePath(QStringLiteral("junk.pt")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not a checkpoint");
        junk.close();
        QVERIFY(!models::loadDenoiser(junk.fileName().toStdString(), tinyNet()).ok());
    }
};

QTEST_GUILESS_MAIN(TestTrain)
#include "tst_train.moc"
