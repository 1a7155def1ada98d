#include "abplayer.h"

#include <QAudioDevice>
#include <QAudioFormat>
#include <QAudioSink>
#include <QIODevice>
#include <QMediaDevices>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace reverie::widgets {
namespace {

const std::vector<float> kEmpty;

/// The RMS level in dBFS of the non-silent frames (see PlayerLogic::levelDb).
double measureLevel(const std::vector<float>& x, int frame) {
    if (x.empty()) return -std::numeric_limits<double>::infinity();
    const std::size_t n = x.size(), f = std::size_t(std::max(frame, 1));
    std::vector<double> energy; // sum of squares per frame
    std::vector<std::size_t> count;
    for (std::size_t a = 0; a < n; a += f) {
        const std::size_t b = std::min(n, a + f);
        double e = 0;
        for (std::size_t i = a; i < b; ++i) e += double(x[i]) * double(x[i]);
        energy.push_back(e);
        count.push_back(b - a);
    }
    double loudest = 0;
    for (std::size_t k = 0; k < energy.size(); ++k) loudest = std::max(loudest, energy[k] / double(count[k]));
    if (loudest <= 0) return -std::numeric_limits<double>::infinity();
    // Gate: within 50 dB of the loudest frame and above −90 dBFS (mean squares: 1e-5 and 1e-9).
    const double gate = std::max(loudest * 1e-5, 1e-9);
    double sum = 0;
    std::size_t samples = 0;
    for (std::size_t k = 0; k < energy.size(); ++k) {
        if (energy[k] / double(count[k]) < gate) continue;
        sum += energy[k];
        samples += count[k];
    }
    if (samples == 0) return -std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(sum / double(samples));
}

} // namespace

// ---- PlayerLogic ----

void PlayerLogic::setTrack(int track, std::vector<float> samples) {
    if (!valid(track)) return;
    m_level[std::size_t(track - 1)] = measureLevel(samples, levelFrame(m_rate));
    m_tracks[std::size_t(track - 1)] = std::move(samples);
    if (!hasTrack(m_current)) {
        // The current track went away (or there was none): take the first one there is.
        m_current = 0;
        for (int t = 1; t <= kTracks; ++t)
            if (hasTrack(t)) {
                m_current = t;
                break;
            }
        if (m_current == 0) m_playing = false;
    }
    m_pos = std::min(m_pos, trackLength(m_current));
}

void PlayerLogic::clear() {
    for (int t = 1; t <= kTracks; ++t) clearTrack(t);
    m_pos = 0;
}

bool PlayerLogic::hasTrack(int track) const { return valid(track) && !m_tracks[std::size_t(track - 1)].empty(); }

std::int64_t PlayerLogic::trackLength(int track) const {
    return valid(track) ? std::int64_t(m_tracks[std::size_t(track - 1)].size()) : 0;
}

const std::vector<float>& PlayerLogic::samples(int track) const {
    return valid(track) ? m_tracks[std::size_t(track - 1)] : kEmpty;
}

bool PlayerLogic::select(int track) {
    if (!hasTrack(track)) return false;
    m_current = track;
    m_pos = std::min(m_pos, trackLength(track));
    return true;
}

void PlayerLogic::seek(std::int64_t sample) { m_pos = std::clamp<std::int64_t>(sample, 0, trackLength(m_current)); }

void PlayerLogic::play() {
    if (!hasTrack(m_current)) return;
    if (!isLooping() && m_pos >= trackLength(m_current)) m_pos = 0;
    m_playing = true;
}

void PlayerLogic::setLoop(std::int64_t a, std::int64_t b) {
    if (a > b) std::swap(a, b);
    m_loopA = std::max<std::int64_t>(a, 0);
    m_loopB = std::max<std::int64_t>(b, 0);
}

bool PlayerLogic::isLooping() const {
    return m_loopOn && hasTrack(m_current) && std::min(m_loopB, trackLength(m_current)) > m_loopA;
}

double PlayerLogic::levelDb(int track) const {
    return hasTrack(track) ? m_level[std::size_t(track - 1)] : -std::numeric_limits<double>::infinity();
}

double PlayerLogic::offsetDb(int track) const {
    if (track == Noisy) return 0.0;
    const double ref = levelDb(Noisy), own = levelDb(track);
    if (!std::isfinite(ref) || !std::isfinite(own)) return 0.0;
    return ref - own;
}

double PlayerLogic::gain(int track) const { return m_match ? std::pow(10.0, offsetDb(track) / 20.0) : 1.0; }

std::vector<float> PlayerLogic::pull(std::int64_t n) {
    std::vector<float> out;
    if (!m_playing || !hasTrack(m_current) || n <= 0) return out;
    const auto& x = m_tracks[std::size_t(m_current - 1)];
    const auto len = std::int64_t(x.size());
    const auto g = float(gain(m_current));
    out.reserve(std::size_t(n));
    while (std::int64_t(out.size()) < n) {
        std::int64_t end = len;
        if (isLooping()) {
            end = std::min(m_loopB, len);
            if (m_pos < m_loopA || m_pos >= end) m_pos = m_loopA;
        } else if (m_pos >= len) {
            break;
        }
        const std::int64_t take = std::min(n - std::int64_t(out.size()), end - m_pos);
        for (std::int64_t i = 0; i < take; ++i) out.push_back(std::clamp(g * x[std::size_t(m_pos + i)], -1.0f, 1.0f));
        m_pos += take;
    }
    if (!isLooping() && m_pos >= len) m_playing = false;
    return out;
}

// ---- AudioOutput ----

/// The sink's source: pulls from the logic and pads with silence, so the sink never starves.
class AudioOutput::Device : public QIODevice {
public:
    Device(PlayerLogic* logic, bool asFloat, QObject* parent) : QIODevice(parent), m_logic(logic), m_float(asFloat) {}
    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override { return 1 << 16; }

protected:
    qint64 readData(char* data, qint64 maxlen) override {
        const qint64 width = m_float ? qint64(sizeof(float)) : qint64(sizeof(qint16));
        const qint64 frames = maxlen / width;
        const std::vector<float> s = m_logic->pull(frames);
        if (m_float) {
            std::memcpy(data, s.data(), s.size() * sizeof(float));
        } else {
            auto* out = reinterpret_cast<qint16*>(data);
            for (std::size_t i = 0; i < s.size(); ++i) out[i] = qint16(std::lround(s[i] * 32767.0f));
        }
        std::memset(data + qint64(s.size()) * width, 0, std::size_t((frames - qint64(s.size())) * width));
        return frames * width;
    }
    qint64 writeData(const char*, qint64) override { return -1; }

private:
    PlayerLogic* m_logic;
    bool m_float;
};

AudioOutput::AudioOutput(PlayerLogic* logic, QObject* parent) : QObject(parent), m_logic(logic) {
    m_timer = new QTimer(this);
    m_timer->setInterval(33);
    connect(m_timer, &QTimer::timeout, this, &AudioOutput::tick);
}

AudioOutput::~AudioOutput() {
    if (m_sink) m_sink->stop();
}

bool AudioOutput::deviceAvailable() { return !QMediaDevices::defaultAudioOutput().isNull(); }

QString AudioOutput::unavailableReason() const {
    return deviceAvailable() ? QString() : tr("No audio output device found: playback is not available.");
}

bool AudioOutput::play(QString* error) {
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        m_logic->pause();
        return false;
    };
    const QAudioDevice device = QMediaDevices::defaultAudioOutput();
    if (device.isNull()) return fail(unavailableReason());
    if (!m_logic->hasTrack(m_logic->current())) return fail(tr("There is nothing to play yet."));
    if (!m_sink) {
        QAudioFormat format;
        format.setSampleRate(m_logic->sampleRate());
        format.setChannelCount(1);
        format.setSampleFormat(QAudioFormat::Float);
        if (!device.isFormatSupported(format)) format.setSampleFormat(QAudioFormat::Int16);
        if (!device.isFormatSupported(format))
            return fail(tr("The audio output %1 cannot play mono audio at %2 Hz.")
                            .arg(device.description())
                            .arg(m_logic->sampleRate()));
        m_sink = new QAudioSink(device, format, this);
        // About 100 ms ahead: small enough that a track switch is heard at once.
        m_sink->setBufferSize(qsizetype(format.bytesForDuration(100000)));
        m_device = new Device(m_logic, format.sampleFormat() == QAudioFormat::Float, this);
        m_device->open(QIODevice::ReadOnly);
    }
    m_logic->play();
    if (m_sink->state() == QAudio::SuspendedState) m_sink->resume();
    else if (m_sink->state() != QAudio::ActiveState) m_sink->start(m_device);
    if (m_sink->error() != QAudio::NoError) {
        m_sink->stop();
        return fail(tr("The audio output %1 could not be opened.").arg(device.description()));
    }
    m_timer->start();
    tick();
    return true;
}

void AudioOutput::pause() {
    m_logic->pause();
    if (m_sink) m_sink->suspend();
    tick();
}

bool AudioOutput::isPlaying() const { return m_logic->isPlaying(); }

void AudioOutput::tick() {
    const bool playing = m_logic->isPlaying();
    Q_EMIT positionChanged(m_logic->position());
    if (!playing) {
        m_timer->stop();
        if (m_sink && m_sink->state() == QAudio::ActiveState) m_sink->suspend();
    }
    if (playing != m_wasPlaying) {
        m_wasPlaying = playing;
        Q_EMIT playingChanged(playing);
    }
}

} // namespace reverie::widgets
