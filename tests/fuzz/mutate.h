#pragma once
// The mutations shared by the fuzz driver (driver.cpp) and the replay test (tst_fuzz_replay.cpp):
// 1–6 edits of a seed, each one of bit flip, interesting byte, truncation, deleted chunk,
// repeated chunk, large 1/2/4/8-byte little-endian integer, splice with another corpus entry,
// small add/subtract, random byte. Capped at 1 MiB.

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace reverie::fuzz {

using Bytes = std::string;

/// A mutation of `seed`; `corpus` (may be empty) supplies splice partners.
inline Bytes mutate(const Bytes& seed, const std::vector<Bytes>& corpus, std::mt19937_64& rng) {
    Bytes b = seed;
    auto pick = [&](std::size_t n) { return n == 0 ? std::size_t(0) : std::size_t(rng() % n); };
    const int edits = 1 + int(rng() % 6);
    for (int e = 0; e < edits; ++e) {
        switch (rng() % 9) {
        case 0:
            if (!b.empty()) b[pick(b.size())] ^= char(1u << (rng() % 8));
            break;
        case 1: {
            static const unsigned char v[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '"', '{', '[', ',', ':', '-', '9'};
            if (!b.empty()) b[pick(b.size())] = char(v[rng() % sizeof v]);
            break;
        }
        case 2:
            b.resize(pick(b.size() + 1));
            break;
        case 3: {
            if (b.empty()) break;
            const std::size_t at = pick(b.size());
            b.erase(at, 1 + pick(std::min<std::size_t>(64, b.size() - at)));
            break;
        }
        case 4: {
            if (b.empty() || b.size() > (1 << 18)) break;
            const Bytes chunk = b.substr(pick(b.size()), 1 + pick(64));
            b.insert(pick(b.size() + 1), chunk);
            break;
        }
        case 5: {
            if (b.size() < 8) break;
            static const std::uint64_t v[] = {~0ull, 0x7fffffffffffffffull, 0x80000000ull, 0xffffffffull, 1ull << 40, 0, 1};
            const std::uint64_t x = v[rng() % (sizeof v / sizeof v[0])];
            const std::size_t at = pick(b.size() - 7);
            const int width = 1 << (rng() % 4); // 1, 2, 4 or 8 bytes
            for (int i = 0; i < width; ++i) b[at + std::size_t(i)] = char((x >> (8 * i)) & 0xff);
            break;
        }
        case 6: { // splice: the head of this input, the tail of another
            const Bytes& other = corpus.empty() ? seed : corpus[pick(corpus.size())];
            if (other.empty()) break;
            b = b.substr(0, pick(b.size() + 1)) + other.substr(pick(other.size()));
            break;
        }
        case 7: { // add or subtract a small number from a byte
            if (!b.empty()) b[pick(b.size())] += char(int(rng() % 35) - 17);
            break;
        }
        default:
            if (!b.empty()) b[pick(b.size())] = char(rng() & 0xff);
            break;
        }
    }
    if (b.size() > (1 << 20)) b.resize(1 << 20);
    return b;
}

} // namespace reverie::fuzz
