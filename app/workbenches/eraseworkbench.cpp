#include "workbenches/eraseworkbench.h"

#include "erase/text.h"
#include "generate/zoo.h"

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

QString className(int cls) {
    if (cls < 0 || cls >= er::text::kClasses) return QStringLiteral("?");
    return qs(er::text::className(cls));
}

Result<bool> ensureOpen(er::EraseSession& s, const std::string& modelDir, const std::string& classifierDir) {
    if (s.isOpen()) return true;
    return s.open(modelDir, classifierDir);
}

/// Sends the GUI's toggles and weights to the session (names it does not know are skipped).
void applyState(er::EraseSession& s, const std::vector<er::EraseConceptInfo>& state) {
    for (const auto& c : state) {
        (void)s.setEnabled(c.name, c.enabled);
        (void)s.setWeight(c.name, c.weight);
    }
}

QVector<QVector<QImage>> toImages(const std::vector<std::vector<ImageU8>>& images) {
    QVector<QVector<QImage>> out;
    for (const auto& row : images) {
        QVector<QImage> r;
        for (const auto& im : row) r.append(toQImage(im));
        out.append(r);
    }
    return out;
}

QVector<QVector<int>> toClasses(const std::vector<std::vector<int>>& classes) {
    QVector<QVector<int>> out;
    for (const auto& row : classes) out.append(QVector<int>(row.begin(), row.end()));
    return out;
}

QLabel* imageCell(const QImage& image, int scale, QWidget* parent) {
    auto* l = new QLabel(parent);
    l->setAlignment(Qt::AlignCenter);
    if (!image.isNull())
        l->setPixmap(QPixmap::fromImage(image.scaled(image.width() * scale, image.height() * scale)));
    return l;
}

} // namespace

/// What a generate job brings back.
struct EraseWorkbench::GridOutcome {
    int request = 0;
    bool hasOriginal = false;
    QString originalKey;
    QVector<QVector<QImage>> original, active;
    QVector<QVector<int>> originalClass, activeClass;
    QVector<QString> permeability;
    std::vector<er::EraseConceptInfo> concepts;
    qint64 nfe = 0;
    double seconds = 0;
};

EraseWorkbench::EraseWorkbench(Engine* engine, QObject* parent)
    : Workbench(parent), m_engine(engine), m_session(std::make_shared<er::EraseSession>()) {
    m_modelDir = qs(reverie::zoo::find(reverie::zoo::kTextGenerator));
    m_classifierDir = qs(reverie::zoo::find(reverie::zoo::kClassifier));
    m_regenTimer = new QTimer(this);
    m_regenTimer->setSingleShot(true);
    m_regenTimer->setInterval(150);
    connect(m_regenTimer, &QTimer::timeout, this, [this] { regenerate(); });
    connect(m_engine, &Engine::jobProgress, this, &EraseWorkbench::onProgress);
}

EraseWorkbench::~EraseWorkbench() {
    for (quint64 id : {m_genJob, m_eraseJob, m_otherJob})
        if (id) m_engine->cancel(id);
}

QWidget* EraseWorkbench::page() {
    if (!m_page) buildPage();
    return m_page;
}

void EraseWorkbench::buildPage() {
    m_page = new QWidget;
    m_page->setObjectName(QStringLiteral("erasePage"));
    auto* outer = new QHBoxLayout(m_page);
    auto* splitter = new QSplitter(Qt::Horizontal, m_page);
    outer->addWidget(splitter);

    // ---- Left: model, prompts, library, erase, attack ----
    auto* left = new QWidget(splitter);
    auto* lv = new QVBoxLayout(left);
    m_modelLabel = new QLabel(left);
    m_modelLabel->setObjectName(QStringLiteral("eraseModel"));
    m_modelLabel->setWordWrap(true);
    lv->addWidget(m_modelLabel);

    auto* promptBox = new QGroupBox(tr("Prompts (one per line)"), left);
    auto* pv = new QVBoxLayout(promptBox);
    m_prompts = new QPlainTextEdit(promptBox);
    m_prompts->setObjectName(QStringLiteral("erasePrompts"));
    m_prompts->setPlainText(defaultPrompts().join(QLatin1Char('\n')));
    m_prompts->setMinimumHeight(110);
    pv->addWidget(m_prompts);
    auto* pf = new QFormLayout;
    m_seedCount = new QSpinBox(promptBox);
    m_seedCount->setRange(1, 16);
    m_seedCount->setValue(2);
    m_firstSeed = new QSpinBox(promptBox);
    m_firstSeed->setRange(0, INT_MAX);
    m_firstSeed->setValue(1);
    auto* seedRow = new QHBoxLayout;
    seedRow->addWidget(m_seedCount);
    seedRow->addWidget(new QLabel(tr("from seed"), promptBox));
    seedRow->addWidget(m_firstSeed, 1);
    pf->addRow(tr("Images per prompt"), seedRow);
    m_steps = new QSpinBox(promptBox);
    m_steps->setRange(1, 100);
    m_steps->setValue(10);
    pf->addRow(tr("Sampler steps"), m_steps);
    m_guidance = new QDoubleSpinBox(promptBox);
    m_guidance->setRange(0, 20);
    m_guidance->setSingleStep(0.5);
    m_guidance->setValue(3.0);
    pf->addRow(tr("Guidance"), m_guidance);
    m_sld = new QComboBox(promptBox);
    m_sld->addItem(tr("None"), QString());
    for (int c = 0; c < er::text::kClasses; ++c) m_sld->addItem(className(c), QString::number(c));
    m_sld->setToolTip(tr("Safe Latent Diffusion: guide every sample away from this concept at inference time."));
    pf->addRow(tr("SLD away from"), m_sld);
    m_transport = new QCheckBox(tr("Facilitated transport"), promptBox);
    m_transport->setObjectName(QStringLiteral("eraseTransport"));
    m_transport->setToolTip(tr("Scale each SPM membrane per prompt by its permeability γ (shown beside each prompt)."));
    pf->addRow(m_transport);
    pv->addLayout(pf);
    auto* genRow = new QHBoxLayout;
    m_generate = new QPushButton(tr("Generate"), promptBox);
    m_generate->setObjectName(QStringLiteral("eraseGenerate"));
    m_resetPrompts = new QPushButton(tr("Default prompts"), promptBox);
    genRow->addWidget(m_generate);
    genRow->addWidget(m_resetPrompts);
    pv->addLayout(genRow);
    lv->addWidget(promptBox);

    auto* libBox = new QGroupBox(tr("Concept library"), left);
    auto* libv = new QVBoxLayout(libBox);
    m_library = new QTableWidget(0, 6, libBox);
    m_library->setObjectName(QStringLiteral("eraseLibrary"));
    m_library->setHorizontalHeaderLabels({tr("On"), tr("Concept"), tr("Method"), tr("Weight"), tr("Time (s)"), tr("Size")});
    m_library->verticalHeader()->hide();
    m_library->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_library->setSelectionMode(QAbstractItemView::SingleSelection);
    m_library->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_library->setMinimumHeight(120);
    libv->addWidget(m_library);
    auto* eraseRow = new QHBoxLayout;
    m_word = new QLineEdit(libBox);
    m_word->setObjectName(QStringLiteral("eraseWord"));
    m_word->setPlaceholderText(tr("Concept word, e.g. sneaker"));
    m_method = new QComboBox(libBox);
    m_method->setObjectName(QStringLiteral("eraseMethod"));
    m_method->addItem(tr("UCE (closed form)"), QStringLiteral("uce"));
    m_method->addItem(tr("RECE (closed form, robust)"), QStringLiteral("rece"));
    m_method->addItem(tr("ESD (fine-tuning)"), QStringLiteral("esd"));
    m_method->addItem(tr("SPM (membrane)"), QStringLiteral("spm"));
    m_trainSteps = new QSpinBox(libBox);
    m_trainSteps->setRange(1, 5000);
    m_trainSteps->setValue(200);
    m_trainSteps->setToolTip(tr("Training steps of ESD and SPM"));
    m_erase = new QPushButton(tr("Erase concept…"), libBox);
    m_erase->setObjectName(QStringLiteral("eraseConcept"));
    eraseRow->addWidget(m_word, 2);
    eraseRow->addWidget(m_method, 1);
    eraseRow->addWidget(m_trainSteps);
    eraseRow->addWidget(m_erase);
    libv->addLayout(eraseRow);
    auto* libButtons = new QHBoxLayout;
    m_remove = new QPushButton(tr("Remove"), libBox);
    m_save = new QPushButton(tr("Save library…"), libBox);
    m_load = new QPushButton(tr("Load library…"), libBox);
    libButtons->addWidget(m_remove);
    libButtons->addStretch(1);
    libButtons->addWidget(m_save);
    libButtons->addWidget(m_load);
    libv->addLayout(libButtons);
    lv->addWidget(libBox);

    auto* attackBox = new QGroupBox(tr("Attack the selected concept"), left);
    auto* av = new QVBoxLayout(attackBox);
    auto* attackRow = new QHBoxLayout;
    m_attackKind = new QComboBox(attackBox);
    m_attackKind->addItem(tr("Closed-form (RECE derivation)"), QStringLiteral("closed-form"));
    m_attackKind->addItem(tr("Gradient (real training images)"), QStringLiteral("gradient"));
    m_attack = new QPushButton(tr("Attack"), attackBox);
    m_attack->setObjectName(QStringLiteral("eraseAttack"));
    attackRow->addWidget(m_attackKind, 1);
    attackRow->addWidget(m_attack);
    av->addLayout(attackRow);
    m_attackLabel = new QLabel(attackBox);
    m_attackLabel->setObjectName(QStringLiteral("eraseAttackResult"));
    m_attackLabel->setWordWrap(true);
    av->addWidget(m_attackLabel);
    m_attackStrip = new QWidget(attackBox);
    new QHBoxLayout(m_attackStrip);
    av->addWidget(m_attackStrip);
    lv->addWidget(attackBox);

    auto* statusRow = new QHBoxLayout;
    m_progress = new QProgressBar(left);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_cancel = new QPushButton(tr("Cancel"), left);
    m_cancel->setObjectName(QStringLiteral("eraseCancel"));
    statusRow->addWidget(m_progress, 1);
    statusRow->addWidget(m_cancel);
    lv->addLayout(statusRow);
    m_status = new QLabel(left);
    m_status->setObjectName(QStringLiteral("eraseStatus"));
    m_status->setWordWrap(true);
    lv->addWidget(m_status);
    lv->addStretch(1);

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

void EraseWorkbench::setStatus(const QString& message) {
    if (m_status) m_status->setText(message);
    Q_EMIT statusMessage(message);
}

QString EraseWorkbench::statusText() const { return m_status ? m_status->text() : QString(); }

void EraseWorkbench::cancel() {
    m_regenTimer->stop();
    for (quint64 id : {m_genJob, m_eraseJob, m_otherJob})
        if (id) m_engine->cancel(id);
}

void EraseWorkbench::setModelFolders(const QString& modelDir, const QString& classifierDir) {
    m_modelDir = modelDir;
    m_classifierDir = classifierDir;
    // The old session is dropped by its last job (value capture): nothing touches it here.
    m_session = std::make_shared<er::EraseSession>();
    m_concepts.clear();
    m_originalKey.clear();
    if (m_page) {
        QString why;
        m_modelLabel->setText(checkModel(&why) ? tr("Model: %1").arg(QDir::toNativeSeparators(m_modelDir)) : why);
        rebuildLibraryTable();
        updateButtons();
    }
}

bool EraseWorkbench::checkModel(QString* error) {
    auto fail = [&](const QString& m) {
        if (error) *error = m;
        return false;
    };
    if (m_modelDir.isEmpty())
        return fail(tr("The text-conditional model fmnist-text is not installed (searched %1). Train it with "
                       "reverie-cli train resources/recipes/fmnist-text.json, or install the package that ships it.")
                        .arg(qs([] {
                                 std::string s;
                                 for (const auto& p : reverie::zoo::searchPath(reverie::zoo::kTextGenerator))
                                     s += (s.empty() ? "" : ", ") + p;
                                 return s;
                             }())));
    if (!QFileInfo(m_modelDir).isDir()) return fail(tr("The model folder %1 does not exist.").arg(m_modelDir));
    if (m_classifierDir.isEmpty() || !QFileInfo(m_classifierDir).isDir())
        return fail(tr("The classifier fmnist-classifier that labels the images is not installed."));
    return true;
}

QStringList EraseWorkbench::defaultPrompts() const {
    // The erased concepts first (their own wording, then one held-out wording each, which keeps
    // the grid short), then one prompt for every other class.
    QStringList out;
    std::set<int> erased;
    for (const auto& c : m_concepts)
        if (c.cls >= 0) erased.insert(c.cls);
    for (int c : erased) {
        out << qs(er::text::erasePrompts(c).front());
        for (const auto& p : er::text::heldOutPrompts(c))
            if (!out.contains(qs(p))) {
                out << qs(p);
                break;
            }
    }
    for (int c = 0; c < er::text::kClasses; ++c)
        if (!erased.count(c)) out << qs(er::text::erasePrompts(c).front());
    return out;
}

QStringList EraseWorkbench::prompts() const {
    if (!m_prompts) return defaultPrompts();
    QStringList out;
    for (const auto& line : m_prompts->toPlainText().split(QLatin1Char('\n'))) {
        const QString t = line.trimmed();
        if (!t.isEmpty()) out << t;
    }
    return out;
}

void EraseWorkbench::setPrompts(const QStringList& prompts) {
    page();
    m_prompts->setPlainText(prompts.join(QLatin1Char('\n')));
}

void EraseWorkbench::setSeeds(int count, int first) {
    page();
    m_seedCount->setValue(count);
    m_firstSeed->setValue(first);
}

void EraseWorkbench::setSteps(int steps) {
    page();
    m_steps->setValue(steps);
}

std::vector<std::uint64_t> EraseWorkbench::seeds() const {
    std::vector<std::uint64_t> out;
    const int n = m_seedCount ? m_seedCount->value() : 2;
    const int first = m_firstSeed ? m_firstSeed->value() : 1;
    for (int i = 0; i < n; ++i) out.push_back(std::uint64_t(first) + std::uint64_t(i));
    return out;
}

QString EraseWorkbench::originalKey() const {
    return QStringList{m_modelDir, prompts().join(QLatin1Char('|')), QString::number(m_seedCount->value()),
                       QString::number(m_firstSeed->value()), QString::number(m_steps->value()),
                       QString::number(m_guidance->value())}
        .join(QLatin1Char('#'));
}

void EraseWorkbench::scheduleRegenerate() {
    if (!m_page || m_modelDir.isEmpty()) return;
    m_regenTimer->start();
}

bool EraseWorkbench::regenerate(QString* error) {
    page();
    m_regenTimer->stop();
    auto fail = [&](const QString& m) {
        if (error) *error = m;
        setStatus(m);
        return false;
    };
    if (!checkModel(error)) return fail(error ? *error : tr("No model."));
    const QStringList ps = prompts();
    if (ps.isEmpty()) return fail(tr("Type at least one prompt."));
    std::vector<std::string> promptList;
    for (const auto& p : ps) promptList.push_back(p.toStdString());
    const auto seedList = seeds();
    er::EraseGenerateOptions opt;
    opt.steps = m_steps->value();
    opt.guidance = m_guidance->value();
    opt.transport = m_transport->isChecked();
    opt.sldConcept = m_sld->currentData().toString().toStdString();
    const QString key = originalKey();
    const bool needOriginal = key != m_originalKey || m_original.size() != ps.size();
    const int request = ++m_genRequest;
    if (m_genJob) m_engine->cancel(m_genJob); // a newer request replaces the running one

    m_clock.start();
    m_progress->setRange(0, 0);
    setStatus(tr("Generating %1 prompts × %2 images…").arg(ps.size()).arg(seedList.size()));
    auto session = m_session;
    const auto state = m_concepts;
    const std::string modelDir = m_modelDir.toStdString(), classifierDir = m_classifierDir.toStdString();
    quint64 id = 0;
    auto future = m_engine->submit<GridOutcome>(
        tr("Erase: generating the grid"),
        [=](const reverie::JobContext& ctx) -> reverie::Result<GridOutcome> {
            if (auto ok = ensureOpen(*session, modelDir, classifierDir); !ok) return ok.error();
            applyState(*session, state);
            GridOutcome o;
            o.request = request;
            o.originalKey = key;
            if (needOriginal) {
                auto orig = opt;
                orig.original = true;
                orig.sldConcept.clear();
                auto r = session->generate(promptList, seedList, orig, ctx);
                if (!r) return r.error();
                o.hasOriginal = true;
                o.original = toImages(r.value().images);
                o.originalClass = toClasses(r.value().classes);
                o.nfe += r.value().nfe;
                o.seconds += r.value().seconds;
            }
            auto r = session->generate(promptList, seedList, opt, ctx);
            if (!r) return r.error();
            o.active = toImages(r.value().images);
            o.activeClass = toClasses(r.value().classes);
            o.nfe += r.value().nfe;
            o.seconds += r.value().seconds;
            if (*opt.transport) {
                for (const auto& p : promptList) {
                    auto g = session->permeability(p);
                    if (!g) return g.error();
                    QStringList parts;
                    for (const auto& m : g.value())
                        parts << QStringLiteral("%1 γ %2").arg(qs(m.name)).arg(m.gamma, 0, 'f', 2);
                    o.permeability.append(parts.join(QStringLiteral(" · ")));
                }
            }
            o.concepts = session->concepts();
            return o;
        },
        &id);
    m_genJob = id;
    updateButtons();
    future.then(this, [this, request](const JobOutcome<GridOutcome>& out) {
        if (request != m_genRequest) return; // a newer request took over
        m_genJob = 0;
        m_progress->setRange(0, 1);
        m_progress->setValue(out.ok() ? 1 : 0);
        QString message;
        if (out.ok()) {
            GridOutcome o = *out.value;
            if (o.hasOriginal) {
                m_original = o.original;
                m_originalClass = o.originalClass;
                m_originalKey = o.originalKey;
            }
            m_active = o.active;
            m_activeClass = o.activeClass;
            m_permeability = o.permeability;
            m_gridPrompts = prompts();
            ++m_gridUpdates;
            rebuildGrid();
            message = tr("Generated %1 prompts · NFE %2 · %3 s").arg(m_active.size()).arg(o.nfe).arg(o.seconds, 0, 'f', 1);
        } else if (out.status == JobStatus::Cancelled) {
            message = tr("Generation stopped (%1); the grid shown is kept.").arg(out.error);
        } else {
            message = tr("Could not generate: %1").arg(out.error);
        }
        setStatus(message);
        updateButtons();
        Q_EMIT gridFinished(out.status, message);
    });
    return true;
}

QImage EraseWorkbench::originalImage(int row, int column) const {
    if (row < 0 || row >= m_original.size() || column < 0 || column >= m_original[row].size()) return {};
    return m_original[row][column];
}

QImage EraseWorkbench::activeImage(int row, int column) const {
    if (row < 0 || row >= m_active.size() || column < 0 || column >= m_active[row].size()) return {};
    return m_active[row][column];
}

int EraseWorkbench::originalClass(int row, int column) const {
    if (row < 0 || row >= m_originalClass.size() || column < 0 || column >= m_originalClass[row].size()) return -1;
    return m_originalClass[row][column];
}

int EraseWorkbench::activeClass(int row, int column) const {
    if (row < 0 || row >= m_activeClass.size() || column < 0 || column >= m_activeClass[row].size()) return -1;
    return m_activeClass[row][column];
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

// ---- Library ----

void EraseWorkbench::setConcepts(const std::vector<er::EraseConceptInfo>& concepts) {
    // Keep the GUI's toggles and weights for concepts it already knows (they were sent along).
    std::vector<er::EraseConceptInfo> next = concepts;
    for (auto& c : next)
        for (const auto& old : m_concepts)
            if (old.name == c.name) {
                c.enabled = old.enabled;
                c.weight = old.weight;
            }
    m_concepts = next;
    rebuildLibraryTable();
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

QStringList EraseWorkbench::conceptNames() const {
    QStringList out;
    for (const auto& c : m_concepts) out << qs(c.name);
    return out;
}

bool EraseWorkbench::setConceptEnabled(const QString& name, bool enabled) {
    for (auto& c : m_concepts)
        if (qs(c.name) == name) {
            if (c.enabled == enabled) return true;
            c.enabled = enabled;
            syncRow(name);
            scheduleRegenerate();
            return true;
        }
    return false;
}

bool EraseWorkbench::setConceptWeight(const QString& name, double weight) {
    for (auto& c : m_concepts)
        if (qs(c.name) == name) {
            if (c.weight == weight) return true;
            c.weight = std::max(0.0, weight);
            syncRow(name);
            scheduleRegenerate();
            return true;
        }
    return false;
}

bool EraseWorkbench::removeConcept(const QString& name) {
    page();
    auto it = std::find_if(m_concepts.begin(), m_concepts.end(), [&](const auto& c) { return qs(c.name) == name; });
    if (it == m_concepts.end()) return false;
    m_concepts.erase(it);
    rebuildLibraryTable();
    auto session = m_session;
    const std::string n = name.toStdString();
    m_engine->submit<bool>(tr("Erase: removing a concept"),
                           [session, n](const reverie::JobContext&) -> reverie::Result<bool> {
                               if (!session->isOpen()) return true;
                               return session->remove(n);
                           });
    scheduleRegenerate();
    return true;
}

void EraseWorkbench::removeClicked() {
    const int r = m_library->currentRow();
    if (r < 0 || !m_library->item(r, 0)) return;
    removeConcept(m_library->item(r, 0)->data(Qt::UserRole).toString());
}

void EraseWorkbench::setTransport(bool on) {
    page();
    m_transport->setChecked(on);
}

void EraseWorkbench::updateButtons() {
    if (!m_page) return;
    const bool model = !m_modelDir.isEmpty() && QFileInfo(m_modelDir).isDir();
    const bool selected = m_library->currentRow() >= 0;
    m_generate->setEnabled(model);
    m_erase->setEnabled(model && m_eraseJob == 0);
    m_attack->setEnabled(model && selected && m_otherJob == 0);
    m_remove->setEnabled(selected && m_eraseJob == 0);
    m_save->setEnabled(model && !m_concepts.empty() && m_otherJob == 0);
    m_load->setEnabled(model && m_otherJob == 0);
    m_cancel->setEnabled(isBusy());
}

void EraseWorkbench::onProgress(const JobProgress& p) {
    if (!m_page || p.jobId == 0 || (p.jobId != m_genJob && p.jobId != m_eraseJob && p.jobId != m_otherJob)) return;
    if (p.total > 0) {
        m_progress->setRange(0, int(std::min<qint64>(p.total, INT_MAX)));
        m_progress->setValue(int(std::min(p.step, p.total)));
    }
    const double seconds = m_clock.isValid() ? m_clock.elapsed() / 1000.0 : 0.0;
    QString text = p.jobId == m_eraseJob ? tr("Erasing: step %1").arg(p.step) : tr("Step %1").arg(p.step);
    if (p.total > 0) text += tr(" of %1").arg(p.total);
    if (!p.message.isEmpty()) text += QStringLiteral(" · ") + p.message;
    const double loss = p.value(QStringLiteral("loss"));
    if (!qIsNaN(loss)) text += tr(" · loss %1").arg(loss, 0, 'g', 4);
    text += tr(" · %1 s").arg(seconds, 0, 'f', 1);
    m_status->setText(text);
}

void EraseWorkbench::eraseClicked() {
    QString error;
    if (!startErase(m_word->text(), m_method->currentData().toString(), &error))
        QMessageBox::warning(m_page, tr("Erase concept"), error);
}

bool EraseWorkbench::startErase(const QString& word, const QString& method, QString* error) {
    page();
    auto fail = [&](const QString& m) {
        if (error) *error = m;
        setStatus(m);
        return false;
    };
    if (!checkModel(error)) return fail(error ? *error : QString());
    if (m_eraseJob) return fail(tr("A concept is being erased; wait for it or cancel it."));
    // Wrong words are caught here, before anything is queued.
    if (auto c = er::EraseSession::resolveConcept(word.toStdString()); !c) return fail(qs(c.error().message));
    const bool defaultsShown = prompts() == defaultPrompts();
    m_word->setText(word);
    if (const int i = m_method->findData(method); i >= 0) m_method->setCurrentIndex(i);
    m_clock.start();
    m_progress->setRange(0, 0);
    setStatus(tr("Erasing '%1' with %2…").arg(word, method.toUpper()));
    auto session = m_session;
    const auto state = m_concepts;
    const std::string modelDir = m_modelDir.toStdString(), classifierDir = m_classifierDir.toStdString();
    const std::string w = word.toStdString(), m = method.toStdString();
    er::EraseConceptOptions eo;
    eo.trainSteps = m_trainSteps->value();
    eo.poolSteps = m_steps->value();
    using Out = std::pair<er::EraseConceptInfo, std::vector<er::EraseConceptInfo>>;
    quint64 id = 0;
    auto future = m_engine->submit<Out>(
        tr("Erase: erasing a concept"),
        [=](const reverie::JobContext& ctx) -> reverie::Result<Out> {
            if (auto ok = ensureOpen(*session, modelDir, classifierDir); !ok) return ok.error();
            applyState(*session, state);
            auto r = session->eraseConcept(w, m, eo, ctx);
            if (!r) return r.error();
            return Out{r.value(), session->concepts()};
        },
        &id);
    m_eraseJob = id;
    updateButtons();
    future.then(this, [this, defaultsShown, session](const JobOutcome<Out>& out) {
        m_eraseJob = 0;
        m_progress->setRange(0, 1);
        m_progress->setValue(out.ok() ? 1 : 0);
        QString message;
        if (session != m_session) {
            message = tr("The model changed while erasing; the result was dropped.");
        } else if (out.ok()) {
            setConcepts(out.value->second);
            const auto& info = out.value->first;
            message = tr("Erased %1 with %2 in %3 s").arg(className(info.cls), qs(info.method).toUpper())
                          .arg(info.seconds, 0, 'f', 2);
            if (defaultsShown) m_prompts->setPlainText(defaultPrompts().join(QLatin1Char('\n')));
            regenerate();
        } else if (out.status == JobStatus::Cancelled) {
            message = tr("Erasing stopped (%1); the library is as it was.").arg(out.error);
        } else {
            message = tr("Could not erase: %1").arg(out.error);
        }
        if (!out.ok() || session != m_session) setStatus(message);
        else Q_EMIT statusMessage(message);
        updateButtons();
        Q_EMIT eraseFinished(out.status, message);
    });
    return true;
}

// ---- Attack ----

void EraseWorkbench::attackClicked() {
    const int r = m_library->currentRow();
    if (r < 0 || !m_library->item(r, 0)) return;
    QString error;
    if (!startAttack(m_library->item(r, 0)->data(Qt::UserRole).toString(), m_attackKind->currentData().toString(),
                     &error))
        QMessageBox::warning(m_page, tr("Attack"), error);
}

bool EraseWorkbench::startAttack(const QString& name, const QString& kind, QString* error) {
    page();
    auto fail = [&](const QString& m) {
        if (error) *error = m;
        setStatus(m);
        return false;
    };
    if (!checkModel(error)) return fail(error ? *error : QString());
    if (m_otherJob) return fail(tr("Another library job is running; wait for it."));
    if (!conceptNames().contains(name)) return fail(tr("There is no erased concept '%1' to attack.").arg(name));
    if (const int i = m_attackKind->findData(kind); i >= 0) m_attackKind->setCurrentIndex(i);
    m_clock.start();
    m_progress->setRange(0, 0);
    setStatus(tr("Attacking %1 (%2)…").arg(name, kind));
    auto session = m_session;
    const auto state = m_concepts;
    const std::string modelDir = m_modelDir.toStdString(), classifierDir = m_classifierDir.toStdString();
    const std::string n = name.toStdString(), k = kind.toStdString();
    const auto seedList = seeds();
    const int steps = m_steps->value();
    const double guidance = m_guidance->value();
    using Out = std::pair<er::EraseAttackResult, QList<QImage>>;
    quint64 id = 0;
    auto future = m_engine->submit<Out>(
        tr("Erase: attacking a concept"),
        [=](const reverie::JobContext& ctx) -> reverie::Result<Out> {
            if (auto ok = ensureOpen(*session, modelDir, classifierDir); !ok) return ok.error();
            applyState(*session, state);
            std::vector<std::uint64_t> s = seedList;
            for (auto& v : s) v += 1000; // not the grid's noise
            while (s.size() < 4) s.push_back(s.back() + 1);
            auto r = session->attack(n, k, s, steps, guidance, ctx);
            if (!r) return r.error();
            QList<QImage> images;
            for (const auto& im : r.value().images) images.append(toQImage(im));
            return Out{r.value(), images};
        },
        &id);
    m_otherJob = id;
    updateButtons();
    future.then(this, [this, name, kind](const JobOutcome<Out>& out) {
        m_otherJob = 0;
        m_progress->setRange(0, 1);
        m_progress->setValue(out.ok() ? 1 : 0);
        QString message;
        if (out.ok()) {
            m_attackImages = out.value->second;
            m_attackClasses = QList<int>(out.value->first.classes.begin(), out.value->first.classes.end());
            m_attackSuccess = out.value->first.success;
            m_attackClass = out.value->first.cls;
            m_attackName = name;
            showAttack();
            message = tr("Attack (%1) on %2: %3% recognised as %4 · %5 s")
                          .arg(kind, name)
                          .arg(100 * m_attackSuccess, 0, 'f', 0)
                          .arg(className(m_attackClass))
                          .arg(out.value->first.seconds, 0, 'f', 1);
        } else if (out.status == JobStatus::Cancelled) {
            message = tr("Attack stopped (%1).").arg(out.error);
        } else {
            message = tr("Could not attack: %1").arg(out.error);
        }
        setStatus(message);
        updateButtons();
        Q_EMIT attackFinished(out.status, message);
    });
    return true;
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

// ---- Save / load ----

void EraseWorkbench::saveClicked() {
    const QString path = QFileDialog::getSaveFileName(m_page, tr("Save concept library"), QString(),
                                                      tr("Concept libraries (*.erase);;All files (*)"));
    if (path.isEmpty()) return;
    QString error;
    if (!saveLibrary(path, &error)) QMessageBox::warning(m_page, tr("Save library"), error);
}

void EraseWorkbench::loadClicked() {
    const QString path = QFileDialog::getOpenFileName(m_page, tr("Load concept library"), QString(),
                                                      tr("Concept libraries (*.erase);;All files (*)"));
    if (path.isEmpty()) return;
    QString error;
    if (!loadLibrary(path, &error)) QMessageBox::warning(m_page, tr("Load library"), error);
}

bool EraseWorkbench::saveLibrary(const QString& path, QString* error) {
    page();
    auto fail = [&](const QString& m) {
        if (error) *error = m;
        setStatus(m);
        return false;
    };
    if (!checkModel(error)) return fail(error ? *error : QString());
    if (m_otherJob) return fail(tr("Another library job is running; wait for it."));
    if (m_concepts.empty()) return fail(tr("The library is empty: erase a concept first."));
    auto session = m_session;
    const auto state = m_concepts;
    const std::string p = path.toStdString();
    quint64 id = 0;
    auto future = m_engine->submit<bool>(
        tr("Erase: saving the library"),
        [=](const reverie::JobContext&) -> reverie::Result<bool> {
            if (!session->isOpen()) return reverie::Result<bool>::invalid("no text model is open");
            applyState(*session, state);
            return session->saveLibrary(p);
        },
        &id);
    m_otherJob = id;
    updateButtons();
    future.then(this, [this, path](const JobOutcome<bool>& out) {
        m_otherJob = 0;
        const QString message = out.ok() ? tr("Saved the concept library to %1").arg(QDir::toNativeSeparators(path))
                                         : tr("Could not save the library: %1").arg(out.error);
        setStatus(message);
        updateButtons();
        Q_EMIT libraryFinished(out.status, message);
    });
    return true;
}

bool EraseWorkbench::loadLibrary(const QString& path, QString* error) {
    page();
    auto fail = [&](const QString& m) {
        if (error) *error = m;
        setStatus(m);
        return false;
    };
    if (!checkModel(error)) return fail(error ? *error : QString());
    if (m_otherJob || m_eraseJob) return fail(tr("A library job is running; wait for it."));
    auto session = m_session;
    const std::string modelDir = m_modelDir.toStdString(), classifierDir = m_classifierDir.toStdString();
    const std::string p = path.toStdString();
    using Out = std::vector<er::EraseConceptInfo>;
    quint64 id = 0;
    auto future = m_engine->submit<Out>(
        tr("Erase: loading a library"),
        [=](const reverie::JobContext&) -> reverie::Result<Out> {
            if (auto ok = ensureOpen(*session, modelDir, classifierDir); !ok) return ok.error();
            if (auto ok = session->loadLibrary(p); !ok) return ok.error();
            return session->concepts();
        },
        &id);
    m_otherJob = id;
    updateButtons();
    future.then(this, [this, path, session](const JobOutcome<Out>& out) {
        m_otherJob = 0;
        QString message;
        if (out.ok() && session == m_session) {
            m_concepts = *out.value; // the file's toggles and weights
            rebuildLibraryTable();
            message = tr("Loaded %1 concepts from %2").arg(m_concepts.size()).arg(QDir::toNativeSeparators(path));
            regenerate();
        } else {
            message = tr("Could not load the library (the current one is kept): %1").arg(out.error);
        }
        setStatus(message);
        updateButtons();
        Q_EMIT libraryFinished(out.ok() ? out.status : JobStatus::Failed, message);
    });
    return true;
}

} // namespace reverie::app
