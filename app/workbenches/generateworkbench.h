#pragma once
// Generate workbench. Today: train the built-in models (generator, classifier) from their
// recipes on the engine thread, with a live loss curve (memory is in the telemetry dock),
// cancel and resume. Sampling arrives with the diffusion engine; the page says so.

#include "engine/engine.h"
#include "workbench.h"

#include <QElapsedTimer>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

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

    /// The built-in recipes (name → JSON text), from the embedded resources.
    static QList<QPair<QString, QString>> builtinRecipes();
    /// Starts training from recipe JSON text into outDir; maxSteps < 0 runs to the end.
    /// Returns false (with *error) when the recipe is invalid or a run is going on.
    bool startTraining(const QString& recipeJson, const QString& outDir, qint64 maxSteps, bool resume,
                       QString* error = nullptr);
    bool isTraining() const { return m_jobId != 0; }
    widgets::SeriesPlot* lossPlot() const { return m_plot; }
    QString statusText() const;

Q_SIGNALS:
    void trainingFinished(reverie::app::JobStatus status, const QString& message);

private:
    void start();
    void onProgress(const JobProgress& p);
    void setRunning(bool running);
    void recipeChanged();

    Engine* m_engine;
    QString m_outputRoot;
    QWidget* m_page = nullptr;
    QComboBox* m_recipe = nullptr;
    QLineEdit* m_outDir = nullptr;
    QSpinBox* m_steps = nullptr;
    QCheckBox* m_resume = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    widgets::SeriesPlot* m_plot = nullptr;
    quint64 m_jobId = 0;
    QElapsedTimer m_clock; ///< since the first step of this run (for the time left)
    qint64 m_runFirstStep = -1;
};

} // namespace reverie::app
