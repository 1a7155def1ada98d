// `--shard K/N` and `reverie-cli merge`: the parts of a sharded bench or batch put together are
// the one unsharded run (its rows and means; timings aside), every input is done by exactly one
// shard, and merge refuses incomplete, repeated or mismatched parts. The same on a real Slurm
// cluster: tests/slurm/cluster-test.sh.

#include "cliprocess.h"

#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

namespace {

const QString kCli = QStringLiteral(REVERIE_CLI);

// The JSON without the fields that measure time (they differ between any two runs).
QJsonValue withoutTimes(const QJsonValue& v) {
    if (v.isArray()) {
        QJsonArray a;
        for (const auto& e : v.toArray()) a.append(withoutTimes(e));
        return a;
    }
    if (!v.isObject()) return v;
    QJsonObject o;
    const QJsonObject in = v.toObject();
    for (auto it = in.begin(); it != in.end(); ++it) {
        const QString k = it.key();
        if (k == QLatin1String("seconds") || k.startsWith(QLatin1String("seconds_per")) ||
            k == QLatin1String("rtf") || k == QLatin1String("shards"))
            continue;
        o.insert(k, withoutTimes(it.value()));
    }
    return o;
}

bool save(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

} // namespace

class TestShards : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void benchRestoreShardsMergeIntoTheWholeRun() {
        // 3 tasks over 2 shards (2 + 1 tasks), and 4 shards (one of them with nothing to do).
        QTemporaryDir dir;
        const QStringList bench{"bench", "restore", "--quick",          "--no-photos", "--samples",
                                "4",     "--tasks", "noise,down4,jpeg", "--samplers",  "posterior",
                                "--nfe", "10",      "--json",           "--threads",   "1"};
        const Run whole = run(kCli, bench);
        QVERIFY2(whole.code == 0, whole.err.constData());
        QCOMPARE(whole.json().value(QStringLiteral("tasks")).toArray().size(), 3);
        for (int n : {2, 4}) {
            QStringList parts;
            for (int k = n; k >= 1; --k) { // any order
                const Run part =
                    run(kCli, QStringList(bench) << "--shard" << QStringLiteral("%1/%2").arg(k).arg(n));
                QVERIFY2(part.code == 0, part.err.constData());
                const auto tasks = part.json().value(QStringLiteral("tasks")).toArray();
                int owned = 0; // task i goes to shard i mod n + 1
                for (int i = 0; i < 3; ++i) owned += i % n == k - 1 ? 1 : 0;
                QCOMPARE(tasks.size(), owned);
                parts << dir.filePath(QStringLiteral("part-%1-%2.json").arg(k).arg(n));
                QVERIFY(save(parts.back(), part.out));
            }
            const Run merged = run(kCli, QStringList{"merge"} << parts << "--json");
            QVERIFY2(merged.code == 0, merged.err.constData());
            QCOMPARE(withoutTimes(merged.json()), withoutTimes(whole.json()));
            QVERIFY2(merged.err.contains("summed over"), merged.err.constData());
            // The table's quality columns are the whole run's.
            QVERIFY(merged.err.contains(whole.err.mid(whole.err.indexOf("jpeg            posterior"), 60)));
        }
    }

    void benchEnhanceShardsMergeIntoTheWholeRun() {
        // Shard by mixture: the model's and the peers' (sox in its repeatable mode, ffmpeg)
        // per-mixture scores put together give the whole run's means and gains.
        QTemporaryDir dir;
        const QStringList bench{"bench", "enhance", "--samples", "3",         "--samplers", "mrs-sde-2-data",
                                "--nfe", "2",       "--json",    "--threads", "1"};
        const Run whole = run(kCli, bench);
        QVERIFY2(whole.code == 0, whole.err.constData());
        QStringList parts;
        for (int k = 1; k <= 2; ++k) {
            const Run part = run(kCli, QStringList(bench) << "--shard" << QStringLiteral("%1/2").arg(k));
            QVERIFY2(part.code == 0, part.err.constData());
            QCOMPARE(part.json().value(QStringLiteral("items")).toArray().size(), k == 1 ? 2 : 1);
            parts << dir.filePath(QStringLiteral("enhance-%1.json").arg(k));
            QVERIFY(save(parts.back(), part.out));
        }
        const Run merged = run(kCli, QStringList{"merge"} << parts << "--json");
        QVERIFY2(merged.code == 0, merged.err.constData());
        const QJsonObject m = merged.json();
        QCOMPARE(withoutTimes(m), withoutTimes(whole.json()));
        QVERIFY(m.value(QStringLiteral("rows")).toArray().size() >= 2);
        for (const auto& row : m.value(QStringLiteral("rows")).toArray())
            QCOMPARE(row.toObject().value(QStringLiteral("files")).toInt(), 3);
    }

    void batchShardsSplitTheInputsAndMerge() {
        QTemporaryDir dir;
        QStringList inputs;
        for (int i = 0; i < 5; ++i) {
            QImage img(12 + i, 10, QImage::Format_RGB888);
            img.fill(QColor(40 * i, 90, 200 - 30 * i));
            inputs << dir.filePath(QStringLiteral("in/%1.png").arg(i));
            QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("in"))));
            QVERIFY(img.save(inputs.back()));
        }
        const QStringList common{
            "-o", dir.filePath(QStringLiteral("out")), "--nfe", "2", "--json", "--threads", "1"};
        QStringList parts;
        std::vector<int> written;
        for (int k = 1; k <= 2; ++k) {
            // A folder stands for its images in name order.
            const Run part = run(kCli, QStringList{"restore", dir.filePath(QStringLiteral("in")), "--shard",
                                                   QStringLiteral("%1/2").arg(k)}
                                           << common);
            QVERIFY2(part.code == 0, part.err.constData());
            written.push_back(part.json().value(QStringLiteral("written")).toInt());
            parts << dir.filePath(QStringLiteral("batch-%1.json").arg(k));
            QVERIFY(save(parts.back(), part.out));
        }
        QCOMPARE(written, (std::vector<int>{3, 2})); // inputs 0, 2, 4 and 1, 3
        const Run merged = run(kCli, QStringList{"merge"} << parts << "--json");
        QVERIFY2(merged.code == 0, merged.err.constData());
        const QJsonObject m = merged.json();
        QCOMPARE(m.value(QStringLiteral("written")).toInt(), 5);
        QCOMPARE(m.value(QStringLiteral("inputs")).toInt(), 5);
        const auto rows = m.value(QStringLiteral("images")).toArray();
        QCOMPARE(rows.size(), 5);
        for (int i = 0; i < 5; ++i) {
            const auto row = rows.at(i).toObject();
            QCOMPARE(row.value(QStringLiteral("input")).toString(), inputs.at(i));
            QVERIFY(!row.contains(QStringLiteral("unit")));
            QCOMPARE(QImage(row.value(QStringLiteral("output")).toString()).width(), 12 + i);
        }
        // Incomplete, repeated and mismatched parts are refused with the reason.
        const Run one = run(kCli, {"merge", parts.at(0)});
        QCOMPARE(one.code, 1);
        QVERIFY2(one.err.contains("1 of 2 shards given; missing 2"), one.err.constData());
        const Run twice = run(kCli, {"merge", parts.at(0), parts.at(0)});
        QCOMPARE(twice.code, 1);
        QVERIFY2(twice.err.contains("shard 1 is given twice"), twice.err.constData());
        const Run other = run(kCli, QStringList{"restore", dir.filePath(QStringLiteral("in")), "--shard",
                                                "2/2", "-o", dir.filePath(QStringLiteral("out3")), "--nfe",
                                                "3", "--json", "--threads", "1"});
        QVERIFY2(other.code == 0, other.err.constData());
        QVERIFY(save(dir.filePath(QStringLiteral("other.json")), other.out));
        const Run mixed = run(kCli, {"merge", parts.at(0), dir.filePath(QStringLiteral("other.json"))});
        QCOMPARE(mixed.code, 1);
        QVERIFY2(mixed.err.contains("other settings"), mixed.err.constData());
        QVERIFY(save(dir.filePath(QStringLiteral("text.json")), "no json here\n"));
        const Run text = run(kCli, {"merge", dir.filePath(QStringLiteral("text.json"))});
        QCOMPARE(text.code, 1);
        QVERIFY2(text.err.contains("holds no JSON object"), text.err.constData());
        const Run bad = run(kCli, {"bench", "grad", "--shard", "1/2"});
        QCOMPARE(bad.code, 2);
        QVERIFY2(bad.err.contains("does not split into shards"), bad.err.constData());
        const Run zero = run(kCli, {"restore", inputs.at(0), "-o", dir.path(), "--shard", "3/2"});
        QCOMPARE(zero.code, 2);
        QVERIFY2(zero.err.contains("--shard takes K/N"), zero.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestShards)
#include "tst_shards.moc"
