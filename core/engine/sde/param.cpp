#include "engine/sde/param.h"

#include <ATen/ATen.h>

#include <stdexcept>

namespace reverie::sde {

std::string toString(Param p) {
    switch (p) {
    case Param::Noise: return "noise";
    case Param::Data: return "data";
    case Param::Velocity: return "velocity";
    case Param::Score: return "score";
    }
    return "?";
}

namespace {

// One implementation for scalar and per-item coefficients (C = double or at::Tensor).
template <typename C>
at::Tensor dataFromT(Param p, const at::Tensor& out, const at::Tensor& y, const C& a, const C& s) {
    switch (p) {
    case Param::Data: return out;
    case Param::Noise: return (y - out * s) / a;
    case Param::Score: return (y + out * (s * s)) / a;
    case Param::Velocity: return (y * a - out * s) / (a * a + s * s);
    }
    throw std::invalid_argument("unknown parameterisation");
}

template <typename C>
at::Tensor noiseFromT(Param p, const at::Tensor& out, const at::Tensor& y, const C& a, const C& s) {
    switch (p) {
    case Param::Noise: return out;
    case Param::Data: return (y - out * a) / s;
    case Param::Score: return out * (-s);
    case Param::Velocity: return (y * s + out * a) / (a * a + s * s);
    }
    throw std::invalid_argument("unknown parameterisation");
}

template <typename C>
at::Tensor outputFromDataT(Param p, const at::Tensor& y0, const at::Tensor& y, const C& a, const C& s) {
    switch (p) {
    case Param::Data: return y0;
    case Param::Noise: return (y - y0 * a) / s;
    case Param::Score: return (y0 * a - y) / (s * s);
    case Param::Velocity: {
        const at::Tensor eps = (y - y0 * a) / s;
        return eps * a - y0 * s;
    }
    }
    throw std::invalid_argument("unknown parameterisation");
}

at::Tensor yOf(const at::Tensor& x, const at::Tensor& mu) { return mu.defined() ? x - mu : x; }

} // namespace

at::Tensor outputToY(Param p, const at::Tensor& out, const at::Tensor& mu) {
    return (p == Param::Data && mu.defined()) ? out - mu : out;
}
at::Tensor outputFromY(Param p, const at::Tensor& outY, const at::Tensor& mu) {
    return (p == Param::Data && mu.defined()) ? outY + mu : outY;
}

at::Tensor dataFrom(Param p, const at::Tensor& out, const at::Tensor& y, double a, double s) {
    return dataFromT(p, out, y, a, s);
}
at::Tensor dataFrom(Param p, const at::Tensor& out, const at::Tensor& y, const at::Tensor& a, const at::Tensor& s) {
    return dataFromT(p, out, y, a, s);
}
at::Tensor noiseFrom(Param p, const at::Tensor& out, const at::Tensor& y, double a, double s) {
    return noiseFromT(p, out, y, a, s);
}
at::Tensor noiseFrom(Param p, const at::Tensor& out, const at::Tensor& y, const at::Tensor& a, const at::Tensor& s) {
    return noiseFromT(p, out, y, a, s);
}
at::Tensor scoreFrom(Param p, const at::Tensor& out, const at::Tensor& y, double a, double s) {
    if (p == Param::Score) return out;
    return noiseFromT(p, out, y, a, s) * (-1.0 / s);
}
at::Tensor outputFromData(Param p, const at::Tensor& y0, const at::Tensor& y, double a, double s) {
    return outputFromDataT(p, y0, y, a, s);
}
at::Tensor outputFromData(Param p, const at::Tensor& y0, const at::Tensor& y, const at::Tensor& a,
                          const at::Tensor& s) {
    return outputFromDataT(p, y0, y, a, s);
}

Denoiser denoiserFromSigma(const Sde& sde, SigmaDenoiser d) {
    const Sde* sp = &sde;
    Denoiser out;
    out.param = Param::Data;
    out.fn = [sp, d = std::move(d)](const at::Tensor& x, const at::Tensor& t, const at::Tensor& mu) {
        const at::Tensor a = perItem(t, x, [sp](double tt) { return sp->alpha(tt); });
        const at::Tensor st = perItem(t, x, [sp](double tt) { return sp->sigmaTilde(tt); });
        at::Tensor xt = yOf(x, mu) / a;
        if (mu.defined()) xt = xt + mu;
        return d(xt, st, mu);
    };
    return out;
}

SigmaDenoiser sigmaFromDenoiser(const Sde& sde, Denoiser d) {
    const Sde* sp = &sde;
    return [sp, d = std::move(d)](const at::Tensor& xt, const at::Tensor& st, const at::Tensor& mu) {
        // One time per item: t = t(σ̃_b). A 0-dim σ̃ stays 0-dim.
        at::Tensor t;
        if (st.dim() == 0) {
            t = at::scalar_tensor(sp->tFromSigmaTilde(st.item<double>()), at::kDouble);
        } else {
            const at::Tensor sc = st.reshape({-1}).to(at::kDouble).cpu().contiguous();
            t = at::empty_like(sc);
            const double* in = sc.data_ptr<double>();
            double* o = t.data_ptr<double>();
            for (int64_t i = 0; i < sc.numel(); ++i) o[i] = sp->tFromSigmaTilde(in[i]);
        }
        const at::Tensor a = perItem(t, xt, [sp](double tt) { return sp->alpha(tt); });
        const at::Tensor s = perItem(t, xt, [sp](double tt) { return sp->sigma(tt); });
        const at::Tensor y = yOf(xt, mu) * a; // y_t = α (x̃ − μ)
        const at::Tensor x = mu.defined() ? y + mu : y;
        const at::Tensor y0 = dataFrom(d.param, outputToY(d.param, d.fn(x, t, mu), mu), y, a, s);
        return mu.defined() ? y0 + mu : y0;
    };
}

Denoiser convertDenoiser(const Sde& sde, Denoiser d, Param target) {
    const Sde* sp = &sde;
    Denoiser out;
    out.param = target;
    out.fn = [sp, d = std::move(d), target](const at::Tensor& x, const at::Tensor& t, const at::Tensor& mu) {
        const at::Tensor a = perItem(t, x, [sp](double tt) { return sp->alpha(tt); });
        const at::Tensor s = perItem(t, x, [sp](double tt) { return sp->sigma(tt); });
        const at::Tensor y = yOf(x, mu);
        const at::Tensor y0 = dataFrom(d.param, outputToY(d.param, d.fn(x, t, mu), mu), y, a, s);
        return outputFromY(target, outputFromData(target, y0, y, a, s), mu);
    };
    return out;
}

} // namespace reverie::sde
