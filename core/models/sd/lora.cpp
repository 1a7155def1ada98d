#include "models/sd/lora.h"

#include "models/formats/safetensors.h"
#include "models/sd/clip_text.h"
#include "models/sd/unet.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace reverie::models::sd {
namespace {

std::string underscored(std::string s) {
    std::replace(s.begin(), s.end(), '.', '_');
    return s;
}

bool startsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

/// "input_blocks.4.1.rest" → {"input_blocks", 4, "rest"} after the block's ".1.".
bool splitBlock(const std::string& name, const std::string& head, int* index, std::string* rest) {
    if (!startsWith(name, head + ".")) return false;
    const std::size_t a = head.size() + 1, dot = name.find('.', a);
    if (dot == std::string::npos) return false;
    try {
        *index = std::stoi(name.substr(a, dot - a));
    } catch (...) {
        return false;
    }
    if (name.compare(dot, 3, ".1.") != 0) return false;
    *rest = name.substr(dot + 3);
    return true;
}

} // namespace

std::string kohyaUNetKey(const std::string& name, int resBlocks) {
    int n = 0;
    std::string rest, path;
    if (splitBlock(name, "input_blocks", &n, &rest)) {
        if (n < 1 || (n - 1) % (resBlocks + 1) == resBlocks) return {};
        path = "down_blocks." + std::to_string((n - 1) / (resBlocks + 1)) + ".attentions." +
               std::to_string((n - 1) % (resBlocks + 1)) + "." + rest;
    } else if (startsWith(name, "middle_block.1.")) {
        path = "mid_block.attentions.0." + name.substr(15);
        rest = name.substr(15);
    } else if (splitBlock(name, "output_blocks", &n, &rest)) {
        path = "up_blocks." + std::to_string(n / (resBlocks + 1)) + ".attentions." + std::to_string(n % (resBlocks + 1)) +
               "." + rest;
    } else {
        return {};
    }
    // Only the transformers' own modules (an output block's ".1." may be its upsampling conv).
    if (!startsWith(rest, "transformer_blocks.") && !startsWith(rest, "proj_in") && !startsWith(rest, "proj_out"))
        return {};
    return "lora_unet_" + underscored(path);
}

Result<LoraFile> loadLora(const std::string& path, SdUNetImpl& unet, ClipTextModelImpl& text) {
    using R = Result<LoraFile>;
    const std::string file = std::filesystem::path(path).filename().string();
    auto f = formats::readSafetensors(path);
    if (!f) return f.error();
    std::set<std::string> modules;
    for (const auto& [k, t] : f.value().tensors) {
        if (startsWith(k, "lora_te1_") || startsWith(k, "lora_te2_"))
            return R::invalid(file + " is a LoRA for SDXL (two text encoders, lora_te1_/lora_te2_), not SD 1.x");
        if (startsWith(k, "lora_unet_input_blocks") || startsWith(k, "lora_unet_output_blocks") ||
            startsWith(k, "lora_unet_middle_block"))
            return R::invalid(file + " names the UNet's blocks the SDXL way (lora_unet_input_blocks_…), not SD 1.x's");
        const auto dot = k.find('.');
        if (dot == std::string::npos || (!startsWith(k, "lora_unet_") && !startsWith(k, "lora_te_"))) continue;
        modules.insert(k.substr(0, dot));
    }
    if (modules.empty()) return R::invalid(file + " holds no LoRA weights (no lora_unet_ or lora_te_ keys)");

    // kohya key → (parameter, text?) for every Linear/1×1 conv weight that can carry a LoRA.
    std::map<std::string, std::pair<std::string, bool>> targets;
    const int resBlocks = int(unet.config().numResBlocks);
    for (const auto& item : unet.named_parameters(true)) {
        const std::string& n = item.key();
        if (n.size() < 7 || n.compare(n.size() - 7, 7, ".weight") != 0 || item.value().dim() < 2) continue;
        const std::string key = kohyaUNetKey(n.substr(0, n.size() - 7), resBlocks);
        if (!key.empty()) targets[key] = {n, false};
    }
    for (const auto& item : text.named_parameters(true)) {
        const std::string& n = item.key();
        if (!startsWith(n, "encoder.") || n.size() < 7 || n.compare(n.size() - 7, 7, ".weight") != 0) continue;
        if (item.value().dim() != 2) continue;
        targets["lora_te_text_model_" + underscored(n.substr(0, n.size() - 7))] = {n, true};
    }
    auto params = [&](bool isText) {
        std::map<std::string, at::Tensor> m;
        for (const auto& item : isText ? text.named_parameters(true) : unet.named_parameters(true))
            m[item.key()] = item.value();
        return m;
    };
    const auto unetParams = params(false), textParams = params(true);

    LoraFile out;
    for (const auto& mod : modules) {
        const at::Tensor* down = f.value().find(mod + ".lora_down.weight");
        const at::Tensor* up = f.value().find(mod + ".lora_up.weight");
        const auto it = targets.find(mod);
        if (!down || !up || it == targets.end()) {
            out.notApplied.push_back(mod);
            continue;
        }
        const auto& [param, isText] = it->second;
        const at::Tensor& w = (isText ? textParams : unetParams).at(param);
        const std::int64_t r = down->size(0);
        if (up->dim() < 2 || up->size(1) != r)
            return R::invalid(file + ": " + mod + " has lora_up and lora_down of different ranks");
        const at::Tensor* alphaT = f.value().find(mod + ".alpha");
        const double alpha = alphaT ? alphaT->to(at::kDouble).item<double>() : double(r);
        const at::Tensor d = at::matmul(up->to(at::kFloat).flatten(1), down->to(at::kFloat).flatten(1)) * (alpha / double(r));
        if (d.numel() != w.numel() || d.size(0) != w.size(0))
            return R::invalid(file + " was made for another base model: " + param + " is " +
                              std::to_string(w.size(0)) + "×" + std::to_string(w.numel() / w.size(0)) +
                              " here, the LoRA changes a " + std::to_string(d.size(0)) + "×" + std::to_string(d.size(1)) +
                              " matrix");
        out.changes.push_back({param, isText, w, d.reshape(w.sizes()).contiguous()});
        out.rank = std::max(out.rank, int(r));
    }
    if (out.changes.empty())
        return R::invalid(file + ": none of its " + std::to_string(modules.size()) +
                          " LoRA modules matches this model's transformer or text-encoder layers");
    return out;
}

} // namespace reverie::models::sd
