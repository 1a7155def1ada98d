// The shipped colour-photo denoiser on a package it never saw (photos/test/lomiri-wallpapers-16.04,
// docs/data.md), through the bench's σ sweep (restore/bench.h): it must beat OpenCV's non-local
// means given the true σ, and leave a clean photo close to itself. The card's full sweep (256²
// crops, σ 0–50) is `reverie-cli bench restore --photo-sigmas …`; this is its 96² version.

#include "base/runtime.h"
#include "models/zoo.h"
#include "restore/bench.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <filesystem>

using namespace reverie;

class TestPhotoModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { runtime::prepareEngineThread(0); }

    void beatsNlmOnAnUnseenPackage() {
        const std::string set = "test/lomiri-wallpapers-16.04";
        const auto dir = restore::defaultPhotosDir() + "/" + set;
        if (!std::filesystem::is_directory(dir))
            QFAIL(qPrintable(QString::fromStdString(dir + " is missing: packaging/install-deps.sh (fetch-corpora.sh) puts it there")));
        restore::RestoreBenchParams bp;
        bp.fmnist = false;
        bp.photoModelDir = models::zoo::find(models::zoo::kPhotoRestorer);
        QVERIFY(!bp.photoModelDir.empty());
        bp.photoSigmas = {0, 25};
        bp.photoSet = set;
        bp.photoCrop = 96;
        const auto r = restore::runRestoreBench(bp, {});
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        const auto j = nlohmann::json::parse(r.value().json).at("sigma_sweep");
        QVERIFY(j.at("photos").get<int>() >= 10);
        const auto& rows = j.at("rows");
        QCOMPARE(rows.size(), std::size_t(2));
        qInfo("%s", r.value().table.c_str());
        // σ = 0: the input is the clean photo; the model must not wreck it (measured 38 dB at 256²).
        const auto& clean = rows[0].at("model")[0];
        QVERIFY2(clean.at("psnr").get<double>() > 35.0, rows[0].dump().c_str());
        // σ = 25: better than NLM in PSNR (by more than 1 dB on average) and in SSIM, on most photos.
        const auto& r25 = rows[1];
        const auto& m = r25.at("model")[0];
        QVERIFY2(m.at("psnr").get<double>() > r25.at("classical").at("psnr").get<double>() + 1.0, r25.dump().c_str());
        QVERIFY2(m.at("ssim").get<double>() > r25.at("classical").at("ssim").get<double>(), r25.dump().c_str());
        QVERIFY2(m.at("wins").get<int>() * 3 >= j.at("photos").get<int>() * 2, r25.dump().c_str());
        QVERIFY(m.at("psnr").get<double>() > r25.at("noisy").at("psnr").get<double>() + 8.0);
    }

    void sweepRefusesAMissingSet() {
        restore::RestoreBenchParams bp;
        bp.fmnist = false;
        bp.photoModelDir = models::zoo::find(models::zoo::kPhotoRestorer);
        bp.photoSigmas = {25};
        bp.photoSet = "test/no-such-package";
        const auto r = restore::runRestoreBench(bp, {});
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.error().message).contains(QStringLiteral("no-such-package")), r.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestPhotoModel)
#include "tst_photomodel.moc"
