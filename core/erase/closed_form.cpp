#include "erase/closed_form.h"

#include <ATen/ATen.h>
#include <torch/serialize.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace reverie::erase {

namespace {

std::string shapeText(const at::Tensor& t) {
    std::ostringstream s;
    s << '[';
    for (std::int64_t d = 0; d < t.dim(); ++d) s << (d ? ", " : "") << t.size(d);
    s << ']';
    return s.str();
}

bool allFinite(const at::Tensor& t) { return t.numel() == 0 || at::isfinite(t).all().item<bool>(); }

bool present(const at::Tensor& t) { return t.defined() && t.numel() > 0; }

// Checks a set of row embeddings [N, in]; "" when fine.
std::string checkRows(const at::Tensor& t, std::int64_t in, const std::string& what) {
    if (!t.defined()) return "";
    if (t.dim() == 2 && t.size(0) == 0) return "";
    if (t.dim() != 2 || t.size(1) != in)
        return what + " must be [N, " + std::to_string(in) + "] embeddings, not " + shapeText(t);
    if (!allFinite(t)) return what + " contain NaN or infinite values";
    return "";
}

// One block of the erase term: rows E, their guides G (same row count) and η·weight.
struct EraseBlock {
    at::Tensor e, g; // float64 [Ne, in]
    double scale = 0;
};

// Resolves a concept's guide rows to [Ne, in] float64 on `dev`; "" when fine.
std::string resolveGuide(const ConceptSet& c, const at::Tensor& fallback, std::int64_t in, const at::Device& dev,
                         at::Tensor* out) {
    const std::int64_t ne = c.erase.size(0);
    at::Tensor g = c.guide.defined() ? c.guide : fallback;
    if (!g.defined())
        return "concept '" + c.name + "' has no guide embedding (give one, or the empty prompt's embedding as default)";
    if (g.dim() == 1) g = g.unsqueeze(0);
    if (g.dim() != 2 || g.size(1) != in || (g.size(0) != 1 && g.size(0) != ne))
        return "the guide of concept '" + c.name + "' must be [" + std::to_string(ne) + ", " + std::to_string(in) +
               "] or [1, " + std::to_string(in) + "], not " + shapeText(g);
    if (!allFinite(g)) return "the guide of concept '" + c.name + "' contains NaN or infinite values";
    *out = g.to(dev, at::kDouble).expand({ne, in}).contiguous();
    return "";
}

std::string checkParams(const UceParams& p) {
    if (!(p.eta >= 0) || !(p.lambda1 >= 0) || !(p.lambda2 >= 0) || !std::isfinite(p.eta) || !std::isfinite(p.lambda1) ||
        !std::isfinite(p.lambda2))
        return "η, λ₁ and λ₂ must be finite and ≥ 0";
    return "";
}

// Checks the matrices: 2-D, finite, one common input size; "" when fine.
std::string checkMatrices(const std::vector<at::Tensor>& Ws, std::int64_t* in) {
    if (Ws.empty()) return "no matrices to edit";
    for (std::size_t l = 0; l < Ws.size(); ++l) {
        const auto& W = Ws[l];
        if (!W.defined() || W.dim() != 2 || W.numel() == 0)
            return "matrix " + std::to_string(l) + " must be a non-empty [out, in] matrix";
        if (l == 0) *in = W.size(1);
        if (W.size(1) != *in)
            return "matrix " + std::to_string(l) + " takes " + std::to_string(W.size(1)) +
                   "-dim inputs, matrix 0 takes " + std::to_string(*in);
        if (!W.is_floating_point()) return "matrix " + std::to_string(l) + " is not floating point";
    }
    return "";
}

// The solve itself. Ws already checked; blocks and preserve float64 on Ws[0]'s device.
Result<Edit> solveBlocks(const std::vector<at::Tensor>& Ws, const std::vector<EraseBlock>& blocks,
                         const at::Tensor& preserve, const UceParams& p) {
    const double t0 = nowSeconds();
    const std::int64_t in = Ws[0].size(1);
    const auto dev = Ws[0].device();
    const auto opts = at::TensorOptions().dtype(at::kDouble).device(dev);
    Edit out;

    bool anyErase = false;
    for (const auto& b : blocks) anyErase = anyErase || (b.scale != 0 && b.e.size(0) > 0);
    if (p.eta == 0 || !anyErase) {
        bool anyScale = false;
        for (const auto& b : blocks) anyScale = anyScale || b.scale != 0;
        // η = 0 (or every concept weighted 0): B = W·A exactly, so W' = W exactly.
        if (p.eta == 0 || !anyScale) {
            for (const auto& W : Ws) {
                out.weights.push_back(W.clone());
                out.deltas.push_back(at::zeros_like(W));
            }
            out.transform = at::eye(in, opts);
            out.seconds = nowSeconds() - t0;
            return out;
        }
    }

    // A = λ₂I + Σ η w E ᵀE + λ₁ PᵀP;  M = λ₂I + Σ η w GᵀE + λ₁ PᵀP  (so that B = W·M).
    at::Tensor A = at::eye(in, opts) * p.lambda2;
    at::Tensor M = A.clone();
    for (const auto& b : blocks) {
        if (b.scale == 0 || b.e.size(0) == 0) continue;
        A.addmm_(b.e.t(), b.e, 1.0, b.scale);
        M.addmm_(b.g.t(), b.e, 1.0, b.scale);
    }
    if (present(preserve) && p.lambda1 != 0) {
        const auto pp = at::mm(preserve.t(), preserve) * p.lambda1;
        A.add_(pp);
        M.add_(pp);
    }
    // A is symmetric positive (semi)definite: factor it once. T = M A⁻¹ ⇔ Tᵀ = A⁻¹ Mᵀ.
    auto [L, info] = at::linalg_cholesky_ex(A);
    if (info.item<int>() != 0)
        return Result<Edit>::invalid("the edit's system is singular: with λ₂ = 0 the erase and preserve sets must span "
                                     "the " + std::to_string(in) + "-dim embedding space; use λ₂ > 0");
    out.transform = at::cholesky_solve(M.t().contiguous(), L).t().contiguous();

    // Every matrix at once: one GEMM over the stacked rows.
    std::vector<at::Tensor> wd;
    wd.reserve(Ws.size());
    for (const auto& W : Ws) wd.push_back(W.to(at::kDouble));
    const auto stacked = at::cat(wd, 0);
    const auto edited = at::mm(stacked, out.transform);
    const auto delta = edited - stacked;
    std::int64_t row = 0;
    for (const auto& W : Ws) {
        const auto n = W.size(0);
        out.weights.push_back(edited.narrow(0, row, n).to(W.scalar_type()).contiguous());
        out.deltas.push_back(delta.narrow(0, row, n).to(W.scalar_type()).contiguous());
        row += n;
    }
    if (!allFinite(out.transform)) return Result<Edit>::failed("the edit is numerically unstable (non-finite result)");
    out.seconds = nowSeconds() - t0;
    return out;
}

// Validates concepts and turns them into erase blocks.
Result<std::vector<EraseBlock>> blocksOf(const std::vector<ConceptSet>& concepts, const UceParams& p, std::int64_t in,
                                         const at::Device& dev) {
    using R = Result<std::vector<EraseBlock>>;
    if (concepts.empty()) return R::invalid("no concept to erase");
    std::set<std::string> names;
    std::vector<EraseBlock> blocks;
    for (const auto& c : concepts) {
        if (c.name.empty()) return R::invalid("a concept to erase needs a name");
        if (!names.insert(c.name).second)
            return R::invalid("concept '" + c.name + "' appears twice in one edit; erase each concept once");
        if (!present(c.erase))
            return R::invalid("concept '" + c.name + "' is empty: it has no embeddings to erase (an empty prompt, or "
                              "only unknown words?)");
        if (auto e = checkRows(c.erase, in, "the embeddings of concept '" + c.name + "'"); !e.empty()) return R::invalid(e);
        if (!(c.weight >= 0) || !std::isfinite(c.weight))
            return R::invalid("the weight of concept '" + c.name + "' must be finite and ≥ 0");
        EraseBlock b;
        b.e = c.erase.to(dev, at::kDouble).contiguous();
        if (auto e = resolveGuide(c, p.defaultGuide, in, dev, &b.g); !e.empty()) return R::invalid(e);
        b.scale = p.eta * c.weight;
        blocks.push_back(std::move(b));
    }
    return blocks;
}

Result<at::Tensor> preserveRows(const at::Tensor& preserve, std::int64_t in, const at::Device& dev) {
    if (auto e = checkRows(preserve, in, "the preserve embeddings"); !e.empty()) return Result<at::Tensor>::invalid(e);
    if (!present(preserve)) return at::Tensor();
    return preserve.to(dev, at::kDouble).contiguous();
}

// c′ from the Gram matrix of the stacked originals and T (W′ = W T):
//   Σ W′ᵀW′ = Tᵀ G T,  Σ W′ᵀW = Tᵀ G.
Result<at::Tensor> regenFromGram(const at::Tensor& gram, const at::Tensor& T, const at::Tensor& cStarRows, double lambda) {
    const auto in = gram.size(0);
    const auto tg = at::mm(T.t(), gram);
    const auto lhs = at::mm(tg, T) + at::eye(in, gram.options()) * lambda;
    auto [L, info] = at::linalg_cholesky_ex(lhs);
    if (info.item<int>() != 0)
        return Result<at::Tensor>::invalid("the regeneration system is singular; use λ > 0");
    const auto rhs = at::mm(tg, cStarRows.t());
    return at::cholesky_solve(rhs, L).t().contiguous();
}

std::string hashTensors(const std::vector<at::Tensor>& ts) {
    std::uint64_t h = 1469598103934665603ull;
    for (const auto& t : ts) {
        const auto c = t.detach().to(at::kCPU).contiguous();
        const auto* p = static_cast<const unsigned char*>(c.data_ptr());
        const auto n = static_cast<std::size_t>(c.numel()) * c.element_size();
        for (std::size_t i = 0; i < n; ++i) {
            h ^= p[i];
            h *= 1099511628211ull;
        }
        const auto tag = static_cast<unsigned char>(c.scalar_type());
        h ^= tag;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

// Exact row keys, for de-duplicating preserve sets.
std::string rowKey(const at::Tensor& rowD) {
    const auto c = rowD.to(at::kCPU).contiguous();
    return std::string(static_cast<const char*>(c.data_ptr()), static_cast<std::size_t>(c.numel()) * sizeof(double));
}

} // namespace

Result<Edit> solve(const at::Tensor& W, const at::Tensor& erase, const at::Tensor& guide, const at::Tensor& preserve,
                   const UceParams& params) {
    return guarded<Edit>("erase", [&]() -> Result<Edit> {
        std::int64_t in = 0;
        if (auto e = checkMatrices({W}, &in); !e.empty()) return Result<Edit>::invalid(e);
        if (auto e = checkParams(params); !e.empty()) return Result<Edit>::invalid(e);
        if (auto e = checkRows(erase, in, "the erase embeddings"); !e.empty()) return Result<Edit>::invalid(e);
        auto pr = preserveRows(preserve, in, W.device());
        if (!pr) return pr.error();
        std::vector<EraseBlock> blocks;
        if (present(erase)) {
            ConceptSet c{"the erase set", erase, guide, 1.0};
            EraseBlock b;
            b.e = erase.to(W.device(), at::kDouble).contiguous();
            if (auto e = resolveGuide(c, params.defaultGuide, in, W.device(), &b.g); !e.empty())
                return Result<Edit>::invalid(e);
            b.scale = params.eta;
            blocks.push_back(std::move(b));
        } else {
            // An empty erase set still goes through the solve (W' = W up to round-off).
            blocks.push_back({at::zeros({0, in}, at::TensorOptions().dtype(at::kDouble).device(W.device())),
                              at::zeros({0, in}, at::TensorOptions().dtype(at::kDouble).device(W.device())), params.eta});
        }
        return solveBlocks({W}, blocks, pr.value(), params);
    });
}

Result<Edit> solveJoint(const std::vector<at::Tensor>& Ws, const std::vector<ConceptSet>& concepts,
                        const at::Tensor& preserve, const UceParams& params) {
    return guarded<Edit>("erase", [&]() -> Result<Edit> {
        std::int64_t in = 0;
        if (auto e = checkMatrices(Ws, &in); !e.empty()) return Result<Edit>::invalid(e);
        if (auto e = checkParams(params); !e.empty()) return Result<Edit>::invalid(e);
        auto blocks = blocksOf(concepts, params, in, Ws[0].device());
        if (!blocks) return blocks.error();
        auto pr = preserveRows(preserve, in, Ws[0].device());
        if (!pr) return pr.error();
        return solveBlocks(Ws, blocks.value(), pr.value(), params);
    });
}

Result<at::Tensor> regenerationEmbedding(const std::vector<MatrixPair>& pairs, const at::Tensor& cStar, double lambda) {
    using R = Result<at::Tensor>;
    return guarded<at::Tensor>("regeneration embedding", [&]() -> R {
        if (pairs.empty()) return R::invalid("no (original, edited) matrix pairs");
        if (!(lambda >= 0) || !std::isfinite(lambda)) return R::invalid("λ must be finite and ≥ 0");
        std::vector<at::Tensor> orig, edit;
        for (const auto& p : pairs) {
            orig.push_back(p.original);
            edit.push_back(p.edited);
        }
        std::int64_t in = 0;
        if (auto e = checkMatrices(orig, &in); !e.empty()) return R::invalid(e);
        for (std::size_t l = 0; l < pairs.size(); ++l)
            if (!pairs[l].edited.defined() || !pairs[l].edited.sizes().equals(pairs[l].original.sizes()))
                return R::invalid("edited matrix " + std::to_string(l) + " does not have its original's shape " +
                                  shapeText(pairs[l].original));
        if (!cStar.defined() || cStar.numel() == 0) return R::invalid("the concept embedding c* is empty");
        const bool vec = cStar.dim() == 1;
        const auto rows = vec ? cStar.unsqueeze(0) : cStar;
        if (auto e = checkRows(rows, in, "the concept embeddings c*"); !e.empty()) return R::invalid(e);
        const auto dev = pairs[0].original.device();
        std::vector<at::Tensor> od, ed;
        for (std::size_t l = 0; l < pairs.size(); ++l) {
            od.push_back(orig[l].to(dev, at::kDouble));
            ed.push_back(edit[l].to(dev, at::kDouble));
        }
        const auto Wo = at::cat(od, 0), We = at::cat(ed, 0);
        const auto lhs = at::mm(We.t(), We) + at::eye(in, Wo.options()) * lambda;
        auto [L, info] = at::linalg_cholesky_ex(lhs);
        if (info.item<int>() != 0) return R::invalid("the regeneration system is singular; use λ > 0");
        const auto rhs = at::mm(We.t(), at::mm(Wo, rows.to(dev, at::kDouble).t()));
        auto c = at::cholesky_solve(rhs, L).t().contiguous();
        return vec ? c.squeeze(0) : c;
    });
}

Result<ReceResult> runRece(const std::vector<at::Tensor>& Ws, const ConceptSet& conceptSet, const at::Tensor& preserve,
                           const ReceParams& params, const ReceScoreFn& score, const JobContext& ctx) {
    using R = Result<ReceResult>;
    return guarded<ReceResult>("RECE", [&]() -> R {
        std::int64_t in = 0;
        if (auto e = checkMatrices(Ws, &in); !e.empty()) return R::invalid(e);
        if (auto e = checkParams(params.uce); !e.empty()) return R::invalid(e);
        if (!(params.lambda > 0) || !std::isfinite(params.lambda)) return R::invalid("RECE's λ must be finite and > 0");
        if (params.epochs < 0 || params.epochs > 100) return R::invalid("RECE epochs must be between 0 and 100");
        const auto dev = Ws[0].device();
        auto blocks = blocksOf({conceptSet}, params.uce, in, dev);
        if (!blocks) return blocks.error();
        auto pr = preserveRows(preserve, in, dev);
        if (!pr) return pr.error();
        const at::Tensor cStar = blocks.value()[0].e;  // [Ne, in] float64
        const at::Tensor guides = blocks.value()[0].g; // [Ne, in]

        std::vector<at::Tensor> wd;
        for (const auto& W : Ws) wd.push_back(W.to(at::kDouble));
        const auto stacked = at::cat(wd, 0);
        const auto gram = at::mm(stacked.t(), stacked);

        ReceResult out;
        double bestScore = 0;
        std::vector<EraseBlock> cur = blocks.value();
        for (int epoch = 0; epoch <= params.epochs; ++epoch) {
            if (ctx.cancelled()) return R::cancelled("RECE: cancelled after " + std::to_string(epoch) + " epochs");
            const double e0 = nowSeconds();
            auto edit = solveBlocks(Ws, cur, pr.value(), params.uce);
            if (!edit) return edit.error();
            auto derived = regenFromGram(gram, edit.value().transform, cStar, params.lambda);
            if (!derived) return derived.error();
            ReceEpoch ep;
            ep.epoch = epoch;
            ep.derived = derived.value();
            ep.seconds = nowSeconds() - e0;
            out.seconds += ep.seconds;
            if (score) ep.score = score(edit.value().weights, ep.derived);
            const bool better = !score ? true : (epoch == 0 || ep.score < bestScore);
            if (better) {
                bestScore = ep.score;
                out.bestEpoch = epoch;
                out.edit = edit.value();
                ConceptSet c = conceptSet;
                std::vector<at::Tensor> es, gs;
                for (const auto& b : cur) {
                    es.push_back(b.e);
                    gs.push_back(b.g);
                }
                c.erase = at::cat(es, 0);
                c.guide = at::cat(gs, 0);
                out.conceptSet = std::move(c);
            }
            out.epochs.push_back(ep);
            Progress pg;
            pg.step = epoch + 1;
            pg.total = params.epochs + 1;
            pg.stepSeconds = ep.seconds;
            pg.message = "RECE epoch " + std::to_string(epoch);
            pg.values = {{"score", ep.score}, {"seconds", ep.seconds}};
            ctx.report(pg);
            // Erase the derived embedding too (mapped to the same guides), re-solving from W.
            cur.push_back({ep.derived, guides, cur[0].scale});
        }
        out.edit.seconds = out.seconds;
        return out;
    });
}

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
        s.m_hash = hashTensors(s.m_originals);
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
    using R = Result<ReceResult>;
    if (find(conceptSet.name))
        return R::invalid("concept '" + conceptSet.name + "' is already erased in this set; remove it, or change its weight");
    auto res = runRece(m_originals, conceptSet, preserve, params, score, ctx);
    if (!res) return res;
    Artefact a;
    a.name = conceptSet.name;
    a.method = "rece";
    a.conceptSet = res.value().conceptSet;
    a.conceptSet.erase = a.conceptSet.erase.to(at::kCPU, at::kDouble).contiguous();
    a.conceptSet.guide = a.conceptSet.guide.to(at::kCPU, at::kDouble).contiguous();
    a.conceptSet.weight = 1.0;
    if (present(preserve)) a.preserve = preserve.to(at::kCPU, at::kDouble).contiguous();
    a.params = params.uce;
    a.params.defaultGuide = at::Tensor();
    a.deltas = res.value().edit.deltas;
    a.weight = conceptSet.weight;
    a.seconds = res.value().seconds;
    if (auto ok = add(std::move(a)); !ok) return ok.error();
    return res;
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
        const std::string tmp = path + ".tmp";
        {
            std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
            if (!f) return R::invalid("cannot write '" + tmp + "'");
            f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
            if (!f) return R::failed("writing '" + tmp + "' failed (disk full?)");
        }
        if (std::rename(tmp.c_str(), path.c_str()) != 0) {
            std::remove(tmp.c_str());
            return R::failed("cannot replace '" + path + "'");
        }
        return true;
    });
}

Result<EditSet> EditSet::load(const std::string& path, const std::string& modelId,
                              const std::vector<std::string>& matrixNames, const std::vector<at::Tensor>& originals) {
    using R = Result<EditSet>;
    std::ifstream f(path, std::ios::binary);
    if (!f) return R::invalid("cannot read the edit set '" + path + "'");
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    nlohmann::json h;
    c10::Dict<std::string, at::Tensor> tensors;
    try {
        const auto iv = torch::pickle_load(bytes);
        const auto root = iv.toGenericDict();
        h = nlohmann::json::parse(root.at("header").toStringRef());
        tensors = c10::impl::toTypedDict<std::string, at::Tensor>(root.at("tensors").toGenericDict());
        if (h.value("format", "") != "reverie-erase") throw std::runtime_error("wrong format tag");
    } catch (const std::exception& e) {
        return R::invalid("'" + path + "' is not a Reverie edit set (" + firstLine(e.what()) + ")");
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
            if (!tensors.contains(k + "erase") || !tensors.contains(k + "guide"))
                return R::invalid("'" + path + "': concept '" + a.name + "' lacks its embeddings");
            a.conceptSet.erase = tensors.at(k + "erase");
            a.conceptSet.guide = tensors.at(k + "guide");
            if (j.value("has_preserve", false)) {
                if (!tensors.contains(k + "preserve"))
                    return R::invalid("'" + path + "': concept '" + a.name + "' lacks its preserve embeddings");
                a.preserve = tensors.at(k + "preserve");
            }
            for (std::size_t l = 0; l < originals.size(); ++l) {
                const auto key = k + "delta" + std::to_string(l);
                if (!tensors.contains(key))
                    return R::invalid("'" + path + "': concept '" + a.name + "' lacks ΔW for '" + matrixNames[l] + "'");
                a.deltas.push_back(tensors.at(key).to(originals[l].device()));
            }
            if (auto ok = s.add(std::move(a)); !ok) return ok.error();
        }
        return set;
    });
}

} // namespace reverie::erase
