#pragma once
// A small deterministic random stream (SplitMix64) with its own uniform and normal draws: the
// standard library's distributions are not specified bit for bit, these are, so corpora and
// simulated rooms are the same on every platform.
//
// Thread rules: a value type; one thread per instance.

#include <cmath>
#include <cstdint>

namespace reverie::speech {

/// One SplitMix64 step of x (a good hash of a 64-bit value).
inline std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next() {
        m_state += 0x9E3779B97F4A7C15ULL;
        std::uint64_t z = m_state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) * 0x1.0p-53; } ///< [0, 1)
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    std::uint64_t below(std::uint64_t n) { return n <= 1 ? 0 : next() % n; }
    double normal() {
        if (m_hasSpare) {
            m_hasSpare = false;
            return m_spare;
        }
        const double u1 = 1.0 - uniform(), u2 = uniform(); // u1 in (0, 1]
        const double r = std::sqrt(-2.0 * std::log(u1));
        constexpr double twoPi = 6.283185307179586476925;
        m_spare = r * std::sin(twoPi * u2);
        m_hasSpare = true;
        return r * std::cos(twoPi * u2);
    }

private:
    std::uint64_t m_state;
    double m_spare = 0;
    bool m_hasSpare = false;
};

} // namespace reverie::speech
