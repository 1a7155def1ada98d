#include "models/sd/vae.h"

#include "models/sd/files.h"
#include "models/published/load.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace reverie::models::sd {
namespace {

using Named = std::vector<std::pair<std::string, at::Tensor>>;
using Mod = std::shared_ptr<torch::nn::Module>;

bool startsWith(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

torch::nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t stride = 1, std::int64_t pad = -1) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(pad < 0 ? k / 2 : pad));
}
torch::nn::GroupNorm norm(std::int64_t ch) { return torch::nn::GroupNorm(torch::nn::GroupNormOptions(32, ch).eps(1e-6)); }
Mod container() { return std::make_shared<torch::nn::Module>(); }

struct ResnetBlock : torch::nn::Module {
    torch::nn::GroupNorm n1{nullptr}, n2{nullptr};
    torch::nn::Conv2d c1{nullptr}, c2{nullptr}, shortcut{nullptr};
    ResnetBlock(std::int64_t in, std::int64_t out) {
        n1 = register_module("norm1", norm(in));
        c1 = register_module("conv1", conv(in, out, 3));
        n2 = register_module("norm2", norm(out));
        c2 = register_module("conv2", conv(out, out, 3));
        if (in != out) shortcut = register_module("nin_shortcut", conv(in, out, 1));
    }
    at::Tensor forward(const at::Tensor& x) {
        auto h = c1(at::silu(n1(x)));
        h = c2(at::silu(n2(h)));
        return (shortcut ? shortcut(x) : x) + h;
    }
};

struct AttnBlock : torch::nn::Module {
    torch::nn::GroupNorm n{nullptr};
    torch::nn::Conv2d q{nullptr}, k{nullptr}, v{nullptr}, out{nullptr};
    explicit AttnBlock(std::int64_t ch) {
        n = register_module("norm", norm(ch));
        q = register_module("q", conv(ch, ch, 1));
        k = register_module("k", conv(ch, ch, 1));
        v = register_module("v", conv(ch, ch, 1));
        out = register_module("proj_out", conv(ch, ch, 1));
    }
    at::Tensor forward(const at::Tensor& x) {
        const auto B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
        const auto h = n(x);
        const auto qq = q(h).reshape({B, C, H * W}).transpose(1, 2); // [B, HW, C]
        const auto kk = k(h).reshape({B, C, H * W});                 // [B, C, HW]
        const auto vv = v(h).reshape({B, C, H * W}).transpose(1, 2); // [B, HW, C]
        const auto w = at::softmax(at::bmm(qq, kk) * (1.0 / std::sqrt(double(C))), 2);
        const auto o = at::bmm(w, vv).transpose(1, 2).reshape({B, C, H, W});
        return x + out(o);
    }
};

// One resolution level: its res blocks, attention blocks and resampler.
struct Level : torch::nn::Module {
    std::vector<std::shared_ptr<ResnetBlock>> blocks;
    std::vector<std::shared_ptr<AttnBlock>> attn;
    torch::nn::Conv2d resample{nullptr};
    bool down = false;
};

} // namespace

struct SdVaeImpl::Coder : torch::nn::Module {
    bool isEncoder = true;
    torch::nn::Conv2d convIn{nullptr}, convOut{nullptr};
    std::vector<std::shared_ptr<Level>> levels; ///< by level index (0 = full resolution)
    std::shared_ptr<ResnetBlock> mid1, mid2;
    std::shared_ptr<AttnBlock> midAttn;
    torch::nn::GroupNorm normOut{nullptr};

    Coder(const SdVaeConfig& c, bool encoder) : isEncoder(encoder) {
        const auto L = std::int64_t(c.chMult.size());
        auto attnAt = [&](std::int64_t level) {
            return std::find(c.attentionLevels.begin(), c.attentionLevels.end(), level) != c.attentionLevels.end();
        };
        auto makeLevel = [&](std::int64_t level, std::int64_t& blockIn, std::int64_t n, bool down) {
            auto lv = std::make_shared<Level>();
            lv->down = down;
            auto blocks = lv->register_module("block", container());
            auto attn = lv->register_module("attn", container());
            const auto blockOut = c.ch * c.chMult[std::size_t(level)];
            for (std::int64_t j = 0; j < n; ++j) {
                lv->blocks.push_back(blocks->register_module(std::to_string(j), std::make_shared<ResnetBlock>(blockIn, blockOut)));
                blockIn = blockOut;
                if (attnAt(level)) lv->attn.push_back(attn->register_module(std::to_string(j), std::make_shared<AttnBlock>(blockIn)));
            }
            if (down && level != L - 1) {
                auto d = lv->register_module("downsample", container());
                lv->resample = d->register_module("conv", conv(blockIn, blockIn, 3, 2, 0));
            } else if (!down && level != 0) {
                auto u = lv->register_module("upsample", container());
                lv->resample = u->register_module("conv", conv(blockIn, blockIn, 3));
            }
            return lv;
        };
        auto mid = [&](std::int64_t ch) {
            auto m = register_module("mid", container());
            mid1 = m->register_module("block_1", std::make_shared<ResnetBlock>(ch, ch));
            midAttn = m->register_module("attn_1", std::make_shared<AttnBlock>(ch));
            mid2 = m->register_module("block_2", std::make_shared<ResnetBlock>(ch, ch));
        };
        if (encoder) {
            convIn = register_module("conv_in", conv(c.inChannels, c.ch, 3));
            auto down = register_module("down", container());
            std::int64_t blockIn = c.ch;
            for (std::int64_t level = 0; level < L; ++level)
                levels.push_back(down->register_module(std::to_string(level), makeLevel(level, blockIn, c.numResBlocks, true)));
            mid(blockIn);
            normOut = register_module("norm_out", norm(blockIn));
            convOut = register_module("conv_out", conv(blockIn, 2 * c.zChannels, 3));
        } else {
            std::int64_t blockIn = c.ch * c.chMult.back();
            convIn = register_module("conv_in", conv(c.zChannels, blockIn, 3));
            mid(blockIn);
            // Built from the lowest resolution up, registered by level index (upstream's order).
            std::vector<std::shared_ptr<Level>> built(std::size_t(L), nullptr);
            for (std::int64_t level = L - 1; level >= 0; --level) built[std::size_t(level)] = makeLevel(level, blockIn, c.numResBlocks + 1, false);
            auto up = register_module("up", container());
            for (std::int64_t level = 0; level < L; ++level)
                levels.push_back(up->register_module(std::to_string(level), built[std::size_t(level)]));
            normOut = register_module("norm_out", norm(blockIn));
            convOut = register_module("conv_out", conv(blockIn, c.outChannels, 3));
        }
    }

    at::Tensor runLevel(Level& lv, at::Tensor h) {
        for (std::size_t j = 0; j < lv.blocks.size(); ++j) {
            h = lv.blocks[j]->forward(h);
            if (!lv.attn.empty()) h = lv.attn[j]->forward(h);
        }
        if (lv.resample) {
            if (lv.down) h = lv.resample(at::constant_pad_nd(h, {0, 1, 0, 1}, 0.0));
            else h = lv.resample(h.repeat_interleave(2, 2).repeat_interleave(2, 3)); // nearest ×2
        }
        return h;
    }

    at::Tensor forward(const at::Tensor& x) {
        at::Tensor h = convIn(x);
        auto middle = [&] { h = mid2->forward(midAttn->forward(mid1->forward(h))); };
        if (isEncoder) {
            for (auto& lv : levels) h = runLevel(*lv, h);
            middle();
        } else {
            middle();
            for (auto it = levels.rbegin(); it != levels.rend(); ++it) h = runLevel(**it, h);
        }
        return convOut(at::silu(normOut(h)));
    }
};

nlohmann::json SdVaeConfig::toJson() const {
    return {{"in_channels", inChannels}, {"out_ch", outChannels}, {"ch", ch}, {"ch_mult", chMult},
            {"num_res_blocks", numResBlocks}, {"attention_levels", attentionLevels}, {"z_channels", zChannels},
            {"embed_dim", embedDim}, {"scale_factor", scaleFactor}};
}

SdVaeImpl::SdVaeImpl(SdVaeConfig c) : m_config(std::move(c)) {
    TORCH_CHECK(!m_config.chMult.empty() && m_config.numResBlocks >= 1 && m_config.ch % 32 == 0,
                "SD VAE: channel multipliers, at least one res block and channels a multiple of 32 are needed");
    m_encoder = register_module("encoder", std::make_shared<Coder>(m_config, true));
    m_decoder = register_module("decoder", std::make_shared<Coder>(m_config, false));
    m_quant = register_module("quant_conv", conv(2 * m_config.zChannels, 2 * m_config.embedDim, 1).ptr());
    m_postQuant = register_module("post_quant_conv", conv(m_config.embedDim, m_config.zChannels, 1).ptr());
}

std::pair<at::Tensor, at::Tensor> SdVaeImpl::encode(const at::Tensor& image) {
    const auto f = downsampling();
    TORCH_CHECK(image.dim() == 4 && image.size(1) == m_config.inChannels, "SD VAE: the image must be [B, ", m_config.inChannels, ", H, W]");
    TORCH_CHECK(image.size(2) % f == 0 && image.size(3) % f == 0, "SD VAE: height and width must be multiples of ", f);
    const auto moments = m_quant->as<torch::nn::Conv2d>()->forward(m_encoder->forward(image));
    const auto parts = moments.chunk(2, 1);
    return {parts[0], parts[1].clamp(-30.0, 20.0)}; // upstream's DiagonalGaussianDistribution clamps the log-variance
}

at::Tensor SdVaeImpl::decode(const at::Tensor& z) {
    TORCH_CHECK(z.dim() == 4 && z.size(1) == m_config.embedDim, "SD VAE: the latent must be [B, ", m_config.embedDim, ", h, w]");
    return m_decoder->forward(m_postQuant->as<torch::nn::Conv2d>()->forward(z));
}

at::Tensor SdVaeImpl::latents(const at::Tensor& image) { return encode(image).first * m_config.scaleFactor; }
at::Tensor SdVaeImpl::image(const at::Tensor& latent) { return decode(latent / m_config.scaleFactor); }

std::vector<std::pair<std::string, std::vector<std::int64_t>>> sdVaeShapes(const SdVaeConfig& c) {
    return published::parameterShapes(*SdVae(c));
}

std::int64_t SdVaeImpl::parameterCount() const {
    std::int64_t n = 0;
    for (const auto& p : parameters()) n += p.numel();
    return n;
}

Result<LoadedSdVae> sdVaeFromTensors(const Named& tensors) {
    using R = Result<LoadedSdVae>;
    auto any = [&](const std::string& p) {
        return std::any_of(tensors.begin(), tensors.end(), [&](const auto& kv) { return startsWith(kv.first, p); });
    };
    LoadedSdVae out;
    std::map<std::string, at::Tensor> byName;
    for (const std::string prefix : {"first_stage_model.", "vae.", ""}) {
        if (!any(prefix + "decoder.conv_in.weight")) continue;
        out.prefix = prefix;
        for (const auto& [k, v] : tensors) {
            if (!startsWith(k, prefix)) continue;
            const auto rest = k.substr(prefix.size());
            if (startsWith(rest, "loss.")) continue; // training-only (LPIPS / discriminator) in some files
            if (startsWith(rest, "encoder.") || startsWith(rest, "decoder.") || startsWith(rest, "quant_conv.") ||
                startsWith(rest, "post_quant_conv."))
                byName[rest] = v;
        }
        break;
    }
    if (byName.empty()) {
        std::string why = "no VAE weights in the file (no first_stage_model.decoder.*)";
        if (any("model.diffusion_model.")) why += ": it holds a UNet only; open a separate VAE file as well";
        if (any("decoder.up_blocks.")) why += "; a diffusers-layout VAE is not read";
        return R::invalid(why);
    }
    auto shape = [&](const std::string& k) -> std::vector<std::int64_t> {
        const auto it = byName.find(k);
        return it == byName.end() ? std::vector<std::int64_t>{} : it->second.sizes().vec();
    };
    SdVaeConfig c;
    const auto in = shape("encoder.conv_in.weight"), zin = shape("decoder.conv_in.weight"), outW = shape("decoder.conv_out.weight"),
               pq = shape("post_quant_conv.weight");
    if (in.size() != 4 || zin.size() != 4 || outW.size() != 4 || pq.size() != 4)
        return R::invalid("the VAE's encoder.conv_in, decoder.conv_in, decoder.conv_out or post_quant_conv is missing or mis-shaped");
    c.ch = in[0];
    c.inChannels = in[1];
    c.zChannels = zin[1];
    c.outChannels = outW[0];
    c.embedDim = pq[1];
    std::int64_t levels = 0;
    while (byName.count("encoder.down." + std::to_string(levels) + ".block.0.conv1.weight")) ++levels;
    c.numResBlocks = 0;
    while (byName.count("encoder.down.0.block." + std::to_string(c.numResBlocks) + ".conv1.weight")) ++c.numResBlocks;
    if (levels < 1 || c.numResBlocks < 1) return R::invalid("the VAE's encoder has no down blocks");
    c.chMult.clear();
    for (std::int64_t l = 0; l < levels; ++l) {
        const auto w = shape("encoder.down." + std::to_string(l) + ".block.0.conv2.weight");
        if (w.size() != 4 || w[0] % c.ch != 0) return R::invalid("the VAE's encoder.down." + std::to_string(l) + " is mis-shaped");
        c.chMult.push_back(w[0] / c.ch);
        if (byName.count("encoder.down." + std::to_string(l) + ".attn.0.q.weight")) c.attentionLevels.push_back(l);
    }
    out.storedDtype = std::string(c10::toString(byName.begin()->second.scalar_type()));
    try {
        out.model = SdVae(c);
    } catch (const std::exception& e) {
        return R::invalid(std::string("the VAE's configuration cannot be built: ") + e.what());
    }
    published::NamedTensorList list;
    for (auto& [k, v] : byName) list.emplace_back(k, v.to(at::kFloat));
    auto loaded = published::loadNamedTensors(*out.model, list, "Stable Diffusion VAE");
    if (!loaded) return loaded.error();
    out.model->eval();
    out.parameters = out.model->parameterCount();
    return out;
}

Result<LoadedSdVae> loadSdVae(const std::string& path) {
    auto file = readSdFile(path);
    if (!file) return file.error();
    auto r = sdVaeFromTensors(file.value().tensors);
    if (!r) return Error{r.error().kind, path + ": " + r.error().message};
    return r;
}

} // namespace reverie::models::sd
