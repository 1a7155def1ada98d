#include "restore/degrade.h"

#include "restore/cvmat.h"

#include <ATen/ATen.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace reverie::restore {
namespace {

struct Named {
    Degradation d;
    const char* id;
};
constexpr std::array<Named, 8> kNames{{{Degradation::Noise, "noise"},
                                       {Degradation::Blur, "blur"},
                                       {Degradation::MotionBlur, "motion-blur"},
                                       {Degradation::Down2, "down2"},
                                       {Degradation::Down4, "down4"},
                                       {Degradation::InpaintBox, "inpaint-box"},
                                       {Degradation::InpaintStroke, "inpaint-stroke"},
                                       {Degradation::Jpeg, "jpeg"}}};

// Uniform draws per image, taken as one block so that the draw order is fixed whatever the task.
constexpr std::int64_t kDraws = 64;

void checkImages(const at::Tensor& x) {
    TORCH_CHECK(x.defined() && x.dim() == 4 && (x.size(1) == 1 || x.size(1) == 3),
                "expected images [B, 1|3, H, W], got ", x.defined() ? x.sizes() : at::IntArrayRef{});
    TORCH_CHECK(x.is_floating_point(), "expected floating-point images in [-1, 1]");
    TORCH_CHECK(x.size(0) > 0 && x.size(2) > 0 && x.size(3) > 0, "empty batch or images");
}

void checkRanges(const DegradeRanges& r) {
    TORCH_CHECK(r.noiseSigmaMin >= 0 && r.noiseSigmaMin <= r.noiseSigmaMax, "bad noise sigma range");
    TORCH_CHECK(r.noiseSigmaPower > 0, "bad noise sigma power");
    TORCH_CHECK(r.blurSigmaMin >= 0 && r.blurSigmaMin <= r.blurSigmaMax, "bad blur sigma range");
    TORCH_CHECK(r.motionLengthMin >= 0 && r.motionLengthMin <= r.motionLengthMax, "bad motion length range");
    TORCH_CHECK(r.jpegQualityMin >= 1 && r.jpegQualityMin <= r.jpegQualityMax && r.jpegQualityMax <= 100,
                "bad JPEG quality range");
    TORCH_CHECK(r.boxCoverageMin >= 0 && r.boxCoverageMin <= r.boxCoverageMax && r.boxCoverageMax <= 1,
                "bad box coverage range");
}

// Index map of reflect-101 padding for a dim of n pixels (period 2(n−1)).
at::Tensor reflectIndex(std::int64_t n, std::int64_t before, std::int64_t after) {
    std::vector<std::int64_t> idx(std::size_t(n + before + after));
    const std::int64_t period = 2 * (n - 1);
    for (std::int64_t i = -before; i < n + after; ++i) {
        std::int64_t j = 0;
        if (n > 1) {
            j = ((i % period) + period) % period;
            if (j >= n) j = period - j;
        }
        idx[std::size_t(i + before)] = j;
    }
    return at::tensor(idx, at::kLong);
}

// The block of uniforms [B, kDraws] (float64, CPU).
at::Tensor uniforms(std::int64_t B, at::Generator& gen) {
    return at::rand({B, kDraws}, gen, at::TensorOptions().dtype(at::kDouble));
}

double lerp(double lo, double hi, double u) { return lo + (hi - lo) * u; }
int pickInt(int lo, int hi, double u) { return std::min(hi, lo + int(std::floor(u * (hi - lo + 1)))); }

// Box mask of one image from its uniforms u[0..3].
void drawBox(cv::Mat& m, const double* u, double cmin, double cmax) {
    const double H = m.rows, W = m.cols;
    const double area = lerp(cmin, cmax, u[0]) * H * W;
    const double aspect = std::exp(lerp(std::log(0.5), std::log(2.0), u[1])); // h / w
    const int bh = std::clamp(int(std::lround(std::sqrt(area * aspect))), 1, m.rows);
    const int bw = std::clamp(int(std::lround(area / bh)), 1, m.cols);
    const int top = std::min(m.rows - bh, int(std::floor(u[2] * (m.rows - bh + 1))));
    const int left = std::min(m.cols - bw, int(std::floor(u[3] * (m.cols - bw + 1))));
    m(cv::Rect(left, top, bw, bh)).setTo(0);
}

// Stroke mask of one image from its uniforms (at most 1 + 4·(1 + 1 + 2 + 4·2) = 49 draws).
void drawStrokes(cv::Mat& m, const double* u) {
    const double side = std::min(m.rows, m.cols);
    const double scale = side / 28.0;
    int k = 0;
    const int strokes = pickInt(1, 4, u[k++]);
    for (int s = 0; s < strokes; ++s) {
        const int thick = std::max(1, int(std::lround(pickInt(2, 4, u[k++]) * scale)));
        const int vertices = pickInt(2, 5, u[k++]);
        cv::Point2d p(u[k] * m.cols, u[k + 1] * m.rows);
        k += 2;
        for (int v = 1; v < vertices; ++v) {
            const double angle = 2 * std::numbers::pi * u[k++];
            const double len = lerp(0.15, 0.4, u[k++]) * side;
            cv::Point2d q(std::clamp(p.x + len * std::cos(angle), 0.0, m.cols - 1.0),
                          std::clamp(p.y + len * std::sin(angle), 0.0, m.rows - 1.0));
            cv::line(m, cv::Point(int(p.x), int(p.y)), cv::Point(int(q.x), int(q.y)), cv::Scalar(0), thick, cv::LINE_8);
            p = q;
        }
    }
}

at::Tensor maskFromUniforms(const at::Tensor& u, std::int64_t H, std::int64_t W, bool box, double cmin, double cmax) {
    const std::int64_t B = u.size(0);
    auto out = at::empty({B, 1, H, W}, at::kFloat);
    const auto uc = u.contiguous();
    for (std::int64_t i = 0; i < B; ++i) {
        cv::Mat m(int(H), int(W), CV_32FC1, out[i][0].data_ptr<float>());
        m.setTo(1);
        const double* ui = uc.data_ptr<double>() + i * kDraws;
        if (box)
            drawBox(m, ui, cmin, cmax);
        else
            drawStrokes(m, ui);
    }
    return out;
}

// Places a [k, k] kernel at the centre of a [K, K] zero kernel (k, K odd).
at::Tensor centreIn(const at::Tensor& kernel, std::int64_t K) {
    const std::int64_t k = kernel.size(-1), off = (K - k) / 2;
    return at::constant_pad_nd(kernel, {off, off, off, off}, 0.0);
}

} // namespace

const char* degradationId(Degradation d) {
    for (const auto& n : kNames)
        if (n.d == d) return n.id;
    return "?";
}

std::optional<Degradation> parseDegradation(std::string_view id) {
    for (const auto& n : kNames)
        if (id == n.id) return n.d;
    return std::nullopt;
}

const std::vector<Degradation>& allDegradations() {
    static const std::vector<Degradation> all = [] {
        std::vector<Degradation> v;
        for (const auto& n : kNames) v.push_back(n.d);
        return v;
    }();
    return all;
}

std::vector<std::string> degradationIds() {
    std::vector<std::string> v;
    for (const auto& n : kNames) v.emplace_back(n.id);
    return v;
}

bool isInpainting(Degradation d) { return d == Degradation::InpaintBox || d == Degradation::InpaintStroke; }

int downFactor(Degradation d) { return d == Degradation::Down2 ? 2 : d == Degradation::Down4 ? 4 : 1; }

at::Tensor padReflect(const at::Tensor& x, std::int64_t top, std::int64_t bottom, std::int64_t left,
                      std::int64_t right) {
    TORCH_CHECK(x.dim() >= 2 && top >= 0 && bottom >= 0 && left >= 0 && right >= 0, "padReflect: bad arguments");
    const auto dev = x.device();
    auto out = x;
    if (top || bottom) out = out.index_select(-2, reflectIndex(x.size(-2), top, bottom).to(dev));
    if (left || right) out = out.index_select(-1, reflectIndex(x.size(-1), left, right).to(dev));
    return out;
}

at::Tensor addNoise(const at::Tensor& x, double sigma255, at::Generator& gen) {
    checkImages(x);
    return addNoise(x, at::full({x.size(0)}, sigma255, at::kDouble), gen);
}

at::Tensor addNoise(const at::Tensor& x, const at::Tensor& sigma255, at::Generator& gen) {
    checkImages(x);
    TORCH_CHECK(sigma255.numel() == x.size(0), "addNoise: one sigma per image expected");
    const auto z = at::randn(x.sizes(), gen, at::TensorOptions().dtype(x.scalar_type())).to(x.device());
    const auto scale = (sigma255.to(x.device(), x.scalar_type()) * (2.0 / 255.0)).view({-1, 1, 1, 1});
    return (x + z * scale).clamp(-1.0, 1.0);
}

at::Tensor gaussianKernel1d(double sigmaPx) {
    if (!(sigmaPx > 0)) return at::ones({1}, at::kFloat);
    const auto r = std::int64_t(std::ceil(3 * sigmaPx));
    const auto t = at::arange(-r, r + 1, at::kDouble);
    auto g = (-(t * t) / (2 * sigmaPx * sigmaPx)).exp();
    return (g / g.sum()).to(at::kFloat);
}

at::Tensor filterReflect(const at::Tensor& x, const at::Tensor& kernel) {
    checkImages(x);
    const std::int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    TORCH_CHECK((kernel.dim() == 2 || (kernel.dim() == 3 && kernel.size(0) == B)) && kernel.size(-1) == kernel.size(-2) &&
                    kernel.size(-1) % 2 == 1,
                "filterReflect: kernel must be [K, K] or [B, K, K] with K odd");
    const std::int64_t K = kernel.size(-1), r = K / 2;
    // Channels of all images become groups of one grouped convolution: one call per batch.
    auto w = kernel.to(x.device(), x.scalar_type());
    w = kernel.dim() == 2 ? w.expand({B * C, K, K}) : w.unsqueeze(1).expand({B, C, K, K});
    w = w.reshape({B * C, 1, K, K});
    const auto xp = padReflect(x.reshape({1, B * C, H, W}), r, r, r, r);
    return at::conv2d(xp, w, {}, 1, at::IntArrayRef{0}, 1, B * C).view({B, C, H, W});
}

namespace {
// Separable blur with one 1-D kernel per image ([B, K], K odd).
at::Tensor separableReflect(const at::Tensor& x, const at::Tensor& k1d) {
    const std::int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const std::int64_t K = k1d.size(1), r = K / 2;
    const auto w = k1d.to(x.device(), x.scalar_type()).unsqueeze(1).expand({B, C, K}).reshape({B * C, 1, K});
    auto h = padReflect(x.reshape({1, B * C, H, W}), r, r, r, r);
    h = at::conv2d(h, w.unsqueeze(3), {}, 1, at::IntArrayRef{0}, 1, B * C); // vertical
    h = at::conv2d(h, w.unsqueeze(2), {}, 1, at::IntArrayRef{0}, 1, B * C); // horizontal
    return h.view({B, C, H, W});
}

at::Tensor gaussianBlurPerImage(const at::Tensor& x, const std::vector<double>& sigmas) {
    std::vector<at::Tensor> ks;
    std::int64_t K = 1;
    for (double s : sigmas) {
        ks.push_back(gaussianKernel1d(s));
        K = std::max(K, ks.back().size(0));
    }
    for (auto& k : ks) k = at::constant_pad_nd(k, {(K - k.size(0)) / 2, (K - k.size(0)) / 2}, 0.0);
    return separableReflect(x, at::stack(ks));
}

at::Tensor motionBlurPerImage(const at::Tensor& x, const std::vector<std::pair<double, double>>& lenAngle) {
    std::vector<at::Tensor> ks;
    std::int64_t K = 1;
    for (const auto& [len, angle] : lenAngle) {
        ks.push_back(motionKernel(len, angle));
        K = std::max(K, ks.back().size(0));
    }
    for (auto& k : ks) k = centreIn(k, K);
    return filterReflect(x, at::stack(ks));
}
} // namespace

at::Tensor gaussianBlur(const at::Tensor& x, double sigmaPx) {
    checkImages(x);
    return gaussianBlurPerImage(x, std::vector<double>(std::size_t(x.size(0)), sigmaPx));
}

at::Tensor motionKernel(double length, double angleDeg) {
    if (!(length > 1)) return at::ones({1, 1}, at::kFloat);
    const int R = int(std::ceil(length / 2)), K = 2 * R + 1;
    std::vector<double> k(std::size_t(K * K), 0.0);
    const double a = angleDeg * std::numbers::pi / 180.0;
    double c = std::cos(a), s = std::sin(a);
    if (std::abs(c) < 1e-12) c = 0; // keep axis-aligned kernels exactly on one row / column
    if (std::abs(s) < 1e-12) s = 0;
    // Dense samples of the segment, symmetric about the centre (so the kernel is point-symmetric),
    // each splatted bilinearly: the anti-aliased line.
    const int n = std::max(2, int(std::ceil(16 * length)));
    for (int i = 0; i < n; ++i) {
        const double t = (-0.5 + (i + 0.5) / n) * length;
        const double px = R + t * c, py = R - t * s;
        const int x0 = int(std::floor(px)), y0 = int(std::floor(py));
        const double fx = px - x0, fy = py - y0;
        const auto add = [&](int xx, int yy, double w) {
            if (w > 0 && xx >= 0 && yy >= 0 && xx < K && yy < K) k[std::size_t(yy * K + xx)] += w;
        };
        add(x0, y0, (1 - fx) * (1 - fy));
        add(x0 + 1, y0, fx * (1 - fy));
        add(x0, y0 + 1, (1 - fx) * fy);
        add(x0 + 1, y0 + 1, fx * fy);
    }
    auto t = at::tensor(k, at::kDouble).view({K, K});
    return (t / t.sum()).to(at::kFloat);
}

at::Tensor motionBlur(const at::Tensor& x, double length, double angleDeg) {
    checkImages(x);
    return filterReflect(x, motionKernel(length, angleDeg));
}

at::Tensor down(const at::Tensor& x, int factor) {
    checkImages(x);
    TORCH_CHECK(factor >= 1, "down: factor must be >= 1");
    const auto out = [&](std::int64_t n) { return std::max<std::int64_t>(1, std::llround(double(n) / factor)); };
    // adaptive_avg_pool2d is exactly avg_pool2d(factor) when the size divides; area bins otherwise.
    return at::adaptive_avg_pool2d(x, {out(x.size(2)), out(x.size(3))});
}

at::Tensor bicubicUp(const at::Tensor& x, int factor) {
    checkImages(x);
    TORCH_CHECK(factor >= 1, "bicubicUp: factor must be >= 1");
    return at::upsample_bicubic2d(x, {x.size(2) * factor, x.size(3) * factor}, false).clamp(-1.0, 1.0);
}

at::Tensor downUp(const at::Tensor& x, int factor) {
    checkImages(x);
    return at::upsample_bicubic2d(down(x, factor), {x.size(2), x.size(3)}, false).clamp(-1.0, 1.0);
}

at::Tensor makeBoxMask(std::int64_t B, std::int64_t H, std::int64_t W, at::Generator& gen, double coverageMin,
                       double coverageMax) {
    TORCH_CHECK(B >= 0 && H > 0 && W > 0, "makeBoxMask: bad size");
    TORCH_CHECK(coverageMin >= 0 && coverageMin <= coverageMax && coverageMax <= 1, "makeBoxMask: bad coverage range");
    return maskFromUniforms(uniforms(B, gen), H, W, true, coverageMin, coverageMax);
}

at::Tensor makeStrokeMask(std::int64_t B, std::int64_t H, std::int64_t W, at::Generator& gen) {
    TORCH_CHECK(B >= 0 && H > 0 && W > 0, "makeStrokeMask: bad size");
    return maskFromUniforms(uniforms(B, gen), H, W, false, 0, 0);
}

at::Tensor applyMask(const at::Tensor& x, const at::Tensor& mask, double fill) {
    checkImages(x);
    TORCH_CHECK(mask.defined() && mask.dim() == 4 && mask.size(0) == x.size(0) && mask.size(1) == 1 &&
                    mask.size(2) == x.size(2) && mask.size(3) == x.size(3),
                "applyMask: mask must be [B, 1, H, W] like the images");
    return at::where(mask.to(x.device()) > 0.5, x, at::scalar_tensor(fill, x.options()));
}

at::Tensor jpeg(const at::Tensor& x, int quality) {
    checkImages(x);
    return jpeg(x, std::vector<int>(std::size_t(x.size(0)), quality));
}

at::Tensor jpeg(const at::Tensor& x, const std::vector<int>& qualities) {
    checkImages(x);
    TORCH_CHECK(std::int64_t(qualities.size()) == x.size(0), "jpeg: one quality per image expected");
    const auto cpu = x.detach().to(at::kCPU);
    std::vector<at::Tensor> out;
    out.reserve(qualities.size());
    std::vector<uchar> buf;
    for (std::size_t i = 0; i < qualities.size(); ++i) {
        const int q = std::clamp(qualities[i], 1, 100);
        TORCH_CHECK(cv::imencode(".jpg", detail::toMat8(cpu[std::int64_t(i)]), buf, {cv::IMWRITE_JPEG_QUALITY, q}),
                    "jpeg: encoding failed");
        const cv::Mat dec = cv::imdecode(buf, cv::IMREAD_UNCHANGED);
        TORCH_CHECK(!dec.empty(), "jpeg: decoding failed");
        out.push_back(detail::fromMat8(dec));
    }
    return at::stack(out).to(x.device(), x.scalar_type());
}

DegradedBatch degrade(const at::Tensor& x, Degradation d, at::Generator& gen, const DegradeRanges& r) {
    checkImages(x);
    checkRanges(r);
    const std::int64_t B = x.size(0), H = x.size(2), W = x.size(3);
    const auto u = uniforms(B, gen).contiguous();
    const auto ua = u.accessor<double, 2>();
    DegradedBatch out;
    out.params.assign(std::size_t(B), DegradeParams{d});
    auto& p = out.params;
    switch (d) {
    case Degradation::Noise: {
        std::vector<double> sig;
        for (std::int64_t i = 0; i < B; ++i)
            sig.push_back(p[std::size_t(i)].noiseSigma255 =
                              lerp(r.noiseSigmaMin, r.noiseSigmaMax,
                                   r.noiseSigmaPower == 1.0 ? ua[i][0] : std::pow(ua[i][0], r.noiseSigmaPower)));
        out.mu = addNoise(x, at::tensor(sig, at::kDouble), gen);
        break;
    }
    case Degradation::Blur: {
        std::vector<double> s;
        for (std::int64_t i = 0; i < B; ++i)
            s.push_back(p[std::size_t(i)].blurSigmaPx = lerp(r.blurSigmaMin, r.blurSigmaMax, ua[i][0]));
        out.mu = gaussianBlurPerImage(x, s);
        break;
    }
    case Degradation::MotionBlur: {
        std::vector<std::pair<double, double>> la;
        for (std::int64_t i = 0; i < B; ++i) {
            auto& pi = p[std::size_t(i)];
            pi.motionLength = lerp(r.motionLengthMin, r.motionLengthMax, ua[i][0]);
            pi.motionAngleDeg = 180.0 * ua[i][1];
            la.emplace_back(pi.motionLength, pi.motionAngleDeg);
        }
        out.mu = motionBlurPerImage(x, la);
        break;
    }
    case Degradation::Down2:
    case Degradation::Down4:
        out.mu = downUp(x, downFactor(d));
        break;
    case Degradation::InpaintBox:
    case Degradation::InpaintStroke:
        out.mask = maskFromUniforms(u, H, W, d == Degradation::InpaintBox, r.boxCoverageMin, r.boxCoverageMax)
                       .to(x.device(), x.scalar_type());
        out.mu = applyMask(x, out.mask);
        break;
    case Degradation::Jpeg: {
        std::vector<int> q;
        for (std::int64_t i = 0; i < B; ++i)
            q.push_back(p[std::size_t(i)].jpegQuality = pickInt(r.jpegQualityMin, r.jpegQualityMax, ua[i][0]));
        out.mu = jpeg(x, q);
        break;
    }
    }
    return out;
}

DegradedBatch degradeMixed(const at::Tensor& x, const std::vector<Degradation>& pool, at::Generator& gen,
                           const DegradeRanges& ranges) {
    checkImages(x);
    TORCH_CHECK(!pool.empty(), "degradeMixed: empty pool");
    const std::int64_t B = x.size(0);
    DegradedBatch out;
    out.task = at::randint(0, std::int64_t(pool.size()), {B}, gen, at::TensorOptions().dtype(at::kLong));
    out.mu = at::empty_like(x);
    out.params.resize(std::size_t(B));
    if (std::any_of(pool.begin(), pool.end(), isInpainting))
        out.mask = at::ones({B, 1, x.size(2), x.size(3)}, x.options());
    // One degrade() call per pool entry on its images, in pool order: a fixed draw order.
    for (std::size_t k = 0; k < pool.size(); ++k) {
        const auto idx = (out.task == std::int64_t(k)).nonzero().flatten();
        if (idx.numel() == 0) continue;
        const auto idxDev = idx.to(x.device());
        const auto part = degrade(x.index_select(0, idxDev), pool[k], gen, ranges);
        out.mu.index_copy_(0, idxDev, part.mu);
        if (part.mask.defined()) out.mask.index_copy_(0, idxDev, part.mask);
        const auto ia = idx.accessor<std::int64_t, 1>();
        for (std::int64_t j = 0; j < idx.numel(); ++j) out.params[std::size_t(ia[j])] = part.params[std::size_t(j)];
    }
    return out;
}

} // namespace reverie::restore
