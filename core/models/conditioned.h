#pragma once
// The μ-conditioned residual denoisers Reverie ships (image restorers, kind "restorer"; speech
// enhancers, kind "enhancer"): one loader for their model folders and one adapter that serves them
// to the mean-reverting SDEs (IR-SDE, OUVE). Such a model E denoises the residual y₀ = x₀ − μ given
// μ; as a σ-denoiser of x it is D(x̃; σ̃, μ) = μ + E(x̃ − μ; σ̃, μ) (docs/methods.md, "Residual
// denoisers").
//
// Thread rules: call on the engine thread. Loaded models are cached per folder and never destroyed
// (LibTorch modules must not be torn down by static destructors at exit).
// Failure: a missing folder or card, a card of another kind, an architecture not conditioned on μ
// (cond_channels must be in_channels, or in_channels + 1 for a noise map),
// unreadable weights → InvalidInput naming the folder.

#include "base/job.h"
#include "engine/sde/param.h"
#include "models/unet.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace reverie::models {

struct ConditionedModel {
    EdmDenoiser model{nullptr}; ///< eval mode
    UNetConfig config;
    nlohmann::json card;
    std::int64_t parameters = 0;
    /// cond_channels = in_channels + 1: the last condition channel is a noise map, a constant
    /// plane holding the noise level of μ (noiseMapLevel), as FFDNet feeds it (Zhang et al. 2018).
    bool noiseMap() const { return config.condChannels == config.inChannels + 1; }
};

/// The value a noise-map channel holds for noise of std σ on the 0..255 scale: the std on the
/// models' [−1, 1] scale in units of σ_data, 2σ/255/σ_data (≈ 0.6 at σ = 20 for σ_data 0.25).
double noiseMapLevel(double sigma255, double sigmaData);

/// Loads dir/weights.pt as described by dir/card.json, whose "kind" must be `kind`; `what` names
/// the model in messages; sigma_data defaults to defaultSigmaData.
Result<ConditionedModel> loadConditionedFolder(const std::string& dir, const std::string& kind,
                                               const std::string& what, double defaultSigmaData);

/// D(x̃; σ̃, μ) = μ + E(x̃ − μ; σ̃, μ): the residual denoiser as a σ-denoiser of x (float inside).
/// label ≥ 0: the class (task) label every item gets, for models with num_classes > 0.
/// noiseMap ≥ 0: a noise-map model's map value for every item (noiseMapLevel); < 0: no map.
sde::SigmaDenoiser residualDenoiser(EdmDenoiser model, std::int64_t label = -1, double noiseMap = -1);

} // namespace reverie::models
