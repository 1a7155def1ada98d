// Preferences: round-trip, a corrupt file, invalid values, an unwritable output folder.

#include "settings.h"

#include <QtTest>

using reverie::app::Settings;

class TestSettings : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("reverie.ini"));
        Settings s;
        s.device = QStringLiteral("cuda"); // not the default, so a value that was not saved shows
        s.threads = 2;
        s.language = QStringLiteral("de");
        s.outputDir = dir.filePath(QStringLiteral("out"));
        s.modelsDir = dir.filePath(QStringLiteral("checkpoints"));
        QString error;
        QVERIFY2(s.save(path, &error), qPrintable(error));
        const Settings t = Settings::load(path);
        QVERIFY(t.problems.isEmpty());
        QCOMPARE(t.device, QStringLiteral("cuda"));
        QCOMPARE(t.threads, 2);
        QCOMPARE(t.language, QStringLiteral("de"));
        QCOMPARE(t.outputDir, s.outputDir);
        QCOMPARE(t.modelsDir, s.modelsDir);
    }

    void missingFileGivesDefaultsQuietly() {
        const Settings s = Settings::load(QStringLiteral("/nonexistent/reverie.ini"));
        QVERIFY(s.problems.isEmpty());
        QCOMPARE(s.device, QStringLiteral("cpu"));
        QCOMPARE(s.threads, 0);
    }

    void corruptFileGivesDefaultsAndAMessage_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("binary junk") << QByteArray("\x00\xff\xfe[[[\x01\x02garbage\n\x00\x00=", 20);
        QTest::newRow("bad values") << QByteArray("[engine]\ndevice=quantum\nthreads=lots\n[ui]\nlanguage=xx\n");
        QTest::newRow("negative threads") << QByteArray("[engine]\nthreads=-4\n");
    }
    void corruptFileGivesDefaultsAndAMessage() {
        QFETCH(QByteArray, content);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("reverie.ini"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
        f.close();
        const Settings s = Settings::load(path);
        QVERIFY(!s.problems.isEmpty());
        QCOMPARE(s.device, QStringLiteral("cpu"));
        QCOMPARE(s.threads, 0);
        QCOMPARE(s.language, QStringLiteral("en"));
    }

    void unwritableOutputFolderFallsBack() {
        Settings s;
        s.outputDir = QStringLiteral("/proc/reverie-cannot-write-here");
        QString why;
        const QString dir = s.effectiveOutputDir(&why);
        QVERIFY(dir != s.outputDir);
        QVERIFY(!why.isEmpty());
        QVERIFY(why.contains(s.outputDir));
        QVERIFY(reverie::app::folderWritable(dir));
    }
};

QTEST_GUILESS_MAIN(TestSettings)
#include "tst_settings.moc"
