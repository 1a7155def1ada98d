#pragma once
// Generate workbench: sample the built-in generator with every sampler of the engine (live
// x_t | x̂_0 previews, cancel, PNGs that remember their settings), sweep samplers × NFE scored by
// the Fréchet distance, measure bits/dim of test images, and train the built-in models from their
// recipes (live loss curve; memory is in the telemetry dock).
//
// Thread rules: GUI thread only. All model work runs on the Engine thread through torch-free core
// calls (generate/generate.h, train/job.h); this workbench runs one job at a time.

#include "engine/engine.h"
#include "generate/generate.h"
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
class QSpinBox;
class QTabWidget;

namespace reverie::widgets { class SeriesPlot; }

namespace reverie::app {

class GenerateWorkbench : public Workbench {
    Q_OBJECT
public:
    GenerateWorkbench(Engine* engine, QString outputDir, QObject* parent = nullptr);

    QString id() const override { return QStringLiteral("generate"); }
    QString title() const override { return tr("Generate"); }
    QWidget* page() override;
    void cancel() override;

    /// True while any job of this workbench (sampling, sweep, bits/dim, training) is queued or running.
    bool isBusy() const { return m_jobId != 0; }

    // ---- Sampling ----
    /// Starts sampling with p. Returns false (with *error, also shown in the status label) when the
    /// settings are invalid, the model folder does not exist or a job of this workbench is running;
    /// otherwise samplingFinished() follows.
    bool startSampling(const reverie::generate::GenerateParams& p, QString* error = nullptr);
    bool isSampling() const { return m_kind == Kind::Sample; }
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
    QString sampleStatusText() const;
    /// Preview images shown during the current/last sampling run.
    int previewCount() const { return m_previews; }

    // ---- Sweep ----
    /// Starts a samplers × NFE sweep; eval.classifierDir "" means the shipped classifier.
    bool startSweep(const reverie::generate::SweepParams& p, QString* error = nullptr);
    widgets::SeriesPlot* sweepPlot() const { return m_sweepPlot; }
    int sweepRows() const;
    /// The table cell (row, column) as shown (columns: sampler, NFE, FD, seconds, peak MiB, confident %).
    QString sweepCell(int row, int column) const;

    // ---- Likelihood ----
    /// bits/dim of the first `count` test images with the model folder and SDE of the Sample tab.
    bool startLikelihood(int count, QString* error = nullptr);
    QString likelihoodText() const;

    // ---- Training ----
    /// The built-in recipes (name → JSON text), from the embedded resources.
    static QList<QPair<QString, QString>> builtinRecipes();
    /// Starts training from recipe JSON text into outDir; maxSteps < 0 runs to the end.
    /// Returns false (with *error) when the recipe is invalid or a job is going on.
    bool startTraining(const QString& recipeJson, const QString& outDir, qint64 maxSteps, bool resume,
                       QString* error = nullptr);
    bool isTraining() const { return m_kind == Kind::Train; }
    widgets::SeriesPlot* lossPlot() const { return m_plot; }
    QString statusText() const;

Q_SIGNALS:
    void trainingFinished(reverie::app::JobStatus status, const QString& message);
    void samplingFinished(reverie::app::JobStatus status, const QString& message);
    void sweepFinished(reverie::app::JobStatus status, const QString& message);
    void likelihoodFinished(reverie::app::JobStatus status, const QString& message);

private:
    enum class Kind { None, Sample, Sweep, Likelihood, Train };

    QWidget* buildSampleTab();
    QWidget* buildSweepTab();
    QWidget* buildTrainTab();
    void start();
    void generateClicked();
    void sweepClicked();
    void likelihoodClicked();
    void saveClicked();
    void loadClicked();
    void onProgress(const JobProgress& p);
    void onSampleProgress(const JobProgress& p);
    void onSweepProgress(const JobProgress& p);
    void setBusy(Kind kind);
    void recipeChanged();
    void updateNfeHint();
    bool refuseWhenBusy(QString* error) const;
    void finishJob(QLabel* status, const QString& message);

    Engine* m_engine;
    QString m_outputRoot;
    QWidget* m_page = nullptr;
    QTabWidget* m_tabs = nullptr;
    quint64 m_jobId = 0;
    Kind m_kind = Kind::None;

    // Sample tab
    QLineEdit* m_modelDir = nullptr;
    QComboBox* m_sde = nullptr;
    QComboBox* m_sampler = nullptr;
    QSpinBox* m_nfe = nullptr;
    QLabel* m_nfeHint = nullptr;
    QDoubleSpinBox* m_guidance = nullptr;
    QComboBox* m_label = nullptr;
    QSpinBox* m_seed = nullptr;
    QSpinBox* m_batch = nullptr;
    QPushButton* m_generate = nullptr;
    QPushButton* m_cancelSample = nullptr;
    QPushButton* m_save = nullptr;
    QPushButton* m_load = nullptr;
    QLabel* m_preview = nullptr;
    QLabel* m_sampleStatus = nullptr;
    QPushButton* m_likelihood = nullptr;
    QSpinBox* m_likelihoodCount = nullptr;
    QLabel* m_likelihoodStatus = nullptr;
    QImage m_result;
    reverie::generate::GenerateParams m_resultParams; ///< the settings m_result was made with
    reverie::generate::GenerateResult m_resultStats;  ///< its measured NFE/steps/seconds (no images)
    reverie::generate::GenerateParams m_runParams;    ///< the settings of the running job
    reverie::generate::GenerateParams m_extras;       ///< the shown settings, incl. those without a control
    int m_previews = 0;

    // Sweep tab
    std::unique_ptr<SweepPanel> m_sweep; ///< the form and table (its widgets belong to the page)
    QLabel* m_sweepPreview = nullptr;
    widgets::SeriesPlot* m_sweepPlot = nullptr;

    // Train tab
    QComboBox* m_recipe = nullptr;
    QLineEdit* m_outDir = nullptr;
    QSpinBox* m_steps = nullptr;
    QCheckBox* m_resume = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    widgets::SeriesPlot* m_plot = nullptr;
    QElapsedTimer m_clock; ///< since the first step of this run (for the time left)
    qint64 m_runFirstStep = -1;
};

} // namespace reverie::app
