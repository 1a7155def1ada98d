#include "workbenches/generateworkbench.h"

#include "train/job.h"

#include "seriesplot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace reverie::app {

GenerateWorkbench::GenerateWorkbench(Engine* engine, QString outputDir, QObject* parent)
    : Workbench(parent), m_engine(engine), m_outputRoot(std::move(outputDir)) {
    connect(m_engine, &Engine::jobProgress, this, &GenerateWorkbench::onProgress);
}

QList<QPair<QString, QString>> GenerateWorkbench::builtinRecipes() {
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

QWidget* GenerateWorkbench::page() {
    if (m_page) return m_page;
    m_page = new QWidget;
    m_page->setObjectName(QStringLiteral("generatePage"));
    auto* layout = new QVBoxLayout(m_page);
    layout->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Generate")), m_page));
    auto* notBuilt = new QLabel(tr("Sampling is not built yet: it arrives with the diffusion engine. "
                                   "Today this page trains the built-in models."),
                                m_page);
    notBuilt->setObjectName(QStringLiteral("notBuilt"));
    notBuilt->setWordWrap(true);
    notBuilt->setStyleSheet(QStringLiteral("font-style: italic;"));
    layout->addWidget(notBuilt);

    auto* box = new QGroupBox(tr("Train a built-in model"), m_page);
    auto* form = new QFormLayout(box);
    m_recipe = new QComboBox(box);
    m_recipe->setObjectName(QStringLiteral("recipe"));
    for (const auto& [name, json] : builtinRecipes()) m_recipe->addItem(name, json);
    auto* openRecipe = new QPushButton(tr("Open recipe…"), box);
    auto* recipeRow = new QHBoxLayout;
    recipeRow->addWidget(m_recipe, 1);
    recipeRow->addWidget(openRecipe);
    form->addRow(tr("Recipe:"), recipeRow);
    m_outDir = new QLineEdit(box);
    m_outDir->setObjectName(QStringLiteral("outDir"));
    form->addRow(tr("Checkpoint folder:"), m_outDir);
    m_steps = new QSpinBox(box);
    m_steps->setRange(0, 10'000'000);
    m_steps->setSpecialValueText(tr("to the end of the recipe"));
    m_steps->setSuffix(tr(" steps"));
    form->addRow(tr("Run now:"), m_steps);
    m_resume = new QCheckBox(tr("Resume from the checkpoint in that folder"), box);
    m_resume->setChecked(true);
    form->addRow(QString(), m_resume);
    auto* buttons = new QHBoxLayout;
    m_start = new QPushButton(tr("Start training"), box);
    m_start->setObjectName(QStringLiteral("startTraining"));
    m_cancel = new QPushButton(tr("Cancel"), box);
    m_cancel->setObjectName(QStringLiteral("cancelTraining"));
    m_cancel->setEnabled(false);
    buttons->addWidget(m_start);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    form->addRow(QString(), buttons);
    layout->addWidget(box);

    m_progress = new QProgressBar(m_page);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_status = new QLabel(tr("Not running."), m_page);
    m_status->setObjectName(QStringLiteral("trainStatus"));
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    m_plot = new widgets::SeriesPlot(m_page);
    m_plot->setAxisLabels(tr("step"), tr("training loss"));
    m_plot->setLogY(true);
    layout->addWidget(m_plot, 1);

    connect(m_recipe, &QComboBox::currentIndexChanged, this, &GenerateWorkbench::recipeChanged);
    connect(openRecipe, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(m_page, tr("Open recipe"), QString(), tr("Recipes (*.json)"));
        if (path.isEmpty()) return;
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            QMessageBox::warning(m_page, tr("Open recipe"), tr("Cannot read %1: %2").arg(path, f.errorString()));
            return;
        }
        m_recipe->addItem(QFileInfo(path).completeBaseName(), QString::fromUtf8(f.readAll()));
        m_recipe->setCurrentIndex(m_recipe->count() - 1);
    });
    connect(m_start, &QPushButton::clicked, this, &GenerateWorkbench::start);
    connect(m_cancel, &QPushButton::clicked, this, &GenerateWorkbench::cancel);
    recipeChanged();
    return m_page;
}

void GenerateWorkbench::recipeChanged() {
    const auto info = reverie::train::inspectRecipe(m_recipe->currentData().toString().toStdString());
    const QString name = info ? QString::fromStdString(info.value().name) : m_recipe->currentText();
    m_outDir->setText(QDir(m_outputRoot).filePath(QStringLiteral("runs/") + name));
}

void GenerateWorkbench::start() {
    QString error;
    const qint64 steps = m_steps->value() == 0 ? -1 : m_steps->value();
    if (!startTraining(m_recipe->currentData().toString(), m_outDir->text().trimmed(), steps, m_resume->isChecked(),
                       &error))
        QMessageBox::warning(m_page, tr("Training"), error);
}

bool GenerateWorkbench::startTraining(const QString& recipeJson, const QString& outDir, qint64 maxSteps, bool resume,
                                      QString* error) {
    if (m_jobId != 0) {
        if (error) *error = tr("A training run is already going on.");
        return false;
    }
    const auto info = reverie::train::inspectRecipe(recipeJson.toStdString());
    if (!info) {
        if (error) *error = QString::fromStdString(info.error().message);
        return false;
    }
    page();
    m_plot->clear();
    m_progress->setRange(0, int(std::min<std::int64_t>(info.value().steps, INT_MAX)));
    m_status->setText(tr("Starting %1…").arg(QString::fromStdString(info.value().name)));
    m_runFirstStep = -1;
    setRunning(true);
    reverie::train::Options options;
    options.outDir = outDir.toStdString();
    options.resume = resume;
    options.maxStepsThisRun = maxSteps;
    const std::string text = recipeJson.toStdString();
    quint64 id = 0;
    auto future = m_engine->submit<reverie::train::Summary>(
        tr("Training %1").arg(QString::fromStdString(info.value().name)),
        [text, options](const reverie::JobContext& ctx) { return reverie::train::runFromText(text, options, ctx); },
        &id);
    m_jobId = id;
    future.then(this, [this](const JobOutcome<reverie::train::Summary>& out) {
        m_jobId = 0;
        setRunning(false);
        QString message;
        if (out.ok()) {
            const auto& s = *out.value;
            message = tr("Finished at step %1: loss %2, %3 s/step, checkpoint %4")
                          .arg(s.step)
                          .arg(s.loss, 0, 'f', 4)
                          .arg(s.secondsPerStep, 0, 'f', 2)
                          .arg(QString::fromStdString(s.checkpoint));
            if (s.testAccuracy >= 0) message += tr("; test accuracy %1%").arg(100.0 * s.testAccuracy, 0, 'f', 2);
        } else {
            message = out.status == JobStatus::Cancelled ? tr("Stopped: %1").arg(out.error) : tr("Failed: %1").arg(out.error);
        }
        m_status->setText(message);
        Q_EMIT statusMessage(message);
        Q_EMIT trainingFinished(out.status, message);
    });
    return true;
}

void GenerateWorkbench::cancel() {
    if (m_jobId != 0) m_engine->cancel(m_jobId);
}

void GenerateWorkbench::setRunning(bool running) {
    m_start->setEnabled(!running);
    m_cancel->setEnabled(running);
    m_recipe->setEnabled(!running);
}

QString GenerateWorkbench::statusText() const { return m_status ? m_status->text() : QString(); }

void GenerateWorkbench::onProgress(const JobProgress& p) {
    if (p.jobId != m_jobId || !m_page) return;
    if (m_runFirstStep < 0) {
        m_clock.start();
        m_runFirstStep = p.step - 1;
    }
    m_progress->setValue(int(p.step));
    m_plot->addPoint(tr("loss"), double(p.step), p.value(QStringLiteral("loss")));
    const double done = double(p.step - m_runFirstStep);
    const double perStep = done > 0 ? m_clock.elapsed() / 1000.0 / done : 0;
    const double left = perStep * double(p.total - p.step);
    m_status->setText(tr("Step %1 of %2 · loss %3 · %4 s/step · about %5 min left")
                          .arg(p.step)
                          .arg(p.total)
                          .arg(p.value(QStringLiteral("loss")), 0, 'f', 4)
                          .arg(perStep, 0, 'f', 2)
                          .arg(left / 60.0, 0, 'f', 0));
}

} // namespace reverie::app
