// The command-line front ends: bad input gives a clear message and exit status 2, never a crash;
// `reverie-cli diagnostics --json` ends with one JSON object.

#include "cliprocess.h"
#include "sdfixture.h"

#include <QBuffer>
#include <QDataStream>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <map>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace {
// A PNG whose header claims width × height: a real 8×8 file with its IHDR size patched, so the
// size check must happen before any decoding (decoding 50 000² would need 7.5 GB).
QByteArray pngClaiming(quint32 width, quint32 height) {
    QImage small(8, 8, QImage::Format_RGB888);
    small.fill(Qt::gray);
    QByteArray bytes;
    QBuffer buf(&bytes);
    buf.open(QIODevice::WriteOnly);
    small.save(&buf, "PNG");
    for (int i = 0; i < 4; ++i) {
        bytes[16 + i] = char((width >> (24 - 8 * i)) & 0xFF);
        bytes[20 + i] = char((height >> (24 - 8 * i)) & 0xFF);
    }
    return bytes;
}

// A PCM WAV file (8-bit unsigned or 16-bit signed), samples interleaved, in [−1, 1].
bool writeWav(const QString& path, int rate, int channels, int bits, const std::vector<float>& interleaved) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return false;
    const quint32 bytesPerSample = quint32(bits / 8);
    const quint32 data = quint32(interleaved.size()) * bytesPerSample;
    QDataStream s(&f);
    s.setByteOrder(QDataStream::LittleEndian);
    s.writeRawData("RIFF", 4);
    s << quint32(36 + data);
    s.writeRawData("WAVEfmt ", 8);
    s << quint32(16) << quint16(1) << quint16(channels) << quint32(rate) << quint32(rate * channels * bytesPerSample)
      << quint16(channels * bytesPerSample) << quint16(bits);
    s.writeRawData("data", 4);
    s << data;
    for (float v : interleaved) {
        v = std::clamp(v, -1.0f, 1.0f);
        if (bits == 8)
            s << quint8(std::lround(127.5f + 127.5f * v));
        else
            s << qint16(std::lround(32767.0f * v));
    }
    return s.status() == QDataStream::Ok;
}

// The frame count of a 16-bit mono WAV file written by Reverie (its "data" chunk size / 2), −1 when
// the file is not one.
qint64 wavFrames(const QString& path, int* rate) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return -1;
    const QByteArray b = f.readAll();
    if (b.size() < 44 || !b.startsWith("RIFF") || b.mid(8, 4) != "WAVE") return -1;
    int pos = 12;
    while (pos + 8 <= b.size()) {
        const QByteArray id = b.mid(pos, 4);
        quint32 size = 0;
        std::memcpy(&size, b.constData() + pos + 4, 4);
        if (id == "fmt ") {
            quint16 channels = 0, bits = 0;
            std::memcpy(&channels, b.constData() + pos + 10, 2);
            std::memcpy(rate, b.constData() + pos + 12, 4);
            std::memcpy(&bits, b.constData() + pos + 22, 2);
            if (channels != 1 || bits != 16) return -1;
        }
        if (id == "data") return qint64(size) / 2;
        pos += 8 + int(size) + int(size % 2);
    }
    return -1;
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
        QTest::newRow("bench continual bad ewc lambda")
            << cli << QStringList{"bench", "continual", "--ewc-lambda", "-1"}
            << "--ewc-lambda needs a number >= 0";
        QTest::newRow("restore without inputs") << cli << QStringList{"restore", "-o", "out"} << "at least one input";
        QTest::newRow("restore without output") << cli << QStringList{"restore", "a.png"} << "restore needs -o OUTDIR";
        QTest::newRow("restore unknown sampler") << cli << QStringList{"restore", "a.png", "-o", "out", "--sampler", "magic"}
                                                 << "unknown restoration sampler 'magic'";
        QTest::newRow("restore unknown task") << cli << QStringList{"restore", "a.png", "-o", "out", "--degrade", "rain"}
                                              << "unknown task 'rain'";
        QTest::newRow("restore bad noise sigma")
            << cli << QStringList{"restore", "a.png", "-o", "out", "--noise-sigma", "300"}
            << "--noise-sigma needs a value between 0 and 255";
        QTest::newRow("restore bad pnp schedule")
            << cli << QStringList{"restore", "a.png", "-o", "out", "--pnp", "8:49"}
            << "plug-and-play schedule \"8:49\": expected ITERATIONS:SIGMA_START:SIGMA_END";
        QTest::newRow("restore bad pnp order")
            << cli << QStringList{"restore", "a.png", "-o", "out", "--pnp", "8:1:49"}
            << "needs 0 < SIGMA_END <= SIGMA_START <= 255";
        QTest::newRow("restore bad pnp nfe")
            << cli << QStringList{"restore", "a.png", "-o", "out", "--pnp", "auto", "--pnp-nfe", "0"}
            << "--pnp-nfe needs a whole number >= 1";
        QTest::newRow("restore bad device")
            << cli << QStringList{"restore", "a.png", "-o", "out", "--device", "tpu"}
            << "--device tpu: unknown device";
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

    void benchEngineMeasuresTheNetworkInsideTheRun() {
        // Every row's overhead is the run's wall time over the time spent inside the network in
        // that same run: the network time is part of the run, the mean evaluation is it over NFE.
        const Run r = run(QStringLiteral(REVERIE_CLI), {"bench", "engine", "--quick", "--json", "--threads", "1"});
        QVERIFY2(r.code == 0, r.err.constData());
        const auto o = QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object();
        const auto rows = o.value(QStringLiteral("rows")).toArray();
        QCOMPARE(rows.size(), 24); // 12 samplers × batch 1 and 16
        double worst = 0;
        for (const auto& v : rows) {
            const auto row = v.toObject();
            const double seconds = row.value(QStringLiteral("seconds")).toDouble();
            const double network = row.value(QStringLiteral("network_seconds")).toDouble();
            const double nfe = row.value(QStringLiteral("nfe")).toDouble();
            QVERIFY2(network > 0 && network < seconds, qPrintable(row.value(QStringLiteral("sampler")).toString()));
            QVERIFY(nfe >= 1);
            QCOMPARE(row.value(QStringLiteral("overhead")).toDouble(), seconds / network);
            QVERIFY(std::abs(row.value(QStringLiteral("eval_seconds")).toDouble() * nfe - network) <= 1e-9 * (1 + network));
            worst = std::max(worst, seconds / network);
        }
        QCOMPARE(o.value(QStringLiteral("max_overhead")).toDouble(), worst);
    }

    void benchEngineServesTheShippedNetworks() {
        // Shard 4 of 6 holds PF-ODE RK4 (a VP-SDE sampler) and the IR-SDE posterior at batch 1
        // and 16: each served by its shipped network, measured the same way.
        const Run r = run(QStringLiteral(REVERIE_CLI), {"bench", "engine", "--quick", "--networks", "shipped",
                                                        "--shard", "4/6", "--json", "--threads", "1"});
        QVERIFY2(r.code == 0, r.err.constData());
        const auto o = QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object();
        QCOMPARE(o.value(QStringLiteral("config")).toObject().value(QStringLiteral("networks")).toString(),
                 QStringLiteral("shipped"));
        const auto nets = o.value(QStringLiteral("networks")).toArray();
        QCOMPARE(nets.size(), 2);
        QCOMPARE(nets[0].toObject().value(QStringLiteral("input")).toArray().at(1).toInt(), 28);
        QCOMPARE(nets[1].toObject().value(QStringLiteral("input")).toArray().at(1).toInt(), 64);
        const auto rows = o.value(QStringLiteral("rows")).toArray();
        QCOMPARE(rows.size(), 4);
        for (const auto& v : rows) {
            const auto row = v.toObject();
            const auto sampler = row.value(QStringLiteral("sampler")).toString();
            QCOMPARE(row.value(QStringLiteral("network")).toString(),
                     sampler.startsWith(QStringLiteral("ir-sde")) ? QStringLiteral("photo-denoise")
                                                                  : QStringLiteral("fmnist-edm"));
            const double seconds = row.value(QStringLiteral("seconds")).toDouble();
            const double network = row.value(QStringLiteral("network_seconds")).toDouble();
            QVERIFY2(network > 0 && network < seconds, qPrintable(sampler));
        }
        const Run bad = run(QStringLiteral(REVERIE_CLI), {"bench", "engine", "--networks", "real"});
        QCOMPARE(bad.code, 2);
        QVERIFY(bad.err.contains("random or shipped"));
    }

    void benchTuneJson() {
        const Run r = run(QStringLiteral(REVERIE_CLI), {"bench", "tune", "--depths", "2,6", "--batches", "4", "--methods",
                                                        "full,meft1", "--samples", "1", "--json", "--threads", "1"});
        QVERIFY2(r.code == 0, r.err.constData());
        const auto rows = QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object().value(QStringLiteral("rows")).toArray();
        QCOMPARE(rows.size(), 4);
        std::map<std::pair<QString, int>, double> mib;
        for (const auto& v : rows) {
            const auto o = v.toObject();
            QCOMPARE(o.value(QStringLiteral("batch")).toInt(), 4);
            QVERIFY(o.value(QStringLiteral("seconds_per_step")).toDouble() > 0);
            mib[{o.value(QStringLiteral("method")).toString(), o.value(QStringLiteral("depth")).toInt()}] =
                o.value(QStringLiteral("activation_mib")).toDouble();
        }
        // Plain backprop stores every block; reversible MEFT keeps only the top output.
        const double full2 = mib[{"full", 2}], full6 = mib[{"full", 6}];
        const double meft2 = mib[{"meft1", 2}], meft6 = mib[{"meft1", 6}];
        QVERIFY(full6 > 2 * full2);
        QCOMPARE(meft6, meft2);
        QVERIFY(meft6 < full6 / 2);
        const Run bad = run(QStringLiteral(REVERIE_CLI), {"bench", "tune", "--methods", "meft4"});
        QCOMPARE(bad.code, 1);
        QVERIFY2(bad.err.contains("unknown method 'meft4'"), bad.err.constData());
        const Run zero = run(QStringLiteral(REVERIE_CLI), {"bench", "tune", "--depths", "0"});
        QCOMPARE(zero.code, 2);
        QVERIFY2(zero.err.contains("--depths needs"), zero.err.constData());
    }

    void benchPublishedPicksNetworks() {
        const Run r = run(QStringLiteral(REVERIE_CLI), {"bench", "published", "--networks", "clip", "--samples", "1", "--json",
                                                        "--threads", "1"});
        QVERIFY2(r.code == 0, r.err.constData());
        const auto nets = QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object().value(QStringLiteral("networks")).toArray();
        QCOMPARE(nets.size(), 1);
        QCOMPARE(nets[0].toObject().value(QStringLiteral("network")).toString(), QStringLiteral("sd1_clip_text"));
        QCOMPARE(nets[0].toObject().value(QStringLiteral("parameters")).toDouble(), 123060480.0);
        const Run bad = run(QStringLiteral(REVERIE_CLI), {"bench", "published", "--networks", "sdxl"});
        QCOMPARE(bad.code, 2);
        QVERIFY2(bad.err.contains("unknown network 'sdxl'"), bad.err.constData());
    }

    void tuneOverridesTheMethodAndReportsMemory() {
        QTemporaryDir dir;
        auto write = [&](const QString& name, const QByteArray& json) {
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(json);
        };
        write(QStringLiteral("t.json"), R"({"name": "t", "task": "dit-tune", "steps": 2, "batch": 8, "warmup": 1,
            "checkpoint_every": 100, "log_every": 1,
            "options": {"base": "fmnist-dit", "classes": [5, 8], "train_limit": 300, "method": "full", "eval_samples": 0}})");
        write(QStringLiteral("d.json"), R"({"name": "d", "task": "denoiser", "steps": 2})");
        const Run r = run(QStringLiteral(REVERIE_CLI), {"tune", dir.filePath(QStringLiteral("t.json")), "--method", "meft1",
                                                        "--out", dir.filePath(QStringLiteral("run")), "--json", "--threads", "1"});
        QVERIFY2(r.code == 0, r.err.constData());
        const auto o = QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object();
        QCOMPARE(o.value(QStringLiteral("name")).toString(), QStringLiteral("t-meft1"));
        QCOMPARE(o.value(QStringLiteral("step")).toInt(), 2);
        QVERIFY(o.value(QStringLiteral("peak_activation_mib")).toDouble() > 0);
        QVERIFY(o.value(QStringLiteral("parameters")).toDouble() < 300000); // adapters and labels, not the whole DiT
        // The run's tuned adapter is written beside its checkpoint and named in the summary.
        const QString adapter = dir.filePath(QStringLiteral("run/adapter.safetensors"));
        QCOMPARE(o.value(QStringLiteral("files")).toArray(), QJsonArray{adapter});
        QVERIFY(QFileInfo(adapter).size() > 0);
        QVERIFY(QFileInfo(adapter).size() < QFileInfo(dir.filePath(QStringLiteral("run/checkpoint.pt"))).size() / 4);
        QVERIFY2(r.err.contains("wrote " + adapter.toUtf8()), r.err.constData());
        const Run notTune = run(QStringLiteral(REVERIE_CLI), {"tune", dir.filePath(QStringLiteral("d.json"))});
        QCOMPARE(notTune.code, 2);
        QVERIFY2(notTune.err.contains("not a fine-tuning recipe"), notTune.err.constData());
        const Run badMethod = run(QStringLiteral(REVERIE_CLI), {"tune", dir.filePath(QStringLiteral("t.json")), "--method", "meft9"});
        QCOMPARE(badMethod.code, 2);
        QVERIFY2(badMethod.err.contains("unknown method 'meft9'"), badMethod.err.constData());
        const Run badModulation = run(QStringLiteral(REVERIE_CLI), {"tune", dir.filePath(QStringLiteral("t.json")), "--method",
                                                                    "meft1", "--modulation", "weights"});
        QCOMPARE(badModulation.code, 2);
        QVERIFY2(badModulation.err.contains("unknown modulation 'weights'"), badModulation.err.constData());
        // --modulation names the run and trains the modulation's LoRA update too: more weights.
        const Run withLoRA = run(QStringLiteral(REVERIE_CLI), {"tune", dir.filePath(QStringLiteral("t.json")), "--method", "meft1",
                                                               "--modulation", "lora", "--out", dir.filePath(QStringLiteral("run2")),
                                                               "--json", "--threads", "1"});
        QVERIFY2(withLoRA.code == 0, withLoRA.err.constData());
        const auto o2 = QJsonDocument::fromJson(withLoRA.out.trimmed().split('\n').last()).object();
        QCOMPARE(o2.value(QStringLiteral("name")).toString(), QStringLiteral("t-meft1-mod-lora"));
        QVERIFY(o2.value(QStringLiteral("parameters")).toDouble() > o.value(QStringLiteral("parameters")).toDouble());
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
        QCOMPARE(list.out.trimmed().split('\n').size(), 13);
    }

    // `sd` on a tiny complete SD file made of the oracle fixtures: each PNG carries its settings
    // as A1111 "parameters" text; --from-png reproduces an image from them.
    void sdWritesItsSettingsAndReadsThemBack() {
        QTemporaryDir dir;
        const QString fx = QStringLiteral(REVERIE_SOURCE_DIR "/tests/fixtures/sd/");
        const QString ckpt = dir.filePath(QStringLiteral("tiny-sd.safetensors"));
        QVERIFY(reverie::testing::writeTinySdCheckpoint(ckpt));
        const QString png = dir.filePath(QStringLiteral("fox.png"));
        const Run r = run(QStringLiteral(REVERIE_CLI),
                          {"sd", "--checkpoint", ckpt, "-o", png, "--prompt", "a red fox", "--negative", "blurry",
                           "--size", "32x32", "--steps", "3", "--batch", "2", "--seed", "7", "--cfg", "4",
                           "--text-heads", "2", "--json", "--threads", "1"});
        QVERIFY2(r.code == 0, r.err.constData());
        const auto o = QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object();
        QCOMPARE(o.value(QStringLiteral("nfe")).toInt(), 3);
        QCOMPARE(o.value(QStringLiteral("files")).toArray().size(), 2);
        QCOMPARE(o.value(QStringLiteral("precision")).toString(), QStringLiteral("fp32"));
        QVERIFY(o.value(QStringLiteral("weight_bytes")).toDouble() > 0);
        const Run fp16 = run(QStringLiteral(REVERIE_CLI), {"sd", "--checkpoint", ckpt, "-o", dir.filePath(QStringLiteral("h.png")),
                                                           "--precision", "fp16", "--threads", "1"});
        QVERIFY(fp16.code != 0);
        QVERIFY2(fp16.err.contains("choose bf16"), fp16.err.constData());
        const QImage second(dir.filePath(QStringLiteral("fox-2.png")));
        QCOMPARE(second.size(), QSize(32, 32));
        const QString params = second.text(QStringLiteral("parameters"));
        QVERIFY2(params.startsWith(QStringLiteral("a red fox\nNegative prompt: blurry\nSteps: 3, Sampler: DPM++ 2M Karras, "
                                                  "CFG scale: 4.0, Seed: 8, Size: 32x32, Model: tiny-sd")),
                 qPrintable(params));
        const QString again = dir.filePath(QStringLiteral("again.png"));
        const Run back = run(QStringLiteral(REVERIE_CLI), {"sd", "--checkpoint", ckpt, "-o", again, "--from-png",
                                                           dir.filePath(QStringLiteral("fox-2.png")), "--text-heads", "2",
                                                           "--threads", "1"});
        QVERIFY2(back.code == 0, back.err.constData());
        const QImage img(again);
        QCOMPARE(img.text(QStringLiteral("parameters")), params);
        QVERIFY(reverie::testing::maxPixelDiff(img, second) <= 1); // item 1 of a batch of two = the run of its seed alone
        // sd-erase writes an edit; sd --edit applies it (weight 0: the image as before).
        const QString edit = dir.filePath(QStringLiteral("fox-edit.safetensors"));
        const Run erase = run(QStringLiteral(REVERIE_CLI), {"sd-erase", "--checkpoint", ckpt, "--concept", "a red fox",
                                                            "--method", "rece", "-o", edit, "--text-heads", "2", "--json",
                                                            "--threads", "1"});
        QVERIFY2(erase.code == 0, erase.err.constData());
        const auto eo = QJsonDocument::fromJson(erase.out.trimmed().split('\n').last()).object();
        QCOMPARE(eo.value(QStringLiteral("matrices")).toInt(), 22);
        QVERIFY(QFileInfo::exists(edit));
        for (const QString& weight : {QStringLiteral("0"), QStringLiteral("1")}) {
            const QString edited = dir.filePath(QStringLiteral("edited-%1.png").arg(weight));
            const Run e = run(QStringLiteral(REVERIE_CLI), {"sd", "--checkpoint", ckpt, "-o", edited, "--from-png",
                                                            dir.filePath(QStringLiteral("fox-2.png")), "--text-heads", "2",
                                                            "--edit", edit + ":" + weight, "--threads", "1"});
            QVERIFY2(e.code == 0, e.err.constData());
            const int d = reverie::testing::maxPixelDiff(QImage(edited), second);
            QVERIFY2(weight == QLatin1String("0") ? d <= 1 : d > 1, qPrintable(QString::number(d)));
        }
        // ESD-x from the command line: a few steps on a 16² latent; the JSON reports the training,
        // the file is an edit; a second concept or a guide is a usage error.
        const QString esd = dir.filePath(QStringLiteral("fox-esd.safetensors"));
        const Run esdRun = run(QStringLiteral(REVERIE_CLI),
                               {"sd-erase", "--checkpoint", ckpt, "--concept", "a red fox", "--method", "esd", "--steps", "3",
                                "--lr", "1e-3", "--pool-images", "1", "--pool-steps", "2", "--latent", "16", "-o", esd,
                                "--text-heads", "2", "--json", "--threads", "1"});
        QVERIFY2(esdRun.code == 0, esdRun.err.constData());
        const auto es = QJsonDocument::fromJson(esdRun.out.trimmed().split('\n').last()).object();
        QCOMPARE(es.value(QStringLiteral("method")).toString(), QStringLiteral("esd"));
        QCOMPARE(es.value(QStringLiteral("steps")).toInt(), 3);
        QCOMPARE(es.value(QStringLiteral("matrices")).toInt(), 22);
        QVERIFY(QFileInfo::exists(esd));
        const Run esdTwo = run(QStringLiteral(REVERIE_CLI), {"sd-erase", "--checkpoint", ckpt, "--concept", "a red fox",
                                                             "--concept", "a dog", "--method", "esd", "-o", esd});
        QCOMPARE(esdTwo.code, 2);
        QVERIFY2(esdTwo.err.contains("ESD and SPM erase one --concept"), esdTwo.err.constData());
        // SPM the same way: the JSON names it and reports the held-out shifts.
        const QString spm = dir.filePath(QStringLiteral("fox-spm.safetensors"));
        const Run spmRun =
            run(QStringLiteral(REVERIE_CLI), {"sd-erase",  "--checkpoint", ckpt,        "--concept",
                                              "a red fox", "--method",     "spm",       "--steps",
                                              "3",         "--lr",         "1e-2",      "--anchor-weight",
                                              "1",         "--anchors",    "2",         "--pool-images",
                                              "1",         "--pool-steps", "2",         "--latent",
                                              "16",        "-o",           spm,         "--text-heads",
                                              "2",         "--json",       "--threads", "1"});
        QVERIFY2(spmRun.code == 0, spmRun.err.constData());
        const auto sp = QJsonDocument::fromJson(spmRun.out.trimmed().split('\n').last()).object();
        QCOMPARE(sp.value(QStringLiteral("method")).toString(), QStringLiteral("spm"));
        QCOMPARE(sp.value(QStringLiteral("steps")).toInt(), 3);
        QVERIFY(sp.value(QStringLiteral("concept_shift")).toDouble() > 0);
        QVERIFY(sp.value(QStringLiteral("anchor_shift")).toDouble() > 0);
        QVERIFY(QFileInfo::exists(spm));
        // Generating with the membrane: its γ for the prompt in the JSON (1 for the concept's own words).
        const Run withSpm =
            run(QStringLiteral(REVERIE_CLI), {"sd", "--checkpoint", ckpt, "--prompt", "a red fox", "--edit",
                                              spm, "--size", "32x32", "--steps", "2", "--text-heads", "2",
                                              "-o", dir.filePath(QStringLiteral("spm.png")), "--json"});
        QVERIFY2(withSpm.code == 0, withSpm.err.constData());
        const auto ws = QJsonDocument::fromJson(withSpm.out.trimmed().split('\n').last()).object();
        QCOMPARE(ws.value(QStringLiteral("transport"))
                     .toObject()
                     .value(QStringLiteral("fox-spm.safetensors"))
                     .toDouble(),
                 1.0);
        QVERIFY2(withSpm.err.contains("transport γ 1.000"), withSpm.err.constData());
        const Run spmBad =
            run(QStringLiteral(REVERIE_CLI), {"sd-erase", "--checkpoint", ckpt, "--concept", "a red fox",
                                              "--method", "spm", "--anchors", "many", "-o", spm});
        QCOMPARE(spmBad.code, 2);
        QVERIFY2(spmBad.err.contains("--anchors need numbers"), spmBad.err.constData());
        // sd-attack on the RECE edit, both ways: the JSON reports the attack, the states file it
        // writes changes what `sd --edit … --states` draws; an unknown method is a usage error.
        const QString second2 = dir.filePath(QStringLiteral("attack-plain.png"));
        const Run plainEdited =
            run(QStringLiteral(REVERIE_CLI),
                {"sd", "--checkpoint", ckpt, "--prompt", "a red fox", "--edit", edit, "--size", "32x32",
                 "--steps", "2", "--cfg", "1", "--text-heads", "2", "-o", second2});
        QVERIFY2(plainEdited.code == 0, plainEdited.err.constData());
        for (const char* method : {"closed-form", "sampler", "closed-form-both"}) {
            const QString states =
                dir.filePath(QStringLiteral("states-%1.safetensors").arg(QLatin1String(method)));
            const bool both = QLatin1String(method) == QLatin1String("closed-form-both");
            QStringList args = {"sd-attack",
                                "--checkpoint",
                                ckpt,
                                "--edit",
                                edit,
                                "--prompt",
                                "a red fox",
                                "--method",
                                both ? "closed-form" : method,
                                "--iterations",
                                "2",
                                "--train-seeds",
                                "1",
                                "--batch",
                                "1",
                                "--held-out-seeds",
                                "1",
                                "--steps",
                                "2",
                                "--latent",
                                "8",
                                "--guidance",
                                "1",
                                "--text-heads",
                                "2",
                                "-o",
                                states,
                                "--json",
                                "--threads",
                                "1"};
            if (both) args << QStringLiteral("--negative-branch");
            const Run attack = run(QStringLiteral(REVERIE_CLI), args);
            QVERIFY2(attack.code == 0, attack.err.constData());
            const auto ao = QJsonDocument::fromJson(attack.out.trimmed().split('\n').last()).object();
            QCOMPARE(ao.value(QStringLiteral("method")).toString(),
                     both ? QStringLiteral("closed-form") : QString::fromLatin1(method));
            QCOMPARE(ao.value(QStringLiteral("negative_branch")).toBool(), both);
            if (both) {
                QVERIFY(ao.value(QStringLiteral("residual_negative_attack")).toDouble() <
                        ao.value(QStringLiteral("residual_negative_prompt")).toDouble());
            } else if (QLatin1String(method) == QLatin1String("sampler")) {
                QCOMPARE(ao.value(QStringLiteral("losses")).toArray().size(), 2);
                QCOMPARE(ao.value(QStringLiteral("forward_nfe")).toInt(),
                         2 * 3); // 2 steps × (N + 1), one seed
                QVERIFY(ao.value(QStringLiteral("held_out_edited")).toDouble() > 0);
            } else {
                QVERIFY(ao.value(QStringLiteral("residual_attack")).toDouble() <
                        ao.value(QStringLiteral("residual_prompt")).toDouble());
            }
            const QString drawn = dir.filePath(QStringLiteral("attack-%1.png").arg(QLatin1String(method)));
            const Run gen =
                run(QStringLiteral(REVERIE_CLI),
                    {"sd", "--checkpoint", ckpt, "--prompt", "a red fox", "--edit", edit, "--states", states,
                     "--size", "32x32", "--steps", "2", "--cfg", "1", "--text-heads", "2", "-o", drawn});
            QVERIFY2(gen.code == 0, gen.err.constData());
            QVERIFY(reverie::testing::maxPixelDiff(QImage(drawn), QImage(second2)) > 0);
        }
        const Run badMethod =
            run(QStringLiteral(REVERIE_CLI), {"sd-attack", "--checkpoint", ckpt, "--edit", edit, "--prompt",
                                              "a red fox", "--method", "magic", "-o", png});
        QCOMPARE(badMethod.code, 2);
        QVERIFY2(badMethod.err.contains("--method must be closed-form or sampler"),
                 badMethod.err.constData());
        // Not an SD file: the reason, exit 1; no checkpoint at all: a usage error.
        const Run notSd = run(QStringLiteral(REVERIE_CLI), {"sd", "--checkpoint", fx + "sd_unet_small.safetensors", "-o", png,
                                                            "--size", "32x32"});
        QCOMPARE(notSd.code, 1);
        QVERIFY2(notSd.err.contains("text encoder"), notSd.err.constData());
        const Run noCkpt = run(QStringLiteral(REVERIE_CLI), {"sd", "-o", png});
        QCOMPARE(noCkpt.code, 2);
        QVERIFY2(noCkpt.err.contains("sd needs --checkpoint FILE"), noCkpt.err.constData());
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
        // The photo model reads the input's noise level: estimated unless --noise-sigma gives it.
        for (const QString& given : {QString(), QStringLiteral("10")}) {
            QStringList args{"restore", dir.filePath(QStringLiteral("colour.png")), "-o", out + QStringLiteral("-photo"),
                             "--model", "photo-denoise", "--nfe", "2", "--threads", "1"};
            if (!given.isEmpty()) args << "--noise-sigma" << given;
            const Run photo = run(QStringLiteral(REVERIE_CLI), args);
            QVERIFY2(photo.code == 0, photo.err.constData());
            const QString note = QString::fromUtf8(photo.err);
            QVERIFY2(given.isEmpty() ? note.contains(QStringLiteral("noise level σ ≈"))
                                     : note.contains(QStringLiteral("noise level σ = 10.0")),
                     photo.err.constData());
        }
        // --task: without --model, the built-in photo models; down2 enlarges the file 2×, and the
        // photo restorer is told the input has no noise; an unknown task is a usage error.
        const Run sr = run(QStringLiteral(REVERIE_CLI), {"restore", dir.filePath(QStringLiteral("colour.png")), "-o",
                                                         out + QStringLiteral("-sr"), "--task", "down2", "--nfe", "2",
                                                         "--threads", "1"});
        QVERIFY2(sr.code == 0, sr.err.constData());
        QCOMPARE(QImage(out + QStringLiteral("-sr/colour.png")).size(), colour.size() * 2);
        QVERIFY2(QString::fromUtf8(sr.err).contains(QStringLiteral("noise level σ = 0.0")), sr.err.constData());
        const Run rain = run(QStringLiteral(REVERIE_CLI), {"restore", dir.filePath(QStringLiteral("colour.png")), "-o",
                                                           out + QStringLiteral("-rain"), "--task", "rain"});
        QCOMPARE(rain.code, 2);
        QVERIFY2(rain.err.contains("unknown task 'rain'"), rain.err.constData());
    }

    void enhanceFolderBatch() {
        // Five inputs: 1.5 s of noisy 16 kHz speech-like sound, 0.5 s of a 6-channel 48 kHz file,
        // an 8-bit file, an empty (0-byte) file and a WAV with a header but no samples. The three
        // readable ones are enhanced to 16 kHz mono WAV of the same duration; the two others are
        // reported by name and skipped without stopping the batch.
        QTemporaryDir dir;
        std::mt19937 rng(3);
        std::normal_distribution<float> noise(0.0f, 0.05f);
        auto voice = [&](int rate, int n, int channels) {
            std::vector<float> v;
            for (int i = 0; i < n; ++i) {
                const double t = double(i) / rate;
                const float s = float(0.3 * std::sin(2 * M_PI * 180 * t) * (0.6 + 0.4 * std::sin(2 * M_PI * 3 * t)));
                for (int c = 0; c < channels; ++c) v.push_back(s + noise(rng));
            }
            return v;
        };
        const QString mono = dir.filePath(QStringLiteral("mono.wav")), six = dir.filePath(QStringLiteral("six.wav")),
                      eight = dir.filePath(QStringLiteral("eight.wav")), empty = dir.filePath(QStringLiteral("empty.wav")),
                      none = dir.filePath(QStringLiteral("none.wav"));
        QVERIFY(writeWav(mono, 16000, 1, 16, voice(16000, 24000, 1)));
        QVERIFY(writeWav(six, 48000, 6, 16, voice(48000, 24000, 6)));
        QVERIFY(writeWav(eight, 16000, 1, 8, voice(16000, 8000, 1)));
        QVERIFY(writeWav(none, 16000, 1, 16, {}));
        QFile e(empty);
        QVERIFY(e.open(QIODevice::WriteOnly));
        e.close();
        const QString out = dir.filePath(QStringLiteral("out"));
        const Run r = run(QStringLiteral(REVERIE_CLI), {"enhance", mono, six, eight, empty, none, "-o", out, "--nfe", "2",
                                                        "--json", "--threads", "1"});
        QCOMPARE(r.code, 1); // two inputs failed
        QVERIFY2(r.err.contains("empty.wav") && r.err.contains("none.wav"), r.err.constData());
        const auto o = QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object();
        QCOMPARE(o.value(QStringLiteral("written")).toInt(), 3);
        QCOMPARE(o.value(QStringLiteral("failed")).toInt(), 2);
        QCOMPARE(o.value(QStringLiteral("nfe")).toInt(), 2);
        int rate = 0;
        QCOMPARE(wavFrames(out + QStringLiteral("/mono.wav"), &rate), qint64(24000));
        QCOMPARE(rate, 16000);
        const qint64 sixFrames = wavFrames(out + QStringLiteral("/six.wav"), &rate);
        QVERIFY2(std::abs(sixFrames - 8000) <= 1, qPrintable(QString::number(sixFrames))); // 0.5 s at 16 kHz
        QCOMPARE(wavFrames(out + QStringLiteral("/eight.wav"), &rate), qint64(8000));
        QVERIFY(!QFile::exists(out + QStringLiteral("/empty.wav")));
        // Never over an input: enhancing into the input's own folder is refused for that file.
        QFile original(mono);
        QVERIFY(original.open(QIODevice::ReadOnly));
        const QByteArray before = original.readAll();
        original.close();
        const Run same = run(QStringLiteral(REVERIE_CLI), {"enhance", mono, "-o", dir.path(), "--nfe", "2", "--threads", "1"});
        QCOMPARE(same.code, 1);
        QVERIFY2(same.err.contains("refusing to overwrite"), same.err.constData());
        QVERIFY(original.open(QIODevice::ReadOnly));
        QCOMPARE(original.readAll(), before);
        // Unknown sampler: a usage error before anything runs.
        const Run bad = run(QStringLiteral(REVERIE_CLI), {"enhance", mono, "-o", out, "--sampler", "magic"});
        QCOMPARE(bad.code, 2);
        QVERIFY2(bad.err.contains("unknown enhancement sampler"), bad.err.constData());
        // A chunk length that is not a multiple of 64 frames: the same, naming the rule.
        const Run chunk =
            run(QStringLiteral(REVERIE_CLI), {"enhance", mono, "-o", out, "--chunk-frames", "100"});
        QCOMPARE(chunk.code, 2);
        QVERIFY2(chunk.err.contains("multiple of 64"), chunk.err.constData());
    }

    void restoreUnusualInputs() {
        // A 50 000 × 50 000 file (header only), a 16-bit colour image with alpha, a 1×1 image and
        // an unwritable output folder: each gets a clear message or a correct result, and one bad
        // input does not stop the others.
        QTemporaryDir dir;
        const QString huge = dir.filePath(QStringLiteral("huge.png"));
        {
            QFile f(huge);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(pngClaiming(50000, 50000));
        }
        QImage deep(20, 16, QImage::Format_RGBA64);
        for (int y = 0; y < deep.height(); ++y)
            for (int x = 0; x < deep.width(); ++x)
                deep.setPixelColor(x, y, QColor::fromRgba64(QRgba64::fromRgba64(quint16(3000 * x), 40000, quint16(4000 * y),
                                                                                 quint16(65535 - 2000 * x))));
        const QString deepPath = dir.filePath(QStringLiteral("deep.png"));
        QVERIFY(deep.save(deepPath));
        QCOMPARE(QImage(deepPath).depth(), 64); // really 16 bits per channel on disk
        QImage one(1, 1, QImage::Format_Grayscale8);
        one.fill(128);
        const QString onePath = dir.filePath(QStringLiteral("one.png"));
        QVERIFY(one.save(onePath));
        const QString out = dir.filePath(QStringLiteral("out"));
        const Run r = run(QStringLiteral(REVERIE_CLI),
                          {"restore", huge, deepPath, onePath, "-o", out, "--nfe", "2", "--json", "--threads", "1"});
        QCOMPARE(r.code, 1); // the huge file failed, the others were restored
        QVERIFY2(r.err.contains("huge.png") && r.err.contains("limit"), r.err.constData());
        const auto o = QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object();
        QCOMPARE(o.value(QStringLiteral("written")).toInt(), 2);
        const QImage restoredDeep(out + QStringLiteral("/deep.png"));
        QCOMPARE(restoredDeep.size(), deep.size());
        QVERIFY(restoredDeep.hasAlphaChannel()); // the alpha channel is written back
        QCOMPARE(qAlpha(restoredDeep.pixel(0, 0)), 255);
        QVERIFY(qAlpha(restoredDeep.pixel(19, 0)) < 255);
        QCOMPARE(QImage(out + QStringLiteral("/one.png")).size(), QSize(1, 1));

        const Run unwritable = run(QStringLiteral(REVERIE_CLI),
                                   {"restore", onePath, "-o", "/proc/reverie-cannot-write-here", "--threads", "1"});
        QCOMPARE(unwritable.code, 2);
        QVERIFY2(unwritable.err.contains("cannot create the output folder"), unwritable.err.constData());
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
