// PlayerLogic without a sound card: switching tracks keeps the position, the loop wraps, levels,
// gains and offsets against hand-derived values, the end of a track stops, empty tracks; and
// AudioOutput without an output device (a sentence, no crash). Plus the waveform view's
// click-to-seek and drag-to-loop, and the spectrogram colour image.

#include "abplayer.h"
#include "waveformview.h"

#include <QtTest>

#include <cmath>

using reverie::widgets::AudioOutput;
using reverie::widgets::PlayerLogic;
using reverie::widgets::WaveformView;

namespace {
/// n samples of a ±a square wave (RMS a exactly).
std::vector<float> square(std::size_t n, float a) {
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = (i % 2 == 0) ? a : -a;
    return x;
}
/// 0, 1, 2, … scaled by 1e-4, so a pulled sample tells where it came from.
std::vector<float> ramp(std::size_t n, float offset = 0) {
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = offset + float(i) * 1e-4f;
    return x;
}
} // namespace

class TestAbPlayer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void emptyPlayerDoesNothing() {
        PlayerLogic p;
        QCOMPARE(p.current(), 0);
        QVERIFY(!p.hasTrack(PlayerLogic::Noisy));
        QVERIFY(!p.select(PlayerLogic::Enhanced));
        QVERIFY(!p.select(0));
        QVERIFY(!p.select(5));
        p.play();
        QVERIFY(!p.isPlaying());
        QVERIFY(p.pull(100).empty());
        p.seek(50);
        QCOMPARE(p.position(), 0);
        QVERIFY(std::isinf(p.levelDb(PlayerLogic::Noisy)));
        QCOMPARE(p.offsetDb(PlayerLogic::Enhanced), 0.0);
        p.setLoudnessMatch(true);
        QCOMPARE(p.gain(PlayerLogic::Enhanced), 1.0);
        // An empty vector is no track.
        p.setTrack(PlayerLogic::Noisy, {});
        QCOMPARE(p.current(), 0);
    }

    void switchingKeepsThePosition() {
        PlayerLogic p;
        p.setTrack(PlayerLogic::Noisy, ramp(1000));
        p.setTrack(PlayerLogic::Enhanced, ramp(1000, 0.5f));
        p.setTrack(PlayerLogic::Reference, ramp(600, -0.5f));
        QCOMPARE(p.current(), int(PlayerLogic::Noisy)); // the first track is selected
        p.play();
        QCOMPARE(p.pull(300).size(), std::size_t(300));
        QCOMPARE(p.position(), 300);
        QVERIFY(p.select(PlayerLogic::Enhanced));
        QCOMPARE(p.position(), 300);
        const auto x = p.pull(10);
        QCOMPARE(x.size(), std::size_t(10));
        QCOMPARE(x[0], 0.5f + 300 * 1e-4f); // sample 300 of the enhanced track
        QCOMPARE(p.position(), 310);
        QVERIFY(p.isPlaying());
        // An empty track is refused and nothing changes.
        QVERIFY(!p.select(PlayerLogic::Residual));
        QCOMPARE(p.current(), int(PlayerLogic::Enhanced));
        QCOMPARE(p.position(), 310);
        // A shorter track clamps the position to its length.
        p.seek(800);
        QVERIFY(p.select(PlayerLogic::Reference));
        QCOMPARE(p.position(), 600);
        QVERIFY(p.select(PlayerLogic::Noisy));
        QCOMPARE(p.position(), 600);
        // Removing the current track selects the first remaining one.
        p.clearTrack(PlayerLogic::Noisy);
        QCOMPARE(p.current(), int(PlayerLogic::Enhanced));
        QCOMPARE(p.position(), 600);
    }

    void endOfTrackStops() {
        PlayerLogic p;
        p.setTrack(PlayerLogic::Noisy, ramp(100));
        p.seek(90);
        p.play();
        const auto x = p.pull(25);
        QCOMPARE(x.size(), std::size_t(10));
        QCOMPARE(x.back(), 99 * 1e-4f);
        QCOMPARE(p.position(), 100);
        QVERIFY(!p.isPlaying());
        QVERIFY(p.pull(5).empty());
        // Play at the end starts over.
        p.play();
        QCOMPARE(p.position(), 0);
        QCOMPARE(p.pull(1).at(0), 0.0f);
        // Exactly to the end also stops.
        p.seek(95);
        QCOMPARE(p.pull(5).size(), std::size_t(5));
        QVERIFY(!p.isPlaying());
        // Seek clamps.
        p.seek(-5);
        QCOMPARE(p.position(), 0);
        p.seek(1000);
        QCOMPARE(p.position(), 100);
    }

    void loopWraps() {
        PlayerLogic p;
        p.setTrack(PlayerLogic::Noisy, ramp(1000));
        p.setLoop(300, 200); // swapped to [200, 300)
        QCOMPARE(p.loopStart(), 200);
        QCOMPARE(p.loopEnd(), 300);
        QVERIFY(!p.isLooping()); // not enabled yet
        p.setLoopEnabled(true);
        QVERIFY(p.isLooping());
        p.seek(250);
        p.play();
        const auto x = p.pull(120);
        QCOMPARE(x.size(), std::size_t(120));
        QCOMPARE(x[0], 250 * 1e-4f);
        QCOMPARE(x[49], 299 * 1e-4f);
        QCOMPARE(x[50], 200 * 1e-4f); // wrapped to the loop's start
        QCOMPARE(x[119], 269 * 1e-4f);
        QCOMPARE(p.position(), 270);
        QVERIFY(p.isPlaying());
        // Many wraps in one pull, never past the loop's end.
        const auto y = p.pull(1000);
        QCOMPARE(y.size(), std::size_t(1000));
        for (const float v : y) QVERIFY(v >= 200 * 1e-4f - 1e-7f && v < 300 * 1e-4f);
        QCOMPARE(p.position(), 270); // 1000 = 10 loops of 100
        // A playhead outside the region jumps to its start.
        p.seek(900);
        QCOMPARE(p.pull(1).at(0), 200 * 1e-4f);
        // Switching keeps the position inside the loop.
        p.setTrack(PlayerLogic::Enhanced, ramp(1000, 0.5f));
        QVERIFY(p.select(PlayerLogic::Enhanced));
        QCOMPARE(p.position(), 201);
        QCOMPARE(p.pull(1).at(0), 0.5f + 201 * 1e-4f);
        // A loop beyond the end of the track does not loop; one that ends past it is cut.
        p.setLoop(2000, 3000);
        QVERIFY(!p.isLooping());
        p.setLoop(950, 5000);
        QVERIFY(p.isLooping());
        p.seek(990);
        const auto z = p.pull(20);
        QCOMPARE(z[9], 0.5f + 999 * 1e-4f);
        QCOMPARE(z[10], 0.5f + 950 * 1e-4f);
        // Loop off: plays to the end and stops.
        p.setLoopEnabled(false);
        p.seek(995);
        QCOMPARE(p.pull(20).size(), std::size_t(5));
        QVERIFY(!p.isPlaying());
    }

    void levelsAndGains() {
        PlayerLogic p;
        p.setSampleRate(16000);
        QCOMPARE(PlayerLogic::levelFrame(16000), 320);
        // Noisy: ±0.5 everywhere → RMS 0.5 → 20·log10(0.5) = −6.0206 dBFS.
        p.setTrack(PlayerLogic::Noisy, square(3200, 0.5f));
        QVERIFY(std::abs(p.levelDb(PlayerLogic::Noisy) - 20 * std::log10(0.5)) < 1e-4);
        // Enhanced: ±0.25 on the first half, silence after: the silent frames are not counted,
        // so the level is 20·log10(0.25) = −12.0412 dBFS, not 3 dB less.
        auto half = square(3200, 0.25f);
        std::fill(half.begin() + 1600, half.end(), 0.0f);
        p.setTrack(PlayerLogic::Enhanced, half);
        QVERIFY(std::abs(p.levelDb(PlayerLogic::Enhanced) - 20 * std::log10(0.25)) < 1e-4);
        // Offset = level(noisy) − level(enhanced) = 20·log10(2) = 6.0206 dB; gain 2 when matching.
        QVERIFY(std::abs(p.offsetDb(PlayerLogic::Enhanced) - 20 * std::log10(2.0)) < 1e-4);
        QCOMPARE(p.offsetDb(PlayerLogic::Noisy), 0.0);
        QCOMPARE(p.gain(PlayerLogic::Enhanced), 1.0); // matching is off
        p.setLoudnessMatch(true);
        QVERIFY(std::abs(p.gain(PlayerLogic::Enhanced) - 2.0) < 1e-6);
        QVERIFY(std::abs(p.gain(PlayerLogic::Noisy) - 1.0) < 1e-12);
        // pull() applies the gain: ±0.25 plays as ±0.5.
        QVERIFY(p.select(PlayerLogic::Enhanced));
        p.play();
        const auto x = p.pull(4);
        QCOMPARE(x.size(), std::size_t(4));
        QVERIFY(std::abs(x[0] - 0.5f) < 1e-6f);
        QVERIFY(std::abs(x[1] + 0.5f) < 1e-6f);
        // A quieter residual (RMS 0.05): offset 20·log10(10) = 20 dB, gain 10; clipped to ±1.
        p.setTrack(PlayerLogic::Residual, square(3200, 0.2f));
        QVERIFY(std::abs(p.offsetDb(PlayerLogic::Residual) - 20 * std::log10(2.5)) < 1e-4);
        p.setTrack(PlayerLogic::Residual, square(3200, 0.05f));
        QVERIFY(std::abs(p.offsetDb(PlayerLogic::Residual) - 20.0) < 1e-4);
        p.setTrack(PlayerLogic::Reference, square(3200, 0.9f));
        QVERIFY(p.select(PlayerLogic::Reference));
        // 0.9 · 10^((−6.0206 − 20·log10 0.9)/20) = 0.5
        QVERIFY(std::abs(p.pull(1).at(0) - 0.5f) < 1e-5f);
        // A silent track gets no gain (offset 0), and without the noisy track nothing matches.
        p.setTrack(PlayerLogic::Residual, std::vector<float>(3200, 0.0f));
        QVERIFY(std::isinf(p.levelDb(PlayerLogic::Residual)));
        QCOMPARE(p.offsetDb(PlayerLogic::Residual), 0.0);
        QCOMPARE(p.gain(PlayerLogic::Residual), 1.0);
        p.clearTrack(PlayerLogic::Noisy);
        QCOMPARE(p.offsetDb(PlayerLogic::Enhanced), 0.0);
        // Matching off again: unity gain.
        p.setTrack(PlayerLogic::Noisy, square(3200, 0.5f));
        p.setLoudnessMatch(false);
        QCOMPARE(p.gain(PlayerLogic::Enhanced), 1.0);
    }

    void gainClips() {
        PlayerLogic p;
        p.setTrack(PlayerLogic::Noisy, square(640, 0.8f));
        p.setTrack(PlayerLogic::Enhanced, [] {
            auto x = square(640, 0.1f);
            x[5] = 0.9f; // a peak that the gain of ≈ 8 pushes past full scale
            return x;
        }());
        p.setLoudnessMatch(true);
        QVERIFY(p.gain(PlayerLogic::Enhanced) > 5.0);
        QVERIFY(p.select(PlayerLogic::Enhanced));
        p.play();
        const auto x = p.pull(10);
        QCOMPARE(x[5], 1.0f);
    }

    void noOutputDeviceIsASentence() {
        PlayerLogic p;
        p.setTrack(PlayerLogic::Noisy, ramp(16000));
        AudioOutput out(&p);
        QString error;
        if (AudioOutput::deviceAvailable()) {
            QVERIFY(out.unavailableReason().isEmpty());
            QSKIP("this machine has an audio output; the no-device path cannot be checked here");
        }
        QVERIFY(!out.unavailableReason().isEmpty());
        QVERIFY(!out.play(&error));
        QVERIFY2(error.contains(QStringLiteral("No audio output")), qPrintable(error));
        QVERIFY(!p.isPlaying());
        QCOMPARE(p.position(), 0);
        out.pause(); // harmless
        QVERIFY(!out.isPlaying());
    }

    void viewClickSeeksAndDragSetsLoop() {
        WaveformView view;
        view.resize(400, 100);
        QSignalSpy seek(&view, &WaveformView::seekRequested);
        QSignalSpy loop(&view, &WaveformView::loopRequested);
        QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(100, 50)); // no track: nothing
        QCOMPARE(seek.count(), 0);
        QVector<QPair<float, float>> env(400, qMakePair(-0.5f, 0.5f));
        view.setEnvelope(env, 16000);
        QCOMPARE(view.sampleAt(100), 4000);
        QCOMPARE(view.xOf(8000), 200.0);
        QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(100, 50));
        QCOMPARE(seek.count(), 1);
        QCOMPARE(seek.at(0).at(0).toLongLong(), 4000);
        QTest::mousePress(&view, Qt::LeftButton, {}, QPoint(300, 50));
        QTest::mouseMove(&view, QPoint(200, 50));
        QTest::mouseMove(&view, QPoint(100, 50));
        QTest::mouseRelease(&view, Qt::LeftButton, {}, QPoint(100, 50));
        QCOMPARE(loop.count(), 1);
        QCOMPARE(loop.at(0).at(0).toLongLong(), 4000);
        QCOMPARE(loop.at(0).at(1).toLongLong(), 12000);
        QCOMPARE(seek.count(), 1);
        view.setPlayhead(99999);
        QCOMPARE(view.playhead(), 16000);
        view.setLoop(2000, 1000, true);
        view.setMode(WaveformView::Mode::Spectrogram);
        QVERIFY(!view.grab().isNull()); // paints in both modes

        // Zoom: the wheel zooms about the cursor (the sample under it stays), clicks map through
        // the visible range, a double-click shows the whole track again.
        QSignalSpy range(&view, &WaveformView::visibleRangeChanged);
        const qint64 under = view.sampleAt(300);
        view.zoomAbout(0.25, 300.0 / 400.0);
        QCOMPARE(range.count(), 1);
        const auto r = view.visibleRange();
        QVERIFY(std::abs((r.second - r.first) - 0.25) < 1e-9);
        QVERIFY(std::abs(double(view.sampleAt(300) - under)) <= 1.0);
        QVERIFY(view.sampleAt(0) > 0 && view.sampleAt(400) < view.samples());
        QVERIFY(std::abs(view.xOf(view.sampleAt(123)) - 123.0) < 1.0);
        view.zoomAbout(1e-9, 0.0); // never narrower than 1/4096 of the track, never outside it
        QVERIFY(view.visibleRange().second - view.visibleRange().first >= 1.0 / 4096 - 1e-12);
        QVERIFY(view.visibleRange().first >= 0.0);
        view.setVisibleRange(0.9, 1.4);
        QVERIFY(view.visibleRange().second <= 1.0 && view.visibleRange().first >= 0.0);
        QVERIFY(!view.grab().isNull());
        QTest::mouseDClick(&view, Qt::LeftButton, {}, QPoint(50, 50));
        QCOMPARE(view.visibleRange(), qMakePair(0.0, 1.0));
        QCOMPARE(range.last().at(0).toDouble(), 0.0);
    }

    void spectrogramImageMapsDb() {
        // 2 frames × 3 bins; bin 0 is the bottom row.
        const std::vector<float> db = {-100, -50, 0, 0, 0, 0};
        const QImage img = reverie::widgets::spectrogramImage(db, 2, 3, -100, 0);
        QCOMPARE(img.size(), QSize(2, 3));
        QCOMPARE(img.pixel(0, 2), qRgb(0, 0, 4));       // frame 0, bin 0: the lowest value
        QCOMPARE(img.pixel(0, 0), qRgb(252, 253, 191)); // frame 0, bin 2: the highest
        QCOMPARE(img.pixel(1, 1), qRgb(252, 253, 191));
        QVERIFY(reverie::widgets::spectrogramImage(db, 3, 3, -100, 0).isNull()); // wrong size
        QVERIFY(reverie::widgets::spectrogramImage({}, 0, 0, -100, 0).isNull());
    }
};

QTEST_MAIN(TestAbPlayer)
#include "tst_abplayer.moc"
