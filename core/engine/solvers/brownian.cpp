#include "engine/solvers/brownian.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <stdexcept>
#include <utility>

namespace reverie::solvers {

namespace {

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

} // namespace

BrownianPath::BrownianPath(std::uint64_t seed, double t0, double t1, std::vector<int64_t> shape,
                           NoiseMode mode, double tol)
    : m_seed(seed), m_t0(t0), m_t1(t1), m_tol(tol > 0 ? tol : (t1 - t0) * std::ldexp(1.0, -24)),
      m_shape(std::move(shape)), m_mode(mode) {
    if (!(t1 > t0) || !std::isfinite(t0) || !std::isfinite(t1))
        throw std::invalid_argument("a Brownian path needs an interval t0 < t1");
    if (!(m_tol > 0)) throw std::invalid_argument("a Brownian path needs a positive tolerance");
}

// Standard normal noise of the path's shape for one node of the tree (node 0: the root's end
// value; node k ≥ 1: the midpoint of node k's interval, whose halves are nodes 2k and 2k + 1).
at::Tensor BrownianPath::normal(std::uint64_t node) const {
    at::Tensor out = at::empty(m_shape, at::kDouble);
    if (m_mode == NoiseMode::Batch || out.dim() == 0) {
        auto g = at::make_generator<at::CPUGeneratorImpl>(splitmix(splitmix(m_seed) ^ node));
        out.normal_(0.0, 1.0, g);
        return out;
    }
    for (int64_t i = 0; i < out.size(0); ++i) {
        auto g = at::make_generator<at::CPUGeneratorImpl>(
            splitmix(splitmix(m_seed + static_cast<std::uint64_t>(i)) ^ node));
        out.select(0, i).normal_(0.0, 1.0, g);
    }
    return out;
}

at::Tensor BrownianPath::at(double t) const {
    t = std::min(std::max(t, m_t0), m_t1);
    double a = m_t0, b = m_t1;
    at::Tensor wa = at::zeros(m_shape, at::kDouble);
    if (t == a) return wa;
    at::Tensor wb = normal(0) * std::sqrt(b - a);
    std::uint64_t node = 1;
    for (;;) {
        if (t == b) return wb;
        if (t == a) return wa;
        if (b - a <= m_tol) return wa + (wb - wa) * ((t - a) / (b - a));
        const double m = 0.5 * (a + b);
        at::Tensor wm = (wa + wb) * 0.5 + normal(node) * (0.5 * std::sqrt(b - a));
        if (t < m) {
            b = m;
            wb = std::move(wm);
            node = 2 * node;
        } else {
            a = m;
            wa = std::move(wm);
            node = 2 * node + 1;
        }
    }
}

} // namespace reverie::solvers
