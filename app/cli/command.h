#pragma once
// reverie-cli's commands: one file per command (cmd_*.cpp), each defining one Command with its
// usage text beside its parser, and one dispatch table in main.cpp. Helpers every command shares
// live here: the progress bar, usage errors, --threads, JSON output and the folder-batch loop.
//
// Exit status: 0 success, 1 the job failed, 2 bad command line, 130 cancelled (Ctrl+C).

#include "base/job.h"
#include "base/shard.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <functional>
#include <string>

namespace reverie::cli {

struct Command {
    const char* name;
    const char* summary; ///< one line for `reverie-cli --help`
    const char* help;    ///< the whole usage text for `reverie-cli NAME --help`
    int (*run)(const QStringList& args); ///< args[0] is the program, then the command's own arguments
};

/// Ctrl+C cancels the running job; it returns what it finished.
const CancelToken& cancelToken();

/// A progress bar on stderr: redrawn in place on a terminal, one line per step (or every 10 s
/// with eta) otherwise. With eta, the time left is extrapolated from this run's steps.
ProgressFn progressBar(bool eta = false);
/// A JobContext with the progress bar and the Ctrl+C token.
JobContext context(bool eta = false);

/// Prints "reverie-cli: ERROR" and the hint to --help on stderr; returns 2.
int usage(const QString& error);
/// A job that ended without a value: its message on stderr; 130 when cancelled, else 1.
template <typename T>
int jobFailed(const Result<T>& r) {
    std::fprintf(stderr, "\nreverie-cli: %s\n", r.error().message.c_str());
    return r.isCancelled() ? 130 : 1;
}

/// A parser with single-dash long options and the --threads option every command takes.
void prepareParser(QCommandLineParser& p);
/// An option with a value and a default.
QCommandLineOption valueOption(const char* name, const char* help, const char* defaultValue = "");
/// Reads --threads and prepares LibTorch on this thread; false (with *code) on a bad value.
bool applyThreads(const QCommandLineParser& p, int* code);
/// --NAME N with N >= minimum when given; false (with *code set) after a usage message.
bool intOption(const QCommandLineParser& p, const char* name, int minimum, int* out, int* code);
/// --shard K/N when given (else the whole job); false (with *code set) after a usage message.
bool shardOption(const QCommandLineParser& p, Shard* out, int* code);
/// A comma-separated list option's items (trimmed, empty ones dropped).
std::vector<std::string> listOption(const QCommandLineParser& p, const char* name);
/// A bench's human-readable table (stdout, or stderr with --json) and its JSON line (last on stdout).
int printReport(const std::string& table, const std::string& json, bool asJson);

/// The inputs of a batch command: each argument as given, except a folder, which stands for the
/// files directly in it (not in sub-folders: their outputs could share a name) whose suffix is one of `suffixes` (lower case, no dot), sorted by
/// path, so that a shard's share does not depend on the file system's listing order.
QStringList expandInputs(const QStringList& args, const QStringList& suffixes);

/// What one input of a folder batch came to: the JSON row of what was written, or why it was
/// skipped (a sentence naming the file); a cancelled job stops the whole batch.
struct FileOutcome {
    nlohmann::json row;
    std::string skipped;
    bool cancelled = false;
    static FileOutcome written(nlohmann::json row) { return {std::move(row), {}, false}; }
    static FileOutcome skip(std::string why, bool cancelled = false) { return {{}, std::move(why), cancelled}; }
};

/// The folder-batch loop of `restore` and `enhance`: "[i/n] path" per input, a failed input
/// reported and skipped, Ctrl+C honoured, the count and (with --json) one JSON object at the end
/// (`header` plus written, failed and `rowsKey`: the rows). Returns 0, 1 when any input failed,
/// 130 when cancelled. With a shard K/N, only the inputs it owns, counted in the order given (the
/// JSON then carries `shard` and each row its input's number as `unit`, for `merge`).
int runFileBatch(const QStringList& inputs, const QString& outDir, const char* done, bool json,
                 nlohmann::json header, const char* rowsKey,
                 const std::function<FileOutcome(const QString&)>& one, const Shard& shard = {});

extern const Command kDiagnostics;
extern const Command kBench;
extern const Command kMerge;
extern const Command kGenerate;
extern const Command kSd;
extern const Command kSdErase;
extern const Command kSdAttack;
extern const Command kRestore;
extern const Command kEnhance;
extern const Command kTrain;
extern const Command kTune;
extern const Command kExport;

} // namespace reverie::cli
