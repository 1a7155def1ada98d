#pragma once
// A quick look at checkpoint files: which published network a file holds, from its tensor names
// only (a safetensors header, or the names in a torch.save archive's data.pkl; no storage is
// read, so a 1 GB checkpoint takes milliseconds), and the checkpoints in a models folder. Used to
// list a user's models folder under the right workbench (Preferences → Models folder). It is a
// guess from the names: loadPublished() checks every key and shape when the file is used.
//
// Torch-free (the GUI includes it): architectures are named by load.h's architectureId() and
// architectureName() strings.
//
// Thread rules: plain functions, any thread. Failure: unreadable or unknown files are errors (in
// scanModelsFolder: listed as skipped with the reason); nothing in a file is executed.

#include "base/job.h"

#include <string>
#include <vector>

namespace reverie::models::published {

inline constexpr const char* kSgmseNcsnppId = "sgmse_ncsnpp";
inline constexpr const char* kIrsdeUNetId = "irsde_unet";
inline constexpr const char* kDaclipUNetId = "daclip_unet";

struct FoundCheckpoint {
    std::string path;
    std::string architectureId;   ///< "sgmse_ncsnpp", "irsde_unet" or "daclip_unet"
    std::string architectureName; ///< "SGMSE+ NCSN++", "IR-SDE ConditionalUNet", "DA-CLIP UNet"
};

/// What a checkpoint's tensor names say it holds. SGMSE+ hyper_parameters' backbone is not read: an ncsnpp_v2 file fails when
/// loaded, not here.
Result<FoundCheckpoint> identifyCheckpoint(const std::string& path);
struct FolderScan {
    std::vector<FoundCheckpoint> found;  ///< by file name
    std::vector<std::string> skipped;    ///< "name: why" for files with a checkpoint suffix that were not recognised
};

/// The checkpoints directly in `folder` (.ckpt, .pth, .pt, .bin, .safetensors; not recursive),
/// by file name. A missing folder gives an empty scan.
FolderScan scanModelsFolder(const std::string& folder);

} // namespace reverie::models::published
