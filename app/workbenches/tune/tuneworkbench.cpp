#include "workbenches/tune/tuneworkbench.h"
#include "ui_trainform.h"

#include "barchart.h"
#include "catalog/training.h"
#include "jobs/jobslot.h"
#include "seriesplot.h"
#include "workbenches/common.h"
#include "workbenches/tune/continualpanel.h"
#include "workbenches/tune/gradientpanel.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListWidget>
#include <QLabel>
#include <QTableWidget>
#include <QMessageBox>
#include <QSignalBlocker>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <climits>

namespace reverie::app {

namespace {
// Full and checkpointed fine-tuning train every weight, so the modulation setting does not apply.
bool trainsEverything(const QString& method) {
    return method == QLatin1String("full") || method == QLatin1String("checkpoint");
}
} // namespace

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
    m_ui->outDir->setToolTip(tr("The run folder: checkpoints, the loss log and the recipe go there"));
    m_ui->resume->setToolTip(
        tr("Continue the run in the folder from its last checkpoint, exactly as if it had not "
           "stopped"));
    trainTab->setObjectName(QStringLiteral("trainTab"));
    tabs->addTab(trainTab, tr("Train"));
    m_continual = new ContinualPanel(addSlot());
    tabs->addTab(m_continual, tr("Continual"));
    m_gradient = new GradientPanel(addSlot());
    tabs->addTab(m_gradient, tr("Through the sampler"));
    m_tabs = tabs;
    tabs->addTab(buildHistoryTab(), tr("History"));
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
    const QList<QPair<QString, QString>> modulations = {
        {QStringLiteral("frozen"), tr("Frozen (the methods as published)")},
        {QStringLiteral("bias"), tr("Biases train")},
        {QStringLiteral("lora"), tr("LoRA update")},
        {QStringLiteral("full"), tr("Trains whole")}};
    for (const auto& [id, label] : modulations) m_ui->modulation->addItem(label, id);
    const auto pickChanged = [this] {
        const QString method = m_ui->method->currentData().toString();
        m_ui->modulation->setEnabled(!trainsEverything(method));
        const auto info = catalog::inspectRecipe(effectiveRecipe().toStdString());
        if (info) m_ui->outDir->setText(QDir(m_outputRoot).filePath(QStringLiteral("runs/") + qs(info.value().name)));
    };
    connect(m_ui->method, &QComboBox::currentIndexChanged, this, pickChanged);
    connect(m_ui->modulation, &QComboBox::currentIndexChanged, this, pickChanged);
    connect(m_ui->recipe, &QComboBox::currentIndexChanged, this, &TuneWorkbench::recipeChanged);
    connect(m_ui->openRecipe, &QPushButton::clicked, this, &TuneWorkbench::openRecipeClicked);
    connect(m_ui->startTraining, &QPushButton::clicked, this, &TuneWorkbench::startClicked);
    connect(m_ui->cancelTraining, &QPushButton::clicked, this, &TuneWorkbench::cancel);
    connect(m_slot, &JobSlot::progress, this, &TuneWorkbench::onProgress);
    m_ui->runsChart->setSeriesNames(tr("peak activation MiB"), tr("s/step"));
    connect(m_ui->sampleTuned, &QPushButton::clicked, this, [this] {
        QString error;
        if (!sampleTunedAndBase(&error)) m_ui->sampleStatus->setText(error);
    });
    connect(m_ui->loadAdapter, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(m_page, tr("Load adapter"), m_outputRoot,
                                                          tr("Tuned adapters (*.safetensors)"));
        QString error;
        if (!path.isEmpty() && !loadAdapter(path, &error)) m_ui->sampleStatus->setText(error);
    });
    connect(m_ui->removeAdapter, &QPushButton::clicked, this, [this] {
        const int row = m_ui->adapters->currentRow();
        if (row < 0) return;
        const bool wasOn = isAdapterOn(row);
        delete m_ui->adapters->takeItem(row);
        if (wasOn) adapterToggled(-1);
    });
    connect(m_ui->adapters, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        if (!m_adapterGuard) adapterToggled(m_ui->adapters->row(item));
    });
    m_ui->adapterBase->setText(tr("Base model: %1").arg(m_adapterBase));
    m_ui->sampleTuned->setEnabled(false);
    connect(m_slot, &JobSlot::busyChanged, this, [this](bool busy) {
        const bool training = busy && isTraining();
        m_ui->startTraining->setEnabled(!busy);
        m_ui->cancelTraining->setEnabled(busy);
        m_ui->recipe->setEnabled(!busy);
        m_ui->sampleTuned->setEnabled(!training && adapterCount() > 0);
        m_ui->loadAdapter->setEnabled(!busy);
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

bool TuneWorkbench::setModulation(const QString& id) {
    const int i = m_ui->modulation->findData(id);
    if (i < 0) return false;
    m_ui->modulation->setCurrentIndex(i);
    return true;
}

bool TuneWorkbench::modulationPickerEnabled() const { return m_ui->modulation->isEnabled() && !m_ui->modulation->isHidden(); }

bool TuneWorkbench::selectRecipe(const QString& name) {
    const int i = m_ui->recipe->findText(name);
    if (i < 0) return false;
    m_ui->recipe->setCurrentIndex(i);
    return true;
}

namespace {
// What the page reads from a fine-tuning ("dit-tune") recipe; method "" for any other recipe.
struct TuneRecipe {
    QString method, base, modulation;
    QList<int> classes; ///< new_classes, else the data's classes
};
TuneRecipe tuneRecipeOf(const QString& json) {
    const auto doc = QJsonDocument::fromJson(json.toUtf8());
    if (!doc.isObject() || doc.object().value(QStringLiteral("task")).toString() != QLatin1String("dit-tune")) return {};
    const auto options = doc.object().value(QStringLiteral("options")).toObject();
    TuneRecipe r;
    r.method = options.value(QStringLiteral("method")).toString(QStringLiteral("full"));
    r.base = options.value(QStringLiteral("base")).toString(QStringLiteral("fmnist-dit"));
    r.modulation = options.value(QStringLiteral("modulation")).toString(QStringLiteral("frozen"));
    const auto list = options.value(options.contains(QStringLiteral("new_classes")) ? QStringLiteral("new_classes")
                                                                                     : QStringLiteral("classes"));
    for (const auto& v : list.toArray()) r.classes << v.toInt();
    return r;
}
} // namespace

QImage TuneWorkbench::baseSamples() const { return m_baseSamples; }

QImage TuneWorkbench::tunedSamples() const { return m_tunedSamples; }

QString TuneWorkbench::sampleStatusText() const { return m_ui->sampleStatus->text(); }

widgets::BarChart* TuneWorkbench::runsChart() const { return m_ui->runsChart; }

int TuneWorkbench::adapterCount() const { return m_ui->adapters->count(); }

QString TuneWorkbench::adapterText(int row) const {
    const auto* item = m_ui->adapters->item(row);
    return item ? item->text() : QString();
}

QString TuneWorkbench::adapterPath(int row) const {
    const auto* item = m_ui->adapters->item(row);
    return item ? item->data(Qt::UserRole).toString() : QString();
}

bool TuneWorkbench::isAdapterOn(int row) const {
    const auto* item = m_ui->adapters->item(row);
    return item && item->checkState() == Qt::Checked;
}

void TuneWorkbench::setAdapterOn(int row, bool on) {
    if (auto* item = m_ui->adapters->item(row)) item->setCheckState(on ? Qt::Checked : Qt::Unchecked);
}

void TuneWorkbench::adapterToggled(int row) {
    // At most one adapter is on: switching one on switches the others off.
    if (row >= 0 && isAdapterOn(row)) {
        m_adapterGuard = true;
        for (int i = 0; i < adapterCount(); ++i)
            if (i != row) setAdapterOn(i, false);
        m_adapterGuard = false;
    }
    if (adapterCount() == 0) return;
    QString error;
    if (!sampleTunedAndBase(&error)) m_ui->sampleStatus->setText(error);
}

QString TuneWorkbench::adapterLabel(const QString& run, const QString& method, qint64 step, const QList<int>& classes,
                                    qint64 parameters) {
    QStringList names;
    for (int c : classes) names << QString::number(c);
    const QString text = tr("%1 · %2 · step %3 · classes %4").arg(run, method).arg(step).arg(names.join(QStringLiteral(", ")));
    return parameters >= 0 ? text + tr(" · %1 parameters").arg(parameters) : text;
}

void TuneWorkbench::addCheckedAdapter(const QString& path, const QString& text, const QList<int>& classes) {
    m_adapterGuard = true;
    QListWidgetItem* item = nullptr;
    for (int i = 0; i < adapterCount(); ++i)
        if (adapterPath(i) == path) item = m_ui->adapters->item(i); // a rerun overwrote the same file
    if (!item) {
        item = new QListWidgetItem(m_ui->adapters);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Unchecked);
    }
    item->setText(text);
    item->setToolTip(path);
    item->setData(Qt::UserRole, path);
    item->setData(Qt::UserRole + 1, QVariant::fromValue(classes));
    m_adapterGuard = false;
    m_ui->sampleTuned->setEnabled(!isTraining());
    if (item->checkState() == Qt::Checked) adapterToggled(m_ui->adapters->row(item)); // on already: new weights
    else item->setCheckState(Qt::Checked); // itemChanged → adapterToggled: the others go off, samples follow
}

bool TuneWorkbench::loadAdapter(const QString& path, QString* error) {
    if (m_slot->isBusy()) {
        if (error) *error = JobSlot::busyMessage();
        return false;
    }
    const std::string file = path.toStdString(), base = m_adapterBase.toStdString();
    m_ui->sampleStatus->setText(tr("Checking %1 against %2…").arg(QFileInfo(path).fileName(), m_adapterBase));
    m_slot->start<catalog::AdapterSummary>(
        QStringLiteral("adapter"), tr("Checking adapter"),
        [file, base](const JobContext&) { return catalog::checkAdapter(file, base); },
        [this, path](const JobOutcome<catalog::AdapterSummary>& out) {
            if (!out.ok()) {
                const QString message = tr("Adapter not loaded: %1").arg(out.error);
                m_ui->sampleStatus->setText(message);
                return message;
            }
            const auto& a = *out.value;
            QList<int> classes;
            for (int c : a.classes) classes << c;
            const QString text = adapterLabel(qs(a.run), qs(a.method), a.step, classes, a.parameters);
            // Queued: the slot is free once this job has ended, and the samples need it.
            QTimer::singleShot(0, this, [this, path, text, classes] { addCheckedAdapter(path, text, classes); });
            return tr("Adapter %1 fits %2").arg(QFileInfo(path).fileName(), m_adapterBase);
        });
    return true;
}

bool TuneWorkbench::sampleTunedAndBase(QString* error) {
    if (adapterCount() == 0) {
        if (error) *error = tr("Fine-tune a model first (a recipe of task dit-tune), or load an adapter.");
        return false;
    }
    if (m_slot->isBusy() && m_slot->kind() != QLatin1String("sample")) {
        if (error) *error = JobSlot::busyMessage();
        return false;
    }
    int on = -1;
    for (int i = 0; i < adapterCount(); ++i)
        if (isAdapterOn(i)) on = i;
    // The rows follow the switched-on adapter's classes; with none on, the current item's.
    const int shown = on >= 0 ? on : std::max(0, m_ui->adapters->currentRow());
    std::vector<int> labels;
    for (int c : m_ui->adapters->item(shown)->data(Qt::UserRole + 1).value<QList<int>>()) labels.push_back(c);
    if (labels.empty()) labels = {0};
    const std::string adapter = on >= 0 ? adapterPath(on).toStdString() : std::string();
    const std::string base = m_adapterBase.toStdString();
    const QString name = on >= 0 ? QFileInfo(QFileInfo(adapterPath(on)).path()).fileName() : QString();
    m_ui->sampleStatus->setText(tr("Sampling the base and the tuned model…"));
    m_slot->replace<catalog::TunedSamples>(
        QStringLiteral("sample"), tr("Sampling base and tuned"),
        [base, adapter, labels](const JobContext& ctx) { return catalog::sampleWithAdapter(base, adapter, labels, 8, 18, ctx); },
        [this, name](const JobOutcome<catalog::TunedSamples>& out) {
            QString message;
            if (out.ok()) {
                m_baseSamples = toQImage(out.value->base);
                m_tunedSamples = toQImage(out.value->tuned);
                showPixelImage(m_ui->baseSamples, m_baseSamples);
                showPixelImage(m_ui->tunedSamples, m_tunedSamples);
                QStringList labels;
                for (int l : out.value->labels) labels << QString::number(l);
                message = name.isEmpty()
                              ? tr("Every adapter is off: both grids are the base model; the same seeds, one row per class (%1).")
                                    .arg(labels.join(QStringLiteral(", ")))
                              : tr("Left: base model; right: with adapter %1; the same seeds, one row per class (%2).")
                                    .arg(name, labels.join(QStringLiteral(", ")));
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
    const TuneRecipe tune = tuneRecipeOf(json);
    if (tune.method.isEmpty()) return json;
    auto root = QJsonDocument::fromJson(json.toUtf8()).object();
    const QString method = m_ui->method->currentData().toString(), modulation = m_ui->modulation->currentData().toString();
    auto options = root.value(QStringLiteral("options")).toObject();
    options.insert(QStringLiteral("method"), method);
    options.insert(QStringLiteral("modulation"), modulation);
    root.insert(QStringLiteral("options"), options);
    QString name = root.value(QStringLiteral("name")).toString(QStringLiteral("tune")) + QLatin1Char('-') + method;
    if (modulation != tune.modulation && !trainsEverything(method))
        name += QStringLiteral("-mod-") + modulation;
    root.insert(QStringLiteral("name"), name);
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
    // The chart names a fine-tuning run by its method (the recipe's name is the common prefix).
    const QString shortName = !m_runRecipe.isEmpty() && run.startsWith(m_runRecipe + QLatin1Char('-'))
                                  ? run.mid(m_runRecipe.size() + 1)
                                  : run;
    m_ui->runsChart->addCategory(shortName, m_runPeakMiB >= 0 ? m_runPeakMiB : NAN,
                                 secondsPerStep > 0 ? secondsPerStep : NAN);
}

QString TuneWorkbench::statusText() const { return m_ui->trainStatus->text(); }

void TuneWorkbench::recipeChanged() {
    const TuneRecipe tune = tuneRecipeOf(m_ui->recipe->currentData().toString());
    const QString& method = tune.method;
    m_ui->method->setHidden(method.isEmpty());
    m_ui->methodLabel->setHidden(method.isEmpty());
    m_ui->modulation->setHidden(method.isEmpty());
    m_ui->modulationLabel->setHidden(method.isEmpty());
    if (!method.isEmpty()) {
        const QSignalBlocker block(m_ui->method), blockModulation(m_ui->modulation);
        const int i = m_ui->method->findData(method);
        if (i >= 0) m_ui->method->setCurrentIndex(i);
        const int k = m_ui->modulation->findData(tune.modulation);
        if (k >= 0) m_ui->modulation->setCurrentIndex(k);
        m_ui->modulation->setEnabled(!trainsEverything(method));
    }
    if (!method.isEmpty()) {
        m_adapterBase = tune.base;
        m_ui->adapterBase->setText(tr("Base model: %1").arg(m_adapterBase));
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
    if (m_slot->isBusy() && m_slot->kind() != QLatin1String("sample")) { // a sampling job gives way
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
    const TuneRecipe tune = tuneRecipeOf(recipeJson);
    m_runMethod = tune.method;
    m_runClasses = tune.classes;
    m_runRecipe = m_runName.endsWith(QLatin1Char('-') + m_runMethod) && !m_runMethod.isEmpty()
                      ? m_runName.chopped(m_runMethod.size() + 1)
                      : QString();
    m_runOutDir = outDir;
    m_runRecipeJson = recipeJson;
    m_runMaxSteps = maxSteps;
    m_runMemory.clear();
    m_runLoss.clear();
    m_runWallStart = QDateTime::currentSecsSinceEpoch();
    for (int n = 2; m_ui->memoryPlot->seriesNames().contains(m_runName); ++n)
        m_runName = QStringLiteral("%1 (%2)").arg(qs(info.value().name)).arg(n);
    train::Options options;
    options.outDir = outDir.toStdString();
    options.resume = resume;
    options.maxStepsThisRun = maxSteps;
    const std::string text = recipeJson.toStdString();
    m_slot->replace<train::Summary>(
        QStringLiteral("train"), tr("Training %1").arg(qs(info.value().name)),
        [text, options](const JobContext& ctx) { return catalog::runRecipeText(text, options, ctx); },
        [this](const JobOutcome<train::Summary>& out) {
            QString message;
            const qint64 steps = m_ui->progress->value();
            if (out.ok()) {
                const auto& s = *out.value;
                addRunRow(m_runName, s.step, s.loss, s.secondsPerStep, s.parameters);
                keepInHistory(s.step, s.loss, s.secondsPerStep, s.parameters);
                message = tr("Finished at step %1: loss %2, %3 s/step, checkpoint %4")
                              .arg(s.step)
                              .arg(s.loss, 0, 'f', 4)
                              .arg(s.secondsPerStep, 0, 'f', 2)
                              .arg(qs(s.checkpoint));
                for (const auto& [name, value] : s.figures) message += QStringLiteral("; %1 %2").arg(qs(name)).arg(value, 0, 'f', 4);
            } else {
                message = out.status == JobStatus::Cancelled ? tr("Stopped: %1").arg(out.error) : tr("Failed: %1").arg(out.error);
                if (m_runFirstStep >= 0) {
                    addRunRow(m_runName, steps, NAN, m_lastPerStep, -1);
                    keepInHistory(steps, m_runLoss.isEmpty() ? NAN : m_runLoss.back().y(), m_lastPerStep, -1);
                }
            }
            // The run's adapter (also written when it was stopped early) joins the list, switched
            // on. It was made from this base by this run, so it needs no check job (which would
            // hold the slot when the user starts the next run); the samples follow, queued
            // because the slot is free only once this job has ended.
            const QString adapter = QDir(m_runOutDir).filePath(QStringLiteral("adapter.safetensors"));
            if (m_runIsTune && QFileInfo(adapter).exists() &&
                QFileInfo(adapter).lastModified().toSecsSinceEpoch() + 1 >= m_runWallStart) {
                const QString text = adapterLabel(m_runName, m_runMethod, out.ok() ? out.value->step : steps, m_runClasses,
                                                  out.ok() ? out.value->parameters : -1);
                const QList<int> classes = m_runClasses;
                QTimer::singleShot(0, this, [this, adapter, text, classes] { addCheckedAdapter(adapter, text, classes); });
            }
            m_ui->trainStatus->setText(message);
            Q_EMIT statusMessage(message);
            return message;
        });
    return true;
}

bool TuneWorkbench::run(const RunRequest& request, QString* error) {
    if (request.argument == QLatin1String("gradient")) {
        m_tabs->setCurrentWidget(m_gradient);
        if (!m_gradient->start(error)) return false;
    } else if (request.argument == QLatin1String("continual")) {
        m_tabs->setCurrentWidget(m_continual);
        if (!m_continual->start(error)) return false;
    } else {
        if (error)
            *error = tr(
                "The Tune workbench runs \"--run-arg continual\" or \"--run-arg gradient\" from the command "
                "line.");
        return false;
    }
    finishRunWithNextJob();
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
    m_runLoss.append(QPointF(double(p.step), p.value(QStringLiteral("loss"))));
    const double act = p.value(QStringLiteral("activation_mib"), -1);
    if (act >= 0) {
        m_ui->memoryPlot->addPoint(m_runName, double(p.step), act);
        m_runMemory.append(QPointF(double(p.step), act));
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
