#pragma once
// Opening the published checkpoints of SGMSE+ (NCSN++ in a Lightning .ckpt), IR-SDE
// (ConditionalUNet in a plain .pth state dict) and DA-CLIP (its UNet, .pth) without Python.
//
//   auto m = loadPublished("/models/sgmse_vbdmd.ckpt");
//   if (!m) show(m.error().message);
//   m.value().card.summary();            // what the studio shows as a model card
//   m.value().ncsnpp->score(xt, y, t);   // or m.value().unet->forward(xt, mu, t[, ctxs])
//
// Files: .ckpt / .pth / .pt / .bin (torch.save zip archives, read by the restricted unpickler of
// models/formats — nothing in the file is executed) and .safetensors. The architecture is
// detected from the tensor names (and SGMSE+'s hyper_parameters when present); prefixes
// "module." (DataParallel) and "dnn." (SGMSE+'s ScoreModel) are stripped.
//
// SGMSE+: the network config comes from hyper_parameters (every NCSNpp constructor argument
// present there takes effect, as upstream; missing ones keep upstream's defaults) and the
// inference weights are the EMA shadow parameters (ema.shadow_params, in dnn.parameters()
// order), as upstream's load_from_checkpoint + eval() use them; without an EMA the raw
// state_dict is used (upstream warns and does the same). WeightSource::Raw forces the raw
// weights. The STFT and SDE settings are read into SgmseSettings.
//
// IR-SDE / DA-CLIP: the .pth files carry no config; it is inferred from the key shapes.
// Neither file stores the SDE's max_sigma (IR-SDE: 10 for deraining/deblurring, 30 for
// inpainting/super-resolution/deshadowing; DA-CLIP: 50) — the card says so. DA-CLIP also needs
// its CLIP image encoder for the context vectors, which is not implemented (see daclip_unet.h).
//
// Every key and shape is checked: missing, unexpected and mis-shaped tensors are refused with a
// message that lists the first few.
//
// Memory: the torch.save reader loads every storage of the file, so a Lightning checkpoint
// with optimizer state briefly takes about four times the network's size.

#include "base/job.h"
#include "models/published/irsde_unet.h"
#include "models/published/ncsnpp.h"

#include <ATen/core/Tensor.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace reverie::models::published {

enum class Architecture {
    SgmseNcsnpp, ///< SGMSE+ ScoreModel, backbone "ncsnpp"
    IrsdeUNet,   ///< IR-SDE ConditionalUNet
    DaclipUNet,  ///< DA-CLIP ConditionalUNet (needs context vectors)
};
/// "SGMSE+ NCSN++", "IR-SDE ConditionalUNet", "DA-CLIP UNet".
std::string architectureName(Architecture a);
/// "sgmse_ncsnpp", "irsde_unet", "daclip_unet".
std::string architectureId(Architecture a);

enum class WeightSource {
    Auto, ///< SGMSE+: the EMA when the file has one, else the raw state_dict
    Ema,  ///< SGMSE+: the EMA, or an error if absent
    Raw,  ///< the raw (training) state_dict
};

/// SGMSE+'s data, SDE and sampler settings, as stored in hyper_parameters (upstream's
/// names in the comments; defaults are upstream's argparse defaults).
struct SgmseSettings {
    std::string backbone = "ncsnpp"; ///< backbone
    // Spectrogram (SpecsDataModule)
    int sampleRate = 16000;          ///< sr (older checkpoints: absent ⇒ 16000)
    int nFft = 510;                  ///< n_fft (256 frequency bins)
    int hopLength = 128;             ///< hop_length
    int numFrames = 256;             ///< num_frames (training crop)
    std::string window = "hann";     ///< window ("hann" or "sqrthann"), periodic
    double specFactor = 0.15;        ///< spec_factor
    double specAbsExponent = 0.5;    ///< spec_abs_exponent
    std::string transformType = "exponent"; ///< transform_type ("exponent", "log", "none")
    std::string normalize = "noisy"; ///< normalize
    // SDE
    std::string sde = "ouve";        ///< sde ("ouve" or "sbve")
    double theta = 1.5;              ///< theta (OUVE stiffness)
    double sigmaMin = 0.05;          ///< sigma_min
    double sigmaMax = 0.5;           ///< sigma_max
    int N = 30;                      ///< N (older checkpoints: sde_n)
    std::string samplerType = "pc";  ///< sampler_type
    std::optional<double> k, c, eps; ///< SBVE parameters, when present
    // ScoreModel
    double tEps = 0.03;              ///< t_eps
    double emaDecay = 0.999;         ///< ema_decay
    std::string lossType;            ///< loss_type, when present
    std::vector<std::string> defaulted; ///< upstream names that were absent (defaults used)

    /// Reads the settings from a hyper_parameters object (absent keys keep the defaults).
    static SgmseSettings fromHparams(const nlohmann::json& hparams);
    nlohmann::json toJson() const;
};

/// What the studio shows about a loaded checkpoint.
struct ModelCard {
    Architecture architecture = Architecture::SgmseNcsnpp;
    std::string name;             ///< architectureName()
    std::string file;
    std::string container;        ///< e.g. "Lightning checkpoint (torch.save zip, Lightning 2.1.4)"
    std::string weights;          ///< e.g. "EMA (ema.shadow_params, 475 tensors)"
    std::string strippedPrefix;   ///< "dnn.", "module." or ""
    std::int64_t parameters = 0;  ///< parameter count of the network
    std::int64_t tensors = 0;     ///< parameter tensors loaded
    nlohmann::json config;        ///< network constructor arguments (upstream names)
    std::optional<SgmseSettings> sgmse;
    nlohmann::json hyperParameters; ///< SGMSE+ hyper_parameters as stored (null if none)
    std::vector<std::string> notes; ///< what a user must know to run it

    nlohmann::json toJson() const;
    /// A few human-readable lines.
    std::string summary() const;
};

struct PublishedModel {
    ModelCard card;
    NCSNpp ncsnpp{nullptr};          ///< set for SgmseNcsnpp
    ConditionalUNet unet{nullptr};   ///< set for IrsdeUNet and DaclipUNet
    /// The loaded network (in eval mode, on the CPU).
    std::shared_ptr<torch::nn::Module> module() const;
};

struct LoadOptions {
    WeightSource weights = WeightSource::Auto;
    /// Refuse any other architecture (e.g. the speech workbench expects SgmseNcsnpp).
    std::optional<Architecture> expect;
    /// SGMSE+: applied on top of hyper_parameters before the network is built, in upstream
    /// names, e.g. {"centered": false} for an old checkpoint whose hparams lack the flag.
    nlohmann::json hparamOverrides = nlohmann::json::object();
    /// IR-SDE / DA-CLIP: use this config instead of inferring one from the shapes.
    std::optional<ConditionalUNetConfig> unetConfig;
};

/// Opens, identifies, checks and loads a published checkpoint. Errors are InvalidInput with a
/// message a person can act on.
Result<PublishedModel> loadPublished(const std::string& path, const LoadOptions& options = {});

// ---- lower-level pieces (used by loadPublished and the tests) ------------------------------

using NamedTensorList = std::vector<std::pair<std::string, at::Tensor>>;
using NamedShapes = std::vector<std::pair<std::string, std::vector<std::int64_t>>>;

/// Architecture from (prefix-stripped) tensor names and, if given, SGMSE+ hyper_parameters.
/// An unknown layout is an error that names the first keys and, when recognisable, what the
/// file looks like instead.
Result<Architecture> detectArchitecture(const std::vector<std::string>& keys,
                                        const nlohmann::json& hparams = nullptr);

/// Copies `tensors` into `module`'s parameters and buffers by name after checking that every
/// name matches and every shape agrees. `what` names the network in messages. Returns the
/// number of tensors copied.
Result<std::int64_t> loadNamedTensors(torch::nn::Module& module, const NamedTensorList& tensors,
                                      const std::string& what);

/// The module's parameters in registration order (= upstream state_dict order for these nets).
NamedShapes parameterShapes(const torch::nn::Module& module);

struct ManifestReport {
    Architecture architecture = Architecture::SgmseNcsnpp;
    std::int64_t keys = 0;        ///< tensors in the manifest (= in the module)
    std::int64_t parameters = 0;  ///< their total element count
    nlohmann::json config;        ///< the default config the module was built from
};

/// Checks a full-size key manifest (tests/fixtures/published/*_default_manifest.json: ordered
/// [name, shape, dtype] triples, an optional "prefix", "num_parameters", "num_keys") against the
/// module built from the architecture's published default config: same names, in the same
/// order, same shapes, and the stated counts.
Result<ManifestReport> checkManifest(const std::string& manifestPath);

/// The module built from the published default config of `a` (random values).
std::shared_ptr<torch::nn::Module> buildDefault(Architecture a, nlohmann::json* config = nullptr);

} // namespace reverie::models::published
