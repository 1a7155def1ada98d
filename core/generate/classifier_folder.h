#pragma once
// Loading a classifier-shaped model folder (the shipped Fashion-MNIST classifier, whose
// penultimate features serve the Fréchet distance, or the noise-level estimator) for other parts
// of core: the restoration bench scores restored images in the same feature space as generation.
//
// Thread rules: call on the engine thread. Failure: a missing folder, a card of another kind, a
// mismatched architecture or unreadable weights → InvalidInput naming the folder.

#include "jobs/job.h"
#include "models/classifier.h"

#include <string>

namespace reverie::generate {

/// The folder's model in eval mode; kind: "classifier" or "noise-level" (checked against the card).
Result<models::Classifier> loadClassifierFolder(const std::string& dir, const std::string& kind = "classifier");

} // namespace reverie::generate
