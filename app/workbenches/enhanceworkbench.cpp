#include "workbenches/enhanceworkbench.h"
#include "workbenches/filedrop.h"

#include "generate/zoo.h"
#include "speech/metrics.h"
#include "speech/view.h"
#include "workbenches/sweeppanel.h"

#include "abplayer.h"
#include "waveformview.h"

#include <QAudioDevice>
#include <QAudioFormat>
#include <QAudioSource>
#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMediaDevices>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QShortcut>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>

namespace reverie::app {

namespace sp = reverie::speech;

/// What an analysis job computes for the inputs as they were when it was submitted.
struct EnhanceWorkbench::Analysis {
    std::array<std::optional<TrackView>, 4> views;
    std::optional<EnhanceScores> scores;
    std::array<int, 4> generation{};
};

/// What an enhancement job brings back.
struct EnhanceWorkbench::Outcome {
    sp::EnhanceResult result;
    sp::Audio residual;
    TrackView enhancedView, residualView;
    std::optional<EnhanceScores> scores;
};

namespace {

constexpr int kEnvelopeColumns = 2048;
constexpr float kSpectrogramRangeDb = 80.0f;
constexpr int kRate = 16000;
/// Recording stops by itself after this long (a forgotten recording must not fill the memory).
constexpr int kMaxRecordSeconds = 600;

QString dash() { return QStringLiteral("—"); }

/// text ending as a sentence, so that another can follow it ("no such file" → "no such file.").
QString sentence(QString text) {
    text = text.trimmed();
    if (!text.isEmpty() && !QStringLiteral(".!?").contains(text.back())) text += QLatin1Char('.');
    return text;
}


/// Spectrogram image and envelope of a track (engine thread).
reverie::Result<TrackView> makeView(const std::vector<float>& samples) {
    auto s = sp::spectrogram(samples);
    if (!s) return s.error();
    const auto& g = s.value();
    TrackView v;
    v.samples = qint64(samples.size());
    v.spectrogram = widgets::spectrogramImage(g.db, g.frames, g.bins, g.maxDb - kSpectrogramRangeDb, g.maxDb);
    const auto env = sp::waveformEnvelope(samples, kEnvelopeColumns);
    v.envelope.reserve(qsizetype(env.size()));
    for (const auto& [lo, hi] : env) v.envelope.append(qMakePair(lo, hi));
    return v;
}

/// Scores of noisy and (if given) enhanced against the reference, over their common length
/// (engine thread).
EnhanceScores makeScores(const std::vector<float>& reference, const std::vector<float>& noisy,
                         const std::vector<float>& enhanced, int rate) {
    EnhanceScores out;
    out.hasReference = true;
    std::size_t n = std::min(reference.size(), noisy.size());
    if (!enhanced.empty()) n = std::min(n, enhanced.size());
    QStringList notes;
    if (reference.size() != noisy.size())
        notes << EnhanceWorkbench::tr("The reference has %1 samples, the noisy input %2: scored over the first %3.")
                     .arg(reference.size())
                     .arg(noisy.size())
                     .arg(n);
    if (n == 0) {
        out.note = EnhanceWorkbench::tr("Nothing to score.");
        return out;
    }
    const std::vector<float> s(reference.begin(), reference.begin() + std::ptrdiff_t(n));
    std::vector<float> y(noisy.begin(), noisy.begin() + std::ptrdiff_t(n));
    std::vector<float> noise(n);
    for (std::size_t i = 0; i < n; ++i) noise[i] = y[i] - s[i];
    auto score = [&](const std::vector<float>& estimate, EnhanceScores::Set& set) {
        if (const auto r = sp::siRatios(s, noise, estimate)) {
            set.siSdr = r.value().siSdr;
            set.siSir = r.value().siSir;
            set.siSar = r.value().siSar;
        } else {
            notes << QString::fromStdString(r.error().message);
        }
        if (const auto e = sp::estoi(s, estimate, rate)) set.estoi = e.value();
        else notes << QString::fromStdString(e.error().message);
    };
    score(y, out.noisy);
    if (!enhanced.empty()) score(std::vector<float>(enhanced.begin(), enhanced.begin() + std::ptrdiff_t(n)), out.enhanced);
    notes.removeDuplicates();
    out.note = notes.join(QLatin1Char(' '));
    return out;
}

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

} // namespace

EnhanceWorkbench::EnhanceWorkbench(Engine* engine, QString outputDir, QObject* parent)
    : Workbench(parent), m_engine(engine), m_outputRoot(std::move(outputDir)),
      m_player(std::make_unique<widgets::PlayerLogic>()) {
    m_player->setSampleRate(kRate);
    m_output = new widgets::AudioOutput(m_player.get(), this);
    connect(m_engine, &Engine::jobProgress, this, &EnhanceWorkbench::onProgress);
}

EnhanceWorkbench::~EnhanceWorkbench() {
    if (m_source) m_source->stop();
    // The output reads the player: stop it before the player goes.
    delete m_output;
    m_output = nullptr;
}

QWidget* EnhanceWorkbench::page() {
    if (m_page) return m_page;
    m_page = new QWidget;
    m_page->setObjectName(QStringLiteral("enhancePage"));
    m_page->setAcceptDrops(true);
    m_page->installEventFilter(this);
    auto* outer = new QVBoxLayout(m_page);
    outer->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Enhance")), m_page));
    auto* row = new QHBoxLayout;
    outer->addLayout(row, 1);
    auto* left = new QVBoxLayout;
    row->addLayout(left, 0);

    // Input
    auto* inputBox = new QGroupBox(tr("Input"), m_page);
    auto* inputGrid = new QGridLayout(inputBox);
    m_noisyEdit = new QLineEdit(inputBox);
    m_noisyEdit->setObjectName(QStringLiteral("noisyPath"));
    m_noisyEdit->setReadOnly(true);
    m_noisyEdit->setPlaceholderText(tr("open, drop or record noisy speech"));
    m_openNoisy = new QPushButton(tr("Open noisy file…"), inputBox);
    m_openNoisy->setObjectName(QStringLiteral("openNoisy"));
    m_referenceEdit = new QLineEdit(inputBox);
    m_referenceEdit->setObjectName(QStringLiteral("referencePath"));
    m_referenceEdit->setReadOnly(true);
    m_referenceEdit->setPlaceholderText(tr("optional: the clean speech, for scores"));
    m_openReference = new QPushButton(tr("Open reference…"), inputBox);
    m_openReference->setObjectName(QStringLiteral("openReference"));
    m_record = new QPushButton(tr("Record"), inputBox);
    m_record->setObjectName(QStringLiteral("record"));
    m_record->setCheckable(true);
    if (QMediaDevices::defaultAudioInput().isNull()) {
        m_record->setEnabled(false);
        m_record->setToolTip(tr("No microphone found"));
    } else {
        m_record->setToolTip(tr("Record noisy speech from %1 (16 kHz mono); press again to stop")
                                 .arg(QMediaDevices::defaultAudioInput().description()));
    }
    inputGrid->addWidget(new QLabel(tr("Noisy:"), inputBox), 0, 0);
    inputGrid->addWidget(m_noisyEdit, 0, 1);
    inputGrid->addWidget(m_openNoisy, 0, 2);
    inputGrid->addWidget(m_record, 0, 3);
    inputGrid->addWidget(new QLabel(tr("Reference:"), inputBox), 1, 0);
    inputGrid->addWidget(m_referenceEdit, 1, 1);
    inputGrid->addWidget(m_openReference, 1, 2, 1, 2);
    inputGrid->setColumnStretch(1, 1);
    left->addWidget(inputBox);

    // Model and sampler
    auto* box = new QGroupBox(tr("Enhancement"), m_page);
    auto* form = new QFormLayout(box);
    m_builtinModel = new QComboBox(box);
    m_builtinModel->setObjectName(QStringLiteral("builtinModel"));
    m_builtinModel->addItem(tr("Built-in speech enhancer (16 kHz)"), qs(reverie::zoo::find(reverie::zoo::kEnhancer)));
    m_builtinModel->addItem(tr("Other folder"), QString());
    form->addRow(tr("Model:"), m_builtinModel);
    m_modelDir = addModelFolderRow(form, box, m_page);
    m_modelDir->setText(QDir::toNativeSeparators(m_builtinModel->itemData(0).toString()));
    connect(m_builtinModel, &QComboBox::activated, this, [this](int i) {
        const QString dir = m_builtinModel->itemData(i).toString();
        if (!dir.isEmpty()) m_modelDir->setText(QDir::toNativeSeparators(dir));
    });
    connect(m_modelDir, &QLineEdit::textChanged, this, [this](const QString& text) {
        const QString dir = QDir::cleanPath(QDir::fromNativeSeparators(text.trimmed()));
        const QString builtin = m_builtinModel->itemData(0).toString();
        const QSignalBlocker block(m_builtinModel);
        m_builtinModel->setCurrentIndex(!builtin.isEmpty() && dir == QDir::cleanPath(builtin) ? 0 : 1);
    });
    m_sampler = new QComboBox(box);
    m_sampler->setObjectName(QStringLiteral("sampler"));
    for (const auto& s : sp::enhanceSamplers()) {
        m_sampler->addItem(qs(s.label), qs(s.id));
        m_sampler->setItemData(m_sampler->count() - 1, qs(s.id), Qt::ToolTipRole);
    }
    if (const int i = m_sampler->findData(QString::fromLatin1(sp::kDefaultEnhanceSampler)); i >= 0)
        m_sampler->setCurrentIndex(i);
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
    left->addWidget(box);

    auto* runRow = new QHBoxLayout;
    m_enhance = new QPushButton(tr("Enhance"), m_page);
    m_enhance->setObjectName(QStringLiteral("runEnhance"));
    m_enhance->setDefault(true);
    m_cancel = new QPushButton(tr("Cancel"), m_page);
    m_cancel->setObjectName(QStringLiteral("cancelEnhance"));
    m_export = new QPushButton(tr("Export enhanced WAV…"), m_page);
    m_export->setObjectName(QStringLiteral("exportEnhanced"));
    runRow->addWidget(m_enhance);
    runRow->addWidget(m_cancel);
    runRow->addWidget(m_export);
    runRow->addStretch(1);
    left->addLayout(runRow);
    m_progress = new QProgressBar(m_page);
    m_progress->setObjectName(QStringLiteral("enhanceProgress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    left->addWidget(m_progress);
    m_status = new QLabel(tr("Open a noisy recording (or drop one here) and press Enhance."), m_page);
    m_status->setObjectName(QStringLiteral("enhanceStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    left->addWidget(m_status);

    // Metrics
    auto* metrics = new QGroupBox(tr("Metrics"), m_page);
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
    left->addWidget(metrics);
    left->addStretch(1);

    // Views and player
    auto* right = new QVBoxLayout;
    row->addLayout(right, 1);
    auto* trackRow = new QHBoxLayout;
    auto* group = new QButtonGroup(m_page);
    const char* trackKeys[4] = {"trackNoisy", "trackEnhanced", "trackReference", "trackResidual"};
    for (int t = 1; t <= 4; ++t) {
        auto* b = new QRadioButton(QStringLiteral("&%1 %2").arg(t).arg(trackName(t)), m_page);
        b->setObjectName(QLatin1String(trackKeys[t - 1]));
        b->setToolTip(tr("Play and show this track at the same position (key %1)").arg(t));
        b->setEnabled(false);
        group->addButton(b, t);
        trackRow->addWidget(b);
        m_trackButtons[std::size_t(t - 1)] = b;
    }
    trackRow->addStretch(1);
    right->addLayout(trackRow);
    connect(group, &QButtonGroup::idClicked, this, [this](int id) { selectTrack(id); });

    m_wave = new widgets::WaveformView(m_page);
    m_wave->setObjectName(QStringLiteral("waveformView"));
    m_wave->setPlaceholderText(tr("The waveform of the selected track. Click to seek, drag to set a loop region."));
    m_spec = new widgets::WaveformView(m_page);
    m_spec->setObjectName(QStringLiteral("spectrogramView"));
    m_spec->setMode(widgets::WaveformView::Mode::Spectrogram);
    m_spec->setPlaceholderText(tr("The spectrogram of the selected track in the model's STFT (510-point FFT, hop 128)."));
    m_spec->setMinimumHeight(180);
    right->addWidget(m_wave, 2);
    right->addWidget(m_spec, 3);
    for (auto* v : {m_wave, m_spec}) {
        connect(v, &widgets::WaveformView::seekRequested, this, [this](qint64 s) {
            m_player->seek(s);
            showPlayer();
        });
        connect(v, &widgets::WaveformView::loopRequested, this, [this](qint64 a, qint64 b) {
            m_player->setLoop(a, b);
            if (m_loop->isChecked()) showPlayer();
            else m_loop->setChecked(true); // shows it
        });
    }

    auto* playRow = new QHBoxLayout;
    m_play = new QPushButton(tr("Play"), m_page);
    m_play->setObjectName(QStringLiteral("play"));
    m_play->setToolTip(tr("Play or pause (Space)"));
    m_loop = new QCheckBox(tr("Loop region"), m_page);
    m_loop->setObjectName(QStringLiteral("loop"));
    m_loop->setToolTip(tr("Drag across the waveform or spectrogram to choose the region"));
    m_match = new QCheckBox(tr("Match loudness"), m_page);
    m_match->setObjectName(QStringLiteral("matchLoudness"));
    m_match->setToolTip(tr("Play every track at the level of the noisy track, so that louder does not sound better"));
    m_levelLabel = new QLabel(m_page);
    m_levelLabel->setObjectName(QStringLiteral("levelOffset"));
    m_position = new QLabel(m_page);
    m_position->setObjectName(QStringLiteral("playPosition"));
    playRow->addWidget(m_play);
    playRow->addWidget(m_position);
    playRow->addWidget(m_loop);
    playRow->addWidget(m_match);
    playRow->addWidget(m_levelLabel, 1);
    right->addLayout(playRow);
    if (!widgets::AudioOutput::deviceAvailable()) {
        m_play->setEnabled(false);
        m_play->setToolTip(m_output->unavailableReason());
    }

    connect(m_play, &QPushButton::clicked, this, &EnhanceWorkbench::togglePlay);
    connect(m_loop, &QCheckBox::toggled, this, [this](bool on) {
        m_player->setLoopEnabled(on);
        showPlayer();
    });
    connect(m_match, &QCheckBox::toggled, this, &EnhanceWorkbench::setLoudnessMatch);
    connect(m_output, &widgets::AudioOutput::positionChanged, this, [this](qint64) { showPlayer(); });
    connect(m_output, &widgets::AudioOutput::playingChanged, this,
            [this](bool playing) { m_play->setText(playing ? tr("Pause") : tr("Play")); });

    // Keys 1–4 pick a track, Space plays and pauses, anywhere on the page.
    for (int t = 1; t <= 4; ++t) {
        auto* s = new QShortcut(QKeySequence(Qt::Key_0 + t), m_page);
        s->setContext(Qt::WidgetWithChildrenShortcut);
        connect(s, &QShortcut::activated, this, [this, t] { selectTrack(t); });
    }
    auto* space = new QShortcut(QKeySequence(Qt::Key_Space), m_page);
    space->setContext(Qt::WidgetWithChildrenShortcut);
    connect(space, &QShortcut::activated, this, &EnhanceWorkbench::togglePlay);

    connect(m_openNoisy, &QPushButton::clicked, this, &EnhanceWorkbench::openNoisyClicked);
    connect(m_openReference, &QPushButton::clicked, this, &EnhanceWorkbench::openReferenceClicked);
    connect(m_record, &QPushButton::clicked, this, &EnhanceWorkbench::recordClicked);
    connect(m_enhance, &QPushButton::clicked, this, &EnhanceWorkbench::enhanceClicked);
    connect(m_cancel, &QPushButton::clicked, this, &EnhanceWorkbench::cancel);
    connect(m_export, &QPushButton::clicked, this, &EnhanceWorkbench::exportClicked);

    setBusy(false);
    updateViews();
    // No output device: say so at once (the Play button is off), not only when Space is pressed.
    if (!widgets::AudioOutput::deviceAvailable())
        m_status->setText(m_status->text() + QLatin1Char(' ') + m_output->unavailableReason());
    return m_page;
}

QString EnhanceWorkbench::trackName(int track) const {
    switch (track) {
    case Noisy: return tr("Noisy");
    case Enhanced: return tr("Enhanced");
    case Reference: return tr("Reference");
    case Residual: return tr("Residual");
    }
    return {};
}

void EnhanceWorkbench::setStatus(const QString& message) {
    if (m_status) m_status->setText(message);
    Q_EMIT statusMessage(message);
}

QString EnhanceWorkbench::statusText() const { return m_status ? m_status->text() : QString(); }

void EnhanceWorkbench::cancel() {
    if (m_jobId != 0) m_engine->cancel(m_jobId);
}

void EnhanceWorkbench::setBusy(bool busy) {
    if (!m_page) return;
    // A recording becomes the noisy input when it stops: nothing may start meanwhile that would
    // refuse it (and a running enhancement must let a running recording stop).
    const bool recording = m_source != nullptr;
    m_enhance->setEnabled(!busy && hasNoisy() && !recording);
    m_cancel->setEnabled(busy);
    m_openNoisy->setEnabled(!busy && !recording);
    m_record->setEnabled(recording || (!busy && !QMediaDevices::defaultAudioInput().isNull()));
    m_export->setEnabled(!busy && hasResult());
}

// ---- Inputs ----

bool EnhanceWorkbench::loadInto(int track, const sp::Audio& audio, const QString& path, QString* error) {
    page();
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        setStatus(message);
        return false;
    };
    if (track == Noisy && isBusy())
        return fail(tr("Enhancing: wait for it or cancel it before choosing another noisy input."));
    if (audio.samples.empty()) return fail(tr("The audio is empty; the loaded audio is kept."));
    if (audio.sampleRate != kRate)
        return fail(tr("The audio must be 16 kHz mono (it is %1 Hz); the loaded audio is kept.").arg(audio.sampleRate));
    for (const float v : audio.samples)
        if (!std::isfinite(v)) return fail(tr("The audio has NaN/Inf samples; the loaded audio is kept."));

    const auto i = std::size_t(track - 1);
    m_audio[i] = audio;
    m_views[i] = TrackView{};
    ++m_generation[i];
    m_player->setTrack(track, audio.samples);
    if (track == Noisy) {
        // The result belonged to the previous input.
        m_noisyPath = path;
        for (const int t : {int(Enhanced), int(Residual)}) {
            m_audio[std::size_t(t - 1)] = sp::Audio{};
            m_views[std::size_t(t - 1)] = TrackView{};
            ++m_generation[std::size_t(t - 1)];
            m_player->clearTrack(t);
        }
        m_resultStats = sp::EnhanceResult{};
        for (auto* l : {m_runNfe, m_runSeconds, m_runRtf}) l->setText(dash());
        m_noisyEdit->setText(path.isEmpty() ? tr("(recording, %1 s)").arg(audio.seconds(), 0, 'f', 1)
                                            : QDir::toNativeSeparators(path));
        m_player->select(Noisy);
    } else {
        m_referencePath = path;
        m_referenceEdit->setText(path.isEmpty() ? tr("(from memory, %1 s)").arg(audio.seconds(), 0, 'f', 1)
                                                : QDir::toNativeSeparators(path));
    }
    QString message = tr("%1: %2 s loaded.").arg(trackName(track)).arg(audio.seconds(), 0, 'f', 2);
    if (!audio.note.empty()) message += QLatin1Char(' ') + qs(audio.note);
    if (track == Noisy) message += QLatin1Char(' ') + tr("Press Enhance.");
    setStatus(message);
    setBusy(isBusy());
    m_scores = EnhanceScores{};
    showScores();
    updateViews();
    analyse(true);
    return true;
}

bool EnhanceWorkbench::setNoisyFile(const QString& path, QString* error) {
    page();
    if (isBusy()) return loadInto(Noisy, {}, path, error); // says why
    auto a = sp::loadAudio(QDir::fromNativeSeparators(path).toStdString(), kRate);
    if (!a) {
        const QString message = tr("%1 The loaded audio is kept.").arg(sentence(qs(a.error().message)));
        if (error) *error = message;
        setStatus(message);
        return false;
    }
    return loadInto(Noisy, a.value(), QFileInfo(path).absoluteFilePath(), error);
}

bool EnhanceWorkbench::setReferenceFile(const QString& path, QString* error) {
    page();
    auto a = sp::loadAudio(QDir::fromNativeSeparators(path).toStdString(), kRate);
    if (!a) {
        const QString message = tr("%1 The loaded audio is kept.").arg(sentence(qs(a.error().message)));
        if (error) *error = message;
        setStatus(message);
        return false;
    }
    return loadInto(Reference, a.value(), QFileInfo(path).absoluteFilePath(), error);
}

bool EnhanceWorkbench::setNoisyAudio(const sp::Audio& audio, QString* error) {
    return loadInto(Noisy, audio, QString(), error);
}

bool EnhanceWorkbench::setReferenceAudio(const sp::Audio& audio, QString* error) {
    return loadInto(Reference, audio, QString(), error);
}

namespace {
const QString& audioFilter() {
    static const QString filter = EnhanceWorkbench::tr(
        "Audio files (*.wav *.flac *.ogg *.opus *.mp3 *.aif *.aiff *.caf *.w64 *.rf64);;All files (*)");
    return filter;
}
} // namespace

void EnhanceWorkbench::openNoisyClicked() {
    const QString start = m_noisyPath.isEmpty() ? m_outputRoot : QFileInfo(m_noisyPath).absolutePath();
    const QString path = QFileDialog::getOpenFileName(m_page, tr("Open noisy file"), start, audioFilter());
    if (path.isEmpty()) return;
    QString error;
    if (!setNoisyFile(path, &error)) QMessageBox::warning(m_page, tr("Open noisy file"), error);
}

void EnhanceWorkbench::openReferenceClicked() {
    const QString start = !m_referencePath.isEmpty() ? QFileInfo(m_referencePath).absolutePath()
                          : !m_noisyPath.isEmpty()   ? QFileInfo(m_noisyPath).absolutePath()
                                                     : m_outputRoot;
    const QString path = QFileDialog::getOpenFileName(m_page, tr("Open reference"), start, audioFilter());
    if (path.isEmpty()) return;
    QString error;
    if (!setReferenceFile(path, &error)) QMessageBox::warning(m_page, tr("Open reference"), error);
}

bool EnhanceWorkbench::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_page && handleFileDrop(event, [this](const QString& path) { setNoisyFile(path); })) // a failure is in the status line
        return true;
    return Workbench::eventFilter(watched, event);
}

// ---- Recording ----

void EnhanceWorkbench::recordClicked() {
    if (m_source) {
        finishRecording();
        return;
    }
    const QAudioDevice device = QMediaDevices::defaultAudioInput();
    auto refuse = [this](const QString& message) {
        const QSignalBlocker block(m_record);
        m_record->setChecked(false);
        setStatus(message);
    };
    if (device.isNull()) return refuse(tr("No microphone found."));
    if (isBusy()) return refuse(tr("Enhancing: wait for it or cancel it before choosing another noisy input."));
    QAudioFormat format;
    format.setSampleRate(kRate);
    format.setChannelCount(1);
    format.setSampleFormat(QAudioFormat::Int16);
    if (!device.isFormatSupported(format))
        return refuse(tr("The microphone %1 does not record 16 kHz mono.").arg(device.description()));
    m_recorded.clear();
    m_source = new QAudioSource(device, format, this);
    m_sourceDevice = m_source->start();
    if (!m_sourceDevice || m_source->error() != QAudio::NoError) {
        m_source->deleteLater();
        m_source = nullptr;
        m_sourceDevice = nullptr;
        return refuse(tr("The microphone %1 could not be opened.").arg(device.description()));
    }
    connect(m_sourceDevice, &QIODevice::readyRead, this, [this] {
        if (!m_sourceDevice) return;
        m_recorded += m_sourceDevice->readAll();
        if (m_recorded.size() >= qsizetype(kMaxRecordSeconds) * kRate * 2) finishRecording();
    });
    m_record->setText(tr("Stop recording"));
    setBusy(isBusy());
    setStatus(tr("Recording from %1… press Stop recording to use it as the noisy input.").arg(device.description()));
}

void EnhanceWorkbench::finishRecording() {
    if (!m_source) return;
    if (m_sourceDevice) m_recorded += m_sourceDevice->readAll();
    m_source->stop();
    m_source->deleteLater();
    m_source = nullptr;
    m_sourceDevice = nullptr;
    m_record->setText(tr("Record"));
    {
        const QSignalBlocker block(m_record);
        m_record->setChecked(false);
    }
    setBusy(isBusy());
    sp::Audio a;
    a.sampleRate = kRate;
    const auto* s = reinterpret_cast<const qint16*>(m_recorded.constData());
    const qsizetype n = m_recorded.size() / 2;
    a.samples.resize(std::size_t(n));
    for (qsizetype i = 0; i < n; ++i) a.samples[std::size_t(i)] = float(s[i]) / 32768.0f;
    m_recorded.clear();
    if (a.samples.empty()) {
        setStatus(tr("Nothing was recorded; the loaded audio is kept."));
        return;
    }
    setNoisyAudio(a);
}

// ---- Engine jobs ----

void EnhanceWorkbench::analyse(bool views) {
    // Snapshot of the inputs (values only cross to the engine thread).
    std::array<std::vector<float>, 4> tracks;
    std::array<bool, 4> wanted{};
    for (std::size_t i = 0; i < 4; ++i) {
        wanted[i] = views && !m_audio[i].samples.empty() && m_views[i].samples == 0;
    }
    const bool score = hasReference() && hasNoisy();
    for (std::size_t i = 0; i < 4; ++i)
        if (wanted[i] || (score && i < 3)) tracks[i] = m_audio[i].samples;
    const auto generation = m_generation;
    if (!score && std::none_of(wanted.begin(), wanted.end(), [](bool w) { return w; })) return;
    quint64 id = 0;
    auto future = m_engine->submit<Analysis>(
        tr("Analysing audio"),
        [tracks = std::move(tracks), wanted, generation, score](const reverie::JobContext&) -> reverie::Result<Analysis> {
            Analysis a;
            a.generation = generation;
            for (std::size_t i = 0; i < 4; ++i) {
                if (!wanted[i]) continue;
                auto v = makeView(tracks[i]);
                if (!v) return v.error();
                a.views[i] = std::move(v).value();
            }
            if (score) a.scores = makeScores(tracks[2], tracks[0], tracks[1], kRate);
            return a;
        },
        &id);
    m_analysisJobs.append(id);
    future.then(this, [this, id](const JobOutcome<Analysis>& out) {
        m_analysisJobs.removeAll(id);
        if (out.ok()) {
            const Analysis& a = *out.value;
            for (std::size_t i = 0; i < 4; ++i)
                if (a.views[i] && a.generation[i] == m_generation[i]) m_views[i] = *a.views[i];
            if (a.scores && a.generation == m_generation) {
                m_scores = *a.scores;
                showScores();
            }
            updateViews();
        } else if (out.status == JobStatus::Failed) {
            setStatus(tr("Could not analyse the audio: %1").arg(out.error));
        }
        if (m_analysisJobs.isEmpty()) Q_EMIT analysisFinished();
    });
}

sp::EnhanceParams EnhanceWorkbench::currentParams() const {
    sp::EnhanceParams p;
    p.modelDir = reverie::zoo::find(reverie::zoo::kEnhancer);
    if (!m_page) return p;
    p.modelDir = QDir::fromNativeSeparators(m_modelDir->text().trimmed()).toStdString();
    p.sampler = m_sampler->currentData().toString().toStdString();
    p.nfe = m_nfe->value();
    p.seed = std::uint64_t(m_seed->value());
    return p;
}

void EnhanceWorkbench::enhanceClicked() {
    QString error;
    if (startEnhance(currentParams(), &error)) return;
    QMessageBox::warning(m_page, tr("Enhance"), error);
}

bool EnhanceWorkbench::startEnhance(const sp::EnhanceParams& p, QString* error) {
    page();
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        setStatus(message);
        return false;
    };
    if (isBusy()) return fail(tr("An enhancement is running; wait for it or cancel it."));
    if (!hasNoisy()) return fail(tr("Open, drop or record a noisy input first."));
    if (const auto v = sp::validateEnhance(p); !v) return fail(tr("Invalid settings: %1").arg(qs(v.error().message)));
    const QString dir = qs(p.modelDir);
    if (dir.isEmpty()) {
        QStringList searched;
        for (const auto& s : reverie::zoo::searchPath(reverie::zoo::kEnhancer)) searched << qs(s);
        return fail(tr("The built-in speech enhancer was not found (searched %1). Choose a model folder.")
                        .arg(searched.join(QStringLiteral(", "))));
    }
    if (!QFileInfo(dir).isDir()) return fail(tr("The model folder %1 does not exist.").arg(dir));

    // The controls show what runs.
    m_modelDir->setText(QDir::toNativeSeparators(dir));
    if (const int i = m_sampler->findData(qs(p.sampler)); i >= 0) m_sampler->setCurrentIndex(i);
    m_nfe->setValue(std::clamp(p.nfe, 0, m_nfe->maximum()));
    m_seed->setValue(int(std::min<std::uint64_t>(p.seed, std::uint64_t(INT_MAX))));
    m_runParams = p;
    m_clock.start();
    m_progress->setRange(0, 0); // busy until the first report
    setStatus(tr("Enhancing %1 s with %2…").arg(m_audio[0].seconds(), 0, 'f', 2).arg(qs(p.sampler)));
    const sp::Audio noisy = m_audio[0];
    const std::vector<float> reference = m_audio[2].samples;
    const auto generation = m_generation;
    quint64 id = 0;
    auto future = m_engine->submit<Outcome>(
        tr("Enhancing speech"),
        [p, noisy, reference](const reverie::JobContext& ctx) -> reverie::Result<Outcome> {
            auto r = sp::enhance(p, noisy, ctx);
            if (!r) return r.error();
            Outcome o;
            o.result = std::move(r).value();
            const auto& e = o.result.enhanced.samples;
            o.residual.sampleRate = o.result.enhanced.sampleRate;
            o.residual.samples.resize(e.size());
            for (std::size_t i = 0; i < e.size() && i < noisy.samples.size(); ++i)
                o.residual.samples[i] = noisy.samples[i] - e[i];
            auto ev = makeView(e);
            if (!ev) return ev.error();
            o.enhancedView = std::move(ev).value();
            auto rv = makeView(o.residual.samples);
            if (!rv) return rv.error();
            o.residualView = std::move(rv).value();
            if (!reference.empty()) o.scores = makeScores(reference, noisy.samples, e, noisy.sampleRate);
            return o;
        },
        &id);
    m_jobId = id;
    setBusy(true);
    future.then(this, [this, generation](const JobOutcome<Outcome>& out) {
        m_jobId = 0;
        QString message;
        if (out.ok()) {
            const Outcome& o = *out.value;
            m_audio[Enhanced - 1] = o.result.enhanced;
            m_audio[Residual - 1] = o.residual;
            m_views[Enhanced - 1] = o.enhancedView;
            m_views[Residual - 1] = o.residualView;
            ++m_generation[Enhanced - 1];
            ++m_generation[Residual - 1];
            m_player->setTrack(Enhanced, o.result.enhanced.samples);
            m_player->setTrack(Residual, o.residual.samples);
            m_resultStats = o.result;
            m_resultStats.enhanced = sp::Audio{};
            m_resultParams = m_runParams;
            m_runNfe->setText(QString::number(o.result.nfe));
            m_runSeconds->setText(QString::number(o.result.seconds, 'f', 2));
            m_runRtf->setText(QString::number(o.result.realTimeFactor, 'f', 2));
            // The scores were made with the reference of the start; a newer one is scored again.
            if (o.scores && generation[Reference - 1] == m_generation[Reference - 1]) {
                m_scores = *o.scores;
                showScores();
            } else {
                analyse(false);
            }
            message = tr("Enhanced with %1 · NFE %2 · %3 s · real-time factor %4")
                          .arg(qs(m_resultParams.sampler))
                          .arg(o.result.nfe)
                          .arg(o.result.seconds, 0, 'f', 2)
                          .arg(o.result.realTimeFactor, 0, 'f', 2);
            if (m_scores.enhanced.siSdr && m_scores.noisy.siSdr)
                message += tr(" · SI-SDR %1 dB (noisy %2 dB)")
                               .arg(*m_scores.enhanced.siSdr, 0, 'f', 2)
                               .arg(*m_scores.noisy.siSdr, 0, 'f', 2);
            if (m_player->current() == Noisy) m_player->select(Enhanced);
            updateViews();
        } else if (out.status == JobStatus::Cancelled) {
            message = hasResult() ? tr("Enhancement stopped (%1); the previous result is kept.").arg(out.error)
                                  : tr("Enhancement stopped (%1).").arg(out.error);
        } else {
            message = hasResult() ? tr("Enhancement failed: %1 The previous result is kept.").arg(sentence(out.error))
                                  : tr("Enhancement failed: %1").arg(out.error);
        }
        m_progress->setRange(0, 1);
        m_progress->setValue(1);
        setBusy(false);
        setStatus(message);
        Q_EMIT enhanceFinished(out.status, message);
    });
    return true;
}

void EnhanceWorkbench::onProgress(const JobProgress& p) {
    if (p.jobId != m_jobId || m_jobId == 0 || !m_page) return;
    const double seconds = m_clock.elapsed() / 1000.0;
    if (p.message == QLatin1String("chunks")) {
        if (p.total > 0) {
            m_progress->setRange(0, int(std::min<qint64>(p.total, INT_MAX)));
            m_progress->setValue(int(std::min(p.step, p.total)));
        }
        m_status->setText(tr("Chunks %1 of %2 done · NFE %3 · %4 s").arg(p.step).arg(p.total).arg(p.nfe).arg(seconds, 0, 'f', 1));
    } else {
        m_status->setText(tr("Step %1 of %2 · NFE %3 · %4 s").arg(p.step).arg(p.total).arg(p.nfe).arg(seconds, 0, 'f', 1));
    }
}

// ---- Views and player ----

bool EnhanceWorkbench::selectTrack(int k) {
    page();
    if (!m_player->select(k)) {
        if (k >= 1 && k <= 4) setStatus(tr("There is no %1 track yet.").arg(trackName(k).toLower()));
        updateViews();
        return false;
    }
    updateViews();
    return true;
}

int EnhanceWorkbench::selectedTrack() const { return m_player->current(); }

bool EnhanceWorkbench::togglePlay() {
    page();
    if (m_output->isPlaying()) {
        m_output->pause();
        return true;
    }
    QString error;
    if (!m_output->play(&error)) {
        setStatus(error);
        return false;
    }
    return true;
}

void EnhanceWorkbench::setLoudnessMatch(bool on) {
    page();
    m_player->setLoudnessMatch(on);
    if (m_match->isChecked() != on) {
        const QSignalBlocker block(m_match);
        m_match->setChecked(on);
    }
    updateLevelLabel();
}

void EnhanceWorkbench::updateLevelLabel() {
    const int t = m_player->current();
    if (t == 0) {
        m_levelLabel->setText(QString());
        return;
    }
    const double level = m_player->levelDb(t), offset = m_player->offsetDb(t);
    const QString levelText = std::isfinite(level) ? tr("%1 dBFS").arg(level, 0, 'f', 1) : tr("silent");
    const QString offsetText = (offset >= 0 ? QStringLiteral("+") : QString()) + QString::number(offset, 'f', 1);
    m_levelLabel->setText(m_player->loudnessMatch()
                              ? tr("%1: %2 · level offset %3 dB (applied)").arg(trackName(t), levelText, offsetText)
                              : tr("%1: %2 · level offset %3 dB (not applied)").arg(trackName(t), levelText, offsetText));
}

void EnhanceWorkbench::showPlayer() {
    if (!m_page) return;
    const qint64 pos = m_player->position();
    m_wave->setPlayhead(pos);
    m_spec->setPlayhead(pos);
    const bool loop = m_player->loopEnabled();
    m_wave->setLoop(m_player->loopStart(), m_player->loopEnd(), loop);
    m_spec->setLoop(m_player->loopStart(), m_player->loopEnd(), loop);
    const double length = double(m_player->trackLength(m_player->current())) / kRate;
    m_position->setText(tr("%1 s / %2 s").arg(m_player->positionSeconds(), 0, 'f', 2).arg(length, 0, 'f', 2));
}

void EnhanceWorkbench::updateViews() {
    if (!m_page) return;
    const int current = m_player->current();
    for (int t = 1; t <= 4; ++t) {
        auto* b = m_trackButtons[std::size_t(t - 1)];
        b->setEnabled(m_player->hasTrack(t));
        if (t == current && !b->isChecked()) b->setChecked(true);
    }
    if (current == 0) {
        m_wave->clearTrack();
        m_spec->clearTrack();
    } else {
        const TrackView& v = m_views[std::size_t(current - 1)];
        const QString name = trackName(current);
        m_wave->setLabel(name);
        m_spec->setLabel(name);
        if (v.samples > 0) {
            m_wave->setEnvelope(v.envelope, v.samples);
            m_spec->setSpectrogram(v.spectrogram, v.samples);
        } else {
            // Its views are still being made on the engine thread.
            m_wave->clearTrack();
            m_spec->clearTrack();
            m_wave->setPlaceholderText(tr("Computing the views of the %1 track…").arg(name.toLower()));
            m_spec->setPlaceholderText(tr("Computing the views of the %1 track…").arg(name.toLower()));
        }
    }
    updateLevelLabel();
    showPlayer();
}

void EnhanceWorkbench::showScores() {
    if (!m_page) return;
    const auto& s = m_scores;
    const std::optional<double> noisy[4] = {s.noisy.siSdr, s.noisy.siSir, s.noisy.siSar, s.noisy.estoi};
    const std::optional<double> enh[4] = {s.enhanced.siSdr, s.enhanced.siSir, s.enhanced.siSar, s.enhanced.estoi};
    for (std::size_t r = 0; r < 4; ++r) {
        const int decimals = r == 3 ? 3 : 2;
        m_metric[r][0]->setText(scoreText(noisy[r], decimals));
        m_metric[r][1]->setText(scoreText(enh[r], decimals));
        m_metric[r][2]->setText(gainText(noisy[r], enh[r], decimals));
    }
    if (!hasReference()) m_metricNote->setText(tr("Load a reference to see scores."));
    else if (!s.hasReference) m_metricNote->setText(tr("Scoring…"));
    else m_metricNote->setText(s.note.isEmpty() ? tr("Against the clean reference.") : s.note);
}

// ---- Export ----

bool EnhanceWorkbench::exportEnhanced(const QString& path, QString* error) {
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        return false;
    };
    if (!hasResult()) return fail(tr("There is no enhanced audio to export yet: press Enhance first."));
    const QFileInfo target(path);
    for (const QString& input : {m_noisyPath, m_referencePath}) {
        if (input.isEmpty()) continue;
        const QFileInfo in(input);
        const QString a = target.exists() ? target.canonicalFilePath() : target.absoluteFilePath();
        const QString b = in.exists() ? in.canonicalFilePath() : in.absoluteFilePath();
        if (a == b) return fail(tr("%1 is an input; choose another file name.").arg(QDir::toNativeSeparators(path)));
    }
    sp::SaveWavOptions opts;
    opts.protectedPath = m_noisyPath.toStdString();
    if (const auto r = sp::saveWav(QDir::fromNativeSeparators(path).toStdString(), enhanced(), opts); !r)
        return fail(qs(r.error().message));
    return true;
}

void EnhanceWorkbench::exportClicked() {
    const QString base = m_noisyPath.isEmpty() ? QStringLiteral("recording") : QFileInfo(m_noisyPath).completeBaseName();
    const QString suggested =
        QDir(m_noisyPath.isEmpty() ? m_outputRoot : QFileInfo(m_noisyPath).absolutePath())
            .filePath(QStringLiteral("%1-enhanced-%2.wav").arg(base, qs(m_resultParams.sampler)));
    QString path = QFileDialog::getSaveFileName(m_page, tr("Export enhanced WAV"), suggested, tr("WAV files (*.wav)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".wav");
    QString error;
    if (!exportEnhanced(path, &error)) {
        setStatus(error);
        QMessageBox::warning(m_page, tr("Export enhanced WAV"), error);
        return;
    }
    setStatus(tr("Exported %1.").arg(QDir::toNativeSeparators(path)));
}

} // namespace reverie::app
