#pragma once
// Enhance workbench: enhance noisy speech with the built-in score-based model (or a model folder)
// and audition it. Open or drop a noisy file, or record one from the microphone; optionally open
// the clean reference. Enhancement runs on the Engine thread with progress and cancel. Views: the
// waveform and the spectrogram (in the model's own STFT) of the noisy, enhanced, reference and
// residual (noisy − enhanced) tracks with a shared playhead and loop region; an A/B/C/residual
// player that switches at the same position (keys 1–4, space plays/pauses) with loudness matching;
// SI-SDR / SI-SIR / SI-SAR / ESTOI of noisy and enhanced against the reference; WAV export.
//
// Thread rules: GUI thread only. The model, the spectrograms and the metrics run on the Engine
// thread through the torch-free calls of speech/enhance.h, speech/view.h and speech/metrics.h; one
// enhancement at a time. Loading a file reads it on the GUI thread (libsndfile; no model). A
// failed or cancelled enhancement, and a file that does not load, leave everything as it was.

#include "engine/engine.h"
#include "speech/audio.h"
#include "speech/enhance.h"
#include "workbench.h"

#include <QElapsedTimer>
#include <QImage>
#include <QPair>
#include <QVector>

#include <array>
#include <memory>
#include <optional>

class QAudioSource;
class QCheckBox;
class QComboBox;
class QIODevice;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace reverie::widgets {
class AudioOutput;
class PlayerLogic;
class WaveformView;
} // namespace reverie::widgets

namespace reverie::app {

/// Scores against the clean reference (none: no reference, or a metric undefined for the input).
struct EnhanceScores {
    struct Set {
        std::optional<double> siSdr, siSir, siSar, estoi;
    };
    Set noisy, enhanced;
    bool hasReference = false;
    QString note; ///< why a score is missing, or that lengths differed ("" when nothing to say)
};

/// The views of one track, made on the engine thread.
struct TrackView {
    QImage spectrogram;                    ///< spectrogramImage() of the track (null: none)
    QVector<QPair<float, float>> envelope; ///< min/max per column
    qint64 samples = 0;
};

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
    void cancel() override;

    /// Loads a noisy file (any format, resampled to 16 kHz mono). False with *error (also in the
    /// status line) for a file that does not load or while enhancing; the loaded audio stays.
    /// A new noisy input drops the previous result.
    bool setNoisyFile(const QString& path, QString* error = nullptr);
    /// Loads the clean reference (optional). Same rules; the result stays.
    bool setReferenceFile(const QString& path, QString* error = nullptr);
    /// The same from memory (16 kHz mono, not empty); the noisy one has no file to protect.
    bool setNoisyAudio(const reverie::speech::Audio& audio, QString* error = nullptr);
    bool setReferenceAudio(const reverie::speech::Audio& audio, QString* error = nullptr);
    bool hasNoisy() const { return !m_audio[0].samples.empty(); }
    bool hasReference() const { return !m_audio[2].samples.empty(); }
    const reverie::speech::Audio& audio(Track t) const { return m_audio[std::size_t(t - 1)]; }
    QString noisyPath() const { return m_noisyPath; }

    /// The settings shown (model folder, sampler, NFE, seed).
    reverie::speech::EnhanceParams currentParams() const;
    /// Starts enhancing the noisy audio with p. False (with *error, also in the status line)
    /// without noisy audio, with invalid settings, a missing model folder or while enhancing;
    /// otherwise enhanceFinished() follows.
    bool startEnhance(const reverie::speech::EnhanceParams& p, QString* error = nullptr);
    bool isBusy() const { return m_jobId != 0; }

    bool hasResult() const { return !m_audio[1].samples.empty(); }
    const reverie::speech::Audio& enhanced() const { return m_audio[1]; }
    /// Figures of the shown result's run.
    const reverie::speech::EnhanceResult& resultStats() const { return m_resultStats; }
    const reverie::speech::EnhanceParams& resultParams() const { return m_resultParams; }
    const EnhanceScores& scores() const { return m_scores; }
    /// True while spectrograms or scores are being computed on the engine thread.
    bool isAnalysing() const { return !m_analysisJobs.isEmpty(); }

    widgets::PlayerLogic& player() { return *m_player; }
    /// Shows and plays track k (1–4) from the current position; false when it is empty.
    bool selectTrack(int k);
    int selectedTrack() const;
    /// Play/pause (space). False with a sentence in the status line without an output device.
    bool togglePlay();
    void setLoudnessMatch(bool on);

    /// Writes the enhanced audio as a 16-bit WAV; refuses the input files and a missing result.
    bool exportEnhanced(const QString& path, QString* error = nullptr);
    QString statusText() const;
    widgets::WaveformView* waveformView() const { return m_wave; }
    widgets::WaveformView* spectrogramView() const { return m_spec; }

Q_SIGNALS:
    void enhanceFinished(reverie::app::JobStatus status, const QString& message);
    /// The spectrograms and scores of the current inputs are shown.
    void analysisFinished();

protected:
    /// Drops of an audio file anywhere on the page (it becomes the noisy input).
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Analysis;
    struct Outcome;

    void openNoisyClicked();
    void openReferenceClicked();
    void recordClicked();
    void enhanceClicked();
    void exportClicked();
    void onProgress(const JobProgress& p);
    void setBusy(bool busy);
    void setStatus(const QString& message);
    bool loadInto(int track, const reverie::speech::Audio& audio, const QString& path, QString* error);
    void analyse(bool views);
    void showTrack(int track, const TrackView& view);
    void showScores();
    void showPlayer();
    void updateViews();
    void updateLevelLabel();
    void finishRecording();
    QString trackName(int track) const;

    Engine* m_engine;
    QString m_outputRoot;
    QWidget* m_page = nullptr;
    quint64 m_jobId = 0;
    QList<quint64> m_analysisJobs;
    QElapsedTimer m_clock;

    std::array<reverie::speech::Audio, 4> m_audio; ///< indexed by Track − 1
    std::array<TrackView, 4> m_views;
    std::array<int, 4> m_generation{}; ///< bumped when a track changes; stale engine results are dropped
    QString m_noisyPath, m_referencePath;
    reverie::speech::EnhanceResult m_resultStats; ///< figures of the shown result (no audio)
    reverie::speech::EnhanceParams m_resultParams;
    reverie::speech::EnhanceParams m_runParams;
    EnhanceScores m_scores;

    std::unique_ptr<widgets::PlayerLogic> m_player;
    widgets::AudioOutput* m_output = nullptr;
    QAudioSource* m_source = nullptr;
    QIODevice* m_sourceDevice = nullptr;
    QByteArray m_recorded;

    // Controls
    QLineEdit* m_noisyEdit = nullptr;
    QLineEdit* m_referenceEdit = nullptr;
    QPushButton* m_openNoisy = nullptr;
    QPushButton* m_openReference = nullptr;
    QPushButton* m_record = nullptr;
    QComboBox* m_builtinModel = nullptr;
    QLineEdit* m_modelDir = nullptr;
    QComboBox* m_sampler = nullptr;
    QSpinBox* m_nfe = nullptr;
    QSpinBox* m_seed = nullptr;
    QPushButton* m_enhance = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_export = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    // Views and player
    std::array<QRadioButton*, 4> m_trackButtons{};
    widgets::WaveformView* m_wave = nullptr;
    widgets::WaveformView* m_spec = nullptr;
    QPushButton* m_play = nullptr;
    QCheckBox* m_loop = nullptr;
    QCheckBox* m_match = nullptr;
    QLabel* m_levelLabel = nullptr;
    QLabel* m_position = nullptr;
    // Metrics
    std::array<std::array<QLabel*, 3>, 4> m_metric{}; ///< rows SI-SDR, SI-SIR, SI-SAR, ESTOI × noisy, enhanced, gain
    QLabel* m_metricNote = nullptr;
    QLabel* m_runNfe = nullptr;
    QLabel* m_runSeconds = nullptr;
    QLabel* m_runRtf = nullptr;
};

} // namespace reverie::app
