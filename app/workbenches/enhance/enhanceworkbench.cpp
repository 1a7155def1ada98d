#include "workbenches/enhance/enhanceworkbench.h"

#include "jobs/jobslot.h"
#include "models/zoo.h"
#include "speech/metrics.h"
#include "speech/view.h"
#include "workbenches/common.h"

#include "abplayer.h"
#include "waveformview.h"

#include <QAudioDevice>
#include <QAudioFormat>
#include <QAudioSource>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMediaDevices>
#include <QMessageBox>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

namespace reverie::app {

namespace sp = reverie::speech;

/// What an analysis job computes for the inputs as they were when it was submitted.
struct EnhanceWorkbench::Analysis {
    std::array<std::optional<TrackView>, 4> views;
    std::optional<sp::ReferenceScores> scores;
    std::array<int, 4> generation{};
};

/// What an enhancement job brings back.
struct EnhanceWorkbench::Outcome {
    sp::EnhanceResult result;
    sp::Audio residual;
    TrackView enhancedView, residualView;
    std::optional<sp::ReferenceScores> scores;
    sp::EnhancerInfo model; ///< what was read from the model (cached by enhance, so free here)
    RunHistory::Prepared kept; ///< the result made ready for the history (spectrogram, WAVs)
};

/// A track ready to be shown: the audio (shared with engine jobs) and the player's own copy, both
/// made off the GUI thread for a file (openFile), and whether the samples were checked.
struct EnhanceWorkbench::Loaded {
    std::shared_ptr<const sp::Audio> audio;
    std::vector<float> playerCopy;
    bool checked = false; ///< 16 kHz, not empty, no NaN/Inf: verified already
};

/// What openFile()'s worker brings back: a track, or why the file cannot be one.
struct EnhanceWorkbench::Opened {
    std::optional<Loaded> loaded;
    QString error;
};

namespace {

constexpr int kEnvelopeColumns = 2048;
constexpr float kSpectrogramRangeDb = 80.0f;
constexpr int kRate = 16000;
/// Recording stops by itself after this long (a forgotten recording must not fill the memory).
constexpr int kMaxRecordSeconds = 600;

/// text ending as a sentence, so that another can follow it ("no such file" → "no such file.").
QString sentence(QString text) {
    text = text.trimmed();
    if (!text.isEmpty() && !QStringLiteral(".!?").contains(text.back())) text += QLatin1Char('.');
    return text;
}

/// Spectrogram image and envelope of a track (engine thread).
Result<TrackView> makeView(const std::vector<float>& samples) {
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

/// Why `audio` cannot be a track (empty when it can). Any thread.
QString unusableAudio(const sp::Audio& audio) {
    if (audio.samples.empty()) return EnhanceWorkbench::tr("The audio is empty; the loaded audio is kept.");
    if (audio.sampleRate != kRate)
        return EnhanceWorkbench::tr("The audio must be 16 kHz mono (it is %1 Hz); the loaded audio is kept.")
            .arg(audio.sampleRate);
    for (const float v : audio.samples)
        if (!std::isfinite(v)) return EnhanceWorkbench::tr("The audio has NaN/Inf samples; the loaded audio is kept.");
    return {};
}

const QString& audioFilter() {
    static const QString filter = EnhanceWorkbench::tr(
        "Audio files (*.wav *.flac *.ogg *.opus *.mp3 *.aif *.aiff *.caf *.w64 *.rf64);;All files (*)");
    return filter;
}

} // namespace

EnhanceWorkbench::EnhanceWorkbench(Engine* engine, QString outputDir, QObject* parent)
    : Workbench(engine, parent), m_outputRoot(std::move(outputDir)), m_view(new EnhanceView), m_slot(addSlot()),
      m_analysis(addSlot()), m_player(std::make_unique<widgets::PlayerLogic>()) {
    m_player->setSampleRate(kRate);
    m_output = new widgets::AudioOutput(m_player.get(), this);
    connect(m_slot, &JobSlot::progress, this, &EnhanceWorkbench::onProgress);
    connect(m_slot, &JobSlot::busyChanged, this, &EnhanceWorkbench::refreshState);
    connect(m_view, &EnhanceView::openNoisyRequested, this, &EnhanceWorkbench::openNoisyClicked);
    connect(m_view, &EnhanceView::openReferenceRequested, this, &EnhanceWorkbench::openReferenceClicked);
    connect(m_view, &EnhanceView::recordToggled, this, &EnhanceWorkbench::recordClicked);
    connect(m_view, &EnhanceView::enhanceRequested, this, [this] {
        QString error;
        if (!startEnhance(currentParams(), &error)) QMessageBox::warning(m_view, tr("Enhance"), error);
    });
    connect(m_view, &EnhanceView::cancelRequested, m_slot, &JobSlot::cancel);
    connect(m_view, &EnhanceView::exportRequested, this, &EnhanceWorkbench::exportClicked);
    connect(m_view, &EnhanceView::trackRequested, this, &EnhanceWorkbench::selectTrack);
    connect(m_view, &EnhanceView::playRequested, this, &EnhanceWorkbench::togglePlay);
    connect(m_view, &EnhanceView::loopToggled, this, [this](bool on) {
        m_player->setLoopEnabled(on);
        showPlayer();
    });
    connect(m_view, &EnhanceView::loudnessMatchToggled, this, &EnhanceWorkbench::setLoudnessMatch);
    connect(m_view, &EnhanceView::seekRequested, this, [this](qint64 s) {
        m_player->seek(s);
        showPlayer();
    });
    connect(m_view, &EnhanceView::loopRequested, this, [this](qint64 a, qint64 b) {
        m_player->setLoop(a, b);
        if (m_view->loopChecked()) showPlayer();
        else m_view->setLoopChecked(true); // shows it
    });
    connect(m_view, &EnhanceView::fileDropped, this, [this](const QString& path) { openFile(Noisy, path); });
    connect(m_output, &widgets::AudioOutput::positionChanged, this, [this](qint64) { showPlayer(); });
    connect(m_output, &widgets::AudioOutput::playingChanged, m_view, &EnhanceView::setPlaying);
    connectHistory();
    refreshState();
    showTracks();
    // No output device: say so at once (the Play button is off), not only when Space is pressed.
    if (!widgets::AudioOutput::deviceAvailable()) {
        m_view->disablePlayback(m_output->unavailableReason());
        m_view->setStatus(m_view->status() + QLatin1Char(' ') + m_output->unavailableReason());
    }
}

EnhanceWorkbench::~EnhanceWorkbench() {
    if (m_source) m_source->stop();
    if (m_view && !m_view->parent()) delete m_view;
}

QWidget* EnhanceWorkbench::page() { return m_view; }

const sp::Audio& EnhanceWorkbench::audio(Track t) const {
    static const sp::Audio none;
    const auto& a = m_audio[std::size_t(t - 1)];
    return a ? *a : none;
}

void EnhanceWorkbench::setModelsFolder(const QString& dir) { m_view->setCheckpoints(checkpointsFor(dir, "sgmse_ncsnpp")); }

bool EnhanceWorkbench::isEnhancing() const { return m_slot->isBusy(); }

bool EnhanceWorkbench::isAnalysing() const { return m_analysis->isBusy(); }

void EnhanceWorkbench::setStatus(const QString& message) {
    m_view->setStatus(message);
    Q_EMIT statusMessage(message);
}

bool EnhanceWorkbench::fail(const QString& message, QString* error) {
    if (error) *error = message;
    setStatus(message);
    return false;
}

void EnhanceWorkbench::refreshState() { m_view->setState(isEnhancing(), m_source != nullptr, hasNoisy(), hasResult()); }

// ---- Inputs ----

bool EnhanceWorkbench::loadInto(int track, Loaded&& loaded, const QString& path, QString* error) {
    if (track == Noisy && isEnhancing())
        return fail(tr("Enhancing: wait for it or cancel it before choosing another noisy input."), error);
    if (!loaded.audio) return fail(tr("The audio is empty; the loaded audio is kept."), error);
    if (!loaded.checked)
        if (const QString why = unusableAudio(*loaded.audio); !why.isEmpty()) return fail(why, error);
    const sp::Audio& audio = *loaded.audio;

    const auto i = std::size_t(track - 1);
    m_audio[i] = std::move(loaded.audio);
    m_views[i] = TrackView{};
    ++m_generation[i];
    m_player->setTrack(track, loaded.checked ? std::move(loaded.playerCopy) : audio.samples);
    const QString text = path.isEmpty() ? (track == Noisy ? tr("(recording, %1 s)") : tr("(from memory, %1 s)"))
                                              .arg(audio.seconds(), 0, 'f', 1)
                                        : QDir::toNativeSeparators(path);
    m_view->setInputText(track, text);
    if (track == Noisy) {
        if (!path.isEmpty()) Q_EMIT inputOpened(path);
        // The result belonged to the previous input.
        m_noisyPath = path;
        m_noisySource = path.isEmpty() ? tr("recording") : QFileInfo(path).fileName();
        for (const int t : {int(Enhanced), int(Residual)}) {
            m_audio[std::size_t(t - 1)].reset();
            m_views[std::size_t(t - 1)] = TrackView{};
            ++m_generation[std::size_t(t - 1)];
            m_player->clearTrack(t);
        }
        m_resultStats = sp::EnhanceResult{};
        m_view->showRunFigures(m_resultStats);
        m_player->select(Noisy);
    } else {
        m_referencePath = path;
    }
    QString message = tr("%1: %2 s loaded.").arg(EnhanceView::trackName(track)).arg(audio.seconds(), 0, 'f', 2);
    if (!audio.note.empty()) message += QLatin1Char(' ') + qs(audio.note);
    if (track == Noisy) message += QLatin1Char(' ') + tr("Press Enhance.");
    setStatus(message);
    refreshState();
    m_scores = EnhanceScores{};
    m_view->showScores(m_scores, hasReference());
    showTracks();
    analyse(true);
    return true;
}

bool EnhanceWorkbench::loadFile(int track, const QString& path, QString* error) {
    if (track == Noisy && isEnhancing()) return loadInto(Noisy, Loaded{}, path, error); // says why
    Opened opened = decode(QDir::fromNativeSeparators(path).toStdString());
    if (!opened.loaded) return fail(opened.error, error);
    return loadInto(track, std::move(*opened.loaded), QFileInfo(path).absoluteFilePath(), error);
}

EnhanceWorkbench::Opened EnhanceWorkbench::decode(const std::string& file) {
    Opened out;
    auto a = sp::loadAudio(file, kRate);
    if (!a) {
        out.error = tr("%1 The loaded audio is kept.").arg(sentence(qs(a.error().message)));
        return out;
    }
    auto audio = std::make_shared<const sp::Audio>(std::move(a).value());
    if (out.error = unusableAudio(*audio); !out.error.isEmpty()) return out;
    out.loaded = Loaded{audio, audio->samples, true};
    return out;
}

void EnhanceWorkbench::openFile(int track, const QString& path) {
    if (track != Noisy && track != Reference) return;
    const auto i = std::size_t(track - 1);
    const quint64 ticket = ++m_loadTicket[i];
    m_loading[i] = true;
    setStatus(tr("Loading %1…").arg(QFileInfo(path).fileName()));
    refreshState();
    const std::string file = QDir::fromNativeSeparators(path).toStdString();
    const QString shown = QFileInfo(path).absoluteFilePath();
    // Decoding, the checks and the player's copy happen on a pool thread; only a pointer comes
    // back. The outcome is always delivered through the event loop (queued), even when the file
    // was decoded before the continuation was attached, so run() can open both files first.
    QtConcurrent::run([file] { return std::make_shared<Opened>(decode(file)); }).then(this, [this, track, ticket, shown](std::shared_ptr<Opened> opened) {
        QMetaObject::invokeMethod(
            this, [this, track, ticket, shown, opened] { finishOpen(track, ticket, shown, std::move(*opened)); },
            Qt::QueuedConnection);
    });
}

void EnhanceWorkbench::finishOpen(int track, quint64 ticket, const QString& shown, Opened&& opened) {
    const auto i = std::size_t(track - 1);
    if (ticket != m_loadTicket[i]) return; // a newer open of this track supersedes this one
    m_loading[i] = false;
    QString error = opened.error;
    const bool ok = opened.loaded && loadInto(track, std::move(*opened.loaded), shown, &error);
    if (!ok) fail(error, nullptr);
    refreshState();
    Q_EMIT inputLoaded(track, ok, ok ? statusText() : error);
    if (m_pendingRun) {
        if (!ok) {
            m_pendingRun.reset();
            Q_EMIT runFinished(JobStatus::Failed, error);
        } else {
            continueRun();
        }
    }
}

bool EnhanceWorkbench::setNoisyFile(const QString& path, QString* error) { return loadFile(Noisy, path, error); }

bool EnhanceWorkbench::setReferenceFile(const QString& path, QString* error) { return loadFile(Reference, path, error); }

bool EnhanceWorkbench::setNoisyAudio(const sp::Audio& audio, QString* error) {
    return loadInto(Noisy, Loaded{std::make_shared<const sp::Audio>(audio), {}, false}, QString(), error);
}

bool EnhanceWorkbench::setReferenceAudio(const sp::Audio& audio, QString* error) {
    return loadInto(Reference, Loaded{std::make_shared<const sp::Audio>(audio), {}, false}, QString(), error);
}

void EnhanceWorkbench::openNoisyClicked() {
    const QString start = m_noisyPath.isEmpty() ? m_outputRoot : QFileInfo(m_noisyPath).absolutePath();
    const QString path = QFileDialog::getOpenFileName(m_view, tr("Open noisy file"), start, audioFilter());
    if (path.isEmpty()) return;
    openFile(Noisy, path); // refusals show in the status line
}

void EnhanceWorkbench::openReferenceClicked() {
    const QString start = !m_referencePath.isEmpty() ? QFileInfo(m_referencePath).absolutePath()
                          : !m_noisyPath.isEmpty()   ? QFileInfo(m_noisyPath).absolutePath()
                                                     : m_outputRoot;
    const QString path = QFileDialog::getOpenFileName(m_view, tr("Open reference"), start, audioFilter());
    if (path.isEmpty()) return;
    openFile(Reference, path);
}

// ---- Recording ----

void EnhanceWorkbench::recordClicked() {
    if (m_source) {
        finishRecording();
        return;
    }
    const QAudioDevice device = QMediaDevices::defaultAudioInput();
    auto refuse = [this](const QString& message) {
        m_view->setRecording(false);
        setStatus(message);
    };
    if (device.isNull()) return refuse(tr("No microphone found."));
    if (isEnhancing()) return refuse(tr("Enhancing: wait for it or cancel it before choosing another noisy input."));
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
    m_view->setRecording(true);
    refreshState();
    setStatus(tr("Recording from %1… press Stop recording to use it as the noisy input.").arg(device.description()));
}

void EnhanceWorkbench::finishRecording() {
    if (!m_source) return;
    if (m_sourceDevice) m_recorded += m_sourceDevice->readAll();
    m_source->stop();
    m_source->deleteLater();
    m_source = nullptr;
    m_sourceDevice = nullptr;
    m_view->setRecording(false);
    refreshState();
    const sp::Audio a = sp::fromPcm16(m_recorded.constData(), std::size_t(m_recorded.size()), kRate);
    m_recorded.clear();
    if (a.samples.empty()) {
        setStatus(tr("Nothing was recorded; the loaded audio is kept."));
        return;
    }
    setNoisyAudio(a);
}

// ---- Engine jobs ----

EnhanceScores EnhanceWorkbench::toScores(const sp::ReferenceScores& s) const {
    EnhanceScores out;
    out.hasReference = true;
    out.noisy = {s.noisy.siSdr, s.noisy.siSir, s.noisy.siSar, s.noisy.estoi};
    out.enhanced = {s.enhanced.siSdr, s.enhanced.siSir, s.enhanced.siSar, s.enhanced.estoi};
    QStringList notes;
    if (s.referenceSamples != s.noisySamples)
        notes << tr("The reference has %1 samples, the noisy input %2: scored over the first %3.")
                     .arg(s.referenceSamples)
                     .arg(s.noisySamples)
                     .arg(s.scoredSamples);
    if (s.scoredSamples == 0) notes << tr("Nothing to score.");
    for (const auto& p : s.problems) notes << qs(p);
    notes.removeDuplicates();
    out.note = notes.join(QLatin1Char(' '));
    return out;
}

void EnhanceWorkbench::analyse(bool views) {
    // Snapshot of the inputs (values only cross to the engine thread). A newer analysis replaces
    // an older one, and recomputes whatever the older one would have brought.
    std::array<std::shared_ptr<const sp::Audio>, 4> tracks;
    std::array<bool, 4> wanted{};
    for (std::size_t i = 0; i < 4; ++i) wanted[i] = views && m_audio[i] && !m_audio[i]->samples.empty() && m_views[i].samples == 0;
    const bool score = hasReference() && hasNoisy();
    for (std::size_t i = 0; i < 4; ++i)
        if (wanted[i] || (score && i < 3)) tracks[i] = m_audio[i];
    const auto generation = m_generation;
    if (!score && std::none_of(wanted.begin(), wanted.end(), [](bool w) { return w; })) return;
    m_analysis->replace<Analysis>(
        QStringLiteral("analyse"), tr("Analysing audio"),
        [tracks = std::move(tracks), wanted, generation, score](const JobContext&) -> Result<Analysis> {
            Analysis a;
            a.generation = generation;
            for (std::size_t i = 0; i < 4; ++i) {
                if (!wanted[i]) continue;
                auto v = makeView(tracks[i]->samples);
                if (!v) return v.error();
                a.views[i] = std::move(v).value();
            }
            if (score)
                a.scores = sp::scoreAgainstReference(tracks[2]->samples, tracks[0]->samples,
                                                     tracks[1] ? tracks[1]->samples : std::vector<float>(), kRate);
            return a;
        },
        [this](const JobOutcome<Analysis>& out) {
            QString message;
            if (out.ok()) {
                const Analysis& a = *out.value;
                for (std::size_t i = 0; i < 4; ++i)
                    if (a.views[i] && a.generation[i] == m_generation[i]) m_views[i] = *a.views[i];
                if (a.scores && a.generation == m_generation) {
                    m_scores = toScores(*a.scores);
                    m_view->showScores(m_scores, hasReference());
                }
                showTracks();
            } else if (out.status == JobStatus::Failed) {
                message = tr("Could not analyse the audio: %1").arg(out.error);
                setStatus(message);
            }
            Q_EMIT analysisFinished();
            return message;
        });
}

sp::EnhanceParams EnhanceWorkbench::currentParams() const { return m_view->params(); }

bool EnhanceWorkbench::startEnhance(const sp::EnhanceParams& p, QString* error) {
    if (isEnhancing()) return fail(tr("An enhancement is running; wait for it or cancel it."), error);
    if (!hasNoisy()) return fail(tr("Open, drop or record a noisy input first."), error);
    if (const auto v = sp::validateEnhance(p); !v) return fail(tr("Invalid settings: %1").arg(qs(v.error().message)), error);
    if (const QString why = modelFolderProblem(p.modelDir, models::zoo::kEnhancer, true); !why.isEmpty())
        return fail(why, error);

    m_view->setParams(p); // the controls show what runs
    m_runParams = p;
    m_view->beginEnhance();
    setStatus(tr("Enhancing %1 s with %2…").arg(audio(Noisy).seconds(), 0, 'f', 2).arg(qs(p.sampler)));
    const auto noisyTrack = m_audio[Noisy - 1];
    const auto referenceTrack = m_audio[Reference - 1];
    const auto generation = m_generation;
    m_slot->start<Outcome>(
        QStringLiteral("enhance"), tr("Enhancing speech"),
        [p, noisyTrack, referenceTrack](const JobContext& ctx) -> Result<Outcome> {
            const sp::Audio& noisy = *noisyTrack;
            static const std::vector<float> none;
            const std::vector<float>& reference = referenceTrack ? referenceTrack->samples : none;
            auto r = sp::enhance(p, noisy, ctx);
            if (!r) return r.error();
            Outcome o;
            if (auto info = sp::enhancerInfo(p.modelDir)) o.model = info.value();
            o.result = std::move(r).value();
            const auto& e = o.result.enhanced.samples;
            o.residual.sampleRate = o.result.enhanced.sampleRate;
            o.residual.samples = sp::residual(noisy.samples, e);
            auto ev = makeView(e);
            if (!ev) return ev.error();
            o.enhancedView = std::move(ev).value();
            auto rv = makeView(o.residual.samples);
            if (!rv) return rv.error();
            o.residualView = std::move(rv).value();
            if (!reference.empty()) o.scores = sp::scoreAgainstReference(reference, noisy.samples, e, noisy.sampleRate);
            o.kept = RunHistory::prepare(o.enhancedView.spectrogram);
            o.kept.audioWav =
                RunHistory::wavBytes(e.data(), qsizetype(e.size()), o.result.enhanced.sampleRate);
            o.kept.inputWav =
                RunHistory::wavBytes(noisy.samples.data(), qsizetype(noisy.samples.size()), noisy.sampleRate);
            return o;
        },
        [this, generation](const JobOutcome<Outcome>& out) {
            QString message;
            if (out.ok()) {
                const Outcome& o = *out.value;
                m_audio[Enhanced - 1] = std::make_shared<const sp::Audio>(o.result.enhanced);
                m_audio[Residual - 1] = std::make_shared<const sp::Audio>(o.residual);
                m_views[Enhanced - 1] = o.enhancedView;
                m_views[Residual - 1] = o.residualView;
                ++m_generation[Enhanced - 1];
                ++m_generation[Residual - 1];
                m_player->setTrack(Enhanced, o.result.enhanced.samples);
                m_player->setTrack(Residual, o.residual.samples);
                m_resultStats = o.result;
                m_resultStats.enhanced = sp::Audio{};
                m_resultParams = m_runParams;
                m_view->showRunFigures(m_resultStats);
                m_view->showModelCard(o.model);
                // The scores were made with the reference of the start; a newer one is scored again.
                const bool scored = o.scores && generation[Reference - 1] == m_generation[Reference - 1];
                if (scored) {
                    m_scores = toScores(*o.scores);
                    m_view->showScores(m_scores, hasReference());
                } else {
                    analyse(false);
                }
                message = tr("Enhanced with %1 · NFE %2 · %3 s · real-time factor %4")
                              .arg(qs(m_resultParams.sampler))
                              .arg(o.result.nfe)
                              .arg(o.result.seconds, 0, 'f', 2)
                              .arg(o.result.realTimeFactor, 0, 'f', 2);
                if (o.result.strength < 1)
                    message += tr(" · strength %1 % (removed-signal coherence %2)")
                                   .arg(std::lround(o.result.strength * 100))
                                   .arg(o.result.coherence, 0, 'f', 2);
                if (m_scores.enhanced.siSdr && m_scores.noisy.siSdr)
                    message += tr(" · SI-SDR %1 dB (noisy %2 dB)")
                                   .arg(*m_scores.enhanced.siSdr, 0, 'f', 2)
                                   .arg(*m_scores.noisy.siSdr, 0, 'f', 2);
                if (m_player->current() == Noisy) m_player->select(Enhanced);
                showTracks();
                keepInHistory(o.kept, scored);
            } else if (out.status == JobStatus::Cancelled) {
                message = hasResult() ? tr("Enhancement stopped (%1); the previous result is kept.").arg(out.error)
                                      : tr("Enhancement stopped (%1).").arg(out.error);
            } else {
                message = hasResult() ? tr("Enhancement failed: %1 The previous result is kept.").arg(sentence(out.error))
                                      : tr("Enhancement failed: %1").arg(out.error);
            }
            m_view->endEnhance();
            setStatus(message);
            return message;
        });
    refreshState();
    return true;
}

void EnhanceWorkbench::onProgress(const JobProgress& p) {
    const double seconds = m_slot->elapsed();
    if (p.message == QLatin1String("chunks")) {
        m_view->showChunks(p.step, p.total);
        m_view->setStatus(tr("Chunks %1 of %2 done · NFE %3 · %4 s").arg(p.step).arg(p.total).arg(p.nfe).arg(seconds, 0, 'f', 1));
    } else {
        m_view->setStatus(tr("Step %1 of %2 · NFE %3 · %4 s").arg(p.step).arg(p.total).arg(p.nfe).arg(seconds, 0, 'f', 1));
    }
}

// ---- Views and player ----

bool EnhanceWorkbench::selectTrack(int k) {
    if (!m_player->select(k)) {
        if (k >= 1 && k <= 4) setStatus(tr("There is no %1 track yet.").arg(EnhanceView::trackName(k).toLower()));
        showTracks();
        return false;
    }
    showTracks();
    return true;
}

int EnhanceWorkbench::selectedTrack() const { return m_player->current(); }

bool EnhanceWorkbench::togglePlay() {
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
    m_player->setLoudnessMatch(on);
    m_view->setLoudnessMatchChecked(on);
    updateLevelLabel();
}

void EnhanceWorkbench::updateLevelLabel() {
    const int t = m_player->current();
    if (t == 0) {
        m_view->setLevelText(QString());
        return;
    }
    const double level = m_player->levelDb(t), offset = m_player->offsetDb(t);
    const QString levelText = std::isfinite(level) ? tr("%1 dBFS").arg(level, 0, 'f', 1) : tr("silent");
    const QString offsetText = (offset >= 0 ? QStringLiteral("+") : QString()) + QString::number(offset, 'f', 1);
    const QString name = EnhanceView::trackName(t);
    m_view->setLevelText(m_player->loudnessMatch()
                             ? tr("%1: %2 · level offset %3 dB (applied)").arg(name, levelText, offsetText)
                             : tr("%1: %2 · level offset %3 dB (not applied)").arg(name, levelText, offsetText));
}

void EnhanceWorkbench::showPlayer() {
    const double length = double(m_player->trackLength(m_player->current())) / kRate;
    m_view->showPlayhead(m_player->position(), m_player->loopStart(), m_player->loopEnd(), m_player->loopEnabled(),
                         m_player->positionSeconds(), length);
}

void EnhanceWorkbench::showTracks() {
    const int current = m_player->current();
    std::array<bool, 4> available{};
    for (int t = 1; t <= 4; ++t) available[std::size_t(t - 1)] = m_player->hasTrack(t);
    m_view->showTracks(available, current, m_views);
    updateLevelLabel();
    showPlayer();
}

// ---- Export ----

bool EnhanceWorkbench::exportEnhanced(const QString& path, QString* error) {
    auto failed = [&](const QString& message) {
        if (error) *error = message;
        return false;
    };
    if (!hasResult()) return failed(tr("There is no enhanced audio to export yet: press Enhance first."));
    const QFileInfo target(path);
    for (const QString& input : {m_noisyPath, m_referencePath}) {
        if (input.isEmpty()) continue;
        const QFileInfo in(input);
        const QString a = target.exists() ? target.canonicalFilePath() : target.absoluteFilePath();
        const QString b = in.exists() ? in.canonicalFilePath() : in.absoluteFilePath();
        if (a == b) return failed(tr("%1 is an input; choose another file name.").arg(QDir::toNativeSeparators(path)));
    }
    sp::SaveWavOptions opts;
    opts.protectedPath = m_noisyPath.toStdString();
    if (const auto r = sp::saveWav(QDir::fromNativeSeparators(path).toStdString(), enhanced(), opts); !r)
        return failed(qs(r.error().message));
    return true;
}

void EnhanceWorkbench::exportClicked() {
    const QString base = m_noisyPath.isEmpty() ? QStringLiteral("recording") : QFileInfo(m_noisyPath).completeBaseName();
    const QString suggested = QDir(m_noisyPath.isEmpty() ? m_outputRoot : QFileInfo(m_noisyPath).absolutePath())
                                  .filePath(QStringLiteral("%1-enhanced-%2.wav").arg(base, qs(m_resultParams.sampler)));
    QString path = QFileDialog::getSaveFileName(m_view, tr("Export enhanced WAV"), suggested, tr("WAV files (*.wav)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".wav");
    QString error;
    if (!exportEnhanced(path, &error)) {
        setStatus(error);
        QMessageBox::warning(m_view, tr("Export enhanced WAV"), error);
        return;
    }
    setStatus(tr("Exported %1.").arg(QDir::toNativeSeparators(path)));
}

} // namespace reverie::app
