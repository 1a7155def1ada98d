#pragma once
// Sampling from the built-in generator: the Generate workbench's and `reverie-cli generate` /
// `bench generate`'s one entry point. Torch-free API (ImageU8 out, never a tensor). One
// class-conditional σ-denoiser (models/unet.h) is served to VE, VP and sub-VP by exact rescaling,
// with classifier-free guidance (docs/methods.md, "The SDE family", "Classifier-free guidance").
//
// Thread rules: run on the engine thread (sets InferenceMode for its own duration); checks the
// cancel token before every network evaluation; reports a preview (x_t | x̂_0 grids) per step.
// Failure: errors as values (validate() refuses bad settings before any work).

#include "base/job.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::generate {

/// One sampler of the engine, as offered to users.
struct SamplerInfo {
    std::string id;          ///< "em", "pc", "ode-euler", "ode-heun", "ode-rk45", "ddim", "dpmpp-2m",
                             ///< "dpmpp-2m-sde", "edm-heun", "edm-sde", "dlg"
    std::string label;       ///< "Euler–Maruyama (reverse SDE)"
    bool stochastic = false;
    bool adaptive = false;   ///< NFE is chosen by the solver (RK45): the NFE setting maps to a tolerance
    std::string nfeRule;     ///< "NFE = N", "NFE = 2N − 1", …
};
const std::vector<SamplerInfo>& samplers();
/// Steps that make the sampler spend at most `nfe` evaluations (at least 1 step).
int stepsForNfe(const std::string& sampler, int nfe);

struct GenerateParams {
    std::string modelDir;        ///< folder with weights.pt and card.json (see zoo.h)
    std::string sde = "vp";      ///< "ve", "vp", "subvp"
    std::string sampler = "dpmpp-2m";
    int nfe = 20;                ///< evaluation budget; steps = stepsForNfe (RK45: tolerance = rk45Tolerance)
    /// D = D_∅ + w (D_c − D_∅); w ∉ {0, 1} evaluates both halves in one batched pass, one NFE.
    double guidance = 1.0;       ///< classifier-free guidance weight w (0 = unconditional)
    int label = -1;              ///< class of every item; -1: item i gets class i mod 10
    std::uint64_t seed = 0;      ///< item i uses seed + i (same item whatever the batch)
    int batch = 16;
    double eta = 0.0;            ///< DDIM η (0: deterministic DDIM, 1: ancestral)
    double churn = 10.0;         ///< EDM stochastic S_churn
    double rk45Tolerance = 1e-3; ///< rtol = atol for RK45
    bool previews = true;        ///< report x_t / x̂_0 previews per step
    std::string noiseEstimator = "net"; ///< DLG's σ estimator: "net" (shipped model) or "haar" (classical)
    /// DLG: persistent chains (at most this many, fewer when the budget needs more rounds); each
    /// yields one sample per round, item i comes from chain i mod chains and carries its class.
    int dlgChains = 10;
    /// DLG's Langevin step in data units (the paper's 0.8 for data in [0, 1] is 3.2 for [−1, 1]).
    double dlgEta = 3.2;
    /// Guidance by a differentiable objective: when ≥ 0, each item's start noise x_T is optimised
    /// before the final run so that its sample is classified as this class by the classifier in
    /// classifierDir. Each iteration takes the gradient of −log p(class | sample) through the
    /// whole sampling run (engine/grad/samplergrad.h, so the sampler must be rev-heun or
    /// rev-heun-sde) and moves x_T by guideStep·√D along the item's normalised gradient, then
    /// back onto x_T's original norm (it stays a typical Gaussian draw). docs/methods.md,
    /// "Gradients through the sampler".
    int guideClass = -1;
    int guideIterations = 8;
    double guideStep = 0.3;
    std::string guideStrategy = "reversible"; ///< backprop, checkpoint, reversible or adjoint
    std::string classifierDir;
};

/// Fails early (InvalidInput) for an unknown sampler/SDE or settings out of range.
Result<bool> validate(const GenerateParams& p);

struct GenerateResult {
    ImageU8 grid;                ///< the samples tiled (ceil(sqrt(B)) per row), grey
    std::vector<ImageU8> items;  ///< each sample, 28×28 grey
    std::vector<int> labels;     ///< the class asked for per item (-1 unconditional)
    std::int64_t nfe = 0;
    int steps = 0;
    double seconds = 0;
    /// Network evaluations per returned sample, everything counted (DLG: its burn-in amortised
    /// over the chain's rounds); for the other samplers equal to nfe.
    double nfePerSample = 0;
    std::string detail;          ///< DLG: chains, rounds, the split of a round, η and the chains' σ̃
    /// Guidance (guideClass ≥ 0): the classifier's mean p(class | sample) before the first
    /// iteration and after each (guideIterations + 1 values), and the NFE the gradients cost.
    std::vector<double> guideProbability;
    std::int64_t guideNfe = 0;
};
Result<GenerateResult> runGenerate(const GenerateParams& p, const JobContext& ctx);

/// Tiles images of one size into a grid with a 2-pixel gap (grey 32).
ImageU8 tile(const std::vector<ImageU8>& items, int columns);

// ---- Evaluation with the shipped classifier ----

struct EvalSet {
    std::string classifierDir;   ///< folder with the classifier's weights.pt and card.json
    std::string dataDir;         ///< Fashion-MNIST folder ("" = default)
};

/// FD of a set of 28×28 grey samples against the 10k test images in the classifier's penultimate
/// features, the share classified with confidence > 0.5 and the class histogram.
struct SampleScores {
    double fd = 0;
    double confident = 0;             ///< share with max softmax > 0.5
    double agreement = 0;             ///< share whose argmax equals the requested label (labels ≥ 0)
    std::vector<std::int64_t> histogram; ///< argmax counts per class
};
Result<SampleScores> scoreSamples(const EvalSet& e, const std::vector<ImageU8>& items, const std::vector<int>& labels,
                                  const JobContext& ctx);

/// Sweep: samplers × NFE values, `samples` images each (class i mod 10, seeds seed + i), scored by
/// FD. Reports one Progress per finished point with message = sampler id and values
/// {"nfe", "fd", "seconds", "peak_mib", "confident"}, and a preview of the point's first 16 samples.
struct SweepParams {
    GenerateParams base;
    std::vector<std::string> samplerIds;
    std::vector<int> nfes;
    int samples = 64;
    EvalSet eval;
};
struct SweepPoint {
    std::string sampler;
    int nfeBudget = 0;
    std::int64_t nfe = 0;        ///< per sample, rounded (GenerateResult::nfePerSample)
    double fd = 0, confident = 0, seconds = 0, peakMiB = 0;
};
Result<std::vector<SweepPoint>> runSweep(const SweepParams& p, const JobContext& ctx);

/// bits/dim of the first `count` test images through the PF-ODE (VP SDE, adaptive RK45 with
/// rtol = atol = tolerance, or Heun with `steps` uniform steps when steps > 0; Rademacher trace,
/// uniform dequantisation, the unconditional model). Progress per evaluation.
struct LikelihoodParams {
    std::string modelDir;
    std::string dataDir;
    std::string sde = "vp";
    int count = 16;
    int steps = 0;
    double tolerance = 1e-3;
    int batch = 16;
    std::uint64_t seed = 0;
};
struct LikelihoodResult {
    double bpd = 0, bpdStdErr = 0;
    std::int64_t nfe = 0;   ///< of the last batch (each image of a batch shares its solver's steps)
    int images = 0;
    double seconds = 0;
};
Result<LikelihoodResult> runLikelihood(const LikelihoodParams& p, const JobContext& ctx);

/// How well DLG's noise-level estimators recover σ from x₀ + σz on test images: the median of
/// |log σ̂ − log σ| per σ, for the shipped network ("net") and the classical Haar estimator.
struct NoiseLevelPoint {
    double sigma = 0;
    double netError = 0;   ///< median |log σ̂ − log σ|, shipped network
    double haarError = 0;  ///< the same for the classical estimator
};
Result<std::vector<NoiseLevelPoint>> evaluateNoiseLevel(const std::vector<double>& sigmas, int images,
                                                        std::uint64_t seed = 0, const std::string& dataDir = "");

/// `reverie-cli bench generate`: FD per sampler at ≈10/20/50 NFE (+ EM at 200), confidence,
/// class histogram, real-vs-real floors (test halves; N training images), bits/dim; VP SDE,
/// guidance 1, item i asks for class i mod 10. quick: 3 samplers × {10, 20} NFE, 32 samples, bits/dim of 2 images.
struct BenchParams {
    std::string modelDir, classifierDir, dataDir;
    bool quick = false;
    int samples = 0;    ///< 0 → 200 (quick: 32)
    std::uint64_t seed = 0;
    std::vector<std::string> samplers; ///< only these rows of the plan (empty: all)
};
struct BenchReport {
    std::string json;   ///< one line
    std::string table;  ///< human-readable
};
Result<BenchReport> runBench(const BenchParams& p, const JobContext& ctx);

} // namespace reverie::generate
