#include "restore/pnp.h"

#include "restore/classical.h"
#include "restore/degrade.h"
#include "restore/pipeline.h"
#include "restore/restore.h"

#include <ATen/ATen.h>

#include <algorithm>
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
    return std::to_string(iterations) + ":" + (startScale > 0 ? "x" + num(startScale) : num(sigmaStart)) +
           ":" + num(sigmaEnd);
}

std::vector<double> PnpSchedule::sigmas(double errorLevel) const {
    const double s1 = startScale > 0 ? std::clamp(startScale * errorLevel, sigmaEnd, sigmaStart) : sigmaStart;
    std::vector<double> out;
    for (int k = 0; k < iterations; ++k) {
        const double t = iterations > 1 ? double(k) / double(iterations - 1) : 0.0;
        out.push_back(s1 * std::pow(sigmaEnd / s1, t));
    }
    return out;
}

double startErrorLevel(const KnownDegradation& k) {
    const auto d = k.params.kind;
    at::Tensor y, undone;
    if (const int f = downFactor(d); f > 1) {
        y = k.lowRes;
        if (!y.defined() || y.size(2) < 2 * f || y.size(3) < 2 * f) return 0;
        KnownDegradation k2 = k;
        k2.lowRes = down(y, f);
        undone = consistent(upscaleBicubicCv(k2.lowRes, y.size(2), y.size(3)), k2);
    } else if (d == Degradation::Blur || d == Degradation::MotionBlur) {
        y = k.mu;
        if (!y.defined()) return 0;
        KnownDegradation k2 = k;
        k2.mu = filterReflect(y, blurKernel(k.params));
        undone = consistent(classicalPeer(k2.mu, d, {}, k.params, photoPeerOptions(d)), k2);
    } else {
        return 0;
    }
    return 127.5 * (undone - y).pow(2).mean().sqrt().item<double>();
}

Result<PnpSchedule> parsePnpSchedule(const std::string& text) {
    const auto bad = [&](const std::string& why) {
        return Result<PnpSchedule>::invalid("plug-and-play schedule \"" + text + "\": " + why);
    };
    PnpSchedule s;
    std::istringstream in(text);
    char c1 = 0, c2 = 0;
    const char* expected = "expected ITERATIONS:SIGMA_START:SIGMA_END, e.g. 8:49:1";
    if (!(in >> s.iterations >> c1) || c1 != ':') return bad(expected);
    if (in.peek() == 'x') { // σ_1 from the start's estimated error level
        in.get();
        if (!(in >> s.startScale) || !(s.startScale > 0)) return bad("xC needs a scale C > 0");
        s.sigmaStart = 255;
    } else if (!(in >> s.sigmaStart)) {
        return bad(expected);
    }
    if (!(in >> c2 >> s.sigmaEnd) || c2 != ':') return bad(expected);
    if (in >> c1) return bad("unexpected text after the third number");
    if (s.iterations < 1 || s.iterations > 200) return bad("iterations must be 1..200");
    if (!(s.sigmaEnd > 0) || !(s.sigmaStart >= s.sigmaEnd) || s.sigmaStart > 255)
        return bad("needs 0 < SIGMA_END <= SIGMA_START <= 255");
    return s;
}

PnpSchedule pnpScheduleFor(Degradation) {
    // One rule for every task, chosen on the validation photos: two calls, σ_1 twice the start's
    // estimated error level, down to 1 (README, "Plug-and-play with the photo denoiser").
    PnpSchedule s;
    s.iterations = 2;
    s.startScale = 2;
    s.sigmaStart = 255;
    s.sigmaEnd = 1;
    return s;
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
    const auto sig = s.sigmas(s.startScale > 0 ? startErrorLevel(k) : 0.0);
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
