#pragma once
// SPM (Lyu et al. 2024; docs/methods.md, "SPM"): rank-r "membranes" on linear layers,
// y = W x + m·γ·U(D x), and facilitated transport, the per-prompt permeability γ of each membrane,
// applied once (the official code scales both factors by γ, i.e. γ²).
//
// Thread rules: a membrane is a torch::nn module: use it on the engine thread. Failure: the
// free functions never throw; degenerate inputs (a zero embedding, a concept without tokens)
// contribute 0 to γ.

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

namespace reverie::erase {

/// Lower-case words of a prompt (letters and digits; everything else separates): the token sets
/// of facilitated transport when no model tokenizer is at hand.
std::vector<std::string> splitWords(const std::string& prompt);

/// |tokens(p) ∩ tokens(c)| / |tokens(c)| over distinct tokens; 0 when the concept has none.
double tokenOverlap(const std::vector<std::string>& promptTokens, const std::vector<std::string>& conceptTokens);

/// Cosine similarity of two embeddings of equal size ([d], or [T, d] mean-pooled over T first);
/// 0 when either is zero, undefined or the sizes differ.
double embeddingCosine(const at::Tensor& prompt, const at::Tensor& conceptEmb);

/// The permeability γ ∈ [0, 1] of the membrane of concept c for prompt p:
/// γ = clamp(max(cos(E(p), E(c)), |tokens(p) ∩ tokens(c)| / |tokens(c)|), 0, 1).
double permeability(const at::Tensor& promptEmbedding, const at::Tensor& conceptEmbedding,
                    const std::vector<std::string>& promptTokens, const std::vector<std::string>& conceptTokens);

/// A membrane around an existing linear layer: y = base(x) + m·γ·U(D x). The base layer is
/// shared, not copied and not registered as a sub-module, so parameters() holds only D [r, in]
/// (Kaiming-uniform) and U [out, r] (zeros): what SPM trains and stores. With m = 0 or γ = 0
/// (per sample, too) the output is the base layer's, bit for bit.
class MembraneLinearImpl : public torch::nn::Module {
public:
    explicit MembraneLinearImpl(torch::nn::Linear base, int rank = 1);
    /// x: [..., in] → [..., out].
    at::Tensor forward(const at::Tensor& x);

    /// The membrane's weight m (the concept library's slider; 0 = off).
    void setScale(double m) { m_scale = m; }
    double scale() const { return m_scale; }
    /// One γ for the whole batch.
    void setPermeability(double gamma);
    /// One γ per sample (x's leading dimension), [B]; undefined: back to the scalar.
    void setPermeability(const at::Tensor& perSample);
    double permeability() const { return m_gamma; }

    torch::nn::Linear base() const { return m_base; }
    at::Tensor& down() { return m_down; }
    at::Tensor& up() { return m_up; }

private:
    torch::nn::Linear m_base{nullptr};
    at::Tensor m_down, m_up;
    double m_scale = 1.0;
    double m_gamma = 1.0;
    at::Tensor m_gammaBatch;
};
TORCH_MODULE(MembraneLinear);

} // namespace reverie::erase
