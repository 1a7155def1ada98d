#include "models/unet.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/dropout.h>
#include <torch/nn/functional/upsampling.h>

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

namespace F = torch::nn::functional;

namespace reverie::models {

// ---- config ---------------------------------------------------------------------------------

std::string UNetConfig::fromJson(const nlohmann::json& j, UNetConfig* out) {
    static const std::set<std::string> known = {"in_channels", "cond_channels", "out_channels", "base_channels",
                                                "channel_mult", "res_blocks", "attn_resolutions", "image_size",
                                                "embedding", "emb_dim", "num_classes", "context_dim", "dropout",
                                                "groups"};
    if (!j.is_object()) return "the network config must be a JSON object";
    for (const auto& [key, _] : j.items())
        if (!known.count(key)) return "unknown network key '" + key + "'";
    UNetConfig c;
    try {
        c.inChannels = j.value("in_channels", c.inChannels);
        c.condChannels = j.value("cond_channels", c.condChannels);
        c.outChannels = j.value("out_channels", c.outChannels);
        c.baseChannels = j.value("base_channels", c.baseChannels);
        c.channelMult = j.value("channel_mult", c.channelMult);
        c.resBlocks = j.value("res_blocks", c.resBlocks);
        c.attnResolutions = j.value("attn_resolutions", c.attnResolutions);
        c.imageSize = j.value("image_size", c.imageSize);
        const std::string emb = j.value("embedding", std::string("fourier"));
        if (emb == "fourier") c.embedding = NoiseEmbedding::Fourier;
        else if (emb == "sinusoidal") c.embedding = NoiseEmbedding::Sinusoidal;
        else return "embedding must be 'fourier' or 'sinusoidal', not '" + emb + "'";
        c.embDim = j.value("emb_dim", c.embDim);
        c.numClasses = j.value("num_classes", c.numClasses);
        c.contextDim = j.value("context_dim", c.contextDim);
        c.dropout = j.value("dropout", c.dropout);
        c.groups = j.value("groups", c.groups);
    } catch (const nlohmann::json::exception& e) {
        return std::string("network config: ") + e.what();
    }
    if (c.inChannels < 1 || c.outChannels < 1 || c.condChannels < 0) return "channel counts must be positive";
    if (c.baseChannels < c.groups || c.baseChannels % c.groups) return "base_channels must be a multiple of groups";
    if (c.channelMult.empty()) return "channel_mult needs at least one level";
    if (c.resBlocks < 1) return "res_blocks must be at least 1";
    if (c.embDim < 4 || c.embDim % 2) return "emb_dim must be even and at least 4";
    if (c.dropout < 0 || c.dropout >= 1) return "dropout must be in [0, 1)";
    *out = c;
    return {};
}

nlohmann::json UNetConfig::toJson() const {
    return {{"in_channels", inChannels},   {"cond_channels", condChannels},
            {"out_channels", outChannels}, {"base_channels", baseChannels},
            {"channel_mult", channelMult}, {"res_blocks", resBlocks},
            {"attn_resolutions", attnResolutions}, {"image_size", imageSize},
            {"embedding", embedding == NoiseEmbedding::Fourier ? "fourier" : "sinusoidal"},
            {"emb_dim", embDim},           {"num_classes", numClasses},
            {"context_dim", contextDim},   {"dropout", dropout},
            {"groups", groups}};
}

// ---- blocks ---------------------------------------------------------------------------------

namespace {
torch::nn::GroupNorm groupNorm(int groups, int channels) {
    return torch::nn::GroupNorm(torch::nn::GroupNormOptions(std::min(groups, channels), channels));
}
torch::nn::Conv2d conv(int in, int out, int k, int stride = 1) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2));
}
} // namespace

ResBlockImpl::ResBlockImpl(int in, int out, int embDim, double dropout, int groups) : m_dropout(dropout) {
    m_norm1 = register_module("norm1", groupNorm(groups, in));
    m_conv1 = register_module("conv1", conv(in, out, 3));
    m_emb = register_module("emb", torch::nn::Linear(embDim, out));
    m_norm2 = register_module("norm2", groupNorm(groups, out));
    m_conv2 = register_module("conv2", conv(out, out, 3));
    // Zero-initialised last convolution: each block starts as the identity.
    torch::NoGradGuard g;
    m_conv2->weight.zero_();
    m_conv2->bias.zero_();
    if (in != out) m_skip = register_module("skip", conv(in, out, 1));
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& emb) {
    auto h = m_conv1(F::silu(m_norm1(x)));
    h = h + m_emb(emb).unsqueeze(-1).unsqueeze(-1);
    h = F::silu(m_norm2(h));
    if (m_dropout > 0) h = F::dropout(h, F::DropoutFuncOptions().p(m_dropout).training(is_training()));
    h = m_conv2(h);
    return (m_skip ? m_skip(x) : x) + h;
}

AttentionImpl::AttentionImpl(int channels, int contextDim, int groups, int heads)
    : m_heads(channels % heads == 0 ? heads : 1), m_cross(contextDim > 0) {
    m_norm = register_module("norm", groupNorm(groups, channels));
    const int kvIn = m_cross ? contextDim : channels;
    m_q = register_module("q", torch::nn::Linear(torch::nn::LinearOptions(channels, channels).bias(false)));
    m_k = register_module("k", torch::nn::Linear(torch::nn::LinearOptions(kvIn, channels).bias(false)));
    m_v = register_module("v", torch::nn::Linear(torch::nn::LinearOptions(kvIn, channels).bias(false)));
    m_out = register_module("out", torch::nn::Linear(channels, channels));
    torch::NoGradGuard g;
    m_out->weight.zero_();
    m_out->bias.zero_();
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor& mask) {
    const auto B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const auto tokens = m_norm(x).flatten(2).transpose(1, 2); // [B, HW, C]
    const auto kvIn = m_cross ? context : tokens;
    const auto d = C / m_heads;
    auto split = [&](const torch::Tensor& t) { return t.view({B, -1, m_heads, d}).transpose(1, 2); }; // [B,h,L,d]
    const auto q = split(m_q(tokens)), k = split(m_k(kvIn)), v = split(m_v(kvIn));
    auto scores = at::matmul(q, k.transpose(-1, -2)) / std::sqrt(double(d)); // [B,h,HW,L]
    if (m_cross && mask.defined())
        scores = scores.masked_fill(mask.logical_not().view({B, 1, 1, -1}), -1e9);
    const auto attn = at::softmax(scores, -1);
    const auto out = at::matmul(attn, v).transpose(1, 2).reshape({B, H * W, C});
    return x + m_out(out).transpose(1, 2).reshape({B, C, H, W});
}

// ---- U-Net ----------------------------------------------------------------------------------

UNetImpl::UNetImpl(UNetConfig config) : m_config(std::move(config)) {
    const auto& c = m_config;
    const int E = c.embDim;
    if (c.embedding == NoiseEmbedding::Fourier)
        m_fourierFreqs = register_buffer("fourier_freqs", at::randn({E / 2}) * 16.0);
    m_emb1 = register_module("emb1", torch::nn::Linear(E, 4 * E));
    m_emb2 = register_module("emb2", torch::nn::Linear(4 * E, 4 * E));
    if (c.numClasses > 0) m_classEmb = register_module("class_emb", torch::nn::Embedding(c.numClasses + 1, 4 * E));

    m_in = register_module("conv_in", conv(c.inChannels + c.condChannels, c.baseChannels, 3));
    std::vector<int> skipChannels{c.baseChannels};
    int ch = c.baseChannels;
    int res = c.imageSize;
    auto wantsAttn = [&](int r) {
        return std::find(c.attnResolutions.begin(), c.attnResolutions.end(), r) != c.attnResolutions.end();
    };
    const int levels = int(c.channelMult.size());
    for (int l = 0; l < levels; ++l) {
        const int out = c.baseChannels * c.channelMult[l];
        for (int b = 0; b < c.resBlocks; ++b) {
            const std::string n = std::to_string(l) + "_" + std::to_string(b);
            m_downRes.push_back(register_module("down_res_" + n, ResBlock(ch, out, 4 * E, c.dropout, c.groups)));
            ch = out;
            m_downAttn.push_back(wantsAttn(res) ? register_module("down_attn_" + n, Attention(ch, 0, c.groups))
                                                : Attention(nullptr));
            m_downCross.push_back(wantsAttn(res) && c.contextDim > 0
                                      ? register_module("down_cross_" + n, Attention(ch, c.contextDim, c.groups))
                                      : Attention(nullptr));
            skipChannels.push_back(ch);
        }
        if (l + 1 < levels) {
            m_downsample.push_back(register_module("down_" + std::to_string(l), conv(ch, ch, 3, 2)));
            skipChannels.push_back(ch);
            res = (res + 1) / 2;
        }
    }
    m_mid1 = register_module("mid1", ResBlock(ch, ch, 4 * E, c.dropout, c.groups));
    m_midAttn = register_module("mid_attn", Attention(ch, 0, c.groups));
    if (c.contextDim > 0) m_midCross = register_module("mid_cross", Attention(ch, c.contextDim, c.groups));
    m_mid2 = register_module("mid2", ResBlock(ch, ch, 4 * E, c.dropout, c.groups));
    for (int l = levels - 1; l >= 0; --l) {
        const int out = c.baseChannels * c.channelMult[l];
        for (int b = 0; b <= c.resBlocks; ++b) {
            const std::string n = std::to_string(l) + "_" + std::to_string(b);
            const int skip = skipChannels.back();
            skipChannels.pop_back();
            m_upRes.push_back(register_module("up_res_" + n, ResBlock(ch + skip, out, 4 * E, c.dropout, c.groups)));
            ch = out;
            m_upAttn.push_back(wantsAttn(res) ? register_module("up_attn_" + n, Attention(ch, 0, c.groups))
                                              : Attention(nullptr));
            m_upCross.push_back(wantsAttn(res) && c.contextDim > 0
                                    ? register_module("up_cross_" + n, Attention(ch, c.contextDim, c.groups))
                                    : Attention(nullptr));
        }
        if (l > 0) {
            m_upsample.push_back(register_module("up_" + std::to_string(l), conv(ch, ch, 3)));
            res *= 2;
        }
    }
    m_outNorm = register_module("out_norm", groupNorm(c.groups, ch));
    m_out = register_module("conv_out", conv(ch, c.outChannels, 3));
    torch::NoGradGuard g;
    m_out->weight.zero_();
    m_out->bias.zero_();
}

std::int64_t UNetImpl::parameterCount() const {
    std::int64_t n = 0;
    for (const auto& p : parameters()) n += p.numel();
    return n;
}

torch::Tensor UNetImpl::embed(const torch::Tensor& noise, const torch::Tensor& labels) {
    const int E = m_config.embDim;
    torch::Tensor e;
    const auto n = noise.to(at::kFloat).reshape({-1, 1});
    if (m_config.embedding == NoiseEmbedding::Fourier) {
        const auto arg = n * m_fourierFreqs.unsqueeze(0) * (2.0 * M_PI);
        e = at::cat({arg.cos(), arg.sin()}, 1);
    } else {
        const auto freqs = at::exp(at::arange(E / 2, n.options()) * (-std::log(10000.0) / (E / 2 - 1)));
        const auto arg = (n * 1000.0) * freqs.unsqueeze(0);
        e = at::cat({arg.sin(), arg.cos()}, 1);
    }
    e = m_emb2(F::silu(m_emb1(e)));
    if (m_classEmb) {
        const auto B = noise.numel();
        const auto lab = labels.defined() ? labels.to(at::kLong) : at::full({B}, m_config.numClasses, at::kLong);
        e = e + m_classEmb(lab.to(e.device()));
    }
    return F::silu(e);
}

torch::Tensor UNetImpl::forward(const torch::Tensor& x, const torch::Tensor& noise, const torch::Tensor& cond,
                                const torch::Tensor& labels, const torch::Tensor& context, const torch::Tensor& mask) {
    const auto& c = m_config;
    const auto emb = embed(noise.numel() == 1 ? noise.reshape({1}).expand({x.size(0)}) : noise, labels);
    auto h = m_in(c.condChannels > 0 ? at::cat({x, cond}, 1) : x);
    std::vector<torch::Tensor> skips{h};
    std::size_t blk = 0;
    const int levels = int(c.channelMult.size());
    for (int l = 0; l < levels; ++l) {
        for (int b = 0; b < c.resBlocks; ++b, ++blk) {
            h = m_downRes[blk](h, emb);
            if (m_downAttn[blk]) h = m_downAttn[blk](h);
            if (m_downCross[blk] && context.defined()) h = m_downCross[blk](h, context, mask);
            skips.push_back(h);
        }
        if (l + 1 < levels) {
            h = m_downsample[l](h);
            skips.push_back(h);
        }
    }
    h = m_mid1(h, emb);
    h = m_midAttn(h);
    if (m_midCross && context.defined()) h = m_midCross(h, context, mask);
    h = m_mid2(h, emb);
    blk = 0;
    std::size_t up = 0;
    for (int l = levels - 1; l >= 0; --l) {
        for (int b = 0; b <= c.resBlocks; ++b, ++blk) {
            h = m_upRes[blk](at::cat({h, skips.back()}, 1), emb);
            skips.pop_back();
            if (m_upAttn[blk]) h = m_upAttn[blk](h);
            if (m_upCross[blk] && context.defined()) h = m_upCross[blk](h, context, mask);
        }
        if (l > 0) {
            // Up-sample to the size of the skip it meets next (odd sizes such as 7 → 14 work).
            const auto& target = skips.back();
            h = F::interpolate(h, F::InterpolateFuncOptions()
                                      .size(std::vector<int64_t>{target.size(2), target.size(3)})
                                      .mode(torch::kNearest));
            h = m_upsample[up++](h);
        }
    }
    return m_out(F::silu(m_outNorm(h)));
}

// ---- EDM preconditioning --------------------------------------------------------------------

EdmDenoiserImpl::EdmDenoiserImpl(UNetConfig config, double sigmaData) : m_sigmaData(sigmaData) {
    m_net = register_module("net", UNet(std::move(config)));
}

torch::Tensor EdmDenoiserImpl::forward(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& cond,
                                       const torch::Tensor& labels, const torch::Tensor& context,
                                       const torch::Tensor& mask) {
    const auto B = x.size(0);
    auto s = sigma.to(x.options()).reshape({-1});
    if (s.numel() == 1) s = s.expand({B});
    const auto s4 = s.view({B, 1, 1, 1});
    const double sd2 = m_sigmaData * m_sigmaData;
    const auto cSkip = sd2 / (s4 * s4 + sd2);
    const auto cOut = s4 * m_sigmaData / (s4 * s4 + sd2).sqrt();
    const auto cIn = 1.0 / (s4 * s4 + sd2).sqrt();
    const auto cNoise = s.log() / 4.0;
    const auto F_x = m_net(x * cIn, cNoise, cond, labels, context, mask);
    return cSkip * x + cOut * F_x;
}

} // namespace reverie::models
