#pragma once
// File-system helpers shared by the file writers of core (images, audio): the "never write over
// the input" rule needs one notion of "the same file".

#include <filesystem>

namespace reverie::runtime {

/// True when a and b name the same file: the same inode when both exist, otherwise the same
/// path after resolving links and "." / ".." (weakly_canonical), falling back to the lexically
/// normal form when that fails. Never throws.
bool sameFile(const std::filesystem::path& a, const std::filesystem::path& b);

} // namespace reverie::runtime
