#pragma once
// Crash-safe files. Every artefact Reverie writes (checkpoints, weights, cards, images, audio,
// concept libraries) goes to a temporary file beside its target, is flushed to disk, and is
// renamed over the target, so a kill at any moment leaves either the old or the new complete file.
//
// Thread rules: any thread. Failure: an error naming the target; the target is left untouched and
// the temporary file removed.

#include "base/job.h"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace reverie::io {

/// A fresh temporary path in the target's folder (".name.reverie-tmp-<pid>-<n>").
std::string temporaryPathFor(const std::string& target);

/// Makes a finished temporary file the target: fsync the file, rename it over target, fsync the
/// folder, then remove the target's stale temporaries (removeStaleTemporaries). On failure the
/// temporary file is removed.
Result<bool> commitTemporary(const std::string& tmp, const std::string& target);

/// Removes what killed writers left beside target: its temporary files whose process is gone
/// (".name.reverie-tmp-<pid>-<n>" with no live <pid>). Files of live processes are kept. Returns
/// how many were removed.
int removeStaleTemporaries(const std::string& target);

/// Writes bytes to path atomically.
Result<bool> writeFileAtomic(const std::string& path, std::string_view bytes);

/// For writers that need a file name (LibTorch archives, encoders): `write` fills the temporary
/// file it is given; then it is committed. An error or exception from `write` leaves no trace.
Result<bool> replaceAtomic(const std::string& path, const std::function<Result<bool>(const std::string& tmp)>& write);

/// Reads a whole file; refuses files larger than maxBytes (so a wrong path to a huge file fails
/// fast instead of exhausting memory).
Result<std::string> readFile(const std::string& path, std::size_t maxBytes = std::size_t(64) << 20);

} // namespace reverie::io
