#include "workbenches/restore/restoreview.h"
#include "ui_restoreform.h"

#include "models/zoo.h"
#include "seriesplot.h"
#include "splitimageview.h"
#include "workbenches/filedrop.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QRegularExpression>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>

namespace reverie::app {
namespace {

namespace rs = reverie::restore;

/// The samplers checked by default in the Sweep tab: the baseline and MR Sampler's main variants.
bool sweptByDefault(const std::string& id) {
    return id == "posterior" || id == "mrs-sde-2-data" || id == "mrs-ode-2-data" || id == "mrs-sde-2-noise";
}

QString dash() { return QStringLiteral("—"); }
QString psnrText(const std::optional<double>& v) { return v ? QString::number(*v, 'f', 2) : dash(); }
QString ssimText(const std::optional<double>& v) { return v && std::isfinite(*v) ? QString::number(*v, 'f', 3) : dash(); }

} // namespace

QString RestoreView::taskLabel(const rs::TaskInfo& t) {
    static const QHash<QString, const char*> labels = {
        {QStringLiteral("noise"), QT_TRANSLATE_NOOP("reverie::app::RestoreView", "Gaussian noise (σ = 25)")},
        {QStringLiteral("blur"), QT_TRANSLATE_NOOP("reverie::app::RestoreView", "Gaussian blur (σ 1–2 px)")},
        {QStringLiteral("motion-blur"), QT_TRANSLATE_NOOP("reverie::app::RestoreView", "Motion blur (5–9 px)")},
        {QStringLiteral("down2"), QT_TRANSLATE_NOOP("reverie::app::RestoreView", "2× down-sampling")},
        {QStringLiteral("down4"), QT_TRANSLATE_NOOP("reverie::app::RestoreView", "4× down-sampling")},
        {QStringLiteral("inpaint-box"), QT_TRANSLATE_NOOP("reverie::app::RestoreView", "Inpainting: box")},
        {QStringLiteral("inpaint-stroke"), QT_TRANSLATE_NOOP("reverie::app::RestoreView", "Inpainting: strokes")},
        {QStringLiteral("jpeg"), QT_TRANSLATE_NOOP("reverie::app::RestoreView", "JPEG (quality 10–40)")}};
    const auto it = labels.constFind(qs(t.id));
    return it == labels.cend() ? qs(t.label) : tr(*it);
}

void RestoreView::applyRecommendedSampling(const QString& modelDir) {
    // The card's "sampling" (chosen on validation photos), read here without loading the model.
    QFile f(QDir(modelDir).filePath(QStringLiteral("card.json")));
    if (!f.open(QIODevice::ReadOnly)) return;
    const auto s = QJsonDocument::fromJson(f.read(1 << 20)).object().value(QStringLiteral("sampling")).toObject();
    if (const int i = m_ui->sampler->findData(s.value(QStringLiteral("sampler")).toString()); i >= 0)
        m_ui->sampler->setCurrentIndex(i);
    if (const int n = s.value(QStringLiteral("nfe")).toInt(); n >= kMinNfe && n <= kMaxNfe) m_ui->nfe->setValue(n);
}

QString RestoreView::fileTaskLabel(const std::string& id) {
    if (id == "noise") return tr("Noise");
    if (id == "blur") return tr("Blur (out of focus)");
    if (id == "motion-blur") return tr("Motion blur");
    if (id == "down2") return tr("Low resolution: enlarge 2×");
    if (id == "down4") return tr("Low resolution: enlarge 4×");
    if (id == "jpeg") return tr("JPEG artefacts");
    return qs(id);
}

QString RestoreView::samplerLabel(const rs::SamplerInfo& s) {
    if (s.id == "posterior") return tr("IR-SDE posterior sampling");
    if (s.id == "em") return tr("Euler–Maruyama (reverse SDE)");
    if (s.id == "ode-euler") return tr("PF-ODE Euler");
    if (s.id == "posterior-1step") return tr("Baseline: IR-SDE posterior, one t→t−1 step per subsampled t");
    static const QRegularExpression mrs(QStringLiteral("^mrs-(sde|ode)-([12])-(data|noise)$"));
    const auto m = mrs.match(qs(s.id));
    if (!m.hasMatch()) return qs(s.label);
    const QString form = m.captured(3) == QLatin1String("data") ? tr("data prediction") : tr("noise prediction");
    return tr("MR Sampler %1, order %2, %3").arg(m.captured(1).toUpper(), m.captured(2), form);
}

RestoreView::RestoreView(QWidget* parent) : QWidget(parent), m_ui(std::make_unique<Ui::RestoreForm>()) {
    setObjectName(QStringLiteral("restorePage"));
    setAcceptDrops(true);
    installEventFilter(this);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Restore")), this));
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("restoreTabs"));
    m_restoreTab = new QWidget;
    m_ui->setupUi(m_restoreTab);
    m_restoreTab->setObjectName(QStringLiteral("restoreTab"));
    m_tabs->addTab(m_restoreTab, tr("Restore"));
    m_tabs->addTab(buildSweepTab(), tr("Sweep"));
    m_tabs->addTab(buildHistoryTab(), tr("History"));
    layout->addWidget(m_tabs, 1);

    auto& ui = *m_ui;
    ui.inputPath->setToolTip(
        tr("Your own image file (PNG, JPEG, …; any size, restored in tiles); empty: a test image"));
    ui.builtinModel->setToolTip(
        tr("The restoration model: the photo models restore colour photos of any size; the "
           "Fashion-MNIST one the 28×28 demo images"));
    ui.modelDir->setToolTip(tr("A model folder (weights.pt and card.json) or an IR-SDE checkpoint"));
    ui.sampler->setToolTip(tr("How the reverse process is solved: the MR Sampler needs 5–10 evaluations, the "
                              "IR-SDE posterior sampler 100 or more for the same quality"));
    ui.compareLeft->setToolTip(tr("The image shown left of the divider"));
    ui.compareRight->setToolTip(tr("The image shown right of the divider"));
    ui.degradeTask->addItem(tr("(none — restore as is)"), QString());
    for (const auto& t : rs::tasks()) ui.degradeTask->addItem(taskLabel(t), qs(t.id));
    ui.fileTask->addItem(tr("(unknown)"), QString());
    for (const auto& t : rs::tasks()) // inpainting needs a mask, which a file alone does not give
        if (t.id.rfind("inpaint", 0) != 0) ui.fileTask->addItem(fileTaskLabel(t.id), qs(t.id));
    auto syncFileTask = [this] {
        const bool own = m_ui->degradeTask->currentData().toString().isEmpty(); // no demo degradation
        m_ui->fileTask->setEnabled(own);
        m_ui->maskPath->setEnabled(own);
        m_ui->openMask->setEnabled(own);
    };
    connect(ui.degradeTask, &QComboBox::currentIndexChanged, this, syncFileTask);
    syncFileTask();
    ui.builtinModel->addItem(tr("Fashion-MNIST restorer (all eight tasks, grey 28×28)"),
                             qs(models::zoo::find(models::zoo::kRestorer)));
    ui.builtinModel->addItem(tr("Colour-photo denoiser (noise, any size in tiles)"),
                             qs(models::zoo::find(models::zoo::kPhotoRestorer)));
    ui.builtinModel->addItem(tr("Colour-photo restorer (all eight tasks, any size in tiles)"),
                             qs(models::zoo::find(models::zoo::kPhotoUniversal)));
    ui.builtinModel->addItem(tr("Other folder or checkpoint"), QString());
    for (const auto& s : rs::samplers()) {
        ui.sampler->addItem(samplerLabel(s), qs(s.id));
        ui.sampler->setItemData(ui.sampler->count() - 1, qs(s.id), Qt::ToolTipRole);
    }
    ui.compareView->setPlaceholderText(tr("Restore an image to compare the result with its input, the clean reference "
                                          "and the classical peer. Drag the divider; wheel to zoom, drag to pan."));

    connect(ui.builtinModel, &QComboBox::activated, this, [this](int i) {
        const QString dir = m_ui->builtinModel->itemData(i).toString();
        if (dir.isEmpty()) return;
        m_ui->modelDir->setText(QDir::toNativeSeparators(dir));
        applyRecommendedSampling(dir);
    });
    connect(ui.modelDir, &QLineEdit::textChanged, this, &RestoreView::syncBuiltinModel);
    connectFolderPicker(ui.openModel, ui.modelDir, tr("Open model folder"));
    connect(ui.openCheckpoint, &QPushButton::clicked, this, [this] {
        const QString start = QFileInfo(QDir::fromNativeSeparators(m_ui->modelDir->text().trimmed())).absolutePath();
        const QString file =
            QFileDialog::getOpenFileName(this, tr("Open IR-SDE checkpoint"), start, checkpointFileFilter());
        if (!file.isEmpty()) m_ui->modelDir->setText(QDir::toNativeSeparators(file));
    });
    connect(ui.inputPath, &QLineEdit::textEdited, this, [this](const QString& text) {
        if (!text.isEmpty()) m_ui->useFile->setChecked(true);
    });
    connect(ui.testIndex, &QSpinBox::valueChanged, this, [this] { m_ui->useTestImage->setChecked(true); });
    connect(ui.nfe, &QSlider::valueChanged, this, [this](int v) { m_ui->nfeValue->setText(QString::number(v)); });
    connect(ui.openImage, &QPushButton::clicked, this, &RestoreView::openImageRequested);
    connect(ui.openMask, &QPushButton::clicked, this, &RestoreView::openMaskRequested);
    connect(ui.runRestore, &QPushButton::clicked, this, &RestoreView::runRequested);
    connect(ui.cancelRestore, &QPushButton::clicked, this, &RestoreView::cancelRequested);
    connect(ui.saveResult, &QPushButton::clicked, this, &RestoreView::saveRequested);
    connect(ui.loadSettings, &QPushButton::clicked, this, &RestoreView::loadRequested);
    connect(ui.compareLeft, &QComboBox::currentIndexChanged, this, &RestoreView::updateCompareView);
    connect(ui.compareRight, &QComboBox::currentIndexChanged, this, &RestoreView::updateCompareView);
    connect(ui.zoomIn, &QToolButton::clicked, ui.compareView, &widgets::SplitImageView::zoomIn);
    connect(ui.zoomOut, &QToolButton::clicked, ui.compareView, &widgets::SplitImageView::zoomOut);
    connect(ui.zoomFit, &QToolButton::clicked, ui.compareView, &widgets::SplitImageView::fitToWindow);
    connect(m_sweep->start, &QPushButton::clicked, this, &RestoreView::sweepRequested);
    connect(m_sweep->cancel, &QPushButton::clicked, this, &RestoreView::cancelRequested);
    ui.nfeValue->setText(QString::number(ui.nfe->value()));
    updateCompareChoices();
    setBusy(QString());
}

RestoreView::~RestoreView() = default;

QWidget* RestoreView::buildHistoryTab() {
    m_historyTab = new HistoryTab;
    return m_historyTab;
}

QWidget* RestoreView::buildSweepTab() {
    SweepPanel::Spec spec;
    m_sweepTask = new QComboBox;
    m_sweepTask->setObjectName(QStringLiteral("sweepTask"));
    m_sweepTask->setToolTip(tr("The degradation every point of the sweep restores"));
    for (const auto& t : rs::tasks()) m_sweepTask->addItem(taskLabel(t), qs(t.id));
    m_sweepTask->setCurrentIndex(std::max(0, m_sweepTask->findData(QStringLiteral("noise"))));
    spec.leadingRows.append({tr("Task:"), m_sweepTask});
    for (const auto& s : rs::samplers()) spec.samplers.append({qs(s.id), samplerLabel(s), qs(s.id), sweptByDefault(s.id)});
    spec.nfes = QStringLiteral("5, 10, 20, 50, 100");
    spec.nfesToolTip = tr("NFE values, separated by commas");
    spec.countName = QStringLiteral("sweepImages");
    spec.countLabel = tr("Images:");
    spec.countToolTip = tr("Test images behind each point: more give steadier scores and take longer");
    spec.note = tr("Model folder, seed and λ come from the Restore tab. Each point restores the first test "
                   "images degraded with the task and scores them against the clean images (mean PSNR "
                   "and SSIM; higher is better).");
    spec.columns = {tr("Sampler"), tr("NFE"), tr("PSNR (dB)"), tr("SSIM"), tr("s/image"), tr("Peak MiB")};
    m_sweep = std::make_unique<SweepPanel>(spec);
    QWidget* tab = m_sweep->tab;
    m_sweepScores = new QLabel(tab);
    m_sweepScores->setObjectName(QStringLiteral("sweepScores"));
    m_sweepScores->setWordWrap(true);
    m_sweepScores->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_sweep->left->addWidget(m_sweepScores);
    auto* plots = new QHBoxLayout;
    m_psnrPlot = new widgets::SeriesPlot(tab);
    m_psnrPlot->setObjectName(QStringLiteral("psnrPlot"));
    m_psnrPlot->setAxisLabels(tr("NFE"), tr("PSNR (dB, higher is better)"));
    m_ssimPlot = new widgets::SeriesPlot(tab);
    m_ssimPlot->setObjectName(QStringLiteral("ssimPlot"));
    m_ssimPlot->setAxisLabels(tr("NFE"), tr("SSIM (higher is better)"));
    plots->addWidget(m_psnrPlot);
    plots->addWidget(m_ssimPlot);
    m_sweep->right->addLayout(plots, 3);
    m_sweep->finish();
    return tab;
}

rs::RestoreJobParams RestoreView::params(const rs::RestoreJobParams& base) const {
    rs::RestoreJobParams p = base;
    const auto& ui = *m_ui;
    p.modelDir = QDir::fromNativeSeparators(ui.modelDir->text().trimmed()).toStdString();
    p.sampler = ui.sampler->currentData().toString().toStdString();
    p.nfe = ui.nfe->value();
    p.seed = std::uint64_t(ui.seed->value());
    p.lambda255 = ui.lambda->value();
    p.noiseSigma255 = ui.noiseSigma->value() < 0 ? -1.0 : ui.noiseSigma->value();
    p.classicalPeer = ui.classicalPeer->isChecked();
    p.degradeTask = ui.degradeTask->currentData().toString().toStdString();
    p.task = ui.fileTask->currentData().toString().toStdString();
    p.testIndex = ui.testIndex->value();
    p.inputPath = ui.useFile->isChecked() ? chosenFile().toStdString() : std::string();
    const QString mask = ui.maskPath->text().trimmed();
    p.maskPath = ui.useFile->isChecked() && p.degradeTask.empty() && !mask.isEmpty()
                     ? QDir::fromNativeSeparators(mask).toStdString()
                     : std::string();
    p.consistency = ui.consistency->isChecked();
    p.plugAndPlay = ui.plugAndPlay->isChecked();
    return p;
}

void RestoreView::setParams(const rs::RestoreJobParams& p) {
    auto& ui = *m_ui;
    ui.modelDir->setText(QDir::toNativeSeparators(qs(p.modelDir)));
    if (const int i = ui.sampler->findData(qs(p.sampler)); i >= 0) ui.sampler->setCurrentIndex(i);
    ui.nfe->setValue(std::clamp(p.nfe, kMinNfe, kMaxNfe));
    ui.seed->setValue(int(std::min<std::uint64_t>(p.seed, std::uint64_t(INT_MAX))));
    ui.lambda->setValue(p.lambda255);
    ui.noiseSigma->setValue(p.noiseSigma255 < 0 ? -1.0 : std::min(p.noiseSigma255, 255.0));
    ui.classicalPeer->setChecked(p.classicalPeer);
    ui.consistency->setChecked(p.consistency);
    ui.plugAndPlay->setChecked(p.plugAndPlay);
    ui.maskPath->setText(QDir::toNativeSeparators(qs(p.maskPath)));
    if (const int i = ui.degradeTask->findData(qs(p.degradeTask)); i >= 0) ui.degradeTask->setCurrentIndex(i);
    if (const int i = ui.fileTask->findData(qs(p.task)); i >= 0) ui.fileTask->setCurrentIndex(i);
    ui.testIndex->setValue(p.testIndex); // checks "Test image"; a file below checks "File"
    if (p.inputPath.empty()) {
        ui.useTestImage->setChecked(true);
    } else {
        ui.inputPath->setText(QDir::toNativeSeparators(qs(p.inputPath)));
        ui.useFile->setChecked(true);
    }
}

void RestoreView::setInputFile(const QString& path) {
    // A user's own file is restored as it is (no reference, so no PSNR against one); degrading
    // first is for the test images, whose clean originals are the reference, or an explicit
    // choice made after opening the file. The last demo degradation comes back with a test image.
    auto& degrade = *m_ui->degradeTask;
    if (path.isEmpty()) {
        m_ui->useTestImage->setChecked(true);
        if (degrade.currentData().toString().isEmpty())
            if (const int i = degrade.findData(m_demoTask); i >= 0) degrade.setCurrentIndex(i);
        return;
    }
    if (const QString task = degrade.currentData().toString(); !task.isEmpty()) m_demoTask = task;
    degrade.setCurrentIndex(degrade.findData(QString()));
    m_ui->inputPath->setText(QDir::toNativeSeparators(path));
    m_ui->useFile->setChecked(true);
}

void RestoreView::setMaskFile(const QString& path) { m_ui->maskPath->setText(QDir::toNativeSeparators(path)); }

bool RestoreView::fileSelectedWithoutPath() const { return m_ui->useFile->isChecked() && chosenFile().isEmpty(); }

QString RestoreView::chosenFile() const {
    return m_ui->useFile->isChecked() ? QDir::fromNativeSeparators(m_ui->inputPath->text().trimmed()) : QString();
}

int RestoreView::nfeShown() const { return m_ui->nfe->value(); }

void RestoreView::setCheckpoints(const QList<QPair<QString, QString>>& entries) {
    setCheckpointEntries(m_ui->builtinModel, entries);
    syncBuiltinModel();
}

void RestoreView::syncBuiltinModel() {
    selectModelEntry(m_ui->builtinModel, QDir::fromNativeSeparators(m_ui->modelDir->text().trimmed()));
}

void RestoreView::setBusy(const QString& kind) {
    const bool idle = kind.isEmpty();
    // One job of this workbench at a time: every start button waits for the running one.
    m_ui->runRestore->setEnabled(idle);
    m_ui->cancelRestore->setEnabled(kind == QLatin1String("restore"));
    m_ui->loadSettings->setEnabled(idle);
    m_ui->saveResult->setEnabled(idle && m_hasResult);
    m_sweep->start->setEnabled(idle);
    m_sweep->cancel->setEnabled(kind == QLatin1String("sweep"));
}

void RestoreView::setHasResult(bool has) {
    m_hasResult = has;
    m_ui->saveResult->setEnabled(has && m_ui->runRestore->isEnabled());
}

void RestoreView::setStatus(const QString& text) { m_ui->restoreStatus->setText(text); }

QString RestoreView::status() const { return m_ui->restoreStatus->text(); }

void RestoreView::beginRestore(int total, const QString& text) {
    m_ui->progress->setRange(0, total);
    m_ui->progress->setValue(0);
    setStatus(text);
}

void RestoreView::showRestoreProgress(const JobProgress& p, double seconds) {
    if (p.total > 0) {
        m_ui->progress->setRange(0, int(std::min<qint64>(p.total, INT_MAX)));
        m_ui->progress->setValue(int(std::min(p.step, p.total)));
    }
    setStatus(tr("Step %1 of %2 · NFE %3 · %4 s").arg(p.step).arg(p.total).arg(p.nfe).arg(seconds, 0, 'f', 1));
}

void RestoreView::endRestore() { m_ui->progress->setValue(m_ui->progress->maximum()); }

bool RestoreView::showPreview(const QImage& preview) {
    if (preview.isNull()) return false;
    showPixelImage(m_ui->restorePreview, preview);
    return true;
}

void RestoreView::showResult(const std::array<QImage, 4>& images, const rs::RestoreJobResult& r,
                             const rs::RestoreJobParams& p) {
    m_images = images;
    auto& ui = *m_ui;
    ui.psnrInput->setText(psnrText(r.psnrInput));
    ui.psnrResult->setText(psnrText(r.psnrRestored));
    ui.psnrPeer->setText(psnrText(r.psnrPeer));
    ui.ssimInput->setText(ssimText(r.ssimInput));
    ui.ssimResult->setText(ssimText(r.ssimRestored));
    ui.ssimPeer->setText(ssimText(r.ssimPeer));
    ui.metricNfe->setText(QString::number(r.nfe));
    ui.metricSeconds->setText(QString::number(r.seconds, 'f', 2));
    ui.metricPeer->setText(r.peerName.empty() ? dash() : qs(r.peerName));
    // A checkpoint shows what was read from it (the raw network config and the path stay in the tooltip).
    QStringList card;
    for (const QString& line : qs(r.modelSummary).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (!line.startsWith(QLatin1String("Network:")) && !line.startsWith(QLatin1String("File:")))
            card << line.toHtmlEscaped();
    if (!r.note.empty()) card << qs(r.note).toHtmlEscaped(); // e.g. the noise level estimated
    ui.modelCard->setText(card.join(QStringLiteral("<br>")));
    ui.modelCard->setToolTip(qs(r.modelSummary));
    ui.modelCard->setVisible(!card.isEmpty());
    ui.compareView->setToolTip(
        tr("%1 · NFE %2 · seed %3 · λ %4").arg(qs(p.sampler)).arg(p.nfe).arg(qulonglong(p.seed)).arg(p.lambda255));
    setHasResult(!images[int(Image::Result)].isNull());
    updateCompareChoices();
}

QString RestoreView::imageName(Image image) const {
    switch (image) {
    case Image::Result: return tr("Result");
    case Image::Input: return tr("Input");
    case Image::Reference: return tr("Reference");
    case Image::Peer: return tr("Classical peer");
    }
    return {};
}

void RestoreView::updateCompareChoices() {
    // Offer only the images this result has; keep the user's choice where it still exists.
    auto refill = [this](QComboBox* combo, Image fallback) {
        const QVariant before = combo->currentData();
        const QSignalBlocker block(combo);
        combo->clear();
        for (const Image v : {Image::Result, Image::Input, Image::Reference, Image::Peer})
            if (!m_images[int(v)].isNull()) combo->addItem(imageName(v), int(v));
        int i = before.isValid() ? combo->findData(before) : -1;
        if (i < 0) i = combo->findData(int(fallback));
        combo->setCurrentIndex(std::max(i, 0));
        combo->setEnabled(combo->count() > 0);
    };
    refill(m_ui->compareLeft, Image::Input);
    refill(m_ui->compareRight, Image::Result);
    updateCompareView();
}

void RestoreView::updateCompareView() {
    auto pick = [](QComboBox* combo) -> std::optional<Image> {
        if (combo->currentIndex() < 0) return std::nullopt;
        return Image(combo->currentData().toInt());
    };
    const auto l = pick(m_ui->compareLeft), r = pick(m_ui->compareRight);
    m_ui->compareView->setImages(l ? m_images[int(*l)] : QImage(), r ? m_images[int(*r)] : QImage());
    m_ui->compareView->setLabels(l ? imageName(*l) : QString(), r ? imageName(*r) : QString());
}

widgets::SplitImageView* RestoreView::compareView() const { return m_ui->compareView; }

QWidget* RestoreView::restoreTab() const { return m_restoreTab; }

std::string RestoreView::sweepTask() const { return m_sweepTask->currentData().toString().toStdString(); }

void RestoreView::clearSweep() {
    m_psnrPlot->clear();
    m_ssimPlot->clear();
    m_sweepScores->clear();
    m_sweep->table->setRowCount(0);
}

void RestoreView::addSweepPoint(const QString& sampler, double nfe, double psnr, double ssim, double seconds,
                                double peakMiB, qint64 step, qint64 total) {
    m_psnrPlot->addPoint(sampler, nfe, psnr);
    m_ssimPlot->addPoint(sampler, nfe, ssim);
    QString tip;
    for (const auto& s : rs::samplers())
        if (qs(s.id) == sampler) tip = samplerLabel(s);
    m_sweep->addRow({sampler, QString::number(qint64(nfe)), QString::number(psnr, 'f', 2), ssimText(ssim),
                     QString::number(seconds, 'f', 3), QString::number(peakMiB, 'f', 1)},
                    tip);
    if (total > 0)
        m_sweep->showPoint(step, tr("Point %1 of %2: %3 at NFE %4 · PSNR %5 dB · SSIM %6")
                                     .arg(step)
                                     .arg(total)
                                     .arg(sampler)
                                     .arg(qint64(nfe))
                                     .arg(psnr, 0, 'f', 2)
                                     .arg(ssimText(ssim)));
}

void RestoreView::showSweepScores(const rs::RestoreSweepResult& res) {
    m_psnrPlot->addReferenceLine(tr("degraded input %1 dB").arg(res.psnrInput, 0, 'f', 2), res.psnrInput);
    m_psnrPlot->addReferenceLine(tr("classical peer %1 dB").arg(res.psnrPeer, 0, 'f', 2), res.psnrPeer);
    m_ssimPlot->addReferenceLine(tr("degraded input %1").arg(res.ssimInput, 0, 'f', 3), res.ssimInput);
    m_ssimPlot->addReferenceLine(tr("classical peer %1").arg(res.ssimPeer, 0, 'f', 3), res.ssimPeer);
    m_sweepScores->setText(tr("Degraded input: PSNR %1 dB, SSIM %2 · classical peer: PSNR %3 dB, SSIM %4")
                               .arg(res.psnrInput, 0, 'f', 2)
                               .arg(ssimText(res.ssimInput), QString::number(res.psnrPeer, 'f', 2),
                                    ssimText(res.ssimPeer)));
}

bool RestoreView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == this && handleFileDrop(event, [this](const QString& path) { Q_EMIT fileDropped(path); })) return true;
    return QWidget::eventFilter(watched, event);
}

} // namespace reverie::app
