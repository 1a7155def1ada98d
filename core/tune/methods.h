#pragma once
// Fine-tuning methods behind one interface, applied to the DiT denoiser (models/dit.h):
//
//   full        every weight trains; plain backpropagation stores every activation.
//   checkpoint  full fine-tuning with gradient checkpointing: the blocks run in ⌈√depth⌉ segments
//               whose inner activations are dropped in the forward pass and recomputed from the
//               segment's input in the backward pass (Chen et al., 2016).
//   adapter     the pretrained weights are frozen; bottleneck adapters beside each attention and
//               MLP sub-layer (parallel adapters) train. Activations are still stored.
//   lora        frozen weights; rank-r updates of the attention projections (Hu et al., 2021).
//   meft1/2/3   MEFT (Liao, Tan & Monz, NeurIPS 2023): the block input h is duplicated into two
//               streams (h¹₀ = h²₀ = h) and every block becomes the reversible coupling
//                   y¹ = λ·x¹ + F(x²),     y² = β·x² + G(y¹)                      (MEFT eq. 3)
//               with the inverse x² = (y² − G(y¹))/β, x¹ = (y¹ − F(x²))/λ. The variants:
//                   MEFT1  F = block (+ adapter beside its MLP), G = adapter,   λ = 0.1, β = 1
//                   MEFT2  F = adapter, G = block (+ adapter beside its MLP),   λ = 1,   β = 0.1
//                   MEFT3  F = attention + adapter, G = MLP + adapter,          λ = β = 0.1
//               MEFT1 and MEFT2 swap the streams after each block (output [y², y¹]); MEFT3 does
//               not. The network's output is the mean of the two streams. Backpropagation keeps
//               only the last block's output and recomputes each block's input from its output
//               (the inverse above) while it goes down (a custom autograd Function), so activation
//               memory does not grow with the number of reversible blocks. Dropout in the adapters
//               draws its mask from a per-call seed that the recomputation replays.
//
// What the starting point is: the adapters' up-projections start at zero, so F or G is exactly
// the pretrained sub-layer or exactly zero. In the limit of the small factor(s) → 0 (λ for MEFT1,
// β for MEFT2, both for MEFT3) MEFT3's output is the pretrained network's; MEFT1's and MEFT2's
// is the mean of the pretrained last two block outputs, (h_{N−1} + h_N)/2, because one stream
// lags the other by one block. At the published factors the output differs from the pretrained
// one by O(λ) (docs/methods.md, "Memory-efficient fine-tuning"; tst_finetune measures both).
//
// Thread rules: a TunedDiT is used by one thread at a time (the engine thread).
// Failure: configuration errors are returned by validate(); forward() throws only on shapes.

#include "models/dit.h"

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace reverie::tune {

enum class Method { Full, Checkpoint, Adapter, LoRA, Meft1, Meft2, Meft3 };

/// What the parameter-efficient methods do with the adaLN modulation layers (every block's and
/// the final layer's map c ↦ shift, scale, gate), the only place where the class and the noise
/// level reach the tokens: keep them frozen, train their biases (as DiffFit does), train a
/// rank-r LoRA update of each (r = loraRank), or train them whole. Ignored by full/checkpoint.
enum class Modulation { Frozen, Bias, LoRA, Full };
std::string modulationId(Modulation m);
std::optional<Modulation> modulationFromId(const std::string& id);
/// "unknown modulation '<id>' (known: frozen, bias, lora, full)".
std::string unknownModulation(const std::string& id);

std::string methodId(Method m);
std::optional<Method> methodFromId(const std::string& id);
std::vector<Method> allMethods();
bool isMeft(Method m);

struct MethodConfig {
    Method method = Method::Full;
    int bottleneck = 16;           ///< adapter width (adapter, MEFT)
    int loraRank = 8;
    double loraAlpha = 16;
    double dropout = 0;            ///< inside the adapters
    double lambda = NAN, beta = NAN; ///< MEFT scaling factors; NaN: the paper's value for the variant
    int reversibleBlocks = -1;     ///< MEFT: only the lower k blocks reversible (−1: all)
    int segments = 0;              ///< checkpoint: segments (0: round(√depth))
    Modulation modulation = Modulation::Frozen; ///< adapter, LoRA, MEFT
    /// MEFT: false runs the same coupled network with plain backpropagation (stores activations);
    /// the reference that the reversible gradients are checked against.
    bool reversibleBackprop = true;

    /// An empty string when the configuration can be applied to a network of `depth` blocks.
    std::string validate(int depth) const;
    double lambdaOrDefault() const;
    double betaOrDefault() const;
};

class TunedDiTImpl : public torch::nn::Module {
public:
    /// Takes the pretrained network (its weights are shared, not copied), adds what the method
    /// needs and sets requires_grad: everything for full/checkpoint; otherwise the new modules and
    /// the class embedding (so a class unseen in pretraining can be learnt).
    TunedDiTImpl(models::DiT base, MethodConfig config, std::uint64_t seed = 0);

    at::Tensor forward(const at::Tensor& x, const at::Tensor& noise, const at::Tensor& labels);

    /// Restarts the stream of per-call dropout seeds (a training task calls it before every step
    /// with a seed drawn from its checkpointed generator, so a resumed run replays the masks).
    void reseed(std::uint64_t seed) { m_seedState = seed * 0x9E3779B97F4A7C15ULL + 1; }

    std::vector<at::Tensor> trainableParameters() const;
    std::int64_t trainableCount() const;
    const MethodConfig& config() const { return m_config; }
    models::DiT base() const { return m_base; }
    double lambda() const { return m_lambda; }
    double beta() const { return m_beta; }

    // The reversible coupling on its own (MEFT only), for the inversion checks: s = [B, N, 2D].
    at::Tensor coupledForward(const at::Tensor& s, const at::Tensor& c, int begin, int end);
    at::Tensor coupledInverse(const at::Tensor& s, const at::Tensor& c, int begin, int end);

    // Used by the custom autograd Functions (methods.cpp).
    at::Tensor couple(int block, const at::Tensor& s, const at::Tensor& c, bool drawSeeds);
    at::Tensor runBlock(int block, const at::Tensor& h, const at::Tensor& c, bool drawSeeds);
    at::Tensor applyF(int block, const at::Tensor& x, const at::Tensor& c);
    at::Tensor applyG(int block, const at::Tensor& x, const at::Tensor& c);
    void seedF(int block);
    void seedG(int block);
    bool swaps() const { return m_config.method == Method::Meft1 || m_config.method == Method::Meft2; }

private:
    std::uint64_t nextSeed();
    void seedAdapters(int block, std::uint64_t seed);

    models::DiT m_base;
    MethodConfig m_config;
    double m_lambda = 1, m_beta = 1;
    std::vector<models::Adapter> m_revAdapters; ///< MEFT1's G, MEFT2's F
    std::vector<std::uint64_t> m_seedsF, m_seedsG;
    std::uint64_t m_seedState;
};
TORCH_MODULE(TunedDiT);

} // namespace reverie::tune
