#pragma once
// The corrective-unlearning bench (Goel et al. 2024's poison setup) on the shipped classifier's
// architecture and recipe: a classifier trained on Fashion-MNIST with a patch-triggered, relabelled
// share learns the backdoor; for each identified fraction of the poison, Selective Synaptic
// Dampening (unlearn/ssd.h) is compared with retraining without the identified samples, by clean
// and triggered accuracy and attack success (docs/methods.md, "Corrective unlearning").
//
// Thread rules: run on the engine thread. Failure: a missing dataset, bad settings → InvalidInput;
// cancel → Cancelled.

#include "base/job.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::unlearn {

struct CorrectiveParams {
    std::string dataDir;                 ///< "" → data::defaultFashionMnistDir()
    std::string shippedClassifierDir;    ///< "" → the reference row is skipped
    int targetClass = 0;                 ///< the poison's label (0: T-shirt/top)
    double poisonShare = 0.02;           ///< share of the training images poisoned
    int patch = 3;                       ///< trigger side in pixels (bottom-right corner, value 255)
    std::vector<double> identified = {0.1, 0.5, 1.0}; ///< fractions of the poisoned samples known
    bool retrain = true;                 ///< also retrain without the identified samples
    // Training (each model from scratch; the shipped classifier's architecture and optimiser)
    std::int64_t trainImages = 60000;    ///< the first N training images
    int steps = 1200;
    int batch = 128;
    double lr = 2e-3;
    double weightDecay = 0.05;
    int warmup = 100;
    // SSD, as the reference computes it: I_D over the retain set (the training data minus the
    // identified samples), I_F over the identified samples, each the mean over minibatches of the
    // squared gradient of the minibatch's mean loss.
    double alpha = 10, lambda = 1;
    std::vector<int> ssdBatches = {512}; ///< minibatch sizes of the importances (one SSD row each)
    std::int64_t retainSamples = 0;      ///< cap on the retain set (0: all of it), drawn at random
    std::int64_t testImages = 10000;
    std::uint64_t seed = 11;
};

struct CorrectiveRow {
    std::string method;        ///< "shipped", "poisoned", "ssd", "retrain"
    double identified = 0;     ///< fraction of the poisoned samples known (ssd, retrain)
    double cleanAccuracy = 0;  ///< on the clean test images
    double triggeredAccuracy = 0; ///< on triggered test images (true labels, target class excluded)
    double attackSuccess = 0;  ///< share of the triggered images classified as the target class
    std::int64_t dampened = 0; ///< ssd: parameters scaled
    int ssdBatch = 0;          ///< ssd: the importances' minibatch size
    double seconds = 0;        ///< the method's own time (SSD: both Fishers and the dampening)
};

struct CorrectiveReport {
    std::vector<CorrectiveRow> rows;
    std::int64_t poisoned = 0; ///< training images poisoned
    std::string table;         ///< human-readable
    std::string json;          ///< one line
};

/// Triggered accuracy uses true labels with the target class left out; attack success is the share
/// of triggered images classified as the target class. The shipped (clean) classifier is measured
/// on the same images as the reference row.
Result<CorrectiveReport> runCorrectiveBench(const CorrectiveParams& p, const JobContext& ctx);

} // namespace reverie::unlearn
