#include "workbenches/enhance/enhanceview.h"

#include "workbenches/enhance/audiocompare.h"
#include "workbenches/historypanel.h"

#include "models/zoo.h"
#include "speech/metrics.h"
#include "waveformview.h"
#include "workbenches/common.h"
#include "workbenches/filedrop.h"

#include <QAudioDevice>
#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMediaDevices>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QShortcut>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>

namespace reverie::app {
namespace {

namespace sp = reverie::speech;

QString dash() { return QStringLiteral("—"); }

/// A ratio at the metrics' cap (±kMaxDb) means "no error of that kind" (the noisy input has no
/// artefacts: its SI-SAR is +∞); a difference with it would mean nothing.
bool capped(double v) { return std::abs(v) >= sp::kMaxDb; }

QString scoreText(const std::optional<double>& v, int decimals) {
    if (!v || !std::isfinite(*v)) return dash();
    if (capped(*v)) return *v > 0 ? QStringLiteral("∞") : QStringLiteral("−∞");
    return QString::number(*v, 'f', decimals);
}

QString gainText(const std::optional<double>& before, const std::optional<double>& after, int decimals) {
    if (!before || !after || !std::isfinite(*before) || !std::isfinite(*after)) return dash();
    if (capped(*before) || capped(*after)) return dash();
    const double d = *after - *before;
    return (d >= 0 ? QStringLiteral("+") : QString()) + QString::number(d, 'f', decimals);
}

// The tracks as EnhanceWorkbench numbers them (keys 1–4).
constexpr int Noisy = 1, Enhanced = 2, Residual = 4;

} // namespace

QString EnhanceView::trackName(int track) {
    switch (track) {
    case 1: return tr("Noisy");
    case 2: return tr("Enhanced");
    case 3: return tr("Reference");
    case 4: return tr("Residual");
    }
    return {};
}

EnhanceView::EnhanceView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("enhancePage"));
    setAcceptDrops(true);
    installEventFilter(this);
    auto* outer = new QVBoxLayout(this);
    outer->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Enhance")), this));
    // Two tabs: enhancing (inputs, settings, the tracks and the player) and the history of runs.
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("enhanceTabs"));
    m_enhanceTab = new QWidget(m_tabs);
    auto* row = new QHBoxLayout(m_enhanceTab);
    row->setContentsMargins(0, 0, 0, 0);
    m_audioCompare = new AudioCompareView;
    m_historyTab = new HistoryTab(m_audioCompare);
    m_historyTab->setScatterAxes(QStringLiteral("seconds"), tr("seconds"), QStringLiteral("si_sdr"),
                                 tr("SI-SDR (dB)"));
    m_tabs->addTab(m_enhanceTab, tr("Enhance"));
    m_tabs->addTab(m_historyTab, tr("History"));
    outer->addWidget(m_tabs, 1);
    auto* left = new QVBoxLayout;
    row->addLayout(left, 0);
    left->addWidget(buildInputBox());
    left->addWidget(buildSettingsBox());
    auto* runRow = new QHBoxLayout;
    m_enhance = new QPushButton(tr("Enhance"), this);
    m_enhance->setObjectName(QStringLiteral("runEnhance"));
    m_enhance->setDefault(true);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelEnhance"));
    m_export = new QPushButton(tr("Export enhanced WAV…"), this);
    m_export->setObjectName(QStringLiteral("exportEnhanced"));
    runRow->addWidget(m_enhance);
    runRow->addWidget(m_cancel);
    runRow->addWidget(m_export);
    runRow->addStretch(1);
    left->addLayout(runRow);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("enhanceProgress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    left->addWidget(m_progress);
    m_status = new QLabel(tr("Open a noisy recording (or drop one here) and press Enhance."), this);
    m_status->setObjectName(QStringLiteral("enhanceStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    left->addWidget(m_status);
    left->addWidget(buildMetricsBox());
    left->addStretch(1);
    auto* right = new QVBoxLayout;
    row->addLayout(right, 1);
    buildPlayerColumn(right);

    connect(m_enhance, &QPushButton::clicked, this, &EnhanceView::enhanceRequested);
    connect(m_cancel, &QPushButton::clicked, this, &EnhanceView::cancelRequested);
    connect(m_export, &QPushButton::clicked, this, &EnhanceView::exportRequested);
    // Keys 1–4 pick a track, Space plays and pauses, anywhere on the page.
    // On the History tab they drive its A/B player instead (1 A, 2 B, 3 A's input).
    auto onHistory = [this] { return m_tabs->currentWidget() == m_historyTab; };
    for (int t = 1; t <= 4; ++t) {
        auto* s = new QShortcut(QKeySequence(Qt::Key_0 + t), this);
        s->setContext(Qt::WidgetWithChildrenShortcut);
        connect(s, &QShortcut::activated, this, [this, t, onHistory] {
            if (!onHistory())
                Q_EMIT trackRequested(t);
            else if (t <= 3)
                m_audioCompare->select(t);
        });
    }
    auto* space = new QShortcut(QKeySequence(Qt::Key_Space), this);
    space->setContext(Qt::WidgetWithChildrenShortcut);
    connect(space, &QShortcut::activated, this, [this, onHistory] {
        if (onHistory())
            m_audioCompare->togglePlay();
        else
            Q_EMIT playRequested();
    });
}

QWidget* EnhanceView::buildInputBox() {
    auto* box = new QGroupBox(tr("Input"), this);
    auto* grid = new QGridLayout(box);
    m_noisyEdit = new QLineEdit(box);
    m_noisyEdit->setObjectName(QStringLiteral("noisyPath"));
    m_noisyEdit->setReadOnly(true);
    m_noisyEdit->setPlaceholderText(tr("open, drop or record noisy speech"));
    m_openNoisy = new QPushButton(tr("Open noisy file…"), box);
    m_openNoisy->setObjectName(QStringLiteral("openNoisy"));
    m_referenceEdit = new QLineEdit(box);
    m_referenceEdit->setObjectName(QStringLiteral("referencePath"));
    m_referenceEdit->setReadOnly(true);
    m_referenceEdit->setPlaceholderText(tr("optional: the clean speech, for scores"));
    m_openReference = new QPushButton(tr("Open reference…"), box);
    m_openReference->setObjectName(QStringLiteral("openReference"));
    m_record = new QPushButton(tr("Record"), box);
    m_record->setObjectName(QStringLiteral("record"));
    m_record->setCheckable(true);
    if (QMediaDevices::defaultAudioInput().isNull()) {
        m_record->setEnabled(false);
        m_record->setToolTip(tr("No microphone found"));
    } else {
        m_record->setToolTip(tr("Record noisy speech from %1 (16 kHz mono); press again to stop")
                                 .arg(QMediaDevices::defaultAudioInput().description()));
    }
    grid->addWidget(new QLabel(tr("Noisy:"), box), 0, 0);
    grid->addWidget(m_noisyEdit, 0, 1);
    grid->addWidget(m_openNoisy, 0, 2);
    grid->addWidget(m_record, 0, 3);
    grid->addWidget(new QLabel(tr("Reference:"), box), 1, 0);
    grid->addWidget(m_referenceEdit, 1, 1);
    grid->addWidget(m_openReference, 1, 2, 1, 2);
    grid->setColumnStretch(1, 1);
    connect(m_openNoisy, &QPushButton::clicked, this, &EnhanceView::openNoisyRequested);
    connect(m_openReference, &QPushButton::clicked, this, &EnhanceView::openReferenceRequested);
    connect(m_record, &QPushButton::clicked, this, &EnhanceView::recordToggled);
    return box;
}

QWidget* EnhanceView::buildSettingsBox() {
    auto* box = new QGroupBox(tr("Enhancement"), this);
    auto* form = new QFormLayout(box);
    m_builtinModel = new QComboBox(box);
    m_builtinModel->setObjectName(QStringLiteral("builtinModel"));
    m_builtinModel->setToolTip(
        tr("The predictive enhancer takes one network pass (fast); the score model runs a "
           "diffusion sampler (several passes, any sampler)"));
    m_builtinModel->addItem(tr("Built-in speech enhancer (16 kHz)"), qs(models::zoo::find(models::zoo::kEnhancer)));
    m_builtinModel->addItem(tr("Built-in predictive enhancer (16 kHz, one pass, dereverberates)"),
                            qs(models::zoo::find(models::zoo::kPredictiveEnhancer)));
    m_builtinModel->addItem(tr("Other folder or checkpoint"), QString());
    form->addRow(tr("Model:"), m_builtinModel);
    m_modelDir = new QLineEdit(box);
    m_modelDir->setObjectName(QStringLiteral("modelDir"));
    m_modelDir->setToolTip(tr("A model folder (weights.pt and card.json) or a published SGMSE+ checkpoint"));
    m_modelDir->setPlaceholderText(tr("folder with weights.pt and card.json, or an SGMSE+ checkpoint"));
    auto* openModel = new QPushButton(tr("Open…"), box);
    openModel->setObjectName(QStringLiteral("openModel"));
    openModel->setToolTip(tr("A model folder (weights.pt and card.json)"));
    auto* openCheckpoint = new QPushButton(tr("Open checkpoint…"), box);
    openCheckpoint->setObjectName(QStringLiteral("openCheckpoint"));
    openCheckpoint->setToolTip(tr("A published SGMSE+ checkpoint (.ckpt, .pth, .safetensors; NCSN++ backbone). "
                                  "Its STFT and SDE settings and its EMA weights are read from the file."));
    auto* modelRow = new QHBoxLayout;
    modelRow->addWidget(m_modelDir, 1);
    modelRow->addWidget(openModel);
    modelRow->addWidget(openCheckpoint);
    form->addRow(tr("Model folder:"), modelRow);
    connectFolderPicker(openModel, m_modelDir, tr("Open model folder"));
    connect(openCheckpoint, &QPushButton::clicked, this, [this] {
        const QString start = QFileInfo(QDir::fromNativeSeparators(m_modelDir->text().trimmed())).absolutePath();
        const QString file =
            QFileDialog::getOpenFileName(this, tr("Open SGMSE+ checkpoint"), start, checkpointFileFilter());
        if (!file.isEmpty()) m_modelDir->setText(QDir::toNativeSeparators(file));
    });
    m_modelCard = new QLabel(box);
    m_modelCard->setObjectName(QStringLiteral("modelCard"));
    m_modelCard->setWordWrap(true);
    m_modelCard->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_modelCard->setVisible(false);
    form->addRow(QString(), m_modelCard);
    m_modelDir->setText(QDir::toNativeSeparators(m_builtinModel->itemData(0).toString()));
    connect(m_builtinModel, &QComboBox::activated, this, [this](int i) {
        const QString dir = m_builtinModel->itemData(i).toString();
        if (!dir.isEmpty()) m_modelDir->setText(QDir::toNativeSeparators(dir));
    });
    connect(m_modelDir, &QLineEdit::textChanged, this, [this](const QString& text) {
        selectModelEntry(m_builtinModel, QDir::fromNativeSeparators(text.trimmed()));
        matchSamplerToModel();
    });
    m_task = new QComboBox(box);
    m_task->setObjectName(QStringLiteral("task"));
    m_task->addItem(tr("Noise only (keep the room)"), QStringLiteral("denoise"));
    m_task->addItem(tr("Noise (the model judges the room)"), QStringLiteral("auto"));
    m_task->addItem(tr("Dereverberate: noise and the room's echo"), QStringLiteral("dereverberate"));
    m_task->setToolTip(
        tr("What to remove. Keeping the room changes the least: only the noise goes. Dereverberation "
           "also removes the room's echo and needs a model trained for it (its card lists the tasks)."));
    form->addRow(tr("Remove:"), m_task);
    m_strength = new QSpinBox(box);
    m_strength->setObjectName(QStringLiteral("strength"));
    m_strength->setRange(-1, 100);
    m_strength->setSuffix(QStringLiteral(" %"));
    m_strength->setSpecialValueText(tr("the model's"));
    m_strength->setValue(-1);
    m_strength->setToolTip(
        tr("How much of the change to keep: 100 % is the model's output, lower mixes the input "
           "back in, keeping some noise and distorting the speech less; the model's own may depend on "
           "what it removed (its card)"));
    form->addRow(tr("Strength:"), m_strength);
    m_sampler = new QComboBox(box);
    m_sampler->setObjectName(QStringLiteral("sampler"));
    m_sampler->setToolTip(tr("How the reverse process is solved: the MR Sampler needs a few evaluations, "
                             "predictor-corrector 30–60 for the same quality"));
    for (const auto& s : sp::enhanceSamplers()) {
        m_sampler->addItem(qs(s.label), qs(s.id));
        m_sampler->setItemData(m_sampler->count() - 1, qs(s.id), Qt::ToolTipRole);
    }
    if (const int i = m_sampler->findData(QString::fromLatin1(sp::kDefaultEnhanceSampler)); i >= 0)
        m_sampler->setCurrentIndex(i);
    matchSamplerToModel();
    form->addRow(tr("Sampler:"), m_sampler);
    m_nfe = new QSpinBox(box);
    m_nfe->setObjectName(QStringLiteral("nfe"));
    m_nfe->setRange(0, 2000);
    m_nfe->setSpecialValueText(tr("default"));
    m_nfe->setToolTip(tr("Network evaluations per chunk; 0 = the sampler's default (%1 for the default sampler)")
                          .arg(sp::kDefaultEnhanceNfe));
    form->addRow(tr("NFE:"), m_nfe);
    m_seed = new QSpinBox(box);
    m_seed->setObjectName(QStringLiteral("seed"));
    m_seed->setRange(0, INT_MAX);
    m_seed->setToolTip(tr("Seeds the sampler's noise"));
    form->addRow(tr("Seed:"), m_seed);
    return box;
}

QWidget* EnhanceView::buildMetricsBox() {
    auto* metrics = new QGroupBox(tr("Metrics"), this);
    metrics->setObjectName(QStringLiteral("metrics"));
    auto* grid = new QGridLayout(metrics);
    grid->addWidget(new QLabel(tr("<b>Noisy</b>"), metrics), 0, 1, Qt::AlignRight);
    grid->addWidget(new QLabel(tr("<b>Enhanced</b>"), metrics), 0, 2, Qt::AlignRight);
    grid->addWidget(new QLabel(tr("<b>Gain</b>"), metrics), 0, 3, Qt::AlignRight);
    const QString rows[4] = {tr("SI-SDR (dB)"), tr("SI-SIR (dB)"), tr("SI-SAR (dB)"), tr("ESTOI")};
    const char* keys[4] = {"SiSdr", "SiSir", "SiSar", "Estoi"};
    const char* cols[3] = {"Noisy", "Enhanced", "Gain"};
    for (int r = 0; r < 4; ++r) {
        grid->addWidget(new QLabel(rows[r], metrics), r + 1, 0);
        for (int c = 0; c < 3; ++c) {
            auto* l = new QLabel(dash(), metrics);
            l->setObjectName(QStringLiteral("metric%1%2").arg(QLatin1String(keys[r]), QLatin1String(cols[c])));
            grid->addWidget(l, r + 1, c + 1, Qt::AlignRight);
            m_metric[std::size_t(r)][std::size_t(c)] = l;
        }
    }
    m_metricNote = new QLabel(tr("Load a reference to see scores."), metrics);
    m_metricNote->setObjectName(QStringLiteral("metricNote"));
    m_metricNote->setWordWrap(true);
    grid->addWidget(m_metricNote, 5, 0, 1, 4);
    auto addFigure = [&](int r, const QString& name, const QString& objectName) {
        grid->addWidget(new QLabel(name, metrics), r, 0);
        auto* value = new QLabel(dash(), metrics);
        value->setObjectName(objectName);
        grid->addWidget(value, r, 1, 1, 3, Qt::AlignRight);
        return value;
    };
    m_runNfe = addFigure(6, tr("NFE per chunk"), QStringLiteral("runNfe"));
    m_runSeconds = addFigure(7, tr("Seconds"), QStringLiteral("runSeconds"));
    m_runRtf = addFigure(8, tr("Real-time factor"), QStringLiteral("runRtf"));
    grid->setRowStretch(9, 1);
    return metrics;
}

void EnhanceView::buildPlayerColumn(QVBoxLayout* right) {
    auto* trackRow = new QHBoxLayout;
    auto* group = new QButtonGroup(this);
    const char* trackKeys[4] = {"trackNoisy", "trackEnhanced", "trackReference", "trackResidual"};
    for (int t = 1; t <= 4; ++t) {
        auto* b = new QRadioButton(QStringLiteral("&%1 %2").arg(t).arg(trackName(t)), this);
        b->setObjectName(QLatin1String(trackKeys[t - 1]));
        b->setToolTip(tr("Play and show this track at the same position (key %1)").arg(t));
        b->setEnabled(false);
        group->addButton(b, t);
        trackRow->addWidget(b);
        m_trackButtons[std::size_t(t - 1)] = b;
    }
    trackRow->addStretch(1);
    right->addLayout(trackRow);
    connect(group, &QButtonGroup::idClicked, this, &EnhanceView::trackRequested);

    m_wave = new widgets::WaveformView(this);
    m_wave->setObjectName(QStringLiteral("waveformView"));
    m_wave->setPlaceholderText(tr("The waveform of the selected track. Click to seek, drag to set a loop region."));
    m_spec = new widgets::WaveformView(this);
    m_spec->setObjectName(QStringLiteral("spectrogramView"));
    m_spec->setPlaceholderText(tr("The spectrogram of the selected track in the model's STFT (510-point FFT, hop 128)."));
    m_specEnhanced = new widgets::WaveformView(this);
    m_specEnhanced->setObjectName(QStringLiteral("enhancedSpectrogramView"));
    m_specResidual = new widgets::WaveformView(this);
    m_specResidual->setObjectName(QStringLiteral("residualSpectrogramView"));
    for (auto* v : {m_spec, m_specEnhanced, m_specResidual}) {
        v->setMode(widgets::WaveformView::Mode::Spectrogram);
        v->setMinimumHeight(90);
        v->setToolTip(
            tr("Wheel: zoom every view about the cursor; double-click: the whole track; click: seek; "
               "drag: loop region"));
    }
    m_spec->setMinimumHeight(180);
    m_specEnhanced->hide();
    m_specResidual->hide();
    right->addWidget(m_wave, 2);
    right->addWidget(m_spec, 3);
    right->addWidget(m_specEnhanced, 3);
    right->addWidget(m_specResidual, 3);
    const std::array<widgets::WaveformView*, 4> views{m_wave, m_spec, m_specEnhanced, m_specResidual};
    for (auto* v : views) {
        connect(v, &widgets::WaveformView::seekRequested, this, &EnhanceView::seekRequested);
        connect(v, &widgets::WaveformView::loopRequested, this, &EnhanceView::loopRequested);
        // One zoom for every view: the one zoomed tells the others.
        connect(v, &widgets::WaveformView::visibleRangeChanged, this, [views](double a, double b) {
            for (auto* o : views) o->setVisibleRange(a, b);
        });
    }

    auto* playRow = new QHBoxLayout;
    m_play = new QPushButton(tr("Play"), this);
    m_play->setObjectName(QStringLiteral("play"));
    m_play->setToolTip(tr("Play or pause (Space)"));
    m_loop = new QCheckBox(tr("Loop region"), this);
    m_loop->setObjectName(QStringLiteral("loop"));
    m_loop->setToolTip(tr("Drag across the waveform or spectrogram to choose the region"));
    m_residualRow = new QCheckBox(tr("Residual row"), this);
    m_residualRow->setObjectName(QStringLiteral("residualRow"));
    m_residualRow->setToolTip(
        tr("Show the residual (noisy − enhanced: what was removed) as a third spectrogram"));
    connect(m_residualRow, &QCheckBox::toggled, this, &EnhanceView::refreshTracks);
    m_match = new QCheckBox(tr("Match loudness"), this);
    m_match->setObjectName(QStringLiteral("matchLoudness"));
    m_match->setToolTip(tr("Play every track at the level of the noisy track, so that louder does not sound better"));
    m_levelLabel = new QLabel(this);
    m_levelLabel->setObjectName(QStringLiteral("levelOffset"));
    m_position = new QLabel(this);
    m_position->setObjectName(QStringLiteral("playPosition"));
    playRow->addWidget(m_play);
    playRow->addWidget(m_position);
    playRow->addWidget(m_loop);
    playRow->addWidget(m_match);
    playRow->addWidget(m_residualRow);
    playRow->addWidget(m_levelLabel, 1);
    right->addLayout(playRow);
    connect(m_play, &QPushButton::clicked, this, &EnhanceView::playRequested);
    connect(m_loop, &QCheckBox::toggled, this, &EnhanceView::loopToggled);
    connect(m_match, &QCheckBox::toggled, this, &EnhanceView::loudnessMatchToggled);
}

sp::EnhanceParams EnhanceView::params() const {
    sp::EnhanceParams p;
    p.modelDir = QDir::fromNativeSeparators(m_modelDir->text().trimmed()).toStdString();
    p.sampler = m_sampler->currentData().toString().toStdString();
    p.nfe = m_nfe->value();
    p.seed = std::uint64_t(m_seed->value());
    p.task = m_task->currentData().toString().toStdString();
    p.strength = m_strength->value() < 0 ? -1.0 : m_strength->value() / 100.0;
    return p;
}

void EnhanceView::setParams(const sp::EnhanceParams& p) {
    m_modelDir->setText(QDir::toNativeSeparators(qs(p.modelDir)));
    if (const int i = m_sampler->findData(qs(p.sampler)); i >= 0) m_sampler->setCurrentIndex(i);
    m_nfe->setValue(std::clamp(p.nfe, 0, m_nfe->maximum()));
    m_seed->setValue(int(std::min<std::uint64_t>(p.seed, std::uint64_t(INT_MAX))));
    if (const int i = m_task->findData(qs(p.task)); i >= 0) m_task->setCurrentIndex(i);
    m_strength->setValue(p.strength < 0 ? -1 : int(std::lround(std::clamp(p.strength, 0.0, 1.0) * 100)));
}

void EnhanceView::setInputText(int track, const QString& text) {
    (track == 1 ? m_noisyEdit : m_referenceEdit)->setText(text);
}

void EnhanceView::setState(bool busy, bool recording, bool hasNoisy, bool hasResult) {
    // A recording becomes the noisy input when it stops: nothing may start meanwhile that would
    // refuse it (and a running enhancement must let a running recording stop).
    m_enhance->setEnabled(!busy && hasNoisy && !recording);
    m_cancel->setEnabled(busy);
    m_openNoisy->setEnabled(!busy && !recording);
    m_record->setEnabled(recording || (!busy && !QMediaDevices::defaultAudioInput().isNull()));
    m_export->setEnabled(!busy && hasResult);
}

void EnhanceView::setRecording(bool recording) {
    m_record->setText(recording ? tr("Stop recording") : tr("Record"));
    const QSignalBlocker block(m_record);
    m_record->setChecked(recording);
}

void EnhanceView::setStatus(const QString& text) { m_status->setText(text); }
QString EnhanceView::status() const { return m_status->text(); }

void EnhanceView::beginEnhance() { m_progress->setRange(0, 0); } // busy until the first report

void EnhanceView::showChunks(qint64 step, qint64 total) {
    if (total <= 0) return;
    m_progress->setRange(0, int(std::min<qint64>(total, INT_MAX)));
    m_progress->setValue(int(std::min(step, total)));
}

void EnhanceView::endEnhance() {
    m_progress->setRange(0, 1);
    m_progress->setValue(1);
}

void EnhanceView::matchSamplerToModel() {
    if (!m_sampler) return; // the model row is built first
    const QString want = qs(sp::defaultEnhanceSampler(QDir::fromNativeSeparators(m_modelDir->text().trimmed()).toStdString()));
    const QString predictive = QString::fromLatin1(sp::kPredictiveSampler);
    if ((want == predictive) == (m_sampler->currentData().toString() == predictive)) return;
    if (const int i = m_sampler->findData(want); i >= 0) m_sampler->setCurrentIndex(i);
}

void EnhanceView::showRunFigures(const sp::EnhanceResult& r) {
    const bool none = r.nfe == 0 && r.seconds == 0;
    m_runNfe->setText(none ? dash() : QString::number(r.nfe));
    m_runSeconds->setText(none ? dash() : QString::number(r.seconds, 'f', 2));
    m_runRtf->setText(none ? dash() : QString::number(r.realTimeFactor, 'f', 2));
}

void EnhanceView::setCheckpoints(const QList<QPair<QString, QString>>& entries) {
    setCheckpointEntries(m_builtinModel, entries);
    selectModelEntry(m_builtinModel, QDir::fromNativeSeparators(m_modelDir->text().trimmed()));
}

void EnhanceView::showModelCard(const sp::EnhancerInfo& info) {
    // A built-in folder needs no card here; a checkpoint shows what was read from it.
    m_modelCard->setVisible(info.published);
    QStringList lines;
    for (const QString& line : qs(info.summary).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (!line.startsWith(QLatin1String("Network:")) && !line.startsWith(QLatin1String("File:")))
            lines << line.toHtmlEscaped(); // the config and the path: in the tooltip
    m_modelCard->setText(info.published ? lines.join(QStringLiteral("<br>")) : QString());
    m_modelCard->setToolTip(info.published ? qs(info.summary) : QString());
}

void EnhanceView::showScores(const EnhanceScores& s, bool hasReference) {
    const std::optional<double> noisy[4] = {s.noisy.siSdr, s.noisy.siSir, s.noisy.siSar, s.noisy.estoi};
    const std::optional<double> enh[4] = {s.enhanced.siSdr, s.enhanced.siSir, s.enhanced.siSar, s.enhanced.estoi};
    for (std::size_t r = 0; r < 4; ++r) {
        const int decimals = r == 3 ? 3 : 2;
        m_metric[r][0]->setText(scoreText(noisy[r], decimals));
        m_metric[r][1]->setText(scoreText(enh[r], decimals));
        m_metric[r][2]->setText(gainText(noisy[r], enh[r], decimals));
    }
    if (!hasReference) m_metricNote->setText(tr("Load a reference to see scores."));
    else if (!s.hasReference) m_metricNote->setText(tr("Scoring…"));
    else m_metricNote->setText(s.note.isEmpty() ? tr("Against the clean reference.") : s.note);
}

void EnhanceView::showTracks(const std::array<bool, 4>& available, int current,
                             const std::array<TrackView, 4>& views) {
    m_available = available;
    m_current = current;
    m_shown = views;
    refreshTracks();
}

void EnhanceView::refreshTracks() {
    for (int t = 1; t <= 4; ++t) {
        auto* b = m_trackButtons[std::size_t(t - 1)];
        b->setEnabled(m_available[std::size_t(t - 1)]);
        if (t == m_current && !b->isChecked()) b->setChecked(true);
    }
    // Shows track t in v, or says that its views are still being made on the engine thread.
    auto show = [this](widgets::WaveformView* v, int t, bool spectrogram) {
        const QString name = trackName(t);
        v->setLabel(name);
        const TrackView& tv = m_shown[std::size_t(t - 1)];
        if (tv.samples > 0) {
            if (spectrogram)
                v->setSpectrogram(tv.spectrogram, tv.samples);
            else
                v->setEnvelope(tv.envelope, tv.samples);
        } else {
            v->clearTrack();
            v->setPlaceholderText(tr("Computing the views of the %1 track…").arg(name.toLower()));
        }
    };
    const bool stacked = m_available[std::size_t(Enhanced - 1)] && m_available[std::size_t(Noisy - 1)];
    const bool residual = stacked && m_residualRow->isChecked() && m_available[std::size_t(Residual - 1)];
    m_specEnhanced->setVisible(stacked);
    m_specResidual->setVisible(residual);
    m_residualRow->setEnabled(stacked);
    if (m_current == 0) {
        m_wave->clearTrack();
        m_spec->clearTrack();
        return;
    }
    show(m_wave, m_current, false);
    if (stacked) {
        show(m_spec, Noisy, true);
        show(m_specEnhanced, Enhanced, true);
        if (residual) show(m_specResidual, Residual, true);
    } else {
        show(m_spec, m_current, true);
    }
}

void EnhanceView::showPlayhead(qint64 pos, qint64 loopStart, qint64 loopEnd, bool loop, double seconds, double length) {
    for (auto* v : {m_wave, m_spec, m_specEnhanced, m_specResidual}) {
        v->setPlayhead(pos);
        v->setLoop(loopStart, loopEnd, loop);
    }
    m_position->setText(tr("%1 s / %2 s").arg(seconds, 0, 'f', 2).arg(length, 0, 'f', 2));
}

void EnhanceView::setLevelText(const QString& text) { m_levelLabel->setText(text); }

void EnhanceView::setPlaying(bool playing) { m_play->setText(playing ? tr("Pause") : tr("Play")); }

void EnhanceView::setLoopChecked(bool on) { m_loop->setChecked(on); }

bool EnhanceView::loopChecked() const { return m_loop->isChecked(); }

void EnhanceView::setLoudnessMatchChecked(bool on) {
    if (m_match->isChecked() == on) return;
    const QSignalBlocker block(m_match);
    m_match->setChecked(on);
}

void EnhanceView::disablePlayback(const QString& why) {
    m_play->setEnabled(false);
    m_play->setToolTip(why);
}

bool EnhanceView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == this && handleFileDrop(event, [this](const QString& path) { Q_EMIT fileDropped(path); })) return true;
    return QWidget::eventFilter(watched, event);
}

} // namespace reverie::app
