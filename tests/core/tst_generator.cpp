// The built-in generator through core/generate: every sampler respects its NFE budget and gives
// finite images in range; seeds are per item; settings are validated with clear messages; the
// shipped model's samples are recognised by the shipped classifier at the rate its card claims;
// the exported weights file loads and equals the checkpoint's EMA weights; the shipped noise-level
// estimator recovers σ as accurately as its card claims, and better than the classical one where
// the card says so.

#include "generate/generate.h"
#include "models/zoo.h"
#include "base/runtime.h"
#include "catalog/catalog.h"
#include "catalog/training.h"
#include "generate/tasks.h"
#include "models/store.h"

#include "fixtures.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <filesystem>
#include <map>
#include <fstream>

using namespace reverie;

namespace {
std::string generatorDir() { return models::zoo::find(models::zoo::kGenerator); }
std::string classifierDir() { return models::zoo::find(models::zoo::kClassifier); }
nlohmann::json card(const std::string& dir) {
    std::ifstream in(dir + "/card.json");
    return nlohmann::json::parse(in);
}
} // namespace

class TestGenerator : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        runtime::prepareEngineThread(0);
        if (generatorDir().empty()) QFAIL("the shipped generator (resources/models/fmnist-edm) was not found");
        if (classifierDir().empty()) QFAIL("the shipped classifier was not found");
    }

    void zooFindsShippedModels() {
        QVERIFY(std::filesystem::exists(generatorDir() + "/weights.pt"));
        QCOMPARE(card(generatorDir())["kind"].get<std::string>(), std::string("denoiser"));
        // An explicit REVERIE_MODELS_DIR without the model falls through to the next place.
        qputenv("REVERIE_MODELS_DIR", QByteArray("/nonexistent"));
        QVERIFY(!models::zoo::find(models::zoo::kGenerator).empty());
        QCOMPARE(models::zoo::searchPath(models::zoo::kGenerator).front(), std::string("/nonexistent/fmnist-edm"));
        qunsetenv("REVERIE_MODELS_DIR");
        QVERIFY(models::zoo::find("no-such-model").empty());
    }

    void everySamplerRespectsItsBudget() {
        // The exact NFE each sampler spends on a budget of 6 (DLG: 20 per sample), from its
        // documented rule (SamplerInfo::nfeRule): N steps cost N, 2N, or 2N − 1 evaluations. DLG
        // with 2 samples at 20: one chain (two chains could not pay the 29-NFE burn-in), 2 rounds
        // of P = ⌊(40 − 29) / 2⌋ = 5 (2 Langevin + 1 Heun step + 1 Tweedie): 29 + 10 = 39 along
        // the chain, 19.5 per sample (docs/methods.md, "Denoising MCMC (DLG)").
        const std::map<std::string, std::int64_t> exact = {
            {"em", 6},      {"pc", 6},       {"ode-euler", 6},    {"ode-heun", 6},
            {"ddim", 6},    {"dpmpp-2m", 6}, {"dpmpp-2m-sde", 6}, {"edm-heun", 5},
            {"edm-sde", 5}, {"dlg", 39},     {"rev-heun", 6},     {"rev-heun-sde", 6}};
        for (const auto& s : generate::samplers()) {
            generate::GenerateParams p;
            p.modelDir = generatorDir();
            p.sampler = s.id;
            p.nfe = s.id == "dlg" ? 20 : 6;
            p.batch = 2;
            p.previews = false;
            p.sde = s.id == "em" ? "ve" : (s.id == "pc" ? "subvp" : "vp");
            int reports = 0;
            JobContext ctx;
            ctx.progress = [&](const Progress& pr) { reports += pr.preview.has_value(); };
            const auto r = generate::runGenerate(p, ctx);
            QVERIFY2(r.ok(), (s.id + ": " + (r.ok() ? std::string() : r.error().message)).c_str());
            if (s.adaptive) {
                QVERIFY2(r.value().nfe >= 1, s.id.c_str()); // RK45: the solver chooses
            } else {
                QVERIFY2(exact.count(s.id) == 1, ("no expected NFE for sampler " + s.id).c_str());
                QVERIFY2(r.value().nfe == exact.at(s.id),
                         (s.id + ": NFE " + std::to_string(r.value().nfe) + ", expected " + std::to_string(exact.at(s.id))).c_str());
                const double perSample = s.id == "dlg" ? 19.5 : double(exact.at(s.id));
                QVERIFY2(r.value().nfePerSample == perSample, s.id.c_str());
            }
            QCOMPARE(int(r.value().items.size()), 2);
            QCOMPARE(r.value().items[0].width, 28);
            QCOMPARE(r.value().grid.width, 2 * 28 + 2);
            QCOMPARE(r.value().grid.height, 28);
            QCOMPARE(reports, 0); // previews off: no preview images made
            // Not a blank canvas: a sample has both dark and bright pixels.
            const auto& px = r.value().items[0].pixels;
            const auto [lo, hi] = std::minmax_element(px.begin(), px.end());
            QVERIFY2(*hi - *lo > 64, s.id.c_str());
        }
    }

    void validSettingsNeverFailOnceSampling() {
        // Whatever validate() accepts runs: every sampler at the smallest budgets (the soak found
        // EDM Heun at NFE 1-2 accepted and then failing inside the sampler). What it refuses, it
        // refuses with a sentence.
        for (const auto& s : generate::samplers()) {
            for (int nfe = 1; nfe <= 4; ++nfe) {
                generate::GenerateParams p;
                p.modelDir = generatorDir();
                p.sampler = s.id;
                p.nfe = nfe;
                p.batch = 1;
                p.previews = false;
                const std::string what = s.id + " at NFE " + std::to_string(nfe);
                if (const auto v = generate::validate(p); !v) {
                    QVERIFY2(!v.error().message.empty(), what.c_str());
                    continue;
                }
                const auto r = generate::runGenerate(p, {});
                QVERIFY2(r.ok(), (what + ": " + (r.ok() ? std::string() : r.error().message)).c_str());
            }
        }
    }

    // Guidance by the classifier through the whole run (rev-heun): the start noise moves so that
    // the samples become the asked-for class, the result says so per iteration, the gradients'
    // NFE is counted, and any other sampler is refused with a sentence.
    void guidanceRaisesTheClassProbability() {
        generate::GenerateParams p;
        p.modelDir = generatorDir();
        p.classifierDir = classifierDir();
        p.sampler = "rev-heun";
        p.nfe = 11;
        p.batch = 4;
        p.seed = 100;
        p.guidance = 0.0; // unconditional: only the noise decides the class
        p.previews = false;
        p.guideClass = 7;
        p.guideIterations = 5;
        int iterations = 0;
        JobContext ctx;
        ctx.progress = [&](const Progress& pr) { iterations += pr.message == "guide"; };
        const auto r = generate::runGenerate(p, ctx);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        const auto& gp = r.value().guideProbability;
        QCOMPARE(int(gp.size()), p.guideIterations + 1);
        QCOMPARE(iterations, p.guideIterations);
        std::printf("GUIDE p(class 7): %.3f -> %.3f, %lld NFE\n", gp.front(), gp.back(),
                    static_cast<long long>(r.value().guideNfe));
        QVERIFY(gp.back() > gp.front() + 0.2);
        // reversible: per iteration N + 1 forward and 2N + 1 backward evaluations (N = 10).
        QCOMPARE(r.value().guideNfe, static_cast<std::int64_t>(p.guideIterations * (11 + 21)));
        QCOMPARE(r.value().labels, std::vector<int>(4, 7));
        // The same with checkpointing: the same gradients (to float32 round-off), so the same path.
        generate::GenerateParams c = p;
        c.guideStrategy = "checkpoint";
        const auto rc = generate::runGenerate(c, {});
        QVERIFY(rc.ok());
        // The first steps agree to 1e-3; later ones drift apart slowly (each step moves along the
        // normalised gradient, so round-off differences compound: 0.2932 vs 0.2928 after five).
        for (std::size_t i = 0; i < 3; ++i) QVERIFY(std::abs(rc.value().guideProbability[i] - gp[i]) < 1e-3);
        generate::GenerateParams bad = p;
        bad.sampler = "dpmpp-2m";
        QVERIFY(generate::validate(bad).error().message.find("rev-heun") != std::string::npos);
        bad = p;
        bad.guideStrategy = "magic";
        QVERIFY(!generate::validate(bad).ok());
    }

    void seedsArePerItemAndPreviewsArrive() {
        generate::GenerateParams p;
        p.modelDir = generatorDir();
        p.sampler = "dpmpp-2m";
        p.nfe = 5;
        p.batch = 3;
        p.seed = 11;
        int previews = 0;
        JobContext ctx;
        ctx.progress = [&](const Progress& pr) {
            if (pr.preview && !pr.preview->empty()) ++previews;
        };
        const auto a = generate::runGenerate(p, ctx);
        QVERIFY(a.ok());
        QCOMPARE(previews, 5); // one x_t | x̂_0 preview per step
        p.batch = 1;
        const auto b = generate::runGenerate(p, {});
        QVERIFY(b.ok());
        QVERIFY(a.value().items[0].pixels == b.value().items[0].pixels); // item 0 alike at any batch size
        QVERIFY(a.value().items[0].pixels != a.value().items[1].pixels);
        QCOMPARE(a.value().labels, (std::vector<int>{0, 1, 2}));
        p.seed = 12;
        const auto c = generate::runGenerate(p, {});
        QVERIFY(c.ok());
        QVERIFY(c.value().items[0].pixels != b.value().items[0].pixels);
    }

    void badSettingsAndModels_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message");
        QTest::newRow("sampler") << "sampler" << "unknown sampler 'euler-fancy'";
        QTest::newRow("sde") << "sde" << "unknown SDE 'xyz'";
        QTest::newRow("nfe") << "nfe" << "NFE must be";
        QTest::newRow("batch") << "batch" << "batch must be";
        QTest::newRow("label") << "label" << "class must be";
        QTest::newRow("missing folder") << "folder" << "/no/such/folder does not exist";
        QTest::newRow("wrong model") << "classifier" << "does not hold a generator";
        QTest::newRow("corrupt weights") << "corrupt" << "cannot load";
        QTest::newRow("estimator") << "estimator" << "unknown noise-level estimator 'oracle'";
    }
    void badSettingsAndModels() {
        QFETCH(QString, field);
        QFETCH(QString, message);
        generate::GenerateParams p;
        p.modelDir = generatorDir();
        p.batch = 1;
        p.nfe = 2;
        QTemporaryDir tmp;
        if (field == "sampler") p.sampler = "euler-fancy";
        if (field == "sde") p.sde = "xyz";
        if (field == "nfe") p.nfe = 0;
        if (field == "batch") p.batch = 0;
        if (field == "label") p.label = 12;
        if (field == "folder") p.modelDir = "/no/such/folder";
        if (field == "classifier") p.modelDir = classifierDir();
        if (field == "estimator") {
            p.sampler = "dlg";
            p.nfe = 12;
            p.noiseEstimator = "oracle";
        }
        if (field == "corrupt") {
            std::filesystem::copy_file(generatorDir() + "/card.json", tmp.path().toStdString() + "/card.json");
            std::ofstream(tmp.path().toStdString() + "/weights.pt") << "not a zip archive";
            p.modelDir = tmp.path().toStdString();
        }
        const auto r = generate::runGenerate(p, {});
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find(message.toStdString()) != std::string::npos, r.error().message.c_str());
        QCOMPARE(r.error().kind, ErrorKind::InvalidInput);
    }

    void cancelStopsBeforeTheNextEvaluation() {
        generate::GenerateParams p;
        p.modelDir = generatorDir();
        p.nfe = 500;
        p.batch = 2;
        JobContext ctx;
        std::int64_t lastStep = 0;
        ctx.progress = [&](const Progress& pr) {
            lastStep = std::max(lastStep, pr.step);
            if (pr.step == 3) ctx.cancel.cancel();
        };
        const auto r = generate::runGenerate(p, ctx);
        QVERIFY(r.isCancelled());
        QCOMPARE(lastStep, std::int64_t(3)); // no step after the one that cancelled
    }

    void shippedGeneratorMeetsItsCard() {
        // The card's figures were measured with exactly this setting on its 500 samples (seed 0,
        // seeds per item): the same 500 here, so FD, histogram and shares are reproduced, not
        // re-sampled; the tolerances only absorb floating-point differences between machines.
        const auto c = card(generatorDir());
        if (!c.contains("evaluation")) QFAIL("the generator's card has no evaluation figures");
        const auto& ev = c["evaluation"]["card_setting"];
        generate::GenerateParams p;
        p.modelDir = generatorDir();
        p.sde = ev["sde"].get<std::string>();
        p.sampler = ev["sampler"].get<std::string>();
        p.nfe = ev["nfe"].get<int>();
        p.guidance = ev["guidance"].get<double>();
        p.seed = ev["seed"].get<std::uint64_t>();
        p.batch = ev["samples"].get<int>();
        p.previews = false;
        const auto r = generate::runGenerate(p, {});
        VERIFY_OK(r);
        const auto s = generate::scoreSamples({classifierDir(), ""}, r.value().items, r.value().labels, {});
        VERIFY_OK(s);
        const double claimed = ev["confident_share"].get<double>();
        qInfo("confident %.3f (card %.3f), label agreement %.3f, FD %.2f", s.value().confident, claimed,
              s.value().agreement, s.value().fd);
        QCOMPARE(r.value().nfe, ev["nfe_used"].get<std::int64_t>());
        QVERIFY(std::abs(s.value().confident - claimed) <= 0.005);
        // Conditioning works: most samples are recognised as the class they were asked for.
        QVERIFY(std::abs(s.value().agreement - ev["label_agreement"].get<double>()) <= 0.005);
        // The card's FD and class histogram.
        const double cardFd = ev["fd"].get<double>();
        QVERIFY2(std::abs(s.value().fd - cardFd) <= 0.05, qPrintable(QStringLiteral("FD %1, card %2").arg(s.value().fd).arg(cardFd)));
        const auto cardHist = ev["histogram"].get<std::vector<std::int64_t>>();
        QCOMPARE(s.value().histogram.size(), cardHist.size());
        for (std::size_t i = 0; i < cardHist.size(); ++i) {
            qInfo("class %zu: %lld (card %lld)", i, static_cast<long long>(s.value().histogram[i]), static_cast<long long>(cardHist[i]));
            QVERIFY2(std::abs(std::int64_t(s.value().histogram[i]) - cardHist[i]) <= 1, qPrintable(QString::number(i)));
            QVERIFY(s.value().histogram[i] > 0); // every class appears
        }
    }

    void shippedNoiseLevelEstimatorMeetsItsCard() {
        // The card's figures were measured by `reverie-cli bench generate` on the first 2000 test
        // images with the same noise seeds; the same here, so only thread-count rounding differs.
        const std::string dir = models::zoo::find(models::zoo::kNoiseLevel);
        if (dir.empty()) QFAIL("the shipped noise-level estimator (resources/models/fmnist-noise-level) was not found");
        const auto c = card(dir);
        QCOMPARE(c["kind"].get<std::string>(), std::string("noise-level"));
        std::vector<double> sigmas;
        for (const auto& pt : c["evaluation"]["median_abs_log_error"]) sigmas.push_back(pt["sigma"].get<double>());
        QVERIFY(sigmas.size() >= 6);
        const auto r = generate::evaluateNoiseLevel(sigmas, c["evaluation"]["images"].get<int>());
        VERIFY_OK(r);
        for (std::size_t i = 0; i < sigmas.size(); ++i) {
            const auto& claimed = c["evaluation"]["median_abs_log_error"][i];
            const auto& got = r.value()[i];
            qInfo("σ = %.3g: net %.4f (card %.4f), haar %.4f (card %.4f)", got.sigma, got.netError,
                  claimed["net"].get<double>(), got.haarError, claimed["haar"].get<double>());
            QVERIFY(std::abs(got.netError - claimed["net"].get<double>()) <= 0.01);
            QVERIFY(std::abs(got.haarError - claimed["haar"].get<double>()) <= 0.01);
            QVERIFY(got.netError < 0.25); // within ≈ 28 % of σ at every level
        }
        // DLG runs with either estimator, same budget.
        for (const char* est : {"net", "haar"}) {
            generate::GenerateParams p;
            p.modelDir = generatorDir();
            p.sampler = "dlg";
            p.nfe = 20;
            p.batch = 2;
            p.previews = false;
            p.noiseEstimator = est;
            const auto g = generate::runGenerate(p, {});
            VERIFY_OK(g);
            QVERIFY(g.value().nfePerSample <= 20);
        }
    }

    void dlgChainsAmortiseTheirBurnIn() {
        // 16 samples at 20 NFE each: ten chains would get 32 evaluations each, too few for the
        // 29-NFE burn-in and two rounds of at least 4, so the plan takes the largest count that
        // pays, 8 chains × 2 rounds of ⌊(40 − 29) / 2⌋ = 5. Item i comes from chain i mod 8 and
        // carries its class.
        generate::GenerateParams p;
        p.modelDir = generatorDir();
        p.sampler = "dlg";
        p.nfe = 20;
        p.batch = 16;
        p.previews = false;
        const auto g = generate::runGenerate(p, {});
        VERIFY_OK(g);
        qInfo("%s; %.2f NFE per sample", g.value().detail.c_str(), g.value().nfePerSample);
        QVERIFY2(g.value().detail.rfind("8 chains × 2 rounds", 0) == 0, g.value().detail.c_str());
        QCOMPARE(int(g.value().items.size()), 16);
        for (int i = 0; i < 16; ++i) QCOMPARE(g.value().labels[std::size_t(i)], i % 8);
        QCOMPARE(g.value().nfe, std::int64_t(29 + 2 * 5));
        QCOMPARE(g.value().nfePerSample, 39.0 * 8 / 16);
        // Rounds of one chain are different samples, not copies.
        QVERIFY(g.value().items[0].pixels != g.value().items[8].pixels);
        // Too small a budget for any chain count is refused before any work, with the reason.
        p.batch = 2;
        p.nfe = 12;
        const auto v = generate::validate(p);
        QVERIFY(!v.ok());
        QVERIFY2(v.error().message.find("cannot pay its burn-in") != std::string::npos, v.error().message.c_str());
    }

    void exportedWeightsEqualTheCheckpointsEma() {
        // A tiny checkpoint trained for one step, exported, loads to the same EMA weights.
        QTemporaryDir tmp;
        generate::DenoiserOptions d;
        d.net.baseChannels = 8;
        d.net.channelMult = {1};
        d.net.resBlocks = 1;
        d.net.attnResolutions = {};
        d.net.embDim = 16;
        d.net.groups = 4;
        d.data.trainLimit = 16;
        train::Recipe r;
        r.name = "tiny";
        r.task = "denoiser";
        r.section = d.toJson();
        r.steps = 1;
        r.batch = 4;
        train::Options o;
        o.outDir = tmp.path().toStdString();
        const auto s = catalog::runTraining(r, o, {});
        VERIFY_OK(s);
        const std::string out = tmp.path().toStdString() + "/weights.pt";
        const auto size = catalog::exportCheckpoint(s.value().checkpoint, out);
        VERIFY_OK(size);
        QVERIFY(size.value() < std::int64_t(std::filesystem::file_size(s.value().checkpoint)));
        auto a = models::loadDenoiser(s.value().checkpoint, d.net);
        auto b = models::loadDenoiser(out, d.net);
        QVERIFY(a.ok() && b.ok());
        const auto pa = a.value()->parameters(), pb = b.value()->parameters();
        QCOMPARE(pa.size(), pb.size());
        for (std::size_t i = 0; i < pa.size(); ++i) QVERIFY(pa[i].equal(pb[i]));
        QVERIFY(!catalog::exportCheckpoint(tmp.path().toStdString() + "/missing.pt", out).ok());
    }
};

QTEST_GUILESS_MAIN(TestGenerator)
#include "tst_generator.moc"
