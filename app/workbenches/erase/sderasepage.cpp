#include "workbenches/erase/sderasepage.h"

#include "erase/sd_attack.h"
#include "erase/sd_erase.h"
#include "imageconv.h"
#include "jobs/jobslot.h"
#include "workbenches/sdedits.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <QWidget>

#include <algorithm>
#include <cmath>
#include <optional>

namespace reverie::app {

namespace gen = reverie::generate;

namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
constexpr int kThumb = 128;
} // namespace

SdErasePage::SdErasePage(JobSlot* slot, QString outputRoot, QObject* parent)
    : QObject(parent), m_slot(slot), m_outputRoot(std::move(outputRoot)) {
    connect(m_slot, &JobSlot::busyChanged, this, &SdErasePage::updateButtons);
    connect(m_slot, &JobSlot::progress, this, [this](const JobProgress& p) {
        if (m_slot->kind() != QLatin1String("sd-compare") || p.total <= 0) return;
        setStatus(tr("Step %1 of %2 · %3").arg(p.step).arg(p.total).arg(p.message));
    });
}

SdErasePage::~SdErasePage() {
    if (m_widget && !m_widget->parent()) delete m_widget.data();
}

QWidget* SdErasePage::widget() {
    if (!m_widget) build();
    return m_widget;
}

void SdErasePage::build() {
    m_widget = new QWidget;
    m_widget->setObjectName(QStringLiteral("sdErasePage"));
    auto* outer = new QHBoxLayout(m_widget);
    auto* splitter = new QSplitter(Qt::Horizontal, m_widget);
    outer->addWidget(splitter);

    auto* left = new QWidget(splitter);
    auto* form = new QFormLayout(left);
    auto* fileRow = new QHBoxLayout;
    m_checkpoint = new QLineEdit(left);
    m_checkpoint->setObjectName(QStringLiteral("sdEraseCheckpoint"));
    m_checkpoint->setPlaceholderText(tr("An SD 1.x .safetensors or .ckpt file"));
    auto* open = new QPushButton(tr("Open checkpoint…"), left);
    fileRow->addWidget(m_checkpoint, 1);
    fileRow->addWidget(open);
    form->addRow(tr("Checkpoint"), fileRow);

    m_concept = new QLineEdit(left);
    m_concept->setObjectName(QStringLiteral("sdEraseConcept"));
    m_concept->setPlaceholderText(tr("Concept to erase, e.g. van gogh"));
    m_method = new QComboBox(left);
    m_method->addItem(tr("UCE"), QStringLiteral("uce"));
    m_method->addItem(tr("RECE"), QStringLiteral("rece"));
    m_method->addItem(tr("ESD-x (fine-tunes)"), QStringLiteral("esd"));
    m_method->addItem(tr("SPM (fine-tunes a membrane)"), QStringLiteral("spm"));
    m_trainSteps = new QSpinBox(left);
    m_trainSteps->setObjectName(QStringLiteral("sdEraseTrainSteps"));
    m_trainSteps->setRange(1, 5000);
    m_trainSteps->setValue(200);
    m_trainSteps->setSuffix(tr(" steps"));
    m_trainSteps->setToolTip(tr("Training steps of ESD-x and SPM: more erase more thoroughly and take "
                                "proportionally longer (the papers train 1000 and 3000 steps on a GPU)"));
    auto* conceptRow = new QHBoxLayout;
    conceptRow->addWidget(m_concept, 1);
    conceptRow->addWidget(m_method);
    conceptRow->addWidget(m_trainSteps);
    auto fineTunes = [this] {
        const QString m = m_method->currentData().toString();
        m_trainSteps->setEnabled(m == QLatin1String("esd") || m == QLatin1String("spm"));
    };
    connect(m_method, &QComboBox::currentIndexChanged, this, fineTunes);
    fineTunes();
    form->addRow(tr("Erase"), conceptRow);
    m_guide = new QLineEdit(left);
    m_guide->setPlaceholderText(tr("What it should draw instead (empty: nothing in particular)"));
    form->addRow(tr("Guide"), m_guide);
    m_preserve = new QLineEdit(left);
    m_preserve->setPlaceholderText(tr("Prompts that must not change, comma-separated"));
    form->addRow(tr("Preserve"), m_preserve);
    auto* editButtons = new QHBoxLayout;
    m_erase = new QPushButton(tr("Erase"), left);
    m_erase->setObjectName(QStringLiteral("sdEraseButton"));
    auto* add = new QPushButton(tr("Add edit file…"), left);
    m_attack = new QPushButton(tr("Attack selected edit"), left);
    m_attack->setObjectName(QStringLiteral("sdEraseAttack"));
    m_attack->setToolTip(tr("Find text states that undo the edit and generate with them"));
    m_attackMethod = new QComboBox(left);
    m_attackMethod->setObjectName(QStringLiteral("sdEraseAttackMethod"));
    m_attackMethod->addItem(tr("closed form (RECE, a second)"), QStringLiteral("closed-form"));
    m_attackMethod->addItem(tr("through the sampler (gradient, slow)"), QStringLiteral("sampler"));
    m_attackMethod->setToolTip(
        tr("Closed form: the states whose keys and values through the edited layers come closest to the "
           "prompt's before the edit. Through the sampler: states optimised so that the edited model's "
           "samples land on the original model's, the gradient taken through every sampling step "
           "(20 Adam steps of 2 seeds; judged on 4 seeds it never saw)"));
    editButtons->addWidget(m_erase);
    editButtons->addWidget(add);
    editButtons->addWidget(m_attack);
    editButtons->addWidget(m_attackMethod);
    m_attackBoth = new QCheckBox(tr("both branches"), left);
    m_attackBoth->setObjectName(QStringLiteral("sdEraseAttackBoth"));
    m_attackBoth->setToolTip(
        tr("Also replace the empty prompt's states, guidance's other branch: where the edit "
           "moved them too, guidance otherwise keeps part of the edit"));
    editButtons->addWidget(m_attackBoth);
    form->addRow(QString(), editButtons);
    m_edits = new QListWidget(left);
    m_edits->setObjectName(QStringLiteral("sdEraseEdits"));
    m_edits->setMaximumHeight(110);
    form->addRow(tr("Edits (checked: applied)"), m_edits);

    m_prompts = new QPlainTextEdit(left);
    m_prompts->setObjectName(QStringLiteral("sdErasePrompts"));
    m_prompts->setPlaceholderText(tr("One prompt per line: the erased concept, its synonyms, and unrelated prompts"));
    m_prompts->setMaximumHeight(100);
    form->addRow(tr("Prompts"), m_prompts);
    auto spin = [left](int lo, int hi, int v, int step = 1) {
        auto* s = new QSpinBox(left);
        s->setRange(lo, hi);
        s->setSingleStep(step);
        s->setValue(v);
        return s;
    };
    m_size = spin(32, 1024, 256, 64);
    m_steps = spin(1, 150, 20);
    m_seeds = spin(1, 8, 2);
    m_firstSeed = spin(0, 1 << 30, 1);
    m_guidance = new QDoubleSpinBox(left);
    m_guidance->setRange(1, 30);
    m_guidance->setSingleStep(0.5);
    m_guidance->setValue(7.5);
    auto* settings = new QHBoxLayout;
    settings->addWidget(new QLabel(tr("Size"), left));
    settings->addWidget(m_size);
    settings->addWidget(new QLabel(tr("Steps"), left));
    settings->addWidget(m_steps);
    settings->addWidget(new QLabel(tr("CFG"), left));
    settings->addWidget(m_guidance);
    m_precision = new QComboBox(left);
    m_precision->addItem(tr("fp32"), QStringLiteral("fp32"));
    m_precision->addItem(tr("bf16"), QStringLiteral("bf16"));
    m_precision->setToolTip(tr("The weights in memory: bf16 takes half the memory (and on CPUs with AVX-512 BF16 "
                               "is much faster)"));
    settings->addWidget(m_precision);
    m_checkpoint->setToolTip(tr("A Stable Diffusion 1.x checkpoint (.safetensors or .ckpt) to edit; the file "
                                "itself is never changed"));
    m_concept->setToolTip(tr("The concept to erase (a word or a short phrase)"));
    m_method->setToolTip(tr(
        "UCE edits the cross-attention in one closed-form step; RECE repeats it against the "
        "prompts that bring the concept back (slower, more robust); ESD-x fine-tunes the same "
        "matrices for 200 steps (minutes on a GPU, hours on a CPU at 512²; guide and preserve unused); SPM "
        "trains a rank-1 membrane per matrix the same way, anchored so that other prompts keep their "
        "images (about twice ESD-x's time per step)"));
    m_guide->setToolTip(
        tr("What the erased concept's prompts should give instead (empty: nothing in particular)"));
    m_preserve->setToolTip(
        tr("Prompts whose images must stay as they are; more of them keep more of the model, at "
           "the cost of a weaker erasure"));
    m_size->setToolTip(tr("Image size in pixels: time and memory grow with the area"));
    m_steps->setToolTip(tr("Sampling steps per image: time grows with each"));
    m_guidance->setToolTip(
        tr("Guidance weight: higher follows the prompt more closely; each step costs two network passes"));
    m_seeds->setToolTip(tr("Seeds per prompt: more images judge the edit better and take longer"));
    m_firstSeed->setToolTip(
        tr("The first seed; the same seeds before and after the edit make the comparison fair"));
    form->addRow(tr("Sampling"), settings);
    auto* seedRow = new QHBoxLayout;
    seedRow->addWidget(m_seeds);
    seedRow->addWidget(new QLabel(tr("from"), left));
    seedRow->addWidget(m_firstSeed);
    form->addRow(tr("Seeds"), seedRow);
    m_compare = new QPushButton(tr("Compare"), left);
    m_compare->setObjectName(QStringLiteral("sdEraseCompare"));
    auto* cancel = new QPushButton(tr("Cancel"), left);
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(m_compare);
    runRow->addWidget(cancel);
    form->addRow(QString(), runRow);
    m_status = new QLabel(left);
    m_status->setObjectName(QStringLiteral("sdEraseStatus"));
    m_status->setWordWrap(true);
    m_status->setText(tr("Open an SD 1.x checkpoint, erase a concept, then compare the checkpoint with the checked "
                         "edits on the same seeds. On a 2-core CPU one 256² image at 20 steps takes about 1.5 "
                         "minutes with SD 1.5; a GPU takes seconds."));
    form->addRow(m_status);

    auto* scroll = new QScrollArea(splitter);
    scroll->setWidgetResizable(true);
    auto* host = new QWidget(scroll);
    m_grid = new QGridLayout(host);
    m_grid->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    scroll->setWidget(host);
    splitter->setStretchFactor(1, 1);

    connect(open, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(m_widget, tr("Open a Stable Diffusion 1.x checkpoint"), QString(),
                                                          tr("Checkpoints (*.safetensors *.ckpt)"));
        if (!file.isEmpty()) setCheckpoint(file);
    });
    connect(m_erase, &QPushButton::clicked, this, [this] {
        QString error;
        if (!startErase(m_concept->text(), m_method->currentData().toString(), m_guide->text(), m_preserve->text(), &error))
            QMessageBox::warning(m_widget, tr("Erase"), error);
    });
    connect(add, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(m_widget, tr("Add a concept edit"), m_outputRoot,
                                                          tr("Concept edits (*.safetensors)"));
        QString error;
        if (!file.isEmpty() && !addEditFile(file, &error)) QMessageBox::warning(m_widget, tr("Add"), error);
    });
    connect(m_attack, &QPushButton::clicked, this, [this] {
        QString error;
        if (!startAttack(std::max(0, m_edits->currentRow()), &error)) QMessageBox::warning(m_widget, tr("Attack"), error);
    });
    connect(m_compare, &QPushButton::clicked, this, [this] {
        QString error;
        if (!compare(&error)) QMessageBox::warning(m_widget, tr("Compare"), error);
    });
    connect(cancel, &QPushButton::clicked, m_slot, &JobSlot::cancel);
    connect(m_edits, &QListWidget::itemChanged, this, [this] {
        if (!m_filling && !m_edited.isEmpty()) compare();
    });
    updateButtons();
}

void SdErasePage::setCheckpoint(const QString& path) {
    widget();
    m_checkpoint->setText(path);
}
QString SdErasePage::checkpoint() const { return m_checkpoint ? m_checkpoint->text().trimmed() : QString(); }

QStringList SdErasePage::prompts() const {
    QStringList out;
    if (!m_prompts) return out;
    for (const auto& line : m_prompts->toPlainText().split(QLatin1Char('\n')))
        if (!line.trimmed().isEmpty()) out << line.trimmed();
    return out;
}
void SdErasePage::setPrompts(const QStringList& prompts) {
    widget();
    m_prompts->setPlainText(prompts.join(QLatin1Char('\n')));
}

void SdErasePage::setSettings(int size, int steps, int seeds, int firstSeed, double guidance) {
    widget();
    m_size->setValue(size);
    m_steps->setValue(steps);
    m_seeds->setValue(seeds);
    m_firstSeed->setValue(firstSeed);
    m_guidance->setValue(guidance);
}

void SdErasePage::setHeads(int textHeads, int unetHeads) {
    m_textHeads = textHeads;
    m_unetHeads = unetHeads;
}

bool SdErasePage::startErase(const QString& conceptText, const QString& method, const QString& guide, const QString& preserve,
                             QString* error) {
    widget();
    erase::SdEraseParams p;
    p.checkpoint = checkpoint().toStdString();
    p.concepts = {conceptText.trimmed().toStdString()};
    p.method = method.toStdString();
    p.guide = guide.trimmed().toStdString();
    p.textHeads = m_textHeads;
    p.unetHeads = m_unetHeads;
    for (const auto& s : preserve.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!s.trimmed().isEmpty()) p.preserve.push_back(s.trimmed().toStdString());
    if (prompts().isEmpty() && !conceptText.trimmed().isEmpty()) setPrompts({conceptText.trimmed(), QStringLiteral("a photo of a dog")}); // CLIP reads English
    // The fine-tuning pool's latents have the grid's size (SD's VAE: 8 pixels per latent).
    const int latent = std::max(8, m_size->value() / 8 / 8 * 8);
    return startSdEraseJob(
        m_slot, p, m_outputRoot,
        [this](const QString& file, const QString& label) {
            m_filling = true;
            for (int i = 0; i < m_edits->count(); ++i)
                if (m_edits->item(i)->data(Qt::UserRole).toString() == file) delete m_edits->takeItem(i);
            auto* item = new QListWidgetItem(label, m_edits);
            item->setData(Qt::UserRole, file);
            item->setToolTip(file);
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
            item->setCheckState(Qt::Checked);
            m_filling = false;
            // The erase job has ended by the time the slot is free: compare then.
            QMetaObject::invokeMethod(this, [this] { compare(); }, Qt::QueuedConnection);
        },
        [this](const QString& message) { setStatus(message); }, error, m_trainSteps->value(), latent);
}

void SdErasePage::setTrainSteps(int steps) {
    widget();
    m_trainSteps->setValue(steps);
}

int SdErasePage::trainSteps() const { return m_trainSteps ? m_trainSteps->value() : 200; }

bool SdErasePage::addEditFile(const QString& file, QString* error) {
    widget();
    const auto kind = gen::sdAddonKind(file.toStdString());
    if (!kind || kind.value() != "edit") {
        const QString why = !kind ? qs(kind.error().message)
                                  : tr("%1 is a LoRA, not a concept edit; add it in Generate's Stable Diffusion tab.")
                                        .arg(QFileInfo(file).fileName());
        if (error) *error = why;
        setStatus(why);
        return false;
    }
    m_filling = true;
    auto* item = new QListWidgetItem(QFileInfo(file).completeBaseName(), m_edits);
    item->setData(Qt::UserRole, file);
    item->setToolTip(file);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(Qt::Checked);
    m_filling = false;
    if (!m_edited.isEmpty()) compare();
    return true;
}

int SdErasePage::editCount() const { return m_edits ? m_edits->count() : 0; }

QStringList SdErasePage::checkedEdits() const {
    QStringList out;
    for (int i = 0; i < editCount(); ++i)
        if (m_edits->item(i)->checkState() == Qt::Checked) out << m_edits->item(i)->data(Qt::UserRole).toString();
    return out;
}

void SdErasePage::setEditChecked(int row, bool checked) {
    if (auto* item = m_edits ? m_edits->item(row) : nullptr) item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

gen::SdParams SdErasePage::baseParams() const {
    gen::SdParams p;
    p.checkpoint = checkpoint().toStdString();
    p.width = p.height = m_size->value();
    p.steps = m_steps->value();
    p.guidance = m_guidance->value();
    p.precision = m_precision->currentData().toString().toStdString();
    p.seed = std::uint64_t(m_firstSeed->value());
    p.textHeads = m_textHeads;
    p.unetHeads = m_unetHeads;
    for (const auto& f : checkedEdits()) p.edits.push_back({f.toStdString(), 1.0});
    return p;
}

QString SdErasePage::originalKey() const {
    return QStringList{checkpoint(), prompts().join(QLatin1Char('|')), QString::number(m_size->value()),
                       QString::number(m_steps->value()), QString::number(m_guidance->value()), m_precision->currentData().toString(),
                       QString::number(m_seeds->value()), QString::number(m_firstSeed->value())}
        .join(QLatin1Char('#'));
}

bool SdErasePage::compare(QString* error) {
    widget();
    auto fail = [&](const QString& m) {
        if (error) *error = m;
        setStatus(m);
        return false;
    };
    if (checkpoint().isEmpty() || !QFileInfo::exists(checkpoint()))
        return fail(tr("Choose a Stable Diffusion 1.x checkpoint first (Open checkpoint…)."));
    if (prompts().isEmpty()) return fail(tr("Type at least one prompt."));
    if (m_slot->isBusy() && m_slot->kind() != QLatin1String("sd-compare")) return fail(JobSlot::busyMessage());
    gen::SdCompareParams p;
    p.base = baseParams();
    if (const auto v = gen::validateSd(p.base); !v) return fail(tr("Invalid settings: %1").arg(qs(v.error().message)));
    for (const auto& s : prompts()) p.prompts.push_back(s.toStdString());
    p.seeds = m_seeds->value();
    const QString key = originalKey();
    p.original = key != m_originalKey || m_original.isEmpty();
    if (!p.original)
        for (const auto& row : m_original) {
            p.kept.emplace_back();
            for (const auto& im : row) p.kept.back().push_back(toImageU8(im));
        }
    const auto est = gen::estimateSd(p.base);
    const double images = double(p.prompts.size()) * p.seeds * (p.original && !p.base.edits.empty() ? 2 : 1);
    setStatus(tr("Generating %1 images: about %2 UNet passes, %3 min for SD 1.5 on a 2-core CPU…")
                  .arg(std::lround(images))
                  .arg(std::lround(images * est.unetPasses))
                  .arg(images * est.cpuSeconds / 60.0, 0, 'f', 1));
    const QStringList rowPrompts = prompts();
    m_slot->replace<gen::SdCompareResult>(
        QStringLiteral("sd-compare"), tr("Compare %1 prompts").arg(rowPrompts.size()),
        [p](const JobContext& ctx) { return gen::runSdCompare(p, ctx); },
        [this, key, rowPrompts, original = p.original](const JobOutcome<gen::SdCompareResult>& out) {
            if (!out.ok()) {
                const QString m = out.status == JobStatus::Cancelled ? tr("Comparison cancelled; the grid is as it was.")
                                                                     : tr("Comparison failed: %1").arg(out.error);
                setStatus(m);
                return m;
            }
            const auto& r = *out.value;
            if (original) {
                m_original = toQImages(r.original);
                m_originalKey = key;
            }
            m_edited = toQImages(r.edited);
            m_attackImages.clear();
            m_attackOriginal.clear();
            m_gridPrompts = rowPrompts;
            m_moved = QVector<double>(r.moved.begin(), r.moved.end());
            rebuildGrid();
            const QString m = tr("Compared %1 prompts × %2 seeds: %3 UNet passes in %4 s.")
                                  .arg(m_edited.size())
                                  .arg(m_edited.isEmpty() ? 0 : m_edited.front().size())
                                  .arg(r.nfe)
                                  .arg(r.seconds, 0, 'f', 1);
            setStatus(r.warnings.empty() ? m : m + QLatin1Char(' ') + qs(r.warnings.front()));
            return m;
        });
    return true;
}

bool SdErasePage::startAttack(int row, QString* error) {
    widget();
    auto fail = [&](const QString& m) {
        if (error) *error = m;
        setStatus(m);
        return false;
    };
    if (!m_edits->item(row)) return fail(tr("Erase a concept first: the attack needs an edit."));
    if (prompts().isEmpty()) return fail(tr("Type at least one prompt."));
    if (m_slot->isBusy()) return fail(JobSlot::busyMessage());
    const QString editFile = m_edits->item(row)->data(Qt::UserRole).toString();
    const bool viaSampler = m_attackMethod->currentData().toString() == QLatin1String("sampler");
    erase::SdAttackParams a;
    a.negative = m_attackBoth->isChecked();
    a.checkpoint = checkpoint().toStdString();
    a.edit = editFile.toStdString();
    a.prompt = prompts().front().toStdString();
    a.textHeads = m_textHeads;
    a.unetHeads = m_unetHeads;
    a.output = (QFileInfo(editFile).path() + QLatin1Char('/') + QFileInfo(editFile).completeBaseName() +
                QStringLiteral("-attack-states.safetensors"))
                   .toStdString();
    gen::SdParams g = baseParams();
    g.prompt = a.prompt;
    g.batch = m_seeds->value();
    g.previews = false;
    g.edits.clear();
    erase::SdSamplerAttackParams sa;
    sa.checkpoint = a.checkpoint;
    sa.edit = a.edit;
    sa.prompt = a.prompt;
    sa.textHeads = a.textHeads;
    sa.unetHeads = a.unetHeads;
    sa.output = a.output;
    sa.negative = a.negative;
    sa.steps = g.steps;
    sa.guidance = g.guidance;
    sa.latentSize = std::max(8, m_size->value() / 8 / 8 * 8);
    const QString label =
        (viaSampler ? (a.negative ? tr("sampler attack (both branches) on %1") : tr("sampler attack on %1"))
                    : (a.negative ? tr("attack (both branches) on %1") : tr("attack on %1")))
            .arg(m_edits->item(row)->text());
    setStatus(
        viaSampler
            ? tr("Attacking %1 through the sampler: %2 Adam steps, each differentiating %3 sampling steps; "
                 "%4 UNet passes at a %5² latent in all…")
                  .arg(m_edits->item(row)->text())
                  .arg(sa.iterations)
                  .arg(sa.steps)
                  .arg(erase::samplerAttackUnetPasses(sa))
                  .arg(sa.latentSize)
            : tr("Attacking %1: solving for the text states that undo it…").arg(m_edits->item(row)->text()));
    struct Out {
        erase::SdAttackResult attack;
        std::optional<erase::SdSamplerAttackResult> sampler;
        std::vector<ImageU8> original, attacked;
    };
    m_slot->start<Out>(
        QStringLiteral("sd-attack"), label,
        [a, sa, g, viaSampler](const JobContext& ctx) -> Result<Out> {
            Out o;
            if (viaSampler) {
                auto r = erase::runSdSamplerAttack(sa, ctx);
                if (!r) return r.error();
                o.sampler = r.value();
            } else {
                auto r = erase::runSdAttack(a, ctx);
                if (!r) return r.error();
                o.attack = r.value();
            }
            auto orig = gen::runSdTextToImage(g, ctx);
            if (!orig) return orig.error();
            gen::SdParams q = g;
            q.edits = {{a.edit, 1.0}};
            q.promptStates = a.output;
            auto att = gen::runSdTextToImage(q, ctx);
            if (!att) return att.error();
            o.original = std::move(orig.value().images);
            o.attacked = std::move(att.value().images);
            return o;
        },
        [this, label, negative = a.negative](const JobOutcome<Out>& out) {
            if (!out.ok()) {
                const QString m = tr("The attack failed: %1").arg(out.error);
                setStatus(m);
                return m;
            }
            const auto& o = *out.value;
            m_attackImages.clear();
            m_attackOriginal.clear();
            double sum = 0;
            for (std::size_t i = 0; i < o.attacked.size(); ++i) {
                m_attackImages.push_back(toQImage(o.attacked[i]));
                m_attackOriginal.push_back(toQImage(o.original[i]));
                sum += gen::meanAbsDifference(o.original[i], o.attacked[i]);
            }
            m_attackMoved = o.attacked.empty() ? -1.0 : sum / double(o.attacked.size());
            m_attackLabel = label;
            m_attackHeldOutRatio = o.sampler && o.sampler->heldOutEdited > 0
                                       ? o.sampler->heldOutAttack / o.sampler->heldOutEdited
                                       : -1.0;
            rebuildGrid();
            const QString m =
                o.sampler
                    ? tr("%1: on seeds the search never saw, the latents are %2 from the original's with the "
                         "prompt "
                         "and %3 with the attack's states (mean square); its images are %4 grey levels from "
                         "the "
                         "original (near 0: the concept is back).")
                          .arg(label)
                          .arg(o.sampler->heldOutEdited, 0, 'g', 3)
                          .arg(o.sampler->heldOutAttack, 0, 'g', 3)
                          .arg(m_attackMoved, 0, 'f', 1)
                : negative
                    ? tr("%1: the K/V gap to the original is %2 with the prompt and %3 with the attack's "
                         "states "
                         "(the empty prompt's: %4 and %5); its images are %6 grey levels from the original "
                         "(near 0: "
                         "the concept is back).")
                          .arg(label)
                          .arg(o.attack.residualPrompt, 0, 'f', 3)
                          .arg(o.attack.residualAttack, 0, 'f', 3)
                          .arg(o.attack.residualNegativePrompt, 0, 'f', 3)
                          .arg(o.attack.residualNegativeAttack, 0, 'f', 3)
                          .arg(m_attackMoved, 0, 'f', 1)
                    : tr("%1: the K/V gap to the original is %2 with the prompt and %3 with the attack's "
                         "states; "
                         "its images are %4 grey levels from the original (near 0: the concept is back).")
                          .arg(label)
                          .arg(o.attack.residualPrompt, 0, 'f', 3)
                          .arg(o.attack.residualAttack, 0, 'f', 3)
                          .arg(m_attackMoved, 0, 'f', 1);
            setStatus(m);
            return m;
        },
        error);
    return true;
}

void SdErasePage::setAttackBothBranches(bool both) {
    widget();
    m_attackBoth->setChecked(both);
}

void SdErasePage::setAttackMethod(const QString& method) {
    widget();
    const int i = m_attackMethod->findData(method);
    if (i >= 0) m_attackMethod->setCurrentIndex(i);
}

bool SdErasePage::isBusy() const { return m_slot->isBusy(); }

QImage SdErasePage::originalImage(int row, int column) const {
    return row >= 0 && row < m_original.size() && column >= 0 && column < m_original[row].size() ? m_original[row][column] : QImage();
}
QImage SdErasePage::editedImage(int row, int column) const {
    return row >= 0 && row < m_edited.size() && column >= 0 && column < m_edited[row].size() ? m_edited[row][column] : QImage();
}
double SdErasePage::moved(int row) const { return row >= 0 && row < m_moved.size() ? m_moved[row] : -1.0; }
QString SdErasePage::status() const { return m_status ? m_status->text() : QString(); }

void SdErasePage::setStatus(const QString& message) {
    if (m_status) m_status->setText(message);
    Q_EMIT statusMessage(message);
}

void SdErasePage::updateButtons() {
    if (!m_widget) return;
    const bool erasing = m_slot->isBusy() && m_slot->kind() == QLatin1String("sd-erase");
    m_erase->setEnabled(!m_slot->isBusy());
    m_attack->setEnabled(!m_slot->isBusy());
    m_compare->setEnabled(!erasing);
}

void SdErasePage::rebuildGrid() {
    auto thumb = [](const QImage& im) {
        auto* l = new QLabel;
        if (!im.isNull()) l->setPixmap(QPixmap::fromImage(im.scaled(kThumb, kThumb, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
        return l;
    };
    while (auto* item = m_grid->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const int seeds = m_edited.isEmpty() ? 0 : m_edited.front().size();
    auto header = [this](const QString& text, int row, int column) {
        auto* l = new QLabel(text);
        l->setAlignment(Qt::AlignCenter);
        m_grid->addWidget(l, row, column);
    };
    header(tr("Prompt"), 0, 0);
    for (int s = 0; s < seeds; ++s) {
        header(tr("Original, seed %1").arg(m_firstSeed->value() + s), 0, 1 + s);
        header(tr("Edited, seed %1").arg(m_firstSeed->value() + s), 0, 1 + seeds + s);
    }
    for (int r = 0; r < m_edited.size(); ++r) {
        auto* text = new QLabel(tr("%1\nmoved %2").arg(m_gridPrompts.value(r)).arg(m_moved.value(r), 0, 'f', 1));
        text->setWordWrap(true);
        text->setMaximumWidth(160);
        m_grid->addWidget(text, r + 1, 0);
        for (int s = 0; s < seeds; ++s) {
            for (int side = 0; side < 2; ++side)
                m_grid->addWidget(thumb(side == 0 ? originalImage(r, s) : editedImage(r, s)), r + 1, 1 + side * seeds + s);
        }
    }
    if (!m_attackImages.isEmpty()) { // the attack's row: the original beside the edit with the attack's states
        const int r = int(m_edited.size()) + 1, n = int(m_attackImages.size());
        auto* text = new QLabel(tr("%1\nmoved %2").arg(m_attackLabel).arg(m_attackMoved, 0, 'f', 1));
        text->setWordWrap(true);
        text->setMaximumWidth(160);
        text->setStyleSheet(m_attackMoved < 5.0 ? QStringLiteral("color: #b00020") : QString());
        m_grid->addWidget(text, r, 0);
        for (int s = 0; s < n; ++s) {
            m_grid->addWidget(thumb(m_attackOriginal[s]), r, 1 + s);
            m_grid->addWidget(thumb(m_attackImages[s]), r, 1 + std::max(n, int(seeds)) + s);
        }
    }
}

} // namespace reverie::app
