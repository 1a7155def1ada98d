// Metrics against closed-form values: Fréchet distance, PSNR (RGB and Y), SSIM, SI-SDR.

#include "metrics/metrics.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <cmath>

using namespace reverie;

namespace {
metrics::Gaussian gauss(std::vector<double> mean, std::vector<double> cov) {
    const auto d = int64_t(mean.size());
    return {at::tensor(mean, at::kDouble), at::tensor(cov, at::kDouble).view({d, d})};
}
} // namespace

class TestMetrics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void frechetClosedForms_data() {
        QTest::addColumn<double>("m1");
        QTest::addColumn<double>("s1");
        QTest::addColumn<double>("m2");
        QTest::addColumn<double>("s2");
        QTest::newRow("same") << 0.5 << 2.0 << 0.5 << 2.0;
        QTest::newRow("shift") << 0.0 << 1.0 << 3.0 << 1.0;
        QTest::newRow("scale") << 1.0 << 1.0 << 1.0 << 5.0;
        QTest::newRow("both") << -2.0 << 0.1 << 4.0 << 3.0;
    }
    void frechetClosedForms() {
        QFETCH(double, m1);
        QFETCH(double, s1);
        QFETCH(double, m2);
        QFETCH(double, s2);
        // 1-D: (m1 − m2)² + (s1 − s2)².
        const auto d1 = metrics::frechetDistance(gauss({m1}, {s1 * s1}), gauss({m2}, {s2 * s2}));
        QVERIFY(d1.ok());
        const double expected = (m1 - m2) * (m1 - m2) + (s1 - s2) * (s1 - s2);
        QVERIFY2(std::abs(d1.value() - expected) < 1e-9 * (1 + expected), qPrintable(QString::number(d1.value())));
        // Diagonal 3-D: the sum over dimensions.
        const auto d3 = metrics::frechetDistance(gauss({m1, 0, 1}, {s1 * s1, 0, 0, 0, 1, 0, 0, 0, 4}),
                                                 gauss({m2, 0, 1}, {s2 * s2, 0, 0, 0, 1, 0, 0, 0, 4}));
        QVERIFY(std::abs(d3.value() - expected) < 1e-9 * (1 + expected));
    }

    void frechetNonCommuting2x2() {
        // For 2×2 PSD M: Tr √M = √(tr M + 2√det M); here M = Σ₁^{1/2} Σ₂ Σ₁^{1/2}, so
        // tr M = tr(Σ₁Σ₂) and det M = det Σ₁ det Σ₂.
        const auto a = gauss({0, 0}, {2.0, 0.8, 0.8, 1.0});
        const auto b = gauss({1, -1}, {1.0, -0.5, -0.5, 3.0});
        const double trAB = (at::matmul(a.cov, b.cov)).trace().item<double>();
        const double detA = 2.0 * 1.0 - 0.64, detB = 3.0 - 0.25;
        const double trRoot = std::sqrt(trAB + 2 * std::sqrt(detA * detB));
        const double expected = 2.0 + 3.0 + 4.0 - 2 * trRoot;
        const auto d = metrics::frechetDistance(a, b);
        QVERIFY(d.ok());
        QVERIFY2(std::abs(d.value() - expected) < 1e-9, qPrintable(QStringLiteral("%1 vs %2").arg(d.value()).arg(expected)));
        QVERIFY(std::abs(metrics::frechetDistance(b, a).value() - expected) < 1e-9); // symmetric
    }

    void frechetFromSamples() {
        at::manual_seed(11);
        const auto x = at::randn({20000, 3}, at::kDouble);
        const auto y = at::randn({20000, 3}, at::kDouble) * 2.0 + 1.0;
        const auto fx = metrics::fitGaussian(x), fy = metrics::fitGaussian(y);
        QVERIFY(fx.ok() && fy.ok());
        const double d = metrics::frechetDistance(fx.value(), fy.value()).value(); // truth: 3·1² + 3·(2−1)² = 6
        QVERIFY2(std::abs(d - 6.0) < 0.3, qPrintable(QString::number(d)));
        QVERIFY(!metrics::fitGaussian(at::ones({1, 3})).ok());
        QVERIFY(!metrics::frechetDistance(fx.value(), gauss({0}, {1})).ok());
    }

    void psnrValues() {
        const auto a = at::zeros({3, 8, 8});
        const auto b = at::full({3, 8, 8}, 16.0);
        QVERIFY(std::abs(metrics::psnr(a, b).value() - 20 * std::log10(255.0 / 16.0)) < 1e-9);
        QVERIFY(std::isinf(metrics::psnr(a, a).value()));
        // A difference confined to the border vanishes with crop = 1.
        auto c = a.clone();
        c.select(2, 0).fill_(100);
        QVERIFY(std::isfinite(metrics::psnr(a, c).value()));
        QVERIFY(std::isinf(metrics::psnr(a, c, 255, 1).value()));
        QVERIFY(!metrics::psnr(a, at::zeros({3, 8, 7})).ok());
        QVERIFY(!metrics::psnr(a, b, 255, 4).ok());
    }

    void lumaRange() {
        const auto white = at::full({3, 2, 2}, 255.0), black = at::zeros({3, 2, 2});
        QVERIFY(at::allclose(metrics::lumaBt601(white), at::full({2, 2}, 235.0, at::kDouble)));
        QVERIFY(at::allclose(metrics::lumaBt601(black), at::full({2, 2}, 16.0, at::kDouble)));
    }

    void ssimValues() {
        at::manual_seed(5);
        const auto x = at::rand({3, 32, 32}, at::kDouble) * 255;
        QVERIFY(std::abs(metrics::ssim(x, x).value() - 1.0) < 1e-12);
        // Two constant images: variances vanish, SSIM = (2 c₁ c₂ + C1)/(c₁² + c₂² + C1).
        const double c1 = 100, c2 = 140, C1 = std::pow(0.01 * 255, 2);
        const double expected = (2 * c1 * c2 + C1) / (c1 * c1 + c2 * c2 + C1);
        const auto s = metrics::ssim(at::full({20, 20}, c1), at::full({20, 20}, c2));
        QVERIFY2(std::abs(s.value() - expected) < 1e-9, qPrintable(QString::number(s.value())));
        // More noise, lower SSIM.
        const auto n = at::randn({3, 32, 32}, at::kDouble);
        const double light = metrics::ssim(x, x + 5 * n).value(), heavy = metrics::ssim(x, x + 40 * n).value();
        QVERIFY(light < 1 && heavy < light);
        QVERIFY(!metrics::ssim(at::zeros({8, 8}), at::zeros({8, 8})).ok());
    }

    void siSdrValues() {
        const auto t = at::arange(16000, at::kDouble) / 16000.0;
        const auto s = (2 * M_PI * 440 * t).sin();
        // Noise made exactly orthogonal to s: α = 1 and SI-SDR = 10 log10(‖s‖²/‖n‖²).
        at::manual_seed(2);
        auto n = at::randn({16000}, at::kDouble) * 0.1;
        n = n - s * (n.dot(s) / s.dot(s));
        const double expected = 10 * std::log10(s.dot(s).item<double>() / n.dot(n).item<double>());
        const double got = metrics::siSdr(s, s + n).value();
        QVERIFY2(std::abs(got - expected) < 1e-9, qPrintable(QStringLiteral("%1 vs %2").arg(got).arg(expected)));
        // Scale invariance.
        QVERIFY(std::abs(metrics::siSdr(s, 3.0 * (s + n)).value() - got) < 1e-9);
        QVERIFY(metrics::siSdr(s, 0.5 * s).value() > 100); // a scaled copy is (numerically) perfect
        QVERIFY(!metrics::siSdr(at::zeros({100}), at::ones({100})).ok());
        QVERIFY(!metrics::siSdr(s, s.slice(0, 0, 100)).ok());
    }
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
