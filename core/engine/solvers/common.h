#pragma once
// Plumbing shared by every sampler: the one NFE-counting wrapper around a Denoiser (Model), seeded
// per-item noise, step callbacks, common options, validation and the error boundary. A sampler is
//     Result<SampleOutput> sampleX(const Sde&, const Denoiser&, const at::Tensor& xT,
//                                  const at::Tensor& mu, const XOptions&, const JobContext&);
// xT: the start state at opts.common.tStart (priorSample() or an exact marginal); mu: the target
// (undefined for VE/VP/sub-VP, required for IR-SDE and OUVE). Samplers validate before the first
// network evaluation, check the cancel token before every one and report every step.
// Thread rules: one thread (the engine thread); nothing is shared between calls. Failure: errors
// as values (runGuarded: Cancelled, InvalidInput, Failed).

#include "base/job.h"
#include "engine/sde/param.h"
#include "engine/sde/sde.h"

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace reverie::solvers {

using sde::Denoiser;
using sde::Param;
using sde::Sde;

/// How noise is drawn.
///  PerItem (default): batch item i draws from its own CPU generator seeded with seed + i, so
///    item i's sample is the same whatever the batch size or position of other items; noise is
///    generated on the CPU and moved to x's device.
///  Batch: one generator seeded with seed for the whole batch: faster for Monte-Carlo batches of
///    many thousand items, but item i then depends on the batch size.
enum class NoiseMode { PerItem, Batch };

class NoiseSource {
public:
    NoiseSource(std::uint64_t seed, NoiseMode mode);
    /// A source that hands out `draws` in order instead of drawing: every randnLike(x) returns
    /// the next tensor (which must have x's shape and dtype, complex for complex x) and throws
    /// std::invalid_argument when they run out or do not fit. For tests that replay another
    /// implementation's noise (e.g. SGMSE+'s own sampler, tests/core/tst_published.cpp).
    static NoiseSource replay(std::vector<at::Tensor> draws);
    /// Draws handed out so far by a replaying source (0 otherwise).
    std::size_t replayed() const { return m_next; }
    /// Standard normal noise shaped like x (complex x: real and imaginary parts of variance ½).
    at::Tensor randnLike(const at::Tensor& x);
    /// Rademacher (±1) noise shaped like x (real part only for complex x).
    at::Tensor rademacherLike(const at::Tensor& x);

private:
    at::Generator& gen(int64_t i);
    std::uint64_t m_seed;
    NoiseMode m_mode;
    std::vector<at::Generator> m_gens;
    bool m_replay = false;
    std::vector<at::Tensor> m_draws;
    std::size_t m_next = 0;
};

/// The prior draw x_T = priorMean + priorStd · z for `like`'s shape (sde.h).
at::Tensor priorSample(const Sde& sde, const at::Tensor& like, const at::Tensor& mu, NoiseSource& noise);

/// What a sampler tells its caller after each step. x and x0 are the sampler's live tensors: copy
/// them if you keep them (and convert them to an image on this thread, never hand them across).
struct StepInfo {
    int step = 0;          ///< 1-based step just finished
    int total = 0;         ///< number of steps
    double t = 0;          ///< SDE time the state is at now
    const at::Tensor* x = nullptr;  ///< x_t
    const at::Tensor* x0 = nullptr; ///< latest x̂_0 estimate (may be null if none yet)
    std::int64_t nfe = 0;  ///< network evaluations so far
};
using StepCallback = std::function<void(const StepInfo&)>;

/// A job's progress report for a sampler step (step/total/NFE and a message; no preview).
inline Progress stepProgress(const StepInfo& st, const std::string& message) {
    Progress pr;
    pr.step = st.step;
    pr.total = st.total;
    pr.nfe = st.nfe;
    pr.message = message;
    return pr;
}

/// Options every sampler shares. NaN means "the SDE's default".
struct CommonOptions {
    int steps = 0;                                               ///< 0 → sde.defaultSteps()
    double tStart = std::numeric_limits<double>::quiet_NaN();    ///< NaN → sde.tMax()
    double tEnd = std::numeric_limits<double>::quiet_NaN();      ///< NaN → sde.tEps()
    std::uint64_t seed = 0;
    NoiseMode noise = NoiseMode::PerItem;
    std::int64_t maxNfe = 0;   ///< 0 = unlimited; otherwise the documented NFE must fit
    StepCallback onStep;
    /// When set, the sampler draws its noise from this source (which must outlive the call)
    /// instead of a fresh NoiseSource(seed, noise): lets a caller share one stream between the
    /// prior draw and the sampler, or replay recorded noise.
    NoiseSource* source = nullptr;
};

/// The noise a sampler uses: o.source when set, else `own` (constructed from o.seed and o.noise).
inline NoiseSource& samplerNoise(const CommonOptions& o, NoiseSource& own) { return o.source ? *o.source : own; }

struct SampleOutput {
    at::Tensor x;              ///< the sample at tEnd (or x̂_0 where the sampler ends at σ = 0)
    std::int64_t nfe = 0;      ///< network evaluations actually made
    int steps = 0;
};

/// Thrown by Model when the cancel token is set; turned into Result::cancelled by runGuarded.
struct CancelledError : std::exception {
    const char* what() const noexcept override { return "cancelled"; }
};
/// Thrown for invalid settings; turned into ErrorKind::InvalidInput.
struct InvalidError : std::exception {
    explicit InvalidError(std::string m) : message(std::move(m)) {}
    const char* what() const noexcept override { return message.c_str(); }
    std::string message;
};

/// Optional dynamic thresholding of x̂_0 (Imagen): s = the `ratio` quantile of |x̂_0| per item,
/// clamped to [1, maxValue]; x̂_0 ← clamp(x̂_0, −s, s)/s. Applied to x̂_0 in x-space.
struct Thresholding {
    bool enabled = false;
    double ratio = 0.995;
    double maxValue = 1.5;
};

/// The one counting wrapper. Every network evaluation of every sampler goes through raw(); it
/// checks the cancel token first (throws CancelledError), counts, and converts the output.
class Model {
public:
    Model(const Sde& sde, const Denoiser& d, const at::Tensor& mu, const JobContext& ctx,
          std::int64_t maxNfe = 0);

    /// The network output (declared parameterisation) at a shared time t or per-item times [B].
    at::Tensor raw(const at::Tensor& x, double t);
    at::Tensor raw(const at::Tensor& x, const at::Tensor& tItems);

    /// x̂_0 in x-space (thresholded if setThresholding enabled it).
    at::Tensor data(const at::Tensor& x, double t);
    /// ε̂.
    at::Tensor noise(const at::Tensor& x, double t);
    /// ∇ log p_t(x).
    at::Tensor score(const at::Tensor& x, double t);
    /// All three from one evaluation: x̂_0 (x-space), ε̂ and score.
    struct Pred {
        at::Tensor x0, eps, score;
    };
    Pred predict(const at::Tensor& x, double t, bool needScore = true);

    void setThresholding(const Thresholding& th) { m_th = th; }
    at::Tensor threshold(const at::Tensor& x0) const;
    std::int64_t nfe() const { return m_nfe; }
    const at::Tensor& mu() const { return m_mu; }
    const Sde& sde() const { return m_sde; }
    /// y = x − μ and back.
    at::Tensor y(const at::Tensor& x) const { return m_mu.defined() ? x - m_mu : x; }
    at::Tensor x(const at::Tensor& y) const { return m_mu.defined() ? y + m_mu : y; }
    const JobContext& ctx() const { return m_ctx; }

private:
    const Sde& m_sde;
    const Denoiser& m_d;
    at::Tensor m_mu;
    JobContext m_ctx;
    std::int64_t m_maxNfe = 0;
    std::int64_t m_nfe = 0;
    Thresholding m_th;
};

/// Resolved common settings (defaults filled in).
struct Resolved {
    int steps = 0;
    double tStart = 0, tEnd = 0;
};

/// Checks the settings and inputs shared by all samplers and fills in defaults; throws
/// InvalidError with an actionable message. plannedNfe(steps) gives the documented NFE count to
/// check against maxNfe (nullptr: no check).
Resolved validateCommon(const char* sampler, const Sde& sde, const Denoiser& d, const at::Tensor& xT,
                        const at::Tensor& mu, const CommonOptions& o,
                        const std::function<std::int64_t(int)>& plannedNfe);

/// Throws InvalidError when the tensor holds NaN or ±inf.
void requireFinite(const char* sampler, const char* what, const at::Tensor& x);

/// Calls onStep and ctx.report() for one finished step.
void reportStep(const CommonOptions& o, const Model& m, int step, int total, double t, const at::Tensor& x,
                const at::Tensor& x0, double stepSeconds, const char* name);

/// The error boundary of a sampler: runs body, maps CancelledError → Cancelled, InvalidError →
/// InvalidInput, any other exception → Failed (first line of its message).
template <typename T, typename F>
Result<T> runGuarded(const std::string& name, F&& body) noexcept {
    try {
        return body();
    } catch (const CancelledError&) {
        return Result<T>::cancelled(name + ": cancelled");
    } catch (const InvalidError& e) {
        return Result<T>::invalid(name + ": " + e.message);
    } catch (const std::exception& e) {
        return Result<T>::failed(name + ": " + firstLine(e.what()));
    } catch (...) {
        return Result<T>::failed(name + ": unknown error");
    }
}

/// Step spacings used by DDIM, MR Sampler and EDM-style samplers.
enum class Spacing { UniformT, LogSnr, Karras };

/// n+1 times from tStart down to tEnd. LogSnr: uniform in λ(t); Karras: σ̃ spaced with ρ
/// (σ̃^{1/ρ} uniform). lambdaMin (finite) clips the noisy end of the LogSnr/Karras range at λ =
/// lambdaMin; the first point stays tStart. tEnd with σ = 0 (λ = +∞) is handled: the range is
/// spaced up to the next-to-last point t(λ(tStart) + …) using σ̃(tEnd') with tEnd' = max(tEnd, 1e-6 T).
std::vector<double> timeGrid(const Sde& sde, int n, double tStart, double tEnd, Spacing spacing,
                             double rho = 7.0, double lambdaMin = -std::numeric_limits<double>::infinity());

} // namespace reverie::solvers
