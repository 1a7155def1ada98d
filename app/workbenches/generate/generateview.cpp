#include "workbenches/generate/generateview.h"
#include "ui_sampleform.h"

#include "seriesplot.h"

#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>

namespace reverie::app {
namespace {

namespace gen = reverie::generate;

/// The samplers checked by default in the Sweep tab: one of each family.
bool sweptByDefault(const std::string& id) {
    return id == "em" || id == "ode-euler" || id == "dpmpp-2m" || id == "edm-heun";
}

} // namespace

GenerateView::GenerateView(QWidget* parent) : QWidget(parent), m_ui(std::make_unique<Ui::SampleForm>()) {
    setObjectName(QStringLiteral("generatePage"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Generate")), this));
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("generateTabs"));
    auto* sampleTab = new QWidget;
    m_ui->setupUi(sampleTab);
    sampleTab->setObjectName(QStringLiteral("sampleTab"));
    m_tabs->addTab(sampleTab, tr("Sample"));
    m_tabs->addTab(buildSweepTab(), tr("Sweep"));
    m_sd = new SdPanel;
    m_sd->setObjectName(QStringLiteral("sdTab"));
    m_tabs->addTab(m_sd, tr("Stable Diffusion"));
    m_historyTab = new HistoryTab;
    m_tabs->addTab(m_historyTab, tr("History"));
    layout->addWidget(m_tabs, 1);

    auto& ui = *m_ui;
    ui.modelDir->setToolTip(
        tr("The model to sample: a folder with weights.pt and card.json (empty: the built-in one)"));
    ui.classLabel->setToolTip(tr("The class of every sample, or every class in turn"));
    ui.batch->setToolTip(
        tr("Samples per run: time grows with each; more samples show the model's variety better"));
    ui.likelihoodCount->setToolTip(
        tr("Test images whose likelihood (bits/dim) is computed by the probability-flow "
           "ODE: each takes hundreds of network evaluations"));
    ui.sde->addItem(tr("VE (variance exploding)"), QStringLiteral("ve"));
    ui.sde->addItem(tr("VP (variance preserving)"), QStringLiteral("vp"));
    ui.sde->addItem(tr("sub-VP"), QStringLiteral("subvp"));
    for (const auto& s : gen::samplers()) {
        ui.sampler->addItem(qs(s.label), qs(s.id));
        ui.sampler->setItemData(ui.sampler->count() - 1, qs(s.nfeRule), Qt::ToolTipRole);
    }
    // The Fashion-MNIST class names, index = label (core's data header pulls in ATen, which the
    // GUI never includes).
    const QStringList names = {tr("T-shirt/top"), tr("Trouser"), tr("Pullover"), tr("Dress"),      tr("Coat"),
                               tr("Sandal"),      tr("Shirt"),   tr("Sneaker"),  tr("Bag"),        tr("Ankle boot")};
    ui.classLabel->addItem(tr("All classes (item i → class i mod 10)"), -1);
    for (int i = 0; i < names.size(); ++i) ui.classLabel->addItem(names[i], i);

    // Guidance by a differentiable objective: gradients of the classifier's log-probability
    // through the whole run move each item's start noise (reversible Heun only).
    m_guideClass = new QComboBox(sampleTab);
    m_guideClass->setObjectName(QStringLiteral("guideClass"));
    m_guideClass->addItem(tr("Off"), -1);
    for (int i = 0; i < names.size(); ++i) m_guideClass->addItem(names[i], i);
    m_guideClass->setToolTip(
        tr("Optimise each sample's start noise until the shipped classifier sees this class: "
           "every iteration differentiates the whole sampling run (reversible Heun), so "
           "it costs about three runs' time"));
    m_guideStrategy = new QComboBox(sampleTab);
    m_guideStrategy->setObjectName(QStringLiteral("guideStrategy"));
    m_guideStrategy->addItem(tr("Reversible (flat memory, exact)"), QStringLiteral("reversible"));
    m_guideStrategy->addItem(tr("Backprop (memory grows with steps)"), QStringLiteral("backprop"));
    m_guideStrategy->addItem(tr("Checkpoint (√N states kept)"), QStringLiteral("checkpoint"));
    m_guideStrategy->addItem(tr("Adjoint (flat memory, approximate)"), QStringLiteral("adjoint"));
    m_guideStrategy->setToolTip(
        tr("How the gradient through the run is taken: watch the memory curve in the "
           "telemetry dock; backprop is fastest but its memory grows with the steps"));
    m_guideIterations = new QSpinBox(sampleTab);
    m_guideIterations->setObjectName(QStringLiteral("guideIterations"));
    m_guideIterations->setRange(1, 100);
    m_guideIterations->setValue(8);
    m_guideIterations->setToolTip(
        tr("Gradient steps on the start noise: more follow the class more closely and "
           "take longer"));
    ui.samplingForm->addRow(tr("Guide toward:"), m_guideClass);
    ui.samplingForm->addRow(tr("Gradient:"), m_guideStrategy);
    ui.samplingForm->addRow(tr("Iterations:"), m_guideIterations);
    auto updateGuide = [this] {
        const bool on = m_guideClass->currentData().toInt() >= 0;
        m_guideStrategy->setEnabled(on);
        m_guideIterations->setEnabled(on);
    };
    connect(m_guideClass, &QComboBox::currentIndexChanged, this, [this, updateGuide] {
        updateGuide();
        // Guidance differentiates the run: switch to the reversible sampler it needs.
        const QString id = m_ui->sampler->currentData().toString();
        if (m_guideClass->currentData().toInt() >= 0 && !id.startsWith(QLatin1String("rev-heun")))
            if (const int i = m_ui->sampler->findData(QStringLiteral("rev-heun")); i >= 0)
                m_ui->sampler->setCurrentIndex(i);
    });
    updateGuide();

    connectFolderPicker(ui.openModel, ui.modelDir, tr("Open model folder"));
    connect(ui.sampler, &QComboBox::currentIndexChanged, this, &GenerateView::updateNfeHint);
    connect(ui.nfe, &QSpinBox::valueChanged, this, &GenerateView::updateNfeHint);
    connect(ui.generate, &QPushButton::clicked, this, &GenerateView::generateRequested);
    connect(ui.cancelSampling, &QPushButton::clicked, this, &GenerateView::cancelRequested);
    connect(ui.saveResult, &QPushButton::clicked, this, &GenerateView::saveRequested);
    connect(ui.loadSettings, &QPushButton::clicked, this, &GenerateView::loadRequested);
    connect(ui.likelihood, &QPushButton::clicked, this, &GenerateView::likelihoodRequested);
    connect(m_sweep->start, &QPushButton::clicked, this, &GenerateView::sweepRequested);
    connect(m_sweep->cancel, &QPushButton::clicked, this, &GenerateView::cancelRequested);
    updateNfeHint();
    setBusy(QString());
}

GenerateView::~GenerateView() = default;

QWidget* GenerateView::buildSweepTab() {
    SweepPanel::Spec spec;
    for (const auto& s : gen::samplers())
        spec.samplers.append(
            {qs(s.id), qs(s.label), QStringLiteral("%1 · %2").arg(qs(s.id), qs(s.nfeRule)), sweptByDefault(s.id)});
    spec.nfes = QStringLiteral("10, 20, 50");
    spec.nfesToolTip = tr("NFE budgets, separated by commas");
    spec.countName = QStringLiteral("sweepSamples");
    spec.countLabel = tr("Samples per point:");
    spec.countToolTip = tr("Samples behind each point's FD: more give a steadier FD and take longer");
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
    return tab;
}

void GenerateView::updateNfeHint() {
    const std::string id = m_ui->sampler->currentData().toString().toStdString();
    const auto& list = gen::samplers();
    const auto it = std::find_if(list.begin(), list.end(), [&](const gen::SamplerInfo& s) { return s.id == id; });
    if (it == list.end()) {
        m_ui->nfeHint->clear();
        return;
    }
    m_ui->sampler->setToolTip(qs(it->nfeRule));
    if (it->adaptive)
        m_ui->nfeHint->setText(tr("adaptive (%1)").arg(qs(it->nfeRule)));
    else
        m_ui->nfeHint->setText(tr("→ %1 steps (%2)").arg(gen::stepsForNfe(id, m_ui->nfe->value())).arg(qs(it->nfeRule)));
}

gen::GenerateParams GenerateView::params(const gen::GenerateParams& base) const {
    gen::GenerateParams p = base;
    const auto& ui = *m_ui;
    p.modelDir = QDir::fromNativeSeparators(ui.modelDir->text().trimmed()).toStdString();
    p.sde = ui.sde->currentData().toString().toStdString();
    p.sampler = ui.sampler->currentData().toString().toStdString();
    p.nfe = ui.nfe->value();
    p.guidance = ui.guidance->value();
    p.label = ui.classLabel->currentData().toInt();
    p.seed = std::uint64_t(ui.seed->value());
    p.batch = ui.batch->value();
    p.guideClass = m_guideClass->currentData().toInt();
    p.guideStrategy = m_guideStrategy->currentData().toString().toStdString();
    p.guideIterations = m_guideIterations->value();
    return p;
}

void GenerateView::setParams(const gen::GenerateParams& p) {
    auto& ui = *m_ui;
    ui.modelDir->setText(QDir::toNativeSeparators(qs(p.modelDir)));
    if (const int i = ui.sde->findData(qs(p.sde)); i >= 0) ui.sde->setCurrentIndex(i);
    if (const int i = ui.sampler->findData(qs(p.sampler)); i >= 0) ui.sampler->setCurrentIndex(i);
    ui.nfe->setValue(p.nfe);
    ui.guidance->setValue(p.guidance);
    if (const int i = ui.classLabel->findData(p.label); i >= 0) ui.classLabel->setCurrentIndex(i);
    ui.seed->setValue(int(std::min<std::uint64_t>(p.seed, std::uint64_t(INT_MAX))));
    ui.batch->setValue(p.batch);
    if (const int i = m_guideClass->findData(p.guideClass); i >= 0) m_guideClass->setCurrentIndex(i);
    if (const int i = m_guideStrategy->findData(qs(p.guideStrategy)); i >= 0)
        m_guideStrategy->setCurrentIndex(i);
    m_guideIterations->setValue(std::clamp(p.guideIterations, 1, 100));
    updateNfeHint();
}

int GenerateView::likelihoodCount() const { return m_ui->likelihoodCount->value(); }

void GenerateView::setBusy(const QString& kind) {
    const bool idle = kind.isEmpty();
    // One job of this workbench at a time: every start button waits for the running one.
    m_ui->generate->setEnabled(idle);
    m_ui->likelihood->setEnabled(idle);
    m_ui->loadSettings->setEnabled(idle);
    m_ui->saveResult->setEnabled(idle && m_hasResult);
    m_ui->cancelSampling->setEnabled(kind == QLatin1String("sample") || kind == QLatin1String("likelihood"));
    m_sweep->start->setEnabled(idle);
    m_sweep->cancel->setEnabled(kind == QLatin1String("sweep"));
}

void GenerateView::setHasResult(bool has) {
    m_hasResult = has;
    m_ui->saveResult->setEnabled(has && m_ui->generate->isEnabled());
}

void GenerateView::setSampleStatus(const QString& text) { m_ui->sampleStatus->setText(text); }
QString GenerateView::sampleStatus() const { return m_ui->sampleStatus->text(); }
void GenerateView::setLikelihoodStatus(const QString& text) { m_ui->likelihoodStatus->setText(text); }
QString GenerateView::likelihoodStatus() const { return m_ui->likelihoodStatus->text(); }

bool GenerateView::showPreview(const QImage& image, const QString& toolTip) {
    if (image.isNull()) return false;
    showPixelImage(m_ui->samplePreview, image);
    if (!toolTip.isEmpty()) m_ui->samplePreview->setToolTip(toolTip);
    return true;
}

void GenerateView::clearSweep() {
    m_sweepPlot->clear();
    m_sweepPreview->clear();
    m_sweep->table->setRowCount(0);
}

void GenerateView::addSweepPoint(const QString& sampler, double nfe, double fd, double seconds, double peakMiB,
                                 double confident, qint64 step, qint64 total) {
    m_sweepPlot->addPoint(sampler, nfe, fd);
    QString tip;
    for (const auto& s : gen::samplers())
        if (qs(s.id) == sampler) tip = qs(s.label);
    m_sweep->addRow({sampler, QString::number(qint64(nfe)), QString::number(fd, 'f', 2), QString::number(seconds, 'f', 2),
                     QString::number(peakMiB, 'f', 1), QString::number(100.0 * confident, 'f', 1)},
                    tip);
    if (total > 0)
        m_sweep->showPoint(step, tr("Point %1 of %2: %3 at NFE %4, FD %5")
                                     .arg(step)
                                     .arg(total)
                                     .arg(sampler)
                                     .arg(qint64(nfe))
                                     .arg(fd, 0, 'f', 2));
}

void GenerateView::showSweepPreview(const QImage& image) { showPixelImage(m_sweepPreview, image); }

} // namespace reverie::app
