#include "workbenches/restoreworkbench.h"
#include "workbenches/filedrop.h"

#include "generate/zoo.h"
#include "imagesettings.h"
// For restore::samplers() only (the list of ids and labels); nothing here touches a tensor.
#include "restore/pipeline.h"

#include "seriesplot.h"
#include "splitimageview.h"
#include "workbenches/sweeppanel.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHash>
#include <QHBoxLayout>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>

namespace reverie::app {
namespace {

namespace rs = reverie::restore;

constexpr int kMinNfe = 5;
constexpr int kMaxNfe = 100;

/// The samplers checked by default in the Sweep tab: the baseline and MR Sampler's main variants.
bool sweptByDefault(const std::string& id) {
    return id == "posterior" || id == "mrs-sde-2-data" || id == "mrs-ode-2-data" || id == "mrs-sde-2-noise";
}

/// A task's label in the user's language; core's English label for a task this table lacks.
QString taskLabel(const rs::TaskInfo& t) {
    static const QHash<QString, const char*> labels = {
        {QStringLiteral("noise"), QT_TRANSLATE_NOOP("reverie::app::RestoreWorkbench", "Gaussian noise (σ = 25)")},
        {QStringLiteral("blur"), QT_TRANSLATE_NOOP("reverie::app::RestoreWorkbench", "Gaussian blur (σ 1–2 px)")},
        {QStringLiteral("motion-blur"), QT_TRANSLATE_NOOP("reverie::app::RestoreWorkbench", "Motion blur (5–9 px)")},
        {QStringLiteral("down2"), QT_TRANSLATE_NOOP("reverie::app::RestoreWorkbench", "2× down-sampling")},
        {QStringLiteral("down4"), QT_TRANSLATE_NOOP("reverie::app::RestoreWorkbench", "4× down-sampling")},
        {QStringLiteral("inpaint-box"), QT_TRANSLATE_NOOP("reverie::app::RestoreWorkbench", "Inpainting: box")},
        {QStringLiteral("inpaint-stroke"), QT_TRANSLATE_NOOP("reverie::app::RestoreWorkbench", "Inpainting: strokes")},
        {QStringLiteral("jpeg"), QT_TRANSLATE_NOOP("reverie::app::RestoreWorkbench", "JPEG (quality 10–40)")}};
    const auto it = labels.constFind(qs(t.id));
    return it == labels.cend() ? qs(t.label) : RestoreWorkbench::tr(*it);
}

/// A sampler's label in the user's language (ids as in restore/pipeline.h); core's label otherwise.
QString samplerLabel(const rs::SamplerInfo& s) {
    if (s.id == "posterior") return RestoreWorkbench::tr("IR-SDE posterior sampling");
    if (s.id == "em") return RestoreWorkbench::tr("Euler–Maruyama (reverse SDE)");
    if (s.id == "ode-euler") return RestoreWorkbench::tr("PF-ODE Euler");
    static const QRegularExpression mrs(QStringLiteral("^mrs-(sde|ode)-([12])-(data|noise)$"));
    const auto m = mrs.match(qs(s.id));
    if (!m.hasMatch()) return qs(s.label);
    const QString form = m.captured(3) == QLatin1String("data") ? RestoreWorkbench::tr("data prediction")
                                                               : RestoreWorkbench::tr("noise prediction");
    return RestoreWorkbench::tr("MR Sampler %1, order %2, %3").arg(m.captured(1).toUpper(), m.captured(2), form);
}

QString dash() { return QStringLiteral("—"); }

QString psnrText(const std::optional<double>& v) { return v ? QString::number(*v, 'f', 2) : dash(); }
QString ssimText(const std::optional<double>& v) { return v && std::isfinite(*v) ? QString::number(*v, 'f', 3) : dash(); }


} // namespace

RestoreWorkbench::RestoreWorkbench(Engine* engine, QString outputDir, QObject* parent)
    : Workbench(parent), m_engine(engine), m_outputRoot(std::move(outputDir)) {
    m_extras.modelDir = reverie::zoo::find(reverie::zoo::kRestorer);
    connect(m_engine, &Engine::jobProgress, this, &RestoreWorkbench::onProgress);
}

QWidget* RestoreWorkbench::page() {
    if (m_page) return m_page;
    m_page = new QWidget;
    m_page->setObjectName(QStringLiteral("restorePage"));
    m_page->setAcceptDrops(true);
    m_page->installEventFilter(this);
    auto* layout = new QVBoxLayout(m_page);
    layout->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Restore")), m_page));
    m_tabs = new QTabWidget(m_page);
    m_tabs->setObjectName(QStringLiteral("restoreTabs"));
    m_tabs->addTab(buildRestoreTab(), tr("Restore"));
    m_tabs->addTab(buildSweepTab(), tr("Sweep"));
    layout->addWidget(m_tabs, 1);
    setBusy(Kind::None);
    return m_page;
}

// ---- Restore tab ----

QWidget* RestoreWorkbench::buildRestoreTab() {
    auto* tab = new QWidget;
    tab->setObjectName(QStringLiteral("restoreTab"));
    auto* row = new QHBoxLayout(tab);
    auto* left = new QVBoxLayout;
    row->addLayout(left, 0);

    // Input
    auto* inputBox = new QGroupBox(tr("Input"), tab);
    auto* inputForm = new QGridLayout(inputBox);
    m_useTest = new QRadioButton(tr("Test image:"), inputBox);
    m_useTest->setObjectName(QStringLiteral("useTestImage"));
    m_useTest->setChecked(true);
    m_testIndex = new QSpinBox(inputBox);
    m_testIndex->setObjectName(QStringLiteral("testIndex"));
    m_testIndex->setRange(0, 9999);
    m_testIndex->setToolTip(tr("Index of a Fashion-MNIST test image (0–9999)"));
    m_useFile = new QRadioButton(tr("File:"), inputBox);
    m_useFile->setObjectName(QStringLiteral("useFile"));
    auto* group = new QButtonGroup(inputBox);
    group->addButton(m_useTest);
    group->addButton(m_useFile);
    m_inputPath = new QLineEdit(inputBox);
    m_inputPath->setObjectName(QStringLiteral("inputPath"));
    m_inputPath->setPlaceholderText(tr("open an image or drop one on this page"));
    m_openImage = new QPushButton(tr("Open image…"), inputBox);
    m_openImage->setObjectName(QStringLiteral("openImage"));
    m_degrade = new QComboBox(inputBox);
    m_degrade->setObjectName(QStringLiteral("degradeTask"));
    m_degrade->addItem(tr("(none — restore as is)"), QString());
    for (const auto& t : rs::tasks()) m_degrade->addItem(taskLabel(t), qs(t.id));
    m_degrade->setToolTip(tr("Degrade the input with this task first: the clean image becomes the reference for "
                             "PSNR and SSIM."));
    inputForm->addWidget(m_useTest, 0, 0);
    inputForm->addWidget(m_testIndex, 0, 1, 1, 2);
    inputForm->addWidget(m_useFile, 1, 0);
    inputForm->addWidget(m_inputPath, 1, 1);
    inputForm->addWidget(m_openImage, 1, 2);
    inputForm->addWidget(new QLabel(tr("Degrade first:"), inputBox), 2, 0);
    inputForm->addWidget(m_degrade, 2, 1, 1, 2);
    inputForm->setColumnStretch(1, 1);
    left->addWidget(inputBox);

    // Model and sampler
    auto* box = new QGroupBox(tr("Restoration"), tab);
    auto* form = new QFormLayout(box);
    // The built-in models fill the folder row; any other folder shows as "Other folder".
    m_builtinModel = new QComboBox(box);
    m_builtinModel->setObjectName(QStringLiteral("builtinModel"));
    m_builtinModel->addItem(tr("Fashion-MNIST restorer (all eight tasks, grey 28×28)"),
                            qs(reverie::zoo::find(reverie::zoo::kRestorer)));
    m_builtinModel->addItem(tr("Colour-photo denoiser (noise, any size in tiles)"),
                            qs(reverie::zoo::find(reverie::zoo::kPhotoRestorer)));
    m_builtinModel->addItem(tr("Other folder"), QString());
    m_builtinModel->setToolTip(tr("Use the photo denoiser for your own colour photographs (Gaussian noise); "
                                  "the Fashion-MNIST restorer knows all eight degradations but only small grey items."));
    form->addRow(tr("Model:"), m_builtinModel);
    m_modelDir = addModelFolderRow(form, box, m_page);
    connect(m_builtinModel, &QComboBox::activated, this, [this](int i) {
        const QString dir = m_builtinModel->itemData(i).toString();
        if (!dir.isEmpty()) m_modelDir->setText(QDir::toNativeSeparators(dir));
    });
    connect(m_modelDir, &QLineEdit::textChanged, this, [this](const QString& text) {
        const QString dir = QDir::fromNativeSeparators(text.trimmed());
        int match = m_builtinModel->count() - 1;
        for (int i = 0; i + 1 < m_builtinModel->count(); ++i)
            if (!dir.isEmpty() && QDir::cleanPath(m_builtinModel->itemData(i).toString()) == QDir::cleanPath(dir)) match = i;
        const QSignalBlocker block(m_builtinModel);
        m_builtinModel->setCurrentIndex(match);
    });

    m_sampler = new QComboBox(box);
    m_sampler->setObjectName(QStringLiteral("sampler"));
    for (const auto& s : rs::samplers()) {
        m_sampler->addItem(samplerLabel(s), qs(s.id));
        m_sampler->setItemData(m_sampler->count() - 1, qs(s.id), Qt::ToolTipRole);
    }
    form->addRow(tr("Sampler:"), m_sampler);

    m_nfe = new QSlider(Qt::Horizontal, box);
    m_nfe->setObjectName(QStringLiteral("nfe"));
    m_nfe->setRange(kMinNfe, kMaxNfe);
    m_nfe->setPageStep(5);
    m_nfe->setToolTip(tr("Network evaluations (= sampler steps)"));
    m_nfeLabel = new QLabel(box);
    m_nfeLabel->setObjectName(QStringLiteral("nfeValue"));
    m_nfeLabel->setMinimumWidth(m_nfeLabel->fontMetrics().horizontalAdvance(QStringLiteral("1000")));
    m_nfeLabel->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    auto* nfeRow = new QHBoxLayout;
    nfeRow->addWidget(m_nfe, 1);
    nfeRow->addWidget(m_nfeLabel);
    form->addRow(tr("NFE:"), nfeRow);

    m_seed = new QSpinBox(box);
    m_seed->setObjectName(QStringLiteral("seed"));
    m_seed->setRange(0, INT_MAX);
    m_seed->setToolTip(tr("Seeds the degradation and the sampler's noise"));
    form->addRow(tr("Seed:"), m_seed);

    m_lambda = new QDoubleSpinBox(box);
    m_lambda->setObjectName(QStringLiteral("lambda"));
    m_lambda->setRange(1.0, 255.0);
    m_lambda->setDecimals(1);
    m_lambda->setSingleStep(5.0);
    m_lambda->setToolTip(tr("The IR-SDE's stationary noise level λ on the 0–255 scale (50 is IR-SDE's usual choice)"));
    form->addRow(tr("λ (0–255):"), m_lambda);

    m_peer = new QCheckBox(tr("Classical peer"), box);
    m_peer->setObjectName(QStringLiteral("classicalPeer"));
    m_peer->setToolTip(tr("Also restore with the task's classical method (non-local means, Wiener, bicubic, "
                          "inpainting) for comparison; needs a task to degrade with"));
    form->addRow(QString(), m_peer);
    left->addWidget(box);

    auto* runRow = new QHBoxLayout;
    m_run = new QPushButton(tr("Restore"), tab);
    m_run->setObjectName(QStringLiteral("runRestore"));
    m_run->setDefault(true);
    m_cancelRun = new QPushButton(tr("Cancel"), tab);
    m_cancelRun->setObjectName(QStringLiteral("cancelRestore"));
    runRow->addWidget(m_run);
    runRow->addWidget(m_cancelRun);
    runRow->addStretch(1);
    left->addLayout(runRow);
    auto* fileRow = new QHBoxLayout;
    m_save = new QPushButton(tr("Save result…"), tab);
    m_save->setObjectName(QStringLiteral("saveResult"));
    m_load = new QPushButton(tr("Load settings…"), tab);
    m_load->setObjectName(QStringLiteral("loadSettings"));
    m_load->setToolTip(tr("Restore the settings from a PNG saved by this workbench"));
    fileRow->addWidget(m_save);
    fileRow->addWidget(m_load);
    fileRow->addStretch(1);
    left->addLayout(fileRow);
    m_progress = new QProgressBar(tab);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    left->addWidget(m_progress);
    m_status = new QLabel(tr("Choose an input and press Restore."), tab);
    m_status->setObjectName(QStringLiteral("restoreStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    left->addWidget(m_status);
    m_preview = new QLabel(tab);
    m_preview->setObjectName(QStringLiteral("restorePreview"));
    m_preview->setAlignment(Qt::AlignCenter);
    m_preview->setMinimumSize(248, 120);
    m_preview->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_preview->setFrameShape(QFrame::StyledPanel);
    m_preview->setWordWrap(true);
    m_preview->setText(tr("While restoring: x_t (left) and the estimate x̂_0 (right) at every step."));
    left->addWidget(m_preview);
    left->addStretch(1);

    // Comparison: side choices and zoom above the split view, metrics beside it.
    auto* right = new QVBoxLayout;
    row->addLayout(right, 1);
    auto* bar = new QHBoxLayout;
    m_left = new QComboBox(tab);
    m_left->setObjectName(QStringLiteral("compareLeft"));
    m_right = new QComboBox(tab);
    m_right->setObjectName(QStringLiteral("compareRight"));
    bar->addWidget(new QLabel(tr("Left:"), tab));
    bar->addWidget(m_left);
    bar->addWidget(new QLabel(tr("Right:"), tab));
    bar->addWidget(m_right);
    bar->addStretch(1);
    auto tool = [&](const QString& text, const QString& name, const QString& tip) {
        auto* b = new QToolButton(tab);
        b->setText(text);
        b->setObjectName(name);
        b->setToolTip(tip);
        bar->addWidget(b);
        return b;
    };
    auto* zoomOut = tool(QStringLiteral("−"), QStringLiteral("zoomOut"), tr("Zoom out"));
    auto* zoomIn = tool(QStringLiteral("+"), QStringLiteral("zoomIn"), tr("Zoom in"));
    auto* zoomFit = tool(tr("Fit"), QStringLiteral("zoomFit"), tr("Fit the images to the view"));
    right->addLayout(bar);

    auto* viewRow = new QHBoxLayout;
    m_view = new widgets::SplitImageView(tab);
    m_view->setObjectName(QStringLiteral("compareView"));
    m_view->setPlaceholderText(tr("Restore an image to compare the result with its input, the clean reference and "
                                  "the classical peer. Drag the divider; wheel to zoom, drag to pan."));
    m_view->setMinimumSize(360, 300);
    viewRow->addWidget(m_view, 1);

    auto* metrics = new QGroupBox(tr("Metrics"), tab);
    metrics->setObjectName(QStringLiteral("metrics"));
    auto* grid = new QGridLayout(metrics);
    grid->addWidget(new QLabel(tr("<b>PSNR (dB)</b>"), metrics), 0, 1, Qt::AlignRight);
    grid->addWidget(new QLabel(tr("<b>SSIM</b>"), metrics), 0, 2, Qt::AlignRight);
    const QString rows[3] = {tr("Input"), tr("Result"), tr("Classical peer")};
    const char* keys[3] = {"Input", "Result", "Peer"};
    for (int i = 0; i < 3; ++i) {
        grid->addWidget(new QLabel(rows[i], metrics), i + 1, 0);
        m_psnr[i] = new QLabel(dash(), metrics);
        m_psnr[i]->setObjectName(QStringLiteral("psnr") + QLatin1String(keys[i]));
        m_ssim[i] = new QLabel(dash(), metrics);
        m_ssim[i]->setObjectName(QStringLiteral("ssim") + QLatin1String(keys[i]));
        grid->addWidget(m_psnr[i], i + 1, 1, Qt::AlignRight);
        grid->addWidget(m_ssim[i], i + 1, 2, Qt::AlignRight);
    }
    auto addFigure = [&](int r, const QString& name, const QString& objectName) {
        grid->addWidget(new QLabel(name, metrics), r, 0);
        auto* value = new QLabel(dash(), metrics);
        value->setObjectName(objectName);
        value->setWordWrap(true);
        grid->addWidget(value, r, 1, 1, 2, Qt::AlignRight);
        return value;
    };
    m_metricNfe = addFigure(4, tr("NFE"), QStringLiteral("metricNfe"));
    m_metricSeconds = addFigure(5, tr("Seconds"), QStringLiteral("metricSeconds"));
    m_metricPeer = addFigure(6, tr("Peer"), QStringLiteral("metricPeer"));
    auto* note = new QLabel(tr("Scores are against the clean reference; without a task there is none."), metrics);
    note->setWordWrap(true);
    grid->addWidget(note, 7, 0, 1, 3);
    grid->setRowStretch(8, 1);
    metrics->setFixedWidth(230);
    viewRow->addWidget(metrics);
    right->addLayout(viewRow, 1);

    connect(m_openImage, &QPushButton::clicked, this, &RestoreWorkbench::openImageClicked);
    connect(m_inputPath, &QLineEdit::textEdited, this, [this](const QString& text) {
        if (!text.isEmpty()) m_useFile->setChecked(true);
    });
    connect(m_testIndex, &QSpinBox::valueChanged, this, [this] { m_useTest->setChecked(true); });
    connect(m_nfe, &QSlider::valueChanged, this, &RestoreWorkbench::updateNfeLabel);
    connect(m_run, &QPushButton::clicked, this, &RestoreWorkbench::runClicked);
    connect(m_cancelRun, &QPushButton::clicked, this, &RestoreWorkbench::cancel);
    connect(m_save, &QPushButton::clicked, this, &RestoreWorkbench::saveClicked);
    connect(m_load, &QPushButton::clicked, this, &RestoreWorkbench::loadClicked);
    connect(m_left, &QComboBox::currentIndexChanged, this, &RestoreWorkbench::updateCompareView);
    connect(m_right, &QComboBox::currentIndexChanged, this, &RestoreWorkbench::updateCompareView);
    connect(zoomIn, &QToolButton::clicked, m_view, &widgets::SplitImageView::zoomIn);
    connect(zoomOut, &QToolButton::clicked, m_view, &widgets::SplitImageView::zoomOut);
    connect(zoomFit, &QToolButton::clicked, m_view, &widgets::SplitImageView::fitToWindow);
    applyParams(m_extras);
    updateCompareChoices();
    return tab;
}

void RestoreWorkbench::updateNfeLabel() { m_nfeLabel->setText(QString::number(m_nfe->value())); }

rs::RestoreJobParams RestoreWorkbench::currentParams() const {
    rs::RestoreJobParams p = m_extras;
    if (!m_page) return p;
    p.modelDir = QDir::fromNativeSeparators(m_modelDir->text().trimmed()).toStdString();
    p.sampler = m_sampler->currentData().toString().toStdString();
    p.nfe = m_nfe->value();
    p.seed = std::uint64_t(m_seed->value());
    p.lambda255 = m_lambda->value();
    p.classicalPeer = m_peer->isChecked();
    p.degradeTask = m_degrade->currentData().toString().toStdString();
    p.testIndex = m_testIndex->value();
    p.inputPath = m_useFile->isChecked() ? QDir::fromNativeSeparators(m_inputPath->text().trimmed()).toStdString()
                                         : std::string();
    return p;
}

void RestoreWorkbench::applyParams(const rs::RestoreJobParams& p) {
    m_extras = p; // keeps the settings without a control (previews)
    if (!m_page) page();
    m_modelDir->setText(QDir::toNativeSeparators(qs(p.modelDir)));
    if (const int i = m_sampler->findData(qs(p.sampler)); i >= 0) m_sampler->setCurrentIndex(i);
    m_nfe->setValue(std::clamp(p.nfe, kMinNfe, kMaxNfe));
    m_seed->setValue(int(std::min<std::uint64_t>(p.seed, std::uint64_t(INT_MAX))));
    m_lambda->setValue(p.lambda255);
    m_peer->setChecked(p.classicalPeer);
    if (const int i = m_degrade->findData(qs(p.degradeTask)); i >= 0) m_degrade->setCurrentIndex(i);
    m_testIndex->setValue(p.testIndex); // checks "Test image"; a file below checks "File"
    if (p.inputPath.empty()) {
        m_useTest->setChecked(true);
    } else {
        m_inputPath->setText(QDir::toNativeSeparators(qs(p.inputPath)));
        m_useFile->setChecked(true);
    }
    updateNfeLabel();
}

void RestoreWorkbench::setInputFile(const QString& path) {
    page();
    if (path.isEmpty()) {
        m_useTest->setChecked(true);
        return;
    }
    m_inputPath->setText(QDir::toNativeSeparators(path));
    m_useFile->setChecked(true);
    const QString message = tr("Input: %1. Press Restore.").arg(QFileInfo(path).fileName());
    m_status->setText(message);
    Q_EMIT statusMessage(message);
}

void RestoreWorkbench::openImageClicked() {
    const QString start = m_inputPath->text().isEmpty() ? m_outputRoot : QFileInfo(m_inputPath->text()).absolutePath();
    const QString path = QFileDialog::getOpenFileName(
        m_page, tr("Open image"), start,
        tr("Images (*.png *.jpg *.jpeg *.tif *.tiff *.webp *.bmp);;PNG (*.png);;JPEG (*.jpg *.jpeg);;"
           "TIFF (*.tif *.tiff);;WebP (*.webp);;BMP (*.bmp);;All files (*)"));
    if (!path.isEmpty()) setInputFile(path);
}

bool RestoreWorkbench::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_page && handleFileDrop(event, [this](const QString& path) { setInputFile(path); }))
        return true;
    return Workbench::eventFilter(watched, event);
}

void RestoreWorkbench::runClicked() {
    QString error;
    if (m_useFile->isChecked() && m_inputPath->text().trimmed().isEmpty())
        error = tr("Choose an image file first (Open image… or drop one here), or use a test image.");
    else if (startRestore(currentParams(), &error))
        return;
    m_status->setText(error);
    QMessageBox::warning(m_page, tr("Restore"), error);
}

bool RestoreWorkbench::startRestore(const rs::RestoreJobParams& p, QString* error) {
    page();
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        m_status->setText(message);
        Q_EMIT statusMessage(message);
        return false;
    };
    QString why;
    if (refuseWhenBusy(&why)) {
        if (error) *error = why;
        return false;
    }
    if (const auto v = rs::validateJob(p); !v) return fail(tr("Invalid settings: %1").arg(qs(v.error().message)));
    const QString dir = qs(p.modelDir);
    if (dir.isEmpty()) {
        QStringList searched;
        for (const auto& s : reverie::zoo::searchPath(reverie::zoo::kRestorer)) searched << qs(s);
        return fail(tr("The built-in restorer was not found (searched %1). Choose a model folder.")
                        .arg(searched.join(QStringLiteral(", "))));
    }
    if (!QFileInfo(dir).isDir()) return fail(tr("The model folder %1 does not exist.").arg(dir));

    applyParams(p); // the controls show what runs
    m_runParams = p;
    m_previews = 0;
    m_clock.start();
    m_progress->setRange(0, p.nfe);
    m_progress->setValue(0);
    const QString source = p.inputPath.empty() ? tr("test image %1").arg(p.testIndex)
                                               : QFileInfo(qs(p.inputPath)).fileName();
    m_status->setText(tr("Restoring %1 with %2 at NFE %3…").arg(source, qs(p.sampler)).arg(p.nfe));
    setBusy(Kind::Restore);
    quint64 id = 0;
    auto future = m_engine->submit<rs::RestoreJobResult>(
        tr("Restoring %1").arg(source), [p](const reverie::JobContext& ctx) { return rs::runRestore(p, ctx); }, &id);
    m_jobId = id;
    future.then(this, [this](const JobOutcome<rs::RestoreJobResult>& out) {
        QString message;
        if (out.ok()) {
            const auto& r = *out.value;
            showResult(r);
            message = tr("Restored with %1 · NFE %2 · %3 s").arg(qs(m_resultParams.sampler)).arg(r.nfe).arg(r.seconds, 0, 'f', 2);
            if (r.psnrRestored && r.psnrInput)
                message += tr(" · PSNR %1 dB (input %2 dB)").arg(*r.psnrRestored, 0, 'f', 2).arg(*r.psnrInput, 0, 'f', 2);
        } else if (out.status == JobStatus::Cancelled) {
            message = hasResult() ? tr("Restore stopped (%1); the previous result is kept.").arg(out.error)
                                  : tr("Restore stopped (%1).").arg(out.error);
        } else {
            message = tr("Restore failed: %1").arg(out.error);
        }
        m_progress->setValue(m_progress->maximum());
        finishJob(m_status, message);
        Q_EMIT restoreFinished(out.status, message);
    });
    return true;
}

void RestoreWorkbench::showResult(const rs::RestoreJobResult& r) {
    m_images[int(View::Result)] = toQImage(r.restored);
    m_images[int(View::Input)] = toQImage(r.input);
    m_images[int(View::Reference)] = r.reference.empty() ? QImage() : toQImage(r.reference);
    m_images[int(View::Peer)] = r.peer.empty() ? QImage() : toQImage(r.peer);
    m_resultStats = r;
    m_resultStats.input = m_resultStats.restored = m_resultStats.reference = m_resultStats.peer = {};
    m_resultParams = m_runParams;

    const std::optional<double> psnr[3] = {r.psnrInput, r.psnrRestored, r.psnrPeer};
    const std::optional<double> ssim[3] = {r.ssimInput, r.ssimRestored, r.ssimPeer};
    for (int i = 0; i < 3; ++i) {
        m_psnr[i]->setText(psnrText(psnr[i]));
        m_ssim[i]->setText(ssimText(ssim[i]));
    }
    m_metricNfe->setText(QString::number(r.nfe));
    m_metricSeconds->setText(QString::number(r.seconds, 'f', 2));
    m_metricPeer->setText(r.peerName.empty() ? dash() : qs(r.peerName));
    m_view->setToolTip(tr("%1 · NFE %2 · seed %3 · λ %4")
                           .arg(qs(m_resultParams.sampler))
                           .arg(m_resultParams.nfe)
                           .arg(qulonglong(m_resultParams.seed))
                           .arg(m_resultParams.lambda255));
    updateCompareChoices();
}

QString RestoreWorkbench::viewName(View view) const {
    switch (view) {
    case View::Result: return tr("Result");
    case View::Input: return tr("Input");
    case View::Reference: return tr("Reference");
    case View::Peer: return tr("Classical peer");
    }
    return {};
}

void RestoreWorkbench::updateCompareChoices() {
    // Offer only the images this result has; keep the user's choice where it still exists.
    auto refill = [this](QComboBox* combo, View fallback) {
        const QVariant before = combo->currentData();
        const QSignalBlocker block(combo);
        combo->clear();
        for (const View v : {View::Result, View::Input, View::Reference, View::Peer})
            if (!m_images[int(v)].isNull()) combo->addItem(viewName(v), int(v));
        int i = before.isValid() ? combo->findData(before) : -1;
        if (i < 0) i = combo->findData(int(fallback));
        combo->setCurrentIndex(std::max(i, 0));
        combo->setEnabled(combo->count() > 0);
    };
    refill(m_left, View::Input);
    refill(m_right, View::Result);
    updateCompareView();
}

void RestoreWorkbench::updateCompareView() {
    auto pick = [this](QComboBox* combo) -> std::optional<View> {
        if (combo->currentIndex() < 0) return std::nullopt;
        return View(combo->currentData().toInt());
    };
    const auto l = pick(m_left), r = pick(m_right);
    m_view->setImages(l ? m_images[int(*l)] : QImage(), r ? m_images[int(*r)] : QImage());
    m_view->setLabels(l ? viewName(*l) : QString(), r ? viewName(*r) : QString());
}

QString RestoreWorkbench::statusText() const { return m_status ? m_status->text() : QString(); }

bool RestoreWorkbench::saveResult(const QString& path, QString* error) {
    if (!hasResult()) {
        if (error) *error = tr("There is no result to save yet: press Restore first.");
        return false;
    }
    const auto& p = m_resultParams;
    const auto& r = m_resultStats;
    QJsonObject s;
    s[QStringLiteral("workbench")] = QStringLiteral("restore");
    s[QStringLiteral("model_dir")] = qs(p.modelDir);
    s[QStringLiteral("sampler")] = qs(p.sampler);
    s[QStringLiteral("nfe")] = p.nfe;
    s[QStringLiteral("seed")] = QString::number(p.seed); // a string: JSON numbers lose 64-bit seeds
    s[QStringLiteral("lambda255")] = p.lambda255;
    s[QStringLiteral("degrade_task")] = qs(p.degradeTask);
    s[QStringLiteral("classical_peer")] = p.classicalPeer;
    if (p.inputPath.empty()) s[QStringLiteral("test_index")] = p.testIndex;
    else s[QStringLiteral("input_path")] = QFileInfo(qs(p.inputPath)).absoluteFilePath();
    auto measured = [&](const char* key, const std::optional<double>& v) {
        if (v && std::isfinite(*v)) s[QLatin1String(key)] = *v;
    };
    measured("psnr_input", r.psnrInput);
    measured("psnr", r.psnrRestored);
    measured("psnr_peer", r.psnrPeer);
    measured("ssim_input", r.ssimInput);
    measured("ssim", r.ssimRestored);
    measured("ssim_peer", r.ssimPeer);
    if (!r.peerName.empty()) s[QStringLiteral("peer")] = qs(r.peerName);
    s[QStringLiteral("measured_nfe")] = double(r.nfe);
    s[QStringLiteral("seconds")] = r.seconds;
    // Never over an input: the result's own, nor the one now chosen in the controls.
    QStringList inputs;
    if (!p.inputPath.empty()) inputs << qs(p.inputPath);
    if (m_page && m_useFile->isChecked() && !m_inputPath->text().trimmed().isEmpty())
        inputs << QDir::fromNativeSeparators(m_inputPath->text().trimmed());
    return savePngWithSettings(resultImage(), s, path, error, inputs);
}

bool RestoreWorkbench::loadSettings(const QString& path, QString* error) {
    page();
    QString why;
    const auto s = readPngSettings(path, &why);
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        return false;
    };
    if (!s) return fail(why);
    if (s->value(QStringLiteral("workbench")).toString() != QLatin1String("restore") ||
        !s->contains(QStringLiteral("sampler")) || !s->contains(QStringLiteral("nfe")))
        return fail(tr("%1 carries no restoration settings (it was not saved by the Restore workbench).").arg(path));
    rs::RestoreJobParams p = currentParams();
    auto str = [&](const char* key, std::string& field) {
        if (s->contains(QLatin1String(key))) field = s->value(QLatin1String(key)).toString().toStdString();
    };
    str("model_dir", p.modelDir);
    str("sampler", p.sampler);
    str("degrade_task", p.degradeTask);
    p.nfe = s->value(QStringLiteral("nfe")).toInt(p.nfe);
    p.lambda255 = s->value(QStringLiteral("lambda255")).toDouble(p.lambda255);
    p.classicalPeer = s->value(QStringLiteral("classical_peer")).toBool(p.classicalPeer);
    readSeed(*s, p.seed);
    if (s->contains(QStringLiteral("input_path"))) {
        p.inputPath = s->value(QStringLiteral("input_path")).toString().toStdString();
    } else if (s->contains(QStringLiteral("test_index"))) {
        p.inputPath.clear();
        p.testIndex = s->value(QStringLiteral("test_index")).toInt(p.testIndex);
    }
    if (const auto v = rs::validateJob(p); !v)
        return fail(tr("%1 holds settings this version cannot use: %2").arg(path, qs(v.error().message)));
    applyParams(p);
    QString message = tr("Settings loaded from %1.").arg(QFileInfo(path).fileName());
    if (p.nfe < kMinNfe || p.nfe > kMaxNfe)
        message += QLatin1Char(' ') + tr("Its NFE %1 is outside the slider's range; NFE is now %2.").arg(p.nfe).arg(m_nfe->value());
    m_status->setText(message);
    Q_EMIT statusMessage(message);
    return true;
}

void RestoreWorkbench::saveClicked() {
    const QString base = m_resultParams.inputPath.empty()
                             ? QStringLiteral("test%1").arg(m_resultParams.testIndex)
                             : QFileInfo(qs(m_resultParams.inputPath)).completeBaseName();
    const QString suggested = QDir(m_outputRoot).filePath(QStringLiteral("%1-restored-%2-nfe%3.png")
                                                              .arg(base, qs(m_resultParams.sampler))
                                                              .arg(m_resultParams.nfe));
    QString path = QFileDialog::getSaveFileName(m_page, tr("Save result"), suggested, tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".png");
    QString error;
    if (!saveResult(path, &error)) {
        m_status->setText(error);
        QMessageBox::warning(m_page, tr("Save result"), error);
        return;
    }
    const QString message = tr("Saved %1.").arg(path);
    m_status->setText(message);
    Q_EMIT statusMessage(message);
}

void RestoreWorkbench::loadClicked() {
    const QString path = QFileDialog::getOpenFileName(m_page, tr("Load settings"), m_outputRoot, tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    QString error;
    if (!loadSettings(path, &error)) {
        m_status->setText(error);
        QMessageBox::warning(m_page, tr("Load settings"), error);
    }
}

// ---- Sweep tab ----

QWidget* RestoreWorkbench::buildSweepTab() {
    SweepPanel::Spec spec;
    m_sweepTask = new QComboBox;
    m_sweepTask->setObjectName(QStringLiteral("sweepTask"));
    for (const auto& t : rs::tasks()) m_sweepTask->addItem(taskLabel(t), qs(t.id));
    m_sweepTask->setCurrentIndex(std::max(0, m_sweepTask->findData(QStringLiteral("noise"))));
    spec.leadingRows.append({tr("Task:"), m_sweepTask});
    for (const auto& s : rs::samplers()) spec.samplers.append({qs(s.id), samplerLabel(s), qs(s.id), sweptByDefault(s.id)});
    spec.nfes = QStringLiteral("5, 10, 20, 50, 100");
    spec.nfesToolTip = tr("NFE values, separated by commas");
    spec.countName = QStringLiteral("sweepImages");
    spec.countLabel = tr("Images:");
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

    connect(m_sweep->start, &QPushButton::clicked, this, &RestoreWorkbench::sweepClicked);
    connect(m_sweep->cancel, &QPushButton::clicked, this, &RestoreWorkbench::cancel);
    return tab;
}

void RestoreWorkbench::sweepClicked() {
    rs::RestoreSweepParams sp;
    sp.base = currentParams();
    sp.base.inputPath.clear();
    sp.base.previews = false;
    sp.base.degradeTask = m_sweepTask->currentData().toString().toStdString();
    sp.samplerIds = m_sweep->checkedSamplers();
    QString error, bad;
    if (auto nfes = parseNfeList(m_sweep->nfes->text(), 1000, &bad))
        sp.nfes = std::move(*nfes);
    else
        error = tr("'%1' is not an NFE value (a whole number from 1 to 1000).").arg(bad);
    sp.images = m_sweep->count->value();
    if (error.isEmpty() && startSweep(sp, &error)) return;
    m_sweep->reportError(m_page, error);
}

bool RestoreWorkbench::startSweep(const rs::RestoreSweepParams& params, QString* error) {
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
    const rs::RestoreSweepParams sp = params;
    if (sp.samplerIds.empty()) return fail(tr("Check at least one sampler."));
    if (sp.nfes.empty()) return fail(tr("Give at least one NFE value."));
    if (sp.base.degradeTask.empty()) return fail(tr("Choose a task to degrade the test images with."));
    if (sp.images < 1 || sp.images > 10000) return fail(tr("The number of images must be between 1 and 10000."));
    for (const auto& id : sp.samplerIds)
        for (const int n : sp.nfes) {
            rs::RestoreJobParams q = sp.base;
            q.sampler = id;
            q.nfe = n;
            if (const auto v = rs::validateJob(q); !v) return fail(tr("Invalid settings: %1").arg(qs(v.error().message)));
        }
    const QString dir = qs(sp.base.modelDir);
    if (dir.isEmpty()) return fail(tr("The built-in restorer was not found. Choose a model folder in the Restore tab."));
    if (!QFileInfo(dir).isDir()) return fail(tr("The model folder %1 does not exist.").arg(dir));

    m_psnrPlot->clear();
    m_ssimPlot->clear();
    m_sweepScores->clear();
    const int points = int(sp.samplerIds.size() * sp.nfes.size());
    m_sweep->begin(points, tr("Sweeping %1 points over %2 images…").arg(points).arg(sp.images));
    m_clock.start();
    setBusy(Kind::Sweep);
    quint64 id = 0;
    auto future = m_engine->submit<rs::RestoreSweepResult>(
        tr("Restoration sweep of %1 points").arg(points),
        [sp](const reverie::JobContext& ctx) { return rs::runRestoreSweep(sp, ctx); }, &id);
    m_jobId = id;
    future.then(this, [this](const JobOutcome<rs::RestoreSweepResult>& out) {
        if (out.ok()) {
            const auto& res = *out.value;
            // The returned points are authoritative: redraw from them.
            m_psnrPlot->clear();
            m_ssimPlot->clear();
            m_sweep->table->setRowCount(0);
            for (const auto& pt : res.points) {
                JobProgress p;
                p.message = qs(pt.sampler);
                p.values = {{QStringLiteral("nfe"), double(pt.nfe)},    {QStringLiteral("psnr"), pt.psnr},
                            {QStringLiteral("ssim"), pt.ssim},          {QStringLiteral("seconds"), pt.seconds},
                            {QStringLiteral("peak_mib"), pt.peakMiB}};
                onSweepProgress(p);
            }
            m_psnrPlot->addReferenceLine(tr("degraded input %1 dB").arg(res.psnrInput, 0, 'f', 2), res.psnrInput);
            m_psnrPlot->addReferenceLine(tr("classical peer %1 dB").arg(res.psnrPeer, 0, 'f', 2), res.psnrPeer);
            m_ssimPlot->addReferenceLine(tr("degraded input %1").arg(res.ssimInput, 0, 'f', 3), res.ssimInput);
            m_ssimPlot->addReferenceLine(tr("classical peer %1").arg(res.ssimPeer, 0, 'f', 3), res.ssimPeer);
            m_sweepScores->setText(tr("Degraded input: PSNR %1 dB, SSIM %2 · classical peer: PSNR %3 dB, SSIM %4")
                                       .arg(res.psnrInput, 0, 'f', 2)
                                       .arg(ssimText(res.ssimInput), QString::number(res.psnrPeer, 'f', 2),
                                            ssimText(res.ssimPeer)));
        }
        const QString message = SweepPanel::outcomeMessage(out.ok(), out.status, out.error,
                                                           out.ok() ? qsizetype(out.value->points.size()) : 0,
                                                           m_clock.elapsed() / 1000.0);
        finishJob(m_sweep->status, message);
        Q_EMIT sweepFinished(out.status, message);
    });
    return true;
}

void RestoreWorkbench::onSweepProgress(const JobProgress& p) {
    const double psnr = p.value(QStringLiteral("psnr"));
    if (std::isnan(psnr)) return; // not a finished point
    const double nfe = p.value(QStringLiteral("nfe"), double(p.nfe));
    const double ssim = p.value(QStringLiteral("ssim"));
    m_psnrPlot->addPoint(p.message, nfe, psnr);
    m_ssimPlot->addPoint(p.message, nfe, ssim);
    QString tip;
    for (const auto& s : rs::samplers())
        if (qs(s.id) == p.message) tip = samplerLabel(s);
    m_sweep->addRow({p.message, QString::number(qint64(nfe)), QString::number(psnr, 'f', 2), ssimText(ssim),
                     QString::number(p.value(QStringLiteral("seconds")), 'f', 3),
                     QString::number(p.value(QStringLiteral("peak_mib")), 'f', 1)},
                    tip);
    if (p.total > 0)
        m_sweep->showPoint(p.step, tr("Point %1 of %2: %3 at NFE %4 · PSNR %5 dB · SSIM %6")
                                       .arg(p.step)
                                       .arg(p.total)
                                       .arg(p.message)
                                       .arg(qint64(nfe))
                                       .arg(psnr, 0, 'f', 2)
                                       .arg(ssimText(ssim)));
}

int RestoreWorkbench::sweepRows() const { return m_sweep ? m_sweep->rows() : 0; }

QString RestoreWorkbench::sweepCell(int row, int column) const { return m_sweep ? m_sweep->cellText(row, column) : QString(); }

QString RestoreWorkbench::sweepStatusText() const { return m_sweep ? m_sweep->statusText() : QString(); }

// ---- Shared ----

void RestoreWorkbench::cancel() {
    if (m_jobId != 0) m_engine->cancel(m_jobId);
}

bool RestoreWorkbench::refuseWhenBusy(QString* error) const {
    if (m_jobId == 0) return false;
    if (error) *error = tr("Another job of this workbench is running; wait for it or cancel it.");
    return true;
}

void RestoreWorkbench::finishJob(QLabel* status, const QString& message) {
    m_jobId = 0;
    setBusy(Kind::None);
    status->setText(message);
    Q_EMIT statusMessage(message);
}

void RestoreWorkbench::setBusy(Kind kind) {
    m_kind = kind;
    if (!m_page) return;
    const bool idle = kind == Kind::None;
    // One job of this workbench at a time: every start button waits for the running one.
    m_run->setEnabled(idle);
    m_cancelRun->setEnabled(kind == Kind::Restore);
    m_load->setEnabled(idle);
    m_save->setEnabled(idle && hasResult());
    m_sweep->start->setEnabled(idle);
    m_sweep->cancel->setEnabled(kind == Kind::Sweep);
}

void RestoreWorkbench::onProgress(const JobProgress& p) {
    if (p.jobId != m_jobId || m_jobId == 0 || !m_page) return;
    switch (m_kind) {
    case Kind::Restore:
        if (!p.preview.isNull()) {
            ++m_previews;
            showPixelImage(m_preview, p.preview);
        }
        if (p.total > 0) {
            m_progress->setRange(0, int(std::min<qint64>(p.total, INT_MAX)));
            m_progress->setValue(int(std::min(p.step, p.total)));
        }
        m_status->setText(tr("Step %1 of %2 · NFE %3 · %4 s")
                              .arg(p.step)
                              .arg(p.total)
                              .arg(p.nfe)
                              .arg(m_clock.elapsed() / 1000.0, 0, 'f', 1));
        break;
    case Kind::Sweep:
        onSweepProgress(p);
        break;
    case Kind::None:
        break;
    }
}

} // namespace reverie::app
