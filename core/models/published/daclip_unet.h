#pragma once
// DA-CLIP's restoration UNet (Algolzw/daclip-uir, universal-image-restoration/config/daclip-sde/
// models/modules/DenoisingUNet_arch.py, class ConditionalUNet) — the IR-SDE ConditionalUNet family
// with two extra inputs. The network class itself is ConditionalUNet in irsde_unet.h
// (ConditionalUNetConfig::daclip(...)); this header holds the DA-CLIP-only blocks and helpers.
//
//   * Degradation prompt (use_degra_context): text_context [B, context_dim] →
//         t += prompt_mlp(softmax(text_mlp(text_context), dim=1) · prompt)
//     (keys prompt [1, 4nf], text_mlp.0, text_mlp.2, prompt_mlp).
//   * Image context (use_image_context): image_context [B, context_dim] is ONE cross-attention
//     token for the SpatialTransformers (levels ≥ 3 and the middle block; LinearAttention below).
//
// !! NOT IMPLEMENTED HERE: the DA-CLIP image encoder (open_clip ViT-B-32 plus DA-CLIP's
// !! controller, daclip_ViT-B-32.pt) that turns the low-quality image into the two context
// !! vectors. The caller must supply them: image_context and degra (text) context, each
// !! [B, 512] float32 for the published model, unnormalised, as
// !!     image_context, degra_context = clip_model.encode_image(lq_224, control=True)
// !! returns them (lq_224 = the LQ image resized to 224×224 and CLIP-normalised).
// !! With use_image_context the image context is required: upstream's fallback (self-attention
// !! through a context_dim-wide projection) fails for the published widths, and this port refuses
// !! it with a message. Without a text context the prompt branch is skipped, as upstream.
//
// Published config (options/test.yml): in_nc 3, out_nc 3, nf 64, ch_mult [1, 2, 4, 8],
// context_dim 512, use_degra_context true, use_image_context true; IR-SDE schedule with
// max_sigma 50, T 100, cosine, eps 0.005, posterior sampling; time passed as a float step 1..T.

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <string>

namespace reverie::models::published {

/// A parameterless container whose children have explicit names ("0", "1", "proj", …), so that
/// nn.Sequential indices of the upstream code appear in the parameter names.
class SlotsImpl : public torch::nn::Module {
public:
    template <typename M>
    M add(const std::string& name, M module) {
        return register_module(name, std::move(module));
    }
};
TORCH_MODULE(Slots);

/// Multi-head (cross-)attention over tokens: to_q, to_k, to_v without bias, to_out.0 with bias.
class CrossAttentionImpl : public torch::nn::Module {
public:
    CrossAttentionImpl(int queryDim, int contextDim, int heads, int dimHead);
    /// x: [B, N, queryDim]; context: [B, M, contextDim], or undefined for self-attention.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {});

    torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr}, out{nullptr};
    int heads, dimHead, contextDim;
};
TORCH_MODULE(CrossAttention);

/// FeedForward(dim, glu=True, mult=4): net.0 = GEGLU (proj: dim → 8·dim), net.2: 4·dim → dim.
class GegluFeedForwardImpl : public torch::nn::Module {
public:
    explicit GegluFeedForwardImpl(int dim);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Linear proj{nullptr}, out{nullptr};
};
TORCH_MODULE(GegluFeedForward);

/// attn1 (self), ff, attn2 (cross), norm1..3 — registered in upstream's order.
class BasicTransformerBlockImpl : public torch::nn::Module {
public:
    BasicTransformerBlockImpl(int dim, int heads, int dimHead, int contextDim);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);

    CrossAttention attn1{nullptr}, attn2{nullptr};
    GegluFeedForward ff{nullptr};
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
};
TORCH_MODULE(BasicTransformerBlock);

/// SpatialTransformer(C, heads, d_head 32, depth 1, context_dim): GroupNorm(32, eps 1e-6),
/// proj_in (1×1), one BasicTransformerBlock over the h·w tokens, proj_out (1×1), + input.
class SpatialTransformerImpl : public torch::nn::Module {
public:
    SpatialTransformerImpl(int channels, int heads, int dimHead, int contextDim);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);
    /// True when a missing context can fall back to self-attention (context_dim == inner width).
    bool acceptsSelfContext() const { return m_contextDim == m_inner; }

    torch::nn::GroupNorm norm{nullptr};
    torch::nn::Conv2d proj_in{nullptr}, proj_out{nullptr};
    torch::nn::ModuleList transformer_blocks{nullptr};

private:
    int m_contextDim, m_inner;
};
TORCH_MODULE(SpatialTransformer);

/// The DA-CLIP heads rule: num_heads = dim // 32 (upstream computes it for every level, so each
/// level width must be at least 32).
constexpr int kDaclipHeadChannels = 32;

} // namespace reverie::models::published
