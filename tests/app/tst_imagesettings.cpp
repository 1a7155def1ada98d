// Saved images carry their settings: PNG text chunks round-trip; inputs are never overwritten;
// images without settings, corrupt files and unwritable paths give clear messages.

#include "imagesettings.h"

#include <QtTest>

using namespace reverie::app;

class TestImageSettings : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip() {
        QTemporaryDir dir;
        QImage img(16, 8, QImage::Format_Grayscale8);
        img.fill(77);
        QJsonObject settings{{"sampler", "dpm-solver++(2m)"}, {"nfe", 20}, {"seed", 1234567}, {"guidance", 1.5},
                             {"classes", QJsonArray{1, 7}}, {"deterministic", true}};
        const QString path = dir.filePath(QStringLiteral("grid.png"));
        QString error;
        QVERIFY2(savePngWithSettings(img, settings, path, &error), qPrintable(error));
        const auto back = readPngSettings(path, &error);
        QVERIFY2(back.has_value(), qPrintable(error));
        QCOMPARE(*back, settings);
        QImage loaded(path);
        QCOMPARE(loaded.size(), img.size());
        QCOMPARE(qGray(loaded.pixel(3, 3)), 77);
        QCOMPARE(loaded.text(QStringLiteral("reverie.sampler")), QStringLiteral("dpm-solver++(2m)"));
    }

    void neverOverwritesAnInput() {
        QTemporaryDir dir;
        const QString input = dir.filePath(QStringLiteral("input.png"));
        QImage img(4, 4, QImage::Format_RGB888);
        img.fill(Qt::red);
        QVERIFY(img.save(input));
        const QByteArray before = [&] { QFile f(input); f.open(QIODevice::ReadOnly); return f.readAll(); }();
        QString error;
        QImage other(4, 4, QImage::Format_RGB888);
        other.fill(Qt::blue);
        QVERIFY(!savePngWithSettings(other, {}, dir.filePath(QStringLiteral("./input.png")), &error, {input}));
        QVERIFY(error.contains(QStringLiteral("input")));
        QFile f(input);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
    }

    void badFiles() {
        QTemporaryDir dir;
        QString error;
        const QString plain = dir.filePath(QStringLiteral("plain.png"));
        QImage img(4, 4, QImage::Format_RGB888);
        img.fill(Qt::green);
        QVERIFY(img.save(plain));
        QVERIFY(!readPngSettings(plain, &error).has_value());
        QVERIFY(error.contains(QStringLiteral("no Reverie settings")));

        const QString junk = dir.filePath(QStringLiteral("junk.png"));
        QFile f(junk);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("\x89PNG\r\n\x1a\n garbage");
        f.close();
        QVERIFY(!readPngSettings(junk, &error).has_value());
        QVERIFY(!error.isEmpty());

        QVERIFY(!savePngWithSettings(img, {}, QStringLiteral("/proc/nope/out.png"), &error));
        QVERIFY(error.contains(QStringLiteral("/proc/nope/out.png")));
        QVERIFY(!savePngWithSettings(QImage(), {}, dir.filePath(QStringLiteral("x.png")), &error));
    }
};

QTEST_MAIN(TestImageSettings)
#include "tst_imagesettings.moc"
