// The layering of the source tree (docs/architecture.md), checked on every #include:
//   core:    base ← engine, data, metrics ← models ← train ← domains ← catalog; a domain never
//            includes another domain; no Qt anywhere in core.
//   widgets: Qt only — no core header, no LibTorch.
//   app:     widgets and the torch-free core headers only (a header is torch-free when neither it
//            nor any project header it includes, transitively, includes LibTorch).
// Fails with the list of offending lines.

#include <QtTest>

#include <QDirIterator>
#include <QFile>
#include <QHash>
#include <QRegularExpression>
#include <QSet>

namespace {

const QString kRoot = QStringLiteral(REVERIE_SOURCE_DIR);

const QSet<QString>& domains() {
    static const QSet<QString> d = {"generate", "restore", "speech", "erase", "unlearn", "diagnostics", "tune"};
    return d;
}

/// The core layers each core layer may include (its own is always allowed).
QSet<QString> allowedFor(const QString& layer) {
    static const QHash<QString, QSet<QString>> table = {
        {"base", {}},
        {"engine", {"base"}},
        {"data", {"base"}},
        {"metrics", {"base"}},
        {"models", {"base", "engine", "data"}},
        {"train", {"base", "engine", "data", "metrics", "models"}},
    };
    if (table.contains(layer)) return table.value(layer);
    if (domains().contains(layer)) return {"base", "engine", "data", "metrics", "models", "train"};
    if (layer == QLatin1String("catalog")) {
        QSet<QString> all = {"base", "engine", "data", "metrics", "models", "train"};
        return all.unite(domains());
    }
    return {};
}

struct Include {
    QString target; ///< as written
    bool angle = false;
    int line = 0;
};

QList<Include> includesOf(const QString& path) {
    QList<Include> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return out;
    // (no raw string literals here: moc misreads them)
    static const QRegularExpression re(QStringLiteral("^\\s*#\\s*include\\s*([<\"])([^>\"]+)[>\"]"));
    int n = 0;
    while (!f.atEnd()) {
        const QString line = QString::fromUtf8(f.readLine());
        ++n;
        const auto m = re.match(line);
        if (m.hasMatch()) out.append({m.captured(2), m.captured(1) == QLatin1String("<"), n});
    }
    return out;
}

QStringList sourcesUnder(const QString& dir) {
    QStringList out;
    QDirIterator it(kRoot + QLatin1Char('/') + dir, {QStringLiteral("*.h"), QStringLiteral("*.cpp")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) out << it.next();
    out.sort();
    return out;
}

bool isTorch(const QString& target) {
    return target.startsWith(QLatin1String("torch/")) || target.startsWith(QLatin1String("ATen/")) ||
           target.startsWith(QLatin1String("c10/")) || target.startsWith(QLatin1String("caffe2/"));
}

bool isQt(const QString& target) {
    static const QRegularExpression re(QStringLiteral("^(Q[A-Z]\\w*|Qt\\w+/.*|q\\w+\\.h)$"));
    return re.match(target).hasMatch() && !target.startsWith(QLatin1String("qcustomplot"));
}

QString coreLayer(const QString& target) { return target.section(QLatin1Char('/'), 0, 0); }

bool isCoreHeader(const QString& target) { return QFile::exists(kRoot + QStringLiteral("/core/") + target); }

/// Whether a core header reaches LibTorch, directly or through project headers.
bool torchReachable(const QString& coreHeader, QHash<QString, bool>& memo, QSet<QString>& visiting) {
    if (memo.contains(coreHeader)) return memo.value(coreHeader);
    if (visiting.contains(coreHeader)) return false;
    visiting.insert(coreHeader);
    bool torch = false;
    for (const auto& inc : includesOf(kRoot + QStringLiteral("/core/") + coreHeader)) {
        if (isTorch(inc.target) || (!inc.angle && isCoreHeader(inc.target) && torchReachable(inc.target, memo, visiting))) {
            torch = true;
            break;
        }
    }
    visiting.remove(coreHeader);
    memo.insert(coreHeader, torch);
    return torch;
}

QString where(const QString& file, const Include& inc) {
    return QStringLiteral("%1:%2 includes %3").arg(QDir(kRoot).relativeFilePath(file)).arg(inc.line).arg(inc.target);
}

} // namespace

class TestLayers : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void coreFollowsTheLayerTable() {
        QStringList bad;
        const QStringList files = sourcesUnder(QStringLiteral("core"));
        QVERIFY(files.size() > 50);
        for (const auto& file : files) {
            const QString layer = QDir(kRoot + QStringLiteral("/core")).relativeFilePath(file).section(QLatin1Char('/'), 0, 0);
            const QSet<QString> allowed = allowedFor(layer);
            for (const auto& inc : includesOf(file)) {
                if (isQt(inc.target)) bad << where(file, inc) + QStringLiteral(" (Qt in core)");
                if (inc.angle || !isCoreHeader(inc.target)) continue;
                const QString target = coreLayer(inc.target);
                if (target != layer && !allowed.contains(target))
                    bad << where(file, inc) + QStringLiteral(" (%1 may not include %2)").arg(layer, target);
            }
        }
        QVERIFY2(bad.isEmpty(), qPrintable(bad.join(QLatin1Char('\n'))));
    }

    void widgetsSeeNoCoreAndNoTorch() {
        QStringList bad;
        for (const auto& file : sourcesUnder(QStringLiteral("widgets")))
            for (const auto& inc : includesOf(file))
                if (isTorch(inc.target) || (!inc.angle && isCoreHeader(inc.target))) bad << where(file, inc);
        QVERIFY2(bad.isEmpty(), qPrintable(bad.join(QLatin1Char('\n'))));
    }

    void appIncludesOnlyTorchFreeCoreHeaders() {
        QStringList bad;
        QHash<QString, bool> memo;
        QSet<QString> visiting;
        for (const auto& file : sourcesUnder(QStringLiteral("app"))) {
            for (const auto& inc : includesOf(file)) {
                if (isTorch(inc.target)) bad << where(file, inc);
                else if (!inc.angle && isCoreHeader(inc.target) && torchReachable(inc.target, memo, visiting))
                    bad << where(file, inc) + QStringLiteral(" (reaches LibTorch)");
            }
        }
        QVERIFY2(bad.isEmpty(), qPrintable(bad.join(QLatin1Char('\n'))));
    }

    void theCheckCatchesAViolation() {
        // The rules themselves: a domain including another domain, or models including train,
        // is refused; the table's own edges are allowed.
        QVERIFY(!allowedFor(QStringLiteral("restore")).contains(QStringLiteral("speech")));
        QVERIFY(!allowedFor(QStringLiteral("models")).contains(QStringLiteral("train")));
        QVERIFY(!allowedFor(QStringLiteral("base")).contains(QStringLiteral("engine")));
        QVERIFY(allowedFor(QStringLiteral("catalog")).contains(QStringLiteral("speech")));
        QHash<QString, bool> memo;
        QSet<QString> visiting;
        QVERIFY(torchReachable(QStringLiteral("models/unet.h"), memo, visiting));
        QVERIFY(!torchReachable(QStringLiteral("base/job.h"), memo, visiting));
    }
};

QTEST_APPLESS_MAIN(TestLayers)
#include "tst_layers.moc"
