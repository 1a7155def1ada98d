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

namespace reverie::zoo {

/// The folders searched for `name`, in order (for error messages).
std::vector<std::string> searchPath(const std::string& name);
/// The folder of model `name`, or "" when none holds weights.pt.
std::string find(const std::string& name);
/// Remember the executable's directory (call once from main with argv[0]'s folder).
void setExecutableDir(const std::string& dir);

inline constexpr const char* kGenerator = "fmnist-edm";
inline constexpr const char* kClassifier = "fmnist-classifier";

} // namespace reverie::zoo
