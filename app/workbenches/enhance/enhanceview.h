#pragma once
// The Enhance workbench's page: input and enhancement settings, run buttons, metrics (left); the
// track choice, waveform and spectrogram views and the player row (right). It shows what the
// controller (enhanceworkbench.h) hands it and turns clicks into signals; it holds no audio.
//
// Thread rules: GUI thread only.

#include "speech/enhance.h"

#include <QImage>
#include <QPair>
#include <QVector>
#include <QWidget>

#include <array>
#include <optional>

class QCheckBox;
class QVBoxLayout;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTabWidget;

namespace reverie::widgets {
class WaveformView;
}

namespace reverie::app {

class AudioCompareView;
class HistoryTab;

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

class EnhanceView : public QWidget {
    Q_OBJECT
public:
    explicit EnhanceView(QWidget* parent = nullptr);

    static QString trackName(int track);

    reverie::speech::EnhanceParams params() const;
    void setParams(const reverie::speech::EnhanceParams& p);
    void setInputText(int track, const QString& text); ///< track 1 (noisy) or 3 (reference)
    /// idle, enhancing, recording, with or without input/result/microphone
    void setState(bool busy, bool recording, bool hasNoisy, bool hasResult);
    void setRecording(bool recording);
    void setStatus(const QString& text);
    QString status() const;
    void beginEnhance();
    void showChunks(qint64 step, qint64 total);
    void endEnhance();
    void showRunFigures(const reverie::speech::EnhanceResult& r); ///< NFE, seconds, RTF; empty r: dashes
    /// The models folder's SGMSE+ checkpoints (label, path) in the model menu.
    void setCheckpoints(const QList<QPair<QString, QString>>& entries);
    /// What was read from the model that ran (a checkpoint: architecture, weights, settings).
    void showModelCard(const reverie::speech::EnhancerInfo& info);
    void showScores(const EnhanceScores& scores, bool hasReference);
    /// Track buttons enabled per available track; `current` checked; its view shown.
    /// The track buttons, the waveform of the current track and the spectrograms: the current
    /// track's alone until there is an enhanced track, then noisy and enhanced stacked (and the
    /// residual as a third row when asked), in step for zoom, playhead and loop.
    void showTracks(const std::array<bool, 4>& available, int current, const std::array<TrackView, 4>& views);
    void showPlayhead(qint64 position, qint64 loopStart, qint64 loopEnd, bool loop, double seconds, double length);
    void setLevelText(const QString& text);
    void setPlaying(bool playing);
    void setLoopChecked(bool on);
    bool loopChecked() const;
    void setLoudnessMatchChecked(bool on);
    void disablePlayback(const QString& why);

    QTabWidget* tabs() const { return m_tabs; }
    QWidget* enhanceTab() const { return m_enhanceTab; }
    /// The runs kept so far, two of them compared in audioCompare().
    HistoryTab* historyTab() const { return m_historyTab; }
    AudioCompareView* audioCompare() const { return m_audioCompare; }
    widgets::WaveformView* waveformView() const { return m_wave; }
    widgets::WaveformView* spectrogramView() const { return m_spec; }
    /// The stacked rows under spectrogramView() (hidden until there is an enhanced track).
    widgets::WaveformView* enhancedSpectrogramView() const { return m_specEnhanced; }
    widgets::WaveformView* residualSpectrogramView() const { return m_specResidual; }

Q_SIGNALS:
    void openNoisyRequested();
    void openReferenceRequested();
    void recordToggled();
    void enhanceRequested();
    void cancelRequested();
    void exportRequested();
    void trackRequested(int track);
    void playRequested();
    void loopToggled(bool on);
    void loudnessMatchToggled(bool on);
    void seekRequested(qint64 sample);
    void loopRequested(qint64 start, qint64 end);
    void fileDropped(const QString& path);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QWidget* buildInputBox();
    QWidget* buildSettingsBox();
    QWidget* buildMetricsBox();
    void buildPlayerColumn(QVBoxLayout* right);
    /// A predictive model takes the sampler "predictive" only, a score model any other: the
    /// sampler follows the model folder when the current one does not fit it.
    void matchSamplerToModel();

    QTabWidget* m_tabs = nullptr;
    QWidget* m_enhanceTab = nullptr;
    HistoryTab* m_historyTab = nullptr;
    AudioCompareView* m_audioCompare = nullptr;
    QLineEdit* m_noisyEdit = nullptr;
    QLineEdit* m_referenceEdit = nullptr;
    QPushButton* m_openNoisy = nullptr;
    QPushButton* m_openReference = nullptr;
    QPushButton* m_record = nullptr;
    QComboBox* m_builtinModel = nullptr;
    QLineEdit* m_modelDir = nullptr;
    QLabel* m_modelCard = nullptr;
    QComboBox* m_task = nullptr;
    QComboBox* m_sampler = nullptr;
    QSpinBox* m_nfe = nullptr;
    QSpinBox* m_seed = nullptr;
    QPushButton* m_enhance = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_export = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    std::array<QRadioButton*, 4> m_trackButtons{};
    widgets::WaveformView* m_wave = nullptr;
    widgets::WaveformView* m_spec = nullptr;
    widgets::WaveformView* m_specEnhanced = nullptr;
    widgets::WaveformView* m_specResidual = nullptr;
    QCheckBox* m_residualRow = nullptr;
    QSpinBox* m_strength = nullptr;
    std::array<bool, 4> m_available{};
    int m_current = 0;
    std::array<TrackView, 4> m_shown; ///< what showTracks() was last given (implicitly shared images)
    void refreshTracks();
    QPushButton* m_play = nullptr;
    QCheckBox* m_loop = nullptr;
    QCheckBox* m_match = nullptr;
    QLabel* m_levelLabel = nullptr;
    QLabel* m_position = nullptr;
    std::array<std::array<QLabel*, 3>, 4> m_metric{}; ///< rows SI-SDR, SI-SIR, SI-SAR, ESTOI × noisy, enhanced, gain
    QLabel* m_metricNote = nullptr;
    QLabel* m_runNfe = nullptr;
    QLabel* m_runSeconds = nullptr;
    QLabel* m_runRtf = nullptr;
    bool m_playbackAvailable = true;
};

} // namespace reverie::app
