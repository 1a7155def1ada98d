#pragma once
// The Restore workbench's page: the Restore tab (restoreform.ui: input, model and sampler, run
// buttons, preview, the split compare view and the metrics) and the Sweep tab (SweepPanel with
// PSNR/SSIM-vs-NFE plots). It shows what the controller (restoreworkbench.h) hands it and turns
// clicks into signals; it holds no results.
//
// Thread rules: GUI thread only.

#include "jobs/engine.h"
#include "restore/restore.h"
#include "workbenches/historypanel.h"
#include "workbenches/sweeppanel.h"

#include <QImage>
#include <QList>
#include <QPair>
#include <QString>
#include <QWidget>

#include <array>
#include <memory>

class QComboBox;
class QLabel;
class QTabWidget;

namespace Ui {
class RestoreForm;
}

namespace reverie::widgets {
class SeriesPlot;
class SplitImageView;
} // namespace reverie::widgets

namespace reverie::app {

class RestoreView : public QWidget {
    Q_OBJECT
public:
    /// The images a finished restore offers for comparison.
    enum class Image { Result, Input, Reference, Peer };
    static constexpr int kMinNfe = 1;
    static constexpr int kMaxNfe = 100;

    explicit RestoreView(QWidget* parent = nullptr);
    ~RestoreView() override;

    /// The settings shown, over `base` (which supplies the fields without a control).
    reverie::restore::RestoreJobParams params(const reverie::restore::RestoreJobParams& base) const;
    /// Shows p (values out of the controls' ranges are clamped).
    void setParams(const reverie::restore::RestoreJobParams& p);
    /// Selects "File:" with this path.
    void setInputFile(const QString& path);
    /// The mask of missing pixels of the user's own file (inpainting; "" for none).
    void setMaskFile(const QString& path);
    /// The models folder's IR-SDE checkpoints (label, path) in the model menu.
    void setCheckpoints(const QList<QPair<QString, QString>>& entries);
    bool fileSelectedWithoutPath() const;
    /// The file chosen in the controls now ("" for a test image).
    QString chosenFile() const;
    int nfeShown() const;

    void setBusy(const QString& kind); ///< "" (idle), "restore" or "sweep"
    void setHasResult(bool has);
    void setStatus(const QString& text);
    QString status() const;
    void beginRestore(int total, const QString& text);
    void showRestoreProgress(const reverie::app::JobProgress& p, double seconds);
    void endRestore();
    /// Shows a preview; returns false when it was null.
    bool showPreview(const QImage& preview);
    /// Shows a finished result: its images (null where it has none) and figures.
    void showResult(const std::array<QImage, 4>& images, const reverie::restore::RestoreJobResult& stats,
                    const reverie::restore::RestoreJobParams& params);

    reverie::widgets::SplitImageView* compareView() const;
    // History tab
    HistoryTab* historyTab() const { return m_historyTab; }
    QWidget* restoreTab() const;
    QTabWidget* tabs() const { return m_tabs; }

    // Sweep tab
    SweepPanel& sweep() { return *m_sweep; }
    std::string sweepTask() const;
    widgets::SeriesPlot* psnrPlot() const { return m_psnrPlot; }
    widgets::SeriesPlot* ssimPlot() const { return m_ssimPlot; }
    void clearSweep();
    void addSweepPoint(const QString& sampler, double nfe, double psnr, double ssim, double seconds, double peakMiB,
                       qint64 step, qint64 total);
    void showSweepScores(const reverie::restore::RestoreSweepResult& r);

    /// Labels in the user's language.
    static QString taskLabel(const reverie::restore::TaskInfo& t);
    /// The "Its problem" menu's label of a task id (what is wrong with the user's own file).
    static QString fileTaskLabel(const std::string& id);
    static QString samplerLabel(const reverie::restore::SamplerInfo& s);

Q_SIGNALS:
    void runRequested();
    void cancelRequested();
    void openImageRequested();
    void openMaskRequested();
    void saveRequested();
    void loadRequested();
    void sweepRequested();
    /// A local file was dropped anywhere on the page.
    void fileDropped(const QString& path);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    /// Sets the sampler and NFE to the model card's "sampling" recommendation, if it has one.
    void applyRecommendedSampling(const QString& modelDir);
    QWidget* buildSweepTab();
    QWidget* buildHistoryTab();
    void updateCompareChoices();
    void updateCompareView();
    void syncBuiltinModel();
    QString imageName(Image image) const;

    std::unique_ptr<Ui::RestoreForm> m_ui;
    QWidget* m_restoreTab = nullptr;
    HistoryTab* m_historyTab = nullptr;
    QTabWidget* m_tabs = nullptr;
    std::array<QImage, 4> m_images; ///< what the compare view offers (indexed by Image)
    bool m_hasResult = false;
    QString m_demoTask = QStringLiteral("noise"); ///< degradation for test images (setInputFile)
    QComboBox* m_sweepTask = nullptr;
    std::unique_ptr<SweepPanel> m_sweep;
    QLabel* m_sweepScores = nullptr;
    widgets::SeriesPlot* m_psnrPlot = nullptr;
    widgets::SeriesPlot* m_ssimPlot = nullptr;
};

} // namespace reverie::app
