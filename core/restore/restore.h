#pragma once
// The Restore workbench's jobs, torch-free (the GUI includes this header only): restore one image
// (a user's file or a demo pair made from a Fashion-MNIST test image), and sweep samplers × NFE
// over a set of demo pairs for PSNR/SSIM-vs-NFE curves. Images cross as ImageU8 (grey or RGB).
//
// Thread rules: run on the engine thread (LibTorch). Failure: every user mistake (a corrupt or
// huge file, a wrong model, bad settings) is an InvalidInput error with a sentence naming it;
// cancel returns Cancelled promptly (checked before every network evaluation).

#include "base/job.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace reverie::restore {

/// The restoration tasks' ids and labels, in menu order ("noise" → "Gaussian noise (σ = 25)").
struct TaskInfo {
    std::string id;
    std::string label;
};
const std::vector<TaskInfo>& tasks();

struct SamplerInfo {
    std::string id;
    std::string label;
};
/// Every restoration sampler, in menu order.
const std::vector<SamplerInfo>& samplers();

struct RestoreParams {
    /// A folder with weights.pt and card.json (kind "restorer"), or a published IR-SDE
    /// checkpoint file (.pth, .pt, .ckpt, .safetensors; ConditionalUNet), whose noise prediction
    /// is served on the official discrete schedule (docs/methods.md, "Published IR-SDE
    /// checkpoints").
    std::string modelDir;
    std::string sampler = "mrs-sde-2-data";
    int nfe = 10;                         ///< = steps for every sampler
    std::uint64_t seed = 0;               ///< item i draws its noise from seed + i
    /// IR-SDE stationary std λ on the 0..255 scale (the official configs' max_sigma). The built-in
    /// residual denoiser takes any λ; a published checkpoint must be given the max_sigma it was
    /// trained with (10 deraining/deblurring, 30 super-resolution/inpainting, 75 denoising), which
    /// the .pth file does not store.
    double lambda255 = 50;
    /// A published checkpoint: the SDE's T (the config's sde: T, 100 in every official config).
    /// The official samplers are `posterior` (their test default) and `em` at nfe = T.
    int sdeSteps = 100;
    int batch = 64;                       ///< images per network batch
    /// Tiled runs: tiles per network batch. 16 runs as fast as 64 on a 2-core CPU (3.26 against
    /// 3.61 s/MP, `bench restore --photo-levers`) and holds a quarter of the activations: what
    /// keeps a 12-MP photo under 1 GiB (README, "Photo speed levers").
    int tileBatch = 16;
    /// Where the network and the sampling run: "cpu", or "cuda" / "cuda:N" with a CUDA LibTorch and
    /// a visible GPU (refused with the reason otherwise). Inputs and results stay on the CPU.
    std::string device = "cpu";
    bool previews = false;                ///< progress carries x_t | x̂_0 of the first images
    int tileOverlap = 0; ///< tiled runs: overlap in pixels (0: a quarter tile, at least 4; −1: none)
    /// Tiled runs: the tile side in pixels (0: the model's own size, image_size on its card; a
    /// checkpoint: 256). The built-in photo models are fully convolutional, so larger tiles run
    /// the network over fewer overlapping pixels (`bench restore --photo-levers` measures it).
    /// A multiple of 8, 16…2048.
    int tileSize = 0;
    /// A model with a noise map (the photo denoiser): the std of the noise in the input on the
    /// 0..255 scale; < 0 estimates it from each image (restore/noiselevel.h).
    double noiseSigma255 = -1;
    /// What is wrong with the input, when the user knows: a degradation id (restore/degrade.h:
    /// "noise", "blur", "motion-blur", "down2", "down4", "jpeg", "inpaint-box", "inpaint-stroke"),
    /// or empty (unknown). A model with task labels (RestorerInfo::taskLabels) is told the task;
    /// a noise-map model is told σ = 0 for a task other than noise (as in its training) unless
    /// noiseSigma255 ≥ 0; restoreFile() and runRestore() up-sample a user's own
    /// file 2× / 4× (bicubic) first for down2 / down4, so the result is the super-resolved image.
    std::string task;
    /// Clamp the result to the image range. false returns the sampler's raw output (for
    /// comparisons with another implementation, tests/core/tst_published.cpp).
    bool clamp = true;
    /// When the degradation is known, make the result consistent with it (restore/consistency.h;
    /// docs/methods.md, "Consistency with a known degradation"): a demo pair made here (its kernel,
    /// its low-resolution image, its mask), a user's own file for down2 / down4 (the file is the
    /// low-resolution observation) or with maskPath. Inpainting then starts from a classical fill.
    /// restoreFile() and runRestore() only; restoreTensor() ignores it.
    bool consistency = true;
    /// With consistency and a known blur kernel or down-sampling: restore by plug-and-play with a
    /// noise-map photo denoiser as the prior (restore/pnp.h; docs/methods.md, "Plug-and-play with
    /// the photo denoiser") instead of one run of the model: "K:S:E", K denoiser calls told σ from
    /// S down to E (0..255), from the classical peer made consistent. Empty: off.
    std::string pnp;
    /// The plug-and-play prior: a noise-map model's folder (empty: modelDir) and its NFE per call.
    std::string pnpModelDir;
    int pnpNfe = 3;
    /// Denoising with a noise-map model: limit what is removed to the noise level (the
    /// discrepancy principle; docs/methods.md, "Noise budget"). false: the sampler's output.
    bool noiseBudget = true;
    /// restoreFile(): a user's own file with missing pixels: an image of the input's size whose
    /// non-black pixels mark what is missing (the usual convention of inpainting tools). The task
    /// becomes inpainting (inpaint-stroke unless task names inpaint-box).
    std::string maskPath;
};

/// Fails early (InvalidInput) for an unknown sampler or settings out of range.
Result<bool> validate(const RestoreParams& p);

/// The model's channel count and training image size (reads the card; for callers that convert).
struct RestorerInfo {
    int channels = 1;
    int imageSize = 28;   ///< a published checkpoint: 0 (fully convolutional, any size)
    std::string name;
    bool published = false;
    bool noiseMap = false; ///< takes the input's noise level (RestoreParams::noiseSigma255)
    bool taskLabels = false; ///< takes the task as a class label (RestoreParams::task; empty: unknown)
    /// The card's recommended sampling ("sampling": {"sampler", "nfe"}), chosen on validation
    /// photos; empty / 0 when the card names none.
    std::string recommendedSampler;
    int recommendedNfe = 0;
    /// The card's sampling, or RestoreParams' defaults where it names none.
    std::string samplerOrDefault() const {
        return recommendedSampler.empty() ? RestoreParams{}.sampler : recommendedSampler;
    }
    int nfeOrDefault() const { return recommendedNfe > 0 ? recommendedNfe : RestoreParams{}.nfe; }
    std::string summary;  ///< what was read (a checkpoint: architecture, parameters, config, notes)
};
Result<RestorerInfo> restorerInfo(const std::string& modelDir);

/// reverie-cli restore's unit of work: load an image file (any format OpenCV reads), optionally
/// degrade it first with `degradeTask` (a demo pair; the degraded image is written beside the
/// output as NAME-degraded.png), restore it, write `outPng` (never over `inPath`; alpha kept).
struct RestoreFileResult {
    std::int64_t nfe = 0;
    double seconds = 0;
    int width = 0, height = 0;        ///< of the result (the input's; 2× / 4× for task down2 / down4)
    std::string note; ///< what was adapted (channels), or ""
};
Result<RestoreFileResult> restoreFile(const RestoreParams& p, const std::string& inPath, const std::string& outPng,
                                      const std::string& degradeTask, const JobContext& ctx);

struct RestoreJobParams {
    std::string modelDir;                ///< the restorer's folder (models::zoo::find(models::zoo::kRestorer)) or a checkpoint
    std::string sampler = "mrs-sde-2-data";
    int nfe = 10;
    std::uint64_t seed = 0;
    double lambda255 = 50;
    double noiseSigma255 = -1;           ///< noise-map models: the input's noise σ (< 0: estimated)
    /// What is wrong with a user's own file (RestoreParams::task; empty: unknown). A demo pair
    /// uses degradeTask instead.
    std::string task;
    /// The input: a file path, or (when empty) the Fashion-MNIST test image `testIndex`.
    std::string inputPath;
    int testIndex = 0;
    /// Degrade the input with this task first (a demo pair; the clean image becomes the
    /// reference). Empty: restore the input as it is (no reference, no metrics).
    std::string degradeTask = "noise";
    bool classicalPeer = true;           ///< also run the task's classical peer (needs degradeTask)
    bool consistency = true;             ///< RestoreParams::consistency (demo pairs; own files for down2 / down4)
    /// With consistency and a known kernel or down-sampling: plug-and-play with the built-in photo
    /// denoiser as the prior, the schedule chosen per task on validation (RestoreParams::pnp "auto").
    bool plugAndPlay = false;
    std::string maskPath;                ///< RestoreParams::maskPath (a user's own file with missing pixels)
    bool previews = true;                ///< progress carries x_t | x̂_0 previews
};

struct RestoreJobResult {
    ImageU8 input;                       ///< what was restored (the degraded image μ)
    ImageU8 restored;
    ImageU8 reference;                   ///< the clean image (demo pairs only; else empty)
    ImageU8 peer;                        ///< the classical peer's result (else empty)
    std::string peerName;                ///< e.g. "OpenCV non-local means"
    std::optional<double> psnrInput, psnrRestored, psnrPeer; ///< dB against the reference
    std::optional<double> ssimInput, ssimRestored, ssimPeer;
    std::int64_t nfe = 0;
    double seconds = 0;
    int width = 0, height = 0, channels = 0; ///< of the input file as decoded
    std::string modelSummary;            ///< a checkpoint: what was read from it (else empty)
    std::string note;                    ///< what was adapted or estimated (e.g. the noise level), or ""
};

/// Validates the settings (sampler, NFE 1..1000, λ, task id) without running anything.
Result<bool> validateJob(const RestoreJobParams& p);
Result<RestoreJobResult> runRestore(const RestoreJobParams& p, const JobContext& ctx);

/// A sweep over demo pairs: for each sampler × NFE, restore `images` test images degraded with
/// `task` and report mean PSNR/SSIM, seconds per image and the allocator's peak (MiB). Progress:
/// one report per point with values {nfe, psnr, ssim, seconds, peak_mib} and message = sampler id.
struct RestoreSweepParams {
    RestoreJobParams base;               ///< model, seed, λ and degradeTask are used
    std::vector<std::string> samplerIds;
    std::vector<int> nfes;
    int images = 16;
};
struct RestoreSweepPoint {
    std::string sampler;
    int nfe = 0;
    double psnr = 0, ssim = 0, seconds = 0, peakMiB = 0;
};
struct RestoreSweepResult {
    std::vector<RestoreSweepPoint> points;
    double psnrInput = 0, ssimInput = 0;  ///< the degraded inputs' own scores
    double psnrPeer = 0, ssimPeer = 0;    ///< the classical peer's
};
Result<RestoreSweepResult> runRestoreSweep(const RestoreSweepParams& p, const JobContext& ctx);

} // namespace reverie::restore
