#pragma once
// The μ-conditioned residual denoisers that Reverie ships (the image restorers, kind "restorer",
// and the speech enhancer, kind "enhancer"): one loader for their model folders and one adapter
// that serves them to the mean-reverting SDEs (IR-SDE, OUVE).
//
// Such a model E is trained (train/trainer.h) as an EDM denoiser of the residual y₀ = x₀ − μ given
// μ; as a σ-denoiser of x it is D(x̃; σ̃, μ) = μ + E(x̃ − μ; σ̃, μ) (residualDenoiser), which
// sde::denoiserFromSigma turns into a denoiser of any affine-Gaussian SDE that reverts to μ.
//
// Thread rules: call on the engine thread (LibTorch state). Loaded models are cached per folder
// and never destroyed (LibTorch modules must not be torn down by static destructors at exit).
// Failure: a missing folder or card, a card of another kind, an architecture that is not
// conditioned on μ (cond_channels != in_channels), unreadable weights → InvalidInput naming the
// folder.

#include "jobs/job.h"
#include "models/unet.h"
#include "sde/param.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace reverie::train {

struct ConditionedModel {
    models::EdmDenoiser model{nullptr}; ///< eval mode
    models::UNetConfig config;
    nlohmann::json card;
    std::int64_t parameters = 0;
};

/// Loads dir/weights.pt as described by dir/card.json, whose "kind" must be `kind`; `what` names
/// the model in messages ("a restoration model"); sigma_data defaults to defaultSigmaData.
Result<ConditionedModel> loadConditionedFolder(const std::string& dir, const std::string& kind,
                                               const std::string& what, double defaultSigmaData);

/// D(x̃; σ̃, μ) = μ + E(x̃ − μ; σ̃, μ): the residual denoiser as a σ-denoiser of x (float inside).
sde::SigmaDenoiser residualDenoiser(models::EdmDenoiser model);

} // namespace reverie::train
