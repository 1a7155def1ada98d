#include "models/published/irsde_unet.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/padding.h>
#include <torch/nn/functional/upsampling.h>

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

namespace F = torch::nn::functional;
using nlohmann::json;

namespace reverie::models::published {

// ---- config ---------------------------------------------------------------------------------

ConditionalUNetConfig ConditionalUNetConfig::irsde(int inNc, int outNc, int nf, int depth) {
    ConditionalUNetConfig c;
    c.family = UNetFamily::Irsde;
    c.inNc = inNc;
    c.outNc = outNc;
    c.nf = nf;
    c.chMult.clear();
    for (int i = 0; i < depth; ++i) c.chMult.push_back(1 << (i + 1));
    return c;
}

ConditionalUNetConfig ConditionalUNetConfig::daclip(int inNc, int outNc, int nf, std::vector<int> chMult, int contextDim,
                                                    bool useDegraContext, bool useImageContext) {
    ConditionalUNetConfig c;
    c.family = UNetFamily::Daclip;
    c.inNc = inNc;
    c.outNc = outNc;
    c.nf = nf;
    c.chMult = std::move(chMult);
    c.contextDim = contextDim;
    c.useDegraContext = useDegraContext;
    c.useImageContext = useImageContext;
    return c;
}

std::string ConditionalUNetConfig::validate() const {
    if (inNc < 1 || outNc < 1) return "ConditionalUNet: in_nc and out_nc must be positive";
    if (nf < 4 || nf % 2)
        return "ConditionalUNet: nf must be even and at least 4 (sinusoidal time embedding), not " + std::to_string(nf);
    if (chMult.empty()) return "ConditionalUNet: at least one level is needed";
    if (chMult.size() > 12) return "ConditionalUNet: too many levels";
    for (int m : chMult)
        if (m < 1) return "ConditionalUNet: every channel multiplier must be at least 1";
    if (contextDim < 0) return "ConditionalUNet: context_dim must not be negative";
    if (family == UNetFamily::Irsde && (contextDim > 0 || useDegraContext || useImageContext))
        return "ConditionalUNet: the IR-SDE network has no context inputs";
    if (family == UNetFamily::Daclip) {
        // Upstream computes dim_in // (dim_in // 32) at every level: widths below 32 cannot be built.
        std::vector<int> m = {1};
        m.insert(m.end(), chMult.begin(), chMult.end());
        for (int i = 0; i < depth(); ++i)
            if (nf * m[i] < kDaclipHeadChannels)
                return "DA-CLIP UNet: every level needs at least 32 channels (upstream's head rule), so nf must be at least 32";
        if (hasSpatialTransformers()) {
            for (int i = 3; i < depth(); ++i)
                if ((nf * m[i]) % 32 || (nf * m[i + 1]) % 32)
                    return "DA-CLIP UNet: SpatialTransformer widths must be multiples of 32";
            if ((nf * m.back()) % 32) return "DA-CLIP UNet: the middle width must be a multiple of 32";
        }
    }
    return {};
}

json ConditionalUNetConfig::toJson() const {
    if (family == UNetFamily::Irsde)
        return {{"in_nc", inNc}, {"out_nc", outNc}, {"nf", nf}, {"depth", depth()}};
    return {{"in_nc", inNc},
            {"out_nc", outNc},
            {"nf", nf},
            {"ch_mult", chMult},
            {"context_dim", contextDim},
            {"use_degra_context", useDegraContext},
            {"use_image_context", useImageContext}};
}

std::string ConditionalUNetConfig::fromJson(const json& j, ConditionalUNetConfig* out) {
    if (!j.is_object()) return "the ConditionalUNet config must be a JSON object";
    try {
        ConditionalUNetConfig c;
        if (j.contains("depth") && !j.contains("ch_mult")) {
            c = irsde(j.value("in_nc", 3), j.value("out_nc", 3), j.value("nf", 64), j.at("depth").get<int>());
        } else {
            int ctx = 512;
            if (j.contains("context_dim")) ctx = j.at("context_dim").is_null() ? 0 : j.at("context_dim").get<int>();
            if (ctx < 0) ctx = 0; // upstream: None → −1 = no contexts
            c = daclip(j.value("in_nc", 3), j.value("out_nc", 3), j.value("nf", 64),
                       j.value("ch_mult", std::vector<int>{1, 2, 4, 4}), ctx, j.value("use_degra_context", true),
                       j.value("use_image_context", false));
        }
        if (auto why = c.validate(); !why.empty()) return why;
        *out = c;
        return {};
    } catch (const json::exception& e) {
        return std::string("ConditionalUNet config: ") + e.what();
    }
}

std::string inferConditionalUNetConfig(const std::vector<std::pair<std::string, std::vector<std::int64_t>>>& shapes,
                                       ConditionalUNetConfig* out) {
    std::map<std::string, std::vector<std::int64_t>> byName(shapes.begin(), shapes.end());
    auto shapeOf = [&](const std::string& k) -> const std::vector<std::int64_t>* {
        auto it = byName.find(k);
        return it == byName.end() ? nullptr : &it->second;
    };
    const auto* init = shapeOf("init_conv.weight");
    const auto* fin = shapeOf("final_conv.weight");
    if (!init || init->size() != 4 || (*init)[1] % 2)
        return "ConditionalUNet: 'init_conv.weight' is missing or not [nf, 2·in_nc, 7, 7]";
    if (!fin || fin->size() != 4) return "ConditionalUNet: 'final_conv.weight' is missing or not [out_nc, nf, 3, 3]";
    const int nf = static_cast<int>((*init)[0]);
    const int inNc = static_cast<int>((*init)[1] / 2);
    const int outNc = static_cast<int>((*fin)[0]);
    std::set<int> levels;
    for (const auto& [k, _] : shapes) {
        if (k.rfind("downs.", 0) != 0) continue;
        const auto dot = k.find('.', 6);
        try {
            levels.insert(std::stoi(k.substr(6, dot - 6)));
        } catch (...) {
            return "ConditionalUNet: unexpected key '" + k + "'";
        }
    }
    const int depth = static_cast<int>(levels.size());
    if (depth == 0 || *levels.rbegin() != depth - 1) return "ConditionalUNet: the 'downs.<i>' levels are not 0..n−1";
    std::vector<int> chMult;
    for (int i = 0; i < depth; ++i) {
        const auto* w = shapeOf("downs." + std::to_string(i) + ".3.weight");
        if (!w || w->empty()) return "ConditionalUNet: 'downs." + std::to_string(i) + ".3.weight' is missing";
        if ((*w)[0] % nf) return "ConditionalUNet: level widths are not multiples of nf";
        chMult.push_back(static_cast<int>((*w)[0] / nf));
    }
    const bool prompt = shapeOf("prompt") != nullptr;
    bool transformer = false;
    int contextDim = 0;
    for (const auto& [k, s] : shapes) {
        if (k.find(".transformer_blocks.") != std::string::npos) {
            transformer = true;
            if (k.find(".attn2.to_k.weight") != std::string::npos && s.size() == 2) contextDim = static_cast<int>(s[1]);
        }
    }
    if (prompt) {
        const auto* t = shapeOf("text_mlp.0.weight");
        if (!t || t->size() != 2) return "DA-CLIP UNet: 'prompt' is present but 'text_mlp.0.weight' is not";
        if (contextDim && contextDim != (*t)[1])
            return "DA-CLIP UNet: the text and image context widths differ (" + std::to_string((*t)[1]) + " vs " +
                   std::to_string(contextDim) + ")";
        contextDim = static_cast<int>((*t)[1]);
    }
    ConditionalUNetConfig c;
    bool irsdeWidths = true;
    for (int i = 0; i < depth; ++i) irsdeWidths = irsdeWidths && chMult[i] == (1 << (i + 1));
    if (!prompt && !transformer && irsdeWidths)
        c = ConditionalUNetConfig::irsde(inNc, outNc, nf, depth);
    else
        c = ConditionalUNetConfig::daclip(inNc, outNc, nf, chMult, contextDim, prompt, transformer);
    if (auto why = c.validate(); !why.empty()) return why;
    *out = c;
    return {};
}

// ---- blocks ---------------------------------------------------------------------------------

namespace {
torch::nn::Conv2d convNoBias(int in, int out, int k) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).padding(k / 2).bias(false));
}
} // namespace

ChannelLayerNormImpl::ChannelLayerNormImpl(int dim) { g = register_parameter("g", torch::ones({1, dim, 1, 1})); }

torch::Tensor ChannelLayerNormImpl::forward(const torch::Tensor& x) {
    const double eps = x.scalar_type() == torch::kFloat32 ? 1e-5 : 1e-3;
    const auto var = torch::var(x, {1}, /*unbiased=*/false, /*keepdim=*/true);
    const auto mean = torch::mean(x, {1}, /*keepdim=*/true);
    return (x - mean) * (var + eps).rsqrt() * g;
}

LinearAttentionImpl::LinearAttentionImpl(int dim) {
    const int hidden = 4 * 32; // heads 4 × dim_head 32, for every width
    to_qkv = register_module("to_qkv", convNoBias(dim, 3 * hidden, 1));
    Slots toOut;
    outConv = toOut->add("0", torch::nn::Conv2d(torch::nn::Conv2dOptions(hidden, dim, 1)));
    outNorm = toOut->add("1", ChannelLayerNorm(dim));
    register_module("to_out", toOut);
}

torch::Tensor LinearAttentionImpl::forward(const torch::Tensor& x) {
    const auto B = x.size(0), H = x.size(2), W = x.size(3);
    const auto qkv = to_qkv(x).chunk(3, 1);
    // 'b (h c) x y -> b h c (x y)', 4 heads of 32
    auto q = qkv[0].reshape({B, 4, 32, H * W});
    auto k = qkv[1].reshape({B, 4, 32, H * W});
    auto v = qkv[2].reshape({B, 4, 32, H * W});
    q = q.softmax(-2);
    k = k.softmax(-1);
    q = q * std::pow(32.0, -0.5);
    v = v / (H * W);
    const auto context = torch::matmul(k, v.transpose(-1, -2));  // 'bhdn,bhen->bhde'
    auto o = torch::matmul(context.transpose(-1, -2), q);        // 'bhde,bhdn->bhen'
    o = o.reshape({B, 128, H, W});
    return outNorm(outConv(o));
}

AttentionBlockImpl::AttentionBlockImpl(int dim, int transformerHeads, int contextDim) {
    Slots preNorm; // PreNorm registers fn before norm
    if (transformerHeads > 0)
        transformer = preNorm->add("fn", SpatialTransformer(dim, transformerHeads, kDaclipHeadChannels, contextDim));
    else
        linear = preNorm->add("fn", LinearAttention(dim));
    norm = preNorm->add("norm", ChannelLayerNorm(dim));
    register_module("fn", preNorm);
}

torch::Tensor AttentionBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
    const auto n = norm(x);
    return (transformer ? transformer(n, context) : linear(n)) + x;
}

ResBlockImpl::ResBlockImpl(int dimIn, int dimOut, int timeDim) {
    Slots m;
    mlp = m->add("1", torch::nn::Linear(timeDim, 2 * dimOut)); // mlp.0 is SiLU
    register_module("mlp", m);
    Slots b1, b2;
    conv1 = b1->add("proj", convNoBias(dimIn, dimOut, 3));
    conv2 = b2->add("proj", convNoBias(dimOut, dimOut, 3));
    register_module("block1", b1);
    register_module("block2", b2);
    if (dimIn != dimOut) res_conv = register_module("res_conv", convNoBias(dimIn, dimOut, 1));
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& t) {
    const auto ss = mlp(F::silu(t)).unsqueeze(-1).unsqueeze(-1).chunk(2, 1);
    auto h = conv1(x);
    h = F::silu(h * (ss[0] + 1) + ss[1]);
    h = F::silu(conv2(h));
    return h + (res_conv ? res_conv(x) : x);
}

// ---- the network ----------------------------------------------------------------------------

ConditionalUNetImpl::ConditionalUNetImpl(ConditionalUNetConfig config) : m_config(std::move(config)) {
    if (auto why = m_config.validate(); !why.empty()) throw std::invalid_argument(why);
    const auto& c = m_config;
    const int nf = c.nf, timeDim = 4 * nf, depth = c.depth();
    std::vector<int> mult = {1};
    mult.insert(mult.end(), c.chMult.begin(), c.chMult.end());

    m_initConv = register_module("init_conv", convNoBias(2 * c.inNc, nf, 7));
    Slots timeMlp;
    m_time1 = timeMlp->add("1", torch::nn::Linear(nf, timeDim));
    m_time2 = timeMlp->add("3", torch::nn::Linear(timeDim, timeDim));
    register_module("time_mlp", timeMlp);
    if (c.hasPrompt()) {
        m_prompt = register_parameter("prompt", torch::rand({1, timeDim}));
        Slots textMlp;
        m_text1 = textMlp->add("0", torch::nn::Linear(c.contextDim, timeDim));
        m_text2 = textMlp->add("2", torch::nn::Linear(timeDim, timeDim));
        register_module("text_mlp", textMlp);
        m_promptMlp = register_module("prompt_mlp", torch::nn::Linear(timeDim, timeDim));
    }

    const bool st = c.hasSpatialTransformers();
    torch::nn::ModuleList downs, ups;
    std::vector<std::pair<Level, Slots>> upsBuilt;
    for (int i = 0; i < depth; ++i) {
        const int dimIn = nf * mult[i], dimOut = nf * mult[i + 1];
        const int headsIn = (st && i >= 3) ? dimIn / kDaclipHeadChannels : 0;
        const int headsOut = (st && i >= 3) ? dimOut / kDaclipHeadChannels : 0;

        Level d;
        Slots ds;
        d.b1 = ds->add("0", ResBlock(dimIn, dimIn, timeDim));
        d.b2 = ds->add("1", ResBlock(dimIn, dimIn, timeDim));
        d.attn = ds->add("2", AttentionBlock(dimIn, headsIn, c.contextDim));
        if (i != depth - 1)
            d.resample = ds->add("3", torch::nn::Conv2d(torch::nn::Conv2dOptions(dimIn, dimOut, 4).stride(2).padding(1)));
        else
            d.resample = ds->add("3", convNoBias(dimIn, dimOut, 3));
        downs->push_back(ds);
        m_downs.push_back(d);

        Level u;
        Slots us;
        u.b1 = us->add("0", ResBlock(dimOut + dimIn, dimOut, timeDim));
        u.b2 = us->add("1", ResBlock(dimOut + dimIn, dimOut, timeDim));
        u.attn = us->add("2", AttentionBlock(dimOut, headsOut, c.contextDim));
        if (i != 0) {
            Slots upConv; // nn.Sequential(nn.Upsample(2, nearest), conv)
            u.resample = upConv->add("1", torch::nn::Conv2d(torch::nn::Conv2dOptions(dimOut, dimIn, 3).padding(1)));
            u.upsampleFirst = true;
            us->add("3", upConv);
        } else {
            u.resample = us->add("3", convNoBias(dimOut, dimIn, 3));
        }
        upsBuilt.emplace_back(u, us);
    }
    // upstream inserts each up level at the front: ups.0 is the deepest
    for (auto it = upsBuilt.rbegin(); it != upsBuilt.rend(); ++it) {
        ups->push_back(it->second);
        m_ups.push_back(it->first);
    }
    register_module("downs", downs);
    register_module("ups", ups);

    const int mid = nf * mult.back();
    m_mid1 = register_module("mid_block1", ResBlock(mid, mid, timeDim));
    m_midAttn = register_module("mid_attn", AttentionBlock(mid, st ? mid / kDaclipHeadChannels : 0, c.contextDim));
    m_mid2 = register_module("mid_block2", ResBlock(mid, mid, timeDim));
    m_final = register_module("final_res_block", ResBlock(2 * nf, nf, timeDim));
    m_finalConv = register_module("final_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(nf, c.outNc, 3).padding(1)));
}

std::int64_t ConditionalUNetImpl::parameterCount() const {
    std::int64_t n = 0;
    for (const auto& p : parameters()) n += p.numel();
    return n;
}

torch::Tensor ConditionalUNetImpl::sinusoidal(const torch::Tensor& time) const {
    const int half = m_config.nf / 2;
    const double c = std::log(10000.0) / (half - 1);
    // torch.exp(torch.arange(half) * -c): int64 × Python float → float32, as upstream
    const auto freqs = torch::exp(torch::arange(half, torch::TensorOptions().dtype(torch::kLong)) * (-c));
    const auto e = time.unsqueeze(1) * freqs.unsqueeze(0);
    return torch::cat({e.sin(), e.cos()}, -1);
}

torch::Tensor ConditionalUNetImpl::forward(const torch::Tensor& xt, const torch::Tensor& cond, const torch::Tensor& timeIn,
                                           const torch::Tensor& textContext, const torch::Tensor& imageContext) {
    const auto& c = m_config;
    if (xt.dim() != 4 || xt.size(1) != c.inNc || !cond.defined() || cond.sizes() != xt.sizes())
        throw std::invalid_argument("ConditionalUNet: x_t and the condition μ must both be [B, " + std::to_string(c.inNc) +
                                    ", H, W]");
    if (!timeIn.defined()) throw std::invalid_argument("ConditionalUNet: the time step is missing");
    auto time = timeIn.to(xt.device()).reshape({-1});
    if (time.size(0) != 1 && time.size(0) != xt.size(0))
        throw std::invalid_argument("ConditionalUNet: the time step must be [B] or [1]");
    if (textContext.defined() && (textContext.dim() != 2 || textContext.size(1) != c.contextDim))
        throw std::invalid_argument("DA-CLIP UNet: the degradation context must be [B, " + std::to_string(c.contextDim) + "]");
    if (imageContext.defined() && (imageContext.dim() != 2 || imageContext.size(1) != c.contextDim))
        throw std::invalid_argument("DA-CLIP UNet: the image context must be [B, " + std::to_string(c.contextDim) + "]");
    if (c.hasSpatialTransformers() && !imageContext.defined())
        throw std::invalid_argument(
            "DA-CLIP UNet: this network needs the image context [B, " + std::to_string(c.contextDim) +
            "] from DA-CLIP's image encoder (not part of this model; supply the vector)");

    const auto H = xt.size(2), W = xt.size(3);
    auto x = torch::cat({xt - cond, cond}, 1);
    const std::int64_t s = std::int64_t{1} << c.depth();
    const auto padH = (s - H % s) % s, padW = (s - W % s) % s;
    if (padH >= H || padW >= W)
        throw std::invalid_argument("ConditionalUNet: the image is too small for reflection padding to a multiple of " +
                                    std::to_string(s));
    if (padH || padW) x = F::pad(x, F::PadFuncOptions({0, padW, 0, padH}).mode(torch::kReflect));

    x = m_initConv(x);
    const auto x0 = x.clone();

    auto t = m_time2(F::gelu(m_time1(sinusoidal(time))));
    if (c.hasPrompt() && textContext.defined()) {
        const auto p = torch::softmax(m_text2(F::silu(m_text1(textContext))), 1) * m_prompt;
        t = t + m_promptMlp(p);
    }
    torch::Tensor context;
    if (c.hasSpatialTransformers()) context = imageContext.unsqueeze(1);

    std::vector<torch::Tensor> hs;
    for (auto& d : m_downs) {
        x = d.b1(x, t);
        hs.push_back(x);
        x = d.b2(x, t);
        x = d.attn(x, context);
        hs.push_back(x);
        x = d.resample(x);
    }
    x = m_mid1(x, t);
    x = m_midAttn(x, context);
    x = m_mid2(x, t);
    for (auto& u : m_ups) {
        x = u.b1(torch::cat({x, hs.back()}, 1), t);
        hs.pop_back();
        x = u.b2(torch::cat({x, hs.back()}, 1), t);
        hs.pop_back();
        x = u.attn(x, context);
        if (u.upsampleFirst)
            x = F::interpolate(x, F::InterpolateFuncOptions()
                                      .scale_factor(std::vector<double>{2.0, 2.0})
                                      .mode(torch::kNearest));
        x = u.resample(x);
    }
    x = m_final(torch::cat({x, x0}, 1), t);
    x = m_finalConv(x);
    using torch::indexing::Slice;
    return x.index({Slice(), Slice(), Slice(0, H), Slice(0, W)}).contiguous();
}

} // namespace reverie::models::published
