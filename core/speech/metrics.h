#pragma once
// Speech quality metrics, implemented from their definitions (docs/methods.md, "Metrics"): the
// scale-invariant energy ratios of Le Roux et al. (2019) and ESTOI (Jensen & Taal 2016). Plain C++
// (no tensors), double precision. Reference first, estimate last (as metrics::siSdr); signals are
// mono sample vectors of equal length at the same rate.
// Thread rules: pure functions, any thread. Failure: inputs on which a metric is undefined
// (different lengths, empty, NaN/Inf samples, a silent reference; for ESTOI fewer than 30 active
// frames, ≈ 0.4 s of speech) are InvalidInput errors with a sentence saying why.

#include "base/job.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace reverie::speech {

/// Energy ratios are clamped to ±kMaxDb: a perfect estimate has a zero error energy (+∞ dB), and a
/// finite cap keeps averages over a test set and JSON output meaningful.
inline constexpr double kMaxDb = 200.0;

struct SiOptions {
    /// Subtract each signal's mean first (Le Roux et al. assume zero-mean signals; a DC offset is
    /// not distortion of speech). false reproduces implementations that skip it.
    bool zeroMean = true;
};

/// SI-SDR in dB: α = ŝᵀs/‖s‖², 10 log10(‖αs‖² / ‖αs − ŝ‖²), clamped to ±kMaxDb.
Result<double> siSdr(const std::vector<float>& reference, const std::vector<float>& estimate,
                     const SiOptions& opts = {});

struct SiRatios {
    double siSdr = 0; ///< 10 log10(‖e_target‖² / ‖e_interf + e_artif‖²)
    double siSir = 0; ///< 10 log10(‖e_target‖² / ‖e_interf‖²)
    double siSar = 0; ///< 10 log10(‖e_target‖² / ‖e_artif‖²)
};

/// SI-SDR, SI-SIR and SI-SAR of an estimate of `reference` corrupted by a known `interference`
/// (the noise of the noisy input). The estimate is split orthogonally (Le Roux et al. §3):
/// e_target = P_s ŝ (projection on s), e_interf = P_{s,n} ŝ − P_s ŝ (what the noise explains once
/// s is removed: the residual projected on the part of n orthogonal to s), e_artif = ŝ − P_{s,n} ŝ.
/// (sp-uhh/sgmse projects ŝ on n itself; the two agree when n ⟂ s, as independent noise nearly
/// is.) All three ratios clamped to ±kMaxDb; an interference parallel to s counts as none.
Result<SiRatios> siRatios(const std::vector<float>& reference, const std::vector<float>& interference,
                          const std::vector<float>& estimate, const SiOptions& opts = {});

/// ESTOI of `processed` against `clean`, both at sampleRate Hz, in [−1, 1] (1 = identical
/// modulation patterns; typical speech scores 0.2..1). Jensen & Taal's steps (docs/methods.md,
/// "Metrics"), resampling to 10 kHz with soxr (the authors' MATLAB uses resample(), so figures
/// may differ in the third decimal); see estoiFromBands(). sampleRate: 1000..768000 Hz.
Result<double> estoi(const std::vector<float>& clean, const std::vector<float>& processed, int sampleRate);

/// ESTOI's last stage on band envelopes: X and Y are bands × frames, row-major (X[j·frames + m]
/// = envelope of band j at frame m), frames ≥ 30. For each 30-frame segment, every row (band over
/// time) is made zero-mean and unit-norm, then every column (spectrum at one time) likewise; the
/// segment scores (1/30) Σ_n x̌_nᵀ y̌_n and the result is the mean over all frames − 29 segments. A
/// row or column that is constant (norm ≤ 1e-9 of its largest value) becomes 0 and adds nothing.
Result<double> estoiFromBands(const std::vector<double>& X, const std::vector<double>& Y, int bands, int frames);

} // namespace reverie::speech

namespace reverie::speech {

/// The scores the Enhance workbench shows: SI-SDR/SIR/SAR and ESTOI of the noisy input and (when
/// given) of the enhanced audio against a clean reference, over the signals' common length.
struct ScoreSet {
    std::optional<double> siSdr, siSir, siSar, estoi;
};
struct ReferenceScores {
    ScoreSet noisy, enhanced;
    std::size_t scoredSamples = 0;    ///< the common length scored
    std::size_t referenceSamples = 0; ///< as given (they differ when the lengths differ)
    std::size_t noisySamples = 0;
    std::vector<std::string> problems; ///< why a score is missing (each metric's own sentence)
};
/// Scores noisy and enhanced (may be empty) against reference. The interference for SI-SIR is the
/// noisy input minus the reference.
ReferenceScores scoreAgainstReference(const std::vector<float>& reference, const std::vector<float>& noisy,
                                      const std::vector<float>& enhanced, int sampleRate);

} // namespace reverie::speech
