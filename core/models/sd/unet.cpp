#include "models/sd/unet.h"

#include "models/sd/files.h"
#include "models/published/load.h"

#include <ATen/ATen.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace reverie::models::sd {
namespace {

using Named = std::vector<std::pair<std::string, at::Tensor>>;
using Mod = std::shared_ptr<torch::nn::Module>;

bool startsWith(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

torch::nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t stride = 1) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2));
}
torch::nn::GroupNorm groupNorm(std::int64_t ch, double eps) {
    return torch::nn::GroupNorm(torch::nn::GroupNormOptions(32, ch).eps(eps));
}
Mod container() { return std::make_shared<torch::nn::Module>(); }

// Sinusoidal timestep embedding of latent diffusion: [cos(t·f), sin(t·f)], f_i = 10000^(−i/half).
at::Tensor timestepEmbedding(const at::Tensor& t, std::int64_t dim) {
    const std::int64_t half = dim / 2;
    const auto freqs = at::exp(-std::log(10000.0) * at::arange(half, t.options().dtype(at::kFloat)) / double(half));
    const auto args = t.to(at::kFloat).unsqueeze(1) * freqs.unsqueeze(0);
    auto e = at::cat({at::cos(args), at::sin(args)}, 1);
    if (dim % 2) e = at::cat({e, at::zeros_like(e.slice(1, 0, 1))}, 1);
    return e;
}

struct ResBlock : torch::nn::Module {
    torch::nn::GroupNorm inNorm{nullptr}, outNorm{nullptr};
    torch::nn::Conv2d inConv{nullptr}, outConv{nullptr}, skip{nullptr};
    torch::nn::Linear emb{nullptr};
    ResBlock(std::int64_t ch, std::int64_t embDim, std::int64_t out) {
        auto in = register_module("in_layers", container());
        inNorm = in->register_module("0", groupNorm(ch, 1e-5));
        inConv = in->register_module("2", conv(ch, out, 3));
        auto e = register_module("emb_layers", container());
        emb = e->register_module("1", torch::nn::Linear(embDim, out));
        auto o = register_module("out_layers", container());
        outNorm = o->register_module("0", groupNorm(out, 1e-5));
        outConv = o->register_module("3", conv(out, out, 3));
        if (out != ch) skip = register_module("skip_connection", conv(ch, out, 1));
    }
    at::Tensor forward(const at::Tensor& x, const at::Tensor& e) {
        auto h = inConv(at::silu(inNorm(x)));
        h = h + emb(at::silu(e)).unsqueeze(-1).unsqueeze(-1);
        h = outConv(at::silu(outNorm(h)));
        return (skip ? skip(x) : x) + h;
    }
};

struct Attention : torch::nn::Module {
    torch::nn::Linear q{nullptr}, k{nullptr}, v{nullptr}, out{nullptr};
    std::int64_t heads;
    Attention(std::int64_t dim, std::int64_t contextDim, std::int64_t heads_, std::int64_t headDim) : heads(heads_) {
        const auto inner = heads_ * headDim;
        q = register_module("to_q", torch::nn::Linear(torch::nn::LinearOptions(dim, inner).bias(false)));
        k = register_module("to_k", torch::nn::Linear(torch::nn::LinearOptions(contextDim, inner).bias(false)));
        v = register_module("to_v", torch::nn::Linear(torch::nn::LinearOptions(contextDim, inner).bias(false)));
        auto o = register_module("to_out", container());
        out = o->register_module("0", torch::nn::Linear(inner, dim));
    }
    at::Tensor forward(const at::Tensor& x, const at::Tensor& ctx) {
        const auto B = x.size(0), N = x.size(1);
        const auto qq = q(x), kk = k(ctx), vv = v(ctx);
        const auto d = qq.size(2) / heads;
        auto split = [&](const at::Tensor& t) { return t.view({B, t.size(1), heads, d}).transpose(1, 2); };
        const auto s = at::matmul(split(qq), split(kk).transpose(-1, -2)) * (1.0 / std::sqrt(double(d)));
        const auto o = at::matmul(at::softmax(s, -1), split(vv)).transpose(1, 2).reshape({B, N, heads * d});
        return out(o);
    }
};

struct TransformerBlock : torch::nn::Module {
    std::shared_ptr<Attention> attn1, attn2;
    torch::nn::Linear ffIn{nullptr}, ffOut{nullptr};
    torch::nn::LayerNorm n1{nullptr}, n2{nullptr}, n3{nullptr};
    TransformerBlock(std::int64_t dim, std::int64_t contextDim, std::int64_t heads, std::int64_t headDim) {
        attn1 = register_module("attn1", std::make_shared<Attention>(dim, dim, heads, headDim));
        auto ff = register_module("ff", container());
        auto net = ff->register_module("net", container());
        auto geglu = net->register_module("0", container());
        ffIn = geglu->register_module("proj", torch::nn::Linear(dim, 4 * dim * 2));
        ffOut = net->register_module("2", torch::nn::Linear(4 * dim, dim));
        attn2 = register_module("attn2", std::make_shared<Attention>(dim, contextDim, heads, headDim));
        n1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
        n2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
        n3 = register_module("norm3", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    }
    at::Tensor forward(at::Tensor x, const at::Tensor& ctx) {
        auto h = n1(x);
        x = attn1->forward(h, h) + x;
        x = attn2->forward(n2(x), ctx) + x;
        const auto ag = ffIn(n3(x)).chunk(2, -1);
        return ffOut(ag[0] * at::gelu(ag[1])) + x;
    }
};

struct SpatialTransformer : torch::nn::Module {
    torch::nn::GroupNorm norm{nullptr};
    torch::nn::Conv2d projIn{nullptr}, projOut{nullptr};
    std::vector<std::shared_ptr<TransformerBlock>> blocks;
    SpatialTransformer(std::int64_t ch, std::int64_t heads, std::int64_t headDim, std::int64_t depth, std::int64_t contextDim) {
        const auto inner = heads * headDim;
        norm = register_module("norm", groupNorm(ch, 1e-6));
        projIn = register_module("proj_in", conv(ch, inner, 1));
        auto list = register_module("transformer_blocks", container());
        for (std::int64_t i = 0; i < depth; ++i)
            blocks.push_back(list->register_module(std::to_string(i), std::make_shared<TransformerBlock>(inner, contextDim, heads, headDim)));
        projOut = register_module("proj_out", conv(inner, ch, 1));
    }
    at::Tensor forward(const at::Tensor& x, const at::Tensor& ctx) {
        const auto B = x.size(0), H = x.size(2), W = x.size(3);
        auto h = projIn(norm(x));
        const auto C = h.size(1);
        h = h.flatten(2).transpose(1, 2); // [B, HW, C]
        for (const auto& b : blocks) h = b->forward(h, ctx);
        h = h.transpose(1, 2).reshape({B, C, H, W});
        return projOut(h) + x;
    }
};

struct Downsample : torch::nn::Module {
    torch::nn::Conv2d op{nullptr};
    explicit Downsample(std::int64_t ch) { op = register_module("op", conv(ch, ch, 3, 2)); }
};
struct Upsample : torch::nn::Module {
    torch::nn::Conv2d c{nullptr};
    explicit Upsample(std::int64_t ch) { c = register_module("conv", conv(ch, ch, 3)); }
};

std::int64_t headsFor(const SdUNetConfig& c, std::int64_t ch, std::int64_t* headDim) {
    const std::int64_t heads = c.headChannels > 0 ? ch / c.headChannels : c.numHeads;
    *headDim = ch / heads;
    return heads;
}

} // namespace

// One TimestepEmbedSequential: its layers in order, each of one kind.
struct SdUNetImpl::Block : torch::nn::Module {
    std::vector<std::pair<char, Mod>> layers; // 'c' conv, 'r' res, 't' transformer, 'd' down, 'u' up
    void add(char kind, Mod m) { layers.emplace_back(kind, register_module(std::to_string(layers.size()), std::move(m))); }
    at::Tensor forward(at::Tensor h, const at::Tensor& emb, const at::Tensor& ctx) {
        for (auto& [kind, m] : layers) {
            switch (kind) {
            case 'c': h = m->as<torch::nn::Conv2d>()->forward(h); break;
            case 'r': h = std::static_pointer_cast<ResBlock>(m)->forward(h, emb); break;
            case 't': h = std::static_pointer_cast<SpatialTransformer>(m)->forward(h, ctx); break;
            case 'd': h = std::static_pointer_cast<Downsample>(m)->op(h); break;
            case 'u': {
                const auto up = h.repeat_interleave(2, 2).repeat_interleave(2, 3); // nearest ×2
                h = std::static_pointer_cast<Upsample>(m)->c(up);
                break;
            }
            default: break;
            }
        }
        return h;
    }
};

nlohmann::json SdUNetConfig::toJson() const {
    return {{"in_channels", inChannels},           {"out_channels", outChannels},
            {"model_channels", modelChannels},     {"channel_mult", channelMult},
            {"num_res_blocks", numResBlocks},      {"attention_resolutions", attentionResolutions},
            {"transformer_depth", transformerDepth}, {"context_dim", contextDim},
            {"num_heads", headChannels > 0 ? -1 : numHeads}, {"num_head_channels", headChannels > 0 ? headChannels : -1}};
}

SdUNetImpl::SdUNetImpl(SdUNetConfig c) : m_config(std::move(c)) {
    const auto& cfg = m_config;
    TORCH_CHECK(!cfg.channelMult.empty() && cfg.numResBlocks >= 1 && cfg.modelChannels % 32 == 0,
                "SD UNet: channel multipliers, at least one res block and channels a multiple of 32 are needed");
    const std::int64_t C = cfg.modelChannels, embDim = 4 * C;
    m_timeEmbed = register_module("time_embed", container());
    m_timeEmbed->register_module("0", torch::nn::Linear(C, embDim));
    m_timeEmbed->register_module("2", torch::nn::Linear(embDim, embDim));
    auto inputs = register_module("input_blocks", container());
    auto attentionAt = [&](std::int64_t ds) {
        return std::find(cfg.attentionResolutions.begin(), cfg.attentionResolutions.end(), ds) != cfg.attentionResolutions.end();
    };
    auto transformer = [&](std::int64_t ch) {
        std::int64_t hd = 0;
        const auto heads = headsFor(cfg, ch, &hd);
        TORCH_CHECK(heads >= 1 && heads * hd == ch, "SD UNet: ", ch, " channels do not split into the heads");
        return std::make_shared<SpatialTransformer>(ch, heads, hd, cfg.transformerDepth, cfg.contextDim);
    };
    auto newBlock = [&](std::vector<std::shared_ptr<Block>>& list, const Mod& parent) {
        auto b = std::make_shared<Block>();
        parent->register_module(std::to_string(list.size()), b);
        list.push_back(b);
        return b;
    };
    newBlock(m_input, inputs)->add('c', conv(cfg.inChannels, C, 3).ptr());
    std::vector<std::int64_t> skipCh{C};
    std::int64_t ch = C, ds = 1;
    const auto levels = std::int64_t(cfg.channelMult.size());
    for (std::int64_t level = 0; level < levels; ++level) {
        for (std::int64_t r = 0; r < cfg.numResBlocks; ++r) {
            auto b = newBlock(m_input, inputs);
            const auto out = cfg.channelMult[std::size_t(level)] * C;
            b->add('r', std::make_shared<ResBlock>(ch, embDim, out));
            ch = out;
            if (attentionAt(ds)) b->add('t', transformer(ch));
            skipCh.push_back(ch);
        }
        if (level != levels - 1) {
            newBlock(m_input, inputs)->add('d', std::make_shared<Downsample>(ch));
            skipCh.push_back(ch);
            ds *= 2;
        }
    }
    m_middle = register_module("middle_block", std::make_shared<Block>());
    m_middle->add('r', std::make_shared<ResBlock>(ch, embDim, ch));
    m_middle->add('t', transformer(ch));
    m_middle->add('r', std::make_shared<ResBlock>(ch, embDim, ch));
    auto outputs = register_module("output_blocks", container());
    for (std::int64_t level = levels - 1; level >= 0; --level) {
        for (std::int64_t r = 0; r <= cfg.numResBlocks; ++r) {
            auto b = newBlock(m_output, outputs);
            const auto skip = skipCh.back();
            skipCh.pop_back();
            const auto out = C * cfg.channelMult[std::size_t(level)];
            b->add('r', std::make_shared<ResBlock>(ch + skip, embDim, out));
            ch = out;
            if (attentionAt(ds)) b->add('t', transformer(ch));
            if (level > 0 && r == cfg.numResBlocks) {
                b->add('u', std::make_shared<Upsample>(ch));
                ds /= 2;
            }
        }
    }
    m_out = register_module("out", container());
    m_out->register_module("0", groupNorm(ch, 1e-5));
    m_out->register_module("2", conv(C, cfg.outChannels, 3));
}

std::int64_t SdUNetImpl::parameterCount() const {
    std::int64_t n = 0;
    for (const auto& p : parameters()) n += p.numel();
    return n;
}

std::vector<std::pair<std::string, at::Tensor>> crossAttentionKv(SdUNetImpl& unet) {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& item : unet.named_parameters(true)) {
        const std::string& k = item.key();
        if (k.find(".attn2.to_k.weight") != std::string::npos || k.find(".attn2.to_v.weight") != std::string::npos)
            out.emplace_back(k, item.value());
    }
    return out;
}

std::pair<double, double> kvFingerprint(const std::vector<std::pair<std::string, at::Tensor>>& kv) {
    double abs = 0, sq = 0;
    for (const auto& [name, w] : kv) {
        const at::Tensor d = w.detach().to(at::kDouble);
        abs += d.abs().sum().item<double>();
        sq += d.square().sum().item<double>();
    }
    return {abs, sq};
}

at::Tensor SdUNetImpl::forward(const at::Tensor& x, const at::Tensor& t, const at::Tensor& context) {
    const auto down = std::int64_t(1) << (m_config.channelMult.size() - 1);
    TORCH_CHECK(x.dim() == 4 && x.size(1) == m_config.inChannels, "SD UNet: x must be [B, ", m_config.inChannels, ", H, W]");
    TORCH_CHECK(x.size(2) % down == 0 && x.size(3) % down == 0, "SD UNet: height and width must be multiples of ", down);
    TORCH_CHECK(context.dim() == 3 && context.size(0) == x.size(0) && context.size(2) == m_config.contextDim,
                "SD UNet: context must be [B, L, ", m_config.contextDim, "]");
    TORCH_CHECK(t.dim() == 1 && t.size(0) == x.size(0), "SD UNet: one timestep per item");
    auto te = timestepEmbedding(t, m_config.modelChannels).to(x.scalar_type()); // the weights' dtype (bf16 too)
    auto lin0 = m_timeEmbed->named_children()["0"]->as<torch::nn::Linear>();
    auto lin2 = m_timeEmbed->named_children()["2"]->as<torch::nn::Linear>();
    const auto emb = lin2->forward(at::silu(lin0->forward(te)));
    std::vector<at::Tensor> hs;
    at::Tensor h = x;
    for (auto& b : m_input) {
        h = b->forward(h, emb, context);
        hs.push_back(h);
    }
    h = m_middle->forward(h, emb, context);
    for (auto& b : m_output) {
        h = b->forward(at::cat({h, hs.back()}, 1), emb, context);
        hs.pop_back();
    }
    auto gn = m_out->named_children()["0"]->as<torch::nn::GroupNorm>();
    auto oc = m_out->named_children()["2"]->as<torch::nn::Conv2d>();
    return oc->forward(at::silu(gn->forward(h)));
}

std::vector<std::pair<std::string, std::vector<std::int64_t>>> sdUNetShapes(const SdUNetConfig& c) {
    return published::parameterShapes(*SdUNet(c));
}

Result<LoadedSdUNet> sdUNetFromTensors(const Named& tensors, const SdUNetOptions& options) {
    using R = Result<LoadedSdUNet>;
    auto any = [&](const std::string& p) {
        return std::any_of(tensors.begin(), tensors.end(), [&](const auto& kv) { return startsWith(kv.first, p); });
    };
    if (any("conditioner.embedders.") || any("model.diffusion_model.label_emb."))
        return R::invalid("this is an SDXL checkpoint (label_emb / conditioner keys): its UNet is not supported; "
                          "Stable Diffusion 1.x files are");
    LoadedSdUNet out;
    std::map<std::string, at::Tensor> byName;
    for (const std::string prefix : {"model.diffusion_model.", ""}) {
        if (!any(prefix + "input_blocks.0.0.weight")) continue;
        out.prefix = prefix;
        for (const auto& [k, v] : tensors)
            if (startsWith(k, prefix)) {
                const auto rest = k.substr(prefix.size());
                if (startsWith(rest, "input_blocks.") || startsWith(rest, "middle_block.") || startsWith(rest, "output_blocks.") ||
                    startsWith(rest, "time_embed.") || startsWith(rest, "out."))
                    byName[rest] = v;
            }
        break;
    }
    if (byName.empty()) {
        std::string why = "no Stable Diffusion UNet in the file (no *input_blocks.0.0.weight)";
        if (any("down_blocks.") && any("up_blocks.")) why += "; it looks like a diffusers UNet, whose layout is not read";
        return R::invalid(why);
    }
    auto shape = [&](const std::string& k) -> std::vector<std::int64_t> {
        const auto it = byName.find(k);
        return it == byName.end() ? std::vector<std::int64_t>{} : it->second.sizes().vec();
    };
    SdUNetConfig c;
    const auto first = shape("input_blocks.0.0.weight");
    const auto last = shape("out.2.weight");
    if (first.size() != 4 || last.size() != 4) return R::invalid("the UNet's first or last convolution is missing or mis-shaped");
    c.modelChannels = first[0];
    c.inChannels = first[1];
    c.outChannels = last[0];
    // Input blocks: 1 + levels·resBlocks + (levels − 1) downsamplers.
    std::int64_t nInput = 0, nDown = 0;
    while (byName.count("input_blocks." + std::to_string(nInput) + ".0.weight") ||
           byName.count("input_blocks." + std::to_string(nInput) + ".0.in_layers.0.weight") ||
           byName.count("input_blocks." + std::to_string(nInput) + ".0.op.weight")) {
        if (byName.count("input_blocks." + std::to_string(nInput) + ".0.op.weight")) ++nDown;
        ++nInput;
    }
    const std::int64_t levels = nDown + 1;
    if ((nInput - levels) % levels != 0 || nInput <= levels)
        return R::invalid("the UNet's input blocks (" + std::to_string(nInput) + ") do not form levels of equal depth");
    c.numResBlocks = (nInput - levels) / levels;
    c.channelMult.clear();
    c.attentionResolutions.clear();
    for (std::int64_t level = 0, ds = 1; level < levels; ++level, ds *= 2) {
        const auto idx = "input_blocks." + std::to_string(1 + level * (c.numResBlocks + 1));
        const auto w = shape(idx + ".0.out_layers.3.weight");
        if (w.size() != 4 || w[0] % c.modelChannels != 0) return R::invalid("the UNet's " + idx + " res block is missing or mis-shaped");
        c.channelMult.push_back(w[0] / c.modelChannels);
        if (byName.count(idx + ".1.proj_in.weight")) c.attentionResolutions.push_back(ds);
    }
    c.transformerDepth = 0;
    while (byName.count("middle_block.1.transformer_blocks." + std::to_string(c.transformerDepth) + ".attn1.to_q.weight"))
        ++c.transformerDepth;
    const auto k2 = shape("middle_block.1.transformer_blocks.0.attn2.to_k.weight");
    if (c.transformerDepth < 1 || k2.size() != 2)
        return R::invalid("the UNet's middle block has no cross-attention transformer (is this a latent-diffusion text-to-image UNet?)");
    c.contextDim = k2[1];
    if (options.headChannels) c.headChannels = *options.headChannels;
    if (options.numHeads) c.numHeads = *options.numHeads;
    const auto anyTensor = byName.begin()->second;
    out.storedDtype = std::string(c10::toString(anyTensor.scalar_type()));
    try {
        out.model = SdUNet(c);
    } catch (const std::exception& e) {
        return R::invalid(std::string("the UNet's configuration cannot be built: ") + e.what());
    }
    published::NamedTensorList list;
    for (auto& [k, v] : byName) list.emplace_back(k, v.to(at::kFloat));
    auto loaded = published::loadNamedTensors(*out.model, list, "Stable Diffusion UNet");
    if (!loaded) return loaded.error();
    out.model->eval();
    out.parameters = out.model->parameterCount();
    return out;
}

Result<LoadedSdUNet> loadSdUNet(const std::string& path, const SdUNetOptions& options) {
    auto file = readSdFile(path);
    if (!file) return file.error();
    auto r = sdUNetFromTensors(file.value().tensors, options);
    if (!r) return Error{r.error().kind, path + ": " + r.error().message};
    return r;
}

} // namespace reverie::models::sd
