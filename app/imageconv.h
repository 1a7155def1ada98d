#pragma once
// QImage → core's ImageU8 (RGB, rows packed), for the GUI and the CLI, which both hand images to
// torch-free core calls. Header-only: the CLI does not link the GUI's library.
//
// Thread rules: any thread (QImage is reentrant).

#include "base/job.h"

#include <QImage>

#include <cstring>

namespace reverie::app {

/// The image as packed RGB (alpha dropped, grey expanded); empty for a null image.
inline reverie::ImageU8 toImageU8(const QImage& image) {
    reverie::ImageU8 out;
    if (image.isNull()) return out;
    const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    out.width = rgb.width();
    out.height = rgb.height();
    out.channels = 3;
    out.pixels.resize(std::size_t(out.width) * std::size_t(out.height) * 3);
    for (int y = 0; y < out.height; ++y)
        std::memcpy(out.pixels.data() + std::size_t(y) * std::size_t(out.width) * 3, rgb.constScanLine(y),
                    std::size_t(out.width) * 3);
    return out;
}

} // namespace reverie::app
