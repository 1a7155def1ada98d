#include "workbenches/generateworkbench.h"

#include "generate/zoo.h"
#include "imagesettings.h"
#include "train/job.h"

#include "seriesplot.h"
#include "workbenches/sweeppanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>

namespace reverie::app {
namespace {

namespace gen = reverie::generate;

/// The samplers checked by default in the Sweep tab: one of each family.
bool sweptByDefault(const std::string& id) {
    return id == "em" || id == "ode-euler" || id == "dpmpp-2m" || id == "edm-heun";
}

/// The Fashion-MNIST class names, index = label. Hard-coded here because core's data header pulls
/// in ATen, which the GUI never includes.
QStringList classNames() {
    return {GenerateWorkbench::tr("T-shirt/top"), GenerateWorkbench::tr("Trouser"), GenerateWorkbench::tr("Pullover"),
            GenerateWorkbench::tr("Dress"),       GenerateWorkbench::tr("Coat"),    GenerateWorkbench::tr("Sandal"),
            GenerateWorkbench::tr("Shirt"),       GenerateWorkbench::tr("Sneaker"), GenerateWorkbench::tr("Bag"),
            GenerateWorkbench::tr("Ankle boot")};
}

} // namespace

GenerateWorkbench::GenerateWorkbench(Engine* engine, QString outputDir, QObject* parent)
    : Workbench(parent), m_engine(engine), m_outputRoot(std::move(outputDir)) {
    m_extras.modelDir = reverie::zoo::find(reverie::zoo::kGenerator);
    connect(m_engine, &Engine::jobProgress, this, &GenerateWorkbench::onProgress);
}

QList<QPair<QString, QString>> GenerateWorkbench::builtinRecipes() {
    QList<QPair<QString, QString>> out;
    QDirIterator it(QStringLiteral(":/recipes"), {QStringLiteral("*.json")});
    QStringList paths;
    while (it.hasNext()) paths << it.next();
    paths.sort();
    for (const auto& path : paths) {
        QFile f(path);
        if (f.open(QIODevice::ReadOnly)) out.append({QFileInfo(path).completeBaseName(), QString::fromUtf8(f.readAll())});
    }
    return out;
}

QWidget* GenerateWorkbench::page() {
    if (m_page) return m_page;
    m_page = new QWidget;
    m_page->setObjectName(QStringLiteral("generatePage"));
    auto* layout = new QVBoxLayout(m_page);
    layout->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Generate")), m_page));
    m_tabs = new QTabWidget(m_page);
    m_tabs->setObjectName(QStringLiteral("generateTabs"));
    m_tabs->addTab(buildSampleTab(), tr("Sample"));
    m_tabs->addTab(buildSweepTab(), tr("Sweep"));
    m_tabs->addTab(buildTrainTab(), tr("Train"));
    layout->addWidget(m_tabs, 1);
    setBusy(Kind::None);
    return m_page;
}

// ---- Sample tab ----

QWidget* GenerateWorkbench::buildSampleTab() {
    auto* tab = new QWidget;
    tab->setObjectName(QStringLiteral("sampleTab"));
    auto* row = new QHBoxLayout(tab);
    auto* left = new QVBoxLayout;
    row->addLayout(left, 0);

    auto* box = new QGroupBox(tr("Sampling"), tab);
    auto* form = new QFormLayout(box);
    m_modelDir = addModelFolderRow(form, box, m_page);
    m_modelDir->setText(qs(m_extras.modelDir));

    m_sde = new QComboBox(box);
    m_sde->setObjectName(QStringLiteral("sde"));
    m_sde->addItem(tr("VE (variance exploding)"), QStringLiteral("ve"));
    m_sde->addItem(tr("VP (variance preserving)"), QStringLiteral("vp"));
    m_sde->addItem(tr("sub-VP"), QStringLiteral("subvp"));
    m_sde->setToolTip(tr("The same weights serve every SDE by exact rescaling."));
    form->addRow(tr("SDE:"), m_sde);

    m_sampler = new QComboBox(box);
    m_sampler->setObjectName(QStringLiteral("sampler"));
    for (const auto& s : gen::samplers()) {
        m_sampler->addItem(qs(s.label), qs(s.id));
        m_sampler->setItemData(m_sampler->count() - 1, qs(s.nfeRule), Qt::ToolTipRole);
    }
    form->addRow(tr("Sampler:"), m_sampler);

    m_nfe = new QSpinBox(box);
    m_nfe->setObjectName(QStringLiteral("nfe"));
    m_nfe->setRange(1, 1000);
    m_nfe->setValue(20);
    m_nfe->setToolTip(tr("Network evaluations the sampler may spend"));
    m_nfeHint = new QLabel(box);
    m_nfeHint->setObjectName(QStringLiteral("nfeHint"));
    auto* nfeRow = new QHBoxLayout;
    nfeRow->addWidget(m_nfe);
    nfeRow->addWidget(m_nfeHint, 1);
    form->addRow(tr("NFE:"), nfeRow);

    m_guidance = new QDoubleSpinBox(box);
    m_guidance->setObjectName(QStringLiteral("guidance"));
    m_guidance->setRange(0.0, 10.0);
    m_guidance->setSingleStep(0.5);
    m_guidance->setDecimals(2);
    m_guidance->setValue(1.0);
    m_guidance->setToolTip(tr("Classifier-free guidance w: 0 = unconditional, 1 = conditional model, above 1 = stronger"));
    form->addRow(tr("Guidance:"), m_guidance);

    m_label = new QComboBox(box);
    m_label->setObjectName(QStringLiteral("classLabel"));
    m_label->addItem(tr("All classes (item i → class i mod 10)"), -1);
    const QStringList names = classNames();
    for (int i = 0; i < names.size(); ++i) m_label->addItem(names[i], i);
    form->addRow(tr("Class:"), m_label);

    m_seed = new QSpinBox(box);
    m_seed->setObjectName(QStringLiteral("seed"));
    m_seed->setRange(0, INT_MAX);
    m_seed->setToolTip(tr("Item i uses seed + i, so an item is the same whatever the batch"));
    form->addRow(tr("Seed:"), m_seed);

    m_batch = new QSpinBox(box);
    m_batch->setObjectName(QStringLiteral("batch"));
    m_batch->setRange(1, 256);
    m_batch->setValue(16);
    form->addRow(tr("Samples:"), m_batch);
    left->addWidget(box);

    auto* runRow = new QHBoxLayout;
    m_generate = new QPushButton(tr("Generate"), tab);
    m_generate->setObjectName(QStringLiteral("generate"));
    m_generate->setDefault(true);
    m_cancelSample = new QPushButton(tr("Cancel"), tab);
    m_cancelSample->setObjectName(QStringLiteral("cancelSampling"));
    runRow->addWidget(m_generate);
    runRow->addWidget(m_cancelSample);
    runRow->addStretch(1);
    left->addLayout(runRow);
    auto* fileRow = new QHBoxLayout;
    m_save = new QPushButton(tr("Save PNG…"), tab);
    m_save->setObjectName(QStringLiteral("saveResult"));
    m_save->setEnabled(false);
    m_load = new QPushButton(tr("Load settings from PNG…"), tab);
    m_load->setObjectName(QStringLiteral("loadSettings"));
    fileRow->addWidget(m_save);
    fileRow->addWidget(m_load);
    fileRow->addStretch(1);
    left->addLayout(fileRow);

    auto* likeBox = new QGroupBox(tr("Likelihood"), tab);
    auto* likeLayout = new QVBoxLayout(likeBox);
    auto* likeRow = new QHBoxLayout;
    m_likelihoodCount = new QSpinBox(likeBox);
    m_likelihoodCount->setObjectName(QStringLiteral("likelihoodCount"));
    m_likelihoodCount->setRange(1, 10000);
    m_likelihoodCount->setValue(16);
    m_likelihoodCount->setSuffix(tr(" images"));
    m_likelihood = new QPushButton(tr("Bits/dim of test images…"), likeBox);
    m_likelihood->setObjectName(QStringLiteral("likelihood"));
    m_likelihood->setToolTip(tr("Probability-flow ODE likelihood of the first test images, with the model folder and "
                                "SDE above"));
    likeRow->addWidget(m_likelihoodCount);
    likeRow->addWidget(m_likelihood);
    likeRow->addStretch(1);
    likeLayout->addLayout(likeRow);
    m_likelihoodStatus = new QLabel(tr("Not measured."), likeBox);
    m_likelihoodStatus->setObjectName(QStringLiteral("likelihoodStatus"));
    m_likelihoodStatus->setWordWrap(true);
    m_likelihoodStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    likeLayout->addWidget(m_likelihoodStatus);
    left->addWidget(likeBox);
    left->addStretch(1);

    auto* right = new QVBoxLayout;
    row->addLayout(right, 1);
    m_preview = new QLabel(tab);
    m_preview->setObjectName(QStringLiteral("samplePreview"));
    m_preview->setAlignment(Qt::AlignCenter);
    m_preview->setMinimumSize(420, 420);
    // The pixmap is sized to the label, never the label to the pixmap.
    m_preview->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
    m_preview->setFrameShape(QFrame::StyledPanel);
    m_preview->setText(tr("Samples appear here: while sampling, x_t (left) and the denoiser's estimate x̂_0 "
                          "(right) at every step."));
    m_preview->setWordWrap(true);
    right->addWidget(m_preview, 1);
    m_sampleStatus = new QLabel(tr("Choose settings and press Generate."), tab);
    m_sampleStatus->setObjectName(QStringLiteral("sampleStatus"));
    m_sampleStatus->setWordWrap(true);
    m_sampleStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    right->addWidget(m_sampleStatus);

    connect(m_sampler, &QComboBox::currentIndexChanged, this, &GenerateWorkbench::updateNfeHint);
    connect(m_nfe, &QSpinBox::valueChanged, this, &GenerateWorkbench::updateNfeHint);
    connect(m_generate, &QPushButton::clicked, this, &GenerateWorkbench::generateClicked);
    connect(m_cancelSample, &QPushButton::clicked, this, &GenerateWorkbench::cancel);
    connect(m_save, &QPushButton::clicked, this, &GenerateWorkbench::saveClicked);
    connect(m_load, &QPushButton::clicked, this, &GenerateWorkbench::loadClicked);
    connect(m_likelihood, &QPushButton::clicked, this, &GenerateWorkbench::likelihoodClicked);
    applyParams(m_extras);
    return tab;
}

void GenerateWorkbench::updateNfeHint() {
    const std::string id = m_sampler->currentData().toString().toStdString();
    const auto& list = gen::samplers();
    const auto it = std::find_if(list.begin(), list.end(), [&](const gen::SamplerInfo& s) { return s.id == id; });
    if (it == list.end()) {
        m_nfeHint->clear();
        return;
    }
    m_sampler->setToolTip(qs(it->nfeRule));
    if (it->adaptive)
        m_nfeHint->setText(tr("adaptive (%1)").arg(qs(it->nfeRule)));
    else
        m_nfeHint->setText(tr("→ %1 steps (%2)").arg(gen::stepsForNfe(id, m_nfe->value())).arg(qs(it->nfeRule)));
}

gen::GenerateParams GenerateWorkbench::currentParams() const {
    gen::GenerateParams p = m_extras;
    if (!m_page) return p;
    p.modelDir = QDir::fromNativeSeparators(m_modelDir->text().trimmed()).toStdString();
    p.sde = m_sde->currentData().toString().toStdString();
    p.sampler = m_sampler->currentData().toString().toStdString();
    p.nfe = m_nfe->value();
    p.guidance = m_guidance->value();
    p.label = m_label->currentData().toInt();
    p.seed = std::uint64_t(m_seed->value());
    p.batch = m_batch->value();
    return p;
}

void GenerateWorkbench::applyParams(const gen::GenerateParams& p) {
    m_extras = p; // keeps the settings without a control (η, churn, RK45 tolerance, DLG's estimator, previews)
    if (!m_page) page();
    m_modelDir->setText(QDir::toNativeSeparators(qs(p.modelDir)));
    if (const int i = m_sde->findData(qs(p.sde)); i >= 0) m_sde->setCurrentIndex(i);
    if (const int i = m_sampler->findData(qs(p.sampler)); i >= 0) m_sampler->setCurrentIndex(i);
    m_nfe->setValue(p.nfe);
    m_guidance->setValue(p.guidance);
    if (const int i = m_label->findData(p.label); i >= 0) m_label->setCurrentIndex(i);
    m_seed->setValue(int(std::min<std::uint64_t>(p.seed, std::uint64_t(INT_MAX))));
    m_batch->setValue(p.batch);
    updateNfeHint();
}

bool GenerateWorkbench::refuseWhenBusy(QString* error) const {
    if (m_jobId == 0) return false;
    if (error) *error = tr("Another job of this workbench is running; wait for it or cancel it.");
    return true;
}

void GenerateWorkbench::finishJob(QLabel* status, const QString& message) {
    m_jobId = 0;
    setBusy(Kind::None);
    status->setText(message);
    Q_EMIT statusMessage(message);
}

void GenerateWorkbench::generateClicked() {
    QString error;
    if (!startSampling(currentParams(), &error)) QMessageBox::warning(m_page, tr("Generate"), error);
}

bool GenerateWorkbench::startSampling(const gen::GenerateParams& p, QString* error) {
    page();
    QString why;
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        m_sampleStatus->setText(message);
        Q_EMIT statusMessage(message);
        return false;
    };
    if (refuseWhenBusy(&why)) {
        if (error) *error = why;
        return false;
    }
    if (const auto v = gen::validate(p); !v) return fail(tr("Invalid settings: %1").arg(qs(v.error().message)));
    const QString dir = qs(p.modelDir);
    if (dir.isEmpty()) {
        QStringList searched;
        for (const auto& s : reverie::zoo::searchPath(reverie::zoo::kGenerator)) searched << qs(s);
        return fail(tr("The built-in generator was not found (searched %1). Choose a model folder.")
                        .arg(searched.join(QStringLiteral(", "))));
    }
    if (!QFileInfo(dir).isDir()) return fail(tr("The model folder %1 does not exist.").arg(dir));

    applyParams(p); // the controls show what runs
    m_runParams = p;
    m_previews = 0;
    m_clock.start();
    m_sampleStatus->setText(tr("Starting %1 with %2 NFE…").arg(qs(p.sampler)).arg(p.nfe));
    setBusy(Kind::Sample);
    quint64 id = 0;
    auto future = m_engine->submit<gen::GenerateResult>(
        tr("Sampling %1 × %2").arg(p.batch).arg(qs(p.sampler)),
        [p](const reverie::JobContext& ctx) { return gen::runGenerate(p, ctx); }, &id);
    m_jobId = id;
    future.then(this, [this](const JobOutcome<gen::GenerateResult>& out) {
        QString message;
        if (out.ok()) {
            const auto& r = *out.value;
            m_result = toQImage(r.grid);
            m_resultParams = m_runParams;
            m_resultStats = gen::GenerateResult{};
            m_resultStats.nfe = r.nfe;
            m_resultStats.steps = r.steps;
            m_resultStats.seconds = r.seconds;
            showPixelImage(m_preview, m_result);
            m_preview->setToolTip(tr("%1 · %2 · seed %3").arg(qs(m_runParams.sampler), qs(m_runParams.sde)).arg(qulonglong(m_runParams.seed)));
            message = tr("%1 samples · NFE %2 · steps %3 · %4 s")
                          .arg(qsizetype(r.items.size()))
                          .arg(r.nfe)
                          .arg(r.steps)
                          .arg(r.seconds, 0, 'f', 2);
        } else {
            message = out.status == JobStatus::Cancelled ? tr("Sampling stopped: %1").arg(out.error)
                                                          : tr("Sampling failed: %1").arg(out.error);
        }
        finishJob(m_sampleStatus, message);
        Q_EMIT samplingFinished(out.status, message);
    });
    return true;
}

void GenerateWorkbench::onSampleProgress(const JobProgress& p) {
    if (!p.preview.isNull()) {
        ++m_previews;
        showPixelImage(m_preview, p.preview);
    }
    m_sampleStatus->setText(tr("Step %1 of %2 · NFE %3 · %4 s").arg(p.step).arg(p.total).arg(p.nfe).arg(
        m_clock.elapsed() / 1000.0, 0, 'f', 1));
}

QString GenerateWorkbench::sampleStatusText() const { return m_sampleStatus ? m_sampleStatus->text() : QString(); }

bool GenerateWorkbench::saveResult(const QString& path, QString* error) {
    if (m_result.isNull()) {
        if (error) *error = tr("There is no result to save yet: press Generate first.");
        return false;
    }
    const auto& p = m_resultParams;
    QJsonObject s;
    s[QStringLiteral("workbench")] = QStringLiteral("generate");
    s[QStringLiteral("model_dir")] = qs(p.modelDir);
    s[QStringLiteral("sde")] = qs(p.sde);
    s[QStringLiteral("sampler")] = qs(p.sampler);
    s[QStringLiteral("nfe")] = p.nfe;
    s[QStringLiteral("guidance")] = p.guidance;
    s[QStringLiteral("label")] = p.label;
    s[QStringLiteral("seed")] = QString::number(p.seed); // a string: JSON numbers lose 64-bit seeds
    s[QStringLiteral("batch")] = p.batch;
    s[QStringLiteral("eta")] = p.eta;
    s[QStringLiteral("churn")] = p.churn;
    s[QStringLiteral("rk45_tolerance")] = p.rk45Tolerance;
    if (p.sampler == "dlg") s[QStringLiteral("noise_estimator")] = qs(p.noiseEstimator);
    s[QStringLiteral("measured_nfe")] = double(m_resultStats.nfe);
    s[QStringLiteral("steps")] = m_resultStats.steps;
    s[QStringLiteral("seconds")] = m_resultStats.seconds;
    return savePngWithSettings(m_result, s, path, error);
}

bool GenerateWorkbench::loadSettings(const QString& path, QString* error) {
    page();
    QString why;
    const auto s = readPngSettings(path, &why);
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        return false;
    };
    if (!s) return fail(why);
    if (!s->contains(QStringLiteral("sampler")) || !s->contains(QStringLiteral("nfe")))
        return fail(tr("%1 carries no sampling settings.").arg(path));
    gen::GenerateParams p = currentParams();
    auto str = [&](const char* key, std::string& field) {
        if (s->contains(QLatin1String(key))) field = s->value(QLatin1String(key)).toString().toStdString();
    };
    auto integer = [&](const char* key, int& field) {
        if (s->contains(QLatin1String(key))) field = s->value(QLatin1String(key)).toInt(field);
    };
    auto real = [&](const char* key, double& field) {
        if (s->contains(QLatin1String(key))) field = s->value(QLatin1String(key)).toDouble(field);
    };
    str("model_dir", p.modelDir);
    str("sde", p.sde);
    str("sampler", p.sampler);
    integer("nfe", p.nfe);
    real("guidance", p.guidance);
    integer("label", p.label);
    integer("batch", p.batch);
    real("eta", p.eta);
    real("churn", p.churn);
    real("rk45_tolerance", p.rk45Tolerance);
    str("noise_estimator", p.noiseEstimator);
    readSeed(*s, p.seed);
    if (const auto v = gen::validate(p); !v)
        return fail(tr("%1 holds settings this version cannot use: %2").arg(path, qs(v.error().message)));
    applyParams(p);
    const QString message = tr("Settings loaded from %1.").arg(QFileInfo(path).fileName());
    m_sampleStatus->setText(message);
    Q_EMIT statusMessage(message);
    return true;
}

void GenerateWorkbench::saveClicked() {
    const QString suggested = QDir(m_outputRoot).filePath(
        QStringLiteral("%1-%2-nfe%3-seed%4.png").arg(qs(m_resultParams.sampler), qs(m_resultParams.sde)).arg(m_resultParams.nfe).arg(qulonglong(m_resultParams.seed)));
    const QString path = QFileDialog::getSaveFileName(m_page, tr("Save PNG"), suggested, tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    QString error;
    if (!saveResult(path, &error)) {
        QMessageBox::warning(m_page, tr("Save PNG"), error);
        return;
    }
    const QString message = tr("Saved %1.").arg(path);
    m_sampleStatus->setText(message);
    Q_EMIT statusMessage(message);
}

void GenerateWorkbench::loadClicked() {
    const QString path =
        QFileDialog::getOpenFileName(m_page, tr("Load settings from PNG"), m_outputRoot, tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    QString error;
    if (!loadSettings(path, &error)) QMessageBox::warning(m_page, tr("Load settings from PNG"), error);
}

// ---- Likelihood ----

void GenerateWorkbench::likelihoodClicked() {
    QString error;
    if (!startLikelihood(m_likelihoodCount->value(), &error)) QMessageBox::warning(m_page, tr("Bits/dim"), error);
}

bool GenerateWorkbench::startLikelihood(int count, QString* error) {
    page();
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        m_likelihoodStatus->setText(message);
        Q_EMIT statusMessage(message);
        return false;
    };
    QString why;
    if (refuseWhenBusy(&why)) {
        if (error) *error = why;
        return false;
    }
    const auto current = currentParams();
    gen::LikelihoodParams lp;
    lp.modelDir = current.modelDir;
    lp.sde = current.sde;
    lp.count = count;
    lp.batch = std::min(count, 16);
    if (lp.modelDir.empty()) return fail(tr("Choose a model folder first."));
    if (!QFileInfo(qs(lp.modelDir)).isDir()) return fail(tr("The model folder %1 does not exist.").arg(qs(lp.modelDir)));
    m_likelihoodStatus->setText(tr("Measuring bits/dim of %1 test images…").arg(count));
    setBusy(Kind::Likelihood);
    quint64 id = 0;
    auto future = m_engine->submit<gen::LikelihoodResult>(
        tr("Bits/dim of %1 test images").arg(count),
        [lp](const reverie::JobContext& ctx) { return gen::runLikelihood(lp, ctx); }, &id);
    m_jobId = id;
    future.then(this, [this](const JobOutcome<gen::LikelihoodResult>& out) {
        QString message;
        if (out.ok()) {
            const auto& r = *out.value;
            message = tr("bits/dim %1 ± %2 over %3 test images (NFE %4 per image, %5 s)")
                          .arg(r.bpd, 0, 'f', 3)
                          .arg(r.bpdStdErr, 0, 'f', 3)
                          .arg(r.images)
                          .arg(r.nfe)
                          .arg(r.seconds, 0, 'f', 1);
        } else {
            message = out.status == JobStatus::Cancelled ? tr("Bits/dim stopped: %1").arg(out.error)
                                                          : tr("Bits/dim failed: %1").arg(out.error);
        }
        finishJob(m_likelihoodStatus, message);
        Q_EMIT likelihoodFinished(out.status, message);
    });
    return true;
}

QString GenerateWorkbench::likelihoodText() const { return m_likelihoodStatus ? m_likelihoodStatus->text() : QString(); }

// ---- Sweep tab ----

QWidget* GenerateWorkbench::buildSweepTab() {
    SweepPanel::Spec spec;
    for (const auto& s : gen::samplers())
        spec.samplers.append({qs(s.id), qs(s.label), QStringLiteral("%1 · %2").arg(qs(s.id), qs(s.nfeRule)),
                              sweptByDefault(s.id)});
    spec.nfes = QStringLiteral("10, 20, 50");
    spec.nfesToolTip = tr("NFE budgets, separated by commas");
    spec.countName = QStringLiteral("sweepSamples");
    spec.countLabel = tr("Samples per point:");
    spec.countMin = 2;
    spec.countValue = 64;
    spec.note = tr("Model folder, SDE, guidance and seed come from the Sample tab. Each point is scored "
                   "by its Fréchet distance (FD) to the 10 000 test images in the shipped classifier's "
                   "features; lower is better.");
    spec.columns = {tr("Sampler"), tr("NFE"), tr("FD"), tr("Seconds"), tr("Peak MiB"), tr("Confident %")};
    m_sweep = std::make_unique<SweepPanel>(spec);
    QWidget* tab = m_sweep->tab;
    m_sweepPreview = new QLabel(tab);
    m_sweepPreview->setObjectName(QStringLiteral("sweepPreview"));
    m_sweepPreview->setAlignment(Qt::AlignCenter);
    m_sweepPreview->setMinimumSize(240, 240);
    m_sweepPreview->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_sweep->left->addWidget(m_sweepPreview);

    m_sweepPlot = new widgets::SeriesPlot(tab);
    m_sweepPlot->setObjectName(QStringLiteral("sweepPlot"));
    m_sweepPlot->setAxisLabels(tr("NFE"), tr("FD (lower is better)"));
    m_sweepPlot->setLogY(true);
    m_sweep->right->addWidget(m_sweepPlot, 3);
    m_sweep->finish();

    connect(m_sweep->start, &QPushButton::clicked, this, &GenerateWorkbench::sweepClicked);
    connect(m_sweep->cancel, &QPushButton::clicked, this, &GenerateWorkbench::cancel);
    return tab;
}

void GenerateWorkbench::sweepClicked() {
    gen::SweepParams sp;
    sp.base = currentParams();
    sp.base.previews = false;
    sp.samplerIds = m_sweep->checkedSamplers();
    QString error, bad;
    if (auto nfes = parseNfeList(m_sweep->nfes->text(), 100000, &bad))
        sp.nfes = std::move(*nfes);
    else
        error = tr("'%1' is not an NFE value (a whole number from 1 to 100000).").arg(bad);
    sp.samples = m_sweep->count->value();
    sp.eval = gen::EvalSet{reverie::zoo::find(reverie::zoo::kClassifier), ""};
    if (error.isEmpty() && startSweep(sp, &error)) return;
    m_sweep->reportError(m_page, error);
}

bool GenerateWorkbench::startSweep(const gen::SweepParams& params, QString* error) {
    page();
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        m_sweep->status->setText(message);
        Q_EMIT statusMessage(message);
        return false;
    };
    QString why;
    if (refuseWhenBusy(&why)) {
        if (error) *error = why;
        return false;
    }
    gen::SweepParams sp = params;
    if (sp.eval.classifierDir.empty()) sp.eval.classifierDir = reverie::zoo::find(reverie::zoo::kClassifier);
    if (sp.samplerIds.empty()) return fail(tr("Check at least one sampler."));
    if (sp.nfes.empty()) return fail(tr("Give at least one NFE value."));
    if (sp.samples < 2) return fail(tr("A sweep point needs at least 2 samples."));
    for (const auto& id : sp.samplerIds)
        for (const int n : sp.nfes) {
            gen::GenerateParams q = sp.base;
            q.sampler = id;
            q.nfe = n;
            if (const auto v = gen::validate(q); !v) return fail(tr("Invalid settings: %1").arg(qs(v.error().message)));
        }
    if (sp.base.modelDir.empty() || !QFileInfo(qs(sp.base.modelDir)).isDir())
        return fail(tr("The model folder %1 does not exist.").arg(qs(sp.base.modelDir)));
    if (sp.eval.classifierDir.empty())
        return fail(tr("The shipped classifier (%1) was not found; the sweep needs it for the FD.")
                        .arg(QString::fromLatin1(reverie::zoo::kClassifier)));

    m_sweepPlot->clear();
    m_sweepPreview->clear();
    const int points = int(sp.samplerIds.size() * sp.nfes.size());
    m_sweep->begin(points, tr("Sweeping %1 points of %2 samples…").arg(points).arg(sp.samples));
    m_clock.start();
    setBusy(Kind::Sweep);
    quint64 id = 0;
    auto future = m_engine->submit<std::vector<gen::SweepPoint>>(
        tr("Sweep of %1 points").arg(points),
        [sp](const reverie::JobContext& ctx) { return gen::runSweep(sp, ctx); }, &id);
    m_jobId = id;
    future.then(this, [this](const JobOutcome<std::vector<gen::SweepPoint>>& out) {
        if (out.ok()) {
            // The returned points are authoritative: redraw from them.
            m_sweepPlot->clear();
            m_sweep->table->setRowCount(0);
            for (const auto& pt : *out.value) {
                JobProgress p;
                p.message = qs(pt.sampler);
                p.values = {{QStringLiteral("nfe"), double(pt.nfe)},     {QStringLiteral("fd"), pt.fd},
                            {QStringLiteral("seconds"), pt.seconds},     {QStringLiteral("peak_mib"), pt.peakMiB},
                            {QStringLiteral("confident"), pt.confident}};
                onSweepProgress(p);
            }
        }
        const QString message = SweepPanel::outcomeMessage(out.ok(), out.status, out.error,
                                                           out.ok() ? qsizetype(out.value->size()) : 0,
                                                           m_clock.elapsed() / 1000.0);
        finishJob(m_sweep->status, message);
        Q_EMIT sweepFinished(out.status, message);
    });
    return true;
}

void GenerateWorkbench::onSweepProgress(const JobProgress& p) {
    const double fd = p.value(QStringLiteral("fd"));
    if (std::isnan(fd)) return; // not a finished point
    const double nfe = p.value(QStringLiteral("nfe"), double(p.nfe));
    m_sweepPlot->addPoint(p.message, nfe, fd);
    QString tip;
    for (const auto& s : gen::samplers())
        if (qs(s.id) == p.message) tip = qs(s.label);
    m_sweep->addRow({p.message, QString::number(qint64(nfe)), QString::number(fd, 'f', 2),
                     QString::number(p.value(QStringLiteral("seconds")), 'f', 2),
                     QString::number(p.value(QStringLiteral("peak_mib")), 'f', 1),
                     QString::number(100.0 * p.value(QStringLiteral("confident")), 'f', 1)},
                    tip);
    if (p.total > 0)
        m_sweep->showPoint(p.step, tr("Point %1 of %2: %3 at NFE %4, FD %5")
                                       .arg(p.step)
                                       .arg(p.total)
                                       .arg(p.message)
                                       .arg(qint64(nfe))
                                       .arg(fd, 0, 'f', 2));
    if (!p.preview.isNull()) showPixelImage(m_sweepPreview, p.preview);
}

int GenerateWorkbench::sweepRows() const { return m_sweep ? m_sweep->rows() : 0; }

QString GenerateWorkbench::sweepCell(int row, int column) const { return m_sweep ? m_sweep->cellText(row, column) : QString(); }

// ---- Train tab ----

QWidget* GenerateWorkbench::buildTrainTab() {
    auto* tab = new QWidget;
    tab->setObjectName(QStringLiteral("trainTab"));
    auto* layout = new QVBoxLayout(tab);
    auto* box = new QGroupBox(tr("Train a built-in model"), tab);
    auto* form = new QFormLayout(box);
    m_recipe = new QComboBox(box);
    m_recipe->setObjectName(QStringLiteral("recipe"));
    for (const auto& [name, json] : builtinRecipes()) m_recipe->addItem(name, json);
    auto* openRecipe = new QPushButton(tr("Open recipe…"), box);
    auto* recipeRow = new QHBoxLayout;
    recipeRow->addWidget(m_recipe, 1);
    recipeRow->addWidget(openRecipe);
    form->addRow(tr("Recipe:"), recipeRow);
    m_outDir = new QLineEdit(box);
    m_outDir->setObjectName(QStringLiteral("outDir"));
    form->addRow(tr("Checkpoint folder:"), m_outDir);
    m_steps = new QSpinBox(box);
    m_steps->setRange(0, 10'000'000);
    m_steps->setSpecialValueText(tr("to the end of the recipe"));
    m_steps->setSuffix(tr(" steps"));
    form->addRow(tr("Run now:"), m_steps);
    m_resume = new QCheckBox(tr("Resume from the checkpoint in that folder"), box);
    m_resume->setChecked(true);
    form->addRow(QString(), m_resume);
    auto* buttons = new QHBoxLayout;
    m_start = new QPushButton(tr("Start training"), box);
    m_start->setObjectName(QStringLiteral("startTraining"));
    m_cancel = new QPushButton(tr("Cancel"), box);
    m_cancel->setObjectName(QStringLiteral("cancelTraining"));
    buttons->addWidget(m_start);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    form->addRow(QString(), buttons);
    layout->addWidget(box);

    m_progress = new QProgressBar(tab);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_status = new QLabel(tr("Not running."), tab);
    m_status->setObjectName(QStringLiteral("trainStatus"));
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    m_plot = new widgets::SeriesPlot(tab);
    m_plot->setAxisLabels(tr("step"), tr("training loss"));
    m_plot->setLogY(true);
    layout->addWidget(m_plot, 1);

    connect(m_recipe, &QComboBox::currentIndexChanged, this, &GenerateWorkbench::recipeChanged);
    connect(openRecipe, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(m_page, tr("Open recipe"), QString(), tr("Recipes (*.json)"));
        if (path.isEmpty()) return;
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            QMessageBox::warning(m_page, tr("Open recipe"), tr("Cannot read %1: %2").arg(path, f.errorString()));
            return;
        }
        m_recipe->addItem(QFileInfo(path).completeBaseName(), QString::fromUtf8(f.readAll()));
        m_recipe->setCurrentIndex(m_recipe->count() - 1);
    });
    connect(m_start, &QPushButton::clicked, this, &GenerateWorkbench::start);
    connect(m_cancel, &QPushButton::clicked, this, &GenerateWorkbench::cancel);
    recipeChanged();
    return tab;
}

void GenerateWorkbench::recipeChanged() {
    const auto info = reverie::train::inspectRecipe(m_recipe->currentData().toString().toStdString());
    const QString name = info ? QString::fromStdString(info.value().name) : m_recipe->currentText();
    m_outDir->setText(QDir(m_outputRoot).filePath(QStringLiteral("runs/") + name));
}

void GenerateWorkbench::start() {
    QString error;
    const qint64 steps = m_steps->value() == 0 ? -1 : m_steps->value();
    if (!startTraining(m_recipe->currentData().toString(), m_outDir->text().trimmed(), steps, m_resume->isChecked(),
                       &error))
        QMessageBox::warning(m_page, tr("Training"), error);
}

bool GenerateWorkbench::startTraining(const QString& recipeJson, const QString& outDir, qint64 maxSteps, bool resume,
                                      QString* error) {
    if (refuseWhenBusy(error)) return false;
    const auto info = reverie::train::inspectRecipe(recipeJson.toStdString());
    if (!info) {
        if (error) *error = QString::fromStdString(info.error().message);
        return false;
    }
    page();
    m_plot->clear();
    m_progress->setRange(0, int(std::min<std::int64_t>(info.value().steps, INT_MAX)));
    m_status->setText(tr("Starting %1…").arg(QString::fromStdString(info.value().name)));
    m_runFirstStep = -1;
    setBusy(Kind::Train);
    reverie::train::Options options;
    options.outDir = outDir.toStdString();
    options.resume = resume;
    options.maxStepsThisRun = maxSteps;
    const std::string text = recipeJson.toStdString();
    quint64 id = 0;
    auto future = m_engine->submit<reverie::train::Summary>(
        tr("Training %1").arg(QString::fromStdString(info.value().name)),
        [text, options](const reverie::JobContext& ctx) { return reverie::train::runFromText(text, options, ctx); },
        &id);
    m_jobId = id;
    future.then(this, [this](const JobOutcome<reverie::train::Summary>& out) {
        QString message;
        if (out.ok()) {
            const auto& s = *out.value;
            message = tr("Finished at step %1: loss %2, %3 s/step, checkpoint %4")
                          .arg(s.step)
                          .arg(s.loss, 0, 'f', 4)
                          .arg(s.secondsPerStep, 0, 'f', 2)
                          .arg(QString::fromStdString(s.checkpoint));
            if (s.testAccuracy >= 0) message += tr("; test accuracy %1%").arg(100.0 * s.testAccuracy, 0, 'f', 2);
        } else {
            message = out.status == JobStatus::Cancelled ? tr("Stopped: %1").arg(out.error) : tr("Failed: %1").arg(out.error);
        }
        finishJob(m_status, message);
        Q_EMIT trainingFinished(out.status, message);
    });
    return true;
}

// ---- Shared ----

void GenerateWorkbench::cancel() {
    if (m_jobId != 0) m_engine->cancel(m_jobId);
}

void GenerateWorkbench::setBusy(Kind kind) {
    m_kind = kind;
    if (!m_page) return;
    const bool idle = kind == Kind::None;
    // One job of this workbench at a time: every start button waits for the running one.
    m_generate->setEnabled(idle);
    m_likelihood->setEnabled(idle);
    m_load->setEnabled(idle);
    m_save->setEnabled(idle && !m_result.isNull());
    m_cancelSample->setEnabled(kind == Kind::Sample || kind == Kind::Likelihood);
    m_sweep->start->setEnabled(idle);
    m_sweep->cancel->setEnabled(kind == Kind::Sweep);
    m_start->setEnabled(idle);
    m_cancel->setEnabled(kind == Kind::Train);
    m_recipe->setEnabled(idle);
}

QString GenerateWorkbench::statusText() const { return m_status ? m_status->text() : QString(); }

void GenerateWorkbench::onProgress(const JobProgress& p) {
    if (p.jobId != m_jobId || m_jobId == 0 || !m_page) return;
    switch (m_kind) {
    case Kind::Sample:
        onSampleProgress(p);
        break;
    case Kind::Sweep:
        onSweepProgress(p);
        break;
    case Kind::Likelihood:
        if (p.total > 0)
            m_likelihoodStatus->setText(tr("Measuring bits/dim: %1 of %2 · NFE %3").arg(p.step).arg(p.total).arg(p.nfe));
        break;
    case Kind::Train: {
        if (m_runFirstStep < 0) {
            m_clock.start();
            m_runFirstStep = p.step - 1;
        }
        m_progress->setValue(int(p.step));
        m_plot->addPoint(tr("loss"), double(p.step), p.value(QStringLiteral("loss")));
        const double done = double(p.step - m_runFirstStep);
        const double perStep = done > 0 ? m_clock.elapsed() / 1000.0 / done : 0;
        const double left = perStep * double(p.total - p.step);
        m_status->setText(tr("Step %1 of %2 · loss %3 · %4 s/step · about %5 min left")
                              .arg(p.step)
                              .arg(p.total)
                              .arg(p.value(QStringLiteral("loss")), 0, 'f', 4)
                              .arg(perStep, 0, 'f', 2)
                              .arg(left / 60.0, 0, 'f', 0));
        break;
    }
    case Kind::None:
        break;
    }
}

} // namespace reverie::app
