#pragma once
// Reading and writing .safetensors files (https://huggingface.co/docs/safetensors).
//
// Layout: an unsigned 64-bit little-endian header length N, N bytes of JSON
//     {"__metadata__": {"k": "v", ...},                      (optional, string → string)
//      "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
// and then the data section; offsets are relative to the start of the data section.
//
// The reader checks the whole header before it allocates or maps a single tensor: the header
// length against the file size and a cap, the JSON, every dtype, every shape (element count ×
// element size computed without overflow and equal to end − begin), every offset pair against
// the data section, and that the tensors tile the data section exactly (sorted by offset, no
// overlap, no gap, nothing after the last one — the rule the reference implementation enforces,
// which also rules out polyglot files). Nothing in the file is ever executed.
//
// Memory: by default the file is memory-mapped (read-only file, private copy-on-write pages) and
// every tensor is a zero-copy view into the mapping; each tensor's storage holds a shared
// reference to the mapping, so the mapping lives exactly as long as the last tensor that uses
// it. Writing into a loaded tensor changes only this process's copy, never the file. A tensor
// whose bytes are not aligned to its element size is copied instead. Caveat of mapping: if
// another program truncates the file while tensors are alive, touching them raises SIGBUS; set
// ReadOptions::copy to read everything into ordinary memory and release the file at once.

#include "base/job.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace reverie::models::formats {

/// Tensors in file order (name, tensor). (pickle.h declares the same alias.)
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

struct TensorFile {
    NamedTensors tensors;                          ///< in the header's order
    std::map<std::string, std::string> metadata;   ///< the optional "__metadata__" object
    /// The tensor called `name`, or nullptr.
    const at::Tensor* find(const std::string& name) const;
};

namespace safetensors {

struct ReadOptions {
    bool copy = false;                              ///< copy into ordinary memory instead of mapping
    std::uint64_t maxHeaderBytes = 100ull << 20;    ///< refuse larger JSON headers (100 MiB)
    std::size_t maxDims = 64;                       ///< refuse tensors with more dimensions
};

/// The dtype code used in headers ("F32", "BF16", …) for a tensor type, or "" if the format
/// (or this reader) has none.
std::string dtypeName(at::ScalarType type);

} // namespace safetensors

/// Reads a .safetensors file. All validation happens before the first tensor is created.
Result<TensorFile> readSafetensors(const std::string& path, const safetensors::ReadOptions& options = {});

/// The same from bytes in memory (for tests and fuzzing); the tensors share `bytes` (moved into a
/// shared owner), or copy it when options.copy is set.
Result<TensorFile> readSafetensorsFromMemory(std::string bytes, const safetensors::ReadOptions& options = {});

/// Writes `tensors` (any device, any layout: written as contiguous CPU data, little-endian) and
/// `metadata` as a .safetensors file. The header keeps the given order; the data section is laid
/// out by falling element size so that every tensor is aligned to its element size. Names must
/// be unique, non-empty and not "__metadata__"; dtypes F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL.
/// Atomic: the bytes go to a temporary file in the same folder that is renamed over `path`
/// once complete, so a reader never sees a half-written file.
Result<bool> writeSafetensors(const std::string& path, const NamedTensors& tensors,
                              const std::map<std::string, std::string>& metadata = {});

} // namespace reverie::models::formats
