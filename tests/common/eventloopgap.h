#pragma once
// The longest time the GUI event loop went without running a 1-ms timer: what a user would feel
// as a stall. Start it, let the loop spin (QTest::qWait, QSignalSpy::wait, QTRY_*), read maxMs().
// A synchronous call made from the test body between two spins counts in full.

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <algorithm>

namespace reverie::testing {

class EventLoopGap : public QObject {
public:
    EventLoopGap() {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(1);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.elapsed();
            m_max = std::max(m_max, now - m_last);
            m_last = now;
        });
        reset();
        m_timer.start();
    }
    /// Forgets the gaps so far (call it right after a spin of the loop).
    void reset() {
        m_clock.start();
        m_last = 0;
        m_max = 0;
    }
    /// The longest gap since reset(), up to the last tick, in milliseconds.
    qint64 maxMs() const { return m_max; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_max = 0;
};

} // namespace reverie::testing
