#pragma once
// Simulated rooms for dereverberation: impulse responses of shoebox rooms by the image-source
// method (Allen & Berkley 1979) for the early reflections, continued by an exponentially decaying
// noise tail with the room's reverberation time (docs/methods.md, "Simulated rooms"), and their
// convolution with speech. Torch-free API.
//
// Thread rules: pure functions. Failure: none (arguments are clamped to their ranges).

#include <cstdint>
#include <vector>

namespace reverie::speech {

struct Room {
    double t60 = 0.5;                  ///< reverberation time, seconds (0.1..2)
    double size[3] = {6.0, 4.5, 3.0};  ///< metres
    double source[3] = {2.0, 1.5, 1.6};
    double mic[3] = {4.0, 3.0, 1.2};
};

/// A random room of reverberation time t60 (dimensions 3–10 × 3–8 × 2.5–4 m, source and
/// microphone at least 0.5 m from the walls and 1–3 m apart), drawn from seed.
Room randomRoom(double t60, std::uint64_t seed);

/// The room's impulse response at `rate` Hz, min(1.2·t60, 1.5) s long, normalised so that the
/// direct path arrives at sample 0 with amplitude 1 (the dry speech is the aligned target).
std::vector<float> roomImpulseResponse(const Room& room, int rate, std::uint64_t seed);

/// The reverberation time of an impulse response by Schroeder's backward integration: the time
/// the energy decay curve takes to fall 60 dB, extrapolated from its −5 to −25 dB slope.
double estimateT60(const std::vector<float>& h, int rate);

/// x convolved with h, truncated to x's length (FFT convolution).
std::vector<float> convolve(const std::vector<float>& x, const std::vector<float>& h);

} // namespace reverie::speech
