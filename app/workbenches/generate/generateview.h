#pragma once
// The Generate workbench's page: the Sample tab (sampleform.ui: settings, run buttons, the
// likelihood box, the preview), the Sweep tab (SweepPanel with the FD-vs-NFE plot) and the Stable
// Diffusion tab (SdPanel). It shows
// what the controller (generateworkbench.h) hands it and turns clicks into signals.
//
// Thread rules: GUI thread only.

#include "generate/generate.h"
#include "jobs/engine.h"
#include "workbenches/generate/sdpanel.h"
#include "workbenches/historypanel.h"
#include "workbenches/sweeppanel.h"

#include <QImage>
#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QSpinBox;
class QTabWidget;

namespace Ui {
class SampleForm;
}

namespace reverie::widgets {
class SeriesPlot;
}

namespace reverie::app {

class GenerateView : public QWidget {
    Q_OBJECT
public:
    explicit GenerateView(QWidget* parent = nullptr);
    ~GenerateView() override;

    /// The settings shown, over `base` (which supplies the fields without a control).
    reverie::generate::GenerateParams params(const reverie::generate::GenerateParams& base) const;
    void setParams(const reverie::generate::GenerateParams& p);
    int likelihoodCount() const;

    void setBusy(const QString& kind); ///< "" (idle), "sample", "likelihood" or "sweep"
    void setHasResult(bool has);
    void setSampleStatus(const QString& text);
    QString sampleStatus() const;
    void setLikelihoodStatus(const QString& text);
    QString likelihoodStatus() const;
    /// Shows an image in the preview (nearest neighbour); false when it was null.
    bool showPreview(const QImage& image, const QString& toolTip = {});

    SweepPanel& sweep() { return *m_sweep; }
    /// The "Stable Diffusion" tab.
    SdPanel& sd() { return *m_sd; }
    /// The "History" tab: the Sample tab's finished runs.
    HistoryTab* historyTab() const { return m_historyTab; }
    QTabWidget* tabs() const { return m_tabs; }
    widgets::SeriesPlot* sweepPlot() const { return m_sweepPlot; }
    void clearSweep();
    void addSweepPoint(const QString& sampler, double nfe, double fd, double seconds, double peakMiB, double confident,
                       qint64 step, qint64 total);
    void showSweepPreview(const QImage& image);

Q_SIGNALS:
    void generateRequested();
    void cancelRequested();
    void saveRequested();
    void loadRequested();
    void likelihoodRequested();
    void sweepRequested();

private:
    QWidget* buildSweepTab();
    void updateNfeHint();

    std::unique_ptr<Ui::SampleForm> m_ui;
    QComboBox* m_guideClass = nullptr;    ///< Off, or the class the start noise is optimised for
    QComboBox* m_guideStrategy = nullptr; ///< how the gradient through the run is taken
    QSpinBox* m_guideIterations = nullptr;
    QTabWidget* m_tabs = nullptr;
    bool m_hasResult = false;
    std::unique_ptr<SweepPanel> m_sweep;
    QLabel* m_sweepPreview = nullptr;
    widgets::SeriesPlot* m_sweepPlot = nullptr;
    SdPanel* m_sd = nullptr;
    HistoryTab* m_historyTab = nullptr;
};

} // namespace reverie::app
