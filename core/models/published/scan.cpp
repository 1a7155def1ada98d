#include "models/published/scan.h"

#include "models/published/load.h"
#include "models/formats/safetensors.h"
#include "models/formats/torchzip.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace reverie::models::published {
namespace {

// The text of every SHORT_BINUNICODE (0x8c, 1-byte length) and BINUNICODE ('X', 4-byte length)
// opcode in a pickle: the dict keys of a state dict are among them. A byte scan, not an
// unpickler: a stray match inside binary data only adds a name that matches nothing.
std::vector<std::string> pickleStrings(const std::string& b) {
    std::vector<std::string> out;
    const std::size_t n = b.size();
    for (std::size_t i = 0; i + 1 < n; ++i) {
        std::size_t len = 0, start = 0;
        if (static_cast<unsigned char>(b[i]) == 0x8c) {
            len = static_cast<unsigned char>(b[i + 1]);
            start = i + 2;
        } else if (b[i] == 'X' && i + 5 <= n) {
            len = 0;
            for (int k = 3; k >= 0; --k) len = (len << 8) | static_cast<unsigned char>(b[i + 1 + std::size_t(k)]);
            start = i + 5;
            if (len > 512) continue;
        } else {
            continue;
        }
        if (len == 0 || start + len > n) continue;
        out.emplace_back(b, start, len);
    }
    return out;
}

std::vector<std::string> stripped(const std::vector<std::string>& names) {
    std::vector<std::string> keys;
    for (std::string k : names) {
        for (const char* p : {"state_dict.", "module.", "dnn."})
            if (k.rfind(p, 0) == 0) k = k.substr(std::string(p).size());
        keys.push_back(std::move(k));
    }
    return keys;
}

bool checkpointSuffix(const fs::path& p) {
    std::string e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return e == ".ckpt" || e == ".pth" || e == ".pt" || e == ".bin" || e == ".safetensors";
}

} // namespace

Result<FoundCheckpoint> identifyCheckpoint(const std::string& path) {
    using R = Result<FoundCheckpoint>;
    std::vector<std::string> names;
    switch (formats::detectCheckpointFormat(path)) {
    case formats::CheckpointFormat::Missing: return R::invalid(path + ": cannot open the file");
    case formats::CheckpointFormat::Safetensors: {
        auto f = formats::readSafetensors(path);
        if (!f) return f.error();
        for (const auto& [name, _] : f.value().tensors) names.push_back(name);
        break;
    }
    case formats::CheckpointFormat::TorchZip: {
        auto bytes = formats::readTorchZipPickleBytes(path);
        if (!bytes) return bytes.error();
        names = pickleStrings(bytes.value());
        break;
    }
    case formats::CheckpointFormat::TorchLegacy:
        return R::invalid(path + ": a legacy (pre-1.6) torch.save file, which is not supported");
    case formats::CheckpointFormat::Unknown:
        return R::invalid(path + ": not a checkpoint (neither a torch.save zip archive nor a safetensors file)");
    }
    auto a = detectArchitecture(stripped(names));
    if (!a) return R::invalid(path + ": " + a.error().message);
    return FoundCheckpoint{path, architectureId(a.value()), architectureName(a.value())};
}

FolderScan scanModelsFolder(const std::string& folder) {
    FolderScan scan;
    std::error_code ec;
    if (folder.empty() || !fs::is_directory(folder, ec)) return scan;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code fe;
        if (it->is_regular_file(fe) && checkpointSuffix(it->path())) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        auto a = identifyCheckpoint(f.string());
        if (a) scan.found.push_back(a.value());
        else scan.skipped.push_back(f.filename().string() + ": " + a.error().message);
    }
    return scan;
}

} // namespace reverie::models::published
