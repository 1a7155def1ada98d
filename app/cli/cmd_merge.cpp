// reverie-cli merge: the shards of one job (`--shard K/N --json` of a bench, restore or enhance)
// put back together into the table and JSON that one unsharded run prints.

#include "cli/command.h"

#include "engine/bench.h"
#include "restore/bench.h"
#include "speech/enhance_bench.h"

#include <QFile>

#include <string>
#include <vector>

namespace reverie::cli {
namespace {

const char* kHelp = R"(Usage: reverie-cli merge PART.json... [--json]

Puts the outputs of the N shards of one job back together: each PART is what one
`reverie-cli bench engine|enhance|restore --shard K/N --json` or `reverie-cli restore|enhance
--shard K/N --json` printed (its last JSON line is read, so a captured stdout will do). Every
shard 1..N must be there exactly once, all run with the same settings. Prints the table (stdout,
or stderr with --json) and the JSON of one whole run: the benches' rows and means as one machine
would compute them (times are the shards' own, summed where the whole run sums them); for
restore/enhance the written files' rows in input order with the counts summed.

Options:
  --json    The merged result as JSON (last line of stdout).
)";

/// The last line of a file that parses as a JSON object.
Result<nlohmann::json> readPart(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Result<nlohmann::json>::invalid("cannot read " + path.toStdString());
    if (f.size() > (std::int64_t(1) << 30))
        return Result<nlohmann::json>::invalid(path.toStdString() + " is over 1 GiB");
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        const QByteArray l = it->trimmed();
        if (!l.startsWith('{')) continue;
        auto j = nlohmann::json::parse(l.constData(), l.constData() + l.size(), nullptr, false);
        if (!j.is_discarded() && j.is_object()) return j;
    }
    return Result<nlohmann::json>::invalid(path.toStdString() +
                                           " holds no JSON object (was it run with --json?)");
}

/// restore/enhance batches: the rows in input order, the counts summed.
int mergeBatch(std::vector<nlohmann::json> parts, bool asJson) {
    auto ordered = orderShards(std::move(parts));
    if (!ordered) return jobFailed(ordered);
    const std::string command = ordered.value().front()["command"].get<std::string>();
    const char* rowsKey = command == "restore" ? "images" : "files";
    auto rows = concatUnits(ordered.value(), rowsKey);
    if (!rows) return jobFailed(rows);
    nlohmann::json out = ordered.value().front()["config"];
    int written = 0, failed = 0;
    for (const auto& p : ordered.value()) {
        written += p.value("written", 0);
        failed += p.value("failed", 0);
    }
    out["written"] = written;
    out["failed"] = failed;
    out[rowsKey] = rows.value();
    std::fprintf(asJson ? stderr : stdout, "%s: %d of %s file(s) written, %d failed, in %zu shards\n",
                 command.c_str(), written, out.value("inputs", nlohmann::json()).dump().c_str(), failed,
                 ordered.value().size());
    if (asJson) std::printf("%s\n", out.dump().c_str());
    return failed > 0 ? 1 : 0;
}

int run(const QStringList& args) {
    QCommandLineParser p;
    prepareParser(p);
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("JSON output."));
    p.addOption(json);
    if (!p.parse(args)) return usage(p.errorText());
    const QStringList files = p.positionalArguments();
    if (files.isEmpty()) return usage(QStringLiteral("merge needs the shards' JSON files"));
    std::vector<nlohmann::json> parts;
    for (const auto& f : files) {
        auto j = readPart(f);
        if (!j) return jobFailed(j);
        parts.push_back(std::move(j.value()));
    }
    const auto& first = parts.front();
    const bool asJson = p.isSet(json);
    if (first.contains("command")) return mergeBatch(std::move(parts), asJson);
    const std::string bench = first.value("bench", std::string());
    if (bench == "engine") {
        auto r = bench::mergeEngineBench(std::move(parts));
        if (!r) return jobFailed(r);
        return printReport(r.value().table, r.value().json, asJson);
    }
    if (bench == "enhance") {
        auto r = speech::mergeEnhanceBench(std::move(parts));
        if (!r) return jobFailed(r);
        return printReport(r.value().table, r.value().json, asJson);
    }
    if (bench == "restore") {
        auto r = restore::mergeRestoreBench(std::move(parts));
        if (!r) return jobFailed(r);
        return printReport(r.value().table, r.value().json, asJson);
    }
    return usage(
        QStringLiteral("%1: not the output of a sharded bench engine, enhance or restore, or of restore or "
                       "enhance")
            .arg(files.first()));
}

} // namespace

const Command kMerge{"merge", "Put the --shard K/N outputs of one bench or batch back together.", kHelp, run};

} // namespace reverie::cli
