#include "workbenches/generate/sdpanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace reverie::app {
namespace gen = reverie::generate;

SdPanel::SdPanel(QWidget* parent) : QWidget(parent) {
    auto* form = new QFormLayout;
    auto* fileRow = new QHBoxLayout;
    m_checkpoint = new QLineEdit(this);
    m_checkpoint->setObjectName(QStringLiteral("sdCheckpoint"));
    m_checkpoint->setPlaceholderText(tr("An SD 1.x .safetensors or .ckpt file"));
    auto* open = new QPushButton(tr("Open checkpoint…"), this);
    open->setObjectName(QStringLiteral("sdOpen"));
    fileRow->addWidget(m_checkpoint, 1);
    fileRow->addWidget(open);
    form->addRow(tr("Checkpoint"), fileRow);
    m_prompt = new QPlainTextEdit(this);
    m_prompt->setObjectName(QStringLiteral("sdPrompt"));
    m_prompt->setPlaceholderText(tr("What to draw"));
    m_prompt->setMaximumHeight(72);
    form->addRow(tr("Prompt"), m_prompt);
    m_negative = new QLineEdit(this);
    m_negative->setObjectName(QStringLiteral("sdNegative"));
    form->addRow(tr("Negative prompt"), m_negative);
    auto* samplerRow = new QHBoxLayout;
    m_sampler = new QComboBox(this);
    m_sampler->setObjectName(QStringLiteral("sdSampler"));
    for (const auto& s : gen::sdSamplers())
        m_sampler->addItem(QString::fromStdString(s.label), QString::fromStdString(s.id));
    m_karras = new QCheckBox(tr("Karras σ"), this);
    m_karras->setObjectName(QStringLiteral("sdKarras"));
    m_karras->setChecked(true);
    samplerRow->addWidget(m_sampler, 1);
    samplerRow->addWidget(m_karras);
    form->addRow(tr("Sampler"), samplerRow);
    auto* numbers = new QHBoxLayout;
    m_steps = new QSpinBox(this);
    m_steps->setObjectName(QStringLiteral("sdSteps"));
    m_steps->setRange(1, 150);
    m_steps->setValue(20);
    m_cfg = new QDoubleSpinBox(this);
    m_cfg->setObjectName(QStringLiteral("sdCfg"));
    m_cfg->setRange(0, 30);
    m_cfg->setSingleStep(0.5);
    m_cfg->setValue(7.5);
    m_seed = new QLineEdit(QStringLiteral("0"), this);
    m_seed->setObjectName(QStringLiteral("sdSeed"));
    m_seed->setMaximumWidth(120);
    numbers->addWidget(new QLabel(tr("Steps"), this));
    numbers->addWidget(m_steps);
    numbers->addWidget(new QLabel(tr("CFG"), this));
    numbers->addWidget(m_cfg);
    numbers->addWidget(new QLabel(tr("Seed"), this));
    numbers->addWidget(m_seed);
    numbers->addStretch(1);
    form->addRow(QString(), numbers);
    auto* size = new QHBoxLayout;
    m_width = new QSpinBox(this);
    m_width->setObjectName(QStringLiteral("sdWidth"));
    m_height = new QSpinBox(this);
    m_height->setObjectName(QStringLiteral("sdHeight"));
    for (QSpinBox* s : {m_width, m_height}) {
        s->setRange(8, 2048);
        s->setValue(512);
    }
    m_batch = new QSpinBox(this);
    m_batch->setObjectName(QStringLiteral("sdBatch"));
    m_batch->setRange(1, 16);
    size->addWidget(m_width);
    size->addWidget(new QLabel(QStringLiteral("×"), this));
    size->addWidget(m_height);
    size->addWidget(new QLabel(tr("Images"), this));
    size->addWidget(m_batch);
    m_precision = new QComboBox(this);
    m_precision->setObjectName(QStringLiteral("sdPrecision"));
    m_precision->addItem(tr("fp32 weights"), QStringLiteral("fp32"));
    m_precision->addItem(tr("bf16 weights (half the memory)"), QStringLiteral("bf16"));
    size->addWidget(m_precision);
    size->addStretch(1);
    form->addRow(tr("Size"), size);
    auto* initRow = new QHBoxLayout;
    m_initImage = new QLineEdit(this);
    m_initImage->setObjectName(QStringLiteral("sdInitImage"));
    m_initImage->setPlaceholderText(tr("img2img: a start image (empty: text-to-image)"));
    auto* browse = new QPushButton(tr("Start image…"), this);
    browse->setObjectName(QStringLiteral("sdInitBrowse"));
    m_strength = new QDoubleSpinBox(this);
    m_strength->setObjectName(QStringLiteral("sdStrength"));
    m_strength->setRange(0.01, 1.0);
    m_strength->setSingleStep(0.05);
    m_strength->setValue(0.75);
    m_strength->setToolTip(tr("Denoising strength: how much of the start image is replaced"));
    m_checkpoint->setToolTip(
        tr("A Stable Diffusion 1.x checkpoint (.safetensors or .ckpt); its UNet, VAE and text encoder"));
    m_negative->setToolTip(
        tr("What the image should not show: classifier-free guidance pushes away from it"));
    m_sampler->setToolTip(
        tr("The scheduler: DPM-Solver++(2M) reaches a given quality in the fewest steps; Euler "
           "ancestral adds fresh noise every step (more variety, needs more steps)"));
    m_karras->setToolTip(
        tr("Karras σ spacing: more steps at low noise, usually sharper at the same step count"));
    m_steps->setToolTip(
        tr("Steps: time grows with each; 20–30 is the usual trade-off (4–8 with LCM weights)"));
    m_cfg->setToolTip(
        tr("Guidance weight: higher follows the prompt more closely and loses variety; each step "
           "costs two network passes unless it is 1"));
    m_seed->setToolTip(
        tr("Seed of the first image; image i uses seed + i, so one image can be made again alone"));
    m_width->setToolTip(tr("Width in pixels (a multiple of 8): time and memory grow with the area"));
    m_height->setToolTip(tr("Height in pixels (a multiple of 8): time and memory grow with the area"));
    m_batch->setToolTip(tr("Images per run, made one after another"));
    m_precision->setToolTip(
        tr("The weights in memory: bf16 takes half the memory (and on CPUs with AVX-512 BF16 "
           "is much faster)"));
    m_initImage->setToolTip(tr("img2img: start from this image instead of noise (empty: text-to-image)"));
    initRow->addWidget(m_initImage, 1);
    initRow->addWidget(browse);
    initRow->addWidget(new QLabel(tr("Strength"), this));
    initRow->addWidget(m_strength);
    form->addRow(tr("Start image"), initRow);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("Start image"), QString(),
                                                          tr("Images (*.png *.jpg *.jpeg *.bmp *.webp)"));
        if (!file.isEmpty()) m_initImage->setText(file);
    });
    m_edits = new QListWidget(this);
    m_edits->setObjectName(QStringLiteral("sdEdits"));
    m_edits->setMaximumHeight(80);
    m_edits->setToolTip(tr("Concept edits and LoRAs: a checked row applies to the next Generate"));
    form->addRow(tr("Edits, LoRAs"), m_edits);
    auto* eraseRow = new QHBoxLayout;
    m_eraseConcept = new QLineEdit(this);
    m_eraseConcept->setObjectName(QStringLiteral("sdEraseConcept"));
    m_eraseConcept->setPlaceholderText(tr("A concept to erase, e.g. \"van gogh\""));
    m_eraseMethod = new QComboBox(this);
    m_eraseMethod->setObjectName(QStringLiteral("sdEraseMethod"));
    m_eraseConcept->setToolTip(
        tr("A concept to erase from the loaded checkpoint (a word or a short phrase)"));
    m_eraseMethod->setToolTip(
        tr("UCE edits the cross-attention in one closed-form step; RECE repeats it against the "
           "prompts that bring the concept back (slower, more robust)"));
    m_eraseMethod->addItem(tr("UCE (closed form)"), QStringLiteral("uce"));
    m_eraseMethod->addItem(tr("RECE (UCE + regenerating embeddings)"), QStringLiteral("rece"));
    m_erase = new QPushButton(tr("Erase"), this);
    m_erase->setObjectName(QStringLiteral("sdErase"));
    auto* addEdit = new QPushButton(tr("Add edit or LoRA…"), this);
    addEdit->setObjectName(QStringLiteral("sdAddEdit"));
    eraseRow->addWidget(m_eraseConcept, 1);
    eraseRow->addWidget(m_eraseMethod);
    eraseRow->addWidget(m_erase);
    eraseRow->addWidget(addEdit);
    form->addRow(tr("Erase"), eraseRow);

    auto* buttons = new QHBoxLayout;
    m_generate = new QPushButton(tr("Generate"), this);
    m_generate->setObjectName(QStringLiteral("sdGenerate"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("sdCancel"));
    m_cancel->setEnabled(false);
    m_save = new QPushButton(tr("Save PNG…"), this);
    m_save->setObjectName(QStringLiteral("sdSave"));
    m_save->setEnabled(false);
    buttons->addWidget(m_generate);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_save);
    buttons->addStretch(1);
    m_estimate = new QLabel(this);
    m_estimate->setObjectName(QStringLiteral("sdEstimate"));
    m_estimate->setWordWrap(true);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("sdStatus"));
    m_status->setWordWrap(true);
    m_preview = new QLabel(this);
    m_preview->setObjectName(QStringLiteral("sdPreview"));
    m_preview->setMinimumSize(256, 256);
    m_preview->setAlignment(Qt::AlignCenter);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_estimate);
    layout->addWidget(m_status);
    layout->addWidget(m_preview, 1);

    connect(open, &QPushButton::clicked, this, &SdPanel::openRequested);
    connect(m_generate, &QPushButton::clicked, this, &SdPanel::generateRequested);
    connect(m_cancel, &QPushButton::clicked, this, &SdPanel::cancelRequested);
    connect(m_save, &QPushButton::clicked, this, &SdPanel::saveRequested);
    connect(m_erase, &QPushButton::clicked, this, &SdPanel::eraseRequested);
    connect(addEdit, &QPushButton::clicked, this, &SdPanel::addEditRequested);
    for (QSpinBox* s : {m_steps, m_width, m_height, m_batch})
        connect(s, &QSpinBox::valueChanged, this, &SdPanel::updateEstimate);
    connect(m_cfg, &QDoubleSpinBox::valueChanged, this, &SdPanel::updateEstimate);
    connect(m_sampler, &QComboBox::currentIndexChanged, this, &SdPanel::updateEstimate);
    connect(m_precision, &QComboBox::currentIndexChanged, this, &SdPanel::updateEstimate);
    setParams(gen::SdParams{}); // DPM++ 2M Karras, 20 steps, CFG 7.5, 512², as users expect
}

gen::SdParams SdPanel::params(const gen::SdParams& base) const {
    gen::SdParams p = base;
    p.checkpoint = m_checkpoint->text().trimmed().toStdString();
    p.prompt = m_prompt->toPlainText().toStdString();
    p.negativePrompt = m_negative->text().toStdString();
    p.sampler = m_sampler->currentData().toString().toStdString();
    p.karras = m_karras->isChecked();
    p.steps = m_steps->value();
    p.guidance = m_cfg->value();
    bool ok = false;
    const qulonglong seed = m_seed->text().trimmed().toULongLong(&ok);
    if (ok) p.seed = seed;
    p.width = m_width->value();
    p.height = m_height->value();
    p.batch = m_batch->value();
    p.precision = m_precision->currentData().toString().toStdString();
    p.strength = m_strength->value();
    p.edits.clear();
    p.loras.clear();
    for (int i = 0; i < m_edits->count(); ++i)
        if (m_edits->item(i)->checkState() == Qt::Checked) {
            const gen::SdEdit e{m_edits->item(i)->data(Qt::UserRole).toString().toStdString(), 1.0};
            (m_edits->item(i)->data(Qt::UserRole + 1).toString() == QLatin1String("lora") ? p.loras : p.edits).push_back(e);
        }
    return p;
}

void SdPanel::addEdit(const QString& file, const QString& label, bool checked, const QString& kind) {
    for (int i = 0; i < m_edits->count(); ++i)
        if (m_edits->item(i)->data(Qt::UserRole).toString() == file) {
            m_edits->item(i)->setText(label);
            m_edits->item(i)->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
            return;
        }
    auto* item = new QListWidgetItem(label, m_edits);
    item->setData(Qt::UserRole, file);
    item->setData(Qt::UserRole + 1, kind);
    item->setToolTip(file);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

int SdPanel::editCount() const { return m_edits->count(); }

QString SdPanel::addonLabel(const QString& file, const QString& kind) {
    return tr("%1 (%2)").arg(QFileInfo(file).completeBaseName(),
                             kind == QLatin1String("lora") ? tr("LoRA") : tr("edit"));
}

void SdPanel::setCheckedAddons(const std::vector<gen::SdEdit>& edits, const std::vector<gen::SdEdit>& loras) {
    for (int i = 0; i < m_edits->count(); ++i) m_edits->item(i)->setCheckState(Qt::Unchecked);
    for (const auto& e : edits) {
        const QString file = QString::fromStdString(e.file);
        addEdit(file, addonLabel(file, QStringLiteral("edit")), true, QStringLiteral("edit"));
    }
    for (const auto& e : loras) {
        const QString file = QString::fromStdString(e.file);
        addEdit(file, addonLabel(file, QStringLiteral("lora")), true, QStringLiteral("lora"));
    }
}

void SdPanel::setEditChecked(int row, bool checked) {
    if (auto* item = m_edits->item(row)) item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

QString SdPanel::initImagePath() const { return m_initImage->text().trimmed(); }
void SdPanel::setInitImagePath(const QString& path) { m_initImage->setText(path); }

QString SdPanel::eraseConcept() const { return m_eraseConcept->text().trimmed(); }
QString SdPanel::eraseMethod() const { return m_eraseMethod->currentData().toString(); }

void SdPanel::setParams(const gen::SdParams& p) {
    m_checkpoint->setText(QString::fromStdString(p.checkpoint));
    m_prompt->setPlainText(QString::fromStdString(p.prompt));
    m_negative->setText(QString::fromStdString(p.negativePrompt));
    const int i = m_sampler->findData(QString::fromStdString(p.sampler));
    if (i >= 0) m_sampler->setCurrentIndex(i);
    m_karras->setChecked(p.karras);
    m_steps->setValue(p.steps);
    m_cfg->setValue(p.guidance);
    m_seed->setText(QString::number(qulonglong(p.seed)));
    m_width->setValue(p.width);
    m_height->setValue(p.height);
    m_batch->setValue(p.batch);
    if (const int i = m_precision->findData(QString::fromStdString(p.precision)); i >= 0) m_precision->setCurrentIndex(i);
    m_strength->setValue(p.strength);
    updateEstimate();
}

void SdPanel::setCheckpoint(const QString& path) { m_checkpoint->setText(path); }

void SdPanel::setBusy(bool busy) {
    m_generate->setEnabled(!busy);
    m_erase->setEnabled(!busy);
    m_cancel->setEnabled(busy);
    m_save->setEnabled(!busy && m_hasResult);
}

void SdPanel::setHasResult(bool has) {
    m_hasResult = has;
    m_save->setEnabled(has && m_generate->isEnabled());
}

void SdPanel::setStatus(const QString& text) { m_status->setText(text); }
QString SdPanel::status() const { return m_status->text(); }

bool SdPanel::showPreview(const QImage& image, const QString& toolTip) {
    if (image.isNull()) return false;
    const QSize box = m_preview->size().expandedTo(QSize(256, 256));
    m_preview->setPixmap(QPixmap::fromImage(image.scaled(box, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
    m_preview->setToolTip(toolTip);
    return true;
}

// The estimate before a run: SD 1.x's UNet costs about 20–26 s per evaluation of a 64² latent on
// the 2-core machine the README's table was measured on, and scales with the latent's area
// (measured 1.6–2.1 s at 32²: slightly better than linear, so linear is the safe side); guidance
// doubles the batch. A different machine or a smaller model changes it: the live status reports
// the real time left after the first step.
void SdPanel::updateEstimate() {
    const auto e = gen::estimateSd(params({}));
    const QString time = e.cpuSeconds < 120 ? tr("%1 s").arg(std::lround(e.cpuSeconds))
                                            : tr("%1 min").arg(e.cpuSeconds / 60.0, 0, 'f', 1);
    m_estimate->setText(tr("Estimate for SD 1.5 on a 2-core CPU: about %1 UNet passes, %2 (a GPU takes seconds).")
                            .arg(std::lround(e.unetPasses))
                            .arg(time));
}

} // namespace reverie::app
