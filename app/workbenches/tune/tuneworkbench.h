#pragma once
// Tune workbench: train and fine-tune models while watching what it costs. The Train tab trains
// any model from a recipe (the built-in ones, embedded under :/recipes, or a file the user opens)
// with a live loss curve and, per step, the activation memory curve (allocator peak minus
// weights, gradients and optimizer state: the ramp-free flat line of reversible backpropagation
// against full fine-tuning's larger one). Every run keeps its memory curve and gets a row in the
// runs table (peak activation memory, seconds per step, trainable parameters) and a bar in the
// runs chart (memory and seconds per step side by side), so methods run one after another can be
// compared. Every fine-tuning run leaves a tuned adapter in the list of adapters, which switch on
// and off over the base model like erased concepts, with samples of both on the same seeds. A fine-tuning recipe (task "dit-tune") shows a method picker that
// overrides the recipe's method; the run is then named <recipe>-<method> and checkpoints into its
// own folder. Training resumes exactly from the checkpoint folder.
//
// Thread rules: GUI thread only; training runs on the engine thread through the torch-free calls
// of catalog/training.h (JobSlot kind "train").

#include "runhistory.h"
#include "workbench.h"

#include <QImage>
#include <QList>
#include <QPair>
#include <QPointF>
#include <QPointer>
#include <QVector>
#include <QWidget>

class QLabel;
class QTabWidget;

#include <memory>

namespace Ui {
class TrainForm;
}

namespace reverie::widgets {
class BarChart;
class SeriesPlot;
}

namespace reverie::app {

class ContinualPanel;
class GradientPanel;
class HistoryTab;

class TuneWorkbench : public Workbench {
    Q_OBJECT
public:
    TuneWorkbench(Engine* engine, QString outputDir, QObject* parent = nullptr);
    ~TuneWorkbench() override;

    QString id() const override { return QStringLiteral("tune"); }
    QString title() const override { return tr("Tune"); }
    QWidget* page() override;
    /// `reverie --workbench tune --run --run-arg continual`: the Continual tab's run with its shown
    /// settings (the only action this workbench runs from the command line).
    bool run(const RunRequest& request, QString* error) override;
    /// The Continual tab (continualpanel.h).
    ContinualPanel* continualPanel() const { return m_continual; }
    GradientPanel* gradientPanel() const { return m_gradient; }

    /// The built-in recipes (name → JSON text), from the embedded resources.
    static QList<QPair<QString, QString>> builtinRecipes();
    /// Starts training from recipe JSON text into outDir; maxSteps < 0 runs to the end. False
    /// (with *error) when the recipe is invalid or a job is going on.
    bool startTraining(const QString& recipeJson, const QString& outDir, qint64 maxSteps, bool resume,
                       QString* error = nullptr);
    bool isTraining() const;
    widgets::SeriesPlot* lossPlot() const;
    widgets::SeriesPlot* memoryPlot() const;
    QString statusText() const;
    /// Rows of the runs table (finished or stopped runs), as shown.
    int runCount() const;
    QString runCell(int row, int column) const;
    /// The fine-tuning method picker (visible for "dit-tune" recipes): ids full, checkpoint,
    /// adapter, lora, meft1, meft2, meft3. False for an unknown id.
    bool setMethod(const QString& id);
    bool methodPickerVisible() const;
    /// The adaLN modulation picker beside it (ids frozen, bias, lora, full; tune/methods.h); it
    /// starts at the recipe's setting and is disabled for full and checkpointed fine-tuning.
    /// False for an unknown id.
    bool setModulation(const QString& id);
    bool modulationPickerEnabled() const;
    /// The current recipe's JSON with the picked method and modulation applied (what Start
    /// trains); the run is named <recipe>-<method>, plus -mod-<id> when the modulation differs
    /// from the recipe's.
    QString effectiveRecipe() const;
    /// Samples the base model and, beside it on the same seeds, the base with the switched-on
    /// adapter (8 of each of the adapter's classes; with every adapter off, both grids are the
    /// base's). False (with *error) when there is no adapter yet or training is going on; a
    /// sampling job that is still running is replaced.
    bool sampleTunedAndBase(QString* error = nullptr);
    /// Tuned adapters (tune/adapter.h). Every fine-tuning run adds its own when it ends (switched
    /// on); loadAdapter() adds a file after an engine job has checked that it fits the base model
    /// (job kind "adapter"; a refusal leaves the list as it was and shows the reason). At most one
    /// is on; switching one on or off regenerates the samples on the same seeds (job kind
    /// "sample", which a new training run replaces).
    bool loadAdapter(const QString& path, QString* error = nullptr);
    int adapterCount() const;
    QString adapterText(int row) const;
    QString adapterPath(int row) const;
    bool isAdapterOn(int row) const;
    void setAdapterOn(int row, bool on);
    /// The base model adapters are applied to: the current fine-tuning recipe's "base".
    QString adapterBase() const { return m_adapterBase; }
    widgets::BarChart* runsChart() const;
    QImage baseSamples() const;
    QImage tunedSamples() const;
    QString sampleStatusText() const;
    /// Selects a built-in recipe by name; false when there is none.
    bool selectRecipe(const QString& name);

    /// Every run that took a step (History tab; tunehistory.cpp): recipe, folder, figures and
    /// curves. Compare two runs' memory and loss curves; run one again (its recipe, into a new
    /// folder beside its own); export one as JSON.
    RunHistory& history() { return m_history; }
    void refreshHistory();
    bool compareRuns(const QString& a, const QString& b, QString* error = nullptr);
    bool rerun(const QString& id, QString* error = nullptr);
    widgets::SeriesPlot* compareMemoryPlot() const { return m_compareMemory; }

private:
    void recipeChanged();
    void startClicked();
    void openRecipeClicked();
    void onProgress(const JobProgress& p);
    void adapterToggled(int row);
    void addCheckedAdapter(const QString& path, const QString& text, const QList<int>& classes);
    static QString adapterLabel(const QString& run, const QString& method, qint64 step, const QList<int>& classes,
                                qint64 parameters);
    void addRunRow(const QString& run, qint64 steps, double loss, double secondsPerStep, qint64 parameters);
    QWidget* buildHistoryTab();
    void keepInHistory(qint64 steps, double loss, double secondsPerStep, qint64 parameters);

    QString m_outputRoot;
    ContinualPanel* m_continual = nullptr;
    GradientPanel* m_gradient = nullptr;
    QTabWidget* m_tabs = nullptr;
    QPointer<QWidget> m_page; ///< owned by the window once shown, else by this
    std::unique_ptr<Ui::TrainForm> m_ui;
    JobSlot* m_slot;
    qint64 m_runFirstStep = -1;
    QString m_runName;     ///< the memory curve's series name
    bool m_runIsTune = false;
    QString m_runMethod, m_runRecipe; ///< a fine-tuning run's method and the recipe name before it
    QList<int> m_runClasses;          ///< the classes a fine-tuning run learns
    QString m_runOutDir;
    qint64 m_runWallStart = 0;
    QString m_adapterBase = QStringLiteral("fmnist-dit");
    bool m_adapterGuard = false; ///< set while the list is changed by code, not by the user
    QImage m_baseSamples, m_tunedSamples;
    double m_runPeakMiB = -1;   ///< largest activation figure of the current run (−1: none)
    double m_lastPerStep = 0;
    double m_runStart = 0;
    QString m_runRecipeJson;                 ///< the recipe the current run trains
    qint64 m_runMaxSteps = -1;               ///< its step limit (−1: the recipe's steps)
    QVector<QPointF> m_runMemory, m_runLoss; ///< the current run's curves (step, value)
    RunHistory m_history{QStringLiteral("tune")};
    HistoryTab* m_historyTab = nullptr;
    widgets::SeriesPlot* m_compareMemory = nullptr;
    widgets::SeriesPlot* m_compareLoss = nullptr;
    QLabel* m_compareText = nullptr;
};

} // namespace reverie::app
