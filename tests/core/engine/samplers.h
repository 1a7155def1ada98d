#pragma once
// The sampler table shared by the distribution and contract tests: one entry per stochastic or
// deterministic sampler configuration, run through its public entry point.

#include "sdes.h"

#include "engine/solvers/edm.h"
#include "engine/solvers/exp.h"
#include "engine/solvers/ode.h"
#include "engine/solvers/pc.h"

namespace reverie::testing {

enum class SamplerId {
    EulerMaruyama, ReverseDiffusion, PcLangevin, PcAnnealed, Ddim1, Posterior,
    MrsSdeData1, MrsSdeData2, MrsSdeNoise1, MrsSdeNoise2, EdmChurn,
    // deterministic
    OdeEuler, OdeHeun, OdeRk4, Ddim0, MrsOdeData2, MrsOdeNoise2, EdmHeun
};

inline const char* samplerName(SamplerId s) {
    switch (s) {
    case SamplerId::EulerMaruyama: return "euler-maruyama";
    case SamplerId::ReverseDiffusion: return "reverse-diffusion";
    case SamplerId::PcLangevin: return "pc-langevin";
    case SamplerId::PcAnnealed: return "pc-annealed-langevin";
    case SamplerId::Ddim1: return "ddim-eta1";
    case SamplerId::Posterior: return "ir-posterior";
    case SamplerId::MrsSdeData1: return "mrs-sde-data-1";
    case SamplerId::MrsSdeData2: return "mrs-sde-data-2";
    case SamplerId::MrsSdeNoise1: return "mrs-sde-noise-1";
    case SamplerId::MrsSdeNoise2: return "mrs-sde-noise-2";
    case SamplerId::EdmChurn: return "edm-stochastic";
    case SamplerId::OdeEuler: return "pf-ode-euler";
    case SamplerId::OdeHeun: return "pf-ode-heun";
    case SamplerId::OdeRk4: return "pf-ode-rk4";
    case SamplerId::Ddim0: return "ddim-eta0";
    case SamplerId::MrsOdeData2: return "mrs-ode-data-2";
    case SamplerId::MrsOdeNoise2: return "mrs-ode-noise-2";
    case SamplerId::EdmHeun: return "edm-heun";
    }
    return "?";
}

/// The documented NFE of each sampler for `steps` steps.
inline std::int64_t documentedNfe(SamplerId s, int steps) {
    switch (s) {
    case SamplerId::PcLangevin: case SamplerId::PcAnnealed: return 2LL * steps;
    case SamplerId::OdeHeun: return 2LL * steps;
    case SamplerId::OdeRk4: return 4LL * steps;
    case SamplerId::EdmChurn: case SamplerId::EdmHeun: return 2LL * steps - 1;
    default: return steps;
    }
}

inline Result<solvers::SampleOutput> runSampler(SamplerId s, const sde::Sde& sde, const sde::Denoiser& d,
                                                const at::Tensor& xT, const at::Tensor& mu,
                                                const solvers::CommonOptions& c, const JobContext& ctx) {
    using namespace solvers;
    switch (s) {
    case SamplerId::EulerMaruyama: return sampleEulerMaruyama(sde, d, xT, mu, c, ctx);
    case SamplerId::ReverseDiffusion: case SamplerId::PcLangevin: case SamplerId::PcAnnealed: {
        PcOptions o;
        o.common = c;
        o.predictor = Predictor::ReverseDiffusion;
        o.corrector = s == SamplerId::ReverseDiffusion ? Corrector::None
                      : s == SamplerId::PcLangevin      ? Corrector::Langevin
                                                        : Corrector::AnnealedLangevin;
        return samplePc(sde, d, xT, mu, o, ctx);
    }
    case SamplerId::Ddim1: case SamplerId::Ddim0: {
        DdimOptions o;
        o.common = c;
        o.eta = s == SamplerId::Ddim1 ? 1.0 : 0.0;
        return sampleDdim(sde, d, xT, mu, o, ctx);
    }
    case SamplerId::Posterior: {
        PosteriorOptions o;
        o.common = c;
        return samplePosterior(sde, d, xT, mu, o, ctx);
    }
    case SamplerId::MrsSdeData1: case SamplerId::MrsSdeData2: case SamplerId::MrsSdeNoise1:
    case SamplerId::MrsSdeNoise2: case SamplerId::MrsOdeData2: case SamplerId::MrsOdeNoise2: {
        MrsOptions o;
        o.common = c;
        o.sde = !(s == SamplerId::MrsOdeData2 || s == SamplerId::MrsOdeNoise2);
        o.order = (s == SamplerId::MrsSdeData1 || s == SamplerId::MrsSdeNoise1) ? 1 : 2;
        o.form = (s == SamplerId::MrsSdeData1 || s == SamplerId::MrsSdeData2 || s == SamplerId::MrsOdeData2)
                     ? SolverForm::Data : SolverForm::Noise;
        return sampleMrs(sde, d, xT, mu, o, ctx);
    }
    case SamplerId::EdmChurn: case SamplerId::EdmHeun: {
        EdmOptions o;
        o.common = c;
        // End the Karras grid at σ̃(t) for t = 1e-3 T, then step to σ = 0.
        o.sigmaMin = sde.sigmaTilde(1e-3 * sde.tMax());
        if (s == SamplerId::EdmChurn) o.sChurn = 40.0;
        return sampleEdm(sde, d, xT, mu, o, ctx);
    }
    case SamplerId::OdeEuler: case SamplerId::OdeHeun: case SamplerId::OdeRk4: {
        OdeOptions o;
        o.common = c;
        // The PF-ODE cannot be evaluated at σ = 0 (IR-SDE's default end t = 0): stop at 1% of T.
        if (std::isnan(c.tEnd) && !(sde.sigma(sde.tEps()) > 0)) o.common.tEnd = 0.01 * sde.tMax();
        o.method = s == SamplerId::OdeEuler ? OdeMethod::Euler : s == SamplerId::OdeHeun ? OdeMethod::Heun : OdeMethod::RK4;
        return sampleOde(sde, d, xT, mu, o, ctx);
    }
    }
    return Result<SampleOutput>::failed("unknown sampler");
}

/// True when the sampler's result lies at t = 0 (σ = 0) whatever tEnd says.
inline bool endsAtZero(SamplerId s) { return s == SamplerId::EdmChurn || s == SamplerId::EdmHeun; }

} // namespace reverie::testing

Q_DECLARE_METATYPE(reverie::testing::SamplerId)
