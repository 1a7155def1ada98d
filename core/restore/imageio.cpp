#include "restore/imageio.h"

#include "metrics/metrics.h"
#include "base/io.h"
#include "base/paths.h"

#include <ATen/ATen.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>


#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>
#include <optional>

namespace fs = std::filesystem;

namespace reverie::restore {
namespace {

using Bytes = std::vector<uchar>;

struct Size2 {
    std::int64_t w = 0, h = 0;
};

std::uint32_t be16(const Bytes& b, std::size_t i) { return (std::uint32_t(b[i]) << 8) | b[i + 1]; }
std::uint32_t be32(const Bytes& b, std::size_t i) { return (be16(b, i) << 16) | be16(b, i + 2); }
std::int32_t le32(const Bytes& b, std::size_t i) {
    return std::int32_t(std::uint32_t(b[i]) | (std::uint32_t(b[i + 1]) << 8) | (std::uint32_t(b[i + 2]) << 16) |
                        (std::uint32_t(b[i + 3]) << 24));
}

bool isJpeg(const Bytes& b) { return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF; }

// Width and height from the header of a PNG, JPEG or BMP file, without decoding; nullopt for other
// formats or a header that cannot be parsed (the decoder then has its say).
std::optional<Size2> sniffSize(const Bytes& b) {
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (b.size() >= 24 && std::equal(png, png + 8, b.begin()) && std::memcmp(&b[12], "IHDR", 4) == 0)
        return Size2{be32(b, 16), be32(b, 20)};
    if (b.size() >= 26 && b[0] == 'B' && b[1] == 'M') return Size2{std::abs(std::int64_t(le32(b, 18))), std::abs(std::int64_t(le32(b, 22)))};
    if (isJpeg(b)) {
        std::size_t i = 2;
        while (i + 9 < b.size()) {
            if (b[i] != 0xFF) return std::nullopt;
            const unsigned m = b[i + 1];
            if (m == 0xFF) { // fill byte
                ++i;
                continue;
            }
            if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { // markers without a length
                i += 2;
                continue;
            }
            if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) // SOFn
                return Size2{be16(b, i + 7), be16(b, i + 5)};
            if (m == 0xDA || m == 0xD9) return std::nullopt; // scan data or end before any frame header
            i += 2 + be16(b, i + 2);
        }
    }
    return std::nullopt;
}

std::string megapixels(double n) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.1f", n / 1e6);
    return buf;
}

Result<LoadedImage> decode(const std::string& path, const Bytes& bytes, std::int64_t maxPixels, AlphaMode mode) {
    using R = Result<LoadedImage>;
    const auto tooLarge = [&](std::int64_t w, std::int64_t h) {
        return R::invalid(path + ": the image is " + std::to_string(w) + "x" + std::to_string(h) + " (" +
                          megapixels(double(w) * double(h)) + " megapixels), more than the limit of " +
                          megapixels(double(maxPixels)) +
                          " megapixels");
    };
    if (const auto s = sniffSize(bytes)) {
        if (s->w <= 0 || s->h <= 0) return R::invalid(path + ": corrupt image header (zero width or height)");
        // Header fields reach 2³², so w·h could overflow: compare by division (found by fuzzing).
        if (s->w > maxPixels / s->h) return tooLarge(s->w, s->h);
    }

    // IMREAD_UNCHANGED keeps 16-bit samples and alpha but ignores EXIF orientation; JPEG has no
    // alpha, so it is read with ANYDEPTH | ANYCOLOR, which applies the orientation.
    const int flags = isJpeg(bytes) ? (cv::IMREAD_ANYDEPTH | cv::IMREAD_ANYCOLOR) : cv::IMREAD_UNCHANGED;
    cv::Mat m;
    try {
        m = cv::imdecode(bytes, flags);
    } catch (const cv::Exception& e) {
        return R::invalid(path + ": cannot decode the image (" + firstLine(e.what()) + ")");
    } catch (const std::bad_alloc&) {
        return R::invalid(path + ": not enough memory to decode the image");
    }
    if (m.empty())
        return R::invalid(path + ": not a readable image (unsupported format, or a corrupt or truncated file)");
    if (std::int64_t(m.cols) * m.rows > maxPixels) return tooLarge(m.cols, m.rows);

    LoadedImage out;
    out.width = m.cols;
    out.height = m.rows;
    out.channels = m.channels();
    double maxv = 1.0; // float files are taken as 0..1
    switch (m.depth()) {
    case CV_8U: out.depthBits = 8; maxv = 255.0; break;
    case CV_16U: out.depthBits = 16; maxv = 65535.0; break;
    case CV_32F: out.depthBits = 32; break;
    case CV_64F: out.depthBits = 64; break;
    default: return R::invalid(path + ": unsupported sample type (only 8/16-bit integer and float images)");
    }
    const int cn = m.channels();
    if (cn < 1 || cn > 4) return R::invalid(path + ": unsupported channel count " + std::to_string(cn));
    // OpenCV order: grey, grey+alpha, BGR, BGRA. Swapped to RGB(A) while the samples are still
    // small, and every step after works on whole rows: a 50-megapixel photo takes a few passes
    // over its pixels, not seven.
    try {
        if (cn == 3) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
        else if (cn == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2RGBA);
    } catch (const cv::Exception& e) {
        return R::invalid(path + ": cannot decode the image (" + firstLine(e.what()) + ")");
    }
    // 8-bit samples go to float once, straight into the [1, C, H, W] result (a 12-MP photo: one
    // 137 MiB float image, not three); other depths through a float copy of the decoded image.
    if (!m.isContinuous()) m = m.clone();
    cv::Mat f;
    at::Tensor hwc;
    if (m.depth() == CV_8U) {
        hwc = at::from_blob(m.ptr<std::uint8_t>(), {m.rows, m.cols, cn}, at::kByte);
    } else {
        m.convertTo(f, CV_32F);
        m.release();
        hwc = at::from_blob(f.ptr<float>(), {f.rows, f.cols, cn}, at::kFloat);
        if (out.depthBits >= 32) hwc = hwc.nan_to_num(0.0).clamp(0.0, maxv); // integer samples are in range
    }
    const std::int64_t colours = (cn == 1 || cn == 2) ? 1 : 3;
    const auto raw = hwc.narrow(2, 0, colours);
    out.hadAlpha = cn == 2 || cn == 4;
    if (out.hadAlpha) {
        const auto a = hwc.narrow(2, cn - 1, 1).to(at::kFloat) / maxv; // [H, W, 1]
        out.alpha = a.permute({2, 0, 1}).unsqueeze(0).contiguous();
        if (mode == AlphaMode::CompositeOverWhite) {
            const auto colour = (raw.to(at::kFloat) / maxv * a + (1.0 - a)) * 2.0 - 1.0;
            out.image = colour.permute({2, 0, 1}).unsqueeze(0).contiguous(); // owns its memory
            return out;
        }
    }
    // v / (max/2) − 1 in float: bit-identical to data::toSigned for 8-bit files.
    at::Tensor image = at::empty({1, colours, std::int64_t(out.height), std::int64_t(out.width)}, at::kFloat);
    image[0].copy_(raw.permute({2, 0, 1}));
    image.div_(maxv / 2).sub_(1.0);
    out.image = image; // owns its memory: m and f may go
    return out;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

Result<bool> save(const at::Tensor& input, const std::string& path, const SaveOptions& o) {
    using R = Result<bool>;
    if (path.empty()) return R::invalid("no output file name given");
    auto x = input.defined() && input.dim() == 3 ? input.unsqueeze(0) : input;
    if (!x.defined() || x.dim() != 4 || x.size(0) != 1 || (x.size(1) != 1 && x.size(1) != 3) || x.numel() == 0)
        return R::invalid("cannot save " + path + ": expected one grey or RGB image [1, 1|3, H, W]");
    if (o.bitDepth != 8 && o.bitDepth != 16) return R::invalid("cannot save " + path + ": bit depth must be 8 or 16");

    const fs::path target(path);
    const std::string ext = lower(target.extension().string());
    if (ext.empty()) return R::invalid(path + ": no file extension (use .png, .jpg, .tif, .bmp or .webp)");
    if (!cv::haveImageWriter(path)) return R::invalid(path + ": cannot write '" + ext + "' files");
    if (!o.protectedPath.empty() && runtime::sameFile(target, o.protectedPath))
        return R::invalid("refusing to overwrite the input image " + o.protectedPath + "; choose another file name");
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return R::invalid("cannot save " + path + ": the folder " + dir.string() + " does not exist");
    if (fs::is_directory(target, ec)) return R::invalid("cannot save " + path + ": it is a folder");

    const bool wide = o.bitDepth == 16 && (ext == ".png" || ext == ".tif" || ext == ".tiff");
    const double maxv = wide ? 65535.0 : 255.0;
    // [-1, 1] → 0..max, NaN → 0, HWC with OpenCV's BGR(A) order.
    // One new float image, then in place (a chain of out-of-place ops would hold five at once).
    auto v = at::nan_to_num(x[0].detach().to(at::kCPU, at::kFloat), -1.0);
    v.add_(1.0).mul_(0.5 * maxv).round_().clamp_(0, maxv);
    // To the file's integer type before the channel swap, so the copies are the small ones.
    const auto sampleType = wide ? at::kInt : at::kByte;
    v = v.to(sampleType);
    if (v.size(0) == 3) v = v.flip({0});
    const bool withAlpha = o.alpha.defined() && (ext == ".png" || ext == ".tif" || ext == ".tiff" || ext == ".webp");
    if (withAlpha) {
        if (o.alpha.numel() != x.size(2) * x.size(3))
            return R::invalid("cannot save " + path + ": the alpha channel does not match the image size");
        const auto a = o.alpha.detach().to(at::kCPU, at::kFloat).reshape({1, x.size(2), x.size(3)});
        const auto colour = v.size(0) == 1 ? v.expand({3, -1, -1}) : v; // grey + alpha is written as BGRA
        v = at::cat({colour, a.nan_to_num(1.0).clamp(0, 1).mul(maxv).round().to(sampleType)});
    }
    const int cn = int(v.size(0));
    const auto hwc = v.permute({1, 2, 0}).contiguous();
    cv::Mat m;
    if (wide)
        cv::Mat(int(x.size(2)), int(x.size(3)), CV_32SC(cn), hwc.data_ptr<int>()).convertTo(m, CV_16U);
    else
        m = cv::Mat(int(x.size(2)), int(x.size(3)), CV_8UC(cn), hwc.data_ptr<std::uint8_t>());
    std::vector<int> params;
    if (ext == ".jpg" || ext == ".jpeg") params = {cv::IMWRITE_JPEG_QUALITY, std::clamp(o.jpegQuality, 1, 100)};
    Bytes bytes;
    try {
        if (!cv::imencode(ext, m, bytes, params)) return R::failed("cannot save " + path + ": encoding failed");
    } catch (const cv::Exception& e) {
        return R::failed("cannot save " + path + ": " + firstLine(e.what()));
    }
    const std::string_view data(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return io::writeFileAtomic(target.string(), data); // base/io.h: temporary file, fsync, rename
}

} // namespace

Result<LoadedImage> loadImage(const std::string& path, std::int64_t maxPixels, AlphaMode alpha) {
    using R = Result<LoadedImage>;
    if (path.empty()) return R::invalid("no image file given");
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (!fs::exists(st)) return R::invalid(path + ": no such file");
    if (fs::is_directory(st)) return R::invalid(path + ": is a folder, not an image file");
    const auto size = fs::file_size(path, ec);
    if (ec) return R::invalid(path + ": cannot read (" + ec.message() + ")");
    if (size == 0) return R::invalid(path + ": the file is empty (0 bytes)");

    return guarded<LoadedImage>("loading " + path, [&]() -> R {
        Bytes bytes;
        {
            std::ifstream in(path, std::ios::binary);
            if (!in) return R::invalid(path + ": cannot open (" + std::strerror(errno) + ")");
            bytes.resize(size);
            in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size));
            if (std::size_t(in.gcount()) != size) return R::invalid(path + ": read error");
        }
        return decode(path, bytes, maxPixels, alpha);
    });
}

Result<bool> saveImage(const at::Tensor& x, const std::string& path, const SaveOptions& opts) {
    return guarded<bool>("saving " + path, [&] { return save(x, path, opts); });
}

at::Tensor toChannels(const at::Tensor& x, int channels) {
    TORCH_CHECK(x.defined() && x.dim() == 4 && (x.size(1) == 1 || x.size(1) == 3), "toChannels: expected [B, 1|3, H, W]");
    TORCH_CHECK(channels == 1 || channels == 3, "toChannels: channels must be 1 or 3");
    if (x.size(1) == channels) return x;
    if (channels == 3) return x.expand({-1, 3, -1, -1}).contiguous();
    // lumaBt601 is the studio-range Y (16..235) of 0..255 RGB; (Y − 16)·255/219 is the full-range luma.
    const auto y = (metrics::lumaBt601((x.to(at::kDouble) + 1.0) * 127.5) - 16.0) * (255.0 / 219.0);
    return (y / 127.5 - 1.0).unsqueeze(1).to(x.scalar_type());
}

} // namespace reverie::restore
