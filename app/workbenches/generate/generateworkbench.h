#pragma once
// Generate workbench (controller): sample the built-in generator with every sampler of the engine
// (live x_t | x̂_0 previews, cancel, PNGs that remember their settings), sweep samplers × NFE
// scored by the Fréchet distance, and measure bits/dim of test images. It holds the settings and
// results; GenerateView shows them.
//
// Thread rules: GUI thread only; model work runs on the engine thread through the torch-free calls
// of generate/generate.h, one job at a time (JobSlot kinds "sample", "sweep", "likelihood").

#include "erase/sd_erase.h"
#include "generate/generate.h"
#include "generate/sd.h"
#include "runhistory.h"
#include "workbench.h"
#include "workbenches/generate/generateview.h"

#include <QImage>
#include <QPointer>

namespace reverie::widgets {
class SeriesPlot;
}

namespace reverie::app {

class GenerateWorkbench : public Workbench {
    Q_OBJECT
public:
    GenerateWorkbench(Engine* engine, QString outputDir, QObject* parent = nullptr);
    ~GenerateWorkbench() override;

    QString id() const override { return QStringLiteral("generate"); }
    QString title() const override { return tr("Generate"); }
    QWidget* page() override;
    QJsonObject rememberedSettings() const override;
    bool applyRemembered(const QJsonObject& settings, QString* why) override;
    /// --run: samples with the shown settings (--model: another generator folder).
    bool run(const RunRequest& request, QString* error) override;

    /// Starts sampling with p. False (with *error, also shown) when the settings are invalid, the
    /// model folder does not exist or a job of this workbench is running.
    bool startSampling(const reverie::generate::GenerateParams& p, QString* error = nullptr);
    bool isSampling() const;
    /// The settings shown in the Sample tab.
    reverie::generate::GenerateParams currentParams() const;
    /// Shows p in the Sample tab's controls (values out of the controls' ranges are clamped).
    void applyParams(const reverie::generate::GenerateParams& p);
    /// The last finished grid (null before the first run).
    QImage resultImage() const { return m_result; }
    /// Saves the last grid as PNG with its settings and measured NFE/steps/seconds embedded.
    bool saveResult(const QString& path, QString* error = nullptr);
    /// Reads the settings embedded by saveResult() and shows them in the Sample tab.
    bool loadSettings(const QString& path, QString* error = nullptr);

    /// The Sample tab's finished runs (runhistory.h), kept across restarts.
    RunHistory& history() { return m_history; }
    void refreshHistory();
    /// Shows two runs of the history side by side in the History tab.
    bool compareRuns(const QString& a, const QString& b, QString* error = nullptr);
    /// Samples again with a run's settings (same seed: the same grid). A Stable Diffusion run runs
    /// again in its tab with its checkpoint, edits, LoRAs and start image (refused, with the reason,
    /// when one of those files is gone).
    bool rerun(const QString& id, QString* error = nullptr);
    QString sampleStatusText() const { return m_view->sampleStatus(); }
    /// Preview images shown during the current/last sampling run.
    int previewCount() const { return m_previews; }

    /// Starts a samplers × NFE sweep; eval.classifierDir "" means the shipped classifier.
    bool startSweep(const reverie::generate::SweepParams& p, QString* error = nullptr);
    widgets::SeriesPlot* sweepPlot() const { return m_view->sweepPlot(); }
    int sweepRows() const { return m_view->sweep().rows(); }
    /// The table cell (row, column) as shown (columns: sampler, NFE, FD, seconds, peak MiB, confident %).
    QString sweepCell(int row, int column) const { return m_view->sweep().cellText(row, column); }

    /// Stable Diffusion tab: text-to-image with an SD 1.x file (generate/sd.h). False (with *error,
    /// also shown) when the settings are invalid, the file does not exist or a job runs.
    bool startSd(const reverie::generate::SdParams& p, QString* error = nullptr);
    reverie::generate::SdParams currentSdParams() const;
    void applySdParams(const reverie::generate::SdParams& p);
    /// The images of the last finished SD run (empty before the first).
    const QList<QImage>& sdImages() const { return m_sdImages; }
    /// Previews shown during the current/last SD run.
    int sdPreviewCount() const { return m_sdPreviews; }
    QString sdStatusText() const { return m_view->sd().status(); }
    /// Saves image `index` of the last SD run as PNG with its A1111 "parameters" text.
    bool saveSdImage(int index, const QString& path, QString* error = nullptr);
    /// Erases a concept from the SD tab's checkpoint (erase/sd_erase.h); the edit file goes to
    /// <output>/sd-edits/ and appears checked in the tab's edit list.
    bool startSdErase(const reverie::erase::SdEraseParams& p, QString* error = nullptr);
    /// Adds a concept edit or a LoRA file to the SD tab's list (checked); false with the reason for
    /// a file that is neither.
    bool addSdAddon(const QString& file, QString* error = nullptr);
    /// Reads a PNG's A1111 "parameters" text into the SD tab.
    bool loadSdParameters(const QString& path, QString* error = nullptr);

    /// bits/dim of the first `count` test images with the model folder and SDE of the Sample tab.
    bool startLikelihood(int count, QString* error = nullptr);
    QString likelihoodText() const { return m_view->likelihoodStatus(); }

private:
    void onProgress(const JobProgress& p);
    bool failSample(const QString& message, QString* error);
    void setSampleStatus(const QString& message);
    void saveClicked();
    void loadClicked();
    void sweepClicked();
    static QJsonObject settingsJson(const reverie::generate::GenerateParams& p,
                                    const reverie::generate::GenerateResult& r);
    /// Settings JSON → p (over its values); false (why empty) if these are not sampling settings,
    /// false with *why if this version cannot use them.
    static bool paramsFromSettings(const QJsonObject& s, reverie::generate::GenerateParams& p, QString* why);
    /// A Stable Diffusion run's settings for the history: every field of p but the start image's
    /// pixels (its path instead), the concept edits and LoRAs by file, and the A1111 text.
    static QJsonObject sdSettingsJson(const reverie::generate::SdParams& p, const QString& initImagePath);
    /// sdSettingsJson() → p (over its values) and the start image's path; false with *why when a
    /// value is missing or invalid.
    static bool sdParamsFromSettings(const QJsonObject& s, reverie::generate::SdParams& p,
                                     QString& initImagePath, QString* why);
    bool rerunSd(const QJsonObject& settings, QString* error);

    QString m_outputRoot;
    QPointer<GenerateView> m_view; ///< owned by the window once shown, else by this
    JobSlot* m_slot;
    QImage m_result;
    reverie::generate::GenerateParams m_resultParams; ///< the settings m_result was made with
    reverie::generate::GenerateResult m_resultStats;  ///< its measured NFE/steps/seconds (no images)
    reverie::generate::GenerateParams m_runParams;    ///< the settings of the running job
    reverie::generate::GenerateParams m_extras;       ///< the shown settings, incl. those without a control
    int m_previews = 0;
    QList<QImage> m_sdImages;
    std::vector<reverie::generate::SdParams> m_sdItemParams; ///< per image: the settings with its own seed
    reverie::generate::SdParams m_sdExtras;                  ///< the SD settings without a control
    int m_sdPreviews = 0;
    RunHistory m_history{QStringLiteral("generate")};
};

} // namespace reverie::app
