// reverie: the studio's GUI. Wiring only: settings, translations, logging, the engine thread,
// the main window.

#include "engine/engine.h"
#include "logging.h"
#include "mainwindow.h"
#include "settings.h"
#include "workbenches/diagnosticsworkbench.h"
#include "workbenches/enhanceworkbench.h"
#include "workbenches/eraseworkbench.h"
#include "workbenches/generateworkbench.h"
#include "workbenches/restoreworkbench.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QLibraryInfo>
#include <QMessageBox>
#include <QScreen>
#include <QTimer>
#include <QTranslator>

#include "generate/zoo.h"

#include <spdlog/spdlog.h>

#include <cstdio>

using namespace reverie::app;

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("reverie"));
    QApplication::setApplicationDisplayName(QStringLiteral("Reverie"));
    QApplication::setOrganizationName(QStringLiteral("Reverie"));
    QApplication::setApplicationVersion(QStringLiteral(REVERIE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.reverie.Reverie"));
    reverie::zoo::setExecutableDir(QCoreApplication::applicationDirPath().toStdString());

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
    parser.setApplicationDescription(QApplication::translate("main", "Reverie: a desktop studio for diffusion models."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption workbenchOpt(QStringLiteral("workbench"),
                                          QApplication::translate("main", "Open this workbench first (generate, restore, "
                                                                          "enhance, erase, tune, diagnostics)."),
                                          QStringLiteral("id"));
    const QCommandLineOption runDiagOpt(QStringLiteral("run-diagnostics"),
                                        QApplication::translate("main", "Run Diagnostics once the window is up."));
    const QCommandLineOption shotOpt(QStringLiteral("screenshot"),
                                     QApplication::translate("main", "Save a screenshot of the window to this PNG file "
                                                                     "(after the run when --run-diagnostics, "
                                                                     "--run-sample, --run-restore, --run-enhance or "
                                                                     "--run-erase is given) "
                                                                     "and quit."),
                                     QStringLiteral("file"));
    const QCommandLineOption runSampleOpt(QStringLiteral("run-sample"),
                                          QApplication::translate("main", "Generate once with the Sample tab's settings "
                                                                          "once the window is up."));
    const QCommandLineOption runRestoreOpt(QStringLiteral("run-restore"),
                                           QApplication::translate("main", "Restore once with the Restore tab's settings "
                                                                           "once the window is up."));
    const QCommandLineOption runEnhanceOpt(QStringLiteral("run-enhance"),
                                           QApplication::translate("main", "Enhance the --input audio file (and score it "
                                                                           "against --reference) with the default sampler "
                                                                           "once the window is up."));
    const QCommandLineOption runEraseOpt(QStringLiteral("run-erase"),
                                         QApplication::translate("main", "Erase this concept word with RECE from the "
                                                                         "built-in text model and regenerate the Erase "
                                                                         "grid once the window is up."),
                                         QStringLiteral("word"));
    const QCommandLineOption inputOpt(QStringLiteral("input"),
                                      QApplication::translate("main", "Restore workbench: use this image file as the input "
                                                                      "(with --run-enhance: the noisy audio file)."),
                                      QStringLiteral("file"));
    const QCommandLineOption referenceOpt(QStringLiteral("reference"),
                                          QApplication::translate("main", "With --run-enhance: the clean reference audio "
                                                                          "file for the scores."),
                                          QStringLiteral("file"));
    const QCommandLineOption modelOpt(QStringLiteral("model"),
                                      QApplication::translate("main", "Restore workbench: this model folder or built-in "
                                                                      "name (fmnist-restore, photo-denoise)."),
                                      QStringLiteral("model"));
    parser.addOptions({workbenchOpt, runDiagOpt, runSampleOpt, runRestoreOpt, runEnhanceOpt, runEraseOpt, inputOpt, referenceOpt,
                       modelOpt, shotOpt});
    if (!parser.parse(QApplication::arguments())) {
        std::fprintf(stderr, "reverie: %s\n%s\n", qPrintable(parser.errorText()),
                     qPrintable(QApplication::translate("main", "Run 'reverie --help' for the options.")));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version"))) parser.showVersion();

    const LogSetup logs = installLogging(true);
    spdlog::info("Reverie {} starting; log file {}", REVERIE_VERSION, logs.file.toStdString());

    Engine engine(settings.threads);
    MainWindow window(&engine, settings);
    if (parser.isSet(workbenchOpt) && !window.showWorkbench(parser.value(workbenchOpt))) {
        std::fprintf(stderr, "reverie: %s\n",
                     qPrintable(QApplication::translate("main", "unknown workbench '%1'; known: %2")
                                    .arg(parser.value(workbenchOpt), window.workbenchIds().join(QStringLiteral(", ")))));
        return 2;
    }
    if (!parser.isSet(runEnhanceOpt) && (parser.isSet(inputOpt) || parser.isSet(modelOpt))) {
        auto* restore = qobject_cast<RestoreWorkbench*>(window.workbench(QStringLiteral("restore")));
        auto p = restore->currentParams();
        if (parser.isSet(inputOpt)) p.inputPath = QFileInfo(parser.value(inputOpt)).absoluteFilePath().toStdString();
        if (parser.isSet(modelOpt))
            p.modelDir = QFileInfo(QString::fromStdString(reverie::zoo::resolve(parser.value(modelOpt).toStdString(), "")))
                             .absoluteFilePath()
                             .toStdString();
        restore->applyParams(p);
    }
    window.show();

    const QString shot = parser.value(shotOpt);
    auto takeShot = [&window, shot] {
        if (shot.isEmpty()) return;
        const QPixmap pixmap = window.grab();
        if (!pixmap.save(shot, "PNG")) {
            std::fprintf(stderr, "reverie: cannot write the screenshot %s\n", qPrintable(shot));
            QApplication::exit(1);
            return;
        }
        QApplication::quit();
    };
    if (parser.isSet(runDiagOpt)) {
        auto* diag = qobject_cast<DiagnosticsWorkbench*>(window.workbench(QStringLiteral("diagnostics")));
        QTimer::singleShot(300, diag, [diag] { diag->run(false); });
        if (!shot.isEmpty())
            QObject::connect(diag, &DiagnosticsWorkbench::runFinished, &window,
                             [takeShot] { QTimer::singleShot(1500, takeShot); });
    } else if (parser.isSet(runSampleOpt)) {
        auto* gen = qobject_cast<GenerateWorkbench*>(window.workbench(QStringLiteral("generate")));
        window.showWorkbench(QStringLiteral("generate"));
        QTimer::singleShot(300, gen, [gen] {
            QString error;
            if (!gen->startSampling(gen->currentParams(), &error))
                std::fprintf(stderr, "reverie: %s\n", qPrintable(error));
        });
        if (!shot.isEmpty())
            QObject::connect(gen, &GenerateWorkbench::samplingFinished, &window,
                             [takeShot] { QTimer::singleShot(1000, takeShot); });
    } else if (parser.isSet(runRestoreOpt)) {
        auto* restore = qobject_cast<RestoreWorkbench*>(window.workbench(QStringLiteral("restore")));
        window.showWorkbench(QStringLiteral("restore"));
        QTimer::singleShot(300, restore, [restore, shot] {
            QString error;
            if (restore->startRestore(restore->currentParams(), &error)) return;
            std::fprintf(stderr, "reverie: %s\n", qPrintable(error));
            if (!shot.isEmpty()) QApplication::exit(1); // no run, so no screenshot will follow
        });
        if (!shot.isEmpty())
            QObject::connect(restore, &RestoreWorkbench::restoreFinished, &window,
                             [takeShot] { QTimer::singleShot(1000, takeShot); });
    } else if (parser.isSet(runEnhanceOpt)) {
        auto* enhance = qobject_cast<EnhanceWorkbench*>(window.workbench(QStringLiteral("enhance")));
        window.showWorkbench(QStringLiteral("enhance"));
        const QString input = parser.value(inputOpt), reference = parser.value(referenceOpt);
        const QString model = parser.value(modelOpt);
        QTimer::singleShot(300, enhance, [enhance, shot, input, reference, model] {
            QString error;
            auto p = enhance->currentParams();
            if (!model.isEmpty())
                p.modelDir = QFileInfo(QString::fromStdString(reverie::zoo::resolve(model.toStdString(), "")))
                                 .absoluteFilePath()
                                 .toStdString();
            bool ok = true;
            if (input.isEmpty()) {
                error = QApplication::translate("main", "--run-enhance needs --input with a noisy audio file.");
                ok = false;
            }
            ok = ok && enhance->setNoisyFile(input, &error);
            ok = ok && (reference.isEmpty() || enhance->setReferenceFile(reference, &error));
            ok = ok && enhance->startEnhance(p, &error);
            if (ok) return;
            std::fprintf(stderr, "reverie: %s\n", qPrintable(error));
            if (!shot.isEmpty()) QApplication::exit(1); // no run, so no screenshot will follow
        });
        if (!shot.isEmpty())
            QObject::connect(enhance, &EnhanceWorkbench::enhanceFinished, &window,
                             [takeShot] { QTimer::singleShot(1000, takeShot); });
    } else if (parser.isSet(runEraseOpt)) {
        auto* erase = qobject_cast<EraseWorkbench*>(window.workbench(QStringLiteral("erase")));
        window.showWorkbench(QStringLiteral("erase"));
        const QString word = parser.value(runEraseOpt);
        QTimer::singleShot(300, erase, [erase, shot, word] {
            QString error;
            if (erase->startErase(word, QStringLiteral("rece"), &error)) return;
            std::fprintf(stderr, "reverie: %s\n", qPrintable(error));
            if (!shot.isEmpty()) QApplication::exit(1); // no run, so no screenshot will follow
        });
        if (!shot.isEmpty())
            QObject::connect(erase, &EraseWorkbench::eraseFinished, &window,
                             [erase, takeShot](JobStatus status, const QString& message) {
                                 if (status != JobStatus::Succeeded) {
                                     std::fprintf(stderr, "reverie: %s\n", qPrintable(message));
                                     QApplication::exit(1);
                                     return;
                                 }
                                 // The workbench regenerates the grid after an erase: shoot when it is done.
                                 QObject::connect(erase, &EraseWorkbench::gridFinished, erase,
                                                  [takeShot] { QTimer::singleShot(1000, takeShot); },
                                                  Qt::SingleShotConnection);
                             });
    } else if (!shot.isEmpty()) {
        QTimer::singleShot(1500, &window, takeShot);
    }
    return QApplication::exec();
}
