// Restore groundwork: degradations (statistics, spectra, masks, determinism), tiled inference
// (exact blending), classical peers (measured gains) and robust image files.

#include "data/fashion_mnist.h"
#include "metrics/metrics.h"
#include "restore/classical.h"
#include "restore/consistency.h"
#include "restore/degrade.h"
#include "restore/imageio.h"
#include "restore/noiselevel.h"
#include "restore/tiling.h"

#include "fixtures.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <QtTest>

#include <zlib.h>

#include <chrono>
#include <cmath>
#include <fstream>

using namespace reverie;
using namespace reverie::restore;

namespace {

at::Generator makeGen(std::uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// A smooth synthetic scene in [−1, 1]: gradients, a disk and a rectangle (per channel variations).
at::Tensor scene(int C, int H, int W) {
    const auto y = at::arange(H, at::kFloat).view({H, 1}).expand({H, W}) / float(H);
    const auto x = at::arange(W, at::kFloat).view({1, W}).expand({H, W}) / float(W);
    std::vector<at::Tensor> ch;
    for (int c = 0; c < C; ++c) {
        auto v = 0.5 * x - 0.4 * y - 0.2 + 0.1 * c;
        const auto disk = ((x - 0.35).pow(2) + (y - 0.4).pow(2)) < 0.04;
        const auto rect = (x > 0.55) & (x < 0.85) & (y > 0.55) & (y < 0.9);
        v = at::where(disk, v + 0.8 - 0.3 * c, v);
        v = at::where(rect, v - 0.6 + 0.2 * c, v);
        ch.push_back(v.clamp(-0.9, 0.9));
    }
    return at::stack(ch).unsqueeze(0).contiguous();
}

double psnr255(const at::Tensor& a, const at::Tensor& b) {
    return metrics::psnr((a + 1) * 127.5, (b + 1) * 127.5).value();
}

// Share of a [.., H, W] image's spectral energy (DC removed) with max(|fx|, |fy|) > cutoff.
double energyAbove(const at::Tensor& img, double cutoff) {
    const auto x = img.to(at::kDouble);
    const auto spec = at::fft_fft2(x - x.mean({-2, -1}, true)).abs().pow(2);
    const auto fy = at::fft_fftfreq(x.size(-2), 1.0, at::kDouble).abs().view({-1, 1});
    const auto fx = at::fft_fftfreq(x.size(-1), 1.0, at::kDouble).abs().view({1, -1});
    const auto outer = at::maximum(fy, fx) > cutoff;
    return (spec * outer).sum().item<double>();
}

// A minimal PNG writer (zlib), independent of OpenCV: colorType 0 grey, 2 RGB, 6 RGBA.
void writePng(const QString& path, int w, int h, int colorType, int bitDepth, const std::vector<std::uint8_t>& rows) {
    auto be32 = [](std::vector<std::uint8_t>& v, std::uint32_t x) {
        for (int s = 24; s >= 0; s -= 8) v.push_back(std::uint8_t(x >> s));
    };
    std::vector<std::uint8_t> file = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    auto chunk = [&](const char* type, const std::vector<std::uint8_t>& data) {
        be32(file, std::uint32_t(data.size()));
        std::vector<std::uint8_t> body(type, type + 4);
        body.insert(body.end(), data.begin(), data.end());
        file.insert(file.end(), body.begin(), body.end());
        be32(file, std::uint32_t(crc32(0, body.data(), uInt(body.size()))));
    };
    std::vector<std::uint8_t> ihdr;
    be32(ihdr, std::uint32_t(w));
    be32(ihdr, std::uint32_t(h));
    ihdr.insert(ihdr.end(), {std::uint8_t(bitDepth), std::uint8_t(colorType), 0, 0, 0});
    chunk("IHDR", ihdr);
    const int cn = colorType == 0 ? 1 : colorType == 2 ? 3 : 4;
    const std::size_t rowBytes = std::size_t(w * cn * bitDepth / 8);
    std::vector<std::uint8_t> raw;
    for (int r = 0; r < h; ++r) {
        raw.push_back(0); // filter: none
        raw.insert(raw.end(), rows.begin() + long(r * rowBytes), rows.begin() + long((r + 1) * rowBytes));
    }
    uLongf n = compressBound(uLong(raw.size()));
    std::vector<std::uint8_t> z(n);
    QVERIFY(compress(z.data(), &n, raw.data(), uLong(raw.size())) == Z_OK);
    z.resize(n);
    chunk("IDAT", z);
    chunk("IEND", {});
    std::ofstream(path.toStdString(), std::ios::binary).write(reinterpret_cast<const char*>(file.data()), long(file.size()));
}

void writeBytes(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

QByteArray readBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The 3×3 box blur with reflect padding: a local function of receptive-field radius 1.
at::Tensor localFn(const at::Tensor& t) {
    const auto w = at::full({t.size(1), 1, 3, 3}, 1.0 / 9.0, t.options());
    return at::conv2d(padReflect(at::tanh(2.0 * t), 1, 1, 1, 1), w, {}, 1, at::IntArrayRef{0}, 1, t.size(1));
}

} // namespace

class TestRestore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // --- degradations -----------------------------------------------------------------------

    void ids() {
        QCOMPARE(int(allDegradations().size()), 8);
        for (auto d : allDegradations()) QCOMPARE(parseDegradation(degradationId(d)), std::optional<Degradation>(d));
        QCOMPARE(degradationIds().at(2), std::string("motion-blur"));
        QVERIFY(!parseDegradation("Noise"));
        QVERIFY(!parseDegradation(""));
        QVERIFY(isInpainting(Degradation::InpaintStroke) && !isInpainting(Degradation::Jpeg));
        QCOMPARE(downFactor(Degradation::Down4), 4);
    }

    void noiseStd_data() {
        QTest::addColumn<double>("sigma");
        QTest::newRow("5") << 5.0;
        QTest::newRow("25") << 25.0;
        QTest::newRow("40") << 40.0;
    }
    void noiseStd() {
        QFETCH(double, sigma);
        auto gen = makeGen(1);
        const auto x = at::zeros({1, 1, 64, 64}); // mid grey: clamping at ±1 is > 3σ away
        const double measured = (addNoise(x, sigma, gen) - x).std().item<double>();
        const double expected = 2 * sigma / 255;
        QVERIFY2(std::abs(measured / expected - 1) < 0.05, qPrintable(QStringLiteral("%1 vs %2").arg(measured).arg(expected)));
    }

    // The blind noise-level estimate (restore/noiselevel.h) on a structured colour image: smooth
    // shading, sharp edges and a textured band (what a photo has), plus white noise of known σ.
    void noiseLevelEstimate_data() {
        QTest::addColumn<double>("sigma");
        QTest::addColumn<int>("channels");
        for (double s : {0.0, 2.0, 5.0, 15.0, 25.0, 50.0}) {
            QTest::newRow(qPrintable(QStringLiteral("rgb %1").arg(s))) << s << 3;
            QTest::newRow(qPrintable(QStringLiteral("grey %1").arg(s))) << s << 1;
        }
    }
    void noiseLevelEstimate() {
        QFETCH(double, sigma);
        QFETCH(int, channels);
        const std::int64_t H = 160, W = 200;
        const auto yy = at::arange(H, at::kFloat).view({H, 1}).expand({H, W});
        const auto xx = at::arange(W, at::kFloat).view({1, W}).expand({H, W});
        std::vector<at::Tensor> planes;
        for (int c = 0; c < channels; ++c) {
            auto p = 0.3 * at::sin(xx / (20.0 + 7 * c)) * at::cos(yy / 31.0) + 0.1 * c;
            p = p + 0.4 * (xx > 120 + 10 * c).to(at::kFloat) - 0.3 * (yy > 90).to(at::kFloat);
            p = p + 0.15 * at::sin(xx * 0.9 + yy * 0.4) * (yy < 40).to(at::kFloat); // a fine texture band
            planes.push_back(p);
        }
        auto gen = makeGen(7);
        const auto clean = at::stack(planes);
        const auto noisy = clean + at::randn(clean.sizes(), gen) * float(2 * sigma / 255);
        const double est = estimateNoiseSigma255(noisy);
        qInfo("sigma %.0f, %d channel(s): estimated %.2f", sigma, channels, est);
        QVERIFY2(std::abs(est - sigma) <= 0.1 * sigma + 0.6, qPrintable(QStringLiteral("estimated %1").arg(est)));
        // Batch form; grey as RGB (the same noise in each plane) measures as grey; tiny and flat images.
        QCOMPARE(estimateNoiseSigma255(noisy.unsqueeze(0)), est);
        if (channels == 1) QCOMPARE(estimateNoiseSigma255(noisy.expand({3, H, W}).contiguous()), est);
        QCOMPARE(estimateNoiseSigma255(at::zeros({3, 1, 1})), 0.0);
        QVERIFY(estimateNoiseSigma255(at::zeros({1, 40, 40})) < 1e-6);
    }

    void noiseRangePerImage() {
        auto gen = makeGen(2);
        DegradeRanges r;
        r.noiseSigmaMin = 5;
        r.noiseSigmaMax = 50;
        const auto x = at::zeros({32, 1, 28, 28});
        const auto b = degrade(x, Degradation::Noise, gen, r);
        double lo = 1e9, hi = 0;
        for (std::size_t i = 0; i < b.params.size(); ++i) {
            const double s = b.params[i].noiseSigma255;
            lo = std::min(lo, s), hi = std::max(hi, s);
            const double m = b.mu[std::int64_t(i)].std().item<double>() * 255 / 2;
            QVERIFY2(std::abs(m / s - 1) < 0.15, qPrintable(QStringLiteral("%1 vs %2").arg(m).arg(s)));
        }
        QVERIFY(lo >= 5 && hi <= 50 && hi - lo > 20); // really drawn per image
    }

    void noiseSigmaPowerFavoursCleanInputs() {
        // noise_sigma_power: σ = min + (max − min)·u^p. p = 2 puts √0.1 ≈ 32 % of the draws in the
        // lowest tenth of the range; p = 1 is the uniform draw (10 %).
        for (double power : {1.0, 2.0}) {
            auto gen = makeGen(5);
            DegradeRanges r;
            r.noiseSigmaMin = 0;
            r.noiseSigmaMax = 60;
            r.noiseSigmaPower = power;
            const auto b = degrade(at::zeros({4000, 1, 2, 2}), Degradation::Noise, gen, r);
            int low = 0;
            for (const auto& d : b.params) low += d.noiseSigma255 < 6 ? 1 : 0;
            const double frac = low / 4000.0, expected = std::pow(0.1, 1.0 / power);
            QVERIFY2(std::abs(frac - expected) < 0.025, qPrintable(QStringLiteral("power %1: %2").arg(power).arg(frac)));
        }
    }

    void gaussianBlurMeanAndSpectrum() {
        at::manual_seed(3);
        const auto x = at::rand({2, 3, 64, 64}) * 2 - 1;
        const auto y = gaussianBlur(x, 1.5);
        QCOMPARE(y.sizes(), x.sizes());
        QCOMPARE(gaussianKernel1d(1.5).size(0), 2 * 5 + 1);
        QVERIFY(std::abs(gaussianKernel1d(0.7).sum().item<double>() - 1) < 1e-6);
        // Constant images are exact (normalised kernel, reflect padding).
        const auto c = at::full({1, 1, 9, 9}, 0.3);
        QVERIFY((gaussianBlur(c, 2.0) - 0.3).abs().max().item<double>() < 1e-6);
        // The mean of a random image is kept exactly when no mass crosses the border: random pixels
        // inside, a constant band of the kernel radius + 1 (6 px: reflect-101 mirrors pixels 1..r
        // into the padding) around them.
        auto framed = at::full({2, 3, 64, 64}, -0.2);
        framed.narrow(2, 6, 52).narrow(3, 6, 52).copy_(x.narrow(2, 6, 52).narrow(3, 6, 52));
        const double dFramed = (gaussianBlur(framed, 1.5).mean({2, 3}) - framed.mean({2, 3})).abs().max().item<double>();
        QVERIFY2(dFramed < 1e-5, qPrintable(QString::number(dFramed)));
        // With random pixels up to the border, reflect padding moves a little mass across it
        // (measured: at most 2.3e-3 over these 6 planes of 64×64).
        const double dAll = (y.mean({2, 3}) - x.mean({2, 3})).abs().max().item<double>();
        QVERIFY2(dAll < 5e-3, qPrintable(QString::number(dAll)));
        // High frequencies: |G(0.25)|² = exp(−4π²σ²·0.25²) ≈ 0.004 at σ = 1.5.
        const double ratio = energyAbove(y, 0.25) / energyAbove(x, 0.25);
        QVERIFY2(ratio < 0.01, qPrintable(QString::number(ratio)));
    }

    void motionKernelShape() {
        for (double len : {3.0, 5.0, 7.5, 11.0})
            for (double ang : {0.0, 30.0, 45.0, 90.0, 137.0}) {
                const auto k = motionKernel(len, ang);
                QVERIFY(std::abs(k.sum().item<double>() - 1) < 1e-6);
                QVERIFY(k.min().item<double>() >= 0);
                QVERIFY(at::allclose(k, k.flip({0, 1}), 1e-6, 1e-7)); // point-symmetric: no shift
            }
        const auto h = motionKernel(7, 0);
        QCOMPARE(h.size(0), 9);
        QVERIFY(std::abs(h[4].sum().item<double>() - 1) < 1e-6); // all weight on the centre row
        // A horizontal kernel leaves an image that is constant along rows unchanged.
        const auto rows = at::linspace(-0.9, 0.9, 20).view({1, 1, 20, 1}).expand({2, 3, 20, 31}).contiguous();
        QVERIFY((motionBlur(rows, 7, 0) - rows).abs().max().item<double>() < 1e-6);
        // … and a vertical one a column-constant image; a diagonal one does blur it.
        const auto cols = rows.transpose(2, 3).contiguous();
        QVERIFY((motionBlur(cols, 6, 90) - cols).abs().max().item<double>() < 1e-6);
        QVERIFY((motionBlur(cols, 6, 45) - cols).abs().max().item<double>() > 1e-2);
        QVERIFY(at::equal(motionKernel(1, 30), at::ones({1, 1})));
    }

    void downUpSpectrum_data() {
        QTest::addColumn<int>("factor");
        QTest::addColumn<double>("maxRatio");
        // White noise has 75 % (×2) / 94 % (×4) of its energy above the new Nyquist frequency
        // 0.5/factor. After area down-sampling and bicubic up-sampling, measured on 128×128:
        // 0.019 (×2) and 0.004 (×4) of that energy is left; it is the imaging leakage of the
        // bicubic kernel (a = −0.75), whose response above Nyquist is small but not zero. The
        // bounds tell it from a poor up-sampler: nearest-neighbour leaves 0.11 and 0.024, six times
        // more (checked below).
        QTest::newRow("x2") << 2 << 0.04;
        QTest::newRow("x4") << 4 << 0.01;
    }
    void downUpSpectrum() {
        QFETCH(int, factor);
        QFETCH(double, maxRatio);
        at::manual_seed(4);
        const auto x = at::rand({1, 1, 128, 128}) - 0.5; // no clamping of the bicubic overshoot
        const auto mu = downUp(x, factor);
        QCOMPARE(mu.sizes(), x.sizes());
        QCOMPARE(down(x, factor).size(2), 128 / factor);
        QCOMPARE(bicubicUp(down(x, factor), factor).sizes(), x.sizes());
        const double nyq = 0.5 / factor;
        const double ratio = energyAbove(mu, nyq) / energyAbove(x, nyq);
        const auto nearest = at::upsample_nearest2d(down(x, factor), {128, 128});
        const double nearestRatio = energyAbove(nearest, nyq) / energyAbove(x, nyq);
        qInfo("down%d: energy above the new Nyquist %.4f of the input's (nearest-neighbour: %.4f)", factor, ratio,
              nearestRatio);
        QVERIFY2(ratio < maxRatio, qPrintable(QString::number(ratio)));
        QVERIFY(nearestRatio > 4 * ratio);
        // Below Nyquist most of the signal survives (sanity: the test is not passing on zeros).
        QVERIFY(mu.std().item<double>() > 0.3 * x.std().item<double>() / factor);
        // Constant images stay constant, also for sizes the factor does not divide.
        for (auto [h, w] : {std::pair{32, 32}, std::pair{30, 45}, std::pair{3, 5}}) {
            const auto c = at::full({2, 3, h, w}, -0.25);
            QVERIFY((downUp(c, factor) + 0.25).abs().max().item<double>() < 1e-6);
        }
    }

    void masks() {
        auto gen = makeGen(5);
        const std::int64_t B = 64;
        at::manual_seed(5);
        const auto x = at::rand({B, 3, 28, 28}) * 2 - 1;
        for (const auto& [H, W, lo, hi] : {std::tuple{28, 28, 0.085, 0.32}, std::tuple{96, 128, 0.097, 0.303}}) {
            const auto box = makeBoxMask(B, H, W, gen);
            QCOMPARE(box.sizes(), (at::IntArrayRef{B, 1, H, W}));
            QVERIFY(at::equal((box == 0) | (box == 1), at::ones_like(box, at::kBool)));
            const auto cover = 1 - box.mean({1, 2, 3});
            const double cmin = cover.min().item<double>(), cmax = cover.max().item<double>();
            QVERIFY2(cmin >= lo && cmax <= hi && cmax - cmin > 0.1,
                     qPrintable(QStringLiteral("%1x%2: %3..%4").arg(H).arg(W).arg(cmin).arg(cmax)));
        }
        const auto strokes = makeStrokeMask(B, 28, 28, gen);
        const auto missing = (strokes < 0.5).sum({1, 2, 3});
        QVERIFY(missing.min().item<std::int64_t>() > 0);
        QVERIFY((1 - strokes.mean()).item<double>() < 0.7);
        QVERIFY(at::equal((strokes == 0) | (strokes == 1), at::ones_like(strokes, at::kBool)));
        // Thickness scales with size: a 4× larger image has about 16× more missing pixels.
        const auto big = makeStrokeMask(B, 112, 112, gen);
        const double scaleRatio = (big < 0.5).sum().item<double>() / missing.sum().item<double>();
        QVERIFY2(scaleRatio > 8 && scaleRatio < 30, qPrintable(QString::number(scaleRatio)));

        for (const auto& m : {makeBoxMask(B, 28, 28, gen), strokes}) {
            const auto y = applyMask(x, m, 0.0);
            const auto known = (m > 0.5).expand_as(x);
            QVERIFY(at::equal(y.masked_select(known), x.masked_select(known))); // bit-identical
            QVERIFY(at::equal(y.masked_select(~known), at::zeros({(~known).sum().item<std::int64_t>()})));
        }
        const auto filled = applyMask(x, strokes, -1.0).masked_select((strokes < 0.5).expand_as(x));
        QVERIFY(filled.min().item<float>() == -1.f && filled.max().item<float>() == -1.f);
    }

    void jpegQuality() {
        // 8-bit exact inputs. Colour is judged on the BT.601 Y channel: libjpeg's 4:2:0 chroma
        // subsampling blurs the scene's sharp colour edges even at quality 100 (RGB PSNR 38.8 dB).
        const auto g = data::toSigned(data::toBytes(scene(1, 48, 64)));
        const auto c = data::toSigned(data::toBytes(scene(3, 48, 64)));
        const auto y255 = [](const at::Tensor& t) { return metrics::lumaBt601((t + 1) * 127.5); };
        const auto psnrY = [&](const at::Tensor& a, const at::Tensor& b) { return metrics::psnr(y255(a), y255(b)).value(); };
        const double g10 = psnr255(jpeg(g, 10), g), g100 = psnr255(jpeg(g, 100), g);
        const double c10 = psnrY(jpeg(c, 10), c), c100 = psnrY(jpeg(c, 100), c);
        qInfo("jpeg: grey PSNR %.1f dB at q=10, %.1f dB at q=100; colour PSNR-Y %.1f / %.1f dB", g10, g100, c10, c100);
        QVERIFY2(g10 < 36 && c10 < 36, qPrintable(QStringLiteral("%1 %2").arg(g10).arg(c10)));
        QVERIFY2(g100 > 40 && c100 > 40, qPrintable(QStringLiteral("%1 %2").arg(g100).arg(c100)));
        QCOMPARE(jpeg(g, 30).sizes(), g.sizes());
        QVERIFY(!at::equal(jpeg(g, 10), jpeg(g, 40)));
    }

    void determinism_data() {
        QTest::addColumn<int>("task");
        for (auto d : allDegradations()) QTest::newRow(degradationId(d)) << int(d);
        QTest::newRow("mixed") << -1;
    }
    void determinism() {
        QFETCH(int, task);
        at::manual_seed(6);
        const auto x = at::rand({64, 1, 28, 28}) * 2 - 1;
        const auto run = [&](std::uint64_t seed) {
            auto gen = makeGen(seed);
            return task < 0 ? degradeMixed(x, allDegradations(), gen) : degrade(x, Degradation(task), gen);
        };
        const auto t0 = std::chrono::steady_clock::now();
        const auto a = run(7);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        const auto b = run(7), c = run(8);
        qInfo("%s: 64 images of 28x28 in %.2f ms", task < 0 ? "mixed" : degradationId(Degradation(task)), ms);
        QVERIFY2(ms < 100, qPrintable(QString::number(ms))); // a few ms when the machine is idle
        QCOMPARE(a.mu.sizes(), x.sizes());
        QVERIFY(a.mu.min().item<double>() >= -1 && a.mu.max().item<double>() <= 1);
        QVERIFY(at::equal(a.mu, b.mu));
        QCOMPARE(a.mask.defined(), b.mask.defined());
        if (a.mask.defined()) QVERIFY(at::equal(a.mask, b.mask));
        QCOMPARE(a.params.size(), std::size_t(64));
        const bool seeded = task < 0 || (Degradation(task) != Degradation::Down2 && Degradation(task) != Degradation::Down4);
        if (seeded) QVERIFY(!at::equal(a.mu, c.mu)); // the down-samplers draw nothing
        if (task < 0) {
            QVERIFY(at::equal(a.task, b.task));
            QCOMPARE(a.task.min().item<std::int64_t>(), 0);
            QCOMPARE(a.task.max().item<std::int64_t>(), 7);
            for (std::int64_t i = 0; i < 64; ++i)
                QCOMPARE(a.params[std::size_t(i)].kind, allDegradations()[std::size_t(a.task[i].item<std::int64_t>())]);
            // Images of non-inpainting tasks have an all-known mask.
            const auto inpaint = (a.task == 5) | (a.task == 6);
            QVERIFY(at::equal(a.mask.index({~inpaint}), at::ones_like(a.mask.index({~inpaint}))));
        } else if (isInpainting(Degradation(task))) {
            QVERIFY(at::equal(applyMask(x, a.mask), a.mu));
        }
    }

    // --- tiling -----------------------------------------------------------------------------

    void tileGridCovers() {
        const auto g = tileGrid(97, 131, 32, 8);
        QCOMPARE(int(g.size()), 4 * 6); // rows 0, 24, 48, 65; cols 0, 24, 48, 72, 96, 99
        QCOMPARE(g.front(), (TileRect{0, 0, 32, 32}));
        QCOMPARE(g.back(), (TileRect{65, 99, 32, 32}));
        auto hits = at::zeros({97, 131}, at::kInt);
        for (const auto& t : g) hits.narrow(0, t.y, t.h).narrow(1, t.x, t.w).add_(1);
        QVERIFY(hits.min().item<int>() >= 1);
        QCOMPARE(tileGrid(20, 200, 64, 16).front(), (TileRect{0, 0, 20, 64}));
        QCOMPARE(int(tileGrid(5, 7, 32, 8).size()), 1);
        QVERIFY_THROWS_EXCEPTION(std::exception, tileGrid(10, 10, 8, 8));
    }

    void tiledBlend_data() {
        QTest::addColumn<int>("H");
        QTest::addColumn<int>("W");
        QTest::addColumn<int>("tile");
        QTest::addColumn<int>("overlap");
        QTest::newRow("97x131 t32 o8") << 97 << 131 << 32 << 8;
        QTest::newRow("64x64 t32 o4") << 64 << 64 << 32 << 4;
        QTest::newRow("50x33 t16 o12") << 50 << 33 << 16 << 12; // overlap > tile/2
        QTest::newRow("40x41 t32 o16") << 40 << 41 << 32 << 16;
        QTest::newRow("smaller than a tile") << 20 << 27 << 32 << 8;
        QTest::newRow("tiny 5x3") << 5 << 3 << 32 << 8;
        QTest::newRow("no overlap") << 48 << 40 << 16 << 0;
    }
    void tiledBlend() {
        QFETCH(int, H);
        QFETCH(int, W);
        QFETCH(int, tile);
        QFETCH(int, overlap);
        const auto identity = [](const at::Tensor& t) { return t.clone(); };
        const auto c = at::full({1, 3, H, W}, 0.3721);
        QVERIFY((tiled(c, tile, overlap, identity) - 0.3721).abs().max().item<double>() < 1e-6);
        at::manual_seed(9);
        const auto x = at::rand({1, 3, H, W}) * 2 - 1;
        QVERIFY((tiled(x, tile, overlap, identity) - x).abs().max().item<double>() < 1e-6);
        // A local fn of radius 1 is reproduced exactly once floor(overlap/4) >= 1.
        const double err = (tiled(x, tile, overlap, localFn) - localFn(x)).abs().max().item<double>();
        const bool exact = overlap >= 4 || (H <= tile && W <= tile);
        qInfo("tiled vs untiled local fn: max error %.2e", err);
        if (exact) QVERIFY2(err < 1e-5, qPrintable(QString::number(err)));
        // fn may change the channel count.
        const auto grey = tiled(x, tile, overlap, [](const at::Tensor& t) { return toChannels(t, 1); });
        QVERIFY((grey - toChannels(x, 1)).abs().max().item<double>() < 1e-5);
    }

    void tiledBatchesEqualSingleTiles() {
        // Batched tiles give the same blend as one tile per call, for any batch size, with the
        // tiles in raster order and each first-tile index right; a tile-dependent fn (its output
        // depends on the whole tile, as a network's does) shows any mix-up.
        at::manual_seed(12);
        const auto x = at::rand({1, 3, 97, 131}) * 2 - 1;
        const auto perTile = [](const at::Tensor& t) { return t * t.mean() + t.flip({2}) * 0.25; };
        const auto single = tiled(x, 32, 8, perTile, {}, 4, 32);
        for (int batch : {1, 5, 24, 64}) {
            std::vector<std::int64_t> firsts;
            const auto batched = tiledBatched(
                x, 32, 8, batch,
                [&](const at::Tensor& t, std::int64_t first) {
                    firsts.push_back(first);
                    std::vector<at::Tensor> outs;
                    for (std::int64_t i = 0; i < t.size(0); ++i) outs.push_back(perTile(t.narrow(0, i, 1)));
                    return at::cat(outs);
                },
                {}, 4, 32);
            QVERIFY2((batched - single).abs().max().item<double>() < 1e-6, qPrintable(QString::number(batch)));
            QCOMPARE(std::int64_t(firsts.size()), (24 + batch - 1) / batch); // 4 × 6 tiles
            for (std::size_t k = 0; k < firsts.size(); ++k) QCOMPARE(firsts[k], std::int64_t(k) * batch);
        }
        // A batch function that returns the wrong number of tiles is an error, not a bad image.
        QVERIFY_THROWS_EXCEPTION(std::exception,
                                 tiledBatched(x, 32, 8, 4, [](const at::Tensor& t, std::int64_t) { return t.narrow(0, 0, 1); }));
    }

    void tiledPaddingAndCancel() {
        at::manual_seed(10);
        const auto x = at::rand({1, 1, 5, 7}) * 2 - 1;
        std::vector<std::pair<std::int64_t, std::int64_t>> seen;
        const auto y = tiled(
            x, 32, 8,
            [&](const at::Tensor& t) {
                seen.emplace_back(t.size(2), t.size(3));
                return t * 2;
            },
            {}, 8);
        QCOMPARE(int(seen.size()), 1);
        QCOMPARE(seen[0], (std::pair<std::int64_t, std::int64_t>{8, 8})); // reflect-padded to 8, cropped back
        QVERIFY(at::allclose(y, x * 2));
        // A 1-pixel image works too (replicated up to 8×8).
        const auto one = at::full({1, 3, 1, 1}, 0.5);
        QVERIFY(at::allclose(tiled(one, 16, 4, [](const at::Tensor& t) { return t; }), one));
        // Multiples of 8 for every tile of an odd-sized image.
        const auto z = at::rand({1, 1, 45, 70});
        const auto zz = tiled(
            z, 32, 8,
            [](const at::Tensor& t) {
                if (t.size(2) % 8 || t.size(3) % 8) throw std::runtime_error("not a multiple of 8");
                return t;
            },
            {}, 8);
        QVERIFY((zz - z).abs().max().item<double>() < 1e-6);

        int calls = 0;
        const auto cancelled = tiled(
            z, 16, 4, [&](const at::Tensor& t) { ++calls; return t; }, [&] { return calls >= 2; });
        QVERIFY(!cancelled.defined());
        QCOMPARE(calls, 2);
        QVERIFY_THROWS_EXCEPTION(std::exception, tiled(z, 16, 4, [](const at::Tensor& t) { return t.narrow(2, 0, 4); }));
    }

    // --- classical peers --------------------------------------------------------------------

    void nlmGain_data() {
        QTest::addColumn<int>("channels");
        QTest::newRow("grey") << 1;
        QTest::newRow("colour") << 3;
    }
    void nlmGain() {
        QFETCH(int, channels);
        auto gen = makeGen(11);
        const auto x = scene(channels, 96, 96);
        const auto mu = addNoise(x, 25, gen);
        const auto peer = classicalPeer(mu, Degradation::Noise, {}, DegradeParams{Degradation::Noise, 25});
        const double before = psnr255(mu, x), after = psnr255(peer, x);
        qInfo("NLM σ=25: %.2f → %.2f dB (%+.2f)", before, after, after - before);
        QVERIFY2(after - before >= 6, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));
    }

    void inpaintBeatsGrey() {
        auto gen = makeGen(12);
        const auto x = scene(3, 64, 64);
        for (auto d : {Degradation::InpaintBox, Degradation::InpaintStroke}) {
            const auto b = degrade(x.expand({4, -1, -1, -1}).contiguous(), d, gen);
            const auto hole = (b.mask < 0.5).expand_as(b.mu);
            const auto mseIn = [&](const at::Tensor& y) {
                return (y - x).masked_select(hole).pow(2).mean().item<double>();
            };
            for (auto method : {InpaintMethod::Telea, InpaintMethod::NavierStokes}) {
                ClassicalOptions o;
                o.inpaint = method;
                const auto peer = classicalPeer(b.mu, d, b.mask, b.params[0], o);
                const auto known = ~hole;
                QVERIFY(at::equal(peer.masked_select(known), b.mu.masked_select(known)));
                const double grey = mseIn(b.mu), filled = mseIn(peer);
                qInfo("%s %s: MSE in the hole %.4f (grey fill) → %.4f", degradationId(d),
                      method == InpaintMethod::Telea ? "Telea" : "NS", grey, filled);
                QVERIFY2(filled < 0.5 * grey, qPrintable(QStringLiteral("%1 vs %2").arg(filled).arg(grey)));
            }
        }
    }

    void wienerGain_data() {
        QTest::addColumn<int>("task");
        QTest::addColumn<double>("minGain");
        // Measured: +3.3 dB (blur), +5.4 dB (motion).
        QTest::newRow("blur σ=1.5") << int(Degradation::Blur) << 2.5;
        QTest::newRow("motion 7 px at 30°") << int(Degradation::MotionBlur) << 4.0;
    }
    void wienerGain() {
        QFETCH(int, task);
        QFETCH(double, minGain);
        const auto d = Degradation(task);
        const auto x = scene(1, 96, 96);
        DegradeParams p{d};
        p.blurSigmaPx = 1.5;
        p.motionLength = 7;
        p.motionAngleDeg = 30;
        const auto mu = d == Degradation::Blur ? gaussianBlur(x, 1.5) : motionBlur(x, 7, 30);
        const auto peer = classicalPeer(mu, d, {}, p);
        const double before = psnr255(mu, x), after = psnr255(peer, x);
        qInfo("Wiener %s: %.2f → %.2f dB", degradationId(d), before, after);
        QVERIFY2(after - before >= minGain, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));
    }

    void consistencyProjections() {
        // restore/consistency.h: each step lands on the images that reproduce the observation, is
        // idempotent, and never moves an estimate further from the truth (a projection onto a set
        // that holds it). x̂: a blurred, slightly noisy version of the truth.
        const auto x = scene(3, 96, 96);
        auto g = makeGen(5);
        const auto xhat = (gaussianBlur(x, 2.0) + 0.03 * at::randn(x.sizes(), g)).clamp(-1.0, 1.0);
        const auto err = [&](const at::Tensor& t) { return (t - x).pow(2).sum().item<double>(); };
        for (const auto d : {Degradation::Down2, Degradation::Down4}) {
            const int f = downFactor(d);
            KnownDegradation k;
            k.params.kind = d;
            k.lowRes = down(x, f);
            const auto out = consistent(xhat, k);
            QVERIFY((down(out, f) - k.lowRes).abs().max().item<double>() < 1e-5);
            QVERIFY(err(out) < err(xhat));
            QVERIFY((consistent(out, k) - out).abs().max().item<double>() < 1e-5);
            // What the down-sampling cannot see (the detail inside a block) is x̂'s.
            const auto detail = [&](const at::Tensor& t) { return t - at::upsample_nearest2d(down(t, f), {96, 96}); };
            QVERIFY((detail(out) - detail(xhat)).abs().max().item<double>() < 1e-5);
        }
        {   // Sizes the factor does not divide: overlapping area bins; a few steps converge.
            const auto x2 = x.slice(2, 0, 93).slice(3, 0, 90);
            const auto xh2 = xhat.slice(2, 0, 93).slice(3, 0, 90);
            KnownDegradation k;
            k.params.kind = Degradation::Down2;
            k.lowRes = down(x2, 2);
            const auto out = consistent(xh2, k);
            const double before = (down(xh2, 2) - k.lowRes).abs().max().item<double>();
            const double after = (down(out, 2) - k.lowRes).abs().max().item<double>();
            qInfo("93x90, 2x: max block-mean error %.2e -> %.2e", before, after);
            QVERIFY(after < 0.05 * before);
        }
        {   // Inpainting: the known pixels are the observed ones, the missing ones x̂'s.
            KnownDegradation k;
            k.params.kind = Degradation::InpaintStroke;
            k.mask = makeStrokeMask(1, 96, 96, g);
            k.mu = applyMask(x, k.mask);
            const auto out = consistent(xhat, k);
            const auto known = (k.mask > 0.5).expand_as(x);
            QVERIFY(at::equal(out.masked_select(known), x.masked_select(known)));
            QVERIFY(at::equal(out.masked_select(~known), xhat.masked_select(~known)));
            QVERIFY(err(out) < err(xhat));
        }
        for (const auto d : {Degradation::Blur, Degradation::MotionBlur}) {
            // Blur with the known kernel: the blurred result reproduces y much better than x̂ did,
            // it is closer to the truth than x̂, and better than the Wiener peer, which is the same
            // step from x̂ = 0.
            KnownDegradation k;
            k.params.kind = d;
            k.params.blurSigmaPx = 1.5;
            k.params.motionLength = 7;
            k.params.motionAngleDeg = 0;
            const auto kernel = blurKernel(k.params);
            k.mu = filterReflect(x, kernel);
            const auto good = (x + 0.02 * at::randn(x.sizes(), g)).clamp(-1.0, 1.0);
            const auto out = consistent(good, k);
            const auto peer = classicalPeer(k.mu, d, {}, k.params);
            const double rBefore = (filterReflect(good, kernel) - k.mu).pow(2).mean().item<double>();
            const double rAfter = (filterReflect(out, kernel) - k.mu).pow(2).mean().item<double>();
            qInfo("%s: residual %.2e -> %.2e; PSNR x̂ %.2f, consistent %.2f, Wiener %.2f dB", degradationId(d),
                  rBefore, rAfter, psnr255(good, x), psnr255(out, x), psnr255(peer, x));
            QVERIFY(rAfter < 0.1 * rBefore);
            QVERIFY(psnr255(out, x) > psnr255(good, x));
            QVERIFY(psnr255(out, x) > psnr255(peer, x));
            QVERIFY((consistent(at::zeros_like(x), k, ClassicalOptions{}.wienerNsr) - peer).abs().max().item<double>() < 1e-4);
        }
        for (const auto d : {Degradation::Noise, Degradation::Jpeg}) {
            KnownDegradation k;
            k.params.kind = d;
            QVERIFY(!hasConsistencyStep(d));
            QVERIFY(at::equal(consistent(xhat, k), xhat));
        }
        {   // Missing pieces are refused with a message, not a crash.
            KnownDegradation k;
            k.params.kind = Degradation::Down2;
            QVERIFY_THROWS_EXCEPTION(c10::Error, consistent(xhat, k));
            k.lowRes = down(x, 4);
            QVERIFY_THROWS_EXCEPTION(c10::Error, consistent(xhat, k));
        }
    }

    void jpegPeerAndDispatch() {
        const auto x = scene(1, 96, 96);
        DegradeParams p{Degradation::Jpeg};
        p.jpegQuality = 10;
        const auto mu = jpeg(x, 10);
        const double before = psnr255(mu, x), after = psnr255(classicalPeer(mu, Degradation::Jpeg, {}, p), x);
        qInfo("JPEG q=10 peer: %.2f → %.2f dB", before, after);
        QVERIFY(after > before);
        // Super-resolution: μ is its own peer; OpenCV's bicubic agrees with ATen's away from borders.
        const auto x3 = scene(3, 64, 64);
        QVERIFY(at::equal(classicalPeer(downUp(x3, 2), Degradation::Down2), downUp(x3, 2)));
        const auto low = down(x3, 4);
        const auto cvUp = upscaleBicubicCv(low, 64, 64), atUp = bicubicUp(low, 4);
        const double diff = (cvUp - atUp).narrow(2, 8, 48).narrow(3, 8, 48).abs().max().item<double>();
        QVERIFY2(diff < 1e-4, qPrintable(QString::number(diff)));
        // Per-image dispatch on a mixed batch.
        auto gen = makeGen(13);
        const auto b = degradeMixed(x3.expand({8, -1, -1, -1}).contiguous(), allDegradations(), gen);
        const auto peers = classicalPeer(b.mu, b.mask, b.params);
        QCOMPARE(peers.sizes(), b.mu.sizes());
        QVERIFY(peers.isfinite().all().item<bool>());
    }

    // --- image files ------------------------------------------------------------------------

    void pngRoundTripExact() {
        QTemporaryDir dir;
        at::manual_seed(14);
        const auto bytes = at::randint(0, 256, {1, 3, 17, 23}, at::kByte);
        const auto x = data::toSigned(bytes);
        const auto path = dir.filePath("a.png").toStdString();
        const auto saved = saveImage(x, path);
        VERIFY_OK(saved);
        const auto loaded = loadImage(path);
        QVERIFY(loaded.ok());
        const auto& li = loaded.value();
        QCOMPARE(li.image.sizes(), x.sizes());
        QVERIFY(at::equal(li.image, x)); // bit-identical to data::toSigned
        QCOMPARE(li.depthBits, 8);
        QCOMPARE(li.channels, 3);
        QVERIFY(!li.hadAlpha && !li.alpha.defined());
        // Grey stays grey; 16-bit and alpha survive a save/load too.
        const auto g = x.narrow(1, 0, 1);
        QVERIFY(saveImage(g, dir.filePath("g.png").toStdString()).ok());
        QVERIFY(at::equal(loadImage(dir.filePath("g.png").toStdString()).value().image, g));
        SaveOptions wide;
        wide.bitDepth = 16;
        const auto smooth = scene(3, 20, 30);
        QVERIFY(saveImage(smooth, dir.filePath("w.png").toStdString(), wide).ok());
        const auto w = loadImage(dir.filePath("w.png").toStdString()).value();
        QCOMPARE(w.depthBits, 16);
        QVERIFY((w.image - smooth).abs().max().item<double>() < 2.0 / 65535);
        SaveOptions withAlpha;
        withAlpha.alpha = at::rand({1, 1, 17, 23});
        QVERIFY(saveImage(x, dir.filePath("rgba.png").toStdString(), withAlpha).ok());
        const auto ra = loadImage(dir.filePath("rgba.png").toStdString(), 200'000'000, AlphaMode::Drop).value();
        QVERIFY(ra.hadAlpha);
        QVERIFY(at::equal(ra.image, x));
        QVERIFY((ra.alpha - withAlpha.alpha).abs().max().item<double>() <= 0.5 / 255 + 1e-6);
        // JPEG through the same API.
        QVERIFY(saveImage(smooth, dir.filePath("s.jpg").toStdString()).ok());
        const auto j = loadImage(dir.filePath("s.jpg").toStdString()).value();
        QVERIFY(psnr255(j.image, smooth) > 30);
        // No temporary files left behind.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 5);
    }

    void png16AndAlphaFromScratch() {
        QTemporaryDir dir;
        // 16-bit grey, big-endian samples 0, 1000, 32768, 65535.
        const std::vector<std::uint16_t> v = {0, 1000, 32768, 65535};
        std::vector<std::uint8_t> rows;
        for (auto s : v) rows.insert(rows.end(), {std::uint8_t(s >> 8), std::uint8_t(s & 0xFF)});
        writePng(dir.filePath("g16.png"), 2, 2, 0, 16, rows);
        const auto g = loadImage(dir.filePath("g16.png").toStdString());
        VERIFY_OK(g);
        QCOMPARE(g.value().depthBits, 16);
        QCOMPARE(g.value().image.sizes(), (at::IntArrayRef{1, 1, 2, 2}));
        for (int i = 0; i < 4; ++i) {
            const double got = g.value().image.flatten()[i].item<double>(), want = v[std::size_t(i)] / 65535.0 * 2 - 1;
            QVERIFY2(std::abs(got - want) < 1e-6, qPrintable(QStringLiteral("%1 vs %2").arg(got).arg(want)));
        }
        // RGBA 8-bit: opaque red, transparent red, half-transparent blue.
        writePng(dir.filePath("rgba.png"), 3, 1, 6, 8, {255, 0, 0, 255, 255, 0, 0, 0, 0, 0, 255, 128});
        const auto a = loadImage(dir.filePath("rgba.png").toStdString());
        QVERIFY(a.ok());
        const auto& ai = a.value();
        QVERIFY(ai.hadAlpha);
        QCOMPARE(ai.channels, 4);
        QCOMPARE(ai.image.sizes(), (at::IntArrayRef{1, 3, 1, 3}));
        const auto px = (ai.image[0].permute({2, 0, 1}).reshape({3, 3}) + 1) / 2; // [pixel][rgb] in 0..1
        const double h = 128.0 / 255;
        const std::vector<std::vector<double>> want = {{1, 0, 0}, {1, 1, 1}, {1 - h, 1 - h, 1}};
        for (int p = 0; p < 3; ++p)
            for (int c = 0; c < 3; ++c) QVERIFY(std::abs(px[p][c].item<double>() - want[std::size_t(p)][std::size_t(c)]) < 1e-5);
        QVERIFY(std::abs(ai.alpha.flatten()[2].item<double>() - h) < 1e-6);
        // RGB 1×1 loads.
        writePng(dir.filePath("one.png"), 1, 1, 2, 8, {10, 20, 30});
        const auto one = loadImage(dir.filePath("one.png").toStdString());
        QVERIFY(one.ok());
        QCOMPARE(one.value().image.sizes(), (at::IntArrayRef{1, 3, 1, 1}));
        QVERIFY(std::abs(one.value().image.flatten()[2].item<double>() - (30 / 127.5 - 1)) < 1e-6);
        // The header check refuses a large image before decoding it.
        writePng(dir.filePath("big.png"), 40, 30, 0, 8, std::vector<std::uint8_t>(1200, 7));
        QVERIFY(loadImage(dir.filePath("big.png").toStdString()).ok());
        const auto big = loadImage(dir.filePath("big.png").toStdString(), 1000);
        QVERIFY(!big.ok());
        QVERIFY2(QString::fromStdString(big.error().message).contains("limit"), big.error().message.c_str());
        // The same through the JPEG and BMP header parsers (and the check after decoding for WebP).
        for (const char* ext : {"jpg", "bmp", "webp"}) {
            const auto path = dir.filePath(QStringLiteral("big.%1").arg(ext)).toStdString();
            QVERIFY(saveImage(scene(3, 30, 40), path).ok());
            const auto ok = loadImage(path);
            QVERIFY(ok.ok());
            QCOMPARE(ok.value().width, 40);
            QCOMPARE(ok.value().height, 30);
            const auto r = loadImage(path, 1000);
            QVERIFY2(!r.ok() && QString::fromStdString(r.error().message).contains("limit"), ext);
        }
        // A header declaring 4294967295 × 4269737228 pixels (found by fuzz_image: w·h overflowed
        // 64 bits, and the wrapped product slipped under the limit) is refused by the size check.
        const auto huge = loadImage(QStringLiteral(REVERIE_SOURCE_DIR "/tests/fuzz/regressions/image/png-size-overflow.png").toStdString());
        QVERIFY(!huge.ok());
        QVERIFY2(QString::fromStdString(huge.error().message).contains("4294967295x4269737228"), huge.error().message.c_str());
        QVERIFY2(QString::fromStdString(huge.error().message).contains("limit"), huge.error().message.c_str());
    }

    void badFiles_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("expect");
        QTest::newRow("zero bytes") << "empty.png" << QByteArray() << "empty";
        QTest::newRow("text named .png") << "text.png" << QByteArray("this is not an image\n") << "not a readable image";
        QTest::newRow("garbage .jpg") << "junk.jpg" << QByteArray(300, '\xFF') << "not a readable image";
        QTest::newRow("missing") << "" << QByteArray() << "no such file";
    }
    void badFiles() {
        QFETCH(QString, name);
        QFETCH(QByteArray, content);
        QFETCH(QString, expect);
        QVERIFY(!expect.isEmpty()); // contains("") holds for any message
        QTemporaryDir dir;
        QString path = dir.filePath("does-not-exist.png");
        if (!name.isEmpty()) {
            path = dir.filePath(name);
            writeBytes(path, content);
        }
        const auto r = loadImage(path.toStdString());
        QVERIFY(!r.ok());
        const auto msg = QString::fromStdString(r.error().message);
        QVERIFY2(msg.contains(expect) && msg.contains(path), qPrintable(msg));
        QVERIFY(!loadImage(dir.path().toStdString()).ok()); // a folder
    }

    void truncatedPng() {
        QTemporaryDir dir;
        at::manual_seed(15);
        const auto full = dir.filePath("full.png");
        QVERIFY(saveImage(at::rand({1, 3, 64, 64}) * 2 - 1, full.toStdString()).ok()); // noise: big IDAT
        const auto bytes = readBytes(full);
        QVERIFY(bytes.size() > 1000);
        const auto half = dir.filePath("half.png");
        writeBytes(half, bytes.left(bytes.size() / 2));
        const auto r = loadImage(half.toStdString());
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.error().message).contains("corrupt or truncated"), r.error().message.c_str());
    }

    void saveRefusals() {
        QTemporaryDir dir;
        const auto x = scene(3, 8, 8);
        const auto input = dir.filePath("input.png").toStdString();
        QVERIFY(saveImage(x, input).ok());
        const auto before = readBytes(QString::fromStdString(input));
        SaveOptions o;
        o.protectedPath = input;
        for (const auto& target : {input, dir.filePath("./sub/../input.png").toStdString()}) {
            QDir(dir.path()).mkpath("sub");
            const auto r = saveImage(-x, target, o);
            QVERIFY(!r.ok());
            QVERIFY2(QString::fromStdString(r.error().message).contains("refusing to overwrite"), r.error().message.c_str());
        }
        QCOMPARE(readBytes(QString::fromStdString(input)), before);
        QVERIFY(saveImage(-x, dir.filePath("output.png").toStdString(), o).ok()); // another name is fine

        const auto missing = saveImage(x, "/nonexistent-dir/x.png");
        QVERIFY(!missing.ok());
        QVERIFY2(QString::fromStdString(missing.error().message).contains("/nonexistent-dir"), missing.error().message.c_str());
        QVERIFY(!saveImage(x, dir.filePath("x.xyz").toStdString()).ok());
        QVERIFY(!saveImage(x, dir.filePath("noext").toStdString()).ok());
        QVERIFY(!saveImage(x, dir.path().toStdString() + "/sub").ok()); // a folder
        QVERIFY(!saveImage(at::zeros({1, 2, 4, 4}), dir.filePath("c2.png").toStdString()).ok());
        QVERIFY(!saveImage(at::Tensor(), dir.filePath("u.png").toStdString()).ok());
    }

    void channelConversion() {
        const auto red = at::tensor({1.f, -1.f, -1.f}).view({1, 3, 1, 1});
        QVERIFY(std::abs(toChannels(red, 1).item<double>() - (0.299 * 2 - 1)) < 1e-6);
        const auto g = at::rand({2, 1, 5, 6}) * 2 - 1;
        const auto rgb = toChannels(g, 3);
        QCOMPARE(rgb.size(1), 3);
        QVERIFY(at::equal(rgb.narrow(1, 2, 1), g));
        QVERIFY((toChannels(rgb, 1) - g).abs().max().item<double>() < 1e-6);
        QVERIFY(toChannels(g, 1).is_same(g));
    }
};

QTEST_GUILESS_MAIN(TestRestore)
#include "tst_restore.moc"
