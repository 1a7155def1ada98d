#include "erase/editset.h"

#include "base/io.h"
#include "erase/closed_form_detail.h"
#include "models/formats/pickle.h"
#include "models/formats/torchzip.h"
#include "models/store.h"

#include <ATen/ATen.h>
#include <torch/serialize.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

namespace reverie::erase {

using namespace detail;

// ---------------------------------------------------------------------------------------------
// EditSet

Result<EditSet> EditSet::create(std::string modelId, std::vector<std::string> matrixNames,
                                const std::vector<at::Tensor>& originals) {
    using R = Result<EditSet>;
    return guarded<EditSet>("edit set", [&]() -> R {
        if (modelId.empty()) return R::invalid("an edit set needs the id of its model");
        std::int64_t in = 0;
        if (auto e = checkMatrices(originals, &in); !e.empty()) return R::invalid(e);
        if (matrixNames.size() != originals.size())
            return R::invalid(std::to_string(matrixNames.size()) + " matrix names for " +
                              std::to_string(originals.size()) + " matrices");
        std::set<std::string> seen;
        for (const auto& n : matrixNames)
            if (n.empty() || !seen.insert(n).second) return R::invalid("matrix names must be non-empty and unique ('" + n + "')");
        EditSet s;
        s.m_modelId = std::move(modelId);
        s.m_names = std::move(matrixNames);
        for (const auto& W : originals) s.m_originals.push_back(W.detach().clone());
        s.m_hash = models::hashTensors(s.m_originals);
        return s;
    });
}

const Artefact* EditSet::find(const std::string& name) const {
    for (const auto& a : m_artefacts)
        if (a.name == name) return &a;
    return nullptr;
}

Artefact* EditSet::findMutable(const std::string& name) {
    for (auto& a : m_artefacts)
        if (a.name == name) return &a;
    return nullptr;
}

Result<bool> EditSet::add(Artefact a) {
    using R = Result<bool>;
    if (m_originals.empty()) return R::invalid("the edit set has no matrices (create it for a model first)");
    if (a.name.empty()) return R::invalid("an erased concept needs a name");
    if (find(a.name))
        return R::invalid("concept '" + a.name + "' is already erased in this set; remove it, or change its weight");
    if (a.deltas.size() != m_originals.size())
        return R::invalid("concept '" + a.name + "' has " + std::to_string(a.deltas.size()) + " ΔW for " +
                          std::to_string(m_originals.size()) + " matrices");
    for (std::size_t l = 0; l < a.deltas.size(); ++l)
        if (!a.deltas[l].defined() || !a.deltas[l].sizes().equals(m_originals[l].sizes()))
            return R::invalid("ΔW " + std::to_string(l) + " of concept '" + a.name + "' is not " +
                              shapeText(m_originals[l]) + " (matrix '" + m_names[l] + "')");
    if (!present(a.conceptSet.erase)) return R::invalid("concept '" + a.name + "' is empty: it has no embeddings to erase");
    const auto in = m_originals[0].size(1);
    if (auto e = checkRows(a.conceptSet.erase, in, "the embeddings of concept '" + a.name + "'"); !e.empty())
        return R::invalid(e);
    const auto& g = a.conceptSet.guide;
    if (!g.defined() || g.dim() != 2 || g.size(1) != in || (g.size(0) != 1 && g.size(0) != a.conceptSet.erase.size(0)))
        return R::invalid("concept '" + a.name + "' needs its guide embeddings ([" +
                          std::to_string(a.conceptSet.erase.size(0)) + " or 1, " + std::to_string(in) + "])");
    if (auto e = checkRows(a.preserve, in, "the preserve embeddings of '" + a.name + "'"); !e.empty()) return R::invalid(e);
    if (!(a.weight >= 0) || !std::isfinite(a.weight)) return R::invalid("the weight of '" + a.name + "' must be ≥ 0");
    a.conceptSet.name = a.name;
    m_artefacts.push_back(std::move(a));
    return true;
}

Result<bool> EditSet::erase(const ConceptSet& conceptSet, const at::Tensor& preserve, const UceParams& params) {
    using R = Result<bool>;
    if (find(conceptSet.name))
        return R::invalid("concept '" + conceptSet.name + "' is already erased in this set; remove it, or change its weight");
    auto edit = solveJoint(m_originals, {conceptSet}, preserve, params);
    if (!edit) return edit.error();
    return guarded<bool>("erase", [&]() -> R {
        Artefact a;
        a.name = conceptSet.name;
        a.method = "uce";
        a.conceptSet = conceptSet;
        a.conceptSet.weight = 1.0;
        const auto in = m_originals[0].size(1);
        at::Tensor g;
        resolveGuide(conceptSet, params.defaultGuide, in, at::kCPU, &g); // checked by the solve
        a.conceptSet.erase = conceptSet.erase.to(at::kCPU, at::kDouble).contiguous();
        a.conceptSet.guide = g;
        if (present(preserve)) a.preserve = preserve.to(at::kCPU, at::kDouble).contiguous();
        a.params = params;
        a.params.defaultGuide = at::Tensor();
        a.deltas = edit.value().deltas;
        a.weight = conceptSet.weight;
        a.seconds = edit.value().seconds;
        return add(std::move(a));
    });
}

Result<ReceResult> EditSet::eraseRece(const ConceptSet& conceptSet, const at::Tensor& preserve, const ReceParams& params,
                                      const ReceScoreFn& score, const JobContext& ctx) {
    return eraseRece(std::vector<ConceptSet>{conceptSet}, preserve, params, score, ctx);
}

Result<ReceResult> EditSet::eraseRece(const std::vector<ConceptSet>& concepts, const at::Tensor& preserve,
                                      const ReceParams& params, const ReceScoreFn& score, const JobContext& ctx) {
    using R = Result<ReceResult>;
    for (const auto& c : concepts)
        if (find(c.name))
            return R::invalid("concept '" + c.name + "' is already erased in this set; remove it, or change its weight");
    auto res = runRece(m_originals, concepts, preserve, params, score, ctx);
    if (!res) return res;
    return guarded<ReceResult>("RECE", [&]() -> R {
        std::vector<Artefact> made;
        for (std::size_t k = 0; k < concepts.size(); ++k) {
            Artefact a;
            a.name = concepts[k].name;
            a.method = "rece";
            a.conceptSet = res.value().conceptSets[k];
            a.conceptSet.erase = a.conceptSet.erase.to(at::kCPU, at::kDouble).contiguous();
            a.conceptSet.guide = a.conceptSet.guide.to(at::kCPU, at::kDouble).contiguous();
            a.conceptSet.derive = at::Tensor();
            a.conceptSet.weight = 1.0;
            if (present(preserve)) a.preserve = preserve.to(at::kCPU, at::kDouble).contiguous();
            a.params = params.uce;
            a.params.defaultGuide = at::Tensor();
            if (concepts.size() == 1) {
                a.deltas = res.value().edit.deltas;
            } else {
                auto alone = solveJoint(m_originals, {a.conceptSet}, preserve, a.params);
                if (!alone) return alone.error();
                a.deltas = alone.value().deltas;
            }
            a.weight = concepts[k].weight;
            a.seconds = res.value().seconds / double(concepts.size());
            made.push_back(std::move(a));
        }
        const std::size_t before = m_artefacts.size();
        for (auto& a : made)
            if (auto ok = add(std::move(a)); !ok) {
                m_artefacts.erase(m_artefacts.begin() + std::ptrdiff_t(before), m_artefacts.end()); // all or nothing
                return ok.error();
            }
        return res.value();
    });
}

Result<bool> EditSet::remove(const std::string& name) {
    for (auto it = m_artefacts.begin(); it != m_artefacts.end(); ++it)
        if (it->name == name) {
            m_artefacts.erase(it);
            return true;
        }
    return Result<bool>::invalid("no erased concept named '" + name + "'");
}

Result<bool> EditSet::setEnabled(const std::string& name, bool enabled) {
    auto* a = findMutable(name);
    if (!a) return Result<bool>::invalid("no erased concept named '" + name + "'");
    a->enabled = enabled;
    return true;
}

Result<bool> EditSet::setWeight(const std::string& name, double weight) {
    auto* a = findMutable(name);
    if (!a) return Result<bool>::invalid("no erased concept named '" + name + "'");
    if (!(weight >= 0) || !std::isfinite(weight)) return Result<bool>::invalid("the weight of '" + name + "' must be ≥ 0");
    a->weight = weight;
    return true;
}

std::vector<at::Tensor> EditSet::effectiveWeights() const {
    std::vector<at::Tensor> out;
    for (std::size_t l = 0; l < m_originals.size(); ++l) {
        const auto& W = m_originals[l];
        at::Tensor acc;
        for (const auto& a : m_artefacts) {
            if (!a.enabled || a.weight == 0) continue;
            // Always from the kept original, never accumulated into a previous result.
            if (!acc.defined()) acc = W.to(at::kDouble);
            acc = acc + a.deltas[l].to(W.device(), at::kDouble) * a.weight;
        }
        out.push_back(acc.defined() ? acc.to(W.scalar_type()).contiguous() : W.clone());
    }
    return out;
}

Result<std::vector<at::Tensor>> EditSet::resolveActive(const UceParams& params) const {
    using R = Result<std::vector<at::Tensor>>;
    return guarded<std::vector<at::Tensor>>("joint erase", [&]() -> R {
        std::vector<ConceptSet> concepts;
        std::set<std::string> eraseKeys, seen;
        std::vector<at::Tensor> prows;
        for (const auto& a : m_artefacts) {
            if (!a.enabled || a.weight == 0) continue;
            ConceptSet c = a.conceptSet;
            c.name = a.name;
            c.weight = a.weight;
            concepts.push_back(c);
            const auto e = a.conceptSet.erase.to(at::kCPU, at::kDouble).contiguous();
            for (std::int64_t i = 0; i < e.size(0); ++i) eraseKeys.insert(rowKey(e[i]));
        }
        if (concepts.empty()) {
            std::vector<at::Tensor> out;
            for (const auto& W : m_originals) out.push_back(W.clone());
            return out;
        }
        // The union of the preserve sets, without duplicates (they would weigh twice) and
        // without embeddings another active concept erases (the two terms would fight).
        for (const auto& a : m_artefacts) {
            if (!a.enabled || a.weight == 0 || !present(a.preserve)) continue;
            const auto p = a.preserve.to(at::kCPU, at::kDouble).contiguous();
            for (std::int64_t i = 0; i < p.size(0); ++i) {
                const auto key = rowKey(p[i]);
                if (eraseKeys.count(key) || !seen.insert(key).second) continue;
                prows.push_back(p[i]);
            }
        }
        const at::Tensor preserve = prows.empty() ? at::Tensor() : at::stack(prows);
        auto edit = solveJoint(m_originals, concepts, preserve, params);
        if (!edit) return edit.error();
        return edit.value().weights;
    });
}

Result<bool> EditSet::applyTo(const std::vector<at::Tensor>& targets, bool joint, const UceParams& params) const {
    using R = Result<bool>;
    if (targets.size() != m_originals.size())
        return R::invalid(std::to_string(targets.size()) + " target tensors for " + std::to_string(m_originals.size()) +
                          " matrices");
    for (std::size_t l = 0; l < targets.size(); ++l)
        if (!targets[l].defined() || !targets[l].sizes().equals(m_originals[l].sizes()))
            return R::invalid("target " + std::to_string(l) + " is not " + shapeText(m_originals[l]) + " (matrix '" +
                              m_names[l] + "')");
    std::vector<at::Tensor> w;
    if (joint) {
        auto r = resolveActive(params);
        if (!r) return r.error();
        w = std::move(r.value());
    } else {
        w = effectiveWeights();
    }
    return guarded<bool>("apply edits", [&]() -> R {
        at::NoGradGuard ng;
        for (std::size_t l = 0; l < targets.size(); ++l) {
            auto t = targets[l];
            t.copy_(w[l]);
        }
        return true;
    });
}

Result<bool> EditSet::save(const std::string& path) const {
    using R = Result<bool>;
    return guarded<bool>("save edit set", [&]() -> R {
        nlohmann::json h;
        h["format"] = "reverie-erase";
        h["version"] = 1;
        h["model_id"] = m_modelId;
        h["weights_hash"] = m_hash;
        h["matrices"] = nlohmann::json::array();
        for (std::size_t l = 0; l < m_names.size(); ++l)
            h["matrices"].push_back({{"name", m_names[l]}, {"shape", {m_originals[l].size(0), m_originals[l].size(1)}}});
        h["artefacts"] = nlohmann::json::array();
        c10::Dict<std::string, at::Tensor> tensors;
        for (std::size_t i = 0; i < m_artefacts.size(); ++i) {
            const auto& a = m_artefacts[i];
            const std::string k = "a" + std::to_string(i) + ".";
            h["artefacts"].push_back({{"name", a.name},
                                      {"method", a.method},
                                      {"enabled", a.enabled},
                                      {"weight", a.weight},
                                      {"eta", a.params.eta},
                                      {"lambda1", a.params.lambda1},
                                      {"lambda2", a.params.lambda2},
                                      {"seconds", a.seconds},
                                      {"has_preserve", present(a.preserve)}});
            tensors.insert(k + "erase", a.conceptSet.erase.to(at::kCPU).contiguous());
            tensors.insert(k + "guide", a.conceptSet.guide.to(at::kCPU).contiguous());
            if (present(a.preserve)) tensors.insert(k + "preserve", a.preserve.to(at::kCPU).contiguous());
            for (std::size_t l = 0; l < a.deltas.size(); ++l)
                tensors.insert(k + "delta" + std::to_string(l), a.deltas[l].to(at::kCPU).contiguous());
        }
        c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
        root.insert("header", h.dump());
        root.insert("tensors", tensors);
        const auto bytes = torch::pickle_save(c10::IValue(root));
        return io::writeFileAtomic(path, std::string_view(bytes.data(), bytes.size()));
    });
}

Result<EditSet> EditSet::load(const std::string& path, const std::string& modelId,
                              const std::vector<std::string>& matrixNames, const std::vector<at::Tensor>& originals) {
    using R = Result<EditSet>;
    // A library may come from anyone: it is read by the project's own torch.save reader
    // (models/formats: bounded, never executes anything, fuzzed), not by LibTorch's unpickler.
    auto file = models::formats::readTorchZip(path);
    if (!file)
        return R::invalid("'" + path + "' is not a Reverie edit set (" + firstLine(file.error().message) + ")");
    nlohmann::json h;
    std::map<std::string, at::Tensor> tensors;
    {
        const auto& root = file.value().root();
        const auto header = models::formats::findString(root, "header");
        const auto* stored = models::formats::findValue(root, "tensors");
        if (!header || !stored) return R::invalid("'" + path + "' is not a Reverie edit set (no header or tensors)");
        try {
            h = nlohmann::json::parse(*header);
            if (!h.is_object() || h.value("format", "") != "reverie-erase") throw std::runtime_error("wrong format tag");
        } catch (const std::exception& e) {
            return R::invalid("'" + path + "' is not a Reverie edit set (" + firstLine(e.what()) + ")");
        }
        auto named = models::formats::flattenStateDict(*stored);
        if (!named) return R::invalid("'" + path + "': " + named.error().message);
        for (auto& [name, t] : named.value()) tensors[name] = t;
    }
    return guarded<EditSet>("load edit set", [&]() -> R {
        if (h.value("version", 0) != 1)
            return R::invalid("'" + path + "' has edit-set version " + std::to_string(h.value("version", 0)) +
                              "; this Reverie reads version 1");
        const std::string savedId = h.value("model_id", "");
        if (savedId != modelId)
            return R::invalid("the edit set '" + path + "' was made for model '" + savedId + "', not for '" + modelId +
                              "'; load it with that model");
        auto set = create(modelId, matrixNames, originals);
        if (!set) return set.error();
        auto& s = set.value();
        const auto& mats = h.at("matrices");
        if (mats.size() != matrixNames.size())
            return R::invalid("the edit set '" + path + "' edits " + std::to_string(mats.size()) +
                              " matrices; this model has " + std::to_string(matrixNames.size()));
        for (std::size_t l = 0; l < mats.size(); ++l) {
            const auto name = mats[l].at("name").get<std::string>();
            const auto shape = mats[l].at("shape").get<std::vector<std::int64_t>>();
            if (name != matrixNames[l] || shape.size() != 2 || shape[0] != originals[l].size(0) ||
                shape[1] != originals[l].size(1))
                return R::invalid("matrix " + std::to_string(l) + " of the edit set is '" + name + "' " +
                                  "[" + std::to_string(shape.size() > 0 ? shape[0] : 0) + ", " +
                                  std::to_string(shape.size() > 1 ? shape[1] : 0) + "], the model's is '" +
                                  matrixNames[l] + "' " + shapeText(originals[l]));
        }
        const std::string savedHash = h.value("weights_hash", "");
        if (savedHash != s.weightsHash())
            return R::invalid("the edit set '" + path + "' was made for other weights of model '" + modelId +
                              "' (hash " + savedHash + "; these weights hash " + s.weightsHash() + ")");
        const auto& arts = h.at("artefacts");
        for (std::size_t i = 0; i < arts.size(); ++i) {
            const auto& j = arts[i];
            const std::string k = "a" + std::to_string(i) + ".";
            Artefact a;
            a.name = j.at("name").get<std::string>();
            a.method = j.value("method", "uce");
            a.enabled = j.value("enabled", true);
            a.weight = j.value("weight", 1.0);
            a.params.eta = j.value("eta", 1.0);
            a.params.lambda1 = j.value("lambda1", 0.1);
            a.params.lambda2 = j.value("lambda2", 0.1);
            a.seconds = j.value("seconds", 0.0);
            a.conceptSet.name = a.name;
            if (!tensors.count(k + "erase") || !tensors.count(k + "guide"))
                return R::invalid("'" + path + "': concept '" + a.name + "' lacks its embeddings");
            // Whatever dtype the file declares, embeddings are kept as erase() keeps them
            // (double, CPU); the deltas take the model's own dtype and device.
            const auto dtype = at::kDouble;
            a.conceptSet.erase = tensors.at(k + "erase").to(dtype);
            a.conceptSet.guide = tensors.at(k + "guide").to(dtype);
            if (j.value("has_preserve", false)) {
                if (!tensors.count(k + "preserve"))
                    return R::invalid("'" + path + "': concept '" + a.name + "' lacks its preserve embeddings");
                a.preserve = tensors.at(k + "preserve").to(dtype);
            }
            for (std::size_t l = 0; l < originals.size(); ++l) {
                const auto key = k + "delta" + std::to_string(l);
                if (!tensors.count(key))
                    return R::invalid("'" + path + "': concept '" + a.name + "' lacks ΔW for '" + matrixNames[l] + "'");
                a.deltas.push_back(tensors.at(key).to(originals[l].device(), originals[l].scalar_type()));
            }
            if (auto ok = s.add(std::move(a)); !ok) return ok.error();
        }
        return set;
    });
}

} // namespace reverie::erase
