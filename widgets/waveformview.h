#pragma once
// WaveformView: one track of audio as its waveform envelope (min/max per column) or as a
// spectrogram image, with the playhead and a loop region. A click seeks, a drag sets the loop
// region; both come out as signals in samples (the owner decides what they do). The mouse wheel
// zooms about the cursor and a double-click shows the whole track again; the visible range comes
// out as visibleRangeChanged() so that an owner can keep several views in step.
//
// Thread rules: GUI thread, except spectrogramImage(), a pure function that may run on any thread.

#include <QImage>
#include <QPair>
#include <QVector>
#include <QWidget>

#include <vector>

namespace reverie::widgets {

/// A colour image of a dB matrix (frames × bins, row-major, bin 0 = lowest frequency): one
/// column per frame, low frequencies at the bottom, values from lowDb (dark) to highDb (bright)
/// on a perceptual "magma"-like map. Null for an empty or mis-sized matrix.
QImage spectrogramImage(const std::vector<float>& db, int frames, int bins, float lowDb, float highDb);

class WaveformView : public QWidget {
    Q_OBJECT
public:
    enum class Mode { Waveform, Spectrogram };

    explicit WaveformView(QWidget* parent = nullptr);

    void setMode(Mode mode);
    Mode mode() const { return m_mode; }

    /// The waveform: one (min, max) pair per column of the envelope, covering `samples` samples.
    void setEnvelope(const QVector<QPair<float, float>>& envelope, qint64 samples);
    /// The spectrogram image (see spectrogramImage()) covering `samples` samples.
    void setSpectrogram(const QImage& image, qint64 samples);
    /// Removes the track (shows the placeholder text).
    void clearTrack();
    void setPlaceholderText(const QString& text);
    /// A caption drawn in the top-left corner ("Enhanced").
    void setLabel(const QString& text);

    qint64 samples() const { return m_samples; }
    bool hasTrack() const { return m_samples > 0; }
    void setPlayhead(qint64 sample);
    qint64 playhead() const { return m_playhead; }
    /// The loop region [a, b) shown shaded; hidden when not enabled or empty.
    void setLoop(qint64 a, qint64 b, bool enabled);

    /// The visible part of the track as fractions [a, b) of its length (0, 1: all of it); a range
    /// narrower than 1/4096 or outside [0, 1] is widened or moved into it. Emits nothing.
    void setVisibleRange(double a, double b);
    QPair<double, double> visibleRange() const { return {m_viewA, m_viewB}; }
    /// Zooms by `factor` (< 1: in) about the fraction `at` of the widget's width; emits visibleRangeChanged.
    void zoomAbout(double factor, double at);

    /// The sample under the widget's x coordinate (clamped to the track).
    qint64 sampleAt(double x) const;
    /// The x coordinate of a sample.
    double xOf(qint64 sample) const;

    QSize sizeHint() const override { return {600, 140}; }
    QSize minimumSizeHint() const override { return {160, 60}; }

Q_SIGNALS:
    void seekRequested(qint64 sample);
    /// A drag selected [a, b) (a < b).
    void loopRequested(qint64 a, qint64 b);
    /// The user zoomed or reset the zoom: the visible fractions [a, b) of the track.
    void visibleRangeChanged(double a, double b);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;

private:
    Mode m_mode = Mode::Waveform;
    QVector<QPair<float, float>> m_envelope;
    QImage m_spectrogram;
    qint64 m_samples = 0;
    qint64 m_playhead = 0;
    qint64 m_loopA = 0, m_loopB = 0;
    double m_viewA = 0, m_viewB = 1; ///< visible fractions of the track
    bool m_loopOn = false;
    QString m_placeholder;
    QString m_label;
    // Mouse: a press that moves more than a few pixels becomes a loop drag.
    bool m_pressed = false;
    bool m_dragging = false;
    double m_pressX = 0;
    qint64 m_dragA = 0, m_dragB = 0;
};

} // namespace reverie::widgets
