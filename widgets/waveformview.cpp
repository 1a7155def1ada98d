#include "waveformview.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>

#include <algorithm>
#include <array>
#include <cmath>

namespace reverie::widgets {
namespace {

/// A few stops of a magma-like map (black → purple → orange → pale yellow), interpolated.
QRgb colourAt(float t) {
    static const std::array<std::array<float, 3>, 6> stops = {{{0, 0, 4},
                                                              {59, 15, 112},
                                                              {140, 41, 129},
                                                              {222, 73, 104},
                                                              {254, 159, 109},
                                                              {252, 253, 191}}};
    t = std::clamp(t, 0.0f, 1.0f) * float(stops.size() - 1);
    const auto i = std::min<std::size_t>(std::size_t(t), stops.size() - 2);
    const float f = t - float(i);
    auto mix = [&](int c) { return int(std::lround(stops[i][std::size_t(c)] * (1 - f) + stops[i + 1][std::size_t(c)] * f)); };
    return qRgb(mix(0), mix(1), mix(2));
}

} // namespace

QImage spectrogramImage(const std::vector<float>& db, int frames, int bins, float lowDb, float highDb) {
    if (frames <= 0 || bins <= 0 || db.size() != std::size_t(frames) * std::size_t(bins)) return {};
    QImage image(frames, bins, QImage::Format_RGB32);
    const float span = std::max(highDb - lowDb, 1e-3f);
    for (int b = 0; b < bins; ++b) {
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(bins - 1 - b));
        for (int f = 0; f < frames; ++f)
            line[f] = colourAt((db[std::size_t(f) * std::size_t(bins) + std::size_t(b)] - lowDb) / span);
    }
    return image;
}

WaveformView::WaveformView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(false);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setCursor(Qt::IBeamCursor);
}

void WaveformView::setMode(Mode mode) {
    m_mode = mode;
    update();
}

void WaveformView::setEnvelope(const QVector<QPair<float, float>>& envelope, qint64 samples) {
    m_envelope = envelope;
    m_samples = std::max<qint64>(samples, 0);
    m_playhead = std::clamp<qint64>(m_playhead, 0, m_samples);
    update();
}

void WaveformView::setSpectrogram(const QImage& image, qint64 samples) {
    m_spectrogram = image;
    m_samples = std::max<qint64>(samples, 0);
    m_playhead = std::clamp<qint64>(m_playhead, 0, m_samples);
    update();
}

void WaveformView::clearTrack() {
    m_envelope.clear();
    m_spectrogram = QImage();
    m_samples = 0;
    m_playhead = 0;
    update();
}

void WaveformView::setPlaceholderText(const QString& text) {
    m_placeholder = text;
    update();
}

void WaveformView::setLabel(const QString& text) {
    m_label = text;
    update();
}

void WaveformView::setPlayhead(qint64 sample) {
    const qint64 p = std::clamp<qint64>(sample, 0, m_samples);
    if (p == m_playhead) return;
    m_playhead = p;
    update();
}

void WaveformView::setLoop(qint64 a, qint64 b, bool enabled) {
    m_loopA = std::min(a, b);
    m_loopB = std::max(a, b);
    m_loopOn = enabled;
    update();
}

void WaveformView::setVisibleRange(double a, double b) {
    constexpr double kNarrowest = 1.0 / 4096;
    if (!std::isfinite(a) || !std::isfinite(b) || b < a) a = 0, b = 1;
    double w = std::clamp(b - a, kNarrowest, 1.0);
    const double mid = std::clamp((a + b) / 2, w / 2, 1 - w / 2);
    const double na = std::max(0.0, mid - w / 2), nb = std::min(1.0, na + w);
    if (na == m_viewA && nb == m_viewB) return;
    m_viewA = na;
    m_viewB = nb;
    update();
}

void WaveformView::zoomAbout(double factor, double at) {
    const double w = m_viewB - m_viewA;
    const double pivot = m_viewA + std::clamp(at, 0.0, 1.0) * w; // the fraction under the cursor stays put
    const double nw = std::clamp(w * factor, 1.0 / 4096, 1.0);
    setVisibleRange(pivot - (pivot - m_viewA) * nw / w, pivot - (pivot - m_viewA) * nw / w + nw);
    Q_EMIT visibleRangeChanged(m_viewA, m_viewB);
}

qint64 WaveformView::sampleAt(double x) const {
    if (m_samples <= 0 || width() <= 0) return 0;
    const double t = m_viewA + std::clamp(x / double(width()), 0.0, 1.0) * (m_viewB - m_viewA);
    return std::clamp<qint64>(qint64(std::llround(t * double(m_samples))), 0, m_samples);
}

double WaveformView::xOf(qint64 sample) const {
    if (m_samples <= 0) return 0;
    return (double(sample) / double(m_samples) - m_viewA) / (m_viewB - m_viewA) * double(width());
}

void WaveformView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QRect r = rect();
    p.fillRect(r, m_mode == Mode::Spectrogram ? QColor(0, 0, 4) : palette().color(QPalette::Base));
    if (!hasTrack()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(r.adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
        return;
    }
    if (m_mode == Mode::Spectrogram) {
        if (!m_spectrogram.isNull()) {
            p.setRenderHint(QPainter::SmoothPixmapTransform, true);
            const double iw = m_spectrogram.width();
            p.drawImage(QRectF(r), m_spectrogram,
                        QRectF(m_viewA * iw, 0, (m_viewB - m_viewA) * iw, m_spectrogram.height()));
        }
    } else if (!m_envelope.isEmpty()) {
        const double mid = r.height() / 2.0, half = r.height() / 2.0 - 2.0;
        p.setPen(QPen(palette().color(QPalette::Mid), 1));
        p.drawLine(QPointF(0, mid), QPointF(r.width(), mid));
        p.setPen(QPen(QColor(40, 110, 200), 1));
        const int n = int(m_envelope.size());
        const double first = m_viewA * n, span = (m_viewB - m_viewA) * n / std::max(r.width(), 1);
        for (int x = 0; x < r.width(); ++x) {
            // The envelope's columns under this pixel column (of the visible range).
            const int a = std::clamp(int(first + x * span), 0, n - 1);
            const int b = std::max(a + 1, int(first + (x + 1) * span));
            float lo = m_envelope[std::min(a, n - 1)].first, hi = m_envelope[std::min(a, n - 1)].second;
            for (int i = a + 1; i < std::min(b, n); ++i) {
                lo = std::min(lo, m_envelope[i].first);
                hi = std::max(hi, m_envelope[i].second);
            }
            const double y0 = mid - double(std::clamp(hi, -1.0f, 1.0f)) * half;
            const double y1 = mid - double(std::clamp(lo, -1.0f, 1.0f)) * half;
            p.drawLine(QPointF(x + 0.5, y0), QPointF(x + 0.5, std::max(y1, y0 + 1.0)));
        }
    }
    // Loop region (or the one being dragged).
    const bool dragging = m_dragging && m_dragB > m_dragA;
    if (dragging || (m_loopOn && m_loopB > m_loopA)) {
        const qint64 a = dragging ? m_dragA : m_loopA, b = dragging ? m_dragB : m_loopB;
        const QRectF band(QPointF(xOf(a), 0), QPointF(xOf(b), r.height()));
        p.fillRect(band, QColor(255, 200, 0, 60));
        p.setPen(QPen(QColor(230, 170, 0), 1));
        p.drawLine(band.topLeft(), band.bottomLeft());
        p.drawLine(band.topRight(), band.bottomRight());
    }
    // Playhead.
    p.setPen(QPen(QColor(220, 30, 30), 2));
    const double px = xOf(m_playhead);
    p.drawLine(QPointF(px, 0), QPointF(px, r.height()));
    if (!m_label.isEmpty()) {
        const QRect box = p.fontMetrics().boundingRect(m_label).adjusted(-4, -2, 4, 2).translated(8, 6 + p.fontMetrics().ascent());
        p.fillRect(box, QColor(0, 0, 0, 120));
        p.setPen(Qt::white);
        p.drawText(box, Qt::AlignCenter, m_label);
    }
}

void WaveformView::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton || !hasTrack()) return QWidget::mousePressEvent(event);
    m_pressed = true;
    m_dragging = false;
    m_pressX = event->position().x();
    event->accept();
}

void WaveformView::mouseMoveEvent(QMouseEvent* event) {
    if (!m_pressed) return QWidget::mouseMoveEvent(event);
    const double x = event->position().x();
    if (!m_dragging && std::abs(x - m_pressX) >= 4.0) m_dragging = true;
    if (m_dragging) {
        m_dragA = sampleAt(std::min(x, m_pressX));
        m_dragB = sampleAt(std::max(x, m_pressX));
        update();
    }
    event->accept();
}

void WaveformView::mouseReleaseEvent(QMouseEvent* event) {
    if (!m_pressed || event->button() != Qt::LeftButton) return QWidget::mouseReleaseEvent(event);
    m_pressed = false;
    if (m_dragging) {
        m_dragging = false;
        if (m_dragB > m_dragA) Q_EMIT loopRequested(m_dragA, m_dragB);
        update();
    } else {
        Q_EMIT seekRequested(sampleAt(event->position().x()));
    }
    event->accept();
}

void WaveformView::mouseDoubleClickEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return QWidget::mouseDoubleClickEvent(event);
    setVisibleRange(0, 1);
    Q_EMIT visibleRangeChanged(m_viewA, m_viewB);
    event->accept();
}

void WaveformView::wheelEvent(QWheelEvent* event) {
    const int delta = event->angleDelta().y();
    if (delta == 0 || !hasTrack() || width() <= 0) return QWidget::wheelEvent(event);
    zoomAbout(std::pow(0.8, delta / 120.0), event->position().x() / double(width()));
    event->accept();
}

} // namespace reverie::widgets
