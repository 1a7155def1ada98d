#include "splitimageview.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <array>
#include <cmath>

namespace reverie::widgets {
namespace {

/// Zoom steps of the +/− buttons: integer factors above 1 keep every image pixel the same size.
constexpr std::array<double, 16> kSteps = {1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64};

constexpr int kGrip = 6; ///< pixels either side of the divider that grab it

} // namespace

SplitImageView::SplitImageView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::WheelFocus);
    setMinimumSize(160, 120);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

SplitImageView::~SplitImageView() = default;

void SplitImageView::setImages(const QImage& left, const QImage& right) {
    const QSize before = contentSize();
    m_left = left;
    m_right = right;
    if (contentSize() != before) m_fit = true;
    if (m_fit) refit();
    update();
}

void SplitImageView::setLeftImage(const QImage& image) { setImages(image, m_right); }

void SplitImageView::setRightImage(const QImage& image) { setImages(m_left, image); }

void SplitImageView::setLabels(const QString& left, const QString& right) {
    m_leftLabel = left;
    m_rightLabel = right;
    update();
}

void SplitImageView::setPlaceholderText(const QString& text) {
    m_placeholder = text;
    update();
}

int SplitImageView::dividerX() const { return int(std::lround(m_divider * width())); }

QSize SplitImageView::contentSize() const { return !m_left.isNull() ? m_left.size() : m_right.size(); }

QRectF SplitImageView::imageRect() const {
    const QSize c = contentSize();
    return {m_origin, QSizeF(c.width() * m_scale, c.height() * m_scale)};
}

double SplitImageView::fitScale() const {
    const QSize c = contentSize();
    if (c.isEmpty() || width() <= 0 || height() <= 0) return 1.0;
    const double s = std::min(double(width()) / c.width(), double(height()) / c.height());
    // Whole factors when enlarging, so that every image pixel is the same number of screen pixels.
    return std::clamp(s >= 1.0 ? std::floor(s) : s, kMinScale, kMaxScale);
}

void SplitImageView::refit() {
    const double before = m_scale;
    m_scale = fitScale();
    const QSize c = contentSize();
    m_origin = QPointF(std::round((width() - c.width() * m_scale) / 2.0), std::round((height() - c.height() * m_scale) / 2.0));
    if (m_scale != before) Q_EMIT scaleChanged(m_scale);
}

void SplitImageView::setDividerFraction(double fraction) {
    fraction = std::clamp(fraction, 0.0, 1.0);
    if (fraction == m_divider) return;
    m_divider = fraction;
    update();
    Q_EMIT dividerMoved(m_divider);
}

void SplitImageView::setScale(double scale) { setScaleAt(scale, QPointF(width() / 2.0, height() / 2.0)); }

void SplitImageView::setScaleAt(double scale, const QPointF& anchor) {
    scale = std::clamp(scale, kMinScale, kMaxScale);
    m_fit = false;
    if (scale == m_scale) return;
    // Keep the image point under the anchor where it is.
    const QPointF imagePoint = (anchor - m_origin) / m_scale;
    m_scale = scale;
    m_origin = anchor - imagePoint * m_scale;
    update();
    Q_EMIT scaleChanged(m_scale);
}

void SplitImageView::zoomIn() {
    for (const double s : kSteps)
        if (s > m_scale * 1.001) return setScale(s);
    setScale(kMaxScale);
}

void SplitImageView::zoomOut() {
    for (auto it = kSteps.rbegin(); it != kSteps.rend(); ++it)
        if (*it < m_scale / 1.001) return setScale(*it);
    setScale(kMinScale);
}

void SplitImageView::fitToWindow() {
    m_fit = true;
    refit();
    update();
}

void SplitImageView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (m_fit) refit();
}

void SplitImageView::drawSide(QPainter& painter, const QImage& image, const QRect& clip) const {
    if (image.isNull() || clip.isEmpty()) return;
    const QRectF target = imageRect();
    const QRectF visible = target.intersected(QRectF(clip));
    if (visible.isEmpty()) return;
    // Draw only the image pixels that are on screen: a large image zoomed in stays cheap.
    const double kx = target.width() / image.width(), ky = target.height() / image.height();
    const int u0 = std::clamp(int(std::floor((visible.left() - target.left()) / kx)), 0, image.width());
    const int u1 = std::clamp(int(std::ceil((visible.right() - target.left()) / kx)), 0, image.width());
    const int v0 = std::clamp(int(std::floor((visible.top() - target.top()) / ky)), 0, image.height());
    const int v1 = std::clamp(int(std::ceil((visible.bottom() - target.top()) / ky)), 0, image.height());
    if (u1 <= u0 || v1 <= v0) return;
    const QRectF dest(target.left() + u0 * kx, target.top() + v0 * ky, (u1 - u0) * kx, (v1 - v0) * ky);
    painter.save();
    painter.setClipRect(clip);
    painter.drawImage(dest, image, QRectF(u0, v0, u1 - u0, v1 - v0));
    painter.restore();
}

void SplitImageView::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.fillRect(rect(), QColor(40, 40, 40));
    if (m_left.isNull() && m_right.isNull()) {
        painter.setPen(palette().color(QPalette::Disabled, QPalette::WindowText).lighter(160));
        painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
        return;
    }
    // Nearest neighbour when enlarging (crisp pixels); smooth only when shrinking a large image.
    painter.setRenderHint(QPainter::SmoothPixmapTransform, m_scale < 1.0);
    const int x = dividerX();
    drawSide(painter, m_left, QRect(0, 0, x, height()));
    drawSide(painter, m_right, QRect(x, 0, width() - x, height()));

    // The divider: a light line with a dark outline, and a grip in the middle.
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setPen(QPen(QColor(0, 0, 0, 160), 3));
    painter.drawLine(QPointF(x, 0), QPointF(x, height()));
    painter.setPen(QPen(QColor(255, 255, 255, 230), 1));
    painter.drawLine(QPointF(x, 0), QPointF(x, height()));
    painter.setBrush(QColor(255, 255, 255, 230));
    painter.setPen(QPen(QColor(0, 0, 0, 160), 1));
    painter.drawEllipse(QPointF(x, height() / 2.0), 5.0, 5.0);

    // Side names in the top corners.
    auto badge = [&](const QString& text, bool left) {
        if (text.isEmpty()) return;
        const QFontMetrics fm(font());
        const QRect r = fm.boundingRect(text).adjusted(-5, -2, 5, 2);
        QRect box(QPoint(0, 0), r.size());
        box.moveTop(6);
        if (left) box.moveLeft(6);
        else box.moveRight(width() - 7);
        painter.setPen(Qt::NoPen);
        painter.setBrush(QColor(0, 0, 0, 150));
        painter.drawRoundedRect(box, 3, 3);
        painter.setPen(Qt::white);
        painter.drawText(box, Qt::AlignCenter, text);
    };
    badge(m_leftLabel, true);
    badge(m_rightLabel, false);
}

bool SplitImageView::nearDivider(const QPointF& pos) const { return std::abs(pos.x() - dividerX()) <= kGrip; }

void SplitImageView::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
    // The drag state is kept here rather than read from the event's buttons, so that synthetic
    // events (tests, tablets) behave like a mouse.
    m_drag = nearDivider(event->position()) ? Drag::Divider : Drag::Pan;
    m_dragStart = event->position();
    m_originAtDragStart = m_origin;
    if (m_drag == Drag::Pan) setCursor(Qt::ClosedHandCursor);
    event->accept();
}

void SplitImageView::mouseMoveEvent(QMouseEvent* event) {
    const QPointF pos = event->position();
    switch (m_drag) {
    case Drag::Divider:
        if (width() > 0) setDividerFraction(pos.x() / width());
        break;
    case Drag::Pan:
        m_origin = m_originAtDragStart + (pos - m_dragStart);
        m_fit = false;
        update();
        break;
    case Drag::None:
        setCursor(nearDivider(pos) ? Qt::SplitHCursor : Qt::OpenHandCursor);
        break;
    }
    event->accept();
}

void SplitImageView::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return QWidget::mouseReleaseEvent(event);
    m_drag = Drag::None;
    setCursor(nearDivider(event->position()) ? Qt::SplitHCursor : Qt::OpenHandCursor);
    event->accept();
}

void SplitImageView::mouseDoubleClickEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton && !nearDivider(event->position())) fitToWindow();
    event->accept();
}

void SplitImageView::wheelEvent(QWheelEvent* event) {
    const int delta = event->angleDelta().y();
    if (delta == 0 || contentSize().isEmpty()) return QWidget::wheelEvent(event);
    // One notch (120) is a factor of about 1.25.
    setScaleAt(m_scale * std::pow(1.25, delta / 120.0), event->position());
    event->accept();
}

} // namespace reverie::widgets
