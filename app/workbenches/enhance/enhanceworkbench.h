#pragma once
// Enhance workbench (controller): enhance noisy speech with the built-in score-based model (or a
// model folder) and audition it. Open or drop a noisy file, or record one from the microphone;
// optionally open the clean reference. Views (EnhanceView): waveform and spectrogram of the noisy,
// enhanced, reference and residual tracks with a shared playhead and loop region; an A/B/C/residual
// player that switches at the same position (keys 1–4, space plays/pauses) with loudness matching;
// SI-SDR / SI-SIR / SI-SAR / ESTOI of noisy and enhanced against the reference; WAV export.
//
// Thread rules: GUI thread only. The model, the spectrograms and the metrics run on the engine
// thread through the torch-free calls of speech/enhance.h, speech/view.h and speech/metrics.h
// (JobSlot kinds "enhance" and "analyse"; a newer analysis replaces an older one). Opening a file
// from the window (dialog, drop, --run) decodes it on a worker thread (openFile: libsndfile, the
// resampler, the NaN check and the player's copy), so the window never waits on a long recording;
// the tracks are shared, never copied, between the GUI and the engine jobs. A failed or cancelled
// enhancement, and a file that does not load, leave everything as it was.

#include "runhistory.h"
#include "speech/audio.h"
#include "speech/enhance.h"
#include "speech/metrics.h"
#include "workbench.h"
#include "workbenches/enhance/enhanceview.h"

#include <QByteArray>
#include <QPointer>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

class QAudioSource;
class QIODevice;

namespace reverie::widgets {
class AudioOutput;
class PlayerLogic;
class WaveformView;
} // namespace reverie::widgets

namespace reverie::app {

class EnhanceWorkbench : public Workbench {
    Q_OBJECT
public:
    /// The tracks, numbered as the player's (keys 1–4).
    enum Track { Noisy = 1, Enhanced = 2, Reference = 3, Residual = 4 };

    EnhanceWorkbench(Engine* engine, QString outputDir, QObject* parent = nullptr);
    ~EnhanceWorkbench() override;

    QString id() const override { return QStringLiteral("enhance"); }
    QString title() const override { return tr("Enhance"); }
    QWidget* page() override;
    QJsonObject rememberedSettings() const override;
    bool applyRemembered(const QJsonObject& settings, QString* why) override;
    /// --run: enhances --input (scored against --reference when given) with the shown settings;
    /// without --input, the demo (startDemo). --run-arg compare: then shows the run beside the one
    /// before it in the History tab.
    bool run(const RunRequest& request, QString* error) override;
    /// Opens the user's noisy recording (in the background, as the Open button does).
    bool openInput(const QString& path, QString* error) override;
    /// The demo on built-in data: a held-out voice of the speech corpus (test split) in white
    /// noise at 5 dB, made on a worker thread, loaded as the noisy input with its clean speech as
    /// the reference, then enhanced with p (the run ends with it, as run() does).
    bool startDemo(const reverie::speech::EnhanceParams& p, QString* error = nullptr);
    /// Lists the folder's SGMSE+ checkpoints in the model menu (Preferences → Models folder).
    void setModelsFolder(const QString& dir);

    /// Opens a noisy (Noisy) or reference (Reference) file without blocking: it is decoded on a
    /// worker thread ("Loading …" in the status line) and shown when ready; inputLoaded() tells
    /// the outcome. A newer open of the same track supersedes an older one still loading; a file
    /// that does not load leaves the track as it was. The Open buttons, a drop and --run use it.
    void openFile(int track, const QString& path);
    /// True while a file opened with openFile() is being decoded.
    bool isLoading() const { return std::any_of(m_loading.begin(), m_loading.end(), [](bool b) { return b; }); }
    /// Loads a noisy file (any format, resampled to 16 kHz mono) at once, on the calling thread
    /// (scripts and tests; the window uses openFile). False with *error (also in the status line)
    /// for a file that does not load or while enhancing; the loaded audio stays. A new noisy input
    /// drops the previous result.
    bool setNoisyFile(const QString& path, QString* error = nullptr);
    /// Loads the clean reference (optional). Same rules; the result stays.
    bool setReferenceFile(const QString& path, QString* error = nullptr);
    /// The same from memory (16 kHz mono, not empty); the noisy one has no file to protect.
    bool setNoisyAudio(const reverie::speech::Audio& audio, QString* error = nullptr);
    bool setReferenceAudio(const reverie::speech::Audio& audio, QString* error = nullptr);
    bool hasNoisy() const { return !audio(Noisy).samples.empty(); }
    bool hasReference() const { return !audio(Reference).samples.empty(); }
    const reverie::speech::Audio& audio(Track t) const;
    QString noisyPath() const { return m_noisyPath; }
    /// The settings shown (model folder, sampler, NFE, seed).
    reverie::speech::EnhanceParams currentParams() const;
    /// Starts enhancing the noisy audio with p. False (with *error, also in the status line)
    /// without noisy audio, with invalid settings, a missing model folder or while enhancing.
    bool startEnhance(const reverie::speech::EnhanceParams& p, QString* error = nullptr);
    bool isEnhancing() const;
    bool hasResult() const { return !audio(Enhanced).samples.empty(); }
    const reverie::speech::Audio& enhanced() const { return audio(Enhanced); }
    /// Figures of the shown result's run.
    const reverie::speech::EnhanceResult& resultStats() const { return m_resultStats; }
    const reverie::speech::EnhanceParams& resultParams() const { return m_resultParams; }
    const EnhanceScores& scores() const { return m_scores; }
    /// True while spectrograms or scores are being computed on the engine thread.
    bool isAnalysing() const;
    widgets::PlayerLogic& player() { return *m_player; }
    /// Shows and plays track k (1–4) from the current position; false when it is empty.
    bool selectTrack(int k);
    int selectedTrack() const;
    /// Play/pause (space). False with a sentence in the status line without an output device.
    bool togglePlay();
    void setLoudnessMatch(bool on);
    /// Writes the enhanced audio as a 16-bit WAV; refuses the input files and a missing result.
    bool exportEnhanced(const QString& path, QString* error = nullptr);
    QString statusText() const { return m_view->status(); }
    widgets::WaveformView* waveformView() const { return m_view->waveformView(); }

    /// The finished runs (History tab): each kept with its enhanced audio, its input, its
    /// spectrogram, settings and figures (enhancehistory.cpp).
    RunHistory& history() { return m_history; }
    void refreshHistory();
    /// Shows runs a and b in the History tab's A/B player; false with *error when either is gone
    /// or its audio cannot be read.
    bool compareRuns(const QString& a, const QString& b, QString* error = nullptr);
    /// Opens the run's input again (its file when it is still there, else the kept copy) and
    /// enhances it with the run's settings.
    bool rerun(const QString& id, QString* error = nullptr);
    /// The run's enhanced audio as a WAV with its settings embedded, and the JSON beside it.
    bool exportRun(const QString& id, const QString& path, QString* error = nullptr);
    widgets::WaveformView* spectrogramView() const { return m_view->spectrogramView(); }

Q_SIGNALS:
    /// The spectrograms and scores of the current inputs are shown.
    void analysisFinished();
    /// A file opened with openFile() is shown (ok) or was refused (message says why).
    void inputLoaded(int track, bool ok, const QString& message);

private:
    struct Analysis;
    struct Outcome;
    struct Loaded;
    struct Opened;
    void openNoisyClicked();
    void openReferenceClicked();
    void recordClicked();
    void exportClicked();
    void onProgress(const JobProgress& p);
    void setStatus(const QString& message);
    void refreshState();
    bool fail(const QString& message, QString* error);
    bool loadInto(int track, Loaded&& loaded, const QString& path, QString* error);
    void continueRun();
    void finishOpen(int track, quint64 ticket, const QString& shown, Opened&& opened);
    bool loadFile(int track, const QString& path, QString* error);
    /// A file as a track, or why it cannot be one (any thread): decoding, the checks, the player's copy.
    static Opened decode(const std::string& file);
    void analyse(bool views);
    void showTracks();
    void showPlayer();
    void updateLevelLabel();
    void finishRecording();
    EnhanceScores toScores(const reverie::speech::ReferenceScores& s) const;
    static QJsonObject paramsJson(const reverie::speech::EnhanceParams& p);
    /// Reads paramsJson's keys into p (the others stay); false with *why when invalid.
    static bool paramsFromJson(const QJsonObject& s, reverie::speech::EnhanceParams& p, QString* why);
    void connectHistory();
    /// scored: m_scores are this result's (the reference did not change while it ran).
    void keepInHistory(const RunHistory::Prepared& kept, bool scored);

    QString m_outputRoot;
    QPointer<EnhanceView> m_view; ///< owned by the window once shown, else by this
    JobSlot* m_slot;              ///< "enhance"
    JobSlot* m_analysis;          ///< "analyse"
    /// Indexed by Track − 1; shared with the engine jobs that read them (never copied).
    std::array<std::shared_ptr<const reverie::speech::Audio>, 4> m_audio;
    std::array<bool, 4> m_loading{};     ///< openFile() is decoding a file for the track
    std::array<quint64, 4> m_loadTicket{}; ///< the newest openFile() of each track
    std::optional<reverie::speech::EnhanceParams> m_pendingRun; ///< run() waits for its files
    std::array<TrackView, 4> m_views;
    std::array<int, 4> m_generation{}; ///< bumped when a track changes; stale engine results are dropped
    QString m_noisyPath, m_referencePath;
    QString m_noisySource; ///< what the noisy input is, in a run's title (file name, "recording", "demo")
    reverie::speech::EnhanceResult m_resultStats; ///< figures of the shown result (no audio)
    reverie::speech::EnhanceParams m_resultParams;
    reverie::speech::EnhanceParams m_runParams;
    EnhanceScores m_scores;
    std::unique_ptr<widgets::PlayerLogic> m_player;
    widgets::AudioOutput* m_output = nullptr;
    QAudioSource* m_source = nullptr;
    QIODevice* m_sourceDevice = nullptr;
    QByteArray m_recorded;
    RunHistory m_history{QStringLiteral("enhance")};
    bool m_compareAfterRun = false; ///< run(--run-arg compare): compare with the run before, in History
};

} // namespace reverie::app
