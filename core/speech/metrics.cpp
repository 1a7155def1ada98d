#include "speech/metrics.h"

#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numeric>
#include <string>

namespace reverie::speech {
namespace {

using Vec = std::vector<double>;

constexpr double kPi = 3.14159265358979323846;

// ESTOI constants (Jensen & Taal 2016, as in STOI: Taal et al. 2011).
constexpr int kEstoiRate = 10000;
constexpr int kFrame = 256;
constexpr int kHop = kFrame / 2;
constexpr int kFft = 512;
constexpr int kBands = 15;
constexpr double kLowestCentre = 150.0;
constexpr int kSegment = 30;
constexpr double kDynamicRange = 40.0;

double dot(const Vec& a, const Vec& b) { return std::inner_product(a.begin(), a.end(), b.begin(), 0.0); }

double clampDb(double num, double den) {
    if (den <= 0) return num > 0 ? kMaxDb : -kMaxDb; // 0/0: nothing to measure; count as worst
    if (num <= 0) return -kMaxDb;
    return std::clamp(10.0 * std::log10(num / den), -kMaxDb, kMaxDb);
}

std::string checkPair(const std::vector<float>& a, const std::vector<float>& b, const char* an, const char* bn) {
    if (a.empty() || b.empty()) return std::string("the ") + (a.empty() ? an : bn) + " is empty";
    if (a.size() != b.size())
        return std::string("the ") + an + " has " + std::to_string(a.size()) + " samples but the " + bn + " has " +
               std::to_string(b.size());
    for (const auto* v : {&a, &b}) {
        const auto bad = std::count_if(v->begin(), v->end(), [](float x) { return !std::isfinite(x); });
        if (bad > 0) return std::string("the ") + (v == &a ? an : bn) + " has " + std::to_string(bad) + " NaN/Inf samples";
    }
    return {};
}

Vec toDouble(const std::vector<float>& v, bool zeroMean) {
    Vec d(v.begin(), v.end());
    if (zeroMean) {
        const double m = std::accumulate(d.begin(), d.end(), 0.0) / double(d.size());
        for (double& x : d) x -= m;
    }
    return d;
}

// ---- ESTOI -------------------------------------------------------------------------------

Result<Vec> resampleTo(const std::vector<float>& in, int from, int to) {
    if (from == to) return Vec(in.begin(), in.end());
    const double ratio = double(to) / from;
    std::vector<float> out(std::size_t(std::ceil(double(in.size()) * ratio)) + 16);
    std::size_t odone = 0;
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    const soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
    const soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    const soxr_error_t e =
        soxr_oneshot(from, to, 1, in.data(), in.size(), nullptr, out.data(), out.size(), &odone, &io, &q, &rt);
    if (e) return Result<Vec>::failed(std::string("resampling to 10 kHz failed (") + e + ")");
    return Vec(out.begin(), out.begin() + std::ptrdiff_t(odone));
}

// MATLAB's hanning(N): the Hann window without its zero end points, as in the authors' code.
Vec hanning(int n) {
    Vec w(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) w[std::size_t(i)] = 0.5 - 0.5 * std::cos(2 * kPi * (i + 1) / (n + 1));
    return w;
}

// In-place iterative radix-2 FFT (n a power of two).
void fft(std::vector<std::complex<double>>& a) {
    const std::size_t n = a.size();
    for (std::size_t i = 1, j = 0; i < n; ++i) {
        std::size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) std::swap(a[i], a[j]);
    }
    for (std::size_t len = 2; len <= n; len <<= 1) {
        const double ang = -2 * kPi / double(len);
        for (std::size_t i = 0; i < n; i += len) {
            for (std::size_t k = 0; k < len / 2; ++k) {
                const std::complex<double> w(std::cos(ang * double(k)), std::sin(ang * double(k)));
                const auto u = a[i + k];
                const auto v = a[i + k + len / 2] * w;
                a[i + k] = u + v;
                a[i + k + len / 2] = u - v;
            }
        }
    }
}

// Bins [lo, hi) of each one-third-octave band: the bins nearest to the band edges
// 150·2^{(2k∓1)/6} Hz (centres 150·2^{k/3} Hz, k = 0..14).
std::vector<std::pair<int, int>> bandBins() {
    const int nb = kFft / 2 + 1;
    const auto nearest = [&](double f) {
        int best = 0;
        for (int i = 1; i < nb; ++i)
            if (std::fabs(double(i) * kEstoiRate / kFft - f) < std::fabs(double(best) * kEstoiRate / kFft - f)) best = i;
        return best;
    };
    std::vector<std::pair<int, int>> bands;
    for (int k = 0; k < kBands; ++k)
        bands.emplace_back(nearest(kLowestCentre * std::pow(2.0, (2.0 * k - 1) / 6)),
                           nearest(kLowestCentre * std::pow(2.0, (2.0 * k + 1) / 6)));
    return bands;
}

// Band envelopes (bands × frames, row-major) of a signal: frames of kFrame, hop kHop, window w.
Vec bandEnvelopes(const Vec& x, const Vec& w, int frames) {
    static const auto bands = bandBins();
    Vec out(std::size_t(kBands) * std::size_t(frames));
    std::vector<std::complex<double>> buf(kFft);
    for (int m = 0; m < frames; ++m) {
        std::fill(buf.begin(), buf.end(), 0.0);
        for (int i = 0; i < kFrame; ++i) buf[std::size_t(i)] = x[std::size_t(m * kHop + i)] * w[std::size_t(i)];
        fft(buf);
        for (int j = 0; j < kBands; ++j) {
            double e = 0;
            for (int b = bands[std::size_t(j)].first; b < bands[std::size_t(j)].second; ++b) e += std::norm(buf[std::size_t(b)]);
            out[std::size_t(j) * std::size_t(frames) + std::size_t(m)] = std::sqrt(e);
        }
    }
    return out;
}

// Zero mean and unit norm in place (n values, stride apart); a constant vector becomes 0.
void normalise(double* v, int n, int stride) {
    double mean = 0, peak = 0;
    for (int i = 0; i < n; ++i) {
        mean += v[i * stride];
        peak = std::max(peak, std::fabs(v[i * stride]));
    }
    mean /= n;
    double ss = 0;
    for (int i = 0; i < n; ++i) {
        v[i * stride] -= mean;
        ss += v[i * stride] * v[i * stride];
    }
    const double norm = std::sqrt(ss);
    const double scale = norm > 1e-9 * peak && norm > 0 ? 1.0 / norm : 0.0;
    for (int i = 0; i < n; ++i) v[i * stride] *= scale;
}

} // namespace

Result<double> siSdr(const std::vector<float>& reference, const std::vector<float>& estimate, const SiOptions& opts) {
    using R = Result<double>;
    if (const auto why = checkPair(reference, estimate, "reference", "estimate"); !why.empty())
        return R::invalid("SI-SDR: " + why);
    const Vec s = toDouble(reference, opts.zeroMean);
    const Vec e = toDouble(estimate, opts.zeroMean);
    const double ss = dot(s, s);
    if (!(ss > 0)) return R::invalid("SI-SDR: the reference is silent");
    const double a = dot(e, s) / ss;
    double target = 0, err = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const double t = a * s[i];
        target += t * t;
        err += (e[i] - t) * (e[i] - t);
    }
    return clampDb(target, err);
}

Result<SiRatios> siRatios(const std::vector<float>& reference, const std::vector<float>& interference,
                          const std::vector<float>& estimate, const SiOptions& opts) {
    using R = Result<SiRatios>;
    if (const auto why = checkPair(reference, estimate, "reference", "estimate"); !why.empty())
        return R::invalid("SI-SIR/SI-SAR: " + why);
    if (const auto why = checkPair(reference, interference, "reference", "interference"); !why.empty())
        return R::invalid("SI-SIR/SI-SAR: " + why);
    const Vec s = toDouble(reference, opts.zeroMean);
    Vec n = toDouble(interference, opts.zeroMean);
    const Vec e = toDouble(estimate, opts.zeroMean);
    const double ss = dot(s, s);
    if (!(ss > 0)) return R::invalid("SI-SIR/SI-SAR: the reference is silent");
    // n⊥ = n − P_s n spans, with s, the same plane as {s, n}; P_{s,n} ŝ − P_s ŝ = P_{n⊥} ŝ.
    const double nn = dot(n, n);
    const double ns = dot(n, s) / ss;
    for (std::size_t i = 0; i < n.size(); ++i) n[i] -= ns * s[i];
    const double pp = dot(n, n);
    const bool noInterference = !(pp > 1e-12 * nn);
    const double a = dot(e, s) / ss;
    const double b = noInterference ? 0.0 : dot(e, n) / pp;
    double target = 0, interf = 0, artif = 0, distortion = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const double t = a * s[i];
        const double in = b * n[i];
        const double ar = e[i] - t - in;
        target += t * t;
        interf += in * in;
        artif += ar * ar;
        distortion += (in + ar) * (in + ar);
    }
    return SiRatios{clampDb(target, distortion), clampDb(target, interf), clampDb(target, artif)};
}

Result<double> estoiFromBands(const std::vector<double>& X, const std::vector<double>& Y, int bands, int frames) {
    using R = Result<double>;
    if (bands < 2 || frames < kSegment)
        return R::invalid("ESTOI: " + std::to_string(frames) + " frames, at least " + std::to_string(kSegment) +
                          " needed (and 2 bands)");
    const std::size_t cells = std::size_t(bands) * std::size_t(frames);
    if (X.size() != cells || Y.size() != cells)
        return R::invalid("ESTOI: the band envelopes are not " + std::to_string(bands) + " × " + std::to_string(frames));
    Vec x(std::size_t(bands) * kSegment), y(x.size());
    double total = 0;
    const int segments = frames - kSegment + 1;
    for (int m = 0; m < segments; ++m) {
        for (int j = 0; j < bands; ++j) {
            for (int k = 0; k < kSegment; ++k) {
                const std::size_t src = std::size_t(j) * std::size_t(frames) + std::size_t(m + k);
                x[std::size_t(j * kSegment + k)] = X[src];
                y[std::size_t(j * kSegment + k)] = Y[src];
            }
            normalise(&x[std::size_t(j * kSegment)], kSegment, 1); // rows: band envelopes over time
            normalise(&y[std::size_t(j * kSegment)], kSegment, 1);
        }
        double d = 0;
        for (int k = 0; k < kSegment; ++k) { // columns: spectra at one time
            normalise(&x[std::size_t(k)], bands, kSegment);
            normalise(&y[std::size_t(k)], bands, kSegment);
            for (int j = 0; j < bands; ++j) d += x[std::size_t(j * kSegment + k)] * y[std::size_t(j * kSegment + k)];
        }
        total += d / kSegment;
    }
    return total / segments;
}

Result<double> estoi(const std::vector<float>& clean, const std::vector<float>& processed, int sampleRate) {
    using R = Result<double>;
    if (const auto why = checkPair(clean, processed, "clean signal", "processed signal"); !why.empty())
        return R::invalid("ESTOI: " + why);
    if (sampleRate < 1000 || sampleRate > 768000)
        return R::invalid("ESTOI: invalid sample rate " + std::to_string(sampleRate) + " Hz");
    auto xr = resampleTo(clean, sampleRate, kEstoiRate);
    if (!xr) return xr.error();
    auto yr = resampleTo(processed, sampleRate, kEstoiRate);
    if (!yr) return yr.error();
    const Vec& x = xr.value();
    const Vec& y = yr.value();
    const Vec w = hanning(kFrame);

    // Silent frames: energy of the windowed clean frame, in dB, against the loudest one.
    const std::size_t len = std::min(x.size(), y.size());
    std::vector<std::size_t> starts;
    Vec energy;
    for (std::size_t s = 0; s + kFrame <= len; s += kHop) {
        double e = 0;
        for (int i = 0; i < kFrame; ++i) e += (x[s + std::size_t(i)] * w[std::size_t(i)]) * (x[s + std::size_t(i)] * w[std::size_t(i)]);
        starts.push_back(s);
        energy.push_back(e > 0 ? 10 * std::log10(e) : -std::numeric_limits<double>::infinity());
    }
    if (starts.empty())
        return R::invalid("ESTOI: the signals are too short (" + std::to_string(clean.size()) + " samples at " +
                          std::to_string(sampleRate) + " Hz; at least 30 active frames of 25.6 ms are needed)");
    const double loudest = *std::max_element(energy.begin(), energy.end());
    if (!std::isfinite(loudest)) return R::invalid("ESTOI: the clean signal is silent");
    Vec xs, ys; // the active frames, windowed and overlap-added
    int kept = 0;
    for (std::size_t k = 0; k < starts.size(); ++k) {
        if (!(energy[k] > loudest - kDynamicRange)) continue;
        const std::size_t at = std::size_t(kept) * kHop;
        xs.resize(at + kFrame, 0.0);
        ys.resize(at + kFrame, 0.0);
        for (int i = 0; i < kFrame; ++i) {
            xs[at + std::size_t(i)] += x[starts[k] + std::size_t(i)] * w[std::size_t(i)];
            ys[at + std::size_t(i)] += y[starts[k] + std::size_t(i)] * w[std::size_t(i)];
        }
        ++kept;
    }
    // (kept − 1)·hop + frame samples hold exactly `kept` analysis frames.
    if (kept < kSegment)
        return R::invalid("ESTOI: only " + std::to_string(kept) + " active frames (at least " + std::to_string(kSegment) +
                          ", about 0.4 s of speech, are needed)");
    return estoiFromBands(bandEnvelopes(xs, w, kept), bandEnvelopes(ys, w, kept), kBands, kept);
}

} // namespace reverie::speech

namespace reverie::speech {

ReferenceScores scoreAgainstReference(const std::vector<float>& reference, const std::vector<float>& noisy,
                                      const std::vector<float>& enhanced, int sampleRate) {
    ReferenceScores out;
    out.referenceSamples = reference.size();
    out.noisySamples = noisy.size();
    std::size_t n = std::min(reference.size(), noisy.size());
    if (!enhanced.empty()) n = std::min(n, enhanced.size());
    out.scoredSamples = n;
    if (n == 0) return out;
    const std::vector<float> s(reference.begin(), reference.begin() + std::ptrdiff_t(n));
    const std::vector<float> y(noisy.begin(), noisy.begin() + std::ptrdiff_t(n));
    std::vector<float> noise(n);
    for (std::size_t i = 0; i < n; ++i) noise[i] = y[i] - s[i];
    auto score = [&](const std::vector<float>& estimate, ScoreSet& set) {
        if (const auto r = siRatios(s, noise, estimate)) {
            set.siSdr = r.value().siSdr;
            set.siSir = r.value().siSir;
            set.siSar = r.value().siSar;
        } else {
            out.problems.push_back(r.error().message);
        }
        if (const auto e = estoi(s, estimate, sampleRate)) set.estoi = e.value();
        else out.problems.push_back(e.error().message);
    };
    score(y, out.noisy);
    if (!enhanced.empty()) score(std::vector<float>(enhanced.begin(), enhanced.begin() + std::ptrdiff_t(n)), out.enhanced);
    return out;
}

} // namespace reverie::speech
