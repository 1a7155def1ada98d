#include "models/published/load.h"

#include "models/formats/pickle.h"
#include "models/formats/safetensors.h"
#include "models/formats/torchzip.h"

#include <torch/nn/module.h>
#include <torch/utils.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace reverie::models::published {

using nlohmann::json;

// ---- names ----------------------------------------------------------------------------------

std::string architectureName(Architecture a) {
    switch (a) {
    case Architecture::SgmseNcsnpp: return "SGMSE+ NCSN++";
    case Architecture::IrsdeUNet: return "IR-SDE ConditionalUNet";
    case Architecture::DaclipUNet: return "DA-CLIP UNet";
    }
    return "unknown";
}

std::string architectureId(Architecture a) {
    switch (a) {
    case Architecture::SgmseNcsnpp: return "sgmse_ncsnpp";
    case Architecture::IrsdeUNet: return "irsde_unet";
    case Architecture::DaclipUNet: return "daclip_unet";
    }
    return "unknown";
}

namespace {

std::string shapeText(at::IntArrayRef s) {
    std::string r = "[";
    for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
    return r + "]";
}
std::string shapeText(const std::vector<std::int64_t>& s) { return shapeText(at::IntArrayRef(s)); }

std::string firstFew(const std::vector<std::string>& items, std::size_t n = 4) {
    std::string r;
    for (std::size_t i = 0; i < items.size() && i < n; ++i) r += (i ? ", " : "") + items[i];
    if (items.size() > n) r += ", …";
    return r;
}

bool startsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// hyper_parameters (a plain dict, an AttributeDict or an argparse Namespace) → JSON. Tensors and
// class references become short strings; recursion is capped.
json pickleToJson(const formats::PickleValue& v, int depth = 0) {
    using K = formats::PickleKind;
    if (depth > 32) return "…";
    switch (v.kind()) {
    case K::None: return nullptr;
    case K::Bool: return *v.toBool();
    case K::Int: return *v.toInt();
    case K::BigInt: return v.raw();
    case K::Float: return *v.toDouble();
    case K::String: return v.raw();
    case K::Bytes: return "<bytes " + std::to_string(v.raw().size()) + ">";
    case K::List:
    case K::Tuple:
    case K::Set:
    case K::FrozenSet: {
        json a = json::array();
        for (const auto* e : v.items()) a.push_back(pickleToJson(*e, depth + 1));
        return a;
    }
    case K::Dict: {
        json o = json::object();
        for (const auto& e : v.entries()) {
            std::string key;
            if (e.key->is(K::String)) key = e.key->raw();
            else key = formats::pickleRepr(*e.key, 200);
            o[key] = pickleToJson(*e.value, depth + 1);
        }
        return o;
    }
    case K::Tensor: return "<tensor " + (v.tensor() ? shapeText(v.tensor()->sizes()) : std::string("?")) + ">";
    case K::Storage: return "<storage>";
    case K::Global: return "<class " + v.qualifiedName() + ">";
    case K::Object: {
        // An AttributeDict (SETITEMS) or a Namespace (BUILD with a dict state) reads as a mapping.
        if (!v.entries().empty()) {
            json o = json::object();
            for (const auto& e : v.entries())
                o[e.key->is(K::String) ? e.key->raw() : formats::pickleRepr(*e.key, 200)] = pickleToJson(*e.value, depth + 1);
            return o;
        }
        if (const auto* st = v.state(); st && st->is(K::Dict)) return pickleToJson(*st, depth + 1);
        return "<" + v.qualifiedName() + ">";
    }
    }
    return nullptr;
}

// What an unknown state dict looks like, for the error message.
std::string guessOther(const std::vector<std::string>& keys) {
    auto any = [&](const std::string& needle) {
        return std::any_of(keys.begin(), keys.end(), [&](const std::string& k) { return k.find(needle) != std::string::npos; });
    };
    if (any("model.diffusion_model.")) return " It looks like a latent-diffusion (Stable Diffusion) checkpoint.";
    if (any("first_stage_model.") || any("encoder.down.")) return " It looks like an autoencoder (VAE).";
    if (any("visual.transformer.") || any("text_projection")) return " It looks like a CLIP model.";
    if (any("input_blocks.") && any("output_blocks.")) return " It looks like an OpenAI guided-diffusion UNet.";
    if (any("down_blocks.") && any("up_blocks.")) return " It looks like a diffusers UNet.";
    if (any("all_modules.") && !any("output_layer.")) return " It looks like an NCSN++ of score_sde (not SGMSE+'s).";
    if (any("encoders.") && any("middle_blks.")) return " It looks like a NAFNet.";
    return "";
}

struct Contents {
    NamedTensorList tensors;          // prefix-stripped
    std::vector<at::Tensor> ema;      // SGMSE+ shadow params, if any
    bool hasEma = false;
    json hparams;                     // null if none
    std::string container;
    std::string prefix;
    std::vector<std::string> notes;
};

Result<Contents> readContents(const std::string& path) {
    using R = Result<Contents>;
    Contents c;
    const auto format = formats::detectCheckpointFormat(path);
    if (format == formats::CheckpointFormat::Missing) return R::invalid(path + ": cannot open the file");
    if (format == formats::CheckpointFormat::Unknown)
        return R::invalid(path + ": not a checkpoint (neither a torch.save zip archive nor a safetensors file)");
    if (format == formats::CheckpointFormat::Safetensors) {
        auto f = formats::readSafetensors(path, formats::safetensors::ReadOptions{.copy = true});
        if (!f) return f.error();
        c.tensors = std::move(f.value().tensors);
        c.container = "safetensors";
    } else {
        auto f = formats::readTorchZip(path); // also explains legacy and TorchScript files
        if (!f) return f.error();
        const auto& root = f.value().root();
        const formats::PickleValue* sd = &root;
        if (root.isMapping()) {
            if (const auto* s = root.get("state_dict"); s && s->isMapping()) {
                sd = s;
                std::string version;
                if (auto v = formats::findString(root, "pytorch-lightning_version")) version = ", Lightning " + *v;
                c.container = "Lightning checkpoint (torch.save zip" + version + ")";
                if (const auto* hp = root.get("hyper_parameters")) c.hparams = pickleToJson(*hp);
                if (const auto* ema = root.get("ema"); ema && !ema->isNone()) {
                    const auto* shadow = ema->get("shadow_params");
                    if (!shadow || !shadow->isSequence())
                        return R::invalid(path + ": the checkpoint's 'ema' has no 'shadow_params' list");
                    for (const auto* t : shadow->items()) {
                        if (!t->tensor())
                            return R::invalid(path + ": 'ema.shadow_params' holds something that is not a tensor");
                        c.ema.push_back(*t->tensor());
                    }
                    c.hasEma = true;
                }
            } else if (const auto* p = root.get("params_ema"); p && p->isMapping()) {
                sd = p;
                c.container = "state dict (torch.save zip, 'params_ema')";
            } else if (const auto* q = root.get("params"); q && q->isMapping()) {
                sd = q;
                c.container = "state dict (torch.save zip, 'params')";
            } else {
                c.container = "state dict (torch.save zip)";
            }
        } else {
            return R::invalid(path + ": the file holds a " + formats::pickleKindName(root.kind()) +
                              ", not a state dict or a checkpoint dictionary");
        }
        auto flat = formats::flattenStateDict(*sd);
        if (!flat) return Error{flat.error().kind, path + ": " + flat.error().message};
        c.tensors = std::move(flat.value());
    }
    if (c.tensors.empty()) return R::invalid(path + ": the file holds no tensors");

    // Strip prefixes that every key carries: DataParallel's "module." and ScoreModel's "dnn.".
    for (bool stripped = true; stripped;) {
        stripped = false;
        for (const std::string p : {"module.", "dnn."}) {
            const bool all = std::all_of(c.tensors.begin(), c.tensors.end(),
                                         [&](const auto& kv) { return startsWith(kv.first, p); });
            if (all) {
                for (auto& kv : c.tensors) kv.first.erase(0, p.size());
                c.prefix += p;
                stripped = true;
            }
        }
    }
    return c;
}

json mergedHparams(const json& hparams, const json& overrides) {
    json j = hparams.is_object() ? hparams : json::object();
    if (overrides.is_object())
        for (const auto& [k, v] : overrides.items()) j[k] = v;
    return j;
}

} // namespace

// ---- SGMSE+ settings ------------------------------------------------------------------------

SgmseSettings SgmseSettings::fromHparams(const json& h) {
    SgmseSettings s;
    auto take = [&](const char* key, auto* out) {
        using T = std::remove_pointer_t<decltype(out)>;
        if (!h.is_object() || !h.contains(key) || h.at(key).is_null()) {
            s.defaulted.push_back(key);
            return false;
        }
        const json& v = h.at(key);
        try {
            if constexpr (std::is_same_v<T, int>) {
                if (!v.is_number()) throw std::runtime_error("");
                *out = static_cast<int>(v.get<double>());
            } else if constexpr (std::is_same_v<T, double>) {
                if (!v.is_number()) throw std::runtime_error("");
                *out = v.get<double>();
            } else {
                if (!v.is_string()) throw std::runtime_error("");
                *out = v.get<std::string>();
            }
            return true;
        } catch (...) {
            s.defaulted.push_back(key);
            return false;
        }
    };
    take("backbone", &s.backbone);
    take("sr", &s.sampleRate);
    take("n_fft", &s.nFft);
    take("hop_length", &s.hopLength);
    take("num_frames", &s.numFrames);
    take("window", &s.window);
    take("spec_factor", &s.specFactor);
    take("spec_abs_exponent", &s.specAbsExponent);
    take("transform_type", &s.transformType);
    take("normalize", &s.normalize);
    take("sde", &s.sde);
    if (s.sde == "sbve") { // SBVE defaults differ
        s.N = 50;
        s.samplerType = "ode";
    }
    take("theta", &s.theta);
    take("sigma_min", &s.sigmaMin);
    take("sigma_max", &s.sigmaMax);
    if (h.is_object() && !h.contains("N") && h.contains("sde_n"))
        take("sde_n", &s.N); // checkpoints of the 2022 code
    else
        take("N", &s.N);
    take("sampler_type", &s.samplerType);
    for (auto [key, slot] : {std::pair{"k", &s.k}, std::pair{"c", &s.c}, std::pair{"eps", &s.eps}})
        if (h.is_object() && h.contains(key) && h.at(key).is_number()) *slot = h.at(key).get<double>();
    take("t_eps", &s.tEps);
    take("ema_decay", &s.emaDecay);
    take("loss_type", &s.lossType);
    return s;
}

json SgmseSettings::toJson() const {
    json j = {{"backbone", backbone},
              {"sr", sampleRate},
              {"n_fft", nFft},
              {"hop_length", hopLength},
              {"num_frames", numFrames},
              {"window", window},
              {"spec_factor", specFactor},
              {"spec_abs_exponent", specAbsExponent},
              {"transform_type", transformType},
              {"normalize", normalize},
              {"sde", sde},
              {"theta", theta},
              {"sigma_min", sigmaMin},
              {"sigma_max", sigmaMax},
              {"N", N},
              {"sampler_type", samplerType},
              {"t_eps", tEps},
              {"ema_decay", emaDecay},
              {"loss_type", lossType},
              {"defaulted", defaulted}};
    if (k) j["k"] = *k;
    if (c) j["c"] = *c;
    if (eps) j["eps"] = *eps;
    return j;
}

// ---- model card -----------------------------------------------------------------------------

json ModelCard::toJson() const {
    json j = {{"architecture", architectureId(architecture)},
              {"name", name},
              {"file", file},
              {"container", container},
              {"weights", weights},
              {"stripped_prefix", strippedPrefix},
              {"parameters", parameters},
              {"tensors", tensors},
              {"config", config},
              {"notes", notes}};
    if (sgmse) j["sgmse"] = sgmse->toJson();
    if (!hyperParameters.is_null()) j["hyper_parameters"] = hyperParameters;
    return j;
}

std::string ModelCard::summary() const {
    std::ostringstream s;
    s << name << " — " << parameters << " parameters in " << tensors << " tensors\n";
    s << "File: " << file << " (" << container << ")\n";
    s << "Weights: " << weights;
    if (!strippedPrefix.empty()) s << "; prefix '" << strippedPrefix << "' stripped";
    s << "\nNetwork: " << config.dump() << "\n";
    if (sgmse) {
        s << "STFT: n_fft " << sgmse->nFft << ", hop " << sgmse->hopLength << ", " << sgmse->window << " window, "
          << sgmse->sampleRate << " Hz; spectrogram " << sgmse->transformType << " (factor " << sgmse->specFactor
          << ", exponent " << sgmse->specAbsExponent << ")\n";
        s << "SDE: " << sgmse->sde;
        if (sgmse->sde == "ouve")
            s << " (θ " << sgmse->theta << ", σ_min " << sgmse->sigmaMin << ", σ_max " << sgmse->sigmaMax << ")";
        s << ", N " << sgmse->N << ", sampler " << sgmse->samplerType << ", t_eps " << sgmse->tEps << "\n";
    }
    for (const auto& n : notes) s << "Note: " << n << "\n";
    return s.str();
}

std::shared_ptr<torch::nn::Module> PublishedModel::module() const {
    if (ncsnpp) return ncsnpp.ptr();
    if (unet) return unet.ptr();
    return nullptr;
}

// ---- detection ------------------------------------------------------------------------------

Result<Architecture> detectArchitecture(const std::vector<std::string>& keys, const json& hparams) {
    using R = Result<Architecture>;
    if (hparams.is_object() && hparams.contains("backbone") && hparams.at("backbone").is_string()) {
        const auto backbone = hparams.at("backbone").get<std::string>();
        if (backbone != "ncsnpp")
            return R::invalid("this SGMSE+ checkpoint uses the backbone '" + backbone +
                              "'; only 'ncsnpp' (the published SGMSE+ models) is supported" +
                              (backbone == "ncsnpp_v2" || backbone == "ncsnpp_48k"
                                   ? std::string(" — '") + backbone + "' is a different network"
                                   : std::string()));
    }
    const std::set<std::string> k(keys.begin(), keys.end());
    auto has = [&](const std::string& name) { return k.count(name) > 0; };
    if (has("all_modules.0.W") && has("output_layer.weight")) return Architecture::SgmseNcsnpp;
    if (has("init_conv.weight") && has("time_mlp.1.weight") && has("final_conv.weight")) {
        const bool daclip = has("prompt") || has("text_mlp.0.weight") ||
                            std::any_of(keys.begin(), keys.end(), [](const std::string& s) {
                                return s.find(".transformer_blocks.") != std::string::npos;
                            });
        return daclip ? Architecture::DaclipUNet : Architecture::IrsdeUNet;
    }
    return R::invalid("not an SGMSE+ NCSN++, IR-SDE or DA-CLIP checkpoint (its first keys: " + firstFew(keys, 5) + ")." +
                      guessOther(keys));
}

// ---- loading tensors ------------------------------------------------------------------------

NamedShapes parameterShapes(const torch::nn::Module& module) {
    NamedShapes out;
    for (const auto& p : module.named_parameters(true)) out.emplace_back(p.key(), p.value().sizes().vec());
    return out;
}

Result<std::int64_t> loadNamedTensors(torch::nn::Module& module, const NamedTensorList& tensors, const std::string& what) {
    using R = Result<std::int64_t>;
    std::map<std::string, at::Tensor> slots;
    for (const auto& p : module.named_parameters(true)) slots.emplace(p.key(), p.value());
    for (const auto& b : module.named_buffers(true)) slots.emplace(b.key(), b.value());

    std::map<std::string, const at::Tensor*> given;
    std::vector<std::string> duplicate, unexpected, mismatched, badType;
    for (const auto& [name, t] : tensors) {
        if (!given.emplace(name, &t).second) duplicate.push_back(name);
        auto it = slots.find(name);
        if (it == slots.end()) {
            unexpected.push_back(name);
            continue;
        }
        if (!t.defined() || t.sizes() != it->second.sizes())
            mismatched.push_back(name + " (file " + (t.defined() ? shapeText(t.sizes()) : "undefined") + ", network " +
                                 shapeText(it->second.sizes()) + ")");
        else if (!at::isFloatingType(t.scalar_type()))
            badType.push_back(name + " (" + std::string(c10::toString(t.scalar_type())) + ")");
    }
    std::vector<std::string> missing;
    for (const auto& p : module.named_parameters(true))
        if (!given.count(p.key())) missing.push_back(p.key());
    for (const auto& b : module.named_buffers(true))
        if (!given.count(b.key())) missing.push_back(b.key());

    if (!duplicate.empty() || !unexpected.empty() || !missing.empty() || !mismatched.empty() || !badType.empty()) {
        std::string msg = "the checkpoint does not match the " + what + ":";
        if (!missing.empty())
            msg += " " + std::to_string(missing.size()) + " missing tensor(s) (" + firstFew(missing) + ");";
        if (!unexpected.empty())
            msg += " " + std::to_string(unexpected.size()) + " unexpected tensor(s) (" + firstFew(unexpected) + ");";
        if (!mismatched.empty())
            msg += " " + std::to_string(mismatched.size()) + " with the wrong shape (" + firstFew(mismatched, 3) + ");";
        if (!badType.empty()) msg += " " + std::to_string(badType.size()) + " not floating point (" + firstFew(badType) + ");";
        if (!duplicate.empty()) msg += " duplicate names (" + firstFew(duplicate) + ");";
        msg.back() = '.';
        return R::invalid(msg);
    }
    torch::NoGradGuard noGrad;
    for (const auto& [name, t] : tensors) slots.at(name).copy_(t);
    return static_cast<std::int64_t>(tensors.size());
}

// ---- building -------------------------------------------------------------------------------

std::shared_ptr<torch::nn::Module> buildDefault(Architecture a, json* config) {
    switch (a) {
    case Architecture::SgmseNcsnpp: {
        NcsnppConfig c;
        if (config) *config = c.toJson();
        return NCSNpp(c).ptr();
    }
    case Architecture::IrsdeUNet: {
        const auto c = ConditionalUNetConfig::irsdeDefault();
        if (config) *config = c.toJson();
        return ConditionalUNet(c).ptr();
    }
    case Architecture::DaclipUNet: {
        const auto c = ConditionalUNetConfig::daclipDefault();
        if (config) *config = c.toJson();
        return ConditionalUNet(c).ptr();
    }
    }
    return nullptr;
}

namespace {

Result<PublishedModel> loadSgmse(const std::string& path, Contents& c, const LoadOptions& o, PublishedModel m) {
    using R = Result<PublishedModel>;
    json h = mergedHparams(c.hparams, o.hparamOverrides);
    std::vector<std::string> notes;
    if (c.hparams.is_null()) {
        // No hyper_parameters (e.g. a bare dnn state dict): defaults, with nf from the Fourier W.
        for (const auto& [name, t] : c.tensors)
            if (name == "all_modules.0.W" && t.dim() == 1 && !h.contains("nf")) h["nf"] = t.size(0);
        notes.push_back("the file has no hyper_parameters: upstream's default NCSN++ config and STFT/SDE settings "
                        "are assumed");
    }
    NcsnppConfig cfg;
    if (auto why = NcsnppConfig::fromJson(h, &cfg); !why.empty()) return R::invalid(path + ": " + why);
    NCSNpp net(cfg);
    const std::string what = "SGMSE+ NCSN++ (nf " + std::to_string(cfg.nf) + ", ch_mult " + json(cfg.chMult).dump() + ")";
    auto loaded = loadNamedTensors(*net, c.tensors, what);
    if (!loaded) return R::invalid(path + ": " + loaded.error().message);

    // The EMA list follows dnn.parameters(), which is this module's registration order; the raw
    // state dict lists the same names in the same order (the dnn has no buffers).
    const auto params = net->named_parameters(true);
    {
        std::vector<std::string> fileOrder;
        std::set<std::string> paramNames;
        for (const auto& p : params) paramNames.insert(p.key());
        for (const auto& [name, _] : c.tensors)
            if (paramNames.count(name)) fileOrder.push_back(name);
        std::size_t i = 0;
        bool same = fileOrder.size() == params.size();
        for (const auto& p : params) same = same && fileOrder[i++] == p.key();
        if (!same && c.hasEma && o.weights != WeightSource::Raw)
            return R::failed(path + ": the state_dict order differs from the network's parameter order, so the EMA "
                                    "list cannot be matched (load with raw weights)");
    }
    bool useEma = false;
    if (o.weights == WeightSource::Ema && !c.hasEma)
        return R::invalid(path + ": the checkpoint has no EMA weights ('ema.shadow_params')");
    if (o.weights != WeightSource::Raw && c.hasEma) useEma = true;
    if (useEma) {
        if (c.ema.size() != params.size())
            return R::invalid(path + ": the EMA holds " + std::to_string(c.ema.size()) + " tensors but the network has " +
                              std::to_string(params.size()) + " parameters (load with raw weights instead)");
        std::size_t i = 0;
        for (const auto& p : params) {
            if (c.ema[i].sizes() != p.value().sizes())
                return R::invalid(path + ": EMA tensor " + std::to_string(i) + " has shape " + shapeText(c.ema[i].sizes()) +
                                  " but parameter '" + p.key() + "' is " + shapeText(p.value().sizes()));
            ++i;
        }
        torch::NoGradGuard noGrad;
        i = 0;
        for (const auto& p : params) p.value().copy_(c.ema[i++]);
        m.card.weights = "EMA (ema.shadow_params, " + std::to_string(c.ema.size()) + " tensors)";
    } else {
        m.card.weights = c.hasEma ? "raw state_dict (EMA present but not used)" : "raw state_dict";
        if (!c.hasEma && c.hparams.is_object())
            notes.push_back("the checkpoint has no EMA weights: the raw training weights are used, as upstream does");
    }
    net->eval();
    m.ncsnpp = net;
    m.card.parameters = net->parameterCount();
    m.card.tensors = loaded.value();
    m.card.config = cfg.toJson();
    m.card.sgmse = SgmseSettings::fromHparams(h);
    m.card.hyperParameters = c.hparams;
    if (!cfg.centered)
        notes.push_back("centered = false: the network maps its input x to 2x − 1 (checkpoints trained before Nov 2022)");
    notes.push_back("score = −network output (the network already divides by t); frequency bins must be " +
                    std::to_string(cfg.imageSize) + ", frames a multiple of " + std::to_string(1 << (cfg.levels() - 1)));
    m.card.notes.insert(m.card.notes.end(), notes.begin(), notes.end());
    return m;
}

Result<PublishedModel> loadUNet(const std::string& path, Contents& c, const LoadOptions& o, PublishedModel m) {
    using R = Result<PublishedModel>;
    ConditionalUNetConfig cfg;
    if (o.unetConfig) {
        cfg = *o.unetConfig;
        if (auto why = cfg.validate(); !why.empty()) return R::invalid(path + ": " + why);
    } else {
        NamedShapes shapes;
        for (const auto& [name, t] : c.tensors) shapes.emplace_back(name, t.sizes().vec());
        if (auto why = inferConditionalUNetConfig(shapes, &cfg); !why.empty()) return R::invalid(path + ": " + why);
    }
    ConditionalUNet net(cfg);
    const std::string what = architectureName(m.card.architecture) + " (" + cfg.toJson().dump() + ")";
    auto loaded = loadNamedTensors(*net, c.tensors, what);
    if (!loaded) return R::invalid(path + ": " + loaded.error().message);
    net->eval();
    m.unet = net;
    m.card.parameters = net->parameterCount();
    m.card.tensors = loaded.value();
    m.card.config = cfg.toJson();
    m.card.weights = "state dict";
    if (m.card.architecture == Architecture::IrsdeUNet) {
        m.card.notes.push_back("the file does not store the SDE's max_sigma: 10 for deraining/deblurring, 30 for "
                               "inpainting, super-resolution and deshadowing (IR-SDE, T 100, cosine schedule, eps 0.005)");
    } else {
        m.card.notes.push_back("needs DA-CLIP's image encoder (daclip_ViT-B-32.pt) for its image and degradation "
                               "context vectors; that encoder is not implemented — supply the [B, " +
                               std::to_string(cfg.contextDim) + "] vectors");
        m.card.notes.push_back("SDE: max_sigma 50, T 100, cosine schedule, eps 0.005 (not stored in the file)");
    }
    m.card.notes.push_back("predicts the noise ε for (x_t, μ, t) with t the step number 1..T; any image size "
                           "(reflection-padded to a multiple of " + std::to_string(1 << cfg.depth()) + ")");
    return m;
}

} // namespace

Result<PublishedModel> loadPublished(const std::string& path, const LoadOptions& options) {
    return guarded<PublishedModel>("loading " + path, [&]() -> Result<PublishedModel> {
        using R = Result<PublishedModel>;
        auto contents = readContents(path);
        if (!contents) return contents.error();
        auto& c = contents.value();
        std::vector<std::string> keys;
        for (const auto& [name, _] : c.tensors) keys.push_back(name);
        auto arch = detectArchitecture(keys, c.hparams);
        if (!arch) return R::invalid(path + ": " + arch.error().message);
        if (options.expect && *options.expect != arch.value())
            return R::invalid(path + ": this is a checkpoint of the " + architectureName(arch.value()) + ", not of the " +
                              architectureName(*options.expect));
        if (arch.value() != Architecture::SgmseNcsnpp && options.weights == WeightSource::Ema)
            return R::invalid(path + ": " + architectureName(arch.value()) + " checkpoints have no separate EMA weights");

        PublishedModel m;
        m.card.architecture = arch.value();
        m.card.name = architectureName(arch.value());
        m.card.file = path;
        m.card.container = c.container;
        m.card.strippedPrefix = c.prefix;
        torch::NoGradGuard noGrad;
        if (arch.value() == Architecture::SgmseNcsnpp) return loadSgmse(path, c, options, std::move(m));
        return loadUNet(path, c, options, std::move(m));
    });
}

// ---- manifests ------------------------------------------------------------------------------

Result<ManifestReport> checkManifest(const std::string& manifestPath) {
    return guarded<ManifestReport>("manifest " + manifestPath, [&]() -> Result<ManifestReport> {
        using R = Result<ManifestReport>;
        std::ifstream in(manifestPath);
        if (!in) return R::invalid(manifestPath + ": cannot open the manifest");
        json j;
        try {
            j = json::parse(in);
        } catch (const json::exception& e) {
            return R::invalid(manifestPath + ": not JSON (" + e.what() + ")");
        }
        if (!j.is_object() || !j.contains("keys") || !j.at("keys").is_array())
            return R::invalid(manifestPath + ": no 'keys' list");
        const std::string prefix = j.value("prefix", std::string());
        NamedShapes listed;
        std::int64_t total = 0;
        for (const auto& e : j.at("keys")) {
            if (!e.is_array() || e.size() < 2 || !e[0].is_string() || !e[1].is_array())
                return R::invalid(manifestPath + ": malformed entry " + e.dump());
            std::string name = e[0].get<std::string>();
            if (!prefix.empty()) {
                if (!startsWith(name, prefix))
                    return R::invalid(manifestPath + ": key '" + name + "' lacks the prefix '" + prefix + "'");
                name.erase(0, prefix.size());
            }
            std::vector<std::int64_t> shape = e[1].get<std::vector<std::int64_t>>();
            std::int64_t n = 1;
            for (auto d : shape) n *= d;
            total += n;
            listed.emplace_back(std::move(name), std::move(shape));
        }
        std::vector<std::string> keys;
        for (const auto& [name, _] : listed) keys.push_back(name);
        auto arch = detectArchitecture(keys);
        if (!arch) return R::invalid(manifestPath + ": " + arch.error().message);

        ManifestReport r;
        r.architecture = arch.value();
        const auto module = buildDefault(arch.value(), &r.config);
        const auto built = parameterShapes(*module);
        std::vector<std::string> diffs;
        const std::size_t n = std::max(built.size(), listed.size());
        for (std::size_t i = 0; i < n && diffs.size() < 4; ++i) {
            if (i >= built.size()) diffs.push_back("#" + std::to_string(i) + " " + listed[i].first + " is not in the network");
            else if (i >= listed.size()) diffs.push_back("#" + std::to_string(i) + " " + built[i].first + " is not in the manifest");
            else if (built[i].first != listed[i].first)
                diffs.push_back("#" + std::to_string(i) + " manifest " + listed[i].first + " vs network " + built[i].first);
            else if (built[i].second != listed[i].second)
                diffs.push_back("#" + std::to_string(i) + " " + listed[i].first + " manifest " + shapeText(listed[i].second) +
                                " vs network " + shapeText(built[i].second));
        }
        if (!diffs.empty())
            return R::invalid(manifestPath + ": the " + architectureName(arch.value()) +
                              " built from the default config differs: " + firstFew(diffs));
        if (j.contains("num_keys") && j.at("num_keys").get<std::int64_t>() != static_cast<std::int64_t>(listed.size()))
            return R::invalid(manifestPath + ": num_keys disagrees with the key list");
        if (j.contains("num_parameters") && j.at("num_parameters").get<std::int64_t>() != total)
            return R::invalid(manifestPath + ": num_parameters disagrees with the key list");
        std::int64_t count = 0;
        for (const auto& p : module->parameters()) count += p.numel();
        if (count != total)
            return R::invalid(manifestPath + ": the network has " + std::to_string(count) + " parameters, the manifest " +
                              std::to_string(total));
        r.keys = static_cast<std::int64_t>(listed.size());
        r.parameters = total;
        return r;
    });
}

} // namespace reverie::models::published
