#include "data/fashion_mnist.h"

#include <ATen/ATen.h>

#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

namespace reverie::data {
namespace {

struct GzCloser {
    void operator()(gzFile f) const {
        if (f) gzclose(f);
    }
};
using GzPtr = std::unique_ptr<std::remove_pointer_t<gzFile>, GzCloser>;

// Reads exactly n bytes; false on a short read or a corrupt stream (message in *why).
bool readExact(gzFile f, void* out, std::size_t n, std::string* why) {
    auto* p = static_cast<unsigned char*>(out);
    std::size_t done = 0;
    while (done < n) {
        const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
        const int got = gzread(f, p + done, chunk);
        if (got < 0) {
            int code = 0;
            *why = std::string("corrupt data: ") + gzerror(f, &code);
            return false;
        }
        if (got == 0) {
            *why = "truncated: " + std::to_string(done) + " of " + std::to_string(n) + " bytes present";
            return false;
        }
        done += static_cast<std::size_t>(got);
    }
    return true;
}

bool readBigEndian32(gzFile f, std::uint32_t* v, std::string* why) {
    unsigned char b[4];
    if (!readExact(f, b, 4, why)) return false;
    *v = (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) | b[3];
    return true;
}

Result<GzPtr> open(const std::string& path) {
    if (!std::filesystem::exists(path)) return Result<GzPtr>::invalid(path + ": no such file");
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) return Result<GzPtr>::invalid(path + ": cannot open");
    return GzPtr(f);
}

} // namespace

std::string defaultFashionMnistDir() {
    if (const char* env = std::getenv("REVERIE_FASHION_MNIST_DIR"); env && *env) return env;
    return "/usr/share/datasets/fashion-mnist";
}

const std::vector<std::string>& fashionMnistClassNames() {
    static const std::vector<std::string> names = {"T-shirt/top", "trouser", "pullover", "dress", "coat",
                                                   "sandal",      "shirt",   "sneaker",  "bag",   "ankle boot"};
    return names;
}

Result<LabelledImages> readIdxPair(const std::string& imagesPath, const std::string& labelsPath, std::int64_t limit) {
    auto img = open(imagesPath);
    if (!img) return img.error();
    auto lab = open(labelsPath);
    if (!lab) return lab.error();
    std::string why;
    std::uint32_t magic = 0, n = 0, h = 0, w = 0, nl = 0, magicL = 0;
    if (!readBigEndian32(img.value().get(), &magic, &why) || !readBigEndian32(img.value().get(), &n, &why) ||
        !readBigEndian32(img.value().get(), &h, &why) || !readBigEndian32(img.value().get(), &w, &why))
        return Result<LabelledImages>::invalid(imagesPath + ": header " + why);
    if (magic != 0x803)
        return Result<LabelledImages>::invalid(imagesPath + ": not an IDX image file (magic " + std::to_string(magic) +
                                               ", expected 2051)");
    if (h == 0 || w == 0 || h > 4096 || w > 4096)
        return Result<LabelledImages>::invalid(imagesPath + ": implausible image size " + std::to_string(h) + "x" +
                                               std::to_string(w));
    if (!readBigEndian32(lab.value().get(), &magicL, &why) || !readBigEndian32(lab.value().get(), &nl, &why))
        return Result<LabelledImages>::invalid(labelsPath + ": header " + why);
    if (magicL != 0x801)
        return Result<LabelledImages>::invalid(labelsPath + ": not an IDX label file (magic " + std::to_string(magicL) +
                                               ", expected 2049)");
    if (nl != n)
        return Result<LabelledImages>::invalid(labelsPath + ": " + std::to_string(nl) + " labels for " +
                                               std::to_string(n) + " images in " + imagesPath);
    const std::int64_t count = limit >= 0 ? std::min<std::int64_t>(limit, n) : n;

    LabelledImages out;
    out.images = at::empty({count, 1, std::int64_t(h), std::int64_t(w)}, at::kByte);
    if (!readExact(img.value().get(), out.images.data_ptr<std::uint8_t>(), std::size_t(count) * h * w, &why))
        return Result<LabelledImages>::invalid(imagesPath + ": " + why + " (header promises " + std::to_string(n) +
                                               " images of " + std::to_string(h) + "x" + std::to_string(w) + ")");
    auto bytes = at::empty({count}, at::kByte);
    if (!readExact(lab.value().get(), bytes.data_ptr<std::uint8_t>(), std::size_t(count), &why))
        return Result<LabelledImages>::invalid(labelsPath + ": " + why + " (header promises " + std::to_string(n) +
                                               " labels)");
    out.labels = bytes.to(at::kLong);
    out.classes = count > 0 ? int(out.labels.max().item<std::int64_t>()) + 1 : 0;
    return out;
}

Result<LabelledImages> loadFashionMnist(Split split, const std::string& dir, std::int64_t limit) {
    const std::string prefix = split == Split::Train ? "train" : "t10k";
    namespace fs = std::filesystem;
    auto pick = [&](const std::string& base) {
        const fs::path gz = fs::path(dir) / (base + ".gz");
        return fs::exists(gz) ? gz.string() : (fs::path(dir) / base).string();
    };
    const std::string images = pick(prefix + "-images-idx3-ubyte");
    const std::string labels = pick(prefix + "-labels-idx1-ubyte");
    if (!fs::exists(images) || !fs::exists(labels))
        return Result<LabelledImages>::invalid(
            "Fashion-MNIST is not installed in " + dir +
            ": install the Debian package dataset-fashion-mnist (packaging/install-deps.sh does)");
    auto r = readIdxPair(images, labels, limit);
    if (r && r.value().classes > 10)
        return Result<LabelledImages>::invalid(labels + ": label " + std::to_string(r.value().classes - 1) +
                                               " is out of range for Fashion-MNIST's 10 classes");
    if (r) {
        r.value().classes = 10;
        r.value().classNames = fashionMnistClassNames();
    }
    return r;
}

at::Tensor toSigned(const at::Tensor& images) { return images.to(at::kFloat).div(127.5).sub(1.0); }

at::Tensor toBytes(const at::Tensor& signedImages) {
    return signedImages.add(1.0).mul(127.5).round().clamp(0, 255).to(at::kByte);
}

} // namespace reverie::data
