// Enhance: the mixture corpus (determinism, the SNR asked for, the held-out speaker kept out of
// training, every noise kind), the enhancer's tensors, the "enhancer" training task (it learns,
// resumes bit for bit) and the enhancement job (NFE per sampler, chunking of long inputs, seeds,
// bad settings, cancel). Runs on a small synthetic corpus written to a temporary folder, so it
// needs neither the decoded Asterisk data nor a shipped model.

#include "models/zoo.h"
#include "base/runtime.h"
#include "speech/audio.h"
#include "speech/corpus.h"
#include "speech/enhance.h"
#include "speech/enhance_bench.h"
#include "speech/metrics.h"
#include "speech/pairs.h"
#include "speech/stft.h"
#include "catalog/catalog.h"
#include "catalog/training.h"
#include "models/store.h"
#include "speech/task.h"
#include "train/edm.h"

#include "fixtures.h"

#include <ATen/ATen.h>
#include <torch/optim/adamw.h>

#include <nlohmann/json.hpp>

#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

using namespace reverie;
using namespace reverie::speech;
namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;

// A voiced "utterance": harmonics of f0 under a 4 Hz syllable envelope, with silence at both ends.
std::vector<float> voice(double f0, double seconds, int variant) {
    const int rate = 16000;
    std::vector<float> v(std::size_t(seconds * rate), 0.0f);
    for (std::size_t i = 0; i < v.size(); ++i) {
        const double t = double(i) / rate;
        if (t < 0.1 || t > seconds - 0.1) continue;
        const double env = 0.5 - 0.5 * std::cos(2 * kPi * (4.0 + 0.3 * variant) * t);
        double s = 0;
        for (int h = 1; h <= 8; ++h) s += std::sin(2 * kPi * f0 * (1 + 0.02 * variant) * h * t) / h;
        v[i] = float(0.2 * env * s);
    }
    return v;
}

void writeWav(const fs::path& path, const std::vector<float>& samples) {
    Audio a;
    a.samples = samples;
    a.sampleRate = 16000;
    QVERIFY2(saveWav(path.string(), a).ok(), path.c_str());
}

// en, es, fr, it, ru with 3 utterances each and 2 music pieces.
void writeCorpus(const fs::path& dir) {
    const std::vector<std::string> speakers = {"en", "es", "fr", "it", "ru"};
    for (std::size_t k = 0; k < speakers.size(); ++k) {
        fs::create_directories(dir / speakers[k]);
        for (int u = 0; u < 3; ++u)
            writeWav(dir / speakers[k] / ("u" + std::to_string(u) + ".wav"), voice(110.0 + 35.0 * double(k), 1.6, u));
    }
    fs::create_directories(dir / "moh");
    for (int m = 0; m < 2; ++m) {
        std::vector<float> music(16000 * 6);
        for (std::size_t i = 0; i < music.size(); ++i) {
            const double t = double(i) / 16000;
            music[i] = float(0.1 * std::sin(2 * kPi * (220.0 + 110 * m) * t) * (0.6 + 0.4 * std::sin(2 * kPi * 0.5 * t)) +
                             0.05 * std::sin(2 * kPi * 660.0 * t));
        }
        writeWav(dir / "moh" / ("piece" + std::to_string(m) + ".wav"), music);
    }
}

double snrOf(const Mixture& m) {
    double es = 0, en = 0;
    for (std::size_t i = 0; i < m.clean.size(); ++i) {
        es += double(m.clean[i]) * m.clean[i];
        en += double(m.noise[i]) * m.noise[i];
    }
    return 10 * std::log10(es / en);
}

models::UNetConfig tinySpecNet() {
    models::UNetConfig c;
    c.inChannels = c.condChannels = c.outChannels = 2;
    c.baseChannels = 8;
    c.channelMult = {1, 2, 2}; // the mid block's attention then sees 64 × 16 positions
    c.resBlocks = 1;
    c.attnResolutions = {};
    c.imageSize = 256;
    c.embDim = 16;
    return c;
}

} // namespace

class TestEnhance : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    fs::path m_corpus;
    std::string m_modelDir;

    Corpus corpus(std::int64_t length = 8064) {
        CorpusOptions o;
        o.dir = m_corpus.string();
        o.length = length;
        auto c = Corpus::load(o);
        if (!c) qFatal("corpus: %s", c.error().message.c_str());
        return c.value();
    }

    EnhancerOptions tinyOptions() {
        EnhancerOptions o;
        o.speechDir = m_corpus.string();
        o.cropFrames = 64;
        o.noise.pMean = -1.5;
        o.noise.sigmaData = 0.1;
        o.net = tinySpecNet();
        return o;
    }
    train::Recipe tinyRecipe() {
        train::Recipe r;
        r.name = "enhance-test";
        r.task = "enhancer";
        r.batch = 2;
        r.steps = 4;
        r.warmup = 1;
        r.lr = 1e-3;
        r.checkpointEvery = 100;
        r.logEvery = 1;
        r.section = tinyOptions().toJson();
        return r;
    }

private Q_SLOTS:
    void initTestCase() {
        runtime::prepareEngineThread(1);
        QVERIFY(m_dir.isValid());
        m_corpus = fs::path(m_dir.path().toStdString()) / "speech";
        writeCorpus(m_corpus);
        // A one-step model, exported as a model folder, for the enhancement tests.
        auto r = tinyRecipe();
        r.steps = 1;
        const fs::path run = fs::path(m_dir.path().toStdString()) / "tiny-run";
        auto trained = catalog::runTraining(r, {run.string(), false, -1}, {});
        VERIFY_OK(trained);
        const fs::path dir = fs::path(m_dir.path().toStdString()) / "tiny-model";
        fs::create_directories(dir);
        QVERIFY(catalog::exportCheckpoint(trained.value().checkpoint, (dir / "weights.pt").string()).ok());
        const auto o = tinyOptions();
        std::ofstream card(dir / "card.json");
        card << nlohmann::json{{"name", "tiny"}, {"kind", "enhancer"}, {"architecture", o.net.toJson()},
                               {"sigma_data", o.noise.sigmaData}, {"crop_frames", o.cropFrames}}.dump();
        card.close();
        m_modelDir = dir.string();
    }

    void corpusIsDeterministic() {
        const auto c = corpus();
        const auto a = c.mixture(CorpusSplit::Train, 3, 17), b = c.mixture(CorpusSplit::Train, 3, 17);
        QCOMPARE(a.noisy, b.noisy);
        QCOMPARE(a.clean, b.clean);
        QCOMPARE(a.snrDb, b.snrDb);
        // A second corpus loaded from the same files gives the same mixture.
        QCOMPARE(corpus().mixture(CorpusSplit::Train, 3, 17).noisy, a.noisy);
        QVERIFY(c.mixture(CorpusSplit::Train, 3, 18).noisy != a.noisy);
        QVERIFY(c.mixture(CorpusSplit::Train, 4, 17).noisy != a.noisy);
        QVERIFY(c.mixture(CorpusSplit::Test, 3, 17).noisy != a.noisy);
        QCOMPARE(std::int64_t(a.noisy.size()), std::int64_t(8064));
    }

    void corpusMixesAtTheAskedSnr() {
        const auto c = corpus();
        std::set<NoiseKind> kinds;
        double lo = 100, hi = -100;
        for (std::uint64_t i = 0; i < 200; ++i) {
            const auto m = c.mixture(i % 2 ? CorpusSplit::Train : CorpusSplit::Test, 1, i);
            kinds.insert(m.kind);
            QVERIFY2(std::fabs(snrOf(m) - m.snrDb) < 0.1, qPrintable(QString("mixture %1: asked %2 dB, got %3 dB")
                                                                         .arg(i).arg(m.snrDb).arg(snrOf(m))));
            QVERIFY(m.snrDb >= 0 && m.snrDb <= 20);
            lo = std::min(lo, m.snrDb);
            hi = std::max(hi, m.snrDb);
            for (std::size_t k = 0; k < m.noisy.size(); k += 97) QCOMPARE(m.noisy[k], m.clean[k] + m.noise[k]);
            double peak = 0;
            for (float v : m.noisy) peak = std::max(peak, double(std::fabs(v)));
            QVERIFY(peak <= 0.9 + 1e-6);
        }
        QCOMPARE(int(kinds.size()), 5); // music, white, pink, brown, babble all occur
        QVERIFY(lo < 2 && hi > 18);     // the whole range is used
    }

    void heldOutSpeakerNeverTrains() {
        const auto c = corpus();
        QCOMPARE(int(c.utterances(CorpusSplit::Train)), 12);
        QCOMPARE(int(c.utterances(CorpusSplit::Test)), 3);
        std::set<std::string> trainSpeakers;
        int babble = 0;
        for (std::uint64_t i = 0; i < 300; ++i) {
            const auto m = c.mixture(CorpusSplit::Train, 9, i);
            QVERIFY(m.speaker != "ru");
            trainSpeakers.insert(m.speaker);
            for (const auto& s : m.babbleSpeakers) QVERIFY(s != "ru");
            if (m.kind == NoiseKind::Babble) {
                ++babble;
                QVERIFY(m.babbleSpeakers.size() >= 3 && m.babbleSpeakers.size() <= 5);
            }
            QCOMPARE(c.mixture(CorpusSplit::Test, 9, i).speaker, std::string("ru"));
        }
        QCOMPARE(int(trainSpeakers.size()), 4);
        QVERIFY(babble > 20);
        // The trainer's corpus settings follow the recipe's held-out speaker.
        auto e = tinyOptions();
        e.testSpeaker = "it";
        const auto o = e.corpus();
        QCOMPARE(o.testSpeaker, std::string("it"));
        QVERIFY(std::find(o.trainSpeakers.begin(), o.trainSpeakers.end(), "it") == o.trainSpeakers.end());
        QVERIFY(std::find(o.trainSpeakers.begin(), o.trainSpeakers.end(), "ru") != o.trainSpeakers.end());
        QCOMPARE(o.length, std::int64_t(63 * 128));
    }

    void corpusKeepsARecordingsRoom() {
        // room_share: the room belongs to the recording, so the target is the reverberant speech
        // and only the noise is to be removed; reverb_share: the room is to be removed (dry target).
        CorpusOptions o;
        o.dir = m_corpus.string();
        o.length = 8064;
        o.reverbShare = 0.3;
        o.roomShare = 0.5;
        const auto c = Corpus::load(o).value();
        int kept = 0, removed = 0, dry = 0;
        for (std::uint64_t i = 0; i < 120; ++i) {
            const auto m = c.mixture(CorpusSplit::Train, 5, i);
            QCOMPARE(c.mixture(CorpusSplit::Train, 5, i).clean, m.clean); // deterministic
            if (m.t60 == 0) {
                ++dry;
                QVERIFY(!m.roomKept);
                continue;
            }
            QVERIFY(m.t60 >= o.t60Min && m.t60 <= o.t60Max);
            // Either way the noise sits at the asked SNR against the speech as heard.
            double es = 0, en = 0, ed = 0;
            for (std::size_t k = 0; k < m.noisy.size(); ++k) {
                const double s = m.roomKept ? m.clean[k] : m.noisy[k] - m.noise[k];
                es += s * s;
                en += double(m.noise[k]) * m.noise[k];
                ed += double(m.noisy[k] - m.clean[k]) * (m.noisy[k] - m.clean[k]);
            }
            QVERIFY(es > 0 && en > 0);
            if (m.roomKept) {
                ++kept;
                // noisy − clean is the added noise alone: at the asked SNR against the target.
                QVERIFY2(std::fabs(10 * std::log10(es / ed) - m.snrDb) < 0.1,
                         qPrintable(QString::number(m.snrDb)));
            } else {
                ++removed;
            }
        }
        QVERIFY(kept > 20 && removed > 20 && dry > 20);
        // The same mixture with the room removed instead: same reverberant input, dry target.
        const auto m = c.mixture(CorpusSplit::Test, 1, 3, NoiseKind::White, 10.0, 0.6, true);
        const auto d = c.mixture(CorpusSplit::Test, 1, 3, NoiseKind::White, 10.0, 0.6, false);
        QVERIFY(m.roomKept && !d.roomKept);
        QCOMPARE(m.noisy, d.noisy);
        QVERIFY(m.clean != d.clean);
        // Training labels: 1 only where the room is to be removed.
        auto e = tinyOptions();
        e.reverbShare = 0.3;
        e.roomShare = 0.5;
        auto batch = enhancerBatch(Corpus::load(e.corpus()).value(), 11, 0, 16);
        VERIFY_OK(batch);
        const auto cc = Corpus::load(e.corpus()).value();
        for (int i = 0; i < 16; ++i) {
            const auto mi = cc.mixture(CorpusSplit::Train, 11, std::uint64_t(i));
            QCOMPARE(batch.value().reverberant[i].item<std::int64_t>(),
                     std::int64_t(mi.t60 > 0 && !mi.roomKept));
        }
    }

    void corpusErrors() {
        CorpusOptions o;
        o.dir = (m_corpus / "missing").string();
        auto r = Corpus::load(o);
        QVERIFY(!r.ok());
        QVERIFY(QString::fromStdString(r.error().message).contains(QStringLiteral("install-deps")));
        o.dir = m_corpus.string();
        o.trainSpeakers = {"en", "ru"};
        QVERIFY(!Corpus::load(o).ok()); // the test speaker cannot train
        o.trainSpeakers = {"en"};
        o.length = 16000 * 60; // longer than the music
        QVERIFY(!Corpus::load(o).ok());
    }

    void spectrogramChannels() {
        const auto c = corpus();
        const auto m = c.mixture(CorpusSplit::Train, 0, 0);
        auto p = trainingPair(m.clean, m.noisy);
        QVERIFY(p.ok());
        const auto& [x0, mu] = p.value();
        QCOMPARE(x0.sizes().vec(), (std::vector<std::int64_t>{2, 256, 64}));
        QCOMPARE(mu.sizes().vec(), (std::vector<std::int64_t>{2, 256, 64}));
        // The pair is the compressed STFT of the waveforms divided by the noisy max |x|.
        const auto noisySpec = toSpec(m.noisy).value();
        QVERIFY(at::allclose(fromChannels(mu), noisySpec.spec.narrow(1, 0, 64)));
        QVERIFY(at::equal(toChannels(fromChannels(x0)), x0));
        QVERIFY(at::allclose(fromChannels(mu).abs().max(), at::view_as_complex(mu.permute({1, 2, 0}).contiguous()).abs().max()));
        QVERIFY(!trainingPair(m.clean, std::vector<float>(m.noisy.begin(), m.noisy.end() - 1)).ok());
    }

    void enhancerTrainsAndResumesExactly() {
        auto r = tinyRecipe();
        const auto o = tinyOptions();
        QTemporaryDir straightDir, splitDir;
        auto straight = catalog::runTraining(r, {straightDir.path().toStdString(), false, -1}, {});
        VERIFY_OK(straight);
        auto first = catalog::runTraining(r, {splitDir.path().toStdString(), false, 2}, {});
        QVERIFY(first.ok());
        auto second = catalog::runTraining(r, {splitDir.path().toStdString(), true, -1}, {});
        QVERIFY(second.ok());
        QCOMPARE(second.value().startStep, std::int64_t(2));
        auto a = models::loadDenoiser(straight.value().checkpoint, o.net, o.noise.sigmaData, "enhancer");
        auto b = models::loadDenoiser(second.value().checkpoint, o.net, o.noise.sigmaData, "enhancer");
        VERIFY_OK(a);
        QVERIFY(b.ok());
        const auto pa = a.value()->parameters(), pb = b.value()->parameters();
        for (std::size_t i = 0; i < pa.size(); ++i) QVERIFY(at::equal(pa[i], pb[i]));
        // An enhancer checkpoint is neither a generator nor an image restorer.
        QVERIFY(!models::loadDenoiser(straight.value().checkpoint, o.net, o.noise.sigmaData, "restorer").ok());
        // The batch is a function of (seed, step) alone.
        const auto c = Corpus::load(o.corpus()).value();
        QVERIFY(at::equal(enhancerBatch(c, 7, 3, 2).value().x0, enhancerBatch(c, 7, 3, 2).value().x0));
        QVERIFY(!at::equal(enhancerBatch(c, 7, 3, 2).value().mu, enhancerBatch(c, 7, 4, 2).value().mu));

        // The loss on a fixed batch goes down over a few steps.
        const auto batch = enhancerBatch(c, 1, 0, 4).value();
        auto g = at::make_generator<at::CPUGeneratorImpl>(1);
        const auto sigma = at::full({4}, 0.2f);
        const auto z = at::randn(batch.x0.sizes(), g);
        models::EdmDenoiser m(o.net, o.noise.sigmaData);
        torch::optim::AdamW opt(m->parameters(), torch::optim::AdamWOptions(3e-3));
        const double before = train::residualLoss(m, batch.x0, batch.mu, sigma, z).item<double>();
        for (int i = 0; i < 15; ++i) {
            opt.zero_grad();
            train::residualLoss(m, batch.x0, batch.mu, sigma, z).backward();
            opt.step();
        }
        const double after = train::residualLoss(m, batch.x0, batch.mu, sigma, z).item<double>();
        qInfo("enhancer loss on a fixed batch: %.4f -> %.4f", before, after);
        QVERIFY(after < 0.8 * before);
    }

    void badRecipes_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("message");
        QTest::newRow("wrong channels") << R"({"task": "enhancer", "dataset": "speech"})" << "must all be 2";
        QTest::newRow("speech without enhancer") << R"({"dataset": "speech"})" << "unknown dataset 'speech'";
        QTest::newRow("bad crop")
            << R"({"task": "enhancer", "dataset": "speech", "crop_frames": 30, "net": {"in_channels": 2, "cond_channels": 2, "out_channels": 2}})"
            << "crop_frames";
        QTest::newRow("bad snr")
            << R"({"task": "enhancer", "dataset": "speech", "snr_min": 5, "snr_max": 1, "net": {"in_channels": 2, "cond_channels": 2, "out_channels": 2}})"
            << "snr_min";
    }
    void badRecipes() {
        QFETCH(QString, json);
        QFETCH(QString, message);
        const auto r = catalog::inspectRecipe(json.toStdString());
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.error().message).contains(message), r.error().message.c_str());
    }

    void shippedRecipeParses() {
        const auto path = fs::path(REVERIE_SOURCE_DIR) / "resources" / "recipes" / "speech-enhance.json";
        auto r = train::loadRecipe(path.string());
        VERIFY_OK(r);
        QCOMPARE(r.value().task, std::string("enhancer"));
        EnhancerOptions o;
        QVERIFY(o.read(r.value().section).empty());
        QCOMPARE(o.testSpeaker, std::string("ru"));
        // Round trip through the JSON a checkpoint records.
        train::Recipe back;
        QVERIFY(train::Recipe::fromJson(r.value().toJson(), &back).empty());
        EnhancerOptions o2;
        QVERIFY(o2.read(back.section).empty());
        QCOMPARE(o2.toJson().dump(), o.toJson().dump());
        QCOMPARE(o2.cropFrames, o.cropFrames);
    }

    void enhanceCountsEvaluationsPerSampler_data() {
        QTest::addColumn<QString>("sampler");
        QTest::addColumn<int>("nfe");
        QTest::addColumn<int>("expected");
        QTest::newRow("mrs-sde-2 @3") << "mrs-sde-2-data" << 3 << 3;
        QTest::newRow("mrs-ode-1 @4") << "mrs-ode-1-data" << 4 << 4;
        QTest::newRow("pc @6 (3 steps)") << "pc" << 6 << 6;
        QTest::newRow("pc, no corrector @5 (5 steps)") << "pc/c0" << 5 << 5;
        QTest::newRow("pc, 2 corrector steps, final D @6 (2 steps)") << "pc/c2/D" << 6 << 7;
        QTest::newRow("ode-rk45 (adaptive)") << "ode-rk45" << 0 << -1;
    }
    void enhanceCountsEvaluationsPerSampler() {
        QFETCH(QString, sampler);
        QFETCH(int, nfe);
        QFETCH(int, expected);
        QVERIFY(!m_modelDir.empty());
        const auto m = corpus().mixture(CorpusSplit::Test, 0, 0);
        Audio noisy{m.noisy, 16000, "", 0, 0};
        EnhanceParams p;
        p.modelDir = m_modelDir;
        // "pc/c<K>[/D]": corrector steps K, final denoising step.
        const QStringList parts = sampler.split(QLatin1Char('/'));
        p.sampler = parts.front().toStdString();
        for (const auto& part : parts.mid(1)) {
            if (part == QLatin1String("D")) p.finalDenoise = true;
            else p.correctorSteps = part.mid(1).toInt();
        }
        p.nfe = nfe;
        p.rtol = p.atol = 1e-2;
        std::int64_t reports = 0;
        const JobContext ctx{[&](const Progress&) { ++reports; }, {}};
        auto r = enhance(p, noisy, ctx);
        VERIFY_OK(r);
        QCOMPARE(r.value().enhanced.samples.size(), noisy.samples.size());
        QCOMPARE(r.value().enhanced.sampleRate, 16000);
        QCOMPARE(r.value().chunks, 1);
        if (expected > 0) QCOMPARE(r.value().nfe, std::int64_t(expected));
        else QVERIFY(r.value().nfe >= 7); // DoPri5: the first evaluation, then 6 per attempted step
        QVERIFY(reports > 0);
        QVERIFY(r.value().realTimeFactor > 0);
        qInfo("%s: NFE %lld, %.2f s", qPrintable(sampler), (long long)r.value().nfe, r.value().seconds);
        for (float v : r.value().enhanced.samples) QVERIFY(std::isfinite(v));
    }

    // The identity baseline follows from the marginal: x_t − x₀ = (1 − α)(y − x₀) + σ z, so its
    // mean square is (1 − α)² mse(y) + σ² up to the draw's cross term; the noisy baseline does not
    // depend on t; the model's error is finite.
    void denoiserErrorBySigmaBaselines() {
        std::vector<std::pair<std::vector<float>, std::vector<float>>> pairs;
        for (int i = 0; i < 3; ++i) {
            const auto m = corpus().mixture(CorpusSplit::Test, 5, std::uint64_t(i));
            pairs.emplace_back(m.clean, m.noisy);
        }
        auto r = denoiserErrorBySigma(m_modelDir, pairs, {0.03, 0.5, 1.0}, 7, {});
        VERIFY_OK(r);
        QCOMPARE(r.value().size(), std::size_t(3));
        const double noisy = r.value().front().mseNoisy;
        QVERIFY(noisy > 0);
        double lastSigma = 0;
        for (const auto& row : r.value()) {
            QCOMPARE(row.mseNoisy, noisy);
            QVERIFY(row.sigma > lastSigma);
            lastSigma = row.sigma;
            const double expected = (1 - row.alpha) * (1 - row.alpha) * noisy + row.sigma * row.sigma;
            qInfo("t %.2f: sigma %.4f, identity %.4e (expected %.4e), model %.4e", row.t, row.sigma, row.mseIdentity,
                  expected, row.mseModel);
            QVERIFY(std::abs(row.mseIdentity - expected) < 0.05 * expected);
            QVERIFY(std::isfinite(row.mseModel) && row.mseModel > 0);
        }
        QVERIFY(!denoiserErrorBySigma(m_modelDir, {}, {0.5}, 7, {}).ok());
        std::vector<std::pair<std::vector<float>, std::vector<float>>> shortPair{{std::vector<float>(100, 0.1f), std::vector<float>(100, 0.1f)}};
        QVERIFY(!denoiserErrorBySigma(m_modelDir, shortPair, {0.5}, 7, {}).ok());
    }

    void enhanceChunksLongInputs() {
        QVERIFY(!m_modelDir.empty());
        // 2.5 s in chunks of 64 frames (≈ 0.5 s) with 16 frames of overlap: the result does not
        // depend on the batch size, and a seed changes it.
        std::vector<float> noisy;
        const auto c = corpus();
        for (std::uint64_t i = 0; i < 5; ++i) {
            const auto m = c.mixture(CorpusSplit::Test, 2, i);
            noisy.insert(noisy.end(), m.noisy.begin(), m.noisy.end());
        }
        EnhanceParams p;
        p.modelDir = m_modelDir;
        p.nfe = 2;
        p.chunkFrames = 64;
        p.overlapFrames = 16;
        p.batch = 3;
        const Audio in{noisy, 16000, "", 0, 0};
        auto a = enhance(p, in, {});
        VERIFY_OK(a);
        const int chunks = a.value().chunks;
        QCOMPARE(chunks, int(std::ceil((5 * 8064.0 - 63 * 128) / ((64 - 16) * 128.0))) + 1);
        QCOMPARE(a.value().enhanced.samples.size(), noisy.size());
        p.batch = 1;
        auto b = enhance(p, in, {});
        QVERIFY(b.ok());
        QCOMPARE(b.value().enhanced.samples, a.value().enhanced.samples);
        p.seed = 5;
        auto d = enhance(p, in, {});
        QVERIFY(d.ok());
        QVERIFY(d.value().enhanced.samples != a.value().enhanced.samples);
        // Silence gives a bounded, finite result; a scaled input gives the scaled output (each chunk
        // is normalised by its own max |x|, and the noise is the same).
        p.seed = 0;
        auto silent = enhance(p, Audio{std::vector<float>(8000, 0.0f), 16000, "", 0, 0}, {});
        QVERIFY(silent.ok());
        double peak = 0;
        for (float v : silent.value().enhanced.samples) peak = std::max(peak, double(std::fabs(v)));
        QVERIFY2(std::isfinite(peak) && peak < 0.5, qPrintable(QString::number(peak)));
        std::vector<float> half(noisy);
        for (float& v : half) v *= 0.5f;
        auto h = enhance(p, Audio{half, 16000, "", 0, 0}, {});
        QVERIFY(h.ok());
        for (std::size_t i = 0; i < half.size(); i += 1013)
            QVERIFY(std::fabs(h.value().enhanced.samples[i] - 0.5f * a.value().enhanced.samples[i]) < 1e-4);
    }

    void enhanceFileStreamsInSegments() {
        QVERIFY(!m_modelDir.empty());
        // 5 mixtures (2.5 s) streamed in 1 s segments overlapping by 0.25 s: the output has the
        // input's length, its first segment up to the first cross-fade is enhance() of the first
        // second exactly, and a file of one segment is exactly enhance() of the whole file.
        std::vector<float> noisy;
        const auto c = corpus();
        for (std::uint64_t i = 0; i < 5; ++i) {
            const auto m = c.mixture(CorpusSplit::Test, 4, i);
            noisy.insert(noisy.end(), m.noisy.begin(), m.noisy.end());
        }
        const fs::path dir(m_dir.path().toStdString());
        const std::string in = (dir / "long-in.wav").string(), out = (dir / "long-out.wav").string();
        SaveWavOptions fl;
        fl.encoding = WavEncoding::Float32;
        QVERIFY(saveWav(in, Audio{noisy, 16000, "", 0, 0}, fl).ok());
        EnhanceParams p;
        p.modelDir = m_modelDir;
        p.nfe = 2;
        std::vector<Progress> seen;
        const JobContext ctx{[&](const Progress& q) { seen.push_back(q); }, {}};
        auto r = enhanceFile(p, in, out, ctx, 1.0, 0.25);
        VERIFY_OK(r);
        QCOMPARE(r.value().samples, std::int64_t(noisy.size()));
        QCOMPARE(r.value().segments, 4); // starts 0, 0.75, 1.5, 2.25 s; the last one ends at 2.52 s
        QVERIFY(!seen.empty());
        QCOMPARE(seen.back().message, std::string("seconds"));
        QVERIFY(seen.back().step <= seen.back().total);
        auto written = loadAudio(out, 16000);
        QVERIFY(written.ok());
        QCOMPARE(written.value().samples.size(), noisy.size());
        auto first = enhance(p, Audio{std::vector<float>(noisy.begin(), noisy.begin() + 16000), 16000, "", 0, 0}, {});
        QVERIFY(first.ok());
        for (std::size_t i = 0; i < 12000; ++i) {
            const float want = std::clamp(first.value().enhanced.samples[i], -1.0f, 1.0f);
            if (std::fabs(written.value().samples[i] - want) > 1.0f / 32768 + 1e-6f)
                QFAIL(qPrintable(QString("sample %1: %2 vs %3").arg(i).arg(written.value().samples[i]).arg(want)));
        }
        auto whole = enhanceFile(p, in, out, ctx);
        QVERIFY(whole.ok());
        QCOMPARE(whole.value().segments, 1);
        auto once = enhance(p, Audio{noisy, 16000, "", 0, 0}, {});
        const auto again = loadAudio(out, 16000).value();
        for (std::size_t i = 0; i < noisy.size(); i += 7)
            QVERIFY(std::fabs(again.samples[i] - std::clamp(once.value().enhanced.samples[i], -1.0f, 1.0f)) <=
                    1.0f / 32768 + 1e-6f);
        // Cancelled after the first report: an error, and the earlier output is intact.
        CancelToken cancel;
        const JobContext stop{[&](const Progress&) { cancel.cancel(); }, cancel};
        auto cancelled = enhanceFile(p, in, out, stop, 1.0, 0.25);
        QVERIFY(!cancelled.ok());
        QVERIFY(cancelled.isCancelled());
        QCOMPARE(loadAudio(out, 16000).value().samples, again.samples);
        int leftovers = 0;
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().filename().string().find("reverie-tmp") != std::string::npos) ++leftovers;
        QCOMPARE(leftovers, 0);
        // Refusals: writing over the input, a missing input, bad segment sizes.
        auto over = enhanceFile(p, in, in, {});
        QVERIFY(!over.ok());
        QVERIFY(QString::fromStdString(over.error().message).contains("refusing to overwrite"));
        QVERIFY(!enhanceFile(p, (dir / "missing.wav").string(), out, {}).ok());
        QVERIFY(!enhanceFile(p, in, out, {}, 0.5, 0.1).ok());
        QVERIFY(!enhanceFile(p, in, out, {}, 2.0, 1.0).ok());
    }

    void benchScoresModelAndPeers() {
        EnhanceBenchParams p;
        p.modelDir = m_modelDir;
        p.speechDir = m_corpus.string();
        p.samples = 2;
        p.length = 8064;
        p.settings = {{"mrs-sde-2-data", 2}, {"mrs-ode-1-data", 3}};
        p.tempDir = m_dir.path().toStdString();
        auto r = runEnhanceBench(p, {});
        VERIFY_OK(r);
        const auto j = nlohmann::json::parse(r.value().json);
        QCOMPARE(j["mixtures"].get<int>(), 2);
        const auto& rows = r.value().rows;
        QVERIFY(rows.size() >= 3);
        QCOMPARE(rows[0].method, std::string("noisy"));
        QCOMPARE(rows[0].siSdrGain, 0.0);
        QCOMPARE(rows[1].method, std::string("mrs-sde-2-data"));
        QCOMPARE(rows[1].nfe, 2);
        QCOMPARE(rows[2].nfe, 3);
        for (const auto& row : rows) {
            QCOMPARE(row.files, 2);
            QVERIFY(std::isfinite(row.siSdr) && std::isfinite(row.estoi));
            if (row.method != "noisy") QVERIFY(row.rtf > 0);
        }
        // The peers run where their programs are installed; the noisy input has no delay to remove.
        const bool sox = std::system("command -v sox >/dev/null 2>&1") == 0;
        const bool found = std::any_of(rows.begin(), rows.end(), [](const EnhanceBenchRow& x) { return x.method == "sox-noisered"; });
        QCOMPARE(found, sox);
        QVERIFY(r.value().table.find("SI-SDR") != std::string::npos);
        // The peers' temporary files are gone.
        for (const auto& e : fs::directory_iterator(m_dir.path().toStdString()))
            QVERIFY(e.path().filename().string().rfind("reverie-bench-enhance-", 0) != 0);
    }

    void shippedModelMeetsItsCard() {
        // The card's claim on its fixed subset of held-out mixtures (the held-out speaker, decoded
        // by packaging/install-deps.sh): the default sampler raises the mean SI-SDR by at least the
        // margin the card states.
        const auto dir = models::zoo::find(models::zoo::kEnhancer);
        if (dir.empty()) QFAIL("no shipped speech model (resources/models/speech-enhance)");
        auto card = models::readCard(dir);
        VERIFY_OK(card);
        const auto& j = card.value();
        QCOMPARE(j.value("kind", std::string()), std::string("enhancer"));
        QVERIFY(j.contains("evaluation") && j["evaluation"].contains("test_subset"));
        const auto& t = j["evaluation"]["test_subset"];
        CorpusOptions o;
        o.testSpeaker = t.value("test_speaker", std::string("ru"));
        o.length = t.value("length", std::int64_t(32512));
        auto corpus = Corpus::load(o);
        // The held-out speaker comes with packaging/install-deps.sh: missing, the install is broken.
        if (!corpus) QFAIL(qPrintable(QString::fromStdString(corpus.error().message + " (run packaging/install-deps.sh)")));
        EnhanceParams p;
        p.modelDir = dir;
        p.sampler = t.value("sampler", std::string(kDefaultEnhanceSampler));
        p.nfe = t.value("nfe", 0);
        const int n = t.value("mixtures", 0);
        QVERIFY(n > 0);
        double before = 0, after = 0;
        for (int i = 0; i < n; ++i) {
            const auto m = corpus.value().mixture(CorpusSplit::Test, t.value("seed", std::uint64_t(2026)), std::uint64_t(i));
            p.seed = std::uint64_t(i);
            auto r = enhance(p, Audio{m.noisy, 16000, "", 0, 0}, {});
            VERIFY_OK(r);
            before += siSdr(m.clean, m.noisy).value();
            after += siSdr(m.clean, r.value().enhanced.samples).value();
        }
        const double gain = (after - before) / n;
        const double claimed = t.value("si_sdr_gain_min_db", 1e9);
        qInfo("shipped model: SI-SDR %.2f -> %.2f dB on %d held-out mixtures (gain %.2f dB, card claims >= %.2f dB)",
              before / n, after / n, n, gain, claimed);
        QVERIFY(gain >= claimed);
        QVERIFY(claimed > 0);
    }

    void enhanceRejectsBadInput() {
        EnhanceParams p;
        p.modelDir = m_modelDir;
        const Audio ok{std::vector<float>(16000, 0.1f), 16000, "", 0, 0};
        // Each refusal is an InvalidInput error whose message names what is wrong.
        auto refused = [](const auto& r, const char* what) -> QString {
            if (r.ok()) return QStringLiteral("accepted");
            if (r.error().kind != ErrorKind::InvalidInput) return QStringLiteral("not InvalidInput: ") + QString::fromStdString(r.error().message);
            const auto m = QString::fromStdString(r.error().message);
            return m.contains(QLatin1String(what)) ? QString() : m;
        };
        QVERIFY(validateEnhance(p).ok());
        p.sampler = "euler";
        QCOMPARE(refused(validateEnhance(p), "unknown enhancement sampler 'euler'"), QString());
        p.sampler = "pc";
        p.nfe = 7;
        QCOMPARE(refused(validateEnhance(p), "a multiple of 2"), QString());
        p.correctorSteps = 0; // the predictor alone: any NFE
        QVERIFY(validateEnhance(p).ok());
        p.correctorSteps = 2;
        p.nfe = 8;
        QCOMPARE(refused(validateEnhance(p), "a multiple of 3"), QString());
        p.correctorSteps = -1;
        QCOMPARE(refused(validateEnhance(p), "between 0 and 10"), QString());
        p.correctorSteps = 1;
        p.nfe = 0;
        p.sampler = "sgmse-pc";
        p.finalDenoise = true;
        QCOMPARE(refused(validateEnhance(p), "'pc' only"), QString());
        p.sampler = "pc";
        QVERIFY(validateEnhance(p).ok());
        p.finalDenoise = false;
        p.chunkFrames = 100;
        QCOMPARE(refused(validateEnhance(p), "chunk frames must be a multiple of 64"), QString());
        p.chunkFrames = 256;
        p.overlapFrames = 128;
        QCOMPARE(refused(validateEnhance(p), "chunk overlap"), QString());
        p = EnhanceParams{};
        p.modelDir = m_modelDir;
        QCOMPARE(refused(enhance(p, Audio{{}, 16000, "", 0, 0}, {}), "no audio"), QString());
        QCOMPARE(refused(enhance(p, Audio{ok.samples, 8000, "", 0, 0}, {}), "8000 Hz"), QString());
        std::vector<float> nan(ok.samples);
        nan[10] = std::nanf("");
        QCOMPARE(refused(enhance(p, Audio{nan, 16000, "", 0, 0}, {}), "1 NaN/Inf"), QString());
        // A folder that is not a speech model: the message says so.
        p.modelDir = m_corpus.string();
        auto wrong = enhance(p, ok, {});
        QVERIFY(!wrong.ok());
        QCOMPARE(wrong.error().kind, ErrorKind::InvalidInput);
        // The image restorer ships with the repository: it is refused as not a speech model.
        const auto restorer = models::zoo::find(models::zoo::kRestorer);
        QVERIFY2(!restorer.empty(), "the shipped restorer (resources/models/fmnist-restore) was not found");
        {
            p.modelDir = restorer;
            auto r = enhance(p, ok, {});
            QVERIFY(!r.ok());
            QVERIFY(QString::fromStdString(r.error().message).contains(QStringLiteral("speech-enhancement")));
        }
        // Cancel: returns Cancelled before finishing.
        p.modelDir = m_modelDir;
        CancelToken cancel;
        const JobContext ctx{[&](const Progress&) { cancel.cancel(); }, cancel};
        auto c = enhance(p, ok, ctx);
        QVERIFY(c.isCancelled());
    }
};

QTEST_GUILESS_MAIN(TestEnhance)
#include "tst_enhance.moc"
