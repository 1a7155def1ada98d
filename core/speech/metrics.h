#pragma once
// Speech quality metrics, implemented from their definitions (shared/REFERENCE.md §10): the
// scale-invariant energy ratios of Le Roux et al. (2019, "SDR – half-baked or well done?") and
// ESTOI (Jensen & Taal, 2016, "An algorithm for predicting the intelligibility of speech masked by
// modulated noise maskers"). Plain C++ (no tensors), computed in double precision.
//
// Conventions: reference first, estimate last (as metrics::siSdr). Signals are mono sample
// vectors of equal length at the same rate.
// Failure: inputs on which a metric is undefined come back as Result errors (InvalidInput) with a
// sentence saying why: different lengths, empty, NaN/Inf samples, a silent reference, and for
// ESTOI a clean signal with less than 30 active frames (≈ 0.4 s of speech at 10 kHz after the
// silent frames are dropped) or no active frame at all. Thread rules: pure functions, any thread.

#include "jobs/job.h"

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
/// modulation patterns; typical speech scores 0.2..1). Steps (Jensen & Taal 2016): resample to
/// 10 kHz (soxr, high quality; the authors' MATLAB uses resample(), so figures may differ in the
/// third decimal); drop the frames (256 samples, hop 128, Hann) whose clean energy is more than
/// 40 dB below the loudest clean frame, from both signals, and overlap-add the rest; STFT 256/128
/// Hann with a 512-point FFT; 15 one-third-octave band envelopes from 150 Hz; segments of 30
/// frames (384 ms) at every frame; see estoiFromBands(). sampleRate: 1000..768000 Hz.
Result<double> estoi(const std::vector<float>& clean, const std::vector<float>& processed, int sampleRate);

/// ESTOI's last stage on band envelopes: X and Y are bands × frames, row-major (X[j·frames + m]
/// = envelope of band j at frame m), frames ≥ 30. For each 30-frame segment, every row (band over
/// time) is made zero-mean and unit-norm, then every column (spectrum at one time) likewise; the
/// segment scores (1/30) Σ_n x̌_nᵀ y̌_n and the result is the mean over all frames − 29 segments. A
/// row or column that is constant (norm ≤ 1e-9 of its largest value) becomes 0 and adds nothing.
Result<double> estoiFromBands(const std::vector<double>& X, const std::vector<double>& Y, int bands, int frames);

} // namespace reverie::speech
