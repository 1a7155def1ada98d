#include "erase/closed_form.h"
#include "erase/closed_form_detail.h"

#include <ATen/ATen.h>
#include <torch/serialize.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace reverie::erase {

namespace detail {

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

// Exact row keys, for de-duplicating preserve sets.
std::string rowKey(const at::Tensor& rowD) {
    const auto c = rowD.to(at::kCPU).contiguous();
    return std::string(static_cast<const char*>(c.data_ptr()), static_cast<std::size_t>(c.numel()) * sizeof(double));
}

} // namespace detail

using namespace detail;

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
            ConceptSet c{"the erase set", erase, guide, 1.0, at::Tensor()};
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
    return runRece(Ws, std::vector<ConceptSet>{conceptSet}, preserve, params, score, ctx);
}

Result<ReceResult> runRece(const std::vector<at::Tensor>& Ws, const std::vector<ConceptSet>& concepts,
                           const at::Tensor& preserve, const ReceParams& params, const ReceScoreFn& score,
                           const JobContext& ctx) {
    using R = Result<ReceResult>;
    return guarded<ReceResult>("RECE", [&]() -> R {
        std::int64_t in = 0;
        if (auto e = checkMatrices(Ws, &in); !e.empty()) return R::invalid(e);
        if (auto e = checkParams(params.uce); !e.empty()) return R::invalid(e);
        if (!(params.lambda > 0) || !std::isfinite(params.lambda)) return R::invalid("RECE's λ must be finite and > 0");
        if (params.epochs < 0 || params.epochs > 100) return R::invalid("RECE epochs must be between 0 and 100");
        if (!(params.othersTolerance >= 0)) return R::invalid("RECE's tolerance on the other concepts must be ≥ 0");
        const auto dev = Ws[0].device();
        auto blocks = blocksOf(concepts, params.uce, in, dev);
        if (!blocks) return blocks.error();
        auto pr = preserveRows(preserve, in, dev);
        if (!pr) return pr.error();
        // Per concept: the rows to derive from (c*) and the guides of the derived rows.
        const std::size_t K = concepts.size();
        std::vector<at::Tensor> cStars(K), derivedGuides(K);
        for (std::size_t k = 0; k < K; ++k) {
            const auto& b = blocks.value()[k];
            const auto& c = concepts[k];
            if (present(c.derive)) {
                if (auto e = checkRows(c.derive, in, "the derivation rows of concept '" + c.name + "'"); !e.empty())
                    return R::invalid(e);
                cStars[k] = c.derive.to(dev, at::kDouble).contiguous();
            } else {
                cStars[k] = b.e;
            }
            const auto nd = cStars[k].size(0);
            const bool oneGuide = (c.guide.defined() ? c.guide : params.uce.defaultGuide).dim() == 1 ||
                                  (c.guide.defined() ? c.guide : params.uce.defaultGuide).size(0) == 1;
            if (oneGuide) derivedGuides[k] = b.g.narrow(0, 0, 1).expand({nd, in}).contiguous();
            else if (nd == b.g.size(0)) derivedGuides[k] = b.g;
            else
                return R::invalid("concept '" + c.name + "' has " + std::to_string(b.g.size(0)) + " guide rows for " +
                                  std::to_string(nd) + " derivation rows (give one guide row, or one per row)");
        }
        const at::Tensor cStar = at::cat(cStars, 0);

        std::vector<at::Tensor> wd;
        for (const auto& W : Ws) wd.push_back(W.to(at::kDouble));
        const auto stacked = at::cat(wd, 0);
        const auto gram = at::mm(stacked.t(), stacked);

        ReceResult out;
        double uceOthers = std::numeric_limits<double>::quiet_NaN();
        double keptTarget = 0;
        // Per concept, the blocks of rows: its own, then one derived block per epoch.
        std::vector<std::vector<EraseBlock>> cur(K);
        for (std::size_t k = 0; k < K; ++k) cur[k].push_back(blocks.value()[k]);
        for (int epoch = 0; epoch <= params.epochs; ++epoch) {
            if (ctx.cancelled()) return R::cancelled("RECE: cancelled after " + std::to_string(epoch) + " epochs");
            const double e0 = nowSeconds();
            std::vector<EraseBlock> all;
            for (const auto& bs : cur) all.insert(all.end(), bs.begin(), bs.end());
            auto edit = solveBlocks(Ws, all, pr.value(), params.uce);
            if (!edit) return edit.error();
            auto derived = regenFromGram(gram, edit.value().transform, cStar, params.lambda);
            if (!derived) return derived.error();
            ReceEpoch ep;
            ep.epoch = epoch;
            ep.derived = derived.value();
            ep.seconds = nowSeconds() - e0;
            out.seconds += ep.seconds;
            if (score) {
                const ReceScore s = score(edit.value().weights, ep.derived);
                ep.score = s.target;
                ep.others = s.others;
            }
            if (!score || epoch == 0) {
                ep.accepted = true;
            } else {
                const bool othersOk = std::isnan(ep.others) || std::isnan(uceOthers) ||
                                      ep.others >= uceOthers - params.othersTolerance;
                ep.accepted = ep.score < keptTarget && othersOk;
            }
            if (epoch == 0) uceOthers = ep.others;
            if (ep.accepted) {
                keptTarget = ep.score;
                out.bestEpoch = epoch;
                out.edit = edit.value();
                out.conceptSets.clear();
                for (std::size_t k = 0; k < K; ++k) {
                    ConceptSet c = concepts[k];
                    std::vector<at::Tensor> es, gs;
                    for (const auto& b : cur[k]) {
                        es.push_back(b.e);
                        gs.push_back(b.g);
                    }
                    c.erase = at::cat(es, 0);
                    c.guide = at::cat(gs, 0);
                    out.conceptSets.push_back(std::move(c));
                }
                out.conceptSet = out.conceptSets.front();
            }
            out.epochs.push_back(ep);
            Progress pg;
            pg.step = epoch + 1;
            pg.total = params.epochs + 1;
            pg.stepSeconds = ep.seconds;
            pg.message = "RECE epoch " + std::to_string(epoch);
            pg.values = {{"score", ep.score}, {"others", ep.others}, {"accepted", ep.accepted ? 1.0 : 0.0},
                         {"seconds", ep.seconds}};
            ctx.report(pg);
            if (score && ep.accepted && ep.score <= 0) break; // the concept is gone
            // Erase every concept's derived embeddings too (each to its own guides), re-solving from W.
            std::int64_t off = 0;
            for (std::size_t k = 0; k < K; ++k) {
                const auto nd = cStars[k].size(0);
                cur[k].push_back({ep.derived.narrow(0, off, nd), derivedGuides[k], cur[k][0].scale});
                off += nd;
            }
        }
        out.edit.seconds = out.seconds;
        return out;
    });
}

} // namespace reverie::erase
