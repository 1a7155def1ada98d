#pragma once
// enhance() with the noise handed in, for tests that replay another implementation's noise
// (tests/core/tst_published.cpp runs SGMSE+'s own enhance() on the same checkpoint and noise).
// Not for the GUI or the CLI (this header includes LibTorch through the engine).

#include "engine/solvers/common.h"
#include "speech/enhance.h"

namespace reverie::speech::detail {

/// enhance(p, noisy, ctx), except that when `noise` is given, the prior draw and every sampler
/// step of every chunk draw from it in order (chunk after chunk) instead of from p.seed.
Result<EnhanceResult> enhanceWithNoise(const EnhanceParams& p, const Audio& noisy, const JobContext& ctx,
                                       solvers::NoiseSource* noise);

} // namespace reverie::speech::detail
