// The restoration pipeline with the shipped restorer: every sampler keeps its NFE budget and
// returns finite images in range; the shipped model beats the degraded input on a fixed test
// subset by the margin its card claims; images of other sizes are tiled; bad settings, wrong
// models and wrong channel counts give clear messages; cancel stops the run.

#include "data/fashion_mnist.h"
#include "generate/zoo.h"
#include "metrics/metrics.h"
#include "restore/degrade.h"
#include "restore/pipeline.h"
#include "runtime/runtime.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <QtTest>

#include <fstream>

using namespace reverie;

namespace {
std::string restorerDir() { return zoo::find(zoo::kRestorer); }
nlohmann::json card(const std::string& dir) {
    std::ifstream in(dir + "/card.json");
    return nlohmann::json::parse(in);
}
at::Tensor testImages(int n) {
    auto t = data::loadFashionMnist(data::Split::Test, data::defaultFashionMnistDir(), n);
    if (!t) return {};
    return data::toSigned(t.value().images);
}
double meanPsnr(const at::Tensor& a, const at::Tensor& b) {
    double sum = 0;
    for (std::int64_t i = 0; i < a.size(0); ++i) {
        auto p = metrics::psnr(data::toBytes(a.slice(0, i, i + 1)).to(at::kFloat), data::toBytes(b.slice(0, i, i + 1)).to(at::kFloat));
        sum += std::min(p.value(), 100.0);
    }
    return sum / double(a.size(0));
}
} // namespace

class TestRestorer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        runtime::prepareEngineThread(0);
        if (restorerDir().empty()) QFAIL("the shipped restorer (resources/models/fmnist-restore) was not found");
    }

    void everySamplerKeepsItsBudget() {
        const auto x = testImages(3);
        auto g = at::make_generator<at::CPUGeneratorImpl>(2);
        const auto mu = restore::degrade(x, restore::Degradation::Noise, g).mu;
        for (const auto& s : restore::samplers()) {
            restore::RestoreParams p;
            p.modelDir = restorerDir();
            p.sampler = s.id;
            p.nfe = 4;
            const auto r = restore::restoreTensor(p, mu, {});
            QVERIFY2(r.ok(), (s.id + ": " + (r.ok() ? "" : r.error().message)).c_str());
            QCOMPARE(r.value().nfe, std::int64_t(4));
            QCOMPARE(r.value().x.sizes().vec(), mu.sizes().vec());
            QVERIFY(at::isfinite(r.value().x).all().item<bool>());
            QVERIFY(r.value().x.abs().max().item<double>() <= 1.0);
        }
    }

    void shippedRestorerMeetsItsCard() {
        // The card's "evaluation.test_subset" figures: mean PSNR of μ and of the restoration on the
        // first 64 test images per task (degradation seed 0), MR Sampler SDE-2 data @ 10 NFE.
        const auto c = card(restorerDir());
        if (!c.contains("evaluation")) QFAIL("the restorer's card has no evaluation figures");
        const auto& ev = c["evaluation"]["test_subset"];
        const int n = ev["images"].get<int>();
        const auto x = testImages(n);
        for (const auto& row : ev["tasks"]) {
            const auto task = restore::parseDegradation(row["task"].get<std::string>());
            QVERIFY(task.has_value());
            auto g = at::make_generator<at::CPUGeneratorImpl>(0);
            const auto mu = restore::degrade(x, *task, g).mu;
            restore::RestoreParams p;
            p.modelDir = restorerDir();
            p.sampler = ev["sampler"].get<std::string>();
            p.nfe = ev["nfe"].get<int>();
            const auto r = restore::restoreTensor(p, mu, {});
            QVERIFY(r.ok());
            const double before = meanPsnr(mu, x), after = meanPsnr(r.value().x, x);
            const double claimedGain = row["psnr_restored"].get<double>() - row["psnr_degraded"].get<double>();
            qInfo("%s: PSNR %.2f → %.2f dB (card %.2f → %.2f)", row["task"].get<std::string>().c_str(), before, after,
                  row["psnr_degraded"].get<double>(), row["psnr_restored"].get<double>());
            QVERIFY(std::abs(before - row["psnr_degraded"].get<double>()) < 0.05); // same degradations
            QVERIFY(after - before >= claimedGain - 0.5);
            QVERIFY(after > before);
        }
    }

    void otherSizesAreTiled() {
        // A 56×56 mosaic of four test images is restored in overlapping 28×28 tiles to its own
        // size; where a tile lies exactly on one of the four images and no other tile overlaps
        // (the top-left 21×21 pixels), the result is that image's own restoration with the same
        // seed. The shipped model is object-centric, so tiles cutting through objects restore
        // poorly: the whole mosaic is only reported, not required to improve (pipeline.h).
        const auto x = testImages(4);
        const auto big = at::cat({at::cat({x[0], x[1]}, 2), at::cat({x[2], x[3]}, 2)}, 1).unsqueeze(0);
        auto g = at::make_generator<at::CPUGeneratorImpl>(4);
        const auto mu = restore::degrade(big, restore::Degradation::Noise, g).mu;
        restore::RestoreParams p;
        p.modelDir = restorerDir();
        p.nfe = 10;
        int tiles = 0;
        JobContext ctx;
        ctx.progress = [&](const Progress& pr) { tiles = int(pr.total); };
        const auto r = restore::restoreTensor(p, mu, ctx);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r.value().x.sizes().vec(), mu.sizes().vec());
        QCOMPARE(tiles, 9); // starts 0, 21, 28 on each axis (overlap 7)
        QVERIFY(at::isfinite(r.value().x).all().item<bool>());
        const auto corner = restore::restoreTensor(p, mu.slice(2, 0, 28).slice(3, 0, 28), {});
        QVERIFY(corner.ok());
        QVERIFY(at::allclose(r.value().x.slice(2, 0, 21).slice(3, 0, 21), corner.value().x.slice(2, 0, 21).slice(3, 0, 21),
                             1e-4, 1e-4));
        const double before = meanPsnr(mu, big), tiled = meanPsnr(r.value().x, big);
        qInfo("56×56 mosaic: PSNR %.2f → %.2f dB tiled", before, tiled);
    }

    void colourThroughTheGreyModel() {
        // A grey model restores each colour channel as its own image, with the same seeds: a
        // colour image whose three channels are equal comes back with three equal channels,
        // each the grey restoration of that channel.
        const auto x = testImages(1);
        auto g = at::make_generator<at::CPUGeneratorImpl>(5);
        const auto mu = restore::degrade(x, restore::Degradation::Noise, g).mu;
        restore::RestoreParams p;
        p.modelDir = restorerDir();
        p.nfe = 4;
        const auto grey = restore::restoreTensor(p, mu, {});
        const auto colour = restore::restoreTensor(p, mu.expand({1, 3, 28, 28}).contiguous(), {});
        QVERIFY(grey.ok() && colour.ok());
        QCOMPARE(colour.value().x.sizes().vec(), (std::vector<std::int64_t>{1, 3, 28, 28}));
        QVERIFY(!colour.value().note.empty());
        QVERIFY(grey.value().note.empty());
        // Item i of the reshaped batch uses seed + i, so channel 0 equals the grey run exactly.
        QVERIFY(at::allclose(colour.value().x.select(1, 0), grey.value().x.select(1, 0), 1e-5, 1e-5));
    }

    void badInput_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message");
        QTest::newRow("sampler") << "sampler" << "unknown restoration sampler 'magic'";
        QTest::newRow("nfe") << "nfe" << "NFE must be";
        QTest::newRow("channels") << "channels" << "1 (grey) or 3 (RGB) channels, not 2";
        QTest::newRow("generator") << "generator" << "does not hold a restoration model";
        QTest::newRow("missing") << "missing" << "does not exist";
        QTest::newRow("shape") << "shape" << "[B, C, H, W]";
    }
    void badInput() {
        QFETCH(QString, field);
        QFETCH(QString, message);
        restore::RestoreParams p;
        p.modelDir = restorerDir();
        p.nfe = 2;
        at::Tensor mu = at::zeros({1, 1, 28, 28});
        if (field == "sampler") p.sampler = "magic";
        if (field == "nfe") p.nfe = 0;
        if (field == "channels") mu = at::zeros({1, 2, 28, 28});
        if (field == "generator") p.modelDir = zoo::find(zoo::kGenerator);
        if (field == "missing") p.modelDir = "/no/such/model";
        if (field == "shape") mu = at::zeros({28, 28});
        const auto r = restore::restoreTensor(p, mu, {});
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, ErrorKind::InvalidInput);
        QVERIFY2(QString::fromStdString(r.error().message).contains(message), r.error().message.c_str());
    }

    void cancelStops() {
        restore::RestoreParams p;
        p.modelDir = restorerDir();
        p.nfe = 200;
        p.previews = true;
        JobContext ctx;
        std::int64_t last = 0;
        bool preview = false;
        ctx.progress = [&](const Progress& pr) {
            last = std::max(last, pr.step);
            preview = preview || pr.preview.has_value();
            if (pr.step == 3) ctx.cancel.cancel();
        };
        const auto r = restore::restoreTensor(p, at::zeros({2, 1, 28, 28}), ctx);
        QVERIFY(r.isCancelled());
        QCOMPARE(last, std::int64_t(3));
        QVERIFY(preview);
    }
};

QTEST_GUILESS_MAIN(TestRestorer)
#include "tst_restorer.moc"
