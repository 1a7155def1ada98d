#include "restore/noiselevel.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace reverie::restore {

double estimateNoiseSigma255(const at::Tensor& image, int patch, int maxPatches) {
    auto x = image.dim() == 4 ? image.select(0, 0) : image;
    // Grey shown as RGB (three equal planes) carries the same noise in every plane: the patch
    // covariance would then have no noise bulk at all, so such an image is measured as grey.
    if (x.size(0) == 3 && at::equal(x[0], x[1]) && at::equal(x[0], x[2])) x = x.narrow(0, 0, 1);
    const std::int64_t C = x.size(0), H = x.size(1), W = x.size(2);
    const std::int64_t d = std::min<std::int64_t>({patch, H, W});
    if (d < 2) return 0.0;
    // A regular grid of patch origins with at most maxPatches of them.
    const std::int64_t nh = H - d + 1, nw = W - d + 1;
    const std::int64_t stride =
        std::max<std::int64_t>(1, std::int64_t(std::ceil(std::sqrt(double(nh * nw) / std::max(1, maxPatches)))));
    const auto patches = x.unfold(1, d, stride).unfold(2, d, stride); // [C, ph, pw, d, d]
    // Only the sampled patches go to double precision and the 0..255 scale (a 50-megapixel photo
    // converted whole would be 1.2 GB and seconds of work).
    const auto v = (patches.permute({1, 2, 0, 3, 4}).reshape({-1, C * d * d}).to(at::kDouble) + 1.0) * 127.5;
    const std::int64_t n = v.size(0);
    if (n < 2) return 0.0;
    const auto centred = v - v.mean(0, true);
    const auto cov = centred.t().mm(centred) / double(n - 1);
    const auto eig = at::linalg_eigvalsh(cov).clamp_min(0.0).contiguous(); // ascending
    std::vector<double> e(eig.data_ptr<double>(), eig.data_ptr<double>() + eig.numel());
    std::reverse(e.begin(), e.end()); // largest first
    const std::size_t r = e.size();
    double tau = 0;
    for (std::size_t i = 0; i < r; ++i) {
        double sum = 0;
        for (std::size_t j = i; j < r; ++j) sum += e[j];
        tau = sum / double(r - i);
        std::size_t above = 0, below = 0;
        for (std::size_t j = i; j < r; ++j) (e[j] > tau ? above : below) += (e[j] != tau) ? 1 : 0;
        if (above >= below) break; // the rest is centred on its mean: the noise's eigenvalues
    }
    return std::sqrt(std::max(0.0, tau));
}

} // namespace reverie::restore
