#include "restore/tiling.h"

#include "restore/degrade.h"

#include <ATen/ATen.h>

#include <cmath>
#include <numbers>

namespace reverie::restore {
namespace {

struct Span {
    std::int64_t start = 0, len = 0;
};

std::vector<Span> spans(std::int64_t n, int tile, int overlap) {
    if (n <= tile) return {{0, n}};
    std::vector<Span> out;
    const std::int64_t stride = tile - overlap;
    for (std::int64_t s = 0;; s += stride) {
        if (s + tile >= n) {
            out.push_back({n - tile, tile});
            break;
        }
        out.push_back({s, tile});
    }
    return out;
}

// Weight of a tile's side over the L pixels it shares with its neighbour, at distance i from the
// tile edge (0 = outermost): 0 on the margin, raised-cosine ramp, then 1 (see tiling.h).
double sideWeight(std::int64_t i, std::int64_t L, bool margins) {
    if (L <= 0 || i >= L) return 1.0;
    const std::int64_t m = margins ? L / 4 : 0, c = L - 2 * m;
    if (i < m) return 0.0;
    if (i >= m + c) return 1.0;
    const double s = std::sin(0.5 * std::numbers::pi * (double(i - m) + 0.5) / double(c));
    return s * s;
}

// Normalised 1-D windows (float64, CPU), one per span: they sum to 1 at every pixel of the axis.
std::vector<at::Tensor> windows(const std::vector<Span>& sp, std::int64_t n) {
    std::vector<at::Tensor> w(sp.size());
    for (bool margins : {true, false}) {
        auto sum = at::zeros({n}, at::kDouble);
        for (std::size_t k = 0; k < sp.size(); ++k) {
            const std::int64_t left = k > 0 ? sp[k - 1].start + sp[k - 1].len - sp[k].start : 0;
            const std::int64_t right = k + 1 < sp.size() ? sp[k].start + sp[k].len - sp[k + 1].start : 0;
            std::vector<double> v(std::size_t(sp[k].len));
            for (std::int64_t i = 0; i < sp[k].len; ++i)
                v[std::size_t(i)] = sideWeight(i, left, margins) * sideWeight(sp[k].len - 1 - i, right, margins);
            w[k] = at::tensor(v, at::kDouble);
            sum.narrow(0, sp[k].start, sp[k].len).add_(w[k]);
        }
        if (margins && sum.min().item<double>() <= 0) continue; // degenerate grid: plain ramps
        for (std::size_t k = 0; k < sp.size(); ++k) w[k] = w[k] / sum.narrow(0, sp[k].start, sp[k].len);
        break;
    }
    return w;
}

std::int64_t paddedSize(std::int64_t n, int multiple, int minSide) {
    n = std::max<std::int64_t>(n, minSide);
    return (n + multiple - 1) / multiple * multiple;
}

} // namespace

std::vector<TileRect> tileGrid(std::int64_t H, std::int64_t W, int tile, int overlap) {
    TORCH_CHECK(H > 0 && W > 0, "tileGrid: empty image");
    TORCH_CHECK(tile >= 1 && overlap >= 0 && overlap < tile, "tileGrid: need tile >= 1 and 0 <= overlap < tile");
    std::vector<TileRect> out;
    for (const auto& ys : spans(H, tile, overlap))
        for (const auto& xs : spans(W, tile, overlap)) out.push_back({ys.start, xs.start, ys.len, xs.len});
    return out;
}

at::Tensor tiledBatched(const at::Tensor& x, int tile, int overlap, int batch, const BatchTileFn& fn,
                        const std::function<bool()>& cancelled, int multiple, int minSide) {
    TORCH_CHECK(x.defined() && x.dim() == 4 && x.size(0) == 1, "tiled: expected an image [1, C, H, W]");
    TORCH_CHECK(x.is_floating_point(), "tiled: expected a floating-point image");
    TORCH_CHECK(multiple >= 1 && minSide >= 1, "tiled: multiple and minSide must be >= 1");
    TORCH_CHECK(batch >= 1, "tiled: batch must be >= 1");
    TORCH_CHECK(fn, "tiled: no tile function");
    const std::int64_t H = x.size(2), W = x.size(3);
    TORCH_CHECK(H > 0 && W > 0, "tiled: empty image");
    TORCH_CHECK(tile >= 1 && overlap >= 0 && overlap < tile, "tiled: need tile >= 1 and 0 <= overlap < tile");
    const auto ys = spans(H, tile, overlap), xs = spans(W, tile, overlap);
    const auto wy = windows(ys, H), wx = windows(xs, W);
    // Every span of an axis has the same length (tile, or the whole axis when it is shorter), so
    // all tiles have one padded shape and any run of them stacks into one batch.
    const std::int64_t h = ys[0].len, w = xs[0].len;
    const std::int64_t ph = paddedSize(h, multiple, minSide), pw = paddedSize(w, multiple, minSide);

    at::Tensor out;
    const std::int64_t total = std::int64_t(ys.size() * xs.size());
    std::vector<at::Tensor> inputs;
    for (std::int64_t first = 0; first < total; first += batch) {
        if (cancelled && cancelled()) return {};
        const std::int64_t n = std::min<std::int64_t>(batch, total - first);
        inputs.clear();
        for (std::int64_t k = first; k < first + n; ++k) {
            const auto& sy = ys[std::size_t(k) / xs.size()];
            const auto& sx = xs[std::size_t(k) % xs.size()];
            auto in = x.narrow(2, sy.start, h).narrow(3, sx.start, w);
            if (ph != h || pw != w) in = padReflect(in, 0, ph - h, 0, pw - w);
            inputs.push_back(in);
        }
        const auto in = n == 1 ? inputs[0].contiguous() : at::cat(inputs);
        const auto y = fn(in, first);
        TORCH_CHECK(y.defined() && y.dim() == 4 && y.size(0) == n && y.size(2) == ph && y.size(3) == pw,
                    "tiled: the tile function returned ", y.defined() ? y.sizes() : at::IntArrayRef{},
                    " for tiles of ", in.sizes(), " (expected the same count, height and width)");
        if (!out.defined()) out = at::zeros({1, y.size(1), H, W}, y.options());
        TORCH_CHECK(y.size(1) == out.size(1), "tiled: the tile function changed its channel count between tiles");
        for (std::int64_t k = first; k < first + n; ++k) {
            const std::size_t i = std::size_t(k) / xs.size(), j = std::size_t(k) % xs.size();
            const auto win = at::outer(wy[i], wx[j]).to(y.device(), y.scalar_type());
            out.narrow(2, ys[i].start, h)
                .narrow(3, xs[j].start, w)
                .add_(y.narrow(0, k - first, 1).narrow(2, 0, h).narrow(3, 0, w) * win);
        }
    }
    return out;
}

at::Tensor tiled(const at::Tensor& x, int tile, int overlap, const std::function<at::Tensor(const at::Tensor&)>& fn,
                 const std::function<bool()>& cancelled, int multiple, int minSide) {
    TORCH_CHECK(fn, "tiled: no tile function");
    return tiledBatched(
        x, tile, overlap, 1, [&](const at::Tensor& t, std::int64_t) { return fn(t); }, cancelled, multiple, minSide);
}

} // namespace reverie::restore
