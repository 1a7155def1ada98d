// The split compare view: the left image shows left of the divider and the right image right of
// it (read back from a grab()), dragging the divider moves the boundary, dragging elsewhere pans
// both images, and every zoom (buttons' steps, the wheel, fit) scales both sides by the same
// factor with nearest-neighbour pixels on one shared grid.

#include "splitimageview.h"

#include <QtTest>

#include <cmath>

using reverie::widgets::SplitImageView;

namespace {

QImage filled(int w, int h, QColor c) {
    QImage img(w, h, QImage::Format_RGB32);
    img.fill(c);
    return img;
}

/// 1-pixel vertical stripes: even columns `a`, odd columns `b`.
QImage stripes(int w, int h, QColor a, QColor b) {
    QImage img(w, h, QImage::Format_RGB32);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) img.setPixelColor(x, y, x % 2 == 0 ? a : b);
    return img;
}

QColor at(const QImage& shot, int x, int y) { return shot.pixelColor(x, y); }

/// x positions where the colour changes along row y within [from, to).
QList<int> transitions(const QImage& shot, int y, int from, int to) {
    QList<int> out;
    for (int x = from + 1; x < to; ++x)
        if (shot.pixel(x, y) != shot.pixel(x - 1, y)) out << x;
    return out;
}

/// Widths between consecutive colour changes (the stripes fully inside [from, to)).
QList<int> runWidths(const QImage& shot, int y, int from, int to) {
    const auto t = transitions(shot, y, from, to);
    QList<int> widths;
    for (int i = 1; i < t.size(); ++i) widths << t[i] - t[i - 1];
    return widths;
}

void wheel(QWidget* w, QPoint pos, int delta) {
    QWheelEvent e(QPointF(pos), QPointF(w->mapToGlobal(pos)), QPoint(), QPoint(0, delta), Qt::NoButton, Qt::NoModifier,
                  Qt::NoScrollPhase, false);
    QApplication::sendEvent(w, &e);
}

} // namespace

class TestSplitImageView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void leftAndRightOfTheDivider() {
        SplitImageView view;
        view.resize(400, 200);
        view.setImages(filled(10, 10, Qt::red), filled(10, 10, Qt::blue));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        // 10×10 in 400×200 fits at a whole factor of 20: x 100..300, y 0..200.
        QCOMPARE(view.scale(), 20.0);
        QCOMPARE(view.imageRect(), QRectF(100, 0, 200, 200));
        QCOMPARE(view.dividerX(), 200);
        QImage shot = view.grab().toImage();
        QCOMPARE(at(shot, 150, 100), QColor(Qt::red));
        QCOMPARE(at(shot, 250, 100), QColor(Qt::blue));
        QCOMPARE(at(shot, 50, 100), QColor(40, 40, 40)); // background outside the images

        // Drag the divider from the middle to x = 280: 250 now shows the left image.
        QSignalSpy moved(&view, &SplitImageView::dividerMoved);
        QTest::mousePress(&view, Qt::LeftButton, Qt::NoModifier, QPoint(201, 60));
        QTest::mouseMove(&view, QPoint(240, 60));
        QTest::mouseMove(&view, QPoint(280, 60));
        QTest::mouseRelease(&view, Qt::LeftButton, Qt::NoModifier, QPoint(280, 60));
        QVERIFY(moved.count() >= 1);
        QCOMPARE(view.dividerX(), 280);
        shot = view.grab().toImage();
        QCOMPARE(at(shot, 250, 100), QColor(Qt::red));
        QCOMPARE(at(shot, 290, 100), QColor(Qt::blue));
        QCOMPARE(view.scale(), 20.0); // the divider does not zoom

        // All the way left: only the right image.
        view.setDividerFraction(0.0);
        shot = view.grab().toImage();
        QCOMPARE(at(shot, 110, 100), QColor(Qt::blue));
        view.setDividerFraction(1.0);
        shot = view.grab().toImage();
        QCOMPARE(at(shot, 290, 100), QColor(Qt::red));

        // Dragging elsewhere pans both images together; the divider stays.
        view.setDividerFraction(0.5);
        QTest::mousePress(&view, Qt::LeftButton, Qt::NoModifier, QPoint(120, 100));
        QTest::mouseMove(&view, QPoint(100, 100));
        QTest::mouseMove(&view, QPoint(80, 100));
        QTest::mouseRelease(&view, Qt::LeftButton, Qt::NoModifier, QPoint(80, 100));
        QCOMPARE(view.imageRect(), QRectF(60, 0, 200, 200));
        QCOMPARE(view.dividerX(), 200);
        shot = view.grab().toImage();
        QCOMPARE(at(shot, 70, 100), QColor(Qt::red));
        QCOMPARE(at(shot, 250, 100), QColor(Qt::blue));
        QCOMPARE(at(shot, 270, 100), QColor(40, 40, 40)); // right of the panned image
    }

    void zoomScalesBothSidesEqually() {
        SplitImageView view;
        view.resize(400, 200);
        view.setImages(stripes(8, 8, Qt::white, Qt::black), stripes(8, 8, Qt::red, Qt::blue));
        view.setLabels(QStringLiteral("Input"), QStringLiteral("Result"));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.isFitting());
        QCOMPARE(view.scale(), 25.0);
        const int y = 150; // below the corner labels, away from the divider's grip
        auto check = [&](int expectedWidth) {
            const QImage shot = view.grab().toImage();
            const int x = view.dividerX();
            const auto left = runWidths(shot, y, 0, x - 4);
            const auto right = runWidths(shot, y, x + 4, view.width());
            QVERIFY2(!left.isEmpty() && !right.isEmpty(), qPrintable(QStringLiteral("%1 / %2").arg(left.size()).arg(right.size())));
            for (int w : left) QVERIFY2(std::abs(w - expectedWidth) <= 1, qPrintable(QString::number(w)));
            for (int w : right) QVERIFY2(std::abs(w - expectedWidth) <= 1, qPrintable(QString::number(w)));
            // One grid for both: stripe edges right of the divider continue those on the left.
            const auto tl = transitions(shot, y, 0, x - 4), tr = transitions(shot, y, x + 4, view.width());
            const double phase = std::fmod(double(tr.first() - tl.first()), view.scale());
            QVERIFY2(phase <= 1.0 || view.scale() - phase <= 1.0, qPrintable(QString::number(phase)));
        };
        check(25);

        QSignalSpy scaled(&view, &SplitImageView::scaleChanged);
        view.zoomIn();
        QCOMPARE(view.scale(), 32.0);
        QVERIFY(!view.isFitting());
        QCOMPARE(scaled.count(), 1);
        check(32);

        wheel(&view, QPoint(180, 100), 120); // one notch in: ×1.25
        QCOMPARE(view.scale(), 40.0);
        check(40);

        view.zoomOut();
        view.zoomOut();
        QCOMPARE(view.scale(), 24.0);
        check(24);

        view.fitToWindow();
        QVERIFY(view.isFitting());
        QCOMPARE(view.scale(), 25.0);
        check(25);

        // A new size of image refits; zoom is clamped.
        view.setScale(1000);
        QCOMPARE(view.scale(), SplitImageView::kMaxScale);
        view.setImages(stripes(4, 4, Qt::white, Qt::black), stripes(4, 4, Qt::red, Qt::blue));
        QVERIFY(view.isFitting());
        QCOMPARE(view.scale(), 50.0);
        check(50);
    }

    void emptyViewPaints() {
        SplitImageView view;
        view.setPlaceholderText(QStringLiteral("nothing yet"));
        view.resize(200, 100);
        QVERIFY(!view.grab().isNull());
        view.zoomIn(); // no crash without images
        view.setLeftImage(filled(3, 3, Qt::green));
        QVERIFY(view.rightImage().isNull());
        const QImage shot = view.grab().toImage();
        QCOMPARE(at(shot, view.dividerX() - 20, 50), QColor(Qt::green));
    }
};

QTEST_MAIN(TestSplitImageView)
#include "tst_splitimageview.moc"
