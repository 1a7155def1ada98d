#pragma once
// AudioCompareView: two kept Enhance runs side by side for the ear and the eye — run A's and run
// B's enhanced spectrograms stacked (one zoom, one playhead, one loop) and an A/B player that
// switches between A, B and A's noisy input at the same position (the Enhance page's keys 1–3
// and Space reach it while its History tab is shown), with loudness matching to A's level. The History tab of Enhance shows it where the
// image workbenches show their split view.
//
// Thread rules: GUI thread only. It holds the three tracks' samples (the player's copies).

#include <QImage>
#include <QWidget>

#include <memory>
#include <vector>

class QCheckBox;
class QLabel;
class QPushButton;
class QRadioButton;

namespace reverie::widgets {
class AudioOutput;
class PlayerLogic;
class WaveformView;
} // namespace reverie::widgets

namespace reverie::app {

class AudioCompareView : public QWidget {
    Q_OBJECT
public:
    /// The player's tracks (keys 1–3).
    enum Track { RunA = 1, RunB = 2, InputA = 3 };

    /// One side of the comparison: what is heard and what is shown.
    struct Side {
        QString text;               ///< title and figures
        std::vector<float> samples; ///< 16 kHz mono
        QImage spectrogram;         ///< the kept spectrogram of the run's result (null: none)
    };

    explicit AudioCompareView(QWidget* parent = nullptr);
    ~AudioCompareView() override;

    /// Shows and loads runs a and b and a's input (empty: none); the playhead goes to 0, A plays.
    void show(Side a, Side b, std::vector<float> inputOfA);
    bool hasComparison() const;
    widgets::PlayerLogic& player() { return *m_logic; }
    /// Hears track k (1–3) from the current position; false when it is empty.
    bool select(int track);
    int selected() const;
    bool togglePlay();
    widgets::WaveformView* rowA() const { return m_rowA; }
    widgets::WaveformView* rowB() const { return m_rowB; }

private:
    void showPosition(qint64 sample);
    void refreshButtons();

    std::unique_ptr<widgets::PlayerLogic> m_logic;
    widgets::AudioOutput* m_output = nullptr;
    widgets::WaveformView* m_rowA = nullptr;
    widgets::WaveformView* m_rowB = nullptr;
    QLabel* m_text = nullptr;
    QLabel* m_position = nullptr;
    QRadioButton* m_buttons[3] = {};
    QPushButton* m_play = nullptr;
    QCheckBox* m_match = nullptr;
};

} // namespace reverie::app
