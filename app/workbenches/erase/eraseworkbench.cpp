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

QVector<QVector<int>> toClasses(const std::vector<std::vector<int>>& classes) {
    QVector<QVector<int>> out;
    for (const auto& row : classes) out.append(QVector<int>(row.begin(), row.end()));
    return out;
}

} // namespace

/// What a generate job brings back.
struct EraseWorkbench::GridOutcome {
    bool hasOriginal = false;
    QString originalKey;
    QVector<QVector<QImage>> original, active;
    QVector<QVector<int>> originalClass, activeClass;
    QVector<QString> permeability;
    std::vector<er::EraseConceptInfo> concepts;
    qint64 nfe = 0;
    double seconds = 0;
};

EraseWorkbench::EraseWorkbench(Engine* engine, QObject* parent, const QString& outputDir)
    : Workbench(engine, parent), m_ui(std::make_unique<Ui::EraseForm>()), m_session(std::make_shared<er::EraseSession>()),
      m_gridJobs(addSlot()),
      m_eraseJobs(addSlot()), m_libraryJobs(addSlot()) {
    m_outputRoot =
        outputDir.isEmpty() ? QDir(QDir::tempPath()).filePath(QStringLiteral("reverie")) : outputDir;
    m_sd = new SdErasePage(addSlot(), m_outputRoot, this);
    connect(m_sd, &SdErasePage::statusMessage, this, &Workbench::statusMessage);
    m_modelDir = qs(reverie::models::zoo::find(reverie::models::zoo::kTextGenerator));
    m_classifierDir = qs(reverie::models::zoo::find(reverie::models::zoo::kClassifier));
    m_regenTimer = new QTimer(this);
    m_regenTimer->setSingleShot(true);
    m_regenTimer->setInterval(150);
    connect(m_regenTimer, &QTimer::timeout, this, [this] { regenerate(); });
    for (auto* slot : {m_gridJobs, m_eraseJobs, m_libraryJobs}) {
        connect(slot, &JobSlot::progress, this, &EraseWorkbench::onProgress);
        connect(slot, &JobSlot::started, this, [this, slot] { m_progressSlot = slot; });
        connect(slot, &JobSlot::busyChanged, this, &EraseWorkbench::updateButtons);
    }
}

EraseWorkbench::~EraseWorkbench() { Workbench::cancel(); }

bool EraseWorkbench::run(const RunRequest& request, QString* error) {
    if (request.argument.isEmpty()) {
        if (error) *error = tr("--run for Erase needs --run-arg with the concept word to erase.");
        return false;
    }
    if (!startErase(request.argument, QStringLiteral("rece"), error)) return false;
    // The workbench regenerates the grid after an erase: the run is done when that grid is.
    auto connection = std::make_shared<QMetaObject::Connection>();
    auto erased = std::make_shared<bool>(false);
    *connection = connect(this, &Workbench::jobFinished, this,
                          [this, connection, erased](const QString& kind, JobStatus status, const QString& message) {
                              if (kind == QLatin1String("erase")) {
                                  *erased = status == JobStatus::Succeeded;
                                  if (*erased) return;
                              } else if (kind != QLatin1String("grid") || !*erased) {
                                  return; // a grid of before the erase
                              }
                              disconnect(*connection);
                              Q_EMIT runFinished(status, message);
                          });
    return true;
}

bool EraseWorkbench::isGenerating() const { return m_gridJobs->isBusy(); }

bool EraseWorkbench::isErasing() const { return m_eraseJobs->isBusy(); }

void EraseWorkbench::setStatus(const QString& message) {
    if (m_status) m_status->setText(message);
    Q_EMIT statusMessage(message);
}

QString EraseWorkbench::statusText() const { return m_status ? m_status->text() : QString(); }

void EraseWorkbench::cancel() {
    m_regenTimer->stop();
    Workbench::cancel();
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
                                 for (const auto& p : reverie::models::zoo::searchPath(reverie::models::zoo::kTextGenerator))
                                     s += (s.empty() ? "" : ", ") + p;
                                 return s;
                             }())));
    if (!QFileInfo(m_modelDir).isDir()) return fail(tr("The model folder %1 does not exist.").arg(m_modelDir));
    if (m_classifierDir.isEmpty() || !QFileInfo(m_classifierDir).isDir())
        return fail(tr("The classifier fmnist-classifier that labels the images is not installed."));
    return true;
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
    m_progress->setRange(0, 0);
    setStatus(tr("Generating %1 prompts × %2 images…").arg(ps.size()).arg(seedList.size()));
    auto session = m_session;
    const auto state = m_concepts;
    const std::string modelDir = m_modelDir.toStdString(), classifierDir = m_classifierDir.toStdString();
    m_gridJobs->replace<GridOutcome>(
        QStringLiteral("grid"), tr("Erase: generating the grid"),
        [=](const reverie::JobContext& ctx) -> reverie::Result<GridOutcome> {
            if (auto ok = ensureOpen(*session, modelDir, classifierDir); !ok) return ok.error();
            applyState(*session, state);
            GridOutcome o;
            o.originalKey = key;
            if (needOriginal) {
                auto orig = opt;
                orig.original = true;
                orig.sldConcept.clear();
                auto r = session->generate(promptList, seedList, orig, ctx);
                if (!r) return r.error();
                o.hasOriginal = true;
                o.original = toQImages(r.value().images);
                o.originalClass = toClasses(r.value().classes);
                o.nfe += r.value().nfe;
                o.seconds += r.value().seconds;
            }
            auto r = session->generate(promptList, seedList, opt, ctx);
            if (!r) return r.error();
            o.active = toQImages(r.value().images);
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
        [this](const JobOutcome<GridOutcome>& out) {
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
            m_gridConcepts = o.concepts;
            ++m_gridUpdates;
            rebuildGrid();
            keepInHistory(int(o.nfe), o.seconds);
            message = tr("Generated %1 prompts · NFE %2 · %3 s").arg(m_active.size()).arg(o.nfe).arg(o.seconds, 0, 'f', 1);
        } else if (out.status == JobStatus::Cancelled) {
            message = tr("Generation stopped (%1); the grid shown is kept.").arg(out.error);
        } else {
            message = tr("Could not generate: %1").arg(out.error);
        }
        setStatus(message);
        updateButtons();
        return message;
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
    engine()->submit<bool>(tr("Erase: removing a concept"),
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
    const bool erasing = m_eraseJobs->isBusy(), library = m_libraryJobs->isBusy();
    m_erase->setEnabled(model && !erasing);
    m_attack->setEnabled(model && selected && !library);
    m_remove->setEnabled(selected && !erasing);
    m_save->setEnabled(model && !m_concepts.empty() && !library);
    m_load->setEnabled(model && !library);
    m_cancel->setEnabled(isBusy());
}

void EraseWorkbench::onProgress(const JobProgress& p) {
    if (!m_page) return;
    if (p.total > 0) {
        m_progress->setRange(0, int(std::min<qint64>(p.total, INT_MAX)));
        m_progress->setValue(int(std::min(p.step, p.total)));
    }
    const double seconds = m_progressSlot ? m_progressSlot->elapsed() : 0.0;
    QString text = m_eraseJobs->isBusy() && m_progressSlot == m_eraseJobs ? tr("Erasing: step %1").arg(p.step)
                                                                           : tr("Step %1").arg(p.step);
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
    if (m_eraseJobs->isBusy()) return fail(tr("A concept is being erased; wait for it or cancel it."));
    // Wrong words are caught here, before anything is queued.
    if (auto c = er::EraseSession::resolveConcept(word.toStdString()); !c) return fail(qs(c.error().message));
    const bool defaultsShown = prompts() == defaultPrompts();
    m_word->setText(word);
    if (const int i = m_method->findData(method); i >= 0) m_method->setCurrentIndex(i);
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
    m_eraseJobs->start<Out>(
        QStringLiteral("erase"), tr("Erase: erasing a concept"),
        [=](const reverie::JobContext& ctx) -> reverie::Result<Out> {
            if (auto ok = ensureOpen(*session, modelDir, classifierDir); !ok) return ok.error();
            applyState(*session, state);
            auto r = session->eraseConcept(w, m, eo, ctx);
            if (!r) return r.error();
            return Out{r.value(), session->concepts()};
        },
        [this, defaultsShown, session](const JobOutcome<Out>& out) {
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
        return message;
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
    if (m_libraryJobs->isBusy()) return fail(tr("Another library job is running; wait for it."));
    if (!conceptNames().contains(name)) return fail(tr("There is no erased concept '%1' to attack.").arg(name));
    if (const int i = m_attackKind->findData(kind); i >= 0) m_attackKind->setCurrentIndex(i);
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
    m_libraryJobs->start<Out>(
        QStringLiteral("attack"), tr("Erase: attacking a concept"),
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
        [this, name, kind](const JobOutcome<Out>& out) {
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
        return message;
    });
    return true;
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
    if (m_libraryJobs->isBusy()) return fail(tr("Another library job is running; wait for it."));
    if (m_concepts.empty()) return fail(tr("The library is empty: erase a concept first."));
    auto session = m_session;
    const auto state = m_concepts;
    const std::string p = path.toStdString();
    m_libraryJobs->start<bool>(
        QStringLiteral("save"), tr("Erase: saving the library"),
        [=](const reverie::JobContext&) -> reverie::Result<bool> {
            if (!session->isOpen()) return reverie::Result<bool>::invalid("no text model is open");
            applyState(*session, state);
            return session->saveLibrary(p);
        },
        [this, path](const JobOutcome<bool>& out) {
        const QString message = out.ok() ? tr("Saved the concept library to %1").arg(QDir::toNativeSeparators(path))
                                         : tr("Could not save the library: %1").arg(out.error);
        setStatus(message);
        updateButtons();
        return message;
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
    if (m_libraryJobs->isBusy() || m_eraseJobs->isBusy()) return fail(tr("A library job is running; wait for it."));
    auto session = m_session;
    const std::string modelDir = m_modelDir.toStdString(), classifierDir = m_classifierDir.toStdString();
    const std::string p = path.toStdString();
    using Out = std::vector<er::EraseConceptInfo>;
    m_libraryJobs->start<Out>(
        QStringLiteral("load"), tr("Erase: loading a library"),
        [=](const reverie::JobContext&) -> reverie::Result<Out> {
            if (auto ok = ensureOpen(*session, modelDir, classifierDir); !ok) return ok.error();
            if (auto ok = session->loadLibrary(p); !ok) return ok.error();
            return session->concepts();
        },
        [this, path, session](const JobOutcome<Out>& out) {
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
        return message;
    });
    return true;
}

} // namespace reverie::app
