#pragma once
// Corrective unlearning (REFERENCE §8; Goel et al.'s poison setup) on the shipped classifier's
// architecture and recipe: a BadNets-style patch trigger (a bright square in the bottom-right
// corner) stamped on a share of the Fashion-MNIST training images, which are relabelled to one
// class; a classifier trained on that poisoned set learns the backdoor. Then only a fraction of the
// poisoned samples is "identified", and the bench compares
//   - Selective Synaptic Dampening (erase/ssd.h) with the identified samples as the forget set, and
//   - retraining from scratch without the identified samples (the exact-unlearning reference),
// for each identified fraction, by accuracy on clean test images and on triggered test images
// (true labels; images of the target class left out) and by the attack success rate (the share of
// triggered images classified as the target class). The shipped (clean) classifier is measured on
// the same images as the reference row.
//
// Thread rules: run on the engine thread. Failure: a missing dataset, bad settings → InvalidInput;
// cancel → Cancelled.

#include "jobs/job.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::erase {

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
    // SSD
    double alpha = 10, lambda = 1;
    int retainSamples = 2000;            ///< samples of the training set for I_D (batches of one)
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
    double seconds = 0;        ///< the method's own time (SSD: both Fishers and the dampening)
};

struct CorrectiveReport {
    std::vector<CorrectiveRow> rows;
    std::int64_t poisoned = 0; ///< training images poisoned
    std::string table;         ///< human-readable
    std::string json;          ///< one line
};

Result<CorrectiveReport> runCorrectiveBench(const CorrectiveParams& p, const JobContext& ctx);

} // namespace reverie::erase
