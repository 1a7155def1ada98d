#include "engine/solvers/common.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace reverie::solvers {

// ---------------------------------------------------------------------------------------------
// Noise

NoiseSource::NoiseSource(std::uint64_t seed, NoiseMode mode) : m_seed(seed), m_mode(mode) {}

NoiseSource NoiseSource::replay(std::vector<at::Tensor> draws) {
    NoiseSource s(0, NoiseMode::Batch);
    s.m_replay = true;
    s.m_draws = std::move(draws);
    return s;
}

at::Generator& NoiseSource::gen(int64_t i) {
    if (m_mode == NoiseMode::Batch) i = 0;
    while (static_cast<int64_t>(m_gens.size()) <= i)
        m_gens.push_back(at::detail::createCPUGenerator(m_seed + m_gens.size()));
    return m_gens[static_cast<size_t>(i)];
}

at::Tensor NoiseSource::randnLike(const at::Tensor& x) {
    if (m_replay) {
        if (m_next >= m_draws.size())
            throw std::invalid_argument("replayed noise ran out after " + std::to_string(m_draws.size()) + " draws");
        const at::Tensor& z = m_draws[m_next];
        if (z.sizes() != x.sizes() || z.scalar_type() != x.scalar_type())
            throw std::invalid_argument("replayed noise draw " + std::to_string(m_next) + " does not match the requested shape or dtype");
        ++m_next;
        return z.to(x.device());
    }
    const auto real = c10::toRealValueType(x.scalar_type());
    const auto cpu = at::TensorOptions().dtype(real);
    const bool complex = x.is_complex();
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    if (complex) shape.push_back(2);
    at::Tensor out = at::empty(shape, cpu);
    const double sd = complex ? std::sqrt(0.5) : 1.0;
    if (m_mode == NoiseMode::Batch || x.dim() == 0) {
        out.normal_(0.0, sd, gen(0));
    } else {
        const int64_t B = x.size(0);
        for (int64_t i = 0; i < B; ++i) {
            at::Tensor row = out.select(0, i);
            row.normal_(0.0, sd, gen(i));
        }
    }
    if (complex) out = at::view_as_complex(out);
    return x.device().is_cpu() ? out : out.to(x.device());
}

at::Tensor NoiseSource::rademacherLike(const at::Tensor& x) {
    if (m_replay) throw std::invalid_argument("a replaying noise source holds normal draws only (no Rademacher noise)");
    const auto real = c10::toRealValueType(x.scalar_type());
    at::Tensor out = at::empty(x.sizes(), at::TensorOptions().dtype(real));
    if (m_mode == NoiseMode::Batch || x.dim() == 0) {
        out.bernoulli_(0.5, gen(0));
    } else {
        for (int64_t i = 0; i < x.size(0); ++i) {
            at::Tensor row = out.select(0, i);
            row.bernoulli_(0.5, gen(i));
        }
    }
    out = out * 2.0 - 1.0;
    return x.device().is_cpu() ? out : out.to(x.device());
}

at::Tensor priorSample(const Sde& sde, const at::Tensor& like, const at::Tensor& mu, NoiseSource& noise) {
    return sde.priorMean(like, mu) + noise.randnLike(like) * sde.priorStd();
}

// ---------------------------------------------------------------------------------------------
// Model

Model::Model(const Sde& sde, const Denoiser& d, const at::Tensor& mu, const JobContext& ctx, std::int64_t maxNfe)
    : m_sde(sde), m_d(d), m_mu(mu), m_ctx(ctx), m_maxNfe(maxNfe) {}

at::Tensor Model::raw(const at::Tensor& x, const at::Tensor& tItems) {
    if (m_ctx.cancelled()) throw CancelledError{};
    if (m_maxNfe > 0 && m_nfe >= m_maxNfe)
        throw std::runtime_error("NFE budget of " + std::to_string(m_maxNfe) + " exhausted");
    ++m_nfe;
    at::Tensor out = m_d.fn(x, tItems, m_mu);
    if (!out.defined() || out.sizes() != x.sizes())
        throw std::runtime_error("the model returned a tensor of the wrong shape");
    return out;
}

at::Tensor Model::raw(const at::Tensor& x, double t) {
    return raw(x, at::scalar_tensor(t, at::kDouble));
}

at::Tensor Model::threshold(const at::Tensor& x0) const {
    if (!m_th.enabled) return x0;
    const at::Tensor flat = x0.reshape({x0.size(0), -1}).abs();
    at::Tensor s = at::quantile(flat.to(at::kDouble), m_th.ratio, 1).clamp(1.0, m_th.maxValue).to(x0.scalar_type());
    std::vector<int64_t> shape(static_cast<size_t>(x0.dim()), 1);
    shape[0] = x0.size(0);
    s = s.view(shape);
    return at::clamp(x0, -s, s) / s;
}

at::Tensor Model::data(const at::Tensor& x, double t) {
    const at::Tensor out = raw(x, t);
    const at::Tensor yt = y(x);
    at::Tensor x0 = this->x(sde::dataFrom(m_d.param, sde::outputToY(m_d.param, out, m_mu), yt, m_sde.alpha(t),
                                          m_sde.sigma(t)));
    return threshold(x0);
}

at::Tensor Model::noise(const at::Tensor& x, double t) {
    const at::Tensor out = raw(x, t);
    if (m_th.enabled) {
        // Thresholding acts on x̂_0; derive ε̂ from the thresholded x̂_0.
        const at::Tensor yt = y(x);
        const double a = m_sde.alpha(t), s = m_sde.sigma(t);
        const at::Tensor x0 = threshold(this->x(sde::dataFrom(m_d.param, sde::outputToY(m_d.param, out, m_mu), yt, a, s)));
        return (yt - y(x0) * a) / s;
    }
    return sde::noiseFrom(m_d.param, sde::outputToY(m_d.param, out, m_mu), y(x), m_sde.alpha(t), m_sde.sigma(t));
}

at::Tensor Model::score(const at::Tensor& x, double t) {
    const at::Tensor out = raw(x, t);
    return sde::scoreFrom(m_d.param, sde::outputToY(m_d.param, out, m_mu), y(x), m_sde.alpha(t), m_sde.sigma(t));
}

Model::Pred Model::predict(const at::Tensor& x, double t, bool needScore) {
    const at::Tensor out = sde::outputToY(m_d.param, raw(x, t), m_mu);
    const at::Tensor yt = y(x);
    const double a = m_sde.alpha(t), s = m_sde.sigma(t);
    Pred p;
    at::Tensor y0 = sde::dataFrom(m_d.param, out, yt, a, s);
    if (m_th.enabled) y0 = y(threshold(this->x(y0)));
    p.x0 = this->x(y0);
    if (m_d.param == Param::Noise && !m_th.enabled) p.eps = out;
    else p.eps = (yt - y0 * a) / s;
    if (needScore) p.score = (m_d.param == Param::Score && !m_th.enabled) ? out : p.eps * (-1.0 / s);
    return p;
}

// ---------------------------------------------------------------------------------------------
// Validation and reporting

void requireFinite(const char* sampler, const char* what, const at::Tensor& x) {
    if (!at::isfinite(x).all().item<bool>())
        throw InvalidError(std::string(what) + " contains NaN or infinite values");
}

Resolved validateCommon(const char* sampler, const Sde& sde, const Denoiser& d, const at::Tensor& xT,
                        const at::Tensor& mu, const CommonOptions& o,
                        const std::function<std::int64_t(int)>& plannedNfe) {
    Resolved r;
    if (!d.fn) throw InvalidError("no denoiser was given");
    if (!xT.defined() || xT.dim() < 1 || xT.numel() == 0)
        throw InvalidError("the start state is empty (expected a tensor shaped [batch, ...])");
    if (!at::isFloatingType(xT.scalar_type()) && !at::isComplexType(xT.scalar_type()))
        throw InvalidError("the start state must be a floating-point or complex tensor");
    requireFinite(sampler, "the start state", xT);
    if (sde.meanReverting() && !mu.defined())
        throw InvalidError("the " + sde.name() + " SDE needs mu (the degraded input), none was given");
    if (mu.defined()) {
        if (!sde.meanReverting())
            throw InvalidError("mu was given, but the " + sde.name() + " SDE is not mean-reverting");
        try {
            (void)at::infer_size(mu.sizes(), xT.sizes());
        } catch (const std::exception&) {
            throw InvalidError("mu's shape does not broadcast to the start state's shape");
        }
        requireFinite(sampler, "mu", mu);
    }
    if (o.steps < 0) throw InvalidError("steps must be positive (got " + std::to_string(o.steps) + ")");
    r.steps = o.steps == 0 ? sde.defaultSteps() : o.steps;
    r.tStart = std::isnan(o.tStart) ? sde.tMax() : o.tStart;
    r.tEnd = std::isnan(o.tEnd) ? sde.tEps() : o.tEnd;
    auto fmt = [](double v) {
        std::ostringstream s;
        s << v;
        return s.str();
    };
    if (!sde.inRange(r.tStart))
        throw InvalidError("tStart = " + fmt(r.tStart) + " is outside the SDE's time range [0, " + fmt(sde.tMax()) + "]");
    if (!sde.inRange(r.tEnd))
        throw InvalidError("tEnd = " + fmt(r.tEnd) + " is outside the SDE's time range [0, " + fmt(sde.tMax()) + "]");
    if (!(r.tStart > r.tEnd))
        throw InvalidError("tStart (" + fmt(r.tStart) + ") must be larger than tEnd (" + fmt(r.tEnd) + ")");
    if (o.maxNfe < 0) throw InvalidError("maxNfe must be >= 0");
    if (o.maxNfe > 0 && plannedNfe) {
        const std::int64_t need = plannedNfe(r.steps);
        if (need > o.maxNfe)
            throw InvalidError("these settings need " + std::to_string(need) + " network evaluations, the budget is " +
                               std::to_string(o.maxNfe));
    }
    return r;
}

void reportStep(const CommonOptions& o, const Model& m, int step, int total, double t, const at::Tensor& x,
                const at::Tensor& x0, double stepSeconds, const char* name) {
    if (o.onStep) {
        StepInfo info;
        info.step = step;
        info.total = total;
        info.t = t;
        info.x = &x;
        info.x0 = x0.defined() ? &x0 : nullptr;
        info.nfe = m.nfe();
        o.onStep(info);
    }
    if (m.ctx().progress) {
        Progress p;
        p.step = step;
        p.total = total;
        p.nfe = m.nfe();
        p.stepSeconds = stepSeconds;
        p.message = name;
        m.ctx().report(p);
    }
}

// ---------------------------------------------------------------------------------------------
// Time grids

std::vector<double> timeGrid(const Sde& sde, int n, double tStart, double tEnd, Spacing spacing, double rho,
                             double lambdaMin) {
    if (spacing == Spacing::UniformT) return sde.uniformGrid(n, tStart, tEnd);
    const bool endAtZeroSigma = !(sde.sigma(tEnd) > 0.0);
    const double tLo = endAtZeroSigma ? tEnd + 1e-3 * (tStart - tEnd) : tEnd;
    double lamHi = sde.lambda(tLo);
    double lamLo = sde.lambda(tStart);
    if (std::isfinite(lambdaMin) && lamLo < lambdaMin) lamLo = std::min(lambdaMin, lamHi);
    std::vector<double> g(static_cast<size_t>(n) + 1);
    for (int i = 0; i <= n; ++i) {
        const double u = static_cast<double>(i) / n;
        if (spacing == Spacing::LogSnr) {
            g[i] = sde.tFromLambda(lamLo + u * (lamHi - lamLo));
        } else {
            const double sHi = std::exp(-lamLo), sLo = std::exp(-lamHi);
            const double s = std::pow(std::pow(sHi, 1.0 / rho) + u * (std::pow(sLo, 1.0 / rho) - std::pow(sHi, 1.0 / rho)), rho);
            g[i] = sde.tFromSigmaTilde(s);
        }
    }
    g[0] = tStart;
    g[n] = tEnd;
    return g;
}

} // namespace reverie::solvers
