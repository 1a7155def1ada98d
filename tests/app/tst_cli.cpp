// The command-line front ends: bad input gives a clear message and exit status 2, never a crash;
// `reverie-cli diagnostics --json` ends with one JSON object.

#include <QImage>
#include <QtTest>

namespace {
struct Run {
    int code = -1;
    QByteArray out, err;
};
Run run(const QString& program, const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    Run r;
    if (!p.waitForFinished(120000)) {
        p.kill();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2; // -2: crashed
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}
} // namespace

class TestCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void badCommandLines_data() {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        const QString cli = QStringLiteral(REVERIE_CLI), gui = QStringLiteral(REVERIE_GUI);
        QTest::newRow("cli no command") << cli << QStringList{} << "no command";
        QTest::newRow("cli unknown option") << cli << QStringList{"--frobnicate"} << "unknown option '--frobnicate'";
        QTest::newRow("cli unknown command") << cli << QStringList{"paint"} << "unknown command 'paint'";
        QTest::newRow("diag unknown option") << cli << QStringList{"diagnostics", "--fast"} << "Unknown option 'fast'";
        QTest::newRow("diag bad threads") << cli << QStringList{"diagnostics", "--threads", "many"} << "--threads";
        QTest::newRow("diag bad device") << cli << QStringList{"diagnostics", "--device", "tpu"} << "unknown device 'tpu'";
        QTest::newRow("generate without output") << cli << QStringList{"generate"} << "generate needs -o FILE.png";
        QTest::newRow("generate unknown sampler") << cli << QStringList{"generate", "-o", "x.png", "--sampler", "magic"}
                                                  << "unknown sampler 'magic'";
        QTest::newRow("generate bad nfe") << cli << QStringList{"generate", "-o", "x.png", "--nfe", "ten"} << "need numbers";
        QTest::newRow("bench unknown") << cli << QStringList{"bench", "restoration"} << "known: engine, generate, restore";
        QTest::newRow("restore without inputs") << cli << QStringList{"restore", "-o", "out"} << "at least one input";
        QTest::newRow("restore without output") << cli << QStringList{"restore", "a.png"} << "restore needs -o OUTDIR";
        QTest::newRow("restore unknown sampler") << cli << QStringList{"restore", "a.png", "-o", "out", "--sampler", "magic"}
                                                 << "unknown restoration sampler 'magic'";
        QTest::newRow("restore unknown task") << cli << QStringList{"restore", "a.png", "-o", "out", "--degrade", "rain"}
                                              << "unknown task 'rain'";
        QTest::newRow("export usage") << cli << QStringList{"export", "a.pt"} << "export needs CHECKPOINT OUT.pt";
        QTest::newRow("gui unknown option") << gui << QStringList{"--frobnicate"} << "Unknown option 'frobnicate'";
        QTest::newRow("gui unknown workbench") << gui << QStringList{"--workbench", "paint", "-platform", "offscreen"}
                                               << "unknown workbench 'paint'";
    }
    void badCommandLines() {
        QFETCH(QString, program);
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Run r = run(program, args);
        QCOMPARE(r.code, 2);
        QVERIFY2(QString::fromUtf8(r.err).contains(message), r.err.constData());
    }

    void diagnosticsJson() {
        const Run r = run(QStringLiteral(REVERIE_CLI), {"diagnostics", "--quick", "--json", "--threads", "1"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QList<QByteArray> lines = r.out.trimmed().split('\n');
        QJsonParseError err{};
        const auto doc = QJsonDocument::fromJson(lines.last(), &err);
        QVERIFY2(err.error == QJsonParseError::NoError, lines.last().constData());
        const auto o = doc.object();
        QCOMPARE(o.value(QStringLiteral("threads")).toInt(), 1);
        QVERIFY(o.value(QStringLiteral("matmul_gflops_median")).toDouble() > 0);
        QVERIFY(o.value(QStringLiteral("conv_gflops_median")).toDouble() > 0);
        QVERIFY(!o.value(QStringLiteral("torch_version")).toString().isEmpty());
        QVERIFY(r.err.contains("/")); // the progress bar went to stderr, not into the JSON
    }

    void generateWritesAScoredGrid() {
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("grid.png"));
        const Run r = run(QStringLiteral(REVERIE_CLI), {"generate", "-o", png, "--batch", "3", "--nfe", "4", "--sampler",
                                                        "edm-heun", "--score", "--json", "--threads", "1"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QImage img(png);
        QCOMPARE(img.size(), QSize(2 * 28 + 2, 2 * 28 + 2)); // 3 samples on a 2 × 2 grid
        const auto o = QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object();
        QCOMPARE(o.value(QStringLiteral("nfe")).toInt(), 3); // EDM Heun: 2 steps, 2N − 1 evaluations
        QVERIFY(o.value(QStringLiteral("fd")).toDouble() > 0);
        QCOMPARE(o.value(QStringLiteral("histogram")).toArray().size(), 10);
        // The model folder that does not exist is named.
        const Run bad = run(QStringLiteral(REVERIE_CLI), {"generate", "-o", png, "--model", "/no/such/model"});
        QCOMPARE(bad.code, 1);
        QVERIFY2(bad.err.contains("/no/such/model does not exist"), bad.err.constData());
        const Run list = run(QStringLiteral(REVERIE_CLI), {"generate", "--list-samplers"});
        QCOMPARE(list.code, 0);
        QCOMPARE(list.out.trimmed().split('\n').size(), 11);
    }

    void restoreFolderBatch() {
        // Three inputs: a grey 40×33 image degraded on the fly, a colour one (restored channel by
        // channel), and a corrupt file that is reported and skipped without stopping the batch.
        QTemporaryDir dir;
        QImage grey(40, 33, QImage::Format_Grayscale8);
        for (int y = 0; y < grey.height(); ++y)
            for (int x = 0; x < grey.width(); ++x) grey.setPixel(x, y, qRgb(6 * x, 6 * x, 6 * x));
        QVERIFY(grey.save(dir.filePath(QStringLiteral("grey.png"))));
        QImage colour(30, 30, QImage::Format_RGB888);
        colour.fill(QColor(200, 40, 90));
        QVERIFY(colour.save(dir.filePath(QStringLiteral("colour.png"))));
        QFile junk(dir.filePath(QStringLiteral("junk.png")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not an image");
        junk.close();
        const QString out = dir.filePath(QStringLiteral("out"));
        const Run r = run(QStringLiteral(REVERIE_CLI),
                          {"restore", dir.filePath(QStringLiteral("grey.png")), dir.filePath(QStringLiteral("colour.png")),
                           dir.filePath(QStringLiteral("junk.png")), "-o", out, "--nfe", "3", "--degrade", "noise",
                           "--json", "--threads", "1"});
        QCOMPARE(r.code, 1); // one input failed
        QVERIFY2(r.err.contains("junk.png"), r.err.constData());
        const auto o = QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object();
        QCOMPARE(o.value(QStringLiteral("written")).toInt(), 2);
        QCOMPARE(o.value(QStringLiteral("failed")).toInt(), 1);
        const QImage restored(out + QStringLiteral("/grey.png"));
        QCOMPARE(restored.size(), grey.size());
        QVERIFY(QFile::exists(out + QStringLiteral("/grey-degraded.png")));
        const QImage restoredColour(out + QStringLiteral("/colour.png"));
        QCOMPARE(restoredColour.size(), colour.size());
        QVERIFY(!restoredColour.isGrayscale());
        // Never over an input: restoring into the input's own folder is refused for that file.
        const Run same = run(QStringLiteral(REVERIE_CLI), {"restore", dir.filePath(QStringLiteral("grey.png")), "-o",
                                                           dir.path(), "--nfe", "2", "--threads", "1"});
        QCOMPARE(same.code, 1);
        QCOMPARE(QImage(dir.filePath(QStringLiteral("grey.png"))), grey);
    }

    void corruptSettingsDoNotStopTheGui() {
        QTemporaryDir dir;
        QFile f(dir.filePath(QStringLiteral("reverie.ini")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("\x00\xff[engine\nthreads=???\n", 22);
        f.close();
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("REVERIE_CONFIG_DIR"), dir.path());
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_DATA_HOME"), dir.filePath(QStringLiteral("data")));
        const QString shot = dir.filePath(QStringLiteral("shot.png"));
        const Run r = run(QStringLiteral(REVERIE_GUI), {"--screenshot", shot}, env);
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(QFile::exists(shot));
        QVERIFY2(r.err.contains("settings"), r.err.constData()); // the problem was reported
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
