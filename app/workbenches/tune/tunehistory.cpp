// TuneWorkbench's history (RunHistory "tune"): every training or fine-tuning run that took a step
// is kept with its recipe (the one that ran: the picked method and modulation applied), its run
// folder, its figures (steps, final loss, seconds, s/step, peak activation MiB, trainable
// parameters) and its curves (training loss and activation memory per step, at most kCurvePoints
// each). The History tab compares two runs' curves on the same axes — the ramp of plain backprop
// beside the flat line of reversible backprop, across restarts — and runs one again with its
// recipe and step limit into a new folder beside the old one.
#include "workbenches/tune/tuneworkbench.h"

#include "seriesplot.h"
#include "ui_trainform.h"
#include "workbenches/common.h"
#include "workbenches/historypanel.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QLabel>
#include <QMessageBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include <cmath>

namespace reverie::app {

namespace {
constexpr int kCurvePoints = 400;

/// [[x, y], …] with at most kCurvePoints points (evenly thinned, the last one kept).
QJsonArray curveJson(const QVector<QPointF>& points) {
    QJsonArray out;
    const qsizetype n = points.size();
    const double stride = n > kCurvePoints ? double(n - 1) / (kCurvePoints - 1) : 1.0;
    for (int i = 0; i < std::min<qsizetype>(n, kCurvePoints); ++i) {
        const auto& p = points[qsizetype(std::lround(i * stride))];
        if (std::isfinite(p.y())) out.append(QJsonArray{p.x(), p.y()});
    }
    return out;
}
} // namespace

QWidget* TuneWorkbench::buildHistoryTab() {
    auto* area = new QWidget;
    auto* layout = new QVBoxLayout(area);
    layout->setContentsMargins(0, 0, 0, 0);
    m_compareMemory = new widgets::SeriesPlot(area);
    m_compareMemory->setObjectName(QStringLiteral("historyCompareMemory"));
    m_compareMemory->setAxisLabels(tr("step"), tr("activation memory (MiB)"));
    m_compareLoss = new widgets::SeriesPlot(area);
    m_compareLoss->setObjectName(QStringLiteral("historyCompareLoss"));
    m_compareLoss->setAxisLabels(tr("step"), tr("training loss"));
    m_compareLoss->setLogY(true);
    m_compareText =
        new QLabel(tr("Select two runs and press Compare: their memory and loss curves on the same "
                      "axes."),
                   area);
    m_compareText->setObjectName(QStringLiteral("historyCompareFigures"));
    m_compareText->setWordWrap(true);
    m_compareText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_compareMemory, 1);
    layout->addWidget(m_compareLoss, 1);
    layout->addWidget(m_compareText);
    m_historyTab = new HistoryTab(area);
    m_historyTab->setScatterAxes(QStringLiteral("peak_mib"), tr("peak activation MiB"),
                                 QStringLiteral("s_per_step"), tr("s/step"));
    m_historyTab->setComparer([this](const RunRecord& a, const RunRecord& b, QString* error) {
        return compareRuns(a.id, b.id, error);
    });
    m_historyTab->setExporter(QStringLiteral("json"), tr("JSON (*.json)"),
                              [this](const QString& id, const QString& path, QString* error) {
                                  return m_history.exportRecord(id, path, error);
                              });
    m_historyTab->connectTo(&m_history, m_outputRoot, [this](const QString& id) {
        QString error;
        if (!rerun(id, &error)) QMessageBox::warning(m_page, tr("Run again"), error);
    });
    connect(m_historyTab, &HistoryTab::compared, this, [this] { m_tabs->setCurrentWidget(m_historyTab); });
    return m_historyTab;
}

void TuneWorkbench::refreshHistory() {
    if (m_historyTab) m_historyTab->refresh(m_history);
}

void TuneWorkbench::keepInHistory(qint64 steps, double loss, double secondsPerStep, qint64 parameters) {
    if (steps <= 0) return;
    QJsonObject settings;
    settings[QStringLiteral("recipe")] = m_runRecipeJson;
    settings[QStringLiteral("out_dir")] = m_runOutDir;
    settings[QStringLiteral("method")] = m_runMethod;
    settings[QStringLiteral("max_steps")] = double(m_runMaxSteps);
    QJsonObject figures;
    figures[QStringLiteral("steps")] = double(steps);
    if (std::isfinite(loss)) figures[QStringLiteral("loss")] = loss;
    figures[QStringLiteral("seconds")] = double(QDateTime::currentSecsSinceEpoch() - m_runWallStart);
    if (secondsPerStep > 0) figures[QStringLiteral("s_per_step")] = secondsPerStep;
    if (m_runPeakMiB >= 0) figures[QStringLiteral("peak_mib")] = m_runPeakMiB;
    if (parameters >= 0) figures[QStringLiteral("parameters")] = double(parameters);
    figures[QStringLiteral("memory_curve")] = curveJson(m_runMemory);
    figures[QStringLiteral("loss_curve")] = curveJson(m_runLoss);
    QString error;
    if (!m_history.addRun(tr("%1 · %2 steps").arg(m_runName).arg(steps), settings, figures, {}, &error))
        m_ui->trainStatus->setText(tr("The run was not kept in the history: %1").arg(error));
    refreshHistory();
}

bool TuneWorkbench::compareRuns(const QString& a, const QString& b, QString* error) {
    const auto ra = m_history.find(a), rb = m_history.find(b);
    if (!ra || !rb) {
        if (error) *error = tr("That run is no longer in the history.");
        return false;
    }
    m_compareMemory->clear();
    m_compareLoss->clear();
    QStringList lines;
    for (const auto& [label, r] : {std::pair{tr("A"), &*ra}, std::pair{tr("B"), &*rb}}) {
        const QString series =
            QStringLiteral("%1: %2").arg(label, r->title.section(QStringLiteral(" · "), 0, 0));
        for (const auto& v : r->figures.value(QStringLiteral("memory_curve")).toArray())
            m_compareMemory->addPoint(series, v.toArray().at(0).toDouble(), v.toArray().at(1).toDouble());
        for (const auto& v : r->figures.value(QStringLiteral("loss_curve")).toArray())
            m_compareLoss->addPoint(series, v.toArray().at(0).toDouble(), v.toArray().at(1).toDouble());
        lines << QStringLiteral("<b>%1</b> %2 — %3")
                     .arg(label, r->title.toHtmlEscaped(),
                          HistoryPanel::figuresLine(r->figures).toHtmlEscaped());
    }
    m_compareText->setText(lines.join(QStringLiteral("<br>")));
    m_tabs->setCurrentWidget(m_historyTab);
    return true;
}

bool TuneWorkbench::rerun(const QString& id, QString* error) {
    const auto r = m_history.find(id);
    if (!r) {
        if (error) *error = tr("That run is no longer in the history.");
        return false;
    }
    const QString recipe = r->settings.value(QStringLiteral("recipe")).toString();
    QString dir = r->settings.value(QStringLiteral("out_dir")).toString();
    if (recipe.isEmpty() || dir.isEmpty()) {
        if (error) *error = tr("That run's settings cannot be used by this version: no recipe.");
        return false;
    }
    // A new folder beside the old one: the old run's checkpoint and adapter stay as they were.
    const QString base = dir;
    for (int n = 2; QFileInfo::exists(dir); ++n) dir = QStringLiteral("%1-again-%2").arg(base).arg(n);
    m_tabs->setCurrentIndex(0);
    return startTraining(recipe, dir, qint64(r->settings.value(QStringLiteral("max_steps")).toDouble(-1)),
                         false, error);
}

} // namespace reverie::app
