// The strength curve of speech/enhance.h: strength by how closely what the model removed follows
// what it kept (docs/methods.md, "Strength by what was removed"). Torch-free.
#include "speech/enhance.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace reverie::speech {

double strengthAt(const StrengthCurve& curve, double x) {
    if (curve.empty()) return 1.0;
    if (!(x > curve.front().first)) return curve.front().second; // NaN too: the low end
    if (x >= curve.back().first) return curve.back().second;
    for (std::size_t k = 1; k < curve.size(); ++k)
        if (x < curve[k].first) {
            const auto& [x0, s0] = curve[k - 1];
            const auto& [x1, s1] = curve[k];
            return s0 + (s1 - s0) * (x - x0) / (x1 - x0);
        }
    return curve.back().second;
}

std::string checkStrengthCurve(const StrengthCurve& curve) {
    if (curve.empty()) return "a strength curve needs at least one point (coherence, strength)";
    if (curve.size() > 64) return "a strength curve has at most 64 points";
    for (std::size_t k = 0; k < curve.size(); ++k) {
        const auto& [x, s] = curve[k];
        if (!(x >= -1 && x <= 1)) return "a strength curve's coherences must be between -1 and 1";
        if (!(s >= 0 && s <= 1)) return "a strength curve's strengths must be between 0 and 1";
        if (k > 0 && !(x > curve[k - 1].first))
            return "a strength curve's coherences must increase from point to point";
    }
    return {};
}

Result<StrengthCurve> parseStrengthCurve(const std::string& text) {
    using R = Result<StrengthCurve>;
    StrengthCurve c;
    if (!text.empty() && text.back() == ',') return R::invalid("a strength curve must not end with a comma");
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        const auto colon = item.find(':');
        if (colon == std::string::npos)
            return R::invalid("strength curve point '" + item +
                              "' is not COHERENCE:STRENGTH (e.g. 0:1,0.4:0.5,0.8:0.1)");
        const std::string a = item.substr(0, colon), b = item.substr(colon + 1);
        char* endA = nullptr;
        char* endB = nullptr;
        const double x = std::strtod(a.c_str(), &endA), s = std::strtod(b.c_str(), &endB);
        if (a.empty() || b.empty() || *endA != '\0' || *endB != '\0')
            return R::invalid("strength curve point '" + item +
                              "' is not COHERENCE:STRENGTH (e.g. 0:1,0.4:0.5,0.8:0.1)");
        c.emplace_back(x, s);
    }
    if (const auto why = checkStrengthCurve(c); !why.empty()) return R::invalid(why);
    return c;
}

std::string formatStrengthCurve(const StrengthCurve& curve) {
    std::string out;
    char b[64];
    for (const auto& [x, s] : curve) {
        std::snprintf(b, sizeof b, "%s%g:%g", out.empty() ? "" : ",", x, s);
        out += b;
    }
    return out;
}

double removedCoherence(const std::vector<float>& noisy, const std::vector<float>& enhanced, int sampleRate) {
    const std::size_t n = std::min(noisy.size(), enhanced.size());
    const std::size_t frame = std::size_t(std::max(8, sampleRate / 1000 * 32)), hop = frame / 2;
    std::vector<double> in, removed, kept;
    for (std::size_t f = 0; f + frame <= n; f += hop) {
        double y2 = 0, r2 = 0, e2 = 0;
        for (std::size_t j = f; j < f + frame; ++j) {
            const double e = enhanced[j], r = double(noisy[j]) - e;
            y2 += double(noisy[j]) * noisy[j], r2 += r * r, e2 += e * e;
        }
        in.push_back(y2), removed.push_back(r2), kept.push_back(e2);
    }
    const double loudest = in.empty() ? 0.0 : *std::max_element(in.begin(), in.end());
    std::vector<double> a, b; // dB, floored 120 dB below the loudest input frame
    const double floor = std::max(loudest * 1e-12, 1e-30);
    for (std::size_t f = 0; f < in.size(); ++f)
        if (in[f] > loudest * 1e-6) {
            a.push_back(10 * std::log10(removed[f] + floor));
            b.push_back(10 * std::log10(kept[f] + floor));
        }
    if (a.size() < 4) return 0.0;
    double ma = 0, mb = 0;
    for (std::size_t k = 0; k < a.size(); ++k) ma += a[k], mb += b[k];
    ma /= double(a.size()), mb /= double(b.size());
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t k = 0; k < a.size(); ++k)
        ab += (a[k] - ma) * (b[k] - mb), aa += (a[k] - ma) * (a[k] - ma), bb += (b[k] - mb) * (b[k] - mb);
    if (!(aa > 0) || !(bb > 0)) return 0.0;
    return std::clamp(ab / std::sqrt(aa * bb), -1.0, 1.0);
}

double removedSnrDb(const std::vector<float>& noisy, const std::vector<float>& enhanced) {
    const std::size_t n = std::min(noisy.size(), enhanced.size());
    double kept = 0, removed = 0;
    for (std::size_t j = 0; j < n; ++j) {
        const double e = enhanced[j], r = double(noisy[j]) - e;
        kept += e * e, removed += r * r;
    }
    if (!(removed > 0)) return 60.0;
    if (!(kept > 0)) return -20.0;
    return std::clamp(10.0 * std::log10(kept / removed), -20.0, 60.0);
}

} // namespace reverie::speech
