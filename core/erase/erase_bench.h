#pragma once
// `reverie-cli bench erase`: every erasure method (uce, rece, esd, spm, spm-ft, sld) on the shipped
// text-conditional model (models/textmodel.h), scored with the shipped classifier. Torch-free header.
//
// Thread rules: engine thread. Failure: no model, no classifier → InvalidInput; cancel →
// Cancelled.

#include "base/job.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::erase {

struct EraseBenchParams {
    std::string modelDir;       ///< the text-conditional model folder
    std::string classifierDir;  ///< the shipped classifier
    std::string dataDir;        ///< Fashion-MNIST ("" → default), for the gradient attack
    bool quick = false;         ///< one concept, uce + rece + sld, 8 samples per prompt, 6 steps
    int samples = 100;          ///< per prompt
    int steps = 8;              ///< sampler steps (DPM-Solver++(2M), NFE = steps, ×2 with CFG)
    double guidance = 3.0;
    std::vector<std::vector<int>> conceptSets; ///< empty → {{7}, {7, 8}, {7, 8, 9}}
    std::vector<std::string> methods;          ///< empty → all; multi-concept sets: uce, rece, spm-ft
    int attackSamples = 100;
    int attackSteps = 60;
    int esdSteps = 200, spmSteps = 200;
    double spmAnchorWeight = -1;  ///< < 0: SPM's default (erase/finetune.h FinetuneParams::anchorWeight)
    bool attacks = true;
    bool samplerAttack = true; ///< also the attack through the whole sampling run (concepts.h)
    std::uint64_t seed = 2026;
    /// RECE's acceptance rule: samples per prompt of its validation (seeds apart from the bench's).
    int receValidationSamples = 32;
};

struct EraseBenchRow {
    std::string concepts;        ///< "Sneaker" or "Sneaker+Bag"
    std::string method;          ///< "original" or a method id
    double erasedRate = 0;       ///< on the erase-synonym prompts
    double heldOutRate = 0;      ///< on the held-out-synonym prompts
    double otherAccuracy = 0;
    double fd = 0;
    double closedFormAttack = -1; ///< −1: not applicable
    double gradientAttack = -1;
    double samplerAttack = -1;   ///< −1: not run (--no-sampler-attack or not applicable)
    double seconds = 0;          ///< the edit (training) time
    std::int64_t bytes = 0;      ///< the artefacts' size
};

struct EraseBenchResult {
    std::vector<EraseBenchRow> rows;
    std::string table;
    std::string json;
    std::vector<std::string> notes;
};

/// For each erased concept set E (default: Sneaker alone, then Sneaker + Bag, then Sneaker + Bag +
/// Ankle boot) and each method, one row (the original model's rates first):
///   erased rate     share of the samples of E's prompts still recognised as their class, on
///                   a prompt with a synonym the eraser used ("erase") and on held-out synonyms
///                   ("held-out": two when the concept is erased alone, one per concept in a
///                   multi-concept set)
///   other accuracy  share of the samples of the other classes' prompts recognised as their class
///   FD              Fréchet distance (classifier features) between those unrelated samples and
///                   the original model's samples of the same prompts and seeds
///   attacks         closed-form (RECE's derivation) and gradient (embedding search on real
///                   training images of the class) attack success: share of the attack's samples
///                   recognised as the class (the first concept of E)
///   time, memory    the edit's wall time and the artefact's size in bytes
/// Methods: uce, rece, esd, spm (facilitated transport off: every membrane at γ = 1), spm-ft (γ
/// per prompt), sld (inference-time; no artefact; attacks not applicable). Samples are drawn with
/// the same seeds for every method, prompt by prompt (a membrane's γ depends on the prompt).
Result<EraseBenchResult> runEraseBench(const EraseBenchParams& p, const JobContext& ctx);

} // namespace reverie::erase
