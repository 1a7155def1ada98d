#include "workbenches/tune/tuneworkbench.h"
#include "ui_trainform.h"

#include "catalog/training.h"
#include "jobs/jobslot.h"
#include "seriesplot.h"
#include "workbenches/common.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>

namespace reverie::app {

TuneWorkbench::TuneWorkbench(Engine* engine, QString outputDir, QObject* parent)
    : Workbench(engine, parent), m_outputRoot(std::move(outputDir)), m_ui(std::make_unique<Ui::TrainForm>()),
      m_slot(addSlot()) {
    m_page = new QWidget;
    m_page->setObjectName(QStringLiteral("tunePage"));
    auto* layout = new QVBoxLayout(m_page);
    layout->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Tune")), m_page));
    auto* tabs = new QTabWidget(m_page);
    tabs->setObjectName(QStringLiteral("tuneTabs"));
    auto* trainTab = new QWidget;
    m_ui->setupUi(trainTab);
    trainTab->setObjectName(QStringLiteral("trainTab"));
    tabs->addTab(trainTab, tr("Train"));
    layout->addWidget(tabs, 1);

    for (const auto& [name, json] : builtinRecipes()) m_ui->recipe->addItem(name, json);
    m_ui->lossPlot->setAxisLabels(tr("step"), tr("training loss"));
    m_ui->lossPlot->setLogY(true);
    connect(m_ui->recipe, &QComboBox::currentIndexChanged, this, &TuneWorkbench::recipeChanged);
    connect(m_ui->openRecipe, &QPushButton::clicked, this, &TuneWorkbench::openRecipeClicked);
    connect(m_ui->startTraining, &QPushButton::clicked, this, &TuneWorkbench::startClicked);
    connect(m_ui->cancelTraining, &QPushButton::clicked, this, &TuneWorkbench::cancel);
    connect(m_slot, &JobSlot::progress, this, &TuneWorkbench::onProgress);
    connect(m_slot, &JobSlot::busyChanged, this, [this](bool busy) {
        m_ui->startTraining->setEnabled(!busy);
        m_ui->cancelTraining->setEnabled(busy);
        m_ui->recipe->setEnabled(!busy);
    });
    m_ui->cancelTraining->setEnabled(false);
    recipeChanged();
}

TuneWorkbench::~TuneWorkbench() {
    if (m_page && !m_page->parent()) delete m_page;
}

QWidget* TuneWorkbench::page() { return m_page; }

QList<QPair<QString, QString>> TuneWorkbench::builtinRecipes() {
    QList<QPair<QString, QString>> out;
    QDirIterator it(QStringLiteral(":/recipes"), {QStringLiteral("*.json")});
    QStringList paths;
    while (it.hasNext()) paths << it.next();
    paths.sort();
    for (const auto& path : paths) {
        QFile f(path);
        if (f.open(QIODevice::ReadOnly)) out.append({QFileInfo(path).completeBaseName(), QString::fromUtf8(f.readAll())});
    }
    return out;
}

bool TuneWorkbench::isTraining() const { return m_slot->kind() == QLatin1String("train"); }

widgets::SeriesPlot* TuneWorkbench::lossPlot() const { return m_ui->lossPlot; }

QString TuneWorkbench::statusText() const { return m_ui->trainStatus->text(); }

void TuneWorkbench::recipeChanged() {
    const auto info = catalog::inspectRecipe(m_ui->recipe->currentData().toString().toStdString());
    const QString name = info ? qs(info.value().name) : m_ui->recipe->currentText();
    m_ui->outDir->setText(QDir(m_outputRoot).filePath(QStringLiteral("runs/") + name));
    m_ui->recipeInfo->setText(info ? tr("%1 · %2 steps of %3").arg(qs(info.value().task)).arg(info.value().steps).arg(info.value().batch)
                                   : qs(info.error().message));
}

void TuneWorkbench::openRecipeClicked() {
    const QString path = QFileDialog::getOpenFileName(m_page, tr("Open recipe"), QString(), tr("Recipes (*.json)"));
    if (path.isEmpty()) return;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        QMessageBox::warning(m_page, tr("Open recipe"), tr("Cannot read %1: %2").arg(path, f.errorString()));
        return;
    }
    m_ui->recipe->addItem(QFileInfo(path).completeBaseName(), QString::fromUtf8(f.readAll()));
    m_ui->recipe->setCurrentIndex(m_ui->recipe->count() - 1);
}

void TuneWorkbench::startClicked() {
    QString error;
    const qint64 steps = m_ui->steps->value() == 0 ? -1 : m_ui->steps->value();
    if (!startTraining(m_ui->recipe->currentData().toString(), m_ui->outDir->text().trimmed(), steps,
                       m_ui->resume->isChecked(), &error))
        QMessageBox::warning(m_page, tr("Training"), error);
}

bool TuneWorkbench::startTraining(const QString& recipeJson, const QString& outDir, qint64 maxSteps, bool resume,
                                  QString* error) {
    if (m_slot->isBusy()) {
        if (error) *error = JobSlot::busyMessage();
        return false;
    }
    const auto info = catalog::inspectRecipe(recipeJson.toStdString());
    if (!info) {
        if (error) *error = qs(info.error().message);
        return false;
    }
    m_ui->lossPlot->clear();
    m_ui->progress->setRange(0, int(std::min<std::int64_t>(info.value().steps, INT_MAX)));
    m_ui->trainStatus->setText(tr("Starting %1…").arg(qs(info.value().name)));
    m_runFirstStep = -1;
    train::Options options;
    options.outDir = outDir.toStdString();
    options.resume = resume;
    options.maxStepsThisRun = maxSteps;
    const std::string text = recipeJson.toStdString();
    m_slot->start<train::Summary>(
        QStringLiteral("train"), tr("Training %1").arg(qs(info.value().name)),
        [text, options](const JobContext& ctx) { return catalog::runRecipeText(text, options, ctx); },
        [this](const JobOutcome<train::Summary>& out) {
            QString message;
            if (out.ok()) {
                const auto& s = *out.value;
                message = tr("Finished at step %1: loss %2, %3 s/step, checkpoint %4")
                              .arg(s.step)
                              .arg(s.loss, 0, 'f', 4)
                              .arg(s.secondsPerStep, 0, 'f', 2)
                              .arg(qs(s.checkpoint));
                for (const auto& [name, value] : s.figures) message += QStringLiteral("; %1 %2").arg(qs(name)).arg(value, 0, 'f', 4);
            } else {
                message = out.status == JobStatus::Cancelled ? tr("Stopped: %1").arg(out.error) : tr("Failed: %1").arg(out.error);
            }
            m_ui->trainStatus->setText(message);
            Q_EMIT statusMessage(message);
            return message;
        });
    return true;
}

void TuneWorkbench::onProgress(const JobProgress& p) {
    if (m_runFirstStep < 0) {
        m_runStart = reverie::nowSeconds();
        m_runFirstStep = p.step - 1;
    }
    m_ui->progress->setValue(int(std::min<qint64>(p.step, INT_MAX)));
    m_ui->lossPlot->addPoint(tr("loss"), double(p.step), p.value(QStringLiteral("loss")));
    const double done = double(p.step - m_runFirstStep);
    const double perStep = done > 0 ? (reverie::nowSeconds() - m_runStart) / done : 0;
    const double left = perStep * double(p.total - p.step);
    m_ui->trainStatus->setText(tr("Step %1 of %2 · loss %3 · %4 s/step · about %5 min left")
                                   .arg(p.step)
                                   .arg(p.total)
                                   .arg(p.value(QStringLiteral("loss")), 0, 'f', 4)
                                   .arg(perStep, 0, 'f', 2)
                                   .arg(left / 60.0, 0, 'f', 0));
}

} // namespace reverie::app
