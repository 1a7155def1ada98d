#pragma once
// SGMSE+'s NCSN++ backbone (sp-uhh/sgmse, sgmse/backbones/ncsnpp.py, registry name "ncsnpp"),
// rebuilt from its constructor arguments with the official parameter names, so that a published
// checkpoint's `dnn.*` tensors load 1:1 once the `dnn.` prefix is stripped:
//
//   output_layer.{weight,bias}                     1×1 conv 4 → 2 (registered first)
//   all_modules.<i>.…                              one flat ModuleList walked by a running index:
//       GaussianFourierProjection  W
//       Linear                     weight, bias
//       Conv2d                     weight, bias
//       ResnetBlockBigGANpp        GroupNorm_0, Conv_0, Dense_0, GroupNorm_1, Conv_1, [Conv_2]
//       AttnBlockpp                GroupNorm_0, NIN_0..NIN_3 (each W [in,out], b)
//       Combine                    Conv_0
//       GroupNorm                  weight, bias
//
// Parameters are registered in the upstream order, so parameters() lists them exactly as
// dnn.parameters() does — the order of an SGMSE+ checkpoint's EMA `shadow_params`.
//
// forward(x, t): x is the real 4-channel tensor [B, 4, F, T] = [Re x_t, Im x_t, Re y, Im y] that
// upstream builds from its complex input cat([x_t, y], dim=1); t is float32 [B] (t > 0). The
// result is the real [B, 2, F, T] = [Re, Im] of the network output. As upstream, the net embeds
// log(t) with Gaussian Fourier features and divides its pyramid output by t before output_layer.
//
// Score convention (SGMSE+ ScoreModel with backbone "ncsnpp"):
//     score(x_t, y, t) = −dnn(cat([x_t, y]), t)          (see score() below)
// The 1/t is already inside the network; the training loss was |score·σ(t) + z|².
//
// Supported configurations: resblock_type "biggan", progressive "output_skip" or "none",
// progressive_input "input_skip" or "none", progressive_combine "sum" or "cat", embedding_type
// "fourier", any FIR kernel of length ≥ 2 (or fir = false), nonlinearity swish/relu/lrelu/elu,
// conditional true/false, scale_by_sigma true/false, centered true/false. Other values (the
// "ddpm" res blocks, "residual" pyramids, "positional" embedding — which upstream cannot run
// either) are refused by NcsnppConfig::validate(). The backbones "ncsnpp_v2" and "ncsnpp_48k" are
// different networks and are not covered.
//
// Shapes: the frequency axis F must be such that attention happens exactly at the levels where
// the modules were created (upstream decides at run time by h.shape[-2] ∈ attn_resolutions,
// which agrees with construction only when F == image_size — 256 for the published models,
// hence n_fft 510); F and T must be divisible by 2^(levels−1) (64 for the default config).
//
// Thread rules: a module is used by one thread at a time.

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::models::published {

/// NCSNpp constructor arguments, with upstream's defaults. JSON keys are upstream's names.
struct NcsnppConfig {
    bool scaleBySigma = true;             ///< scale_by_sigma
    std::string nonlinearity = "swish";   ///< nonlinearity
    int nf = 128;                         ///< nf
    std::vector<int> chMult = {1, 1, 2, 2, 2, 2, 2}; ///< ch_mult
    int numResBlocks = 2;                 ///< num_res_blocks
    std::vector<int> attnResolutions = {16};         ///< attn_resolutions
    bool resampWithConv = true;           ///< resamp_with_conv (only used by "ddpm" blocks)
    bool conditional = true;              ///< conditional
    bool fir = true;                      ///< fir
    std::vector<double> firKernel = {1, 3, 3, 1};    ///< fir_kernel
    bool skipRescale = true;              ///< skip_rescale
    std::string resblockType = "biggan";  ///< resblock_type
    std::string progressive = "output_skip";         ///< progressive
    std::string progressiveInput = "input_skip";     ///< progressive_input
    std::string progressiveCombine = "sum";          ///< progressive_combine
    double initScale = 0.0;               ///< init_scale (initialisation only)
    double fourierScale = 16.0;           ///< fourier_scale (initialisation only)
    int imageSize = 256;                  ///< image_size
    std::string embeddingType = "fourier"; ///< embedding_type
    double dropout = 0.0;                 ///< dropout (no-op at inference)
    bool centered = true;                 ///< centered: false maps the input x → 2x − 1

    /// Reads upstream-named keys from a JSON object (e.g. SGMSE+ hyper_parameters, which also
    /// hold many unrelated keys: those are ignored). Keys not present keep the defaults. Returns
    /// an empty string when fine, otherwise a message.
    static std::string fromJson(const nlohmann::json& j, NcsnppConfig* out);
    nlohmann::json toJson() const;
    /// "" when this implementation can run the configuration, otherwise why not.
    std::string validate() const;
    int levels() const { return static_cast<int>(chMult.size()); }
};

// ---- blocks (public so that tests and tools can address them; names follow upstream) ---------

/// Gaussian Fourier features of log σ: [sin(2π·x·W), cos(2π·x·W)].
class GaussianFourierProjectionImpl : public torch::nn::Module {
public:
    GaussianFourierProjectionImpl(int embeddingSize, double scale);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor W;
};
TORCH_MODULE(GaussianFourierProjection);

/// "Network in network": a per-pixel dense layer, y = x_channels_last · W + b (W is [in, out]).
class NINImpl : public torch::nn::Module {
public:
    NINImpl(int in, int out);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor W, b;
};
TORCH_MODULE(NIN);

/// FIR / naive resampling shared by the blocks and the pyramids (no parameters).
struct NcsnppResampler {
    bool fir = true;
    torch::Tensor upKernel;   ///< [K, K], sum 4 (gain·factor²)
    torch::Tensor downKernel; ///< [K, K], sum 1, already flipped for correlation
    int kernelSize = 0;
    NcsnppResampler() = default;
    NcsnppResampler(bool fir, const std::vector<double>& kernel);
    torch::Tensor up(const torch::Tensor& x) const;   ///< [B,C,H,W] → [B,C,2H,2W]
    torch::Tensor down(const torch::Tensor& x) const; ///< [B,C,H,W] → [B,C,H/2,W/2]
};

class ResnetBlockBigGANppImpl : public torch::nn::Module {
public:
    ResnetBlockBigGANppImpl(const NcsnppConfig& c, int inCh, int outCh, bool up, bool down);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb);

    torch::nn::GroupNorm GroupNorm_0{nullptr}, GroupNorm_1{nullptr};
    torch::nn::Conv2d Conv_0{nullptr}, Conv_1{nullptr}, Conv_2{nullptr};
    torch::nn::Linear Dense_0{nullptr};

private:
    bool m_up, m_down, m_skipRescale;
    std::string m_act;
    NcsnppResampler m_resample;
};
TORCH_MODULE(ResnetBlockBigGANpp);

class AttnBlockppImpl : public torch::nn::Module {
public:
    AttnBlockppImpl(int channels, bool skipRescale);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::GroupNorm GroupNorm_0{nullptr};
    NIN NIN_0{nullptr}, NIN_1{nullptr}, NIN_2{nullptr}, NIN_3{nullptr};

private:
    bool m_skipRescale;
};
TORCH_MODULE(AttnBlockpp);

class CombineImpl : public torch::nn::Module {
public:
    CombineImpl(int dim1, int dim2, std::string method);
    /// Conv_0(x) + y ("sum") or cat[Conv_0(x), y] ("cat").
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& y);
    torch::nn::Conv2d Conv_0{nullptr};

private:
    std::string m_method;
};
TORCH_MODULE(Combine);

// ---- the network ------------------------------------------------------------------------------

class NCSNppImpl : public torch::nn::Module {
public:
    /// Builds the module (random initial values; load a checkpoint with published/load.h).
    /// Throws std::invalid_argument when config.validate() fails.
    explicit NCSNppImpl(NcsnppConfig config);

    /// x: [B, 4, F, T] float32 (Re x_t, Im x_t, Re y, Im y); t: [B] float32, t > 0.
    /// Returns [B, 2, F, T] (Re, Im of the network output). Throws std::invalid_argument with a
    /// readable message for shapes the network cannot take.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t);
    /// Upstream's own call: xt, y complex64 [B, 1, F, T] → dnn(cat[xt, y], t), complex64 [B,1,F,T].
    torch::Tensor forwardComplex(const torch::Tensor& xt, const torch::Tensor& y, const torch::Tensor& t);
    /// SGMSE+ ScoreModel.forward for backbone "ncsnpp": −forwardComplex(xt, y, t).
    torch::Tensor score(const torch::Tensor& xt, const torch::Tensor& y, const torch::Tensor& t);

    const NcsnppConfig& config() const { return m_config; }
    /// Changes `centered` (it only affects forward; pre-Nov-2022 checkpoints may need false).
    void setCentered(bool centered) { m_config.centered = centered; }
    std::int64_t parameterCount() const;
    /// "" if [B, 4, F, T] inputs of this F and T are valid, otherwise why not.
    std::string checkShape(std::int64_t F, std::int64_t T) const;

    torch::nn::Conv2d output_layer{nullptr};
    torch::nn::ModuleList all_modules{nullptr};

private:
    torch::Tensor act(const torch::Tensor& x) const;

    NcsnppConfig m_config;
    std::vector<int> m_allResolutions;
    NcsnppResampler m_pyramid;
};
TORCH_MODULE(NCSNpp);

/// Applies the NCSN++ nonlinearity by upstream name ("swish", "relu", "lrelu", "elu").
torch::Tensor ncsnppActivation(const std::string& name, const torch::Tensor& x);

} // namespace reverie::models::published
