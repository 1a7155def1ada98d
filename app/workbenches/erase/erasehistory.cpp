// EraseWorkbench's history (RunHistory "erase"): every grid that lands is kept as a run — an image
// of the grid (each prompt's row: the original model's images, a gap, the active set's), the
// settings that made it (prompts, seeds, steps, guidance, SLD, transport, and which concepts of the
// library were on with what weight) and its figures (NFE, seconds, and the share of the erased
// concepts' images that the classifier no longer sees as them). The History tab compares two
// grids in the split view and runs one again with its concept set, as long as those concepts are
// still in the library.
#include "workbenches/erase/eraseworkbench.h"

#include "workbenches/common.h"
#include "workbenches/historypanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QJsonArray>
#include <QMessageBox>
#include <QPainter>
#include <QSpinBox>
#include <QTabWidget>

namespace reverie::app {

namespace {
/// The grid as one image: per row the original images, a gap, the active ones (2-px spacing).
QImage gridImage(const QVector<QVector<QImage>>& original, const QVector<QVector<QImage>>& active) {
    if (active.isEmpty() || active.front().isEmpty()) return {};
    const QSize item = active.front().front().size();
    const int cols = int(active.front().size()), rows = int(active.size()), pad = 2, gap = 8;
    const int half = cols * (item.width() + pad);
    QImage out(2 * half + gap, rows * (item.height() + pad), QImage::Format_RGB32);
    out.fill(Qt::white);
    QPainter painter(&out);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            const QPoint at(c * (item.width() + pad), r * (item.height() + pad));
            if (r < original.size() && c < original[r].size()) painter.drawImage(at, original[r][c]);
            if (c < active[r].size()) painter.drawImage(at + QPoint(half + gap, 0), active[r][c]);
        }
    return out;
}
} // namespace

void EraseWorkbench::connectHistory() {
    m_historyTab->setScatterAxes(QStringLiteral("seconds"), tr("seconds"), QStringLiteral("erased"),
                                 tr("erased (%)"));
    m_historyTab->connectTo(&m_history, m_outputRoot, [this](const QString& id) {
        QString error;
        if (!rerun(id, &error)) QMessageBox::warning(m_page, tr("Run again"), error);
    });
    connect(m_historyTab, &HistoryTab::compared, this, [this] {
        if (auto* tabs = qobject_cast<QTabWidget*>(m_page)) tabs->setCurrentWidget(m_historyTab);
    });
}

void EraseWorkbench::refreshHistory() {
    if (m_historyTab) m_historyTab->refresh(m_history);
}

void EraseWorkbench::keepInHistory(int nfe, double seconds) {
    QJsonObject settings;
    settings[QStringLiteral("model_dir")] = m_modelDir;
    settings[QStringLiteral("prompts")] = QJsonArray::fromStringList(m_gridPrompts);
    settings[QStringLiteral("seed_count")] = m_seedCount->value();
    settings[QStringLiteral("first_seed")] = m_firstSeed->value();
    settings[QStringLiteral("steps")] = m_steps->value();
    settings[QStringLiteral("guidance")] = m_guidance->value();
    settings[QStringLiteral("sld")] = m_sld->currentData().toString();
    settings[QStringLiteral("transport")] = m_transport->isChecked();
    QJsonArray concepts;
    QStringList on;
    // The erased rate: of the images the original model made of an enabled concept's class, the
    // share the classifier no longer labels as that class.
    int ofConcept = 0, gone = 0;
    for (const auto& c : m_gridConcepts) {
        concepts.append(QJsonObject{{QStringLiteral("name"), qs(c.name)},
                                    {QStringLiteral("enabled"), c.enabled},
                                    {QStringLiteral("weight"), c.weight}});
        if (!c.enabled || c.weight == 0) continue;
        on << QStringLiteral("%1 ×%2").arg(qs(c.name)).arg(c.weight);
        for (int r = 0; r < m_originalClass.size() && r < m_activeClass.size(); ++r)
            for (int k = 0; k < m_originalClass[r].size() && k < m_activeClass[r].size(); ++k)
                if (m_originalClass[r][k] == c.cls) {
                    ++ofConcept;
                    if (m_activeClass[r][k] != c.cls) ++gone;
                }
    }
    settings[QStringLiteral("concepts")] = concepts;
    QJsonObject figures;
    figures[QStringLiteral("nfe")] = double(nfe);
    figures[QStringLiteral("seconds")] = seconds;
    if (ofConcept > 0) figures[QStringLiteral("erased")] = 100.0 * gone / ofConcept;
    const QString title = tr("%1 · %2 prompts × %3 seeds")
                              .arg(on.isEmpty() ? tr("original model") : on.join(QStringLiteral(", ")))
                              .arg(m_gridPrompts.size())
                              .arg(m_seedCount->value());
    QString error;
    if (!m_history.addImageRun(title, settings, figures, gridImage(m_original, m_active), &error))
        setStatus(tr("The grid was not kept in the history: %1").arg(error));
    refreshHistory();
}

bool EraseWorkbench::compareRuns(const QString& a, const QString& b, QString* error) {
    page();
    QString why;
    if (!m_historyTab->compare(m_history, a, b, &why)) {
        if (error) *error = why;
        setStatus(why);
        return false;
    }
    if (auto* tabs = qobject_cast<QTabWidget*>(m_page)) tabs->setCurrentWidget(m_historyTab);
    return true;
}

bool EraseWorkbench::rerun(const QString& id, QString* error) {
    page();
    auto fail = [&](const QString& m) {
        if (error) *error = m;
        setStatus(m);
        return false;
    };
    const auto r = m_history.find(id);
    if (!r) return fail(tr("That run is no longer in the history."));
    const QJsonObject& s = r->settings;
    if (s.value(QStringLiteral("model_dir")).toString() != m_modelDir)
        return fail(tr("That run was made with another model (%1).")
                        .arg(s.value(QStringLiteral("model_dir")).toString()));
    // Its concept set, by name: every concept it had on must still be in the library.
    QHash<QString, std::pair<bool, double>> wanted;
    for (const auto& v : s.value(QStringLiteral("concepts")).toArray()) {
        const auto o = v.toObject();
        wanted[o.value(QStringLiteral("name")).toString()] = {
            o.value(QStringLiteral("enabled")).toBool(), o.value(QStringLiteral("weight")).toDouble(1.0)};
    }
    for (auto it = wanted.begin(); it != wanted.end(); ++it) {
        const bool present = std::any_of(m_concepts.begin(), m_concepts.end(),
                                         [&](const auto& c) { return qs(c.name) == it.key(); });
        if (it.value().first && !present)
            return fail(
                tr("That run had %1 on, which is no longer in the library: erase it again or load the "
                   "library it was in.")
                    .arg(it.key()));
    }
    QStringList prompts;
    for (const auto& v : s.value(QStringLiteral("prompts")).toArray()) prompts << v.toString();
    if (prompts.isEmpty()) return fail(tr("That run's settings cannot be used by this version: no prompts."));
    setPrompts(prompts);
    setSeeds(s.value(QStringLiteral("seed_count")).toInt(2), s.value(QStringLiteral("first_seed")).toInt(1));
    setSteps(s.value(QStringLiteral("steps")).toInt(m_steps->value()));
    m_guidance->setValue(s.value(QStringLiteral("guidance")).toDouble(m_guidance->value()));
    const int sld = m_sld->findData(s.value(QStringLiteral("sld")).toString());
    m_sld->setCurrentIndex(sld >= 0 ? sld : 0);
    m_transport->setChecked(s.value(QStringLiteral("transport")).toBool());
    for (const auto& c : m_concepts) {
        const auto it = wanted.find(qs(c.name));
        const bool on = it != wanted.end() && it.value().first;
        setConceptEnabled(qs(c.name), on);
        if (it != wanted.end()) setConceptWeight(qs(c.name), it.value().second);
    }
    if (auto* tabs = qobject_cast<QTabWidget*>(m_page)) tabs->setCurrentIndex(0);
    return regenerate(error);
}

} // namespace reverie::app
