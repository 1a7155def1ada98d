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

/// "input_blocks.4.1.rest" → {4, 1, "rest"}; "middle_block.2.rest" → {2, 0 ignored, …} via `head`.
bool splitBlock(const std::string& name, const std::string& head, int* block, int* part, std::string* rest) {
    if (!startsWith(name, head + ".")) return false;
    std::size_t pos = head.size() + 1;
    auto number = [&](int* out) {
        const std::size_t dot = name.find('.', pos);
        if (dot == std::string::npos || dot == pos) return false;
        for (std::size_t i = pos; i < dot; ++i)
            if (name[i] < '0' || name[i] > '9') return false;
        *out = std::stoi(name.substr(pos, dot - pos));
        pos = dot + 1;
        return true;
    };
    if (!number(block)) return false;
    if (part && !number(part)) return false;
    *rest = name.substr(pos);
    return true;
}

/// A residual block's module names, the checkpoint's → diffusers'.
std::string resnetPart(const std::string& rest) {
    static const std::pair<const char*, const char*> kNames[] = {
        {"in_layers.2", "conv1"}, {"emb_layers.1", "time_emb_proj"}, {"out_layers.3", "conv2"}, {"skip_connection", "conv_shortcut"}};
    for (const auto& [ldm, diffusers] : kNames)
        if (rest == ldm) return diffusers;
    return {};
}

} // namespace

std::string diffusersUNetPath(const std::string& name, int resBlocks) {
    const int per = resBlocks + 1;
    int n = 0, part = 0;
    std::string rest;
    auto resnet = [&](const std::string& head) {
        const std::string r = resnetPart(rest);
        return r.empty() ? std::string() : head + "." + r;
    };
    if (name == "time_embed.0") return "time_embedding.linear_1";
    if (name == "time_embed.2") return "time_embedding.linear_2";
    if (name == "input_blocks.0.0") return "conv_in";
    if (name == "out.2") return "conv_out";
    if (splitBlock(name, "input_blocks", &n, &part, &rest)) {
        if (n < 1) return {};
        const int level = (n - 1) / per, j = (n - 1) % per;
        if (j == resBlocks) return part == 0 && rest == "op" ? "down_blocks." + std::to_string(level) + ".downsamplers.0.conv" : "";
        const std::string head = "down_blocks." + std::to_string(level);
        if (part == 0) return resnet(head + ".resnets." + std::to_string(j));
        if (part == 1) return head + ".attentions." + std::to_string(j) + "." + rest;
        return {};
    }
    if (splitBlock(name, "middle_block", &n, nullptr, &rest)) {
        if (n == 0 || n == 2) return resnet("mid_block.resnets." + std::to_string(n / 2));
        if (n == 1) return "mid_block.attentions.0." + rest;
        return {};
    }
    if (splitBlock(name, "output_blocks", &n, &part, &rest)) {
        const std::string head = "up_blocks." + std::to_string(n / per);
        if (part == 0) return resnet(head + ".resnets." + std::to_string(n % per));
        // The block's last module may be its upsampler (".1.conv" without attention, ".2.conv" with).
        if (rest == "conv") return head + ".upsamplers.0.conv";
        if (part == 1) return head + ".attentions." + std::to_string(n % per) + "." + rest;
        return {};
    }
    return {};
}

std::string kohyaUNetKey(const std::string& name, int resBlocks) {
    const std::string path = diffusersUNetPath(name, resBlocks);
    return path.empty() ? std::string() : "lora_unet_" + underscored(path);
}

namespace {

/// The suffixes a LoRA module's tensors carry: kohya's, PEFT's and older diffusers'.
constexpr const char* kDown[] = {".lora_down.weight", ".lora_A.weight", ".lora.down.weight"};
constexpr const char* kUp[] = {".lora_up.weight", ".lora_B.weight", ".lora.up.weight"};

const at::Tensor* findAny(const formats::TensorFile& f, const std::string& mod, const char* const (&suffixes)[3]) {
    for (const char* s : suffixes)
        if (const at::Tensor* t = f.find(mod + s)) return t;
    return nullptr;
}

/// The module a LoRA tensor belongs to ("" for a tensor that is not a LoRA factor or α).
std::string moduleOf(const std::string& key) {
    for (const auto* list : {&kDown, &kUp})
        for (const char* s : *list) {
            const std::string suffix = s;
            if (key.size() > suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0)
                return key.substr(0, key.size() - suffix.size());
        }
    if (key.size() > 6 && key.compare(key.size() - 6, 6, ".alpha") == 0) return key.substr(0, key.size() - 6);
    // Other LyCORIS factors (hada_w1_a, lokr_w1, …): the module is reported as not applied.
    const auto dot = key.find('.');
    return dot == std::string::npos ? key : key.substr(0, dot);
}

} // namespace

Result<LoraFile> loadLora(const std::string& path, SdUNetImpl& unet, ClipTextModelImpl& text) {
    using R = Result<LoraFile>;
    const std::string file = std::filesystem::path(path).filename().string();
    auto f = formats::readSafetensors(path);
    if (!f) return f.error();
    std::set<std::string> modules;
    for (const auto& [k, t] : f.value().tensors) {
        if (startsWith(k, "lora_te1_") || startsWith(k, "lora_te2_") || startsWith(k, "text_encoder_2."))
            return R::invalid(file + " is a LoRA for SDXL (two text encoders, lora_te1_/lora_te2_), not SD 1.x");
        if (startsWith(k, "lora_unet_") || startsWith(k, "lora_te_") || startsWith(k, "unet.") ||
            startsWith(k, "text_encoder."))
            modules.insert(moduleOf(k));
    }
    if (modules.empty())
        return R::invalid(file + " holds no LoRA weights (no lora_unet_/lora_te_ or unet./text_encoder. keys)");

    // Every name a file may give a weight (kohya with diffusers' or the checkpoint's module
    // names, PEFT/diffusers) → (parameter, text?).
    std::map<std::string, std::pair<std::string, bool>> targets;
    std::map<std::string, at::Tensor> unetParams, textParams;
    const int resBlocks = int(unet.config().numResBlocks);
    for (const auto& item : unet.named_parameters(true)) {
        const std::string& n = item.key();
        unetParams[n] = item.value();
        if (n.size() < 7 || n.compare(n.size() - 7, 7, ".weight") != 0 || item.value().dim() < 2) continue;
        const std::string module = n.substr(0, n.size() - 7);
        targets["lora_unet_" + underscored(module)] = {n, false};
        if (const std::string d = diffusersUNetPath(module, resBlocks); !d.empty()) {
            targets["lora_unet_" + underscored(d)] = {n, false};
            targets["unet." + d] = {n, false};
        }
    }
    for (const auto& item : text.named_parameters(true)) {
        const std::string& n = item.key();
        textParams[n] = item.value();
        if (!startsWith(n, "encoder.") || n.size() < 7 || n.compare(n.size() - 7, 7, ".weight") != 0) continue;
        if (item.value().dim() != 2) continue;
        const std::string module = n.substr(0, n.size() - 7);
        targets["lora_te_text_model_" + underscored(module)] = {n, true};
        targets["text_encoder.text_model." + module] = {n, true};
    }

    LoraFile out;
    for (const auto& mod : modules) {
        const at::Tensor* down = findAny(f.value(), mod, kDown);
        const at::Tensor* up = findAny(f.value(), mod, kUp);
        const auto it = targets.find(mod);
        // An up-projection with a spatial kernel is a LyCORIS variant this reader does not apply.
        const bool spatialUp = up && up->dim() == 4 && up->size(2) * up->size(3) != 1;
        if (!down || !up || it == targets.end() || spatialUp) {
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
        // Linear: up·down. Convolution: up [out, r, 1, 1] · down [r, in, kh, kw] flattened, which is
        // the conv weight [out, in, kh, kw] once reshaped.
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
                          " LoRA modules matches this model's UNet or text-encoder layers");
    return out;
}

} // namespace reverie::models::sd
