#pragma once
// What generate.cpp, evaluate.cpp and bench.cpp share inside the generation domain: loading,
// sampling in chunks, previews, the noise-level estimators and the classifier-feature reference of
// the Fréchet distance. Not part of the domain's API (generate.h is).
//
// Thread rules: the engine thread. Failure: errors as values.

#include "generate/generate.h"
#include "engine/sde/param.h"
#include "engine/sde/sde.h"
#include "engine/solvers/dlg.h"
#include "metrics/metrics.h"
#include "models/classifier.h"
#include "models/unet.h"

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

namespace reverie::generate::detail {

inline constexpr int kClasses = 10;

Result<models::EdmDenoiser> loadGenerator(const std::string& dir);
Result<models::Classifier> loadClassifierDir(const std::string& dir, const std::string& kind = "classifier");
/// "ve", "vp" or "subvp" → the SDE; nullptr for another id.
std::unique_ptr<sde::Sde> makeSde(const std::string& id);
/// The class-conditional σ-denoiser with classifier-free guidance weight w (numClasses = null).
sde::SigmaDenoiser guided(models::EdmDenoiser model, at::Tensor labels, int nullClass, double w);
std::vector<ImageU8> toImages(const at::Tensor& x);
int gridColumns(int n);
/// The previews' x_t | x̂_0 strip of the first maxItems items.
ImageU8 previewImage(const sde::Sde& s, double t, const at::Tensor& x, const at::Tensor* x0, int maxItems);
/// DLG's noise-level estimators: the shipped network, and the classical Haar-HH one.
Result<solvers::NoiseLevelEstimator> netEstimator(double sigmaMin, double sigmaMax);
solvers::NoiseLevelEstimator hhEstimator(double sigmaMin, double sigmaMax);
at::Tensor labelTensor(const std::vector<int>& labels, int nullClass);
/// One engine sampler by its id (samplers(); not "dlg", which needs a burn-in) from xT, with the
/// settings the ids leave open. spacing applies to "ddim" and the "dpmpp-" ids.
struct SamplerSettings {
    std::string id;
    double eta = 0.0;
    double churn = 10.0;
    double rk45Tolerance = 1e-3;
    solvers::Spacing spacing = solvers::Spacing::LogSnr;
};
Result<solvers::SampleOutput> runSampler(const SamplerSettings& ss, const sde::Sde& s, const sde::Denoiser& den,
                                         const at::Tensor& xT, const solvers::CommonOptions& common,
                                         const JobContext& ctx);
/// Guidance by the classifier's log-probability (GenerateParams::guideClass).
struct NoiseGuide {
    models::Classifier classifier{nullptr};
    int target = 0;
    /// −Σ_items log p(target | x) (x clamped to [−1, 1]); differentiable.
    at::Tensor loss(const at::Tensor& x) const;
    /// The mean p(target | x) over the batch.
    double meanProbability(const at::Tensor& x) const;
};
Result<NoiseGuide> makeNoiseGuide(const GenerateParams& p);
/// Optimises xT over p.guideIterations gradients through the whole run (steps reversible-Heun
/// steps, Brownian path from seed); appends the mean p(target) before each iteration to
/// r.guideProbability, adds the NFE to r.guideNfe and reports one Progress per iteration
/// (message "guide", values p_class and loss).
Result<at::Tensor> guideNoise(const NoiseGuide& g, const GenerateParams& p, const sde::Sde& s,
                              const sde::Denoiser& den, at::Tensor xT, int steps, std::uint64_t seed,
                              GenerateResult& r, const JobContext& ctx);
/// Samples items first..first+count−1 (item i from seed + i) in one batch.
Result<GenerateResult> sampleBatch(const GenerateParams& p, const models::EdmDenoiser& model, const sde::Sde& s,
                                   int first, int count, const JobContext& ctx, bool previews, int totalItems);
/// Samples `samples` items in chunks of p.batch.
Result<GenerateResult> sampleMany(const GenerateParams& base, const models::EdmDenoiser& model, const sde::Sde& s,
                                  int samples, const JobContext& ctx, bool previews, bool reportChunks);
std::string fmt(double v, int prec = 2);
/// RK45's tolerance for an NFE budget (the sweep's and the bench's rule).
double rk45ToleranceFor(int nfe);

/// The shipped classifier and the test set's feature Gaussian, loaded once per (classifier, data).
struct Reference {
    std::string key;
    models::Classifier classifier{nullptr};
    metrics::Gaussian test;  ///< all 10k test images
    at::Tensor testFeatures; ///< [10000, F]
    at::Tensor testImages;   ///< uint8
};
Result<std::shared_ptr<Reference>> reference(const EvalSet& e);
at::Tensor fromImages(const std::vector<ImageU8>& items);
Result<SampleScores> scoreTensor(Reference& ref, const at::Tensor& bytes, const std::vector<int>& labels);

} // namespace reverie::generate::detail
