#pragma once
// Speech enhancement, torch-free (the GUI and the CLI include this header only): a noisy waveform
// in, the enhanced waveform out, with either the built-in SGMSE+-style residual denoiser (task
// "enhancer", speech/task.h) or a published SGMSE+ checkpoint (NCSN++ backbone, a Lightning .ckpt
// or any file models/published/load.h reads), served to the OUVE SDE (docs/methods.md, "SGMSE+
// and the OUVE SDE"; "Published checkpoints in the samplers").
//
// Thread rules: call on the engine thread (LibTorch state); the loaded model is cached per folder
// (a checkpoint: the last one, keyed by path, size and modification time).
// Failure: a wrong or missing model folder or checkpoint, an unknown sampler, bad settings, empty
// audio or a rate other than the model's (16 kHz for the built-in models) → InvalidInput with a
// sentence naming the problem; cancel → Cancelled (checked before every network evaluation).

#include "base/job.h"
#include "speech/audio.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace reverie::speech {

struct EnhanceSamplerInfo {
    std::string id;
    std::string label;
    int defaultNfe = 0; ///< 0: adaptive
};
/// Every enhancement sampler, in menu order (the default first). NFE = network evaluations per chunk.
///   pc                 predictor-corrector with the exact discretisation: reverse-diffusion
///                      predictor (exact OUVE transition) and one annealed Langevin corrector step
///                      (snr 0.5) per step, N = nfe/2 steps (default N 30, 60 NFE), uniform t from
///                      1 to t_eps
///   sgmse-pc           SGMSE+'s own predictor-corrector code path (sgmse/sampling): N = nfe/2
///                      points linspace(1, t_eps, N), Euler reverse diffusion, annealed Langevin
///                      (snr 0.5) without α_L, the mean after the last step to t = 0 — what a
///                      published checkpoint's `enhancement.py` runs (default N 30, 60 NFE)
///   ode-rk45           the probability-flow ODE, adaptive Dormand–Prince 5(4) (rtol = atol =
///                      1e-5 as Song et al.); nfe is ignored (the NFE is what it takes, ≤ 2000)
///   mrs-{sde|ode}-{1|2}-data
///                      the MR Sampler on the same SDE: nfe steps uniform in log-SNR, data
///                      prediction, SDE or ODE, order 1 or 2 (multistep)
///   predictive         one pass of a predictive model (card "predictive": true; StoRM's first
///                      stage, speech/predictive.h): no SDE, no noise, NFE 1. The only sampler a
///                      predictive model takes, and one a score model does not.
const std::vector<EnhanceSamplerInfo>& enhanceSamplers();

/// The default sampler and NFE (see the model card for the measured quality and speed).
inline constexpr const char* kDefaultEnhanceSampler = "mrs-sde-1-data";
inline constexpr int kDefaultEnhanceNfe = 5;
inline constexpr const char* kPredictiveSampler = "predictive";

/// The sampler a model runs with unless told otherwise: "predictive" for a predictive model folder
/// (its card says "predictive": true), kDefaultEnhanceSampler for anything else (reads the card
/// only; a missing or unreadable card counts as a score model, loading reports the problem).
std::string defaultEnhanceSampler(const std::string& modelDir);

/// Strength by what the model removed (docs/methods.md, "Strength by what was removed"): points
/// (coherence, strength), coherence strictly increasing in [−1, 1], strengths in [0, 1]; between
/// points the strength is linear, beyond the ends it is the end's. The coherence is
/// removedCoherence() of the full-strength output: near 0 when what the model removed rises and
/// falls on its own (noise), near 1 when it follows the speech it kept (the model is taking
/// speech away), where a low strength is safer.
using StrengthCurve = std::vector<std::pair<double, double>>;
/// The strength the curve gives at x (the curve must be valid; empty → 1; NaN → the low end's).
double strengthAt(const StrengthCurve& curve, double x);
/// "" when the curve is valid, else a sentence naming what is wrong.
std::string checkStrengthCurve(const StrengthCurve& curve);
/// "X:S,X:S,..." (e.g. "0:1,0.4:0.5,0.8:0.1") → a curve; InvalidInput with the reason otherwise.
Result<StrengthCurve> parseStrengthCurve(const std::string& text);
/// The same as text, with "%g" numbers.
std::string formatStrengthCurve(const StrengthCurve& curve);
/// How closely what the model removed (y − x̂) follows what it kept (x̂): the Pearson correlation of
/// their frame energies in dB (32 ms frames, 16 ms hop at `sampleRate`), over the frames where the
/// input is not silent (energy above 10⁻⁶ of its loudest frame); 0 with fewer than 4 such frames.
double removedCoherence(const std::vector<float>& noisy, const std::vector<float>& enhanced, int sampleRate);
/// The input's SNR as the model's output implies it: 10·log10(Σ x̂² / Σ (y − x̂)²) in dB, what it kept
/// over what it removed, clamped to [−20, 60] (60 when it removed nothing).
double removedSnrDb(const std::vector<float>& noisy, const std::vector<float>& enhanced);
/// The input's SNR estimated without the model (bench enhance's per-mixture "input_snr"), from its
/// noise floor (minimum statistics in the spirit of Martin 2001): per frequency bin of a 32 ms /
/// 16 ms power spectrogram, the noise power is the mean of its quietest 20 % of frames over the
/// share that an exponential distribution puts there (×9.31); SNR = 10·log10((total − noise) /
/// noise), clamped to [−10, 50] dB.
double noiseFloorSnrDb(const std::vector<float>& noisy, int sampleRate);

struct EnhanceParams {
    /// A model folder (weights.pt + card.json, kind "enhancer") or a published SGMSE+ checkpoint
    /// file (.ckpt, .pth, .pt, .bin, .safetensors; backbone ncsnpp, OUVE SDE). A checkpoint brings
    /// its own STFT, SDE and sample rate (hyper_parameters) and its EMA weights.
    std::string modelDir;
    std::string sampler = kDefaultEnhanceSampler;
    int nfe = 0;                                 ///< 0 → the sampler's default (pc, sgmse-pc 60; mrs 5)
    std::uint64_t seed = 0;
    /// Frames per chunk, a multiple of 64; 0 → the model's (EnhancerInfo::chunkFrames: the card's
    /// "chunk_frames", else its "crop_frames", 64; a checkpoint's num_frames, 256). A published
    /// checkpoint's mid-block attention is global, so chunks of the training length keep its
    /// statistics (and its cost, quadratic in the chunk length) where training had them.
    int chunkFrames = 0;
    int overlapFrames = -1;                      ///< cross-fade between chunks (< chunk / 2); −1 → chunk / 8
    int batch = 4;                               ///< chunks per network batch
    /// How much of the change is kept: out = y + s·(x̂ − y) (1: the model's output, 0: the input);
    /// −1 → the model card's "strength" (1 when it has none; 1 for "dereverberate"). A lower strength trades noise
    /// removed for less distortion of the speech (chosen on the validation split for a card).
    double strength = -1;
    /// With strength −1: the strength by removedCoherence() of the full-strength output (per call
    /// of enhance(), i.e. per segment of enhanceFile()); empty → the card's
    /// "strength_by_coherence" if it has one, else its "strength". Not used for "dereverberate".
    StrengthCurve strengthCurve;
    double snr = 0.5;                            ///< pc: the corrector's signal-to-noise ratio
    /// pc, sgmse-pc: annealed-Langevin steps per predictor step (0: the predictor alone); the
    /// NFE must be a multiple of correctorSteps + 1 (N = nfe / (correctorSteps + 1) steps).
    int correctorSteps = 1;
    /// pc: after the last step, return the model's data estimate D(x, σ(t_eps)) (one more NFE).
    bool finalDenoise = false;
    double rtol = 1e-5, atol = 1e-5;             ///< ode-rk45 tolerances
    /// For a model trained with task labels (net num_classes 2, speech/task.h): "denoise" (the
    /// default) removes the noise and keeps the recording's room, "dereverberate" removes the
    /// room's reverberation and the noise (the dry speech), "auto" gives the null label (the model
    /// judges). A model without labels accepts "auto" and "denoise" only.
    std::string task = "denoise";
};

/// Fails early (InvalidInput) for an unknown sampler or settings out of range.
Result<bool> validateEnhance(const EnhanceParams& p);

struct EnhanceResult {
    Audio enhanced;               ///< same length and rate as the input
    std::int64_t nfe = 0;         ///< network evaluations per chunk (the largest over the batches)
    int chunks = 0;
    double seconds = 0;           ///< wall time
    double realTimeFactor = 0;    ///< seconds / audio duration (< 1: faster than real time)
    double strength = 1;          ///< the strength used (EnhanceParams::strength, the curve's or the card's)
    double coherence = 0;         ///< removedCoherence() of the full-strength output
    double removedSnr = 0;        ///< removedSnrDb() of the full-strength output
};

/// Long inputs are enhanced in chunks of `chunkFrames` STFT frames (0.5 s at 64) that overlap by
/// `overlapFrames` and are cross-faded in the waveform domain, `batch` chunks per network batch, so
/// the tensors in memory are bounded whatever the input's length. Each chunk is normalised by its
/// own max |noisy| (the model was trained on crops normalised that way) and scaled back. Chunk k
/// draws its noise from seed + k, so the result does not depend on the batch size.
/// Enhances mono audio at the model's rate (EnhancerInfo::sampleRate). Progress: the sampler's
/// step/total per batch of chunks, then one report per finished batch with message "chunks".
Result<EnhanceResult> enhance(const EnhanceParams& p, const Audio& noisy, const JobContext& ctx);

/// What enhanceFile() did.
struct EnhanceFileResult {
    std::int64_t samples = 0;     ///< written (at the model's rate), the input's length at that rate
    double audioSeconds = 0;
    std::int64_t nfe = 0;         ///< network evaluations per chunk
    int chunks = 0;               ///< over all segments
    int segments = 0;
    double seconds = 0;           ///< wall time, reading and writing included
    double realTimeFactor = 0;
    std::string note;             ///< the loader's note (NaN samples replaced, truncation), if any
};

/// Enhances an audio file of any length into a mono WAV file at the model's rate, streaming: the
/// input is read (speech::AudioReader, resampled to the model's rate) and enhanced in segments of `segmentSeconds` that overlap by
/// `overlapSeconds` (cross-faded with sin² ramps, as the chunks inside enhance()), and written as
/// it goes (speech::WavWriter), so memory stays bounded by a few segments whatever the length.
/// A file no longer than one segment is exactly enhance(loadAudio(in)). Segment j draws its noise
/// from seed + 1 000 003·j. The output appears only when complete (a failure or cancel leaves no
/// partial file and an earlier file intact). Progress: one report per network batch of chunks
/// (message "seconds": step = seconds of audio done, total = the header's duration).
/// Errors: those of AudioReader::open/read, enhance() and WavWriter; out == in is refused.
Result<EnhanceFileResult> enhanceFile(const EnhanceParams& p, const std::string& in, const std::string& out,
                                      const JobContext& ctx, double segmentSeconds = 30.0, double overlapSeconds = 1.0);



/// Name and parameter count of a model folder or checkpoint (reads the card, loads the weights).
struct EnhancerInfo {
    std::string name;
    std::int64_t parameters = 0;
    int cropFrames = 64; ///< the training crop
    /// The default chunk length (EnhanceParams::chunkFrames): the card's "chunk_frames" (a
    /// multiple of 64), else the training crop. A fully convolutional model may do better with
    /// more context than it was trained on (docs/methods.md, "Chunk length").
    int chunkFrames = 64;
    bool dereverberates = false; ///< trained with task labels (EnhanceParams::task "dereverberate")
    int sampleRate = 16000;      ///< the rate the model works at (a checkpoint's "sr")
    bool published = false;      ///< a published checkpoint (not a studio model folder)
    bool predictive = false;     ///< a predictive (mask) model: sampler "predictive" only
    double strength = 1;         ///< the card's default EnhanceParams::strength
    StrengthCurve strengthCurve; ///< the card's "strength_by_coherence" (empty: the fixed strength)
    /// What was read, a few lines (a checkpoint: architecture, container, weights, parameters,
    /// STFT and SDE settings, notes); for a folder, its card's name and size.
    std::string summary;
};
Result<EnhancerInfo> enhancerInfo(const std::string& modelDir);

/// The score model's error against the noise level, a diagnostic for the samplers. For each time
/// t, x_t = α(t) x₀ + (1 − α(t)) y + σ(t) z is drawn (the OUVE marginal) from the first chunk
/// (the model's crop) of each clean/noisy pair, in SGMSE+'s representation and normalisation;
/// the mean squared error per real channel against x₀ of the model's data estimate D(x_t, t) is
/// set against two baselines: the state itself (identity) and the noisy spectrogram y.
struct DenoiserErrorRow {
    double t = 0, sigma = 0, alpha = 0;
    double mseModel = 0, mseIdentity = 0, mseNoisy = 0;
};
/// Errors: those of loading the model; a predictive model (it has no noise level); empty pairs.
Result<std::vector<DenoiserErrorRow>> denoiserErrorBySigma(
    const std::string& modelDir, const std::vector<std::pair<std::vector<float>, std::vector<float>>>& cleanNoisy,
    const std::vector<double>& times, std::uint64_t seed, const JobContext& ctx);

} // namespace reverie::speech
