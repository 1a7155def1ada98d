#pragma once
// The Generate page's "Stable Diffusion" tab: a checkpoint chosen with "Open checkpoint…", prompt
// and negative prompt, sampler, steps, guidance, seed, size and batch, Generate / Cancel / Save,
// concept edits to toggle (each erased concept a checkable row; erase one in closed form from here),
// the cost estimate before a run, the status during it and the preview (x̂₀ through the cheap
// latent → RGB map while sampling, the decoded images after). It shows what the controller hands
// it and turns clicks into signals.
//
// Thread rules: GUI thread only.

#include "generate/sd.h"

#include <QImage>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace reverie::app {

class SdPanel : public QWidget {
    Q_OBJECT
public:
    explicit SdPanel(QWidget* parent = nullptr);

    /// The settings shown, over `base` (which supplies the fields without a control).
    reverie::generate::SdParams params(const reverie::generate::SdParams& base) const;
    void setParams(const reverie::generate::SdParams& p);
    void setCheckpoint(const QString& path);

    /// Concept edits (erase/sd_erase.h files, kind "edit") and LoRA files (kind "lora"): each a
    /// checkable row; checked ones apply with weight 1.
    void addEdit(const QString& file, const QString& label, bool checked = true, const QString& kind = QStringLiteral("edit"));
    int editCount() const;
    /// The list's label of an add-on file: "name (edit)" or "name (LoRA)".
    static QString addonLabel(const QString& file, const QString& kind);
    /// Checks exactly these edits and LoRAs (added when not listed yet); the others stay listed,
    /// unchecked.
    void setCheckedAddons(const std::vector<reverie::generate::SdEdit>& edits,
                          const std::vector<reverie::generate::SdEdit>& loras);
    void setEditChecked(int row, bool checked);
    /// The prompt and method ("uce" or "rece") of the erase row.
    QString eraseConcept() const;
    QString eraseMethod() const;
    /// img2img's start image ("" = text-to-image); its strength is in params().
    QString initImagePath() const;
    void setInitImagePath(const QString& path);

    void setBusy(bool busy);
    void setHasResult(bool has);
    void setStatus(const QString& text);
    QString status() const;
    /// Shows an image scaled to the preview; false when it was null.
    bool showPreview(const QImage& image, const QString& toolTip = {});

Q_SIGNALS:
    void openRequested();
    void generateRequested();
    void cancelRequested();
    void saveRequested();
    void eraseRequested();
    void addEditRequested();

private:
    void updateEstimate();

    QLineEdit* m_checkpoint;
    QPlainTextEdit* m_prompt;
    QLineEdit* m_negative;
    QComboBox* m_sampler;
    QCheckBox* m_karras;
    QSpinBox* m_steps;
    QDoubleSpinBox* m_cfg;
    QLineEdit* m_seed;
    QSpinBox* m_width;
    QSpinBox* m_height;
    QSpinBox* m_batch;
    QComboBox* m_precision;
    QPushButton* m_generate;
    QPushButton* m_cancel;
    QPushButton* m_save;
    QListWidget* m_edits;
    QLineEdit* m_eraseConcept;
    QComboBox* m_eraseMethod;
    QPushButton* m_erase;
    QLineEdit* m_initImage;
    QDoubleSpinBox* m_strength;
    QLabel* m_estimate;
    QLabel* m_status;
    QLabel* m_preview;
    bool m_hasResult = false;
};

} // namespace reverie::app
