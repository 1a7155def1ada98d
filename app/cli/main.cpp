// reverie-cli: the headless front end. Every command drives reverie_core directly (one file per
// command, cli/cmd_*.cpp), prints a progress bar on stderr and, with --json, one JSON object as
// the last line of stdout.

#include "cli/command.h"

#include "models/zoo.h"

#include <QCoreApplication>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <csignal>
#include <cstdio>

namespace {

using reverie::cli::Command;

const std::array<const Command*, 12> kCommands = {
    &reverie::cli::kDiagnostics, &reverie::cli::kBench,    &reverie::cli::kGenerate, &reverie::cli::kSd,
    &reverie::cli::kSdErase,     &reverie::cli::kSdAttack, &reverie::cli::kRestore,  &reverie::cli::kEnhance,
    &reverie::cli::kTrain,       &reverie::cli::kTune,     &reverie::cli::kExport,   &reverie::cli::kMerge};

void onSigint(int) { reverie::cli::cancelToken().cancel(); }

void printHelp() {
    std::printf("Usage: reverie-cli <command> [options]\n\nCommands:\n");
    for (const auto* c : kCommands) std::printf("  %-12s %s\n", c->name, c->summary);
    std::printf("\n'reverie-cli COMMAND --help' shows a command's options.\n"
                "Every command takes --threads N (LibTorch threads; 0 = one per core).\n\n"
                "Global options:\n  -h, --help     Show this help.\n  -v, --version  Show the version.\n\n"
                "Exit status: 0 success, 1 the job failed, 2 bad command line, 130 cancelled (Ctrl+C).\n");
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("reverie-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(REVERIE_VERSION));
    auto logger = spdlog::stderr_color_mt("reverie");
    logger->set_level(spdlog::level::warn);
    spdlog::set_default_logger(logger);
    std::signal(SIGINT, onSigint);
    reverie::models::zoo::setExecutableDir(QCoreApplication::applicationDirPath().toStdString());

    QStringList args = QCoreApplication::arguments();
    if (args.size() < 2) return reverie::cli::usage(QStringLiteral("no command given"));
    const QString name = args.at(1);
    if (name == QLatin1String("-h") || name == QLatin1String("--help") || name == QLatin1String("help")) {
        printHelp();
        return 0;
    }
    if (name == QLatin1String("-v") || name == QLatin1String("--version")) {
        std::printf("reverie-cli %s\n", REVERIE_VERSION);
        return 0;
    }
    args.removeAt(1); // what follows belongs to the command
    for (const auto* c : kCommands) {
        if (name != QLatin1String(c->name)) continue;
        if (args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"))) {
            std::fputs(c->help, stdout);
            return 0;
        }
        return c->run(args);
    }
    if (name.startsWith(QLatin1Char('-'))) return reverie::cli::usage(QStringLiteral("unknown option '%1'").arg(name));
    return reverie::cli::usage(QStringLiteral("unknown command '%1'").arg(name));
}
