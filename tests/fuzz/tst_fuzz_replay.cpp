// Replays every fuzz target (tests/fuzz/targets) over its seeds, the inputs under
// tests/fuzz/regressions/<target>/ that once crashed a parser, and a fixed, seeded set of
// mutations of every seed (mutate.h, the fuzz driver's own). A target must return normally on
// all of them: a crash or sanitizer report ends the test, an escaped exception fails it with the
// input saved for reproduction. The coverage-guided search itself is the `sanitize` preset's
// fuzz executables (tests/fuzz/run.sh, docs/reliability.md).

#include "mutate.h"
#include "target.h"
#if REVERIE_FUZZ_ALL_TARGETS
#include "targets/library_model.h"
#endif

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace reverie::fuzz {

std::map<std::string, Entry>& registry() {
    static std::map<std::string, Entry> r;
    return r;
}

bool registerTarget(const char* name, Entry entry) {
    registry()[name] = entry;
    return true;
}

} // namespace reverie::fuzz

namespace {

using reverie::fuzz::Bytes;

// Where each target's seeds come from: tests/fuzz/targets.txt (run.sh reads the same table).
const std::map<std::string, QStringList>& seedFolders() {
    static const std::map<std::string, QStringList> folders = [] {
        std::map<std::string, QStringList> m;
        QFile f(QStringLiteral(REVERIE_SOURCE_DIR "/tests/fuzz/targets.txt"));
        if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return m;
        while (!f.atEnd()) {
            const QString line = QString::fromUtf8(f.readLine()).trimmed();
            if (line.isEmpty() || line.startsWith(QLatin1Char('#'))) continue;
            QStringList words = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
            const std::string name = words.takeFirst().toStdString();
            m[name] = words;
        }
        return m;
    }();
    return folders;
}

std::vector<std::pair<QString, Bytes>> filesIn(const QString& folder) {
    std::vector<std::pair<QString, Bytes>> out;
    const QDir dir(QStringLiteral(REVERIE_SOURCE_DIR "/") + folder);
    for (const QFileInfo& fi : dir.entryInfoList(QDir::Files, QDir::Name)) {
        if (fi.size() > (1 << 20) || fi.fileName().startsWith(QLatin1Char('.'))) continue;
        QFile f(fi.absoluteFilePath());
        if (!f.open(QIODevice::ReadOnly)) continue;
        const QByteArray b = f.readAll();
        out.emplace_back(folder + QLatin1Char('/') + fi.fileName(), Bytes(b.constData(), std::size_t(b.size())));
    }
    return out;
}

} // namespace

class TestFuzzReplay : public QObject {
    Q_OBJECT

private:
    int mutationsPerSeed() const {
        const QByteArray env = qgetenv("REVERIE_FUZZ_MUTATIONS");
        return env.isEmpty() ? 256 : env.toInt();
    }

    void feed(const std::string& target, reverie::fuzz::Entry entry, const QString& what, const Bytes& bytes) {
        if (qEnvironmentVariableIsSet("REVERIE_FUZZ_VERBOSE")) qInfo("%s: %s", target.c_str(), qPrintable(what));
        try {
            entry(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        } catch (const std::exception& e) {
            const QString saved = QStringLiteral(REVERIE_BINARY_DIR "/tests/fuzz-failure-%1.bin").arg(QString::fromStdString(target));
            QFile f(saved);
            if (f.open(QIODevice::WriteOnly)) f.write(bytes.data(), qint64(bytes.size()));
            QFAIL(qPrintable(QStringLiteral("%1 threw on %2 (saved as %3): %4")
                                 .arg(QString::fromStdString(target), what, saved, QString::fromUtf8(e.what()))));
        }
    }

private Q_SLOTS:
    void everyTargetHasSeeds() {
        const auto& targets = reverie::fuzz::registry();
#if REVERIE_FUZZ_ALL_TARGETS
        QCOMPARE(targets.size(), seedFolders().size());
#endif
        for (const auto& [name, folders] : seedFolders()) {
#if REVERIE_FUZZ_ALL_TARGETS
            QVERIFY2(targets.count(name), name.c_str());
#else
            if (!targets.count(name)) continue; // a target of a layer the sanitize preset leaves out
#endif
            std::size_t seeds = 0;
            for (const QString& folder : folders) seeds += filesIn(folder).size();
            QVERIFY2(seeds >= 2, qPrintable(QStringLiteral("%1 has %2 seeds").arg(QString::fromStdString(name)).arg(seeds)));
        }
    }

    void librarySeedsAreTheWritersOutput() {
#if !REVERIE_FUZZ_ALL_TARGETS
        QSKIP("the erase layer is not in this build");
#else
        // The `library` seeds are what EditSet::save writes for the target's model (one concept;
        // two, one with preserve rows), up to the edits' timings: they load as the sets they were
        // written from. REVERIE_UPDATE_SEEDS=1 rewrites them.
        namespace er = reverie::erase;
        const auto& m = reverie::fuzz::libraryModel();
        auto set = er::EditSet::create(m.id, m.names, m.originals);
        QVERIFY(set.ok());
        auto conceptOf = [](const std::string& name, std::int64_t rows, double phase) {
            er::ConceptSet c;
            c.name = name;
            c.erase = at::arange(rows * 8, at::kFloat).reshape({rows, 8}).add(phase).sin();
            c.guide = at::arange(8, at::kFloat).reshape({1, 8}).add(phase).cos();
            return c;
        };
        QVERIFY(set.value().erase(conceptOf("sneaker", 2, 0.5), at::Tensor()).ok());
        const QString dir = QStringLiteral(REVERIE_SOURCE_DIR "/tests/fuzz/seeds/library/");
        const bool update = qEnvironmentVariableIntValue("REVERIE_UPDATE_SEEDS") == 1;
        auto check = [&](const er::EditSet& s, const QString& name) {
            QTemporaryDir tmp;
            const QString path = tmp.filePath(name);
            QVERIFY(s.save(path.toStdString()).ok());
            QFile written(path), seed(dir + name);
            QVERIFY(written.open(QIODevice::ReadOnly));
            const QByteArray bytes = written.readAll();
            if (update) {
                QVERIFY(seed.open(QIODevice::WriteOnly));
                seed.write(bytes);
                return;
            }
            QVERIFY2(seed.exists(), qPrintable(name));
            // It loads as what the writer was given (the bytes differ by the edits' timings).
            auto loaded = er::EditSet::load((dir + name).toStdString(), m.id, m.names, m.originals);
            QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message.c_str());
            QCOMPARE(loaded.value().artefacts().size(), s.artefacts().size());
            for (std::size_t i = 0; i < s.artefacts().size(); ++i) {
                const auto& a = loaded.value().artefacts()[i];
                const auto& b = s.artefacts()[i];
                QCOMPARE(a.name, b.name);
                QCOMPARE(a.enabled, b.enabled);
                QCOMPARE(a.weight, b.weight);
                QVERIFY(at::equal(a.conceptSet.erase, b.conceptSet.erase));
                for (std::size_t l = 0; l < m.originals.size(); ++l) QVERIFY(at::allclose(a.deltas[l], b.deltas[l], 1e-5, 1e-6));
            }
        };
        check(set.value(), QStringLiteral("one-concept.erase"));
        if (QTest::currentTestFailed()) return;
        QVERIFY(set.value().erase(conceptOf("bag", 3, 1.5), conceptOf("coat", 2, 2.5).erase).ok());
        QVERIFY(set.value().setWeight("bag", 0.5).ok());
        QVERIFY(set.value().setEnabled("sneaker", false).ok());
        check(set.value(), QStringLiteral("two-concepts.erase"));
#endif
    }

    void replay_data() {
        QTest::addColumn<QString>("target");
        for (const auto& [name, entry] : reverie::fuzz::registry())
            QTest::newRow(name.c_str()) << QString::fromStdString(name);
    }

    void replay() {
        QFETCH(QString, target);
        const std::string name = target.toStdString();
        const auto entry = reverie::fuzz::registry().at(name);
        QStringList folders = seedFolders().at(name);
        folders << QStringLiteral("tests/fuzz/regressions/") + target;
        int inputs = 0;
        for (const QString& folder : folders)
            for (const auto& [file, bytes] : filesIn(folder)) {
                feed(name, entry, file, bytes);
                ++inputs;
                if (QTest::currentTestFailed()) return;
                std::mt19937_64 rng(std::hash<std::string>{}(name + file.toStdString()) ^ 0x5eed);
                for (int m = 0; m < mutationsPerSeed(); ++m) {
                    feed(name, entry, QStringLiteral("%1, mutation %2").arg(file).arg(m), reverie::fuzz::mutate(bytes, {}, rng));
                    ++inputs;
                    if (QTest::currentTestFailed()) return;
                }
            }
        feed(name, entry, QStringLiteral("the empty input"), Bytes());
        qInfo("%s: %d inputs replayed", name.c_str(), inputs + 1);
    }
};

QTEST_GUILESS_MAIN(TestFuzzReplay)
#include "tst_fuzz_replay.moc"
