// reverie: the studio's GUI. Wiring only: settings, translations, logging, the engine thread,
// the main window, and the command line's --workbench/--run/--screenshot for demos and docs.

#include "jobs/engine.h"
#include "logging.h"
#include "mainwindow.h"
#include "models/zoo.h"
#include "settings.h"
#include "workbench.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLibraryInfo>
#include <QTimer>
#include <QTranslator>

#include <spdlog/spdlog.h>

#include <cstdio>

using namespace reverie::app;

namespace {

struct Main {
    Q_DECLARE_TR_FUNCTIONS(main)
};

// The first --run-X of the earlier command line, as the workbench it runs (compatibility).
struct LegacyRun {
    const char* option;
    const char* workbench;
};
constexpr LegacyRun kLegacyRuns[] = {{"run-diagnostics", "diagnostics"}, {"run-sample", "generate"},
                                     {"run-restore", "restore"},         {"run-enhance", "enhance"},
                                     {"run-erase", "erase"}};

} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("reverie"));
    QApplication::setApplicationDisplayName(QStringLiteral("Reverie"));
    QApplication::setOrganizationName(QStringLiteral("Reverie"));
    QApplication::setApplicationVersion(QStringLiteral(REVERIE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.reverie.Reverie"));
    reverie::models::zoo::setExecutableDir(QCoreApplication::applicationDirPath().toStdString());

    Settings settings = Settings::load();

    // Translations first, so that even command-line errors speak the user's language.
    QTranslator qtTranslator, appTranslator;
    if (settings.language != QLatin1String("en")) {
        if (qtTranslator.load(QLocale(settings.language), QStringLiteral("qtbase"), QStringLiteral("_"),
                              QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
            QApplication::installTranslator(&qtTranslator);
        if (appTranslator.load(QStringLiteral(":/i18n/reverie_%1.qm").arg(settings.language)))
            QApplication::installTranslator(&appTranslator);
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(Main::tr("Reverie: a desktop studio for diffusion models."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption workbenchOpt(
        QStringLiteral("workbench"),
        Main::tr("Open this workbench first (start, generate, restore, enhance, erase, tune, diagnostics)."),
        QStringLiteral("id"));
    const QCommandLineOption runOpt(QStringLiteral("run"),
                                    Main::tr("Run the workbench's main action with its shown settings once the window is up."));
    const QCommandLineOption runArgOpt(QStringLiteral("run-arg"),
                                       Main::tr("A word for --run (Erase: the concept to erase; Restore: "
                                                "'compare', the run beside the one before it)."),
                                       QStringLiteral("word"));
    const QCommandLineOption inputOpt(QStringLiteral("input"),
                                      Main::tr("With --run: the input file (Restore: an image; Enhance: noisy audio)."),
                                      QStringLiteral("file"));
    const QCommandLineOption referenceOpt(QStringLiteral("reference"),
                                          Main::tr("With --run: the clean reference (Enhance: audio for the scores)."),
                                          QStringLiteral("file"));
    const QCommandLineOption modelOpt(QStringLiteral("model"), Main::tr("With --run: a model folder, checkpoint file or built-in name."),
                                      QStringLiteral("model"));
    const QCommandLineOption shotOpt(QStringLiteral("screenshot"),
                                     Main::tr("Save a screenshot of the window to this PNG file (after the run when --run is "
                                        "given) and quit."),
                                     QStringLiteral("file"));
    parser.addOptions({workbenchOpt, runOpt, runArgOpt, inputOpt, referenceOpt, modelOpt, shotOpt});
    // The earlier --run-X options: --run-X [word] = --workbench W --run [--run-arg word].
    for (const auto& legacy : kLegacyRuns) {
        const bool takesWord = QLatin1String(legacy.option) == QLatin1String("run-erase");
        QCommandLineOption o(QString::fromLatin1(legacy.option), Main::tr("Same as --workbench %1 --run.")
                                                                     .arg(QString::fromLatin1(legacy.workbench)));
        if (takesWord) o.setValueName(QStringLiteral("word"));
        parser.addOption(o);
    }
    if (!parser.parse(QApplication::arguments())) {
        std::fprintf(stderr, "reverie: %s\n%s\n", qPrintable(parser.errorText()),
                     qPrintable(Main::tr("Run 'reverie --help' for the options.")));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version"))) parser.showVersion();

    QString workbenchId = parser.value(workbenchOpt);
    bool run = parser.isSet(runOpt);
    RunRequest request{parser.value(inputOpt), parser.value(referenceOpt), parser.value(modelOpt), parser.value(runArgOpt)};
    for (const auto& legacy : kLegacyRuns)
        if (parser.isSet(QString::fromLatin1(legacy.option))) {
            workbenchId = QString::fromLatin1(legacy.workbench);
            run = true;
            if (QLatin1String(legacy.option) == QLatin1String("run-erase"))
                request.argument = parser.value(QString::fromLatin1(legacy.option));
        }

    const LogSetup logs = installLogging(true);
    spdlog::info("Reverie {} starting; log file {}", REVERIE_VERSION, logs.file.toStdString());

    Engine engine(settings.threads);
    MainWindow window(&engine, settings);
    if (!workbenchId.isEmpty() && !window.showWorkbench(workbenchId)) {
        std::fprintf(stderr, "reverie: %s\n",
                     qPrintable(Main::tr("unknown workbench '%1'; known: %2")
                                    .arg(workbenchId, window.workbenchIds().join(QStringLiteral(", ")))));
        return 2;
    }
    Workbench* shown = window.workbench(window.currentWorkbenchId());
    window.show();

    const QString shot = parser.value(shotOpt);
    auto takeShot = [&window, shot] {
        if (shot.isEmpty()) return;
        if (!window.grab().save(shot, "PNG")) {
            std::fprintf(stderr, "reverie: cannot write the screenshot %s\n", qPrintable(shot));
            QApplication::exit(1);
            return;
        }
        QApplication::quit();
    };
    if (run) {
        QTimer::singleShot(300, shown, [shown, request, shot] {
            QString error;
            if (shown->run(request, &error)) return;
            std::fprintf(stderr, "reverie: %s\n", qPrintable(error));
            if (!shot.isEmpty()) QApplication::exit(1); // no run, so no screenshot will follow
        });
        if (!shot.isEmpty())
            QObject::connect(shown, &Workbench::runFinished, &window, [takeShot](JobStatus status, const QString& message) {
                if (status == JobStatus::Failed) std::fprintf(stderr, "reverie: %s\n", qPrintable(message));
                QTimer::singleShot(1000, takeShot);
            });
    } else if (!shot.isEmpty()) {
        QTimer::singleShot(1500, &window, takeShot);
    }
    return QApplication::exec();
}
