#include "models/published/ncsnpp.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/conv.h>
#include <torch/nn/functional/normalization.h>
#include <torch/nn/functional/padding.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/init.h>

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace F = torch::nn::functional;
using nlohmann::json;

namespace reverie::models::published {

// ---- config ---------------------------------------------------------------------------------

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Reads an integer that may have been stored as a float (JSON from Python sometimes has 2.0).
bool readInt(const json& j, const char* key, int* out, std::string* err) {
    if (!j.contains(key) || j.at(key).is_null()) return true;
    const json& v = j.at(key);
    if (v.is_number_integer()) {
        *out = v.get<int>();
        return true;
    }
    if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) {
        *out = static_cast<int>(v.get<double>());
        return true;
    }
    *err = std::string("'") + key + "' must be an integer, not " + v.dump();
    return false;
}
bool readDouble(const json& j, const char* key, double* out, std::string* err) {
    if (!j.contains(key) || j.at(key).is_null()) return true;
    const json& v = j.at(key);
    if (!v.is_number()) {
        *err = std::string("'") + key + "' must be a number, not " + v.dump();
        return false;
    }
    *out = v.get<double>();
    return true;
}
bool readBool(const json& j, const char* key, bool* out, std::string* err) {
    if (!j.contains(key) || j.at(key).is_null()) return true;
    const json& v = j.at(key);
    if (v.is_boolean()) {
        *out = v.get<bool>();
        return true;
    }
    if (v.is_number_integer()) {
        *out = v.get<long long>() != 0;
        return true;
    }
    *err = std::string("'") + key + "' must be true or false, not " + v.dump();
    return false;
}
bool readString(const json& j, const char* key, std::string* out, std::string* err) {
    if (!j.contains(key) || j.at(key).is_null()) return true;
    const json& v = j.at(key);
    if (!v.is_string()) {
        *err = std::string("'") + key + "' must be a string, not " + v.dump();
        return false;
    }
    *out = v.get<std::string>();
    return true;
}
template <typename T>
bool readList(const json& j, const char* key, std::vector<T>* out, std::string* err) {
    if (!j.contains(key) || j.at(key).is_null()) return true;
    const json& v = j.at(key);
    std::vector<T> r;
    if (v.is_number()) { // a bare number where upstream allows a tuple of one
        r.push_back(v.get<T>());
    } else if (v.is_array()) {
        for (const auto& e : v) {
            if (!e.is_number()) {
                *err = std::string("'") + key + "' must be a list of numbers, not " + v.dump();
                return false;
            }
            if constexpr (std::is_integral_v<T>) {
                if (e.is_number_float() && std::floor(e.get<double>()) != e.get<double>()) {
                    *err = std::string("'") + key + "' must be a list of integers, not " + v.dump();
                    return false;
                }
                r.push_back(static_cast<T>(e.get<double>()));
            } else {
                r.push_back(e.get<T>());
            }
        }
    } else {
        *err = std::string("'") + key + "' must be a list, not " + v.dump();
        return false;
    }
    *out = std::move(r);
    return true;
}

} // namespace

std::string NcsnppConfig::fromJson(const json& j, NcsnppConfig* out) {
    if (!j.is_object()) return "the NCSN++ config must be a JSON object";
    NcsnppConfig c;
    std::string err;
    const bool ok = readBool(j, "scale_by_sigma", &c.scaleBySigma, &err) &&
                    readString(j, "nonlinearity", &c.nonlinearity, &err) && readInt(j, "nf", &c.nf, &err) &&
                    readList(j, "ch_mult", &c.chMult, &err) &&
                    readInt(j, "num_res_blocks", &c.numResBlocks, &err) &&
                    readList(j, "attn_resolutions", &c.attnResolutions, &err) &&
                    readBool(j, "resamp_with_conv", &c.resampWithConv, &err) &&
                    readBool(j, "conditional", &c.conditional, &err) && readBool(j, "fir", &c.fir, &err) &&
                    readList(j, "fir_kernel", &c.firKernel, &err) &&
                    readBool(j, "skip_rescale", &c.skipRescale, &err) &&
                    readString(j, "resblock_type", &c.resblockType, &err) &&
                    readString(j, "progressive", &c.progressive, &err) &&
                    readString(j, "progressive_input", &c.progressiveInput, &err) &&
                    readString(j, "progressive_combine", &c.progressiveCombine, &err) &&
                    readDouble(j, "init_scale", &c.initScale, &err) &&
                    readDouble(j, "fourier_scale", &c.fourierScale, &err) &&
                    readInt(j, "image_size", &c.imageSize, &err) &&
                    readString(j, "embedding_type", &c.embeddingType, &err) &&
                    readDouble(j, "dropout", &c.dropout, &err) && readBool(j, "centered", &c.centered, &err);
    if (!ok) return "NCSN++ config: " + err;
    // Upstream lower-cases these.
    c.resblockType = lower(c.resblockType);
    c.progressive = lower(c.progressive);
    c.progressiveInput = lower(c.progressiveInput);
    c.progressiveCombine = lower(c.progressiveCombine);
    c.embeddingType = lower(c.embeddingType);
    if (auto why = c.validate(); !why.empty()) return why;
    *out = c;
    return {};
}

json NcsnppConfig::toJson() const {
    return {{"scale_by_sigma", scaleBySigma},
            {"nonlinearity", nonlinearity},
            {"nf", nf},
            {"ch_mult", chMult},
            {"num_res_blocks", numResBlocks},
            {"attn_resolutions", attnResolutions},
            {"resamp_with_conv", resampWithConv},
            {"conditional", conditional},
            {"fir", fir},
            {"fir_kernel", firKernel},
            {"skip_rescale", skipRescale},
            {"resblock_type", resblockType},
            {"progressive", progressive},
            {"progressive_input", progressiveInput},
            {"progressive_combine", progressiveCombine},
            {"init_scale", initScale},
            {"fourier_scale", fourierScale},
            {"image_size", imageSize},
            {"embedding_type", embeddingType},
            {"dropout", dropout},
            {"centered", centered}};
}

std::string NcsnppConfig::validate() const {
    if (nf < 4) return "NCSN++: nf must be at least 4 (GroupNorm uses nf/4 groups), not " + std::to_string(nf);
    if (chMult.empty()) return "NCSN++: ch_mult needs at least one level";
    for (int m : chMult)
        if (m < 1) return "NCSN++: every ch_mult entry must be at least 1";
    if (numResBlocks < 1) return "NCSN++: num_res_blocks must be at least 1";
    if (imageSize < 1) return "NCSN++: image_size must be positive";
    if (nonlinearity != "swish" && nonlinearity != "relu" && nonlinearity != "lrelu" && nonlinearity != "elu")
        return "NCSN++: unknown nonlinearity '" + nonlinearity + "' (upstream knows swish, relu, lrelu, elu)";
    if (resblockType != "biggan")
        return "NCSN++: resblock_type '" + resblockType + "' is not supported (only 'biggan', the SGMSE+ default)";
    if (progressive != "output_skip" && progressive != "none")
        return "NCSN++: progressive '" + progressive + "' is not supported (only 'output_skip' or 'none')";
    if (progressiveInput != "input_skip" && progressiveInput != "none")
        return "NCSN++: progressive_input '" + progressiveInput + "' is not supported (only 'input_skip' or 'none')";
    if (progressiveCombine != "sum" && progressiveCombine != "cat")
        return "NCSN++: progressive_combine must be 'sum' or 'cat', not '" + progressiveCombine + "'";
    if (embeddingType != "fourier")
        return "NCSN++: embedding_type '" + embeddingType +
               "' is not supported (only 'fourier'; upstream's 'positional' path cannot run either)";
    if (fir) {
        if (firKernel.size() < 2) return "NCSN++: fir_kernel needs at least 2 taps";
        double sum = 0;
        for (double v : firKernel) sum += v;
        if (sum == 0) return "NCSN++: fir_kernel must not sum to zero";
    }
    return {};
}

// ---- helpers --------------------------------------------------------------------------------

torch::Tensor ncsnppActivation(const std::string& name, const torch::Tensor& x) {
    if (name == "swish") return F::silu(x);
    if (name == "relu") return torch::relu(x);
    if (name == "lrelu") return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2));
    if (name == "elu") return F::elu(x);
    throw std::invalid_argument("NCSN++: unknown nonlinearity '" + name + "'");
}

namespace {

torch::nn::Conv2d conv3x3(int in, int out) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1).bias(true));
}
torch::nn::Conv2d conv1x1(int in, int out) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).bias(true));
}
torch::nn::GroupNorm groupNorm(int channels) {
    // Upstream: num_groups = min(C // 4, 32), eps 1e-6, affine.
    return torch::nn::GroupNorm(torch::nn::GroupNormOptions(std::min(channels / 4, 32), channels).eps(1e-6));
}
// (x + h) / np.sqrt(2.): a division by the float32-rounded √2, as upstream.
torch::Tensor rescale(const torch::Tensor& s) { return s / std::sqrt(2.0); }

} // namespace

// ---- resampling -----------------------------------------------------------------------------

NcsnppResampler::NcsnppResampler(bool fir_, const std::vector<double>& kernel) : fir(fir_) {
    if (!fir) return;
    // _setup_kernel: outer(k, k) / sum in float32.
    const auto k1 = torch::tensor(std::vector<float>(kernel.begin(), kernel.end()), torch::kFloat32);
    auto k2 = torch::outer(k1, k1);
    k2 = k2 / k2.sum();
    kernelSize = static_cast<int>(kernel.size());
    upKernel = k2 * 4;                    // gain · factor² (upsample_2d)
    downKernel = k2.flip({0, 1}).contiguous(); // upfirdn2d convolves; conv2d correlates
}

torch::Tensor NcsnppResampler::up(const torch::Tensor& x) const {
    const auto H = x.size(2), W = x.size(3), C = x.size(1);
    if (!fir) // naive_upsample_2d / nearest interpolation: each pixel repeated 2×2
        return x.reshape({-1, C, H, 1, W, 1}).repeat({1, 1, 1, 2, 1, 2}).reshape({-1, C, H * 2, W * 2});
    // upfirdn2d(up=2, pad=((p+1)//2 + 1, p//2)), p = K − 2, equals a depthwise transposed
    // convolution with the unflipped kernel, stride 2 and padding K − 1 − pad0, cropped to 2H×2W.
    const int K = kernelSize;
    const int pad0 = (K - 2 + 1) / 2 + 1;
    const int P = K - 1 - pad0;
    const auto w = upKernel.to(x.dtype()).view({1, 1, K, K}).expand({C, 1, K, K}).contiguous();
    auto y = F::conv_transpose2d(x, w, F::ConvTranspose2dFuncOptions().stride(2).padding(P).groups(C));
    if (y.size(2) != 2 * H || y.size(3) != 2 * W)
        y = y.index({torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(0, 2 * H),
                     torch::indexing::Slice(0, 2 * W)});
    return y;
}

torch::Tensor NcsnppResampler::down(const torch::Tensor& x) const {
    const auto C = x.size(1);
    if (!fir) // naive_downsample_2d / avg_pool2d(2): mean of each 2×2 block
        return F::avg_pool2d(x, F::AvgPool2dFuncOptions(2).stride(2));
    // upfirdn2d(down=2, pad=((p+1)//2, p//2)), p = K − 2.
    const int K = kernelSize;
    const int p = K - 2;
    const int pad0 = (p + 1) / 2, pad1 = p / 2;
    auto xp = (pad0 || pad1) ? F::pad(x, F::PadFuncOptions({pad0, pad1, pad0, pad1})) : x;
    const auto w = downKernel.to(x.dtype()).view({1, 1, K, K}).expand({C, 1, K, K}).contiguous();
    return F::conv2d(xp, w, F::Conv2dFuncOptions().stride(2).groups(C));
}

// ---- blocks ---------------------------------------------------------------------------------

GaussianFourierProjectionImpl::GaussianFourierProjectionImpl(int embeddingSize, double scale) {
    W = register_parameter("W", torch::randn({embeddingSize}) * scale, /*requires_grad=*/false);
}

torch::Tensor GaussianFourierProjectionImpl::forward(const torch::Tensor& x) {
    // x[:, None] * W[None, :] * 2 * np.pi — float32, evaluated left to right; the Python float π
    // becomes a wrapped scalar exactly as it does here.
    constexpr double kPi = 3.141592653589793; // np.pi
    const auto proj = x.unsqueeze(1) * W.unsqueeze(0) * 2 * kPi;
    return torch::cat({torch::sin(proj), torch::cos(proj)}, -1);
}

NINImpl::NINImpl(int in, int out) {
    W = register_parameter("W", torch::empty({in, out}));
    b = register_parameter("b", torch::zeros({out}));
    torch::nn::init::xavier_uniform_(W);
}

torch::Tensor NINImpl::forward(const torch::Tensor& x) {
    // tensordot over the channel axis: [B,H,W,C] · [C,U] + b → [B,U,H,W]
    const auto y = torch::matmul(x.permute({0, 2, 3, 1}), W) + b;
    return y.permute({0, 3, 1, 2});
}

ResnetBlockBigGANppImpl::ResnetBlockBigGANppImpl(const NcsnppConfig& c, int inCh, int outCh, bool up, bool down)
    : m_up(up), m_down(down), m_skipRescale(c.skipRescale), m_act(c.nonlinearity), m_resample(c.fir, c.firKernel) {
    GroupNorm_0 = register_module("GroupNorm_0", groupNorm(inCh));
    Conv_0 = register_module("Conv_0", conv3x3(inCh, outCh));
    Dense_0 = register_module("Dense_0", torch::nn::Linear(4 * c.nf, outCh)); // temb_dim = 4 nf, always
    GroupNorm_1 = register_module("GroupNorm_1", groupNorm(outCh));
    Conv_1 = register_module("Conv_1", conv3x3(outCh, outCh));
    if (inCh != outCh || up || down) Conv_2 = register_module("Conv_2", conv1x1(inCh, outCh));
}

torch::Tensor ResnetBlockBigGANppImpl::forward(const torch::Tensor& xIn, const torch::Tensor& temb) {
    auto x = xIn;
    auto h = ncsnppActivation(m_act, GroupNorm_0(x));
    if (m_up) {
        h = m_resample.up(h);
        x = m_resample.up(x);
    } else if (m_down) {
        h = m_resample.down(h);
        x = m_resample.down(x);
    }
    h = Conv_0(h);
    if (temb.defined()) h = h + Dense_0(ncsnppActivation(m_act, temb)).unsqueeze(-1).unsqueeze(-1);
    h = ncsnppActivation(m_act, GroupNorm_1(h));
    h = Conv_1(h); // Dropout_0 is a no-op at inference
    if (Conv_2) x = Conv_2(x);
    return m_skipRescale ? rescale(x + h) : x + h;
}

AttnBlockppImpl::AttnBlockppImpl(int channels, bool skipRescale) : m_skipRescale(skipRescale) {
    GroupNorm_0 = register_module("GroupNorm_0", groupNorm(channels));
    NIN_0 = register_module("NIN_0", NIN(channels, channels));
    NIN_1 = register_module("NIN_1", NIN(channels, channels));
    NIN_2 = register_module("NIN_2", NIN(channels, channels));
    NIN_3 = register_module("NIN_3", NIN(channels, channels));
}

torch::Tensor AttnBlockppImpl::forward(const torch::Tensor& x) {
    const auto B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const auto h0 = GroupNorm_0(x);
    const auto q = NIN_0(h0).reshape({B, C, H * W});
    const auto k = NIN_1(h0).reshape({B, C, H * W});
    const auto v = NIN_2(h0).reshape({B, C, H * W});
    // w[b, hw, ij] = Σ_c q k · C^−½, softmax over all ij; h[b, c, hw] = Σ_ij w v
    auto w = torch::bmm(q.transpose(1, 2), k) * std::pow(static_cast<double>(C), -0.5);
    w = torch::softmax(w, -1);
    auto h = torch::bmm(v, w.transpose(1, 2)).reshape({B, C, H, W});
    h = NIN_3(h);
    return m_skipRescale ? rescale(x + h) : x + h;
}

CombineImpl::CombineImpl(int dim1, int dim2, std::string method) : m_method(std::move(method)) {
    Conv_0 = register_module("Conv_0", conv1x1(dim1, dim2));
}

torch::Tensor CombineImpl::forward(const torch::Tensor& x, const torch::Tensor& y) {
    const auto h = Conv_0(x);
    if (m_method == "cat") return torch::cat({h, y}, 1);
    return h + y;
}

// ---- the network ----------------------------------------------------------------------------

NCSNppImpl::NCSNppImpl(NcsnppConfig config) : m_config(std::move(config)) {
    if (auto why = m_config.validate(); !why.empty()) throw std::invalid_argument(why);
    const auto& c = m_config;
    const int L = c.levels();
    for (int i = 0; i < L; ++i) m_allResolutions.push_back(c.imageSize >> i);
    m_pyramid = NcsnppResampler(c.fir, c.firKernel);
    auto attnAt = [&](int level) {
        return std::find(c.attnResolutions.begin(), c.attnResolutions.end(), m_allResolutions[level]) !=
               c.attnResolutions.end();
    };

    const int channels = 4; // Re x, Im x, Re y, Im y
    output_layer = register_module("output_layer", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 2, 1)));
    torch::nn::ModuleList m;
    m->push_back(GaussianFourierProjection(c.nf, c.fourierScale));
    const int embedDim = 2 * c.nf;
    if (c.conditional) {
        m->push_back(torch::nn::Linear(embedDim, 4 * c.nf));
        m->push_back(torch::nn::Linear(4 * c.nf, 4 * c.nf));
    }
    const bool inputSkip = c.progressiveInput == "input_skip";
    const bool cat = c.progressiveCombine == "cat";
    m->push_back(conv3x3(channels, c.nf));
    std::vector<int> hsC = {c.nf};
    int inCh = c.nf;
    for (int i = 0; i < L; ++i) {
        for (int b = 0; b < c.numResBlocks; ++b) {
            const int outCh = c.nf * c.chMult[i];
            m->push_back(ResnetBlockBigGANpp(c, inCh, outCh, false, false));
            inCh = outCh;
            if (attnAt(i)) m->push_back(AttnBlockpp(inCh, c.skipRescale));
            hsC.push_back(inCh);
        }
        if (i != L - 1) {
            m->push_back(ResnetBlockBigGANpp(c, inCh, inCh, false, true));
            if (inputSkip) {
                m->push_back(Combine(channels, inCh, c.progressiveCombine));
                if (cat) inCh *= 2;
            }
            hsC.push_back(inCh);
        }
    }
    inCh = hsC.back();
    m->push_back(ResnetBlockBigGANpp(c, inCh, inCh, false, false));
    m->push_back(AttnBlockpp(inCh, c.skipRescale));
    m->push_back(ResnetBlockBigGANpp(c, inCh, inCh, false, false));
    for (int i = L - 1; i >= 0; --i) {
        for (int b = 0; b < c.numResBlocks + 1; ++b) {
            const int outCh = c.nf * c.chMult[i];
            m->push_back(ResnetBlockBigGANpp(c, inCh + hsC.back(), outCh, false, false));
            hsC.pop_back();
            inCh = outCh;
        }
        if (attnAt(i)) m->push_back(AttnBlockpp(inCh, c.skipRescale));
        if (c.progressive == "output_skip") {
            m->push_back(groupNorm(inCh));
            m->push_back(conv3x3(inCh, channels));
        }
        if (i != 0) m->push_back(ResnetBlockBigGANpp(c, inCh, inCh, true, false));
    }
    if (c.progressive != "output_skip") {
        m->push_back(groupNorm(inCh));
        m->push_back(conv3x3(inCh, channels));
    }
    all_modules = register_module("all_modules", m);
}

torch::Tensor NCSNppImpl::act(const torch::Tensor& x) const { return ncsnppActivation(m_config.nonlinearity, x); }

std::int64_t NCSNppImpl::parameterCount() const {
    std::int64_t n = 0;
    for (const auto& p : parameters()) n += p.numel();
    return n;
}

std::string NCSNppImpl::checkShape(std::int64_t Fbins, std::int64_t T) const {
    const int L = m_config.levels();
    const std::int64_t div = std::int64_t{1} << (L - 1);
    if (Fbins < 1 || T < 1) return "NCSN++: empty input";
    if (Fbins % div || T % div)
        return "NCSN++: frequency bins and frames must be multiples of " + std::to_string(div) + " (got " +
               std::to_string(Fbins) + "×" + std::to_string(T) + "; SGMSE+ pads the frames to a multiple of 64)";
    // Upstream applies attention where h.shape[-2] is in attn_resolutions, but creates the modules
    // where image_size / 2^level is; both must agree or its module walk goes astray.
    for (int i = 0; i < L; ++i) {
        const auto hNow = Fbins >> i;
        const bool runtime = std::find(m_config.attnResolutions.begin(), m_config.attnResolutions.end(), hNow) !=
                             m_config.attnResolutions.end();
        const bool built = std::find(m_config.attnResolutions.begin(), m_config.attnResolutions.end(),
                                     m_allResolutions[i]) != m_config.attnResolutions.end();
        if (runtime != built)
            return "NCSN++: " + std::to_string(Fbins) + " frequency bins do not fit this network (image_size " +
                   std::to_string(m_config.imageSize) + ", attention at " + std::to_string(m_allResolutions[i]) +
                   " rows); use " + std::to_string(m_config.imageSize) + " bins (n_fft " +
                   std::to_string(2 * (m_config.imageSize - 1)) + ")";
    }
    return {};
}

torch::Tensor NCSNppImpl::forward(const torch::Tensor& xIn, const torch::Tensor& tIn) {
    if (xIn.dim() != 4 || xIn.size(1) != 4)
        throw std::invalid_argument("NCSN++: the input must be [B, 4, F, T] (Re x_t, Im x_t, Re y, Im y)");
    if (auto why = checkShape(xIn.size(2), xIn.size(3)); !why.empty()) throw std::invalid_argument(why);
    const auto B = xIn.size(0);
    auto t = tIn.to(xIn.dtype()).reshape({-1});
    if (t.size(0) == 1 && B != 1) t = t.expand({B});
    if (t.size(0) != B) throw std::invalid_argument("NCSN++: t must have one value per batch element");

    const auto& c = m_config;
    const int L = c.levels();
    auto& mods = *all_modules;
    std::size_t idx = 0;
    auto next = [&]() -> std::shared_ptr<torch::nn::Module> {
        if (idx >= mods.size()) throw std::logic_error("NCSN++: module walk ran past the end");
        return mods.ptr(idx++);
    };
    auto res = [&](const torch::Tensor& h, const torch::Tensor& temb) {
        auto* blk = next()->as<ResnetBlockBigGANppImpl>();
        if (!blk) throw std::logic_error("NCSN++: module walk expected a ResnetBlockBigGANpp");
        return blk->forward(h, temb);
    };
    auto attn = [&](const torch::Tensor& h) {
        auto* blk = next()->as<AttnBlockppImpl>();
        if (!blk) throw std::logic_error("NCSN++: module walk expected an AttnBlockpp");
        return blk->forward(h);
    };
    auto attnAtRuntime = [&](const torch::Tensor& h) {
        return std::find(c.attnResolutions.begin(), c.attnResolutions.end(), h.size(-2)) != c.attnResolutions.end();
    };

    // Time embedding of log t.
    torch::Tensor temb = next()->as<GaussianFourierProjectionImpl>()->forward(torch::log(t));
    if (c.conditional) {
        temb = next()->as<torch::nn::LinearImpl>()->forward(temb);
        temb = next()->as<torch::nn::LinearImpl>()->forward(act(temb));
    } else {
        temb = torch::Tensor();
    }

    auto x = xIn;
    if (!c.centered) x = 2 * x - 1.;
    torch::Tensor inputPyramid;
    if (c.progressiveInput != "none") inputPyramid = x;

    std::vector<torch::Tensor> hs;
    hs.push_back(next()->as<torch::nn::Conv2dImpl>()->forward(x));
    torch::Tensor h;
    for (int i = 0; i < L; ++i) {
        for (int b = 0; b < c.numResBlocks; ++b) {
            h = res(hs.back(), temb);
            if (attnAtRuntime(h)) h = attn(h);
            hs.push_back(h);
        }
        if (i != L - 1) {
            h = res(hs.back(), temb);
            if (c.progressiveInput == "input_skip") {
                inputPyramid = m_pyramid.down(inputPyramid);
                h = next()->as<CombineImpl>()->forward(inputPyramid, h);
            }
            hs.push_back(h);
        }
    }
    h = hs.back();
    h = res(h, temb);
    h = attn(h);
    h = res(h, temb);

    torch::Tensor pyramid;
    for (int i = L - 1; i >= 0; --i) {
        for (int b = 0; b < c.numResBlocks + 1; ++b) {
            h = res(torch::cat({h, hs.back()}, 1), temb);
            hs.pop_back();
        }
        if (attnAtRuntime(h)) h = attn(h);
        if (c.progressive == "output_skip") {
            auto* gn = next()->as<torch::nn::GroupNormImpl>();
            auto* conv = next()->as<torch::nn::Conv2dImpl>();
            const auto branch = conv->forward(act(gn->forward(h)));
            pyramid = (i == L - 1) ? branch : m_pyramid.up(pyramid) + branch;
        }
        if (i != 0) h = res(h, temb);
    }
    if (c.progressive == "output_skip") {
        h = pyramid;
    } else {
        auto* gn = next()->as<torch::nn::GroupNormImpl>();
        auto* conv = next()->as<torch::nn::Conv2dImpl>();
        h = conv->forward(act(gn->forward(h)));
    }
    if (idx != mods.size()) throw std::logic_error("NCSN++: module walk did not use every module");
    if (c.scaleBySigma) h = h / t.reshape({B, 1, 1, 1});
    return output_layer(h);
}

torch::Tensor NCSNppImpl::forwardComplex(const torch::Tensor& xt, const torch::Tensor& y, const torch::Tensor& t) {
    if (!xt.is_complex() || !y.is_complex() || xt.dim() != 4 || y.dim() != 4 || xt.size(1) != 1 || y.size(1) != 1)
        throw std::invalid_argument("NCSN++: x_t and y must be complex [B, 1, F, T]");
    const auto x4 = torch::cat({torch::real(xt), torch::imag(xt), torch::real(y), torch::imag(y)}, 1);
    const auto h = forward(x4, t);                           // [B, 2, F, T]
    return torch::view_as_complex(h.permute({0, 2, 3, 1}).contiguous()).unsqueeze(1);
}

torch::Tensor NCSNppImpl::score(const torch::Tensor& xt, const torch::Tensor& y, const torch::Tensor& t) {
    return -forwardComplex(xt, y, t);
}

} // namespace reverie::models::published
