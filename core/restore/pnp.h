#pragma once
// Plug-and-play restoration with the photo denoiser as the prior: half-quadratic splitting in the
// form of DPIR (Zhang et al., "Plug-and-Play Image Restoration with Deep Denoiser Prior", TPAMI
// 2021, eq. 6–7 and the σ schedule of §4.1) and DiffPIR (Zhu et al., CVPR 2023, which takes the
// denoiser from a diffusion model). For a noise-free observation y = A(x) the data step's weight
// goes to infinity, so the data step is the projection onto {x : A(x) = y} (restore/consistency.h)
// and each iteration is
//     z_k = D(x_{k−1}, σ_k),   x_k = P_y(z_k),   σ_k geometric from σ_start down to σ_end,
// D the noise-map denoiser told the noise level σ_k. It starts from the classical peer made
// consistent (bicubic with back-projection for 2×/4×, Wiener twice for a known blur, the known
// pixels with Telea's fill for holes), so iteration 0 is the strongest classical result and every
// later iterate is again consistent with the observation. docs/methods.md, "Plug-and-play with the
// photo denoiser".
//
// Images: float [B, C, H, W] in [−1, 1]. Thread rules: the engine thread (the denoiser is a
// network). Failure: a denoiser failure or a cancel is returned as it came (nothing half-done is
// returned); a malformed schedule → InvalidInput.

#include "base/job.h"
#include "restore/consistency.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

namespace reverie::restore {

struct PnpSchedule {
    int iterations = 8;     ///< denoiser calls (DPIR: 8 for deblurring, 24–40 for SR)
    double sigmaStart = 49; ///< σ_1 on the 0..255 scale (DPIR: 49)
    double sigmaEnd = 1;    ///< σ_K (the observation's noise level; here noise-free, so small)
    /// > 0: σ_1 = startScale · startErrorLevel(k) per image ("K:xC:E"), clamped to
    /// [sigmaEnd, sigmaStart] (sigmaStart 255 then), instead of a fixed sigmaStart.
    double startScale = 0;
    /// "8:49:1" (iterations:σ_start:σ_end) or "2:x2:1", as `bench restore --photo-pnp` takes it.
    std::string id() const;
    /// σ_k for k = 1..iterations: geometric from σ_1 to sigmaEnd (one value: σ_1); σ_1 is
    /// sigmaStart, or with startScale > 0 the clamped startScale · errorLevel.
    std::vector<double> sigmas(double errorLevel = 0) const;
};

/// How far the classical start is from the truth, estimated from the observation alone (0..255
/// RMS): the degradation applied once more to the observation and undone by the classical peer
/// made consistent — for 2×/4× one scale down (the low-resolution image down-sampled and
/// enlarged again), for a kernel the observation blurred again — and that result's RMS distance
/// to the observation. A proxy (images are smoother at the finer scale), scaled by startScale.
double startErrorLevel(const KnownDegradation& k);

/// Parses "K:S:E" or "K:xC:E" (K 1..200, 0 < E ≤ S ≤ 255, C > 0); InvalidInput naming the
/// problem otherwise.
Result<PnpSchedule> parsePnpSchedule(const std::string& text);
/// The schedule chosen on the validation photos (photos/val, 256² crops, photo-denoise at 3 NFE
/// per call; README, "Plug-and-play with the photo denoiser"): 2:x2:1 for every task.
PnpSchedule pnpScheduleFor(Degradation d);
/// "auto" → pnpScheduleFor(d), else parsePnpSchedule(text).
Result<PnpSchedule> pnpSchedule(const std::string& text, Degradation d);

/// The prior: denoise z (one image [1, C, H, W]) told its noise level σ (0..255).
using PnpDenoiser = std::function<Result<at::Tensor>(const at::Tensor& z, double sigma255)>;

/// The photo denoiser at modelDir (a noise-map model) as a PnpDenoiser: its card's sampler at
/// `nfe` network evaluations (1: one step of the MR Sampler's ODE, the posterior-mean estimate),
/// told σ, with the noise budget on, on `device`.
PnpDenoiser photoDenoiser(const std::string& modelDir, int nfe = 1, const std::string& device = "cpu");

/// Runs the schedule from `start` (already consistent with k) and returns the last consistent
/// iterate. Progress: one report per iteration (step/total). Cancel: checked before every call.
Result<at::Tensor> plugAndPlay(const at::Tensor& start, const KnownDegradation& k, const PnpDenoiser& denoise,
                               const PnpSchedule& s, const JobContext& ctx);

} // namespace reverie::restore
