#include "erase/sd_erase.h"
#include "base/text.h"

#include "base/io.h"
#include "erase/closed_form.h"
#include "models/formats/safetensors.h"
#include "models/sd/clip_text.h"
#include "models/sd/edit.h"
#include "models/sd/files.h"
#include "models/sd/tokenizer.h"
#include "models/sd/unet.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace reverie::erase {
namespace {
using namespace models::sd;

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : "\n") + s;
    return out;
}

std::string number(double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}

/// The rows UCE's official procedure erases for a prompt paired with its guide: the text states
/// from the prompt's last word token to the end of the context (its end token and the padding that
/// attends to it), aligned with the guide's rows from the guide's last word token; both cut to the
/// same count. f = (ids incl. start and end) − 2; for "" that is the start token.
std::pair<at::Tensor, at::Tensor> alignedRows(const at::Tensor& states, int fa, const at::Tensor& guideStates, int fg) {
    const std::int64_t L = states.size(0);
    const int far = std::max(fa, fg);
    const std::int64_t n = L - far;
    return {states.narrow(0, fa, n), guideStates.narrow(0, fg, n)};
}

/// The text encoder, UNet and tokenizer of an SD 1.x file.
struct SdParts {
    ClipTextEncoder text;
    LoadedSdUNet unet;
    ClipTokenizer tok;
};
Result<SdParts> loadParts(const std::string& checkpoint, int textHeads, int unetHeads) {
    auto file = readSdFile(checkpoint);
    if (!file) return file.error();
    ClipTextOptions to;
    if (textHeads > 0) to.heads = textHeads;
    auto text = clipTextEncoderFromTensors(file.value().tensors, to);
    if (!text) return text.error();
    SdUNetOptions uo;
    if (unetHeads > 0) uo.numHeads = unetHeads;
    auto unet = sdUNetFromTensors(file.value().tensors, uo);
    if (!unet) return unet.error();
    auto tok = ClipTokenizer::load();
    if (!tok) return tok.error();
    return SdParts{std::move(text.value()), std::move(unet.value()), std::move(tok.value())};
}

} // namespace

Result<SdEraseResult> runSdErase(const SdEraseParams& p, const JobContext& ctx) {
    using R = Result<SdEraseResult>;
    std::vector<std::string> concepts;
    for (const auto& c : p.concepts)
        if (!trim(c).empty()) concepts.push_back(trim(c));
    if (concepts.empty()) return R::invalid("no concept to erase");
    if (p.method != "uce" && p.method != "rece") return R::invalid("method must be uce or rece, not '" + p.method + "'");
    if (p.output.empty()) return R::invalid("no output file for the edit");
    if (p.receEpochs < 1 || p.receEpochs > 10) return R::invalid("RECE epochs must lie in 1…10");
    try {
        c10::InferenceMode guard;
        SdEraseResult res;
        double t0 = nowSeconds();
        Progress pr;
        pr.message = "loading " + std::filesystem::path(p.checkpoint).filename().string();
        ctx.report(pr);
        auto parts = loadParts(p.checkpoint, p.textHeads, p.unetHeads);
        if (!parts) return parts.error();
        auto& text = parts.value().text;
        auto& unet = parts.value().unet;
        auto& tok = parts.value().tok;
        res.loadSeconds = nowSeconds() - t0;
        if (ctx.cancelled()) return R::cancelled("erase: cancelled");

        t0 = nowSeconds();
        std::vector<std::string> prompts = concepts;
        prompts.push_back(p.guide);
        for (const auto& s : p.preserve)
            if (!trim(s).empty()) prompts.push_back(trim(s));
        const auto batch = tok.tokenize(prompts, text.model->config().context);
        const at::Tensor states = text.model->forward(batch.ids).to(at::kDouble);
        res.encodeSeconds = nowSeconds() - t0;
        const std::size_t g = concepts.size();
        auto last = [&](std::size_t i) { return batch.lengths[i] - 2; };

        std::vector<ConceptSet> sets;
        for (std::size_t i = 0; i < g; ++i) {
            auto [e, gd] = alignedRows(states[std::int64_t(i)], last(i), states[std::int64_t(g)], last(g));
            sets.push_back({concepts[i], e, gd, 1.0, at::Tensor()});
            res.eraseRows += int(e.size(0));
        }
        std::vector<at::Tensor> keep;
        for (std::size_t i = g + 1; i < prompts.size(); ++i)
            keep.push_back(states[std::int64_t(i)].narrow(0, last(i), states.size(1) - last(i)));
        const at::Tensor preserve = keep.empty() ? at::Tensor() : at::cat(keep);

        auto kv = crossAttentionKv(*unet.model);
        std::vector<at::Tensor> Ws;
        for (const auto& [name, w] : kv) Ws.push_back(w.detach());
        res.matrices = int(Ws.size());
        UceParams up;
        up.eta = p.eta;
        up.lambda1 = p.lambda1;
        up.lambda2 = p.lambda2;
        Edit edit;
        if (p.method == "uce") {
            auto e = solveJoint(Ws, sets, preserve, up);
            if (!e) return e.error();
            edit = std::move(e.value());
            res.solveSeconds = edit.seconds;
        } else {
            ConceptSet all{join(concepts), at::cat([&] {
                               std::vector<at::Tensor> v;
                               for (const auto& s : sets) v.push_back(s.erase);
                               return v;
                           }()),
                           at::cat([&] {
                               std::vector<at::Tensor> v;
                               for (const auto& s : sets) v.push_back(s.guide);
                               return v;
                           }()),
                           1.0, at::Tensor()};
            ReceParams rp;
            rp.uce = up;
            rp.lambda = p.receLambda;
            rp.epochs = p.receEpochs;
            auto r = runRece(Ws, all, preserve, rp, {}, ctx);
            if (!r) return r.error();
            res.eraseRows = int(r.value().conceptSet.erase.size(0));
            edit = std::move(r.value().edit);
            res.solveSeconds = r.value().seconds;
        }

        // How far the edit moved the concepts to their guides, and how little the preserved moved.
        double gap = 0, left = 0, drift = 0, base = 0;
        for (std::size_t l = 0; l < Ws.size(); ++l) {
            const at::Tensor W = Ws[l].to(at::kDouble), W2 = edit.weights[l].to(at::kDouble);
            for (const auto& s : sets) {
                const at::Tensor target = at::matmul(s.guide, W.t());
                gap += (at::matmul(s.erase, W.t()) - target).square().sum().item<double>();
                left += (at::matmul(s.erase, W2.t()) - target).square().sum().item<double>();
            }
            if (preserve.defined()) {
                const at::Tensor before = at::matmul(preserve, W.t());
                drift += (at::matmul(preserve, W2.t()) - before).square().sum().item<double>();
                base += before.square().sum().item<double>();
            }
        }
        res.residual = gap > 0 ? std::sqrt(left / gap) : 0.0;
        res.preserveDrift = base > 0 ? std::sqrt(drift / base) : 0.0;

        models::formats::NamedTensors out;
        for (std::size_t l = 0; l < kv.size(); ++l)
            out.emplace_back(unet.prefix + kv[l].first, edit.deltas[l].to(at::kFloat).contiguous());
        const auto [fa, fs] = kvFingerprint(kv);
        const std::map<std::string, std::string> meta = {
            {"format", "reverie-sd-edit"}, {"version", "1"},       {"method", p.method},
            {"concepts", join(concepts)},  {"guide", p.guide},     {"preserve", join(p.preserve)},
            {"base", std::filesystem::path(p.checkpoint).stem().string()},
            {"fingerprint_abs", number(fa)}, {"fingerprint_sq", number(fs)}};
        auto w = models::formats::writeSafetensors(p.output, out, meta);
        if (!w) return w.error();
        return res;
    } catch (const std::exception& e) {
        return R::failed(std::string("erase: ") + firstLine(e.what()));
    }
}

Result<SdAttackResult> runSdAttack(const SdAttackParams& p, const JobContext& ctx) {
    using R = Result<SdAttackResult>;
    if (trim(p.prompt).empty()) return R::invalid("no concept to attack");
    if (p.output.empty()) return R::invalid("no output file for the attack's text states");
    if (!(p.lambda > 0)) return R::invalid("the ridge λ must be positive");
    try {
        c10::InferenceMode guard;
        const double t0 = nowSeconds();
        auto parts = loadParts(p.checkpoint, p.textHeads, p.unetHeads);
        if (!parts) return parts.error();
        auto kv = crossAttentionKv(*parts.value().unet.model);
        auto deltas = readKvEdit(p.edit, kv, kvFingerprint(kv));
        if (!deltas) return deltas.error();
        if (ctx.cancelled()) return R::cancelled("attack: cancelled");
        const auto batch = parts.value().tok.tokenize({trim(p.prompt)}, parts.value().text.model->config().context);
        const at::Tensor cStar = parts.value().text.model->forward(batch.ids)[0].to(at::kDouble); // [L, width]
        std::vector<MatrixPair> pairs;
        for (std::size_t l = 0; l < kv.size(); ++l) {
            const at::Tensor W = kv[l].second.detach().to(at::kDouble);
            pairs.push_back({W, W + deltas.value()[l].to(at::kDouble)});
        }
        auto c = regenerationEmbedding(pairs, cStar, p.lambda);
        if (!c) return c.error();
        const at::Tensor cAdv = c.value();
        SdAttackResult res;
        double base = 0, plain = 0, attack = 0;
        for (const auto& [W, W2] : pairs) {
            const at::Tensor target = at::matmul(cStar, W.t());
            base += target.square().sum().item<double>();
            plain += (at::matmul(cStar, W2.t()) - target).square().sum().item<double>();
            attack += (at::matmul(cAdv, W2.t()) - target).square().sum().item<double>();
        }
        res.residualPrompt = base > 0 ? std::sqrt(plain / base) : 0.0;
        res.residualAttack = base > 0 ? std::sqrt(attack / base) : 0.0;
        res.normRatio = (cAdv.norm() / cStar.norm()).item<double>();
        const std::map<std::string, std::string> meta = {
            {"format", "reverie-sd-states"}, {"version", "1"}, {"concept", trim(p.prompt)},
            {"edit", std::filesystem::path(p.edit).filename().string()}, {"lambda", number(p.lambda)}};
        auto w = models::formats::writeSafetensors(p.output, {{"states", cAdv.to(at::kFloat).contiguous()}}, meta);
        if (!w) return w.error();
        res.seconds = nowSeconds() - t0;
        return res;
    } catch (const std::exception& e) {
        return R::failed(std::string("attack: ") + firstLine(e.what()));
    }
}

Result<SdEraseBenchReport> runSdEraseBench(const SdEraseBenchParams& p, const JobContext& ctx) {
    using R = Result<SdEraseBenchReport>;
    if (p.rows < 1 || p.preserveRows < 0 || p.repeats < 1) return R::invalid("rows, preserve rows and repeats must be positive");
    try {
        c10::InferenceMode guard;
        at::manual_seed(p.seed);
        std::vector<at::Tensor> Ws;
        for (const auto& [name, shape] : sdUNetShapes(SdUNetConfig{}))
            if (name.find(".attn2.to_k.weight") != std::string::npos || name.find(".attn2.to_v.weight") != std::string::npos)
                Ws.push_back(at::randn(shape) * 0.02);
        const std::int64_t in = Ws.front().size(1);
        ConceptSet c{"concept", at::randn({p.rows, in}, at::kDouble), at::randn({p.rows, in}, at::kDouble), 1.0, at::Tensor()};
        const at::Tensor preserve = p.preserveRows > 0 ? at::randn({p.preserveRows, in}, at::kDouble) : at::Tensor();
        nlohmann::json rows = nlohmann::json::array();
        std::ostringstream table;
        table << "closed-form erasure on the SD 1.x K/V shapes (" << Ws.size() << " matrices, " << p.rows
              << " erase rows, " << p.preserveRows << " preserved rows)\n";
        for (const auto& [label, epochs] : std::vector<std::pair<std::string, int>>{{"uce", 0}, {"rece-1", 1}, {"rece-3", 3}}) {
            std::vector<double> times;
            for (int r = 0; r < p.repeats; ++r) {
                if (ctx.cancelled()) return R::cancelled("bench: cancelled");
                const double t0 = nowSeconds();
                if (epochs == 0) {
                    auto e = solveJoint(Ws, {c}, preserve, UceParams{});
                    if (!e) return e.error();
                } else {
                    ReceParams rp;
                    rp.epochs = epochs;
                    rp.lambda = 1e-3;
                    auto e = runRece(Ws, c, preserve, rp);
                    if (!e) return e.error();
                }
                times.push_back(nowSeconds() - t0);
            }
            std::sort(times.begin(), times.end());
            const double median = times[times.size() / 2];
            rows.push_back({{"method", label}, {"seconds", median}, {"repeats", p.repeats}});
            char line[128];
            std::snprintf(line, sizeof line, "  %-8s %.3f s (median of %d)\n", label.c_str(), median, p.repeats);
            table << line;
            Progress pr;
            pr.message = label;
            pr.values = {{"seconds", median}};
            ctx.report(pr);
        }
        const nlohmann::json j = {{"bench", "sd-erase"},     {"matrices", Ws.size()}, {"rows", p.rows},
                                  {"preserve_rows", p.preserveRows}, {"results", rows}};
        return SdEraseBenchReport{j.dump(), table.str()};
    } catch (const std::exception& e) {
        return R::failed(std::string("bench sd-erase: ") + firstLine(e.what()));
    }
}

} // namespace reverie::erase
