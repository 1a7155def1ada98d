#include "models/sd/files.h"

#include "models/formats/torchzip.h"

#include <algorithm>

namespace reverie::models::sd {

Result<SdFileTensors> readSdFile(const std::string& path) {
    using R = Result<SdFileTensors>;
    const auto format = formats::detectCheckpointFormat(path);
    if (format == formats::CheckpointFormat::Missing) return R::invalid(path + ": cannot open the file");
    auto read = formats::readCheckpointTensors(path);
    if (!read) return read.error();
    SdFileTensors out;
    out.container = format == formats::CheckpointFormat::Safetensors ? "safetensors" : "torch.save zip";
    const std::string sd = "state_dict.";
    auto& t = read.value();
    if (std::any_of(t.begin(), t.end(), [&](const auto& kv) { return kv.first.compare(0, sd.size(), sd) == 0; })) {
        for (auto& kv : t)
            if (kv.first.compare(0, sd.size(), sd) == 0) out.tensors.emplace_back(kv.first.substr(sd.size()), std::move(kv.second));
        out.container += " (state_dict)";
    } else {
        out.tensors = std::move(t);
    }
    return out;
}

} // namespace reverie::models::sd
