// The Fashion-MNIST reader on the real files of Debian's dataset-fashion-mnist, and its errors on
// missing, truncated and corrupt files; the image-folder dataset on files written here (PGM/PPM,
// 8- and 16-bit), with its class layout, resizing and errors.

#include "data/fashion_mnist.h"
#include "data/image_folder.h"

#include "fixtures.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <zlib.h>

#include <functional>

using namespace reverie;

namespace {
// Writes a binary PGM (grey) or PPM (RGB) of w×h filled by f(x, y, c); maxval 255 or 65535.
void writePnm(const QString& path, int w, int h, int channels, int maxval, const std::function<int(int, int, int)>& f) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QStringLiteral("P%1\n%2 %3\n%4\n").arg(channels == 1 ? 5 : 6).arg(w).arg(h).arg(maxval).toLatin1());
    QByteArray body;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < channels; ++c) {
                const int v = f(x, y, c);
                if (maxval > 255) body.append(char((v >> 8) & 0xff));
                body.append(char(v & 0xff));
            }
    file.write(body);
}
} // namespace

class TestData : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsTheRealFiles_data() {
        QTest::addColumn<bool>("train");
        QTest::addColumn<qint64>("count");
        QTest::newRow("train") << true << qint64(60000);
        QTest::newRow("test") << false << qint64(10000);
    }
    void readsTheRealFiles() {
        QFETCH(bool, train);
        QFETCH(qint64, count);
        auto r = data::loadFashionMnist(train ? data::Split::Train : data::Split::Test);
        VERIFY_OK(r);
        const auto& d = r.value();
        QCOMPARE(d.size(), count);
        QCOMPARE(d.images.sizes().vec(), (std::vector<int64_t>{count, 1, 28, 28}));
        QCOMPARE(d.classes, 10);
        QCOMPARE(d.images.min().item<int>(), 0);
        QCOMPARE(d.images.max().item<int>(), 255);
        // Fashion-MNIST is balanced: every class has a tenth of the images.
        const auto hist = at::bincount(d.labels, {}, 10);
        for (int c = 0; c < 10; ++c) QCOMPARE(hist[c].item<int64_t>(), count / 10);
        // The first training label is 9 (ankle boot), the first test label 9 as well.
        QCOMPARE(d.labels[0].item<int64_t>(), int64_t(9));
    }

    void limitReadsAPrefix() {
        auto r = data::loadFashionMnist(data::Split::Test, data::defaultFashionMnistDir(), 100);
        QVERIFY(r.ok());
        QCOMPARE(r.value().size(), int64_t(100));
        auto all = data::loadFashionMnist(data::Split::Test);
        QVERIFY(at::equal(r.value().images, all.value().images.slice(0, 0, 100)));
    }

    void signedRoundTrip() {
        const auto bytes = at::arange(256, at::kInt).to(at::kByte).view({1, 1, 16, 16});
        const auto s = data::toSigned(bytes);
        QVERIFY(std::abs(s.min().item<double>() + 1.0) < 1e-6);
        QVERIFY(std::abs(s.max().item<double>() - 1.0) < 1e-6);
        QVERIFY(at::equal(data::toBytes(s), bytes));
    }

    void missingPackageIsNamed() {
        auto r = data::loadFashionMnist(data::Split::Train, "/nonexistent/fashion");
        QVERIFY(!r.ok());
        QVERIFY(QString::fromStdString(r.error().message).contains(QStringLiteral("dataset-fashion-mnist")));
    }

    void truncatedFileIsAnError() {
        QTemporaryDir dir;
        // Copy the test split, cutting the image file short (but keeping a valid gzip stream).
        const std::string src = data::defaultFashionMnistDir();
        gzFile in = gzopen((src + "/t10k-images-idx3-ubyte.gz").c_str(), "rb");
        QVERIFY(in);
        std::vector<char> buf(16 + 28 * 28 * 50);
        QCOMPARE(gzread(in, buf.data(), unsigned(buf.size())), int(buf.size()));
        gzclose(in);
        const std::string dst = dir.path().toStdString();
        gzFile out = gzopen((dst + "/t10k-images-idx3-ubyte.gz").c_str(), "wb");
        gzwrite(out, buf.data(), unsigned(buf.size()));
        gzclose(out);
        QVERIFY(QFile::copy(QString::fromStdString(src + "/t10k-labels-idx1-ubyte.gz"),
                            dir.filePath(QStringLiteral("t10k-labels-idx1-ubyte.gz"))));
        auto r = data::loadFashionMnist(data::Split::Test, dst);
        QVERIFY(!r.ok());
        const QString msg = QString::fromStdString(r.error().message);
        QVERIFY2(msg.contains(QStringLiteral("truncated")) && msg.contains(QStringLiteral("10000 images")), qPrintable(msg));
        // ... and a prefix that the truncated file does hold still loads.
        QVERIFY(data::loadFashionMnist(data::Split::Test, dst, 50).ok());
    }

    void wrongMagicAndCorruptStream() {
        QTemporaryDir dir;
        QFile junk(dir.filePath(QStringLiteral("t10k-images-idx3-ubyte")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(64, '\x07'));
        junk.close();
        QVERIFY(QFile::copy(QString::fromStdString(data::defaultFashionMnistDir() + "/t10k-labels-idx1-ubyte.gz"),
                            dir.filePath(QStringLiteral("t10k-labels-idx1-ubyte.gz"))));
        auto r = data::loadFashionMnist(data::Split::Test, dir.path().toStdString());
        QVERIFY(!r.ok());
        QVERIFY(QString::fromStdString(r.error().message).contains(QStringLiteral("not an IDX image file")));

        QFile gz(dir.filePath(QStringLiteral("t10k-images-idx3-ubyte.gz")));
        QVERIFY(gz.open(QIODevice::WriteOnly));
        gz.write(QByteArray("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10) + QByteArray(200, '\xff'));
        gz.close();
        r = data::loadFashionMnist(data::Split::Test, dir.path().toStdString());
        QVERIFY(!r.ok());
    }

    void imageFolderClassesAndPixels() {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("bags")));
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("shoes/nested")));
        // 56×56 grey ramp → 28×28 by area averaging: pixel (x, y) of the result is the mean of a 2×2 block.
        writePnm(dir.filePath(QStringLiteral("bags/a.pgm")), 56, 56, 1, 255, [](int x, int, int) { return 4 * x; });
        // 16-bit, wider than tall (centre-cropped to 40×40), constant 0x8080 → 128 at 8 bits.
        writePnm(dir.filePath(QStringLiteral("shoes/b.pgm")), 60, 40, 1, 65535, [](int, int, int) { return 0x8080; });
        // RGB in a nested folder still belongs to "shoes"; converted to grey by luma.
        writePnm(dir.filePath(QStringLiteral("shoes/nested/c.ppm")), 28, 28, 3, 255,
                 [](int, int, int c) { return c == 0 ? 255 : 0; });
        // Not an image: skipped (counted in the log), not fatal.
        QFile junk(dir.filePath(QStringLiteral("shoes/broken.png")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("this is not a PNG");
        junk.close();

        auto r = data::loadImageFolder(dir.path().toStdString(), 28, 1);
        VERIFY_OK(r);
        const auto& d = r.value();
        QCOMPARE(d.size(), std::int64_t(3));
        QCOMPARE(d.classes, 2);
        QCOMPARE(d.classNames, (std::vector<std::string>{"bags", "shoes"}));
        QCOMPARE(d.images.sizes().vec(), (std::vector<std::int64_t>{3, 1, 28, 28}));
        QCOMPARE(d.labels[0].item<std::int64_t>(), std::int64_t(0));
        QCOMPARE(d.labels[1].item<std::int64_t>(), std::int64_t(1));
        QCOMPARE(d.labels[2].item<std::int64_t>(), std::int64_t(1));
        const auto ramp = d.images[0][0].to(at::kInt);
        QCOMPARE(ramp[5][3].item<int>(), (4 * 6 + 4 * 7) / 2); // block of x = 6, 7
        QCOMPARE(ramp[0][27].item<int>(), (4 * 54 + 4 * 55) / 2);
        QCOMPARE(d.images[1].to(at::kInt).min().item<int>(), 128);
        QCOMPARE(d.images[1].to(at::kInt).max().item<int>(), 128);
        const int red = d.images[2][0][10][10].item<std::uint8_t>();
        QVERIFY2(red >= 75 && red <= 78, qPrintable(QString::number(red))); // 0.299 · 255

        // Colour output replicates grey; the order is deterministic.
        auto rgb = data::loadImageFolder(dir.path().toStdString(), 14, 3);
        QVERIFY(rgb.ok());
        QCOMPARE(rgb.value().images.sizes().vec(), (std::vector<std::int64_t>{3, 3, 14, 14}));
        QVERIFY(at::equal(rgb.value().images[0][0], rgb.value().images[0][2]));
        auto again = data::loadImageFolder(dir.path().toStdString(), 14, 3);
        QVERIFY(at::equal(rgb.value().images, again.value().images));
        // limit keeps a prefix in sorted order.
        auto one = data::loadImageFolder(dir.path().toStdString(), 28, 1, 1);
        QCOMPARE(one.value().size(), std::int64_t(1));
        QVERIFY(at::equal(one.value().images[0], d.images[0]));
    }

    void imageFolderErrors() {
        auto missing = data::loadImageFolder("/nonexistent/reverie-images", 28, 1);
        QVERIFY(!missing.ok());
        QVERIFY(QString::fromStdString(missing.error().message).contains(QStringLiteral("no such folder")));
        QTemporaryDir dir;
        auto empty = data::loadImageFolder(dir.path().toStdString(), 28, 1);
        QVERIFY(!empty.ok());
        QVERIFY(QString::fromStdString(empty.error().message).contains(QStringLiteral("no image files")));
        QFile junk(dir.filePath(QStringLiteral("x.jpg")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("\xff\xd8 truncated");
        junk.close();
        auto unreadable = data::loadImageFolder(dir.path().toStdString(), 28, 1);
        QVERIFY(!unreadable.ok());
        QVERIFY(QString::fromStdString(unreadable.error().message).contains(QStringLiteral("could be read")));
        QVERIFY(!data::loadImageFolder(dir.path().toStdString(), 28, 2).ok());
    }

    void imagePatchesGridScalesAndErrors() {
        // A 64×40 RGB image whose pixel (x, y) is (x, y, 7) and a 20×20 grey one: 16-pixel patches
        // on an 8-pixel grid. Scale 1: 7 × 4 patches of the colour image (starts 0..48 and 0..24)
        // and 1 × 1 of the grey one; scale 2 (32×20 and 10×10): 3 × 1 and none.
        QTemporaryDir dir;
        writePnm(dir.filePath(QStringLiteral("a.ppm")), 64, 40, 3, 255,
                 [](int x, int y, int c) { return c == 0 ? x : c == 1 ? y : 7; });
        writePnm(dir.filePath(QStringLiteral("b.pgm")), 20, 20, 1, 255, [](int, int, int) { return 100; });
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("sub"))); // sub-folders are not read
        writePnm(dir.filePath(QStringLiteral("sub/c.pgm")), 64, 64, 1, 255, [](int, int, int) { return 1; });
        const auto one = data::loadImagePatches(dir.path().toStdString(), 16, 8, 3, 1);
        VERIFY_OK(one);
        QCOMPARE(one.value().images.sizes().vec(), (std::vector<std::int64_t>{29, 3, 16, 16}));
        QCOMPARE(one.value().classes, 1);
        QCOMPARE(one.value().labels.sum().item<std::int64_t>(), std::int64_t(0));
        const auto p = one.value().images.to(at::kInt);
        // Patch 9 of the colour image: row 1 (y0 = 8), column 2 (x0 = 16); its pixel (3, 5) is (19, 13, 7).
        QCOMPARE(p[9][0][5][3].item<int>(), 19);
        QCOMPARE(p[9][1][5][3].item<int>(), 13);
        QCOMPARE(p[9][2][5][3].item<int>(), 7);
        QCOMPARE(p[27][0][0][0].item<int>(), 48); // the last: x0 = 48, y0 = 24
        QCOMPARE(p[27][1][0][0].item<int>(), 24);
        QVERIFY(at::equal(p[28][0], p[28][2])); // the grey image, replicated
        QCOMPARE(p[28].min().item<int>(), 100);

        const auto two = data::loadImagePatches(dir.path().toStdString(), 16, 8, 3, 2);
        QVERIFY(two.ok());
        QCOMPARE(two.value().size(), std::int64_t(29 + 3));
        // Halved by area averaging: pixel (0, 0) of the first half-scale patch averages x in {0, 1}.
        const int r = two.value().images[28][0][0][0].item<std::uint8_t>();
        QVERIFY2(r == 0 || r == 1, qPrintable(QString::number(r)));
        const int g = two.value().images[28][1][2][0].item<std::uint8_t>(); // mean of y = 4, 5: 4.5
        QVERIFY2(g == 4 || g == 5, qPrintable(QString::number(g)));
        QCOMPARE(two.value().images[30][0][0][0].item<std::uint8_t>() / 2, 16); // x0 = 16 at half scale: x = 32, 33

        const auto limited = data::loadImagePatches(dir.path().toStdString(), 16, 8, 3, 2, 5);
        QCOMPARE(limited.value().size(), std::int64_t(5));

        const auto tooBig = data::loadImagePatches(dir.path().toStdString(), 128, 8, 3);
        QVERIFY(!tooBig.ok());
        QVERIFY2(QString::fromStdString(tooBig.error().message).contains(QStringLiteral("smaller than one")),
                 tooBig.error().message.c_str());
        QVERIFY(!data::loadImagePatches(dir.path().toStdString(), 16, 0, 3).ok());
        QVERIFY(!data::loadImagePatches(dir.path().toStdString(), 16, 8, 3, 9).ok());
        QVERIFY(!data::loadImagePatches("/nonexistent/reverie-photos", 16, 8, 3).ok());
    }
};

QTEST_GUILESS_MAIN(TestData)
#include "tst_data.moc"
