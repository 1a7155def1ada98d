#pragma once
// Erase workbench. Its second tab does the same on a Stable Diffusion 1.x file (sderasepage.h).
// The first tab: erase concepts from the built-in text-conditional model (fmnist-text) with
// UCE, RECE, ESD or SPM, keep each erased concept as its own entry of a concept library (toggle,
// weight, remove, save, load), compare the original model with the active set on a grid of
// prompts × seeds (the classifier's label under every image), see each SPM membrane's
// permeability per prompt with facilitated transport, and attack an erased concept (closed-form
// or gradient) to see whether it comes back.
//
// Thread rules: GUI thread only. The model, its classifier and the library live in an
// erase::EraseSession that only engine jobs touch (the GUI keeps a mirror of the library as
// values and sends its toggles and weights with every generate job). The grid regenerates on
// every change; a newer request cancels the running one. A failed or cancelled job leaves what
// is shown as it was.

#include "erase/session.h"
#include "jobs/engine.h"
#include "jobs/jobslot.h"
#include "runhistory.h"
#include "workbench.h"
#include "workbenches/erase/sderasepage.h"

#include <QElapsedTimer>
#include <QImage>
#include <QList>
#include <QStringList>
#include <QVector>

#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTimer;

namespace reverie::app {
class HistoryTab;
}

namespace Ui {
class EraseForm;
}

namespace reverie::app {

class EraseWorkbench : public Workbench {
    Q_OBJECT
public:
    /// Edit files made from Stable Diffusion checkpoints go to <outputDir>/sd-edits/ (the system's
    /// temporary folder when outputDir is empty).
    EraseWorkbench(Engine* engine, QObject* parent = nullptr, const QString& outputDir = {});
    ~EraseWorkbench() override;

    QString id() const override { return QStringLiteral("erase"); }
    QString title() const override { return tr("Erase"); }
    QWidget* page() override;
    void cancel() override;
    /// --run: erases the concept word --run-arg with RECE and regenerates the grid.
    bool run(const RunRequest& request, QString* error) override;

    /// Uses these folders instead of the built-in text model and classifier (closes the open
    /// session: the library starts empty).
    void setModelFolders(const QString& modelDir, const QString& classifierDir);
    QString modelFolder() const { return m_modelDir; }

    /// The prompts of the grid, one per row (empty lines dropped).
    QStringList prompts() const;
    void setPrompts(const QStringList& prompts);
    /// The default prompts: one per class plus the held-out synonyms of the erased concepts.
    QStringList defaultPrompts() const;
    void setSeeds(int count, int first);
    void setSteps(int steps);

    /// Regenerates the grid now (the original column only when prompts/seeds/settings changed).
    /// Returns false with *error when nothing can be generated (no model, no prompts).
    bool regenerate(QString* error = nullptr);
    bool isGenerating() const;
    int gridRows() const { return m_active.size(); }
    int gridColumns() const { return m_active.isEmpty() ? 0 : m_active.front().size(); }
    QImage originalImage(int row, int column) const;
    QImage activeImage(int row, int column) const;
    /// The classifier's class under an image (−1 when there is none).
    int originalClass(int row, int column) const;
    int activeClass(int row, int column) const;
    /// Generate jobs that finished with images so far.
    int gridUpdates() const { return m_gridUpdates; }

    /// Erases a concept (a word of the model's vocabulary) with "uce", "rece", "esd" or "spm".
    bool startErase(const QString& word, const QString& method, QString* error = nullptr);
    bool isErasing() const;
    /// The library as last reported by the engine (names "Sneaker/uce").
    QStringList conceptNames() const;
    bool setConceptEnabled(const QString& name, bool enabled);
    bool setConceptWeight(const QString& name, double weight);
    bool removeConcept(const QString& name);
    void setTransport(bool on);

    /// Attacks an erased concept: kind "closed-form", "gradient" or "sampler".
    bool startAttack(const QString& name, const QString& kind, QString* error = nullptr);
    QList<QImage> attackImages() const { return m_attackImages; }
    double attackSuccess() const { return m_attackSuccess; }

    bool saveLibrary(const QString& path, QString* error = nullptr);
    bool loadLibrary(const QString& path, QString* error = nullptr);

    QString statusText() const;

    /// The "Stable Diffusion 1.x file" tab.
    SdErasePage& sd() { return *m_sd; }

    /// Every grid that landed (History tab; erasehistory.cpp): its image, settings, concept set
    /// and figures. Compare two in the split view; run one again (its concepts must still be in
    /// the library); export one as PNG with the settings embedded.
    RunHistory& history() { return m_history; }
    void refreshHistory();
    bool compareRuns(const QString& a, const QString& b, QString* error = nullptr);
    bool rerun(const QString& id, QString* error = nullptr);

private:
    struct GridOutcome;
    /// A class's name in the user's language ("—" for −1).
    static QString className(int cls);

    void buildPage();
    void setStatus(const QString& message);
    void updateButtons();
    void scheduleRegenerate();
    void rebuildLibraryTable();
    void syncRow(const QString& name);
    void rebuildGrid();
    void showAttack();
    void onProgress(const JobProgress& p);
    void eraseClicked();
    void attackClicked();
    void saveClicked();
    void loadClicked();
    void removeClicked();
    void setConcepts(const std::vector<reverie::erase::EraseConceptInfo>& concepts);
    /// Refuses (message) when no model folder is set or it does not exist.
    bool checkModel(QString* error);
    /// A key of what the original column depends on.
    QString originalKey() const;
    std::vector<std::uint64_t> seeds() const;
    void connectHistory();
    void keepInHistory(int nfe, double seconds);

    std::unique_ptr<Ui::EraseForm> m_ui;
    std::shared_ptr<reverie::erase::EraseSession> m_session;
    QString m_modelDir, m_classifierDir;
    QWidget* m_page = nullptr;

    JobSlot* m_gridJobs;    ///< "grid": a newer request replaces the running one
    JobSlot* m_eraseJobs;   ///< "erase"
    JobSlot* m_libraryJobs; ///< "attack", "save", "load"
    JobSlot* m_progressSlot = nullptr; ///< the slot whose progress the status line shows
    QTimer* m_regenTimer = nullptr;
    SdErasePage* m_sd = nullptr;
    HistoryTab* m_historyTab = nullptr;
    RunHistory m_history{QStringLiteral("erase")};
    QString m_outputRoot;

    // Controls
    QLabel* m_modelLabel = nullptr;
    QPlainTextEdit* m_prompts = nullptr;
    QPushButton* m_resetPrompts = nullptr;
    QSpinBox* m_seedCount = nullptr;
    QSpinBox* m_firstSeed = nullptr;
    QSpinBox* m_steps = nullptr;
    QSpinBox* m_trainSteps = nullptr;
    QDoubleSpinBox* m_guidance = nullptr;
    QComboBox* m_sld = nullptr;
    QCheckBox* m_transport = nullptr;
    QPushButton* m_generate = nullptr;
    QTableWidget* m_library = nullptr;
    QLineEdit* m_word = nullptr;
    QComboBox* m_method = nullptr;
    QPushButton* m_erase = nullptr;
    QPushButton* m_remove = nullptr;
    QPushButton* m_save = nullptr;
    QPushButton* m_load = nullptr;
    QComboBox* m_attackKind = nullptr;
    QPushButton* m_attack = nullptr;
    QLabel* m_attackLabel = nullptr;
    QWidget* m_attackStrip = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QWidget* m_gridHost = nullptr;
    QGridLayout* m_grid = nullptr;

    // Shown state
    std::vector<reverie::erase::EraseConceptInfo> m_concepts;
    QStringList m_gridPrompts;
    std::vector<reverie::erase::EraseConceptInfo> m_gridConcepts; ///< the library as the shown grid was made
    QVector<QVector<QImage>> m_original, m_active;
    QVector<QVector<int>> m_originalClass, m_activeClass;
    QVector<QString> m_permeability; ///< per row: "Sneaker/spm γ 0.93" (transport on)
    QString m_originalKey;
    int m_gridUpdates = 0;
    bool m_updatingTable = false;
    QList<QImage> m_attackImages;
    QList<int> m_attackClasses;
    QString m_attackName;
    int m_attackClass = -1;
    double m_attackSuccess = -1;
};

} // namespace reverie::app
