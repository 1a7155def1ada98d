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
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QTableWidget>
#include <QMessageBox>
#include <QSignalBlocker>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
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
    m_ui->memoryPlot->setAxisLabels(tr("step"), tr("activation memory (MiB)"));
    m_ui->runs->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    const QList<QPair<QString, QString>> methods = {
        {QStringLiteral("full"), tr("Full fine-tuning (stores every activation)")},
        {QStringLiteral("checkpoint"), tr("Gradient checkpointing (√n segments)")},
        {QStringLiteral("adapter"), tr("Bottleneck adapters")},
        {QStringLiteral("lora"), tr("LoRA")},
        {QStringLiteral("meft1"), tr("MEFT1: reversible, adapter as G")},
        {QStringLiteral("meft2"), tr("MEFT2: reversible, adapter as F")},
        {QStringLiteral("meft3"), tr("MEFT3: reversible attention/MLP halves")}};
    for (const auto& [id, label] : methods) m_ui->method->addItem(label, id);
    connect(m_ui->method, &QComboBox::currentIndexChanged, this, [this] {
        const auto info = catalog::inspectRecipe(effectiveRecipe().toStdString());
        if (info) m_ui->outDir->setText(QDir(m_outputRoot).filePath(QStringLiteral("runs/") + qs(info.value().name)));
    });
    connect(m_ui->recipe, &QComboBox::currentIndexChanged, this, &TuneWorkbench::recipeChanged);
    connect(m_ui->openRecipe, &QPushButton::clicked, this, &TuneWorkbench::openRecipeClicked);
    connect(m_ui->startTraining, &QPushButton::clicked, this, &TuneWorkbench::startClicked);
    connect(m_ui->cancelTraining, &QPushButton::clicked, this, &TuneWorkbench::cancel);
    connect(m_slot, &JobSlot::progress, this, &TuneWorkbench::onProgress);
    connect(m_ui->sampleTuned, &QPushButton::clicked, this, [this] {
        QString error;
        if (!sampleTunedAndBase(&error)) m_ui->sampleStatus->setText(error);
    });
    m_ui->sampleTuned->setEnabled(false);
    connect(m_slot, &JobSlot::busyChanged, this, [this](bool busy) {
        m_ui->startTraining->setEnabled(!busy);
        m_ui->cancelTraining->setEnabled(busy);
        m_ui->recipe->setEnabled(!busy);
        m_ui->sampleTuned->setEnabled(!busy && !m_lastTuneCheckpoint.isEmpty());
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

widgets::SeriesPlot* TuneWorkbench::memoryPlot() const { return m_ui->memoryPlot; }

int TuneWorkbench::runCount() const { return m_ui->runs->rowCount(); }

QString TuneWorkbench::runCell(int row, int column) const {
    const auto* item = m_ui->runs->item(row, column);
    return item ? item->text() : QString();
}

bool TuneWorkbench::setMethod(const QString& id) {
    const int i = m_ui->method->findData(id);
    if (i < 0) return false;
    m_ui->method->setCurrentIndex(i);
    return true;
}

bool TuneWorkbench::methodPickerVisible() const { return !m_ui->method->isHidden(); }

bool TuneWorkbench::selectRecipe(const QString& name) {
    const int i = m_ui->recipe->findText(name);
    if (i < 0) return false;
    m_ui->recipe->setCurrentIndex(i);
    return true;
}

namespace {
// The recipe's fine-tuning method, or "" when it is not a "dit-tune" recipe.
QString tuneMethodOf(const QString& json) {
    const auto doc = QJsonDocument::fromJson(json.toUtf8());
    if (!doc.isObject() || doc.object().value(QStringLiteral("task")).toString() != QLatin1String("dit-tune")) return {};
    return doc.object().value(QStringLiteral("options")).toObject().value(QStringLiteral("method")).toString(QStringLiteral("full"));
}
} // namespace

QImage TuneWorkbench::baseSamples() const { return m_baseSamples; }

QImage TuneWorkbench::tunedSamples() const { return m_tunedSamples; }

QString TuneWorkbench::sampleStatusText() const { return m_ui->sampleStatus->text(); }

bool TuneWorkbench::sampleTunedAndBase(QString* error) {
    if (m_lastTuneCheckpoint.isEmpty()) {
        if (error) *error = tr("Fine-tune a model first (a recipe of task dit-tune).");
        return false;
    }
    if (m_slot->isBusy()) {
        if (error) *error = JobSlot::busyMessage();
        return false;
    }
    const std::string checkpoint = m_lastTuneCheckpoint.toStdString();
    m_ui->sampleStatus->setText(tr("Sampling the base and the tuned model…"));
    m_slot->start<catalog::TunedSamples>(
        QStringLiteral("sample"), tr("Sampling base and tuned"),
        [checkpoint](const JobContext& ctx) { return catalog::sampleTunedAndBase(checkpoint, 8, 18, ctx); },
        [this](const JobOutcome<catalog::TunedSamples>& out) {
            QString message;
            if (out.ok()) {
                m_baseSamples = toQImage(out.value->base);
                m_tunedSamples = toQImage(out.value->tuned);
                showPixelImage(m_ui->baseSamples, m_baseSamples);
                showPixelImage(m_ui->tunedSamples, m_tunedSamples);
                QStringList labels;
                for (int l : out.value->labels) labels << QString::number(l);
                message = tr("Left: base model; right: fine-tuned; the same seeds, one row per class (%1).")
                              .arg(labels.join(QStringLiteral(", ")));
            } else {
                message = tr("Sampling failed: %1").arg(out.error);
            }
            m_ui->sampleStatus->setText(message);
            return message;
        });
    return true;
}

QString TuneWorkbench::effectiveRecipe() const {
    const QString json = m_ui->recipe->currentData().toString();
    if (tuneMethodOf(json).isEmpty()) return json;
    auto root = QJsonDocument::fromJson(json.toUtf8()).object();
    const QString method = m_ui->method->currentData().toString();
    auto options = root.value(QStringLiteral("options")).toObject();
    options.insert(QStringLiteral("method"), method);
    root.insert(QStringLiteral("options"), options);
    root.insert(QStringLiteral("name"), root.value(QStringLiteral("name")).toString(QStringLiteral("tune")) + QLatin1Char('-') + method);
    return QString::fromUtf8(QJsonDocument(root).toJson(QJsonDocument::Compact));
}

void TuneWorkbench::addRunRow(const QString& run, qint64 steps, double loss, double secondsPerStep, qint64 parameters) {
    const int row = m_ui->runs->rowCount();
    m_ui->runs->insertRow(row);
    const QStringList cells = {run,
                               QString::number(steps),
                               m_runPeakMiB >= 0 ? QString::number(m_runPeakMiB, 'f', 1) : tr("n/a"),
                               QString::number(secondsPerStep, 'f', 3),
                               parameters >= 0 ? QString::number(parameters) : tr("n/a"),
                               std::isfinite(loss) ? QString::number(loss, 'f', 4) : tr("n/a")};
    for (int c = 0; c < cells.size(); ++c) m_ui->runs->setItem(row, c, new QTableWidgetItem(cells[c]));
}

QString TuneWorkbench::statusText() const { return m_ui->trainStatus->text(); }

void TuneWorkbench::recipeChanged() {
    const QString method = tuneMethodOf(m_ui->recipe->currentData().toString());
    m_ui->method->setHidden(method.isEmpty());
    m_ui->methodLabel->setHidden(method.isEmpty());
    if (!method.isEmpty()) {
        const QSignalBlocker block(m_ui->method);
        const int i = m_ui->method->findData(method);
        if (i >= 0) m_ui->method->setCurrentIndex(i);
    }
    const auto info = catalog::inspectRecipe(effectiveRecipe().toStdString());
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
    if (!startTraining(effectiveRecipe(), m_ui->outDir->text().trimmed(), steps,
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
    m_runPeakMiB = -1;
    m_runName = qs(info.value().name);
    m_runIsTune = info.value().task == "dit-tune";
    for (int n = 2; m_ui->memoryPlot->seriesNames().contains(m_runName); ++n)
        m_runName = QStringLiteral("%1 (%2)").arg(qs(info.value().name)).arg(n);
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
            const qint64 steps = m_ui->progress->value();
            if (out.ok()) {
                const auto& s = *out.value;
                addRunRow(m_runName, s.step, s.loss, s.secondsPerStep, s.parameters);
                if (m_runIsTune) m_lastTuneCheckpoint = qs(s.checkpoint);
                message = tr("Finished at step %1: loss %2, %3 s/step, checkpoint %4")
                              .arg(s.step)
                              .arg(s.loss, 0, 'f', 4)
                              .arg(s.secondsPerStep, 0, 'f', 2)
                              .arg(qs(s.checkpoint));
                for (const auto& [name, value] : s.figures) message += QStringLiteral("; %1 %2").arg(qs(name)).arg(value, 0, 'f', 4);
            } else {
                message = out.status == JobStatus::Cancelled ? tr("Stopped: %1").arg(out.error) : tr("Failed: %1").arg(out.error);
                if (m_runFirstStep >= 0) addRunRow(m_runName, steps, NAN, m_lastPerStep, -1);
            }
            m_ui->trainStatus->setText(message);
            Q_EMIT statusMessage(message);
            return message;
        });
    return true;
}

void TuneWorkbench::onProgress(const JobProgress& p) {
    if (!isTraining()) return; // the sampling job reports sampler steps, not training steps
    if (m_runFirstStep < 0) {
        m_runStart = reverie::nowSeconds();
        m_runFirstStep = p.step - 1;
    }
    m_ui->progress->setValue(int(std::min<qint64>(p.step, INT_MAX)));
    m_ui->lossPlot->addPoint(tr("loss"), double(p.step), p.value(QStringLiteral("loss")));
    const double act = p.value(QStringLiteral("activation_mib"), -1);
    if (act >= 0) {
        m_ui->memoryPlot->addPoint(m_runName, double(p.step), act);
        m_runPeakMiB = std::max(m_runPeakMiB, act);
    }
    const double done = double(p.step - m_runFirstStep);
    const double perStep = done > 0 ? (reverie::nowSeconds() - m_runStart) / done : 0;
    const double left = perStep * double(p.total - p.step);
    m_lastPerStep = perStep;
    m_ui->trainStatus->setText(tr("Step %1 of %2 · loss %3 · %4 s/step · about %5 min left")
                                   .arg(p.step)
                                   .arg(p.total)
                                   .arg(p.value(QStringLiteral("loss")), 0, 'f', 4)
                                   .arg(perStep, 0, 'f', 2)
                                   .arg(left / 60.0, 0, 'f', 0));
}

} // namespace reverie::app
