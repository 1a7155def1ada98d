#pragma once
// Continual learning on Split Fashion-MNIST (5 tasks of 2 classes: {T-shirt, trouser}, {pullover,
// dress}, {coat, sandal}, {shirt, sneaker}, {bag, ankle boot}) with the shipped classifier's
// architecture (models/classifier.h, trained from scratch), and refresh learning (Wang et al.,
// ICLR 2024, "A Unified and General Framework for Continual Learning") on top of each base method:
//   finetune  plain SGD on each task in turn (the lower bound)
//   ewc       online EWC (Schwarz et al. 2018): λ Σ F (θ − θ*)², F accumulated with decay γ
//   er        experience replay: a reservoir buffer, a replayed minibatch's CE added
//   derpp     DER++ (Buzzega et al. 2020): α ‖z(x_b) − z_b‖² on stored logits + β CE on buffer labels
// Refresh (after each learning step, on the same batch): one gradient-ascent step on a copy,
// Δ = θ_copy − θ, rescaled per tensor to ‖θ‖ (Δ̂ = ‖θ‖ Δ / ‖Δ‖), then θ ← θ + δ (1 + c F)⁻¹ ⊙
// (Δ̂ + s z), z ~ N(0, I), with F the Fisher (p-weighted squared per-example gradients, accumulated
// at the end of each task with decay τ); then the next step relearns. Defaults are the paper's
// code's (δ = 1e-5, c = 1e-3, s = 1e-3, ascent step 0.01, τ = 1e-5). docs/methods.md,
// "Continual learning with refresh".
//
// Metrics as the paper reports them: the accuracy matrix R[i][j] (after training task i, on task
// j's test images), class-incremental (argmax over all 10 classes) and task-incremental (argmax
// over the task's 2 classes); average accuracy = mean_j R[T−1][j]; forgetting = mean over
// j < T−1 of max_{i<T−1} R[i][j] − R[T−1][j].
//
// Thread rules: the engine thread. Failure: errors as values; cancel between steps.

#include "base/job.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace reverie::tune {

struct ContinualParams {
    std::string dataDir; ///< Fashion-MNIST ("" → data::defaultFashionMnistDir())
    std::vector<std::string> methods = {"finetune", "ewc", "er", "derpp"};
    std::vector<bool> refresh = {false, true}; ///< each method without and with refresh
    int tasks = 5;                             ///< the first `tasks` of the five splits
    int stepsPerTask = 300;
    int batch = 32;
    double lr = 0.03;       ///< SGD
    int testPerTask = 1000; ///< test images per task (of 2000)
    int bufferSize = 200;   ///< er, derpp
    /// λ chosen on seeds 0–1 (60 steps per task) for the proximal step; docs/methods.md.
    double ewcLambda = 1000.0, ewcGamma = 1.0;
    /// EWC's penalty stepped implicitly (proximal): stable for any λ. The plain SGD step on
    /// λ Σ F (θ − θ*)² (false) diverges once 2·lr·λ·F > 2 for some weight: at λ = 10 already on
    /// most seeds (docs/methods.md).
    bool ewcProximal = true;
    double derAlpha = 0.3, derBeta = 0.5; ///< DER++ (α on stored logits, β on buffer labels)
    int fisherSamples = 200; ///< per-example gradients at the end of each task
    double refreshDelta = 1e-5, refreshC = 1e-3, refreshNoise = 1e-3, refreshAscentLr = 0.01,
           refreshTau = 1e-5;
    std::uint64_t seed = 0;
    /// runContinualBench only: repeats with seeds seed, seed + 1, …, seed + seeds − 1 (the model's
    /// initialisation, the batches, the buffer) and reports mean ± sample std over them, as the
    /// paper does (5 seeds).
    int seeds = 1;
};

struct ContinualRun {
    std::string method;
    bool refresh = false;
    std::vector<std::vector<double>> classIl, taskIl; ///< R[i][j] (i: after task i, j: task j)
    double averageClassIl = 0, forgettingClassIl = 0, averageTaskIl = 0, forgettingTaskIl = 0;
    double seconds = 0;
    /// Where the loss stopped being finite ("task 2, step 5"; empty: it never did). Learning stops
    /// there and the rows after it record what the diverged network answers.
    std::string diverged;
};

/// Average accuracy and forgetting of an accuracy matrix (rows: after each task).
double averageAccuracy(const std::vector<std::vector<double>>& r);
double forgetting(const std::vector<std::vector<double>>& r);

/// Runs every method × refresh setting; one Progress per finished task i (step i + 1; message
/// "<method>[+refresh] task i"; values: class_il and task_il, the mean accuracy over the tasks so
/// far, and class_il_<j>, task_il_<j>, the row R[i][j] for j ≤ i).
Result<std::vector<ContinualRun>> runContinual(const ContinualParams& p, const JobContext& ctx);

/// `reverie-cli bench continual`: runContinual plus a table and one JSON line; with seeds > 1 the
/// figures are mean ± std over the seeds (each row's JSON also lists the per-seed values).
struct ContinualReport {
    std::vector<ContinualRun> runs; ///< the first seed's runs
    /// Per run (runs' order): mean and sample std over the seeds of class-IL average, class-IL
    /// forgetting, task-IL average, task-IL forgetting (std 0 for one seed).
    std::vector<std::array<double, 4>> mean, std;
    std::vector<int> divergedSeeds; ///< per run: how many seeds' runs diverged
    std::string json, table;
};
Result<ContinualReport> runContinualBench(const ContinualParams& p, const JobContext& ctx);

} // namespace reverie::tune
