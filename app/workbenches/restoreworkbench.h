#pragma once
// Restore workbench: restore one image with the built-in restorer (IR-SDE served by a
// μ-conditioned residual denoiser) and any restoration sampler, MR Sampler included — a file the
// user opens or drops, or a Fashion-MNIST test image degraded first so that the clean image is
// the reference. Live x_t | x̂_0 previews, cancel, a split compare view (result, input, reference,
// classical peer) with PSNR/SSIM beside it, PNGs that remember their settings; and a samplers ×
// NFE sweep with live PSNR- and SSIM-vs-NFE curves against the degraded input and the classical
// peer.
//
// Thread rules: GUI thread only. All model work runs on the Engine thread through the torch-free
// core calls of restore/restore.h; this workbench runs one job at a time. A failed or cancelled
// job leaves the previous result as it was.

#include "engine/engine.h"
#include "restore/restore.h"
#include "workbench.h"
#include "workbenches/sweeppanel.h"

#include <QElapsedTimer>
#include <QImage>

#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSlider;
class QSpinBox;
class QTabWidget;

namespace reverie::widgets {
class SeriesPlot;
class SplitImageView;
} // namespace reverie::widgets

namespace reverie::app {

class RestoreWorkbench : public Workbench {
    Q_OBJECT
public:
    RestoreWorkbench(Engine* engine, QString outputDir, QObject* parent = nullptr);

    QString id() const override { return QStringLiteral("restore"); }
    QString title() const override { return tr("Restore"); }
    QWidget* page() override;
    void cancel() override;

    /// True while a job of this workbench (restore or sweep) is queued or running.
    bool isBusy() const { return m_jobId != 0; }

    // ---- Restore ----
    /// The images a finished restore offers for comparison (null when that run had none).
    enum class View { Result, Input, Reference, Peer };

    /// Starts restoring with p. Returns false (with *error, also shown in the status line) when
    /// the settings are invalid, the model folder does not exist or a job of this workbench is
    /// running; otherwise restoreFinished() follows.
    bool startRestore(const reverie::restore::RestoreJobParams& p, QString* error = nullptr);
    bool isRestoring() const { return m_kind == Kind::Restore; }
    /// The settings shown in the Restore tab.
    reverie::restore::RestoreJobParams currentParams() const;
    /// Shows p in the Restore tab (values out of the controls' ranges are clamped).
    void applyParams(const reverie::restore::RestoreJobParams& p);
    /// Restores this file next (as "Open image…" or a drop does); empty: the test image.
    void setInputFile(const QString& path);

    bool hasResult() const { return !m_images[int(View::Result)].isNull(); }
    QImage image(View view) const { return m_images[int(view)]; }
    QImage resultImage() const { return image(View::Result); }
    /// The last finished restore's figures (its images are not kept here) and settings.
    const reverie::restore::RestoreJobResult& resultStats() const { return m_resultStats; }
    const reverie::restore::RestoreJobParams& resultParams() const { return m_resultParams; }
    /// Saves the result as PNG with its settings and measured figures embedded. Refuses to write
    /// over the input file.
    bool saveResult(const QString& path, QString* error = nullptr);
    /// Reads the settings embedded by saveResult() and shows them in the Restore tab.
    bool loadSettings(const QString& path, QString* error = nullptr);
    QString statusText() const;
    /// Previews shown during the current/last run.
    int previewCount() const { return m_previews; }
    widgets::SplitImageView* compareView() const { return m_view; }

    // ---- Sweep ----
    /// Starts a samplers × NFE sweep over degraded test images; model, seed and λ come from p.base.
    bool startSweep(const reverie::restore::RestoreSweepParams& p, QString* error = nullptr);
    widgets::SeriesPlot* psnrPlot() const { return m_psnrPlot; }
    widgets::SeriesPlot* ssimPlot() const { return m_ssimPlot; }
    int sweepRows() const;
    /// The table cell (row, column) as shown (columns: sampler, NFE, PSNR, SSIM, s/image, peak MiB).
    QString sweepCell(int row, int column) const;
    QString sweepStatusText() const;

Q_SIGNALS:
    void restoreFinished(reverie::app::JobStatus status, const QString& message);
    void sweepFinished(reverie::app::JobStatus status, const QString& message);

protected:
    /// Drops of an image file anywhere on the page.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    enum class Kind { None, Restore, Sweep };

    QWidget* buildRestoreTab();
    QWidget* buildSweepTab();
    void runClicked();
    void openImageClicked();
    void saveClicked();
    void loadClicked();
    void sweepClicked();
    void onProgress(const JobProgress& p);
    void onSweepProgress(const JobProgress& p);
    void setBusy(Kind kind);
    bool refuseWhenBusy(QString* error) const;
    void finishJob(QLabel* status, const QString& message);
    void showResult(const reverie::restore::RestoreJobResult& r);
    void updateCompareChoices();
    void updateCompareView();
    void updateNfeLabel();
    QString viewName(View view) const;

    Engine* m_engine;
    QString m_outputRoot;
    QWidget* m_page = nullptr;
    QTabWidget* m_tabs = nullptr;
    quint64 m_jobId = 0;
    Kind m_kind = Kind::None;
    QElapsedTimer m_clock;

    // Restore tab: input
    QRadioButton* m_useTest = nullptr;
    QRadioButton* m_useFile = nullptr;
    QSpinBox* m_testIndex = nullptr;
    QLineEdit* m_inputPath = nullptr;
    QPushButton* m_openImage = nullptr;
    QComboBox* m_degrade = nullptr;
    // Restore tab: model and sampler
    QLineEdit* m_modelDir = nullptr;
    QComboBox* m_builtinModel = nullptr;
    QComboBox* m_sampler = nullptr;
    QSlider* m_nfe = nullptr;
    QLabel* m_nfeLabel = nullptr;
    QSpinBox* m_seed = nullptr;
    QDoubleSpinBox* m_lambda = nullptr;
    QCheckBox* m_peer = nullptr;
    QPushButton* m_run = nullptr;
    QPushButton* m_cancelRun = nullptr;
    QPushButton* m_save = nullptr;
    QPushButton* m_load = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_preview = nullptr;
    // Restore tab: comparison and metrics
    QComboBox* m_left = nullptr;
    QComboBox* m_right = nullptr;
    widgets::SplitImageView* m_view = nullptr;
    QLabel* m_psnr[3] = {};     ///< input, result, peer
    QLabel* m_ssim[3] = {};
    QLabel* m_metricNfe = nullptr;
    QLabel* m_metricSeconds = nullptr;
    QLabel* m_metricPeer = nullptr;

    QImage m_images[4];                                 ///< indexed by View
    reverie::restore::RestoreJobResult m_resultStats;   ///< figures of the shown result (no images)
    reverie::restore::RestoreJobParams m_resultParams;  ///< the settings the shown result was made with
    reverie::restore::RestoreJobParams m_runParams;     ///< the settings of the running job
    reverie::restore::RestoreJobParams m_extras;        ///< the shown settings, incl. those without a control
    int m_previews = 0;

    // Sweep tab
    QComboBox* m_sweepTask = nullptr;
    std::unique_ptr<SweepPanel> m_sweep; ///< the form and table (its widgets belong to the page)
    QLabel* m_sweepScores = nullptr;
    widgets::SeriesPlot* m_psnrPlot = nullptr;
    widgets::SeriesPlot* m_ssimPlot = nullptr;
};

} // namespace reverie::app
