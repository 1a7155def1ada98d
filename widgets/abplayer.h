#pragma once
// A/B/C player for the Enhance workbench: up to four mono tracks at one rate (noisy, enhanced,
// reference, residual) auditioned at the same position, with a loop region and loudness matching.
//
// PlayerLogic is the whole behaviour without a sound card (so that it can be tested): which track
// plays, where, whether it loops, at which gain. AudioOutput feeds a QAudioSink from it and says so
// clearly when the machine has no output device, instead of failing later.
//
// Thread rules: GUI thread only. AudioOutput uses the sink's pull mode, in which Qt's Linux
// backends read the device from the thread that owns the sink (the GUI thread), so PlayerLogic
// needs no lock. Failure: no device, or a format it refuses → start() returns false with a
// sentence; nothing throws.

#include <QObject>
#include <QString>

#include <array>
#include <cstdint>
#include <vector>

class QAudioSink;
class QTimer;

namespace reverie::widgets {

class PlayerLogic {
public:
    /// The tracks; their numbers are the keys 1–4.
    enum Track { Noisy = 1, Enhanced = 2, Reference = 3, Residual = 4 };
    static constexpr int kTracks = 4;

    /// Replaces a track (an empty vector removes it). Levels are measured here, once.
    void setTrack(int track, std::vector<float> samples);
    void clearTrack(int track) { setTrack(track, {}); }
    void clear();
    bool hasTrack(int track) const;
    std::int64_t trackLength(int track) const;
    const std::vector<float>& samples(int track) const;

    void setSampleRate(int rate) { m_rate = rate; }
    int sampleRate() const { return m_rate; }

    /// The track that plays. select() keeps the position (clamped to the new track's length);
    /// it refuses (returns false, nothing changes) a track number out of 1..4 or an empty track.
    int current() const { return m_current; }
    bool select(int track);

    std::int64_t position() const { return m_pos; }
    /// Moves the playhead (clamped to [0, length of the current track]).
    void seek(std::int64_t sample);
    /// Seconds at the playhead (0 without a rate).
    double positionSeconds() const { return m_rate > 0 ? double(m_pos) / m_rate : 0.0; }

    bool isPlaying() const { return m_playing; }
    /// Starts playing; at the end of the track (and outside the loop) it starts over from 0 (or
    /// from the loop's start when looping). Without a current track it does nothing.
    void play();
    void pause() { m_playing = false; }

    /// The loop region [a, b) in samples (a > b is swapped); looping needs setLoopEnabled(true).
    void setLoop(std::int64_t a, std::int64_t b);
    void setLoopEnabled(bool on) { m_loopOn = on; }
    bool loopEnabled() const { return m_loopOn; }
    std::int64_t loopStart() const { return m_loopA; }
    std::int64_t loopEnd() const { return m_loopB; }
    /// True when looping is on and [a, b) holds a sample of the current track.
    bool isLooping() const;

    /// Loudness matching: every track plays at the level of the noisy track.
    void setLoudnessMatch(bool on) { m_match = on; }
    bool loudnessMatch() const { return m_match; }
    /// RMS level in dBFS (0 dB = RMS 1) over the non-silent part: the 20 ms frames whose RMS is at
    /// most 50 dB below the loudest frame and above −90 dBFS; the whole track when it is shorter
    /// than a frame. −inf for silence or a missing track.
    double levelDb(int track) const;
    /// level(noisy) − level(track) in dB: what matching adds to the track (0 when either is
    /// missing or silent; 0 for the noisy track itself).
    double offsetDb(int track) const;
    /// The linear gain pull() applies to the track: 10^(offsetDb/20) when matching, else 1.
    double gain(int track) const;

    /// The next n samples of the current track at its gain (clipped to [−1, 1]), advancing the
    /// position: inside the loop region it wraps from its end to its start (a playhead outside
    /// the region jumps to its start first); otherwise it stops at the end of the track (the
    /// result is shorter and playing turns off). Empty when not playing or without a track.
    std::vector<float> pull(std::int64_t n);

    /// Frame length of the level measurement for a rate (20 ms, at least 1 sample).
    static int levelFrame(int rate) { return rate > 50 ? rate / 50 : 1; }

private:
    bool valid(int track) const { return track >= 1 && track <= kTracks; }

    std::array<std::vector<float>, kTracks> m_tracks;
    std::array<double, kTracks> m_level{};
    int m_rate = 16000;
    int m_current = 0; ///< 0: none
    std::int64_t m_pos = 0;
    bool m_playing = false;
    bool m_loopOn = false;
    std::int64_t m_loopA = 0, m_loopB = 0;
    bool m_match = false;
};

/// Plays a PlayerLogic through the default audio output (a QAudioSink in pull mode, mono float or
/// 16-bit at the logic's rate).
class AudioOutput : public QObject {
    Q_OBJECT
public:
    /// logic must outlive this object.
    explicit AudioOutput(PlayerLogic* logic, QObject* parent = nullptr);
    ~AudioOutput() override;

    /// True when the system has a default output device (QMediaDevices).
    static bool deviceAvailable();
    /// Why playback cannot start ("" when it can, as far as is known before starting).
    QString unavailableReason() const;

    /// Starts (or resumes) playing. False with *error when there is no output device or it
    /// refuses the format; the logic then does not play.
    bool play(QString* error = nullptr);
    void pause();
    bool isPlaying() const;

Q_SIGNALS:
    /// While playing, about 30 times a second, and when playing stops.
    void positionChanged(qint64 sample);
    void playingChanged(bool playing);

private:
    class Device;
    void tick();

    PlayerLogic* m_logic;
    QAudioSink* m_sink = nullptr;
    Device* m_device = nullptr;
    QTimer* m_timer = nullptr;
    bool m_wasPlaying = false;
};

} // namespace reverie::widgets
