#include "models/published/daclip_unet.h"

#include <torch/nn/functional/activation.h>

#include <ATen/ATen.h>

#include <cmath>
#include <stdexcept>

namespace F = torch::nn::functional;

namespace reverie::models::published {

// ---- CrossAttention -------------------------------------------------------------------------

CrossAttentionImpl::CrossAttentionImpl(int queryDim, int contextDim_, int heads_, int dimHead_)
    : heads(heads_), dimHead(dimHead_), contextDim(contextDim_) {
    const int inner = heads * dimHead;
    to_q = register_module("to_q", torch::nn::Linear(torch::nn::LinearOptions(queryDim, inner).bias(false)));
    to_k = register_module("to_k", torch::nn::Linear(torch::nn::LinearOptions(contextDim, inner).bias(false)));
    to_v = register_module("to_v", torch::nn::Linear(torch::nn::LinearOptions(contextDim, inner).bias(false)));
    Slots toOut;
    out = toOut->add("0", torch::nn::Linear(inner, queryDim));
    register_module("to_out", toOut);
}

torch::Tensor CrossAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& contextIn) {
    const auto& context = contextIn.defined() ? contextIn : x;
    if (context.size(-1) != contextDim)
        throw std::invalid_argument("DA-CLIP UNet: the attention context has width " + std::to_string(context.size(-1)) +
                                    ", the network expects " + std::to_string(contextDim));
    const auto B = x.size(0), N = x.size(1), M = context.size(1);
    // 'b n (h d) -> (b h) n d'
    auto split = [&](const torch::Tensor& t, std::int64_t n) {
        return t.reshape({B, n, heads, dimHead}).permute({0, 2, 1, 3}).reshape({B * heads, n, dimHead});
    };
    const auto q = split(to_q(x), N);
    const auto k = split(to_k(context), M);
    const auto v = split(to_v(context), M);
    auto sim = torch::bmm(q, k.transpose(1, 2)) * std::pow(static_cast<double>(dimHead), -0.5);
    sim = torch::softmax(sim, -1);
    auto o = torch::bmm(sim, v); // [(b h), n, d]
    o = o.reshape({B, heads, N, dimHead}).permute({0, 2, 1, 3}).reshape({B, N, heads * dimHead});
    return out(o); // to_out.1 is Dropout (no-op)
}

// ---- FeedForward (GEGLU) --------------------------------------------------------------------

GegluFeedForwardImpl::GegluFeedForwardImpl(int dim) {
    const int inner = 4 * dim;
    Slots net;
    Slots geglu;
    proj = geglu->add("proj", torch::nn::Linear(dim, 2 * inner));
    net->add("0", geglu);
    out = net->add("2", torch::nn::Linear(inner, dim)); // net.1 is Dropout
    register_module("net", net);
}

torch::Tensor GegluFeedForwardImpl::forward(const torch::Tensor& x) {
    const auto parts = proj(x).chunk(2, -1);
    return out(parts[0] * F::gelu(parts[1])); // exact (erf) GELU
}

// ---- BasicTransformerBlock ------------------------------------------------------------------

BasicTransformerBlockImpl::BasicTransformerBlockImpl(int dim, int heads, int dimHead, int contextDim) {
    attn1 = register_module("attn1", CrossAttention(dim, dim, heads, dimHead));
    ff = register_module("ff", GegluFeedForward(dim));
    attn2 = register_module("attn2", CrossAttention(dim, contextDim, heads, dimHead));
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    norm3 = register_module("norm3", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
}

torch::Tensor BasicTransformerBlockImpl::forward(const torch::Tensor& xIn, const torch::Tensor& context) {
    auto x = attn1(norm1(xIn)) + xIn;
    x = attn2(norm2(x), context) + x;
    return ff(norm3(x)) + x;
}

// ---- SpatialTransformer ---------------------------------------------------------------------

SpatialTransformerImpl::SpatialTransformerImpl(int channels, int heads, int dimHead, int contextDim)
    : m_contextDim(contextDim), m_inner(heads * dimHead) {
    if (heads < 1) throw std::invalid_argument("DA-CLIP UNet: a SpatialTransformer needs at least 32 channels");
    if (channels % 32)
        throw std::invalid_argument("DA-CLIP UNet: SpatialTransformer widths must be multiples of 32 (GroupNorm(32)), not " +
                                    std::to_string(channels));
    norm = register_module("norm", torch::nn::GroupNorm(torch::nn::GroupNormOptions(32, channels).eps(1e-6)));
    proj_in = register_module("proj_in", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, m_inner, 1)));
    transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    transformer_blocks->push_back(BasicTransformerBlock(m_inner, heads, dimHead, contextDim));
    proj_out = register_module("proj_out", torch::nn::Conv2d(torch::nn::Conv2dOptions(m_inner, channels, 1)));
}

torch::Tensor SpatialTransformerImpl::forward(const torch::Tensor& xIn, const torch::Tensor& context) {
    const auto B = xIn.size(0), H = xIn.size(2), W = xIn.size(3);
    auto x = proj_in(norm(xIn));
    x = x.flatten(2).transpose(1, 2); // 'b c h w -> b (h w) c'
    for (const auto& blk : *transformer_blocks) x = blk->as<BasicTransformerBlockImpl>()->forward(x, context);
    x = x.transpose(1, 2).reshape({B, m_inner, H, W});
    return proj_out(x) + xIn;
}

} // namespace reverie::models::published
