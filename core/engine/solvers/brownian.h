#pragma once
// A Brownian motion that can be asked for its value at any time, in any order, any number of
// times, and answers the same every time without storing the path: a virtual Brownian tree
// (Li, Wong, Chen & Duvenaud 2020; Kidger, "On Neural Differential Equations", §5.5). The
// gradient strategies that run a stochastic sampler backwards (engine/grad/samplergrad.h) need
// exactly the increments the forward pass used; this gives them in O(1) memory.
//
// Construction: W(t0) = 0, W(t1) = √(t1 − t0)·z_root; the value at the midpoint m of an
// interval [a, b] is drawn from the Brownian bridge, W(m) = ½(W(a) + W(b)) + ½√(b − a)·z_node,
// with z_node from a generator seeded by (seed, node index), so every node is fixed by the seed
// alone. A query descends from the root until it meets a node time or the interval is shorter
// than tol; below tol the bridge mean (linear interpolation) is used, which lowers the variance
// of a sub-tol increment by at most tol (docs/methods.md, "Gradients through the sampler").
//
// Thread rules: immutable after construction; one query allocates its own generators, so
// concurrent queries are safe. Failure: the constructor throws std::invalid_argument for an
// empty interval or a non-positive tol.

#include "engine/solvers/common.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace reverie::solvers {

class BrownianPath {
public:
    /// A path on [t0, t1] (t0 < t1) with values shaped `shape`. NoiseMode::PerItem: item i of
    /// the leading dimension has its own tree seeded with seed + i (so item i's path does not
    /// depend on the batch size); Batch: one tree for the whole tensor. tol ≤ 0: (t1 − t0)·2⁻²⁴.
    BrownianPath(std::uint64_t seed, double t0, double t1, std::vector<int64_t> shape,
                 NoiseMode mode = NoiseMode::PerItem, double tol = 0);

    /// W(t) − W(t0) in float64 on the CPU; t is clamped to [t0, t1].
    at::Tensor at(double t) const;
    /// W(t) − W(s).
    at::Tensor increment(double s, double t) const { return at(t) - at(s); }

    double t0() const { return m_t0; }
    double t1() const { return m_t1; }

private:
    at::Tensor normal(std::uint64_t node) const;
    std::uint64_t m_seed;
    double m_t0, m_t1, m_tol;
    std::vector<int64_t> m_shape;
    NoiseMode m_mode;
};

} // namespace reverie::solvers
