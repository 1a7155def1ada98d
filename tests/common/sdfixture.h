#pragma once
// A tiny but complete Stable Diffusion 1.x checkpoint for app-level tests, assembled with Qt alone
// (no LibTorch) from the oracle fixtures of tests/fixtures/sd: the CLIP text tower (width 16,
// 2 heads), the UNet (context 16) and the VAE (4 latent channels). Images of 32×32 and up in
// multiples of 4.

#include <QByteArray>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace reverie::testing {

/// One .safetensors file with the tensors of several (no padding: the offsets stay contiguous).
inline bool concatSafetensors(const QStringList& inputs, const QString& output) {
    QJsonObject header;
    QByteArray data;
    for (const QString& in : inputs) {
        QFile f(in);
        if (!f.open(QIODevice::ReadOnly)) return false;
        const QByteArray bytes = f.readAll();
        quint64 n = 0;
        std::memcpy(&n, bytes.constData(), 8);
        const QJsonObject h = QJsonDocument::fromJson(bytes.mid(8, qsizetype(n))).object();
        for (auto it = h.begin(); it != h.end(); ++it) {
            if (it.key() == QLatin1String("__metadata__")) continue;
            QJsonObject t = it.value().toObject();
            const QJsonArray off = t.value(QStringLiteral("data_offsets")).toArray();
            const qint64 b = off[0].toInteger(), e = off[1].toInteger();
            t[QStringLiteral("data_offsets")] = QJsonArray{data.size(), data.size() + (e - b)};
            data += bytes.mid(qsizetype(8 + n + b), qsizetype(e - b));
            header[it.key()] = t;
        }
    }
    QByteArray hb = QJsonDocument(header).toJson(QJsonDocument::Compact);
    while (hb.size() % 8) hb += ' ';
    QFile out(output);
    if (!out.open(QIODevice::WriteOnly)) return false;
    const quint64 n = quint64(hb.size());
    out.write(reinterpret_cast<const char*>(&n), 8);
    out.write(hb);
    out.write(data);
    return true;
}

/// The largest difference of one colour channel between two images (256 when the sizes differ).
inline int maxPixelDiff(const QImage& a, const QImage& b) {
    if (a.size() != b.size()) return 256;
    int m = 0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x) {
            const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
            m = std::max({m, std::abs(qRed(p) - qRed(q)), std::abs(qGreen(p) - qGreen(q)), std::abs(qBlue(p) - qBlue(q))});
        }
    return m;
}

/// Writes the tiny SD checkpoint to `path`.
inline bool writeTinySdCheckpoint(const QString& path) {
    const QString fx = QStringLiteral(REVERIE_SOURCE_DIR "/tests/fixtures/sd/");
    return concatSafetensors({fx + "clip_text_small.safetensors", fx + "sd_unet_small.safetensors",
                              fx + "sd_vae_small.safetensors"},
                             path);
}

} // namespace reverie::testing
