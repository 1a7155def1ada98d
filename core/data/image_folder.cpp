#include "data/image_folder.h"

#include <ATen/ATen.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace reverie::data {

namespace {

bool isImageFile(const fs::path& p) {
    static const std::set<std::string> exts = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm"};
    std::string e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return exts.count(e) > 0;
}

// Decodes one file into an 8-bit image of `channels` channels (RGB order) at its own size; empty
// on failure.
cv::Mat readConverted(const fs::path& path, int channels) {
    cv::Mat m;
    try {
        m = cv::imread(path.string(), cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception&) {
        return {};
    }
    if (m.empty() || m.dims != 2) return {};
    if (m.depth() == CV_16U) m.convertTo(m, CV_8U, 1.0 / 257.0);
    else if (m.depth() == CV_32F) m.convertTo(m, CV_8U, 255.0);
    else if (m.depth() != CV_8U) return {};
    if (m.channels() == 4) {
        // Composite over black: colour × alpha.
        std::vector<cv::Mat> parts;
        cv::split(m, parts);
        cv::Mat alpha;
        parts[3].convertTo(alpha, CV_32F, 1.0 / 255.0);
        for (int c = 0; c < 3; ++c) {
            cv::Mat f;
            parts[std::size_t(c)].convertTo(f, CV_32F);
            f = f.mul(alpha);
            f.convertTo(parts[std::size_t(c)], CV_8U);
        }
        parts.pop_back();
        cv::merge(parts, m);
    }
    if (channels == 1 && m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2GRAY);
    else if (channels == 3 && m.channels() == 1) cv::cvtColor(m, m, cv::COLOR_GRAY2RGB);
    else if (channels == 3 && m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
    else if (m.channels() != channels) return {};
    return m;
}

// Decodes one file into an 8-bit image of `channels` channels, size × size; empty on failure.
cv::Mat readSquare(const fs::path& path, int size, int channels) {
    cv::Mat m = readConverted(path, channels);
    if (m.empty()) return {};
    const int side = std::min(m.rows, m.cols);
    m = m(cv::Rect((m.cols - side) / 2, (m.rows - side) / 2, side, side));
    cv::Mat out;
    cv::resize(m, out, cv::Size(size, size), 0, 0, side > size ? cv::INTER_AREA : cv::INTER_CUBIC);
    return out.isContinuous() ? out : out.clone();
}

// Stacks equally sized 8-bit images (HWC) into uint8 [N, C, H, W].
at::Tensor stack(const std::vector<cv::Mat>& images, int size, int channels) {
    const auto N = std::int64_t(images.size());
    auto t = at::empty({N, size, size, channels}, at::kByte);
    auto* dst = t.data_ptr<std::uint8_t>();
    const std::size_t bytes = std::size_t(size) * std::size_t(size) * std::size_t(channels);
    for (std::int64_t i = 0; i < N; ++i) {
        const cv::Mat& m = images[std::size_t(i)];
        const cv::Mat c = m.isContinuous() ? m : m.clone();
        std::memcpy(dst + std::size_t(i) * bytes, c.data, bytes);
    }
    return t.permute({0, 3, 1, 2}).contiguous();
}

} // namespace

Result<LabelledImages> loadImageFolder(const std::string& dir, int size, int channels, std::int64_t limit) {
    if (channels != 1 && channels != 3) return Result<LabelledImages>::invalid("channels must be 1 or 3");
    if (size < 1) return Result<LabelledImages>::invalid("image size must be positive");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return Result<LabelledImages>::invalid(dir + ": no such folder");
    return guarded<LabelledImages>("reading " + dir, [&]() -> Result<LabelledImages> {
        const auto files = imageFilesUnder(dir);
        // Classes: the first path component below dir ("." for files directly in dir).
        auto classOf = [&](const fs::path& p) {
            const auto rel = fs::relative(p, dir);
            return std::distance(rel.begin(), rel.end()) > 1 ? rel.begin()->string() : std::string(".");
        };
        std::map<std::string, int> classIndex;
        for (const auto& f : files) classIndex.emplace(classOf(f), 0);
        LabelledImages out;
        for (auto& [name, index] : classIndex) {
            index = int(out.classNames.size());
            out.classNames.push_back(name);
        }
        std::vector<cv::Mat> images;
        std::vector<std::int64_t> labels;
        std::int64_t skipped = 0;
        for (const auto& f : files) {
            if (limit >= 0 && std::int64_t(images.size()) >= limit) break;
            cv::Mat m = readSquare(f, size, channels);
            if (m.empty()) {
                ++skipped;
                continue;
            }
            images.push_back(m);
            labels.push_back(classIndex[classOf(f)]);
        }
        if (skipped > 0) spdlog::warn("{}: skipped {} unreadable image file(s)", dir, skipped);
        if (images.empty())
            return Result<LabelledImages>::invalid(
                dir + (files.empty() ? ": no image files (PNG, JPEG, BMP, TIFF, WebP)"
                                     : ": none of the " + std::to_string(files.size()) + " image files could be read"));
        out.images = stack(images, size, channels);
        out.labels = at::tensor(labels, at::kLong);
        out.classes = int(out.classNames.size());
        return out;
    });
}

std::vector<fs::path> imageFilesIn(const std::string& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, fs::directory_options::skip_permission_denied, ec))
        if (e.is_regular_file(ec) && isImageFile(e.path())) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<fs::path> imageFilesUnder(const std::string& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec) && isImageFile(it->path())) files.push_back(it->path());
    std::sort(files.begin(), files.end());
    return files;
}

Result<LabelledImages> loadImagePatches(const std::string& dir, int patch, int stride, int channels, int scales,
                                        std::int64_t limit) {
    if (channels != 1 && channels != 3) return Result<LabelledImages>::invalid("channels must be 1 or 3");
    if (patch < 4) return Result<LabelledImages>::invalid("the patch size must be at least 4");
    if (stride < 1) return Result<LabelledImages>::invalid("the patch stride must be positive");
    if (scales < 1 || scales > 4) return Result<LabelledImages>::invalid("scales must be between 1 and 4");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return Result<LabelledImages>::invalid(dir + ": no such folder");
    return guarded<LabelledImages>("reading " + dir, [&]() -> Result<LabelledImages> {
        const auto files = imageFilesIn(dir);
        std::vector<cv::Mat> patches;
        std::int64_t skipped = 0, readable = 0;
        for (const auto& f : files) {
            cv::Mat m = readConverted(f, channels);
            if (m.empty()) {
                ++skipped;
                continue;
            }
            ++readable;
            for (int s = 0; s < scales; ++s) {
                if (s > 0) {
                    cv::Mat half;
                    cv::resize(m, half, cv::Size(m.cols / 2, m.rows / 2), 0, 0, cv::INTER_AREA);
                    m = half;
                }
                for (int y = 0; y + patch <= m.rows; y += stride)
                    for (int x = 0; x + patch <= m.cols; x += stride) {
                        if (limit >= 0 && std::int64_t(patches.size()) >= limit) break;
                        patches.push_back(m(cv::Rect(x, y, patch, patch)).clone());
                    }
            }
        }
        if (skipped > 0) spdlog::warn("{}: skipped {} unreadable image file(s)", dir, skipped);
        if (patches.empty())
            return Result<LabelledImages>::invalid(
                dir + (files.empty() ? ": no image files (PNG, JPEG, BMP, TIFF, WebP)"
                       : readable == 0 ? ": none of the " + std::to_string(files.size()) + " image files could be read"
                                       : ": every image is smaller than one " + std::to_string(patch) + "-pixel patch"));
        LabelledImages out;
        out.images = stack(patches, patch, channels);
        out.labels = at::zeros({std::int64_t(patches.size())}, at::kLong);
        out.classNames = {"."};
        out.classes = 1;
        spdlog::info("{}: {} patches of {}×{} from {} image(s)", dir, patches.size(), patch, patch, readable);
        return out;
    });
}

Result<LabelledImages> loadWholeImages(const std::string& dir, int channels, int maxSide, int minSide) {
    using R = Result<LabelledImages>;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return R::invalid("image folder " + dir + " does not exist");
    const auto files = imageFilesUnder(dir);
    LabelledImages out;
    out.classes = 1;
    out.classNames = {"."};
    int unreadable = 0, small = 0;
    for (const auto& f : files) {
        cv::Mat m = readConverted(f, channels);
        if (m.empty()) {
            ++unreadable;
            continue;
        }
        const int longSide = std::max(m.cols, m.rows);
        if (longSide > maxSide) {
            const double f2 = double(maxSide) / double(longSide);
            cv::resize(m, m, cv::Size(std::max(1, int(m.cols * f2 + 0.5)), std::max(1, int(m.rows * f2 + 0.5))), 0, 0,
                       cv::INTER_AREA);
        }
        if (std::min(m.cols, m.rows) < minSide) {
            ++small;
            continue;
        }
        if (!m.isContinuous()) m = m.clone();
        auto t = at::from_blob(m.data, {m.rows, m.cols, m.channels()}, at::kByte).permute({2, 0, 1}).contiguous();
        out.whole.push_back(t);
    }
    if (unreadable > 0) spdlog::warn("image folder {}: {} unreadable file(s) skipped", dir, unreadable);
    if (small > 0) spdlog::info("image folder {}: {} image(s) smaller than {} px skipped", dir, small, minSide);
    if (out.whole.empty()) return R::invalid("image folder " + dir + " holds no readable image of at least " +
                                             std::to_string(minSide) + " px");
    return out;
}

} // namespace reverie::data
