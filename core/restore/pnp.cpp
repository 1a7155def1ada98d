#include "restore/pnp.h"

#include "restore/pipeline.h"
#include "restore/restore.h"

#include <ATen/ATen.h>

#include <cmath>
#include <sstream>

namespace reverie::restore {

namespace {
std::string num(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}
} // namespace

std::string PnpSchedule::id() const {
    return std::to_string(iterations) + ":" + num(sigmaStart) + ":" + num(sigmaEnd);
}

std::vector<double> PnpSchedule::sigmas() const {
    std::vector<double> out;
    for (int k = 0; k < iterations; ++k) {
        const double t = iterations > 1 ? double(k) / double(iterations - 1) : 0.0;
        out.push_back(sigmaStart * std::pow(sigmaEnd / sigmaStart, t));
    }
    return out;
}

Result<PnpSchedule> parsePnpSchedule(const std::string& text) {
    const auto bad = [&](const std::string& why) {
        return Result<PnpSchedule>::invalid("plug-and-play schedule \"" + text + "\": " + why);
    };
    PnpSchedule s;
    std::istringstream in(text);
    char c1 = 0, c2 = 0;
    if (!(in >> s.iterations >> c1 >> s.sigmaStart >> c2 >> s.sigmaEnd) || c1 != ':' || c2 != ':')
        return bad("expected ITERATIONS:SIGMA_START:SIGMA_END, e.g. 8:49:1");
    if (in >> c1) return bad("unexpected text after the third number");
    if (s.iterations < 1 || s.iterations > 200) return bad("iterations must be 1..200");
    if (!(s.sigmaEnd > 0) || !(s.sigmaStart >= s.sigmaEnd) || s.sigmaStart > 255)
        return bad("needs 0 < SIGMA_END <= SIGMA_START <= 255");
    return s;
}

PnpSchedule pnpScheduleFor(Degradation d) {
    switch (d) {
    case Degradation::Down4: return {3, 49, 2};
    case Degradation::Blur: return {4, 25, 1};
    default: return {2, 25, 2}; // down2, motion blur
    }
}

Result<PnpSchedule> pnpSchedule(const std::string& text, Degradation d) {
    if (text == "auto") return pnpScheduleFor(d);
    return parsePnpSchedule(text);
}

PnpDenoiser photoDenoiser(const std::string& modelDir, int nfe, const std::string& device) {
    return [modelDir, nfe, device](const at::Tensor& z, double sigma255) -> Result<at::Tensor> {
        RestoreParams rp;
        rp.modelDir = modelDir;
        rp.sampler = "mrs-ode-1-data";
        rp.nfe = nfe;
        rp.noiseSigma255 = sigma255;
        rp.noiseBudget = true;
        rp.device = device;
        auto r = restoreTensor(rp, z, {});
        if (!r) return r.error();
        return r.value().x;
    };
}

Result<at::Tensor> plugAndPlay(const at::Tensor& start, const KnownDegradation& k, const PnpDenoiser& denoise,
                               const PnpSchedule& s, const JobContext& ctx) {
    if (s.iterations < 1 || !(s.sigmaEnd > 0) || !(s.sigmaStart >= s.sigmaEnd))
        return Result<at::Tensor>::invalid("plug-and-play: a malformed schedule (" + s.id() + ")");
    at::Tensor x = start;
    const auto sig = s.sigmas();
    for (std::size_t i = 0; i < sig.size(); ++i) {
        if (ctx.cancelled()) return Result<at::Tensor>::cancelled("plug-and-play: cancelled");
        auto z = denoise(x, sig[i]);
        if (!z) return z.error();
        x = consistent(z.value(), k);
        Progress p;
        p.step = int(i + 1);
        p.total = int(sig.size());
        p.message = "plug-and-play σ = " + num(sig[i]);
        ctx.report(p);
    }
    return x;
}

} // namespace reverie::restore
