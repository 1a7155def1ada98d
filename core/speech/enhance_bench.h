#pragma once
// `reverie-cli bench enhance`: the speech model against its inputs and the classical peers on
// held-out mixtures (speech/corpus.h, test split: the held-out speaker, the held-out part of the
// music). Torch-free header.
//
// Thread rules: run on the engine thread. Failure: no corpus, no model → InvalidInput; cancel →
// Cancelled (what was measured so far is lost; the bench is cheap to rerun with --quick).

#include "base/job.h"
#include "base/shard.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace reverie::speech {

struct EnhanceBenchSetting {
    std::string sampler;
    int nfe = 0; ///< 0: the sampler's default (ode-rk45: adaptive)
    /// pc and sgmse-pc (EnhanceParams): the corrector's snr, its steps per predictor step, and
    /// pc's final denoising step. The row's method names those that differ from the defaults.
    double snr = 0.5;
    int correctorSteps = 1;
    bool finalDenoise = false;
    std::string label() const;
};

struct EnhanceBenchParams {
    std::string modelDir;                   ///< "" → the model is skipped (peers only)
    std::string speechDir;                  ///< "" → defaultSpeechDir()
    std::string testSpeaker = "ru";
    bool quick = false;                     ///< 4 mixtures: the default sampler, MRS-SDE-2@10, PC@60, peers
    int samples = 100;                      ///< held-out mixtures (ignored with quick unless set > 0 by the caller)
    std::uint64_t seed = 2026;              ///< mixture seed of the test set
    std::int64_t length = 32512;            ///< samples per mixture (2.03 s)
    std::vector<EnhanceBenchSetting> settings; ///< empty → the full table (see enhance_bench.cpp)
    bool peers = true;
    std::string tempDir;                    ///< where the peers' files go ("" → the system's temporary folder)
    /// Held-out evaluation of the split corpus (docs/data.md): layout "split" takes the test
    /// split's speakers and noise sources (split = "val" for the validation split).
    std::string layout = "speakers";
    std::string split = "test";
    /// Non-empty: `samples` dry mixtures per SNR bucket (exact SNR), the families taken in turn
    /// from `families` (empty: every family the layout has: recorded or music, white, pink, brown,
    /// babble, slope, tonal, impulsive, hum), and results per bucket and per family beside the
    /// overall row.
    std::vector<double> snrBuckets;
    std::vector<std::string> families;
    /// With snrBuckets: the share (0–1) of each bucket's mixtures recorded in a simulated room that
    /// the target keeps (T60 0.2–1.0 s, spread over the mixtures; speech/corpus.h keepRoom), as
    /// real recordings are: group "room" beside "dry".
    double roomShare = 0;
    /// > 0: this many reverberant mixtures more (T60 0.2–1.0 s, no added noise), their own group.
    int reverberant = 0;
    /// EnhanceParams::task for the model rows; "row" (the default): the task each mixture poses,
    /// "dereverberate" for the reverberant group when the model was trained for it, else "denoise".
    std::string task = "row";
    double strength = -1; ///< EnhanceParams::strength for the model rows (−1: the card's)
    /// EnhanceParams::chunkFrames and overlapFrames for the model rows (0 and −1: the defaults).
    int chunkFrames = 0;
    int overlapFrames = -1;
    /// EnhanceParams::strengthCurve for the model rows (empty: the card's, with strength −1).
    std::vector<std::pair<double, double>> strengthCurve;
    /// Non-empty: a strength sweep. Each model setting runs once at strength 1 and is scored at
    /// each of these strengths, y + s·(x̂ − y), a row per setting and strength ("<sampler> s=0.6";
    /// dereverberated mixtures keep x̂); the JSON then holds "per_mixture" (each mixture's groups,
    /// the first setting's removedCoherence, noiseFloorSnrDb and removedSnrDb (speech/enhance.h) as
    /// "coherence", "input_snr" and "removed_snr", and every method's scores) for fitting a strength curve
    /// (tools/fit_strength_curve.py).
    std::vector<double> strengths;
    /// > 0: the score model's error against the noise level (denoiserErrorBySigma) on the first
    /// crop of this many of the mixtures, at `errorTimes` (empty: 12 times from t_eps to 1).
    int errorPairs = 0;
    std::vector<double> errorTimes;
    /// Only the mixtures this shard owns (mixture i of the plan: i mod N = K − 1); the JSON is then
    /// the raw per-mixture scores for mergeEnhanceBench. Not with errorPairs.
    Shard shard;
};

struct EnhanceBenchRow {
    std::string method;     ///< "noisy", a sampler id or a peer name
    int nfe = 0;            ///< network evaluations per chunk (0 for the input and the peers)
    double siSdr = 0, estoi = 0;
    double siSdrGain = 0, estoiGain = 0; ///< over the noisy input
    double rtf = 0;         ///< wall time / audio duration
    int files = 0;          ///< mixtures scored
    std::string group;      ///< "" overall (dry mixtures); "snr 5", "family tonal", "reverberant"
};

struct EnhanceBenchErrorRow {
    double t = 0, sigma = 0;
    double mseModel = 0, mseIdentity = 0, mseNoisy = 0;
};

struct EnhanceBenchResult {
    std::vector<EnhanceBenchRow> rows;
    std::vector<EnhanceBenchErrorRow> errorBySigma; ///< with errorPairs > 0
    std::string table;      ///< human-readable
    std::string json;       ///< one line
    std::vector<std::string> notes;
};

/// For every sampler × NFE setting and every peer: mean SI-SDR and ESTOI of the output against the
/// clean speech, their gain over the noisy input, and the real-time factor (wall time / audio
/// duration). Peers, run as subprocesses on the same 16 kHz WAV files (skipped with a note when
/// the program is missing): `sox noisered` with a noise profile taken from the first 0.25 s of
/// each file (amount 0.3), ffmpeg's `afftdn` and `anlmdn` filters with their default settings;
/// their outputs are aligned with the input first (ffmpeg's filters delay by a few hundred samples).
Result<EnhanceBenchResult> runEnhanceBench(const EnhanceBenchParams& p, const JobContext& ctx);

/// The result one unsharded run would give, from the JSON of all N shards of one configuration
/// (any order): the mixtures' scores put together, seconds and audio summed for the real-time factor.
Result<EnhanceBenchResult> mergeEnhanceBench(std::vector<nlohmann::json> parts);

} // namespace reverie::speech
