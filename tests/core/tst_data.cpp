// The Fashion-MNIST reader on the real files of Debian's dataset-fashion-mnist, and its errors on
// missing, truncated and corrupt files.

#include "data/fashion_mnist.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <zlib.h>

using namespace reverie;

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
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
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
};

QTEST_GUILESS_MAIN(TestData)
#include "tst_data.moc"
