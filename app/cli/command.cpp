#include "cli/command.h"

#include "base/runtime.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>

#include <memory>
#include <unistd.h>

namespace reverie::cli {

const CancelToken& cancelToken() {
    static const CancelToken token;
    return token;
}

ProgressFn progressBar(bool eta) {
    const bool tty = isatty(STDERR_FILENO);
    auto start = std::make_shared<std::pair<double, std::int64_t>>(-1.0, 0);
    auto lastLine = std::make_shared<double>(0.0);
    return [tty, eta, start, lastLine](const Progress& p) {
        const double now = nowSeconds();
        if (start->first < 0) *start = {now - p.stepSeconds, p.step - 1};
        // Off a terminal (a log file), one line every 10 s is plenty.
        if (!tty && eta && p.step != p.total && now - *lastLine < 10.0) return;
        *lastLine = now;
        std::string left;
        if (eta && p.total > 0 && p.step <= p.total && p.step > start->second) { // adaptive jobs: total 0, no ETA
            const double per = (now - start->first) / double(p.step - start->second);
            const double secs = per * double(p.total - p.step);
            char buf[64];
            std::snprintf(buf, sizeof buf, " ETA %dh%02dm%02ds", int(secs) / 3600, (int(secs) / 60) % 60, int(secs) % 60);
            left = buf;
        }
        const int width = 30;
        const double frac = p.total > 0 ? double(p.step) / double(p.total) : 0.0;
        std::string bar(std::size_t(frac * width + 0.5), '#');
        bar.resize(width, '.');
        const std::string count = p.total > 0 ? std::to_string(p.step) + "/" + std::to_string(p.total)
                                              : "step " + std::to_string(p.step);
        std::fprintf(stderr, "%s[%s] %s %s (%.0f ms)%s%s", tty ? "\r\033[K" : "", bar.c_str(), count.c_str(),
                     p.message.c_str(), p.stepSeconds * 1000.0, left.c_str(), tty ? "" : "\n");
        if (tty && p.step == p.total) std::fputc('\n', stderr);
        std::fflush(stderr);
    };
}

JobContext context(bool eta) { return JobContext{progressBar(eta), cancelToken()}; }

int usage(const QString& error) {
    std::fprintf(stderr, "reverie-cli: %s\nRun 'reverie-cli --help' for the commands and options.\n", qPrintable(error));
    return 2;
}

void prepareParser(QCommandLineParser& p) {
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    p.addOption(QCommandLineOption(QStringLiteral("threads"), QStringLiteral("LibTorch threads (0 = one per core)."),
                                   QStringLiteral("n"), QStringLiteral("0")));
}

QStringList expandInputs(const QStringList& args, const QStringList& suffixes) {
    QStringList out;
    for (const QString& a : args) {
        if (!QFileInfo(a).isDir()) {
            out << a;
            continue;
        }
        QStringList found;
        QDirIterator it(a, QDir::Files);
        while (it.hasNext()) {
            const QString f = it.next();
            if (suffixes.contains(QFileInfo(f).suffix().toLower())) found << f;
        }
        found.sort();
        out << found;
    }
    return out;
}

bool shardOption(const QCommandLineParser& p, Shard* out, int* code) {
    if (!p.isSet(QStringLiteral("shard"))) return true;
    auto s = Shard::parse(p.value(QStringLiteral("shard")).toStdString());
    if (!s) {
        *code = usage(QString::fromStdString(s.error().message));
        return false;
    }
    *out = s.value();
    return true;
}

QCommandLineOption valueOption(const char* name, const char* help, const char* defaultValue) {
    return QCommandLineOption(QString::fromLatin1(name), QString::fromUtf8(help), QStringLiteral("v"),
                              QString::fromLatin1(defaultValue));
}

bool applyThreads(const QCommandLineParser& p, int* code) {
    bool ok = false;
    const QString text = p.value(QStringLiteral("threads"));
    const int threads = text.toInt(&ok);
    if (!ok || threads < 0 || threads > 1024) {
        *code = usage(QStringLiteral("--threads needs a whole number from 0 to 1024, got '%1'").arg(text));
        return false;
    }
    runtime::prepareEngineThread(threads);
    return true;
}

bool intOption(const QCommandLineParser& p, const char* name, int minimum, int* out, int* code) {
    const QString key = QString::fromLatin1(name);
    if (!p.isSet(key)) return true;
    bool ok = false;
    const int v = p.value(key).toInt(&ok);
    if (!ok || v < minimum) {
        *code = usage(QStringLiteral("--%1 needs a whole number >= %2").arg(key).arg(minimum));
        return false;
    }
    *out = v;
    return true;
}

std::vector<std::string> listOption(const QCommandLineParser& p, const char* name) {
    std::vector<std::string> out;
    for (const auto& id : p.value(QString::fromLatin1(name)).split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!id.trimmed().isEmpty()) out.push_back(id.trimmed().toStdString());
    return out;
}

int printReport(const std::string& table, const std::string& json, bool asJson) {
    std::fputs(table.c_str(), asJson ? stderr : stdout);
    if (asJson) std::printf("%s\n", json.c_str());
    return 0;
}

int runFileBatch(const QStringList& inputs, const QString& outDir, const char* done, bool json,
                 nlohmann::json header, const char* rowsKey,
                 const std::function<FileOutcome(const QString&)>& one, const Shard& shard) {
    int failed = 0, written = 0, mine = 0;
    const int owned = int(shard.share(std::size_t(inputs.size())));
    nlohmann::json rows = nlohmann::json::array();
    for (int i = 0; i < inputs.size(); ++i) {
        if (!shard.owns(std::size_t(i))) continue;
        if (cancelToken().cancelled()) break;
        const QString in = inputs.at(i);
        std::fprintf(stderr, "[%d/%d] %s\n", ++mine, owned, qPrintable(in));
        FileOutcome o = one(in);
        if (o.cancelled) {
            std::fprintf(stderr, "\nreverie-cli: %s\n", o.skipped.c_str());
            return 130;
        }
        if (!o.skipped.empty()) {
            std::fprintf(stderr, "reverie-cli: %s (skipped)\n", o.skipped.c_str());
            ++failed;
            continue;
        }
        ++written;
        if (!shard.whole()) o.row["unit"] = std::size_t(i);
        rows.push_back(std::move(o.row));
    }
    std::fprintf(stderr, "%s %d of %d file(s) into %s\n", done, written, owned, qPrintable(outDir));
    if (json) {
        if (!shard.whole()) {
            header["config"] = header; // the settings and the input count: merge checks every part's
            header["shard"] = shard.json();
        }
        header["written"] = written;
        header["failed"] = failed;
        header[rowsKey] = rows;
        std::printf("%s\n", header.dump().c_str());
    }
    if (cancelToken().cancelled()) return 130;
    return failed > 0 ? 1 : 0;
}

} // namespace reverie::cli
