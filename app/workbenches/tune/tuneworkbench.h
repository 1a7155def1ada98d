#pragma once
// Tune workbench: train and fine-tune models while watching what it costs. The Train tab trains
// any model from a recipe (the built-in ones, embedded under :/recipes, or a file the user opens)
// with a live loss curve; memory is in the telemetry dock. Training resumes exactly from the
// checkpoint folder.
//
// Thread rules: GUI thread only; training runs on the engine thread through the torch-free calls
// of catalog/training.h (JobSlot kind "train").

#include "workbench.h"

#include <QList>
#include <QPair>
#include <QPointer>
#include <QWidget>

#include <memory>

namespace Ui {
class TrainForm;
}

namespace reverie::widgets {
class SeriesPlot;
}

namespace reverie::app {

class TuneWorkbench : public Workbench {
    Q_OBJECT
public:
    TuneWorkbench(Engine* engine, QString outputDir, QObject* parent = nullptr);
    ~TuneWorkbench() override;

    QString id() const override { return QStringLiteral("tune"); }
    QString title() const override { return tr("Tune"); }
    QWidget* page() override;

    /// The built-in recipes (name → JSON text), from the embedded resources.
    static QList<QPair<QString, QString>> builtinRecipes();
    /// Starts training from recipe JSON text into outDir; maxSteps < 0 runs to the end. False
    /// (with *error) when the recipe is invalid or a job is going on.
    bool startTraining(const QString& recipeJson, const QString& outDir, qint64 maxSteps, bool resume,
                       QString* error = nullptr);
    bool isTraining() const;
    widgets::SeriesPlot* lossPlot() const;
    QString statusText() const;

private:
    void recipeChanged();
    void startClicked();
    void openRecipeClicked();
    void onProgress(const JobProgress& p);

    QString m_outputRoot;
    QPointer<QWidget> m_page; ///< owned by the window once shown, else by this
    std::unique_ptr<Ui::TrainForm> m_ui;
    JobSlot* m_slot;
    qint64 m_runFirstStep = -1;
    double m_runStart = 0;
};

} // namespace reverie::app
