#pragma once
// Restore workbench (controller): restore one image with a restorer (IR-SDE served by a
// μ-conditioned residual denoiser) and any restoration sampler, MR Sampler included — a file the
// user opens or drops, or a Fashion-MNIST test image degraded first so that the clean image is
// the reference — and sweep samplers × NFE for PSNR/SSIM-vs-NFE curves. It holds the settings and
// results; RestoreView shows them.
//
// Thread rules: GUI thread only; model work runs on the engine thread through the torch-free calls
// of restore/restore.h, one job at a time (JobSlot kinds "restore", "sweep"). A failed or
// cancelled job leaves the previous result as it was.

#include "restore/restore.h"
#include "runhistory.h"
#include "workbench.h"
#include "workbenches/restore/restoreview.h"

#include <QImage>
#include <QPointer>

#include <array>

namespace reverie::widgets {
class SeriesPlot;
class SplitImageView;
} // namespace reverie::widgets

namespace reverie::app {

class RestoreWorkbench : public Workbench {
    Q_OBJECT
public:
    using View = RestoreView::Image;

    RestoreWorkbench(Engine* engine, QString outputDir, QObject* parent = nullptr);
    ~RestoreWorkbench() override;

    QString id() const override { return QStringLiteral("restore"); }
    QString title() const override { return tr("Restore"); }
    QWidget* page() override;
    QJsonObject rememberedSettings() const override;
    bool applyRemembered(const QJsonObject& settings, QString* why) override;
    /// --run: restores with the shown settings (--input: the file; --model: the model).
    bool run(const RunRequest& request, QString* error) override;
    /// Shows the user\'s image file as the input (restored as it is).
    bool openInput(const QString& path, QString* error) override;
    /// Lists the folder's IR-SDE checkpoints in the model menu (Preferences → Models folder).
    void setModelsFolder(const QString& dir);

    /// Starts restoring with p. False (with *error, also shown) when the settings are invalid,
    /// the model folder does not exist or a job of this workbench is running.
    bool startRestore(const reverie::restore::RestoreJobParams& p, QString* error = nullptr);
    bool isRestoring() const;
    /// The settings shown in the Restore tab.
    reverie::restore::RestoreJobParams currentParams() const;
    /// Shows p in the Restore tab (values out of the controls' ranges are clamped).
    void applyParams(const reverie::restore::RestoreJobParams& p);
    /// Restores this file next (as "Open image…" or a drop does), as it is: the degradation is
    /// set to none (a demo degradation stays a choice the user makes afterwards). Empty: the test
    /// image, with the last demo degradation back.
    void setInputFile(const QString& path);

    bool hasResult() const { return !m_images[int(View::Result)].isNull(); }
    QImage image(View view) const { return m_images[int(view)]; }
    QImage resultImage() const { return image(View::Result); }
    /// The last finished restore's figures (its images are not kept here) and settings.
    const reverie::restore::RestoreJobResult& resultStats() const { return m_resultStats; }
    const reverie::restore::RestoreJobParams& resultParams() const { return m_resultParams; }
    /// Saves the result as PNG with its settings and figures embedded; never over an input.
    bool saveResult(const QString& path, QString* error = nullptr);
    /// Reads the settings embedded by saveResult() and shows them.
    bool loadSettings(const QString& path, QString* error = nullptr);

    /// The history of finished runs (runhistory.h): every successful restore is kept.
    RunHistory& history() { return m_history; }
    /// Shows two runs of the history side by side in the History tab's split view.
    bool compareRuns(const QString& a, const QString& b, QString* error = nullptr);
    /// Runs a run of the history again with its settings (same seed: the same result).
    bool rerun(const QString& id, QString* error = nullptr);
    /// Saves a run's kept result as PNG with its settings and figures embedded, and a JSON beside.
    bool exportRun(const QString& id, const QString& path, QString* error = nullptr);
    /// Reads the history folder again (another window may have added runs).
    void refreshHistory();
    QString statusText() const { return m_view->status(); }
    int previewCount() const { return m_previews; }
    widgets::SplitImageView* compareView() const { return m_view->compareView(); }

    /// Starts a samplers × NFE sweep over degraded test images; model, seed and λ come from p.base.
    bool startSweep(const reverie::restore::RestoreSweepParams& p, QString* error = nullptr);
    widgets::SeriesPlot* psnrPlot() const { return m_view->psnrPlot(); }
    widgets::SeriesPlot* ssimPlot() const { return m_view->ssimPlot(); }
    int sweepRows() const { return m_view->sweep().rows(); }
    /// The table cell (row, column) as shown (columns: sampler, NFE, PSNR, SSIM, s/image, peak MiB).
    QString sweepCell(int row, int column) const { return m_view->sweep().cellText(row, column); }
    QString sweepStatusText() const { return m_view->sweep().statusText(); }

private:
    void runClicked();
    void openImageClicked();
    void openMaskClicked();
    void saveClicked();
    void loadClicked();
    void sweepClicked();
    void onProgress(const JobProgress& p);
    bool fail(const QString& message, QString* error);
    void keepInHistory(const RunHistory::Prepared& kept);
    /// The JSON of a restore's settings and figures (embedded in saved PNGs, kept in the history).
    static QJsonObject settingsJson(const reverie::restore::RestoreJobParams& p,
                                    const reverie::restore::RestoreJobResult& r);
    /// Settings JSON → p (over its current values); false (why empty) if these are not
    /// restoration settings, false with *why if this version cannot use them.
    bool paramsFromSettings(const QJsonObject& s, reverie::restore::RestoreJobParams& p, QString* why) const;
    void setStatus(const QString& message);

    QString m_outputRoot;
    QPointer<RestoreView> m_view; ///< owned by the window once shown, else by this
    JobSlot* m_slot;
    std::array<QImage, 4> m_images;                     ///< indexed by View
    reverie::restore::RestoreJobResult m_resultStats;   ///< figures of the shown result (no images)
    reverie::restore::RestoreJobParams m_resultParams;  ///< the settings the shown result was made with
    reverie::restore::RestoreJobParams m_runParams;     ///< the settings of the running job
    reverie::restore::RestoreJobParams m_extras;        ///< the shown settings, incl. those without a control
    int m_previews = 0;
    RunHistory m_history{QStringLiteral("restore")};
    bool m_compareAfterRun = false; ///< --run-arg compare: show the run beside the previous one
};

} // namespace reverie::app
