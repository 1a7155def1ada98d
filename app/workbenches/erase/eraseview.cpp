// The Erase workbench's page: the left column from eraseform.ui, the before/after grid, the concept
// library table and the attack strip. Display only; the jobs and the state are eraseworkbench.cpp's.
#include "workbenches/erase/eraseworkbench.h"
#include "ui_eraseform.h"

#include "data/text.h"
#include "models/zoo.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>

#include "workbenches/historypanel.h"
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <set>

namespace reverie::app {

namespace er = reverie::erase;

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QLabel* imageCell(const QImage& image, int scale, QWidget* parent) {
    auto* l = new QLabel(parent);
    l->setAlignment(Qt::AlignCenter);
    if (!image.isNull())
        l->setPixmap(QPixmap::fromImage(image.scaled(image.width() * scale, image.height() * scale)));
    return l;
}

} // namespace

QString EraseWorkbench::className(int cls) {
    if (cls < 0 || cls >= reverie::data::text::kClasses) return QStringLiteral("?");
    return qs(reverie::data::text::className(cls));
}

QStringList EraseWorkbench::defaultPrompts() const {
    // The erased concepts first (their own wording, then one held-out wording each, which keeps
    // the grid short), then one prompt for every other class.
    QStringList out;
    std::set<int> erased;
    for (const auto& c : m_concepts)
        if (c.cls >= 0) erased.insert(c.cls);
    for (int c : erased) {
        out << qs(reverie::data::text::erasePrompts(c).front());
        for (const auto& p : reverie::data::text::heldOutPrompts(c))
            if (!out.contains(qs(p))) {
                out << qs(p);
                break;
            }
    }
    for (int c = 0; c < reverie::data::text::kClasses; ++c)
        if (!erased.count(c)) out << qs(reverie::data::text::erasePrompts(c).front());
    return out;
}

void EraseWorkbench::rebuildGrid() {
    if (!m_grid) return;
    while (auto* item = m_grid->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const int n = m_active.isEmpty() ? 0 : int(m_active.front().size());
    auto* h1 = new QLabel(tr("<b>Original model</b>"), m_gridHost);
    auto* h2 = new QLabel(tr("<b>With the active concepts</b>"), m_gridHost);
    m_grid->addWidget(h1, 0, 1, 1, std::max(1, n));
    m_grid->addWidget(h2, 0, n + 2, 1, std::max(1, n));
    for (int r = 0; r < m_active.size(); ++r) {
        QString text = r < m_gridPrompts.size() ? m_gridPrompts[r] : QString();
        if (r < m_permeability.size() && !m_permeability[r].isEmpty())
            text += QStringLiteral("\n") + m_permeability[r];
        auto* prompt = new QLabel(text, m_gridHost);
        prompt->setWordWrap(true);
        prompt->setMaximumWidth(220);
        m_grid->addWidget(prompt, 2 * r + 1, 0, 2, 1);
        for (int c = 0; c < n; ++c) {
            const int oc = originalClass(r, c), ac = activeClass(r, c);
            m_grid->addWidget(imageCell(originalImage(r, c), 3, m_gridHost), 2 * r + 1, c + 1);
            m_grid->addWidget(new QLabel(className(oc), m_gridHost), 2 * r + 2, c + 1, Qt::AlignHCenter);
            m_grid->addWidget(imageCell(activeImage(r, c), 3, m_gridHost), 2 * r + 1, n + 2 + c);
            auto* label = new QLabel(oc >= 0 && ac != oc ? QStringLiteral("<b>%1</b>").arg(className(ac)) : className(ac),
                                     m_gridHost);
            m_grid->addWidget(label, 2 * r + 2, n + 2 + c, Qt::AlignHCenter);
        }
    }
    m_grid->setColumnMinimumWidth(n + 1, 16);
}

void EraseWorkbench::rebuildLibraryTable() {
    if (!m_library) return;
    m_updatingTable = true;
    const QString selected = m_library->currentRow() >= 0 && m_library->item(m_library->currentRow(), 0)
                                 ? m_library->item(m_library->currentRow(), 0)->data(Qt::UserRole).toString()
                                 : QString();
    m_library->setRowCount(int(m_concepts.size()));
    for (int r = 0; r < int(m_concepts.size()); ++r) {
        const auto& c = m_concepts[std::size_t(r)];
        const QString name = qs(c.name);
        auto* on = new QTableWidgetItem;
        on->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        on->setCheckState(c.enabled ? Qt::Checked : Qt::Unchecked);
        on->setData(Qt::UserRole, name);
        m_library->setItem(r, 0, on);
        auto ro = [](const QString& t) {
            auto* i = new QTableWidgetItem(t);
            i->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
            return i;
        };
        m_library->setItem(r, 1, ro(className(c.cls)));
        m_library->setItem(r, 2, ro(qs(c.method).toUpper()));
        auto* weight = new QDoubleSpinBox(m_library);
        weight->setRange(0, 4);
        weight->setSingleStep(0.1);
        weight->setDecimals(2);
        weight->setValue(c.weight);
        connect(weight, &QDoubleSpinBox::valueChanged, this, [this, name](double v) {
            if (!m_updatingTable) setConceptWeight(name, v);
        });
        m_library->setCellWidget(r, 3, weight);
        m_library->setItem(r, 4, ro(QString::number(c.seconds, 'f', 2)));
        m_library->setItem(r, 5, ro(tr("%1 KiB").arg(double(c.bytes) / 1024.0, 0, 'f', 1)));
        if (name == selected) m_library->selectRow(r);
    }
    if (m_library->currentRow() < 0 && !m_concepts.empty()) m_library->selectRow(int(m_concepts.size()) - 1);
    m_updatingTable = false;
    updateButtons();
}

void EraseWorkbench::syncRow(const QString& name) {
    // Updates the row's controls in place: rebuilding the table here would delete the widget
    // whose signal brought us here.
    if (!m_library) return;
    for (int r = 0; r < m_library->rowCount() && r < int(m_concepts.size()); ++r) {
        auto* item = m_library->item(r, 0);
        if (!item || item->data(Qt::UserRole).toString() != name) continue;
        const auto& c = m_concepts[std::size_t(r)];
        m_updatingTable = true;
        item->setCheckState(c.enabled ? Qt::Checked : Qt::Unchecked);
        if (auto* spin = qobject_cast<QDoubleSpinBox*>(m_library->cellWidget(r, 3)); spin && spin->value() != c.weight) {
            const QSignalBlocker block(spin);
            spin->setValue(c.weight);
        }
        m_updatingTable = false;
    }
}

void EraseWorkbench::showAttack() {
    if (!m_attackStrip) return;
    auto* layout = m_attackStrip->layout();
    while (auto* item = layout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (int i = 0; i < m_attackImages.size(); ++i) {
        auto* cell = new QWidget(m_attackStrip);
        auto* v = new QVBoxLayout(cell);
        v->setContentsMargins(0, 0, 0, 0);
        v->addWidget(imageCell(m_attackImages[i], 2, cell));
        const int c = i < m_attackClasses.size() ? m_attackClasses[i] : -1;
        auto* l = new QLabel(c == m_attackClass ? QStringLiteral("<b style='color:#c62828'>%1</b>").arg(className(c))
                                                : className(c),
                             cell);
        l->setAlignment(Qt::AlignHCenter);
        v->addWidget(l);
        layout->addWidget(cell);
    }
    const QString share = QString::number(100 * m_attackSuccess, 'f', 0);
    if (m_attackSuccess >= 0.5)
        m_attackLabel->setText(tr("<b style='color:#c62828'>The concept comes back:</b> %1% of the attack's images "
                                  "are recognised as %2.")
                                   .arg(share, className(m_attackClass)));
    else if (m_attackSuccess > 0)
        m_attackLabel->setText(tr("<b style='color:#ef6c00'>Partly back:</b> %1% of the attack's images are "
                                  "recognised as %2.")
                                   .arg(share, className(m_attackClass)));
    else
        m_attackLabel->setText(tr("<b style='color:#2e7d32'>Stays erased:</b> none of the attack's images is "
                                  "recognised as %1.")
                                   .arg(className(m_attackClass)));
}

QWidget* EraseWorkbench::page() {
    if (!m_page) buildPage();
    return m_page;
}

void EraseWorkbench::buildPage() {
    // Two tabs: the built-in model (below) and a Stable Diffusion 1.x file (sderasepage.h).
    auto* tabs = new QTabWidget;
    tabs->setObjectName(QStringLiteral("eraseTabs"));
    m_page = tabs;
    auto* builtIn = new QWidget;
    builtIn->setObjectName(QStringLiteral("erasePage"));
    tabs->addTab(builtIn, tr("Built-in model"));
    tabs->addTab(m_sd->widget(), tr("Stable Diffusion 1.x file"));
    m_historyTab = new HistoryTab;
    tabs->addTab(m_historyTab, tr("History"));
    connectHistory();
    auto* outer = new QHBoxLayout(builtIn);
    auto* splitter = new QSplitter(Qt::Horizontal, builtIn);
    outer->addWidget(splitter);

    // ---- Left: model, prompts, library, erase, attack (eraseform.ui) ----
    auto* left = new QWidget(splitter);
    m_ui->setupUi(left);
    auto& ui = *m_ui;
    m_modelLabel = ui.eraseModel;
    m_prompts = ui.erasePrompts;
    m_prompts->setPlainText(defaultPrompts().join(QLatin1Char('\n')));
    m_seedCount = ui.seedCount;
    m_firstSeed = ui.firstSeed;
    m_firstSeed->setToolTip(
        tr("The first seed of the grid; the same seeds before and after make the comparison fair"));
    m_steps = ui.steps;
    m_guidance = ui.guidance;
    m_sld = ui.sld;
    m_sld->addItem(tr("None"), QString());
    for (int c = 0; c < reverie::data::text::kClasses; ++c) m_sld->addItem(className(c), QString::number(c));
    m_transport = ui.eraseTransport;
    m_generate = ui.eraseGenerate;
    m_resetPrompts = ui.resetPrompts;
    m_library = ui.eraseLibrary;
    m_library->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_word = ui.eraseWord;
    m_word->setToolTip(tr("The concept to erase: a word the text encoder knows"));
    m_method = ui.eraseMethod;
    m_method->addItem(tr("UCE (closed form)"), QStringLiteral("uce"));
    m_method->addItem(tr("RECE (closed form, robust)"), QStringLiteral("rece"));
    m_method->addItem(tr("ESD (fine-tuning)"), QStringLiteral("esd"));
    m_method->addItem(tr("SPM (membrane)"), QStringLiteral("spm"));
    m_trainSteps = ui.trainSteps;
    m_erase = ui.eraseConcept;
    m_remove = ui.removeConcept;
    m_save = ui.saveLibrary;
    m_load = ui.loadLibrary;
    m_attackKind = ui.attackKind;
    m_attackKind->setToolTip(
        tr("How to try to bring the erased concept back: the closed form is instant; the "
           "gradient attack optimises on real images and takes longer; the sampler attack optimises "
           "what the whole sampling run generates (gradients through every step) and takes longest"));
    m_attackKind->addItem(tr("Closed-form (RECE derivation)"), QStringLiteral("closed-form"));
    m_attackKind->addItem(tr("Gradient (real training images)"), QStringLiteral("gradient"));
    m_attackKind->addItem(tr("Through the sampler (generated samples)"), QStringLiteral("sampler"));
    m_attack = ui.eraseAttack;
    m_attackLabel = ui.eraseAttackResult;
    m_attackStrip = ui.attackStrip;
    m_progress = ui.progress;
    m_cancel = ui.eraseCancel;
    m_status = ui.eraseStatus;

    // ---- Right: the before/after grid ----
    auto* scroll = new QScrollArea(splitter);
    scroll->setWidgetResizable(true);
    m_gridHost = new QWidget(scroll);
    m_gridHost->setObjectName(QStringLiteral("eraseGrid"));
    m_grid = new QGridLayout(m_gridHost);
    m_grid->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    scroll->setWidget(m_gridHost);
    splitter->addWidget(left);
    splitter->addWidget(scroll);
    splitter->setStretchFactor(1, 1);

    connect(m_generate, &QPushButton::clicked, this, [this] {
        QString error;
        if (!regenerate(&error)) QMessageBox::warning(m_page, tr("Erase"), error);
    });
    connect(m_resetPrompts, &QPushButton::clicked, this, [this] {
        m_prompts->setPlainText(defaultPrompts().join(QLatin1Char('\n')));
        scheduleRegenerate();
    });
    connect(m_erase, &QPushButton::clicked, this, &EraseWorkbench::eraseClicked);
    connect(m_word, &QLineEdit::returnPressed, this, &EraseWorkbench::eraseClicked);
    connect(m_remove, &QPushButton::clicked, this, &EraseWorkbench::removeClicked);
    connect(m_save, &QPushButton::clicked, this, &EraseWorkbench::saveClicked);
    connect(m_load, &QPushButton::clicked, this, &EraseWorkbench::loadClicked);
    connect(m_attack, &QPushButton::clicked, this, &EraseWorkbench::attackClicked);
    connect(m_cancel, &QPushButton::clicked, this, &EraseWorkbench::cancel);
    connect(m_transport, &QCheckBox::toggled, this, [this] { scheduleRegenerate(); });
    connect(m_sld, &QComboBox::currentIndexChanged, this, [this] { scheduleRegenerate(); });
    connect(m_library, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (m_updatingTable || item->column() != 0) return;
        setConceptEnabled(item->data(Qt::UserRole).toString(), item->checkState() == Qt::Checked);
    });
    connect(m_library, &QTableWidget::itemSelectionChanged, this, &EraseWorkbench::updateButtons);

    QString why;
    if (checkModel(&why)) {
        m_modelLabel->setText(tr("Model: %1").arg(QDir::toNativeSeparators(m_modelDir)));
    } else {
        m_modelLabel->setText(why);
        setStatus(why);
    }
    rebuildLibraryTable();
    updateButtons();
}

} // namespace reverie::app
