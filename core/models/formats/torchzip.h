#pragma once
// Reading torch.save archives (.pt, .pth, .bin, Lightning .ckpt) without running Python code.
//
// A torch.save file (PyTorch ≥ 1.6) is a zip archive whose records all sit in one folder
// (usually "archive/", but it varies): data.pkl (the pickled object), data/<key> (the raw
// bytes of each storage, stored uncompressed), version (and, in newer releases, byteorder,
// .format_version, …). This reader
//   1. checks the zip's central directory itself before anything is allocated: every record is
//      stored (uncompressed, not encrypted), lies inside the file before the directory, and has a
//      unique name — so a zip bomb or a record that claims more bytes than the file has is
//      refused up front;
//   2. refuses, with a message that says what to do, legacy (pre-1.6) torch.save files, TorchScript
//      archives (torch.jit.save) and big-endian archives;
//   3. reads data.pkl through LibTorch's caffe2::serialize::PyTorchStreamReader and unpickles it
//      with the restricted, inert unpickler of pickle.h, loading each storage record once (views
//      of one storage share it) after checking its size against the element count and type that
//      the pickle declares. Tensors are always on the CPU, whatever device they were saved from,
//      and never require grad (PickleValue::requiresGrad() tells what was saved).

#include "models/formats/pickle.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace reverie::models::formats {

struct TorchFile {
    std::shared_ptr<const PickleTree> tree;
    const PickleValue& root() const { return tree->root(); }
    std::string archiveName;          ///< the folder that holds the records
    std::uint64_t formatVersion = 0;  ///< the "version" record
    std::vector<std::string> records; ///< record names inside the folder, in directory order
};

/// Reads a torch.save zip archive.
Result<TorchFile> readTorchZip(const std::string& path, const PickleLimits& limits = {});
/// The raw bytes of the archive's data.pkl after the same checks of the zip directory as
/// readTorchZip, without unpickling it or reading any storage: a quick look at the names a file
/// holds (models/published/scan.h), whatever its size.
Result<std::string> readTorchZipPickleBytes(const std::string& path, const PickleLimits& limits = {});
/// readTorchZip from bytes in memory (for tests and fuzzing).
Result<TorchFile> readTorchZipFromMemory(std::string bytes, const PickleLimits& limits = {});

enum class CheckpointFormat {
    Missing,       ///< no such file, or unreadable
    Safetensors,   ///< 8-byte header length, then a JSON object
    TorchZip,      ///< a zip archive (torch.save ≥ 1.6, or TorchScript)
    TorchLegacy,   ///< a bare pickle (torch.save before 1.6, or _use_new_zipfile_serialization=False)
    Unknown,
};
/// Looks at the first bytes only.
CheckpointFormat detectCheckpointFormat(const std::string& path);

/// Every tensor of a checkpoint, by dotted name: a safetensors file's tensors, or
/// flattenStateDict() of a torch.save archive's object — below `subtree` when it is given
/// ("state_dict", "ema.shadow_params"; an error if it is absent).
Result<NamedTensors> readCheckpointTensors(const std::string& path, const std::string& subtree = {});

} // namespace reverie::models::formats
