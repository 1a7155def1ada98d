#pragma once
// The Erase page's "Stable Diffusion 1.x file" tab: open an SD 1.x checkpoint, erase a concept in
// closed form (UCE or RECE on the cross-attention K/V, erase/sd_erase.h) with an optional guide
// and prompts to preserve, keep every edit as a checkable row (toggle, add an edit file made
// earlier), and compare the checkpoint as it is with the checked edits on a grid of prompts ×
// seeds generated from the same noise (generate/sd_compare.h), with how far each prompt moved.
// Toggling an edit regenerates the edited column only; the original column is kept while the
// prompts, seeds and settings are unchanged.
//
// Thread rules: GUI thread only. Jobs run in the JobSlot given (one of the Erase workbench's, so
// the status bar's Cancel reaches them); a newer comparison replaces a running one, and a failed
// or cancelled job leaves the grid as it was.

#include "generate/sd_compare.h"

#include <QImage>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QVector>

class QDoubleSpinBox;
class QGridLayout;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QWidget;

namespace reverie::app {

class JobSlot;

class SdErasePage : public QObject {
    Q_OBJECT
public:
    SdErasePage(JobSlot* slot, QString outputRoot, QObject* parent = nullptr);
    ~SdErasePage() override;

    /// The tab's widget (built on first use; owned by whoever shows it).
    QWidget* widget();

    void setCheckpoint(const QString& path);
    QString checkpoint() const;
    QStringList prompts() const;
    void setPrompts(const QStringList& prompts);
    /// Image side (multiple of 64 for SD 1.x), sampling steps, seeds per prompt, first seed, CFG.
    void setSettings(int size, int steps, int seeds, int firstSeed, double guidance);

    /// Training steps of ESD-x and SPM (default 200).
    void setTrainSteps(int steps);
    int trainSteps() const;

    /// Attention heads of a checkpoint that is not SD 1.x-sized (0 = SD 1.x's: width/64 in the text
    /// encoder, 8 in the UNet); there is no control for them.
    void setHeads(int textHeads, int unetHeads);

    /// Erases `conceptText` with "uce" or "rece"; `guide` ("" = the empty prompt) and `preserve`
    /// (comma-separated) as erase/sd_erase.h. "esd" and "spm" fine-tune instead (guide and preserve
    /// unused) for trainSteps() steps on latents of the grid's size / 8 (at least 8). The edit is
    /// added checked and the grid updates.
    bool startErase(const QString& conceptText, const QString& method, const QString& guide = {},
                    const QString& preserve = {}, QString* error = nullptr);
    /// Adds an edit file made earlier (checked); false with the reason for any other file.
    bool addEditFile(const QString& file, QString* error = nullptr);
    int editCount() const;
    QStringList checkedEdits() const;
    void setEditChecked(int row, bool checked);

    /// An attack on edit `row` (erase/sd_attack.h): the text states that undo it (the attack box's method: RECE's
    /// closed form, runSdAttack, or the search through the sampler, runSdSamplerAttack, with the
    /// grid's steps and guidance on latents of the grid's size / 8, at least 8), then the first
    /// prompt's seeds generated with the edit and those states beside the original; shown as the
    /// grid's last row ("moved" near 0: the concept is back).
    bool startAttack(int row, QString* error = nullptr);
    /// "closed-form" or "sampler".
    void setAttackMethod(const QString& method);
    /// Also attack guidance's other branch (the empty prompt's states; erase/sd_erase.h, `negative`).
    void setAttackBothBranches(bool both);
    QImage attackImage(int column) const { return m_attackImages.value(column); }
    double attackMoved() const { return m_attackMoved; }
    /// The sampler attack's held-out latent distance to the original's, with its states over with
    /// the prompt's (−1 after a closed-form attack).
    double attackHeldOutRatio() const { return m_attackHeldOutRatio; }

    /// Generates the grid now (both columns, or only the edited one when the originals still hold).
    bool compare(QString* error = nullptr);
    bool isBusy() const;
    int gridRows() const { return m_edited.size(); }
    QImage originalImage(int row, int column) const;
    QImage editedImage(int row, int column) const;
    /// Mean |edited − original| of a prompt's images (0–255; −1 before a comparison).
    double moved(int row) const;
    QString status() const;

Q_SIGNALS:
    void statusMessage(const QString& message);

private:
    void build();
    void setStatus(const QString& message);
    void rebuildGrid();
    void updateButtons();
    QString originalKey() const;
    reverie::generate::SdParams baseParams() const;

    JobSlot* m_slot;
    QString m_outputRoot;
    QPointer<QWidget> m_widget; ///< owned by the tab that shows it, else by this page
    QLineEdit* m_checkpoint = nullptr;
    QLineEdit* m_concept = nullptr;
    QComboBox* m_method = nullptr;
    QSpinBox* m_trainSteps = nullptr;
    QLineEdit* m_guide = nullptr;
    QLineEdit* m_preserve = nullptr;
    QPushButton* m_erase = nullptr;
    QPushButton* m_attack = nullptr;
    QComboBox* m_attackMethod = nullptr;
    QCheckBox* m_attackBoth = nullptr;
    QListWidget* m_edits = nullptr;
    QPlainTextEdit* m_prompts = nullptr;
    QSpinBox* m_size = nullptr;
    QSpinBox* m_steps = nullptr;
    QSpinBox* m_seeds = nullptr;
    QSpinBox* m_firstSeed = nullptr;
    QDoubleSpinBox* m_guidance = nullptr;
    QComboBox* m_precision = nullptr;
    QPushButton* m_compare = nullptr;
    QLabel* m_status = nullptr;
    QGridLayout* m_grid = nullptr;

    QVector<QVector<QImage>> m_original, m_edited;
    QVector<double> m_moved;
    QVector<QImage> m_attackImages, m_attackOriginal; ///< the attack's row (empty: none)
    QString m_attackLabel;
    double m_attackMoved = -1;
    double m_attackHeldOutRatio = -1;
    QStringList m_gridPrompts;
    QString m_originalKey;
    int m_textHeads = 0, m_unetHeads = 0;
    bool m_filling = false; ///< adding rows programmatically: no regenerate per row
};

} // namespace reverie::app
