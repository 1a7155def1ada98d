#pragma once
// SplitImageView: two images compared in one frame. The left image shows left of a draggable
// vertical divider, the right image right of it; both share one zoom and one pan, so the same
// image pixel sits at the same place on either side. Scaling is nearest neighbour: a 28×28 image
// zoomed in stays a grid of crisp squares.
//
// Interaction: drag the divider (or click near it); drag anywhere else to pan; the mouse wheel
// zooms about the cursor; zoomIn()/zoomOut()/fitToWindow() for buttons. Until the user zooms, the
// view fits the images to the widget (and refits when it is resized).
//
// Images of different sizes are both drawn over the left image's rectangle (the right one
// stretched), so that they stay aligned. Plain QImages in, no engine types. GUI thread only.

#include <QImage>
#include <QPointF>
#include <QString>
#include <QWidget>

namespace reverie::widgets {

class SplitImageView : public QWidget {
    Q_OBJECT
public:
    explicit SplitImageView(QWidget* parent = nullptr);
    ~SplitImageView() override;

    /// Sets the images (either may be null: that side shows the background). Keeps zoom and pan
    /// when the image size stays the same, refits otherwise.
    void setImages(const QImage& left, const QImage& right);
    void setLeftImage(const QImage& image);
    void setRightImage(const QImage& image);
    QImage leftImage() const { return m_left; }
    QImage rightImage() const { return m_right; }
    /// Names drawn in the top corners of each side ("Input", "Result"); empty: none.
    void setLabels(const QString& left, const QString& right);
    /// Text shown when there is no image at all.
    void setPlaceholderText(const QString& text);

    /// The divider as a fraction of the widget's width (0 = all right image, 1 = all left image).
    double dividerFraction() const { return m_divider; }
    /// The divider's x position in widget coordinates.
    int dividerX() const;

    /// Widget pixels per image pixel, the same for both images.
    double scale() const { return m_scale; }
    /// True while the view fits the images to the widget (no zoom chosen by the user).
    bool isFitting() const { return m_fit; }
    /// The widget rectangle that the images cover at the current zoom and pan.
    QRectF imageRect() const;
    /// The scale that fits the images into the widget.
    double fitScale() const;

    static constexpr double kMinScale = 1.0 / 16.0;
    static constexpr double kMaxScale = 64.0;

public Q_SLOTS:
    void setDividerFraction(double fraction);
    /// Sets the zoom about a widget point (default: the widget's centre); clamped to
    /// [kMinScale, kMaxScale]; leaves fit mode.
    void setScale(double scale);
    void setScaleAt(double scale, const QPointF& anchor);
    void zoomIn();
    void zoomOut();
    void fitToWindow();

Q_SIGNALS:
    void dividerMoved(double fraction);
    void scaleChanged(double scale);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    enum class Drag { None, Divider, Pan };
    QSize contentSize() const;
    void refit();
    void drawSide(QPainter& painter, const QImage& image, const QRect& clip) const;
    bool nearDivider(const QPointF& pos) const;

    QImage m_left;
    QImage m_right;
    QString m_leftLabel;
    QString m_rightLabel;
    QString m_placeholder;
    double m_divider = 0.5;
    double m_scale = 1.0;
    QPointF m_origin;      ///< widget position of the images' top-left corner
    bool m_fit = true;
    Drag m_drag = Drag::None;
    QPointF m_dragStart;
    QPointF m_originAtDragStart;
};

} // namespace reverie::widgets
