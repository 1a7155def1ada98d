#include "speech/room.h"

#include "speech/rng.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace reverie::speech {
namespace {

constexpr double kSoundSpeed = 343.0; // m/s
constexpr double kEarly = 0.06;       // s of exact image sources after the direct path

double distance(const double a[3], const double b[3]) {
    return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

void addTap(std::vector<double>& h, double delay, double amplitude) {
    const auto i = std::size_t(delay);
    if (i + 1 >= h.size()) return;
    const double f = delay - double(i);
    h[i] += amplitude * (1.0 - f);
    h[i + 1] += amplitude * f;
}

} // namespace

Room randomRoom(double t60, std::uint64_t seed) {
    Rng rng(splitmix(seed ^ 0x524F4F4DULL));
    Room r;
    r.t60 = std::clamp(t60, 0.1, 2.0);
    r.size[0] = rng.uniform(3.0, 10.0);
    r.size[1] = rng.uniform(3.0, 8.0);
    r.size[2] = rng.uniform(2.5, 4.0);
    auto inside = [&](double p[3]) {
        for (int a = 0; a < 3; ++a) p[a] = rng.uniform(0.5, r.size[a] - 0.5);
    };
    for (int attempt = 0; attempt < 64; ++attempt) {
        inside(r.source);
        inside(r.mic);
        const double d = distance(r.source, r.mic);
        if (d >= 1.0 && d <= 3.0) break;
    }
    return r;
}

std::vector<float> roomImpulseResponse(const Room& room, int rate, std::uint64_t seed) {
    const double fs = std::max(1000, rate);
    const double t60 = std::clamp(room.t60, 0.1, 2.0);
    const double* L = room.size;
    const double volume = L[0] * L[1] * L[2];
    const double surface = 2.0 * (L[0] * L[1] + L[0] * L[2] + L[1] * L[2]);
    const double alpha = std::clamp(0.161 * volume / (surface * t60), 0.01, 0.99); // Sabine
    const double beta = std::sqrt(1.0 - alpha);
    const double d0 = std::max(0.1, distance(room.source, room.mic));
    const auto length = std::size_t(std::min(1.2 * t60, 1.5) * fs) + 2;
    std::vector<double> h(length, 0.0);

    // Image sources whose path is at most kEarly longer than the direct one.
    const double reach = d0 + kSoundSpeed * kEarly;
    int nMax[3];
    for (int a = 0; a < 3; ++a) nMax[a] = int(std::ceil(reach / (2.0 * L[a]))) + 1;
    for (int nx = -nMax[0]; nx <= nMax[0]; ++nx)
        for (int ny = -nMax[1]; ny <= nMax[1]; ++ny)
            for (int nz = -nMax[2]; nz <= nMax[2]; ++nz)
                for (int p = 0; p < 8; ++p) {
                    const int n[3] = {nx, ny, nz}, par[3] = {p & 1, (p >> 1) & 1, (p >> 2) & 1};
                    double image[3];
                    int reflections = 0;
                    for (int a = 0; a < 3; ++a) {
                        image[a] = (1 - 2 * par[a]) * room.source[a] + 2.0 * n[a] * L[a];
                        reflections += std::abs(n[a] - par[a]) + std::abs(n[a]);
                    }
                    const double d = distance(image, room.mic);
                    if (d > reach) continue;
                    addTap(h, (d - d0) / kSoundSpeed * fs, std::pow(beta, reflections) * d0 / d);
                }

    // The diffuse tail: noise decaying 60 dB in t60, continuing the early part's energy.
    const auto early = std::size_t(kEarly * fs);
    const auto window = std::size_t(0.02 * fs);
    double energy = 0;
    for (std::size_t i = early - window; i < early && i < length; ++i) energy += h[i] * h[i];
    energy /= double(window);
    const double decay = 6.907755 / (t60 * fs); // ln(1000) per t60
    Rng rng(splitmix(seed ^ 0x5441494CULL));
    const double a = std::sqrt(std::max(energy, 1e-8)) * std::exp(decay * double(early));
    double lp = 0, lpEnergy = 0;
    std::vector<double> tail(length, 0.0);
    for (std::size_t i = early; i < length; ++i) {
        lp = 0.6 * rng.normal() + 0.4 * lp; // a gentle tilt: walls absorb the highs more
        tail[i] = lp;
        lpEnergy += lp * lp;
    }
    const double norm = lpEnergy > 0 ? std::sqrt(double(length - early) / lpEnergy) : 0.0;
    for (std::size_t i = early; i < length; ++i) h[i] += a * norm * tail[i] * std::exp(-decay * double(i));
    return std::vector<float>(h.begin(), h.end());
}

double estimateT60(const std::vector<float>& h, int rate) {
    std::vector<double> edc(h.size() + 1, 0.0);
    for (std::size_t i = h.size(); i-- > 0;) edc[i] = edc[i + 1] + double(h[i]) * double(h[i]);
    if (edc[0] <= 0) return 0.0;
    double t5 = -1, t25 = -1;
    for (std::size_t i = 0; i < h.size(); ++i) {
        const double db = 10.0 * std::log10(std::max(edc[i], 1e-300) / edc[0]);
        if (t5 < 0 && db <= -5.0) t5 = double(i);
        if (t25 < 0 && db <= -25.0) {
            t25 = double(i);
            break;
        }
    }
    if (t5 < 0 || t25 <= t5) return 0.0;
    return 3.0 * (t25 - t5) / double(rate);
}

std::vector<float> convolve(const std::vector<float>& x, const std::vector<float>& h) {
    if (x.empty() || h.empty()) return std::vector<float>(x.size(), 0.0f);
    const std::int64_t n = std::int64_t(x.size() + h.size() - 1);
    std::int64_t nfft = 1;
    while (nfft < n) nfft <<= 1;
    at::NoGradGuard ng;
    const auto xt = at::from_blob(const_cast<float*>(x.data()), {std::int64_t(x.size())}, at::kFloat).to(at::kDouble);
    const auto ht = at::from_blob(const_cast<float*>(h.data()), {std::int64_t(h.size())}, at::kFloat).to(at::kDouble);
    const auto y = at::fft_irfft(at::fft_rfft(xt, nfft) * at::fft_rfft(ht, nfft), nfft)
                       .slice(0, 0, std::int64_t(x.size()))
                       .to(at::kFloat)
                       .contiguous();
    return std::vector<float>(y.data_ptr<float>(), y.data_ptr<float>() + x.size());
}

} // namespace reverie::speech
