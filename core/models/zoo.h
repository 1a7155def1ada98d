#pragma once
// Where the built-in models live. Torch-free.
//
// A model is a folder resources/models/<name>/ with weights.pt and card.json. Search order:
//   1. $REVERIE_MODELS_DIR/<name>
//   2. <directory of the executable>/../share/reverie/models/<name>   (installed package)
//   3. <source tree>/resources/models/<name>                          (build tree; compiled in)
// The first folder holding weights.pt wins.

#include <string>
#include <vector>

namespace reverie::models::zoo {

/// The folders searched for `name`, in order (for error messages).
std::vector<std::string> searchPath(const std::string& name);
/// The folder of model `name`, or "" when none holds weights.pt.
std::string find(const std::string& name);
/// What a --model argument names: an existing folder as given; otherwise a built-in model of that
/// name when one is found (find()); empty: the built-in `fallback`. Otherwise the argument as given
/// (loading it then names the problem).
std::string resolve(const std::string& folderOrName, const std::string& fallback);
/// A shipped data file resources/<relative> (e.g. "clip/bpe_simple_vocab_16e6.txt.gz"):
/// <directory of the executable>/../share/reverie/<relative> (installed), then the source tree's;
/// "" when neither exists.
std::string findResource(const std::string& relative);
/// Remember the executable's directory (call once from main with argv[0]'s folder).
void setExecutableDir(const std::string& dir);

inline constexpr const char* kGenerator = "fmnist-edm";
inline constexpr const char* kClassifier = "fmnist-classifier";
inline constexpr const char* kNoiseLevel = "fmnist-noise-level";
inline constexpr const char* kRestorer = "fmnist-restore";
inline constexpr const char* kPhotoRestorer = "photo-denoise";         ///< colour photos, noise only
inline constexpr const char* kPhotoUniversal = "photo-restore";        ///< colour photos, all eight tasks
inline constexpr const char* kEnhancer = "speech-enhance";                       ///< score model (OUVE SDE samplers)
inline constexpr const char* kPredictiveEnhancer = "speech-enhance-predictive"; ///< one pass (speech/predictive.h)
inline constexpr const char* kTextGenerator = "fmnist-text"; ///< text-conditional model (erase/textmodel.h)

} // namespace reverie::models::zoo
