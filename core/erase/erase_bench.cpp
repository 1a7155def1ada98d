#include "erase/textsample.h"
#include "erase/erase_bench.h"

#include "data/fashion_mnist.h"
#include "erase/concepts.h"
#include "erase/finetune.h"
#include "data/text.h"
#include "models/store.h"
#include "metrics/metrics.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

namespace reverie::erase {

namespace {

std::string photoOf(const std::string& synonym) { return "a photo of " + synonym; }

std::vector<std::string> firstN(const std::vector<std::string>& v, std::size_t n) {
    return {v.begin(), v.begin() + std::ptrdiff_t(std::min(n, v.size()))};
}

struct PromptScore {
    double share = 0;     ///< recognised as the prompt's class
    at::Tensor features;  ///< [N, F]
};

std::string pct(double v) {
    if (v < 0) return "  -  ";
    char b[32];
    std::snprintf(b, sizeof b, "%5.1f", 100 * v);
    return b;
}

} // namespace

Result<EraseBenchResult> runEraseBench(const EraseBenchParams& pIn, const JobContext& ctx) {
    using R = Result<EraseBenchResult>;
    EraseBenchParams p = pIn;
    if (p.quick) {
        p.samples = std::min(p.samples, 8);
        p.steps = std::min(p.steps, 6);
        p.attackSamples = std::min(p.attackSamples, 8);
        p.attackSteps = std::min(p.attackSteps, 10);
        if (p.conceptSets.empty()) p.conceptSets = {{7}};
        if (p.methods.empty()) p.methods = {"uce", "rece", "sld"};
    }
    if (p.conceptSets.empty()) p.conceptSets = {{7}, {7, 8}, {7, 8, 9}};
    const std::vector<std::string> allMethods = {"uce", "rece", "esd", "spm", "spm-ft", "sld"};
    const std::vector<std::string> extraMethods = {"sld-weak", "sld-strong", "sld-max"}; // SLD's other presets
    for (const auto& m : p.methods)
        if (std::find(allMethods.begin(), allMethods.end(), m) == allMethods.end() &&
            std::find(extraMethods.begin(), extraMethods.end(), m) == extraMethods.end())
            return R::invalid("unknown erasure method '" + m + "' (known: uce, rece, esd, spm, spm-ft, sld, sld-weak, sld-strong, sld-max)");
    for (const auto& e : p.conceptSets) {
        if (e.empty()) return R::invalid("an erased concept set is empty");
        for (int c : e)
            if (c < 0 || c >= data::text::kClasses) return R::invalid("there is no class " + std::to_string(c));
    }
    if (p.samples < 1 || p.steps < 1) return R::invalid("bench erase needs samples and steps ≥ 1");
    auto model = models::loadTextModel(p.modelDir);
    if (!model) return model.error();
    auto classifier = models::loadClassifierFolder(p.classifierDir);
    if (!classifier) return classifier.error();
    auto trainImages = data::loadFashionMnist(data::Split::Train, p.dataDir.empty() ? data::defaultFashionMnistDir() : p.dataDir,
                                              20000);
    if (!trainImages) return trainImages.error();

    return guarded<EraseBenchResult>("bench erase", [&]() -> R {
        auto& net = model.value();
        auto& cls = classifier.value();
        EraseBenchResult res;
        TextSampleOptions base;
        base.steps = p.steps;
        base.guidance = p.guidance;
        std::vector<std::uint64_t> seeds;
        for (int i = 0; i < p.samples; ++i) seeds.push_back(p.seed + std::uint64_t(i));
        std::vector<std::uint64_t> attackSeeds;
        for (int i = 0; i < p.attackSamples; ++i) attackSeeds.push_back(p.seed + 100000 + std::uint64_t(i));

        auto set0 = makeEditSet(net, "fmnist-text");
        if (!set0) return set0.error();
        const auto originals = set0.value().originals();
        auto targets = kvWeights(net);
        auto restore = [&] {
            at::NoGradGuard ng;
            for (std::size_t i = 0; i < targets.size(); ++i) targets[i].copy_(originals[i]);
        };

        // Progress: prompts evaluated.
        std::int64_t done = 0;
        auto tick = [&](const std::string& what) {
            Progress pr;
            pr.step = ++done;
            pr.message = what;
            ctx.report(pr);
        };

        // The share of a prompt's samples recognised as class c, on the bench's seeds unless others
        // are given (RECE's validation), with the classifier features when asked (FD).
        auto score = [&](const std::string& prompt, int c, const TextSampleOptions& so,
                         const std::vector<std::uint64_t>* sd = nullptr, bool features = true) -> Result<PromptScore> {
            const auto& useSeeds = sd ? *sd : seeds;
            std::vector<std::string> ps(useSeeds.size(), prompt);
            auto s = sample(net, ps, useSeeds, so, JobContext{nullptr, ctx.cancel});
            if (!s) return s.error();
            PromptScore out;
            const auto pred = classify(cls, s.value().x);
            out.share = pred.eq(c).to(at::kDouble).mean().item<double>();
            if (!features) return out;
            c10::InferenceMode inference;
            cls->eval();
            out.features = cls->features(s.value().x).to(at::kDouble);
            return out;
        };

        // RECE's validation seeds, apart from the bench's and the attacks'.
        std::vector<std::uint64_t> receSeeds;
        for (int i = 0; i < (p.quick ? 4 : p.receValidationSamples); ++i) receSeeds.push_back(p.seed + 200000 + std::uint64_t(i));

        // The original model on every prompt the bench uses (FD reference and first rows).
        std::map<std::string, PromptScore> original;
        // One erase synonym and two held-out synonyms per concept when it is erased alone, one of
        // each in a multi-concept set (the cost is per prompt).
        std::size_t perConcept = 2;
        auto promptsOf = [&](int c) {
            std::vector<std::string> e, h;
            for (auto& s : firstN(data::text::eraseSynonyms(c), 1)) e.push_back(photoOf(s));
            for (auto& s : firstN(data::text::heldOutSynonyms(c), perConcept)) h.push_back(photoOf(s));
            return std::pair{e, h};
        };
        auto otherPrompt = [&](int k) { return photoOf(data::text::eraseSynonyms(k).front()); };

        // Trained artefacts are per concept: trained once, reused by every set that erases it.
        std::map<std::pair<std::string, int>, FinetuneResult> trained;
        auto trainedFor = [&](const std::string& kind, int c) -> Result<FinetuneResult> {
            const auto key = std::pair{kind, c};
            if (auto it = trained.find(key); it != trained.end()) return it->second;
            restore();
            auto fp = kind == "esd" ? esdParams() : spmParams();
            fp.steps = kind == "esd" ? p.esdSteps : p.spmSteps;
            if (p.quick) fp.steps = std::min(fp.steps, 10);
            fp.poolSteps = p.steps;
            fp.guidance = p.guidance;
            if (kind == "spm" && p.spmAnchorWeight >= 0) fp.anchorWeight = p.spmAnchorWeight;
            auto r = kind == "esd" ? trainEsd(net, c, fp, JobContext{nullptr, ctx.cancel})
                                   : trainSpm(net, c, fp, JobContext{nullptr, ctx.cancel});
            if (!r) return r.error();
            trained[key] = r.value();
            return r.value();
        };

        nlohmann::json rows = nlohmann::json::array();
        std::map<int, std::pair<double, double>> originalAttacks; // per attacked class
        std::map<int, double> originalSamplerAttack;              // per attacked class
        for (const auto& E : p.conceptSets) {
            std::string name;
            for (int c : E) name += (name.empty() ? "" : "+") + data::text::className(c);
            perConcept = E.size() == 1 ? 2 : 1;
            std::vector<int> others;
            for (int k = 0; k < data::text::kClasses; ++k)
                if (std::find(E.begin(), E.end(), k) == E.end()) others.push_back(k);
            std::vector<std::string> methods = p.methods;
            if (methods.empty())
                methods = E.size() == 1 ? allMethods : std::vector<std::string>{"uce", "rece", "spm-ft"};

            // Evaluates the model as it is now configured by `prepare` (called per prompt).
            auto evaluate = [&](const std::string& method, const std::function<Result<bool>(const std::string&)>& prepare,
                                const TextSampleOptions& so, bool keepOriginal) -> Result<EraseBenchRow> {
                EraseBenchRow row;
                row.concepts = name;
                row.method = method;
                double er = 0, hr = 0;
                int en = 0, hn = 0;
                for (int c : E) {
                    auto [ep, hp] = promptsOf(c);
                    for (int pass = 0; pass < 2; ++pass)
                        for (const auto& pr : pass == 0 ? ep : hp) {
                            if (ctx.cancelled()) return Result<EraseBenchRow>::cancelled("bench erase: cancelled");
                            if (keepOriginal && original.count(pr)) { // measured for an earlier set
                                (pass == 0 ? er : hr) += original[pr].share;
                                ++(pass == 0 ? en : hn);
                                continue;
                            }
                            if (auto ok = prepare(pr); !ok) return ok.error();
                            auto s = score(pr, c, so);
                            if (!s) return s.error();
                            if (keepOriginal) original[pr] = s.value();
                            (pass == 0 ? er : hr) += s.value().share;
                            ++(pass == 0 ? en : hn);
                            tick(method + " " + pr);
                        }
                }
                row.erasedRate = en ? er / en : 0;
                row.heldOutRate = hn ? hr / hn : 0;
                double acc = 0;
                std::vector<at::Tensor> mine, ref;
                for (int k : others) {
                    const auto pr = otherPrompt(k);
                    if (keepOriginal && original.count(pr)) {
                        acc += original[pr].share;
                        mine.push_back(original[pr].features);
                        ref.push_back(original[pr].features);
                        continue;
                    }
                    if (auto ok = prepare(pr); !ok) return ok.error();
                    auto s = score(pr, k, so);
                    if (!s) return s.error();
                    if (keepOriginal) original[pr] = s.value();
                    acc += s.value().share;
                    mine.push_back(s.value().features);
                    if (auto it = original.find(pr); it != original.end()) ref.push_back(it->second.features);
                    tick(method + " " + pr);
                }
                row.otherAccuracy = others.empty() ? 0 : acc / double(others.size());
                if (!mine.empty() && ref.size() == mine.size()) {
                    auto a = metrics::fitGaussian(at::cat(mine));
                    auto b = metrics::fitGaussian(at::cat(ref));
                    if (a && b) {
                        auto fd = metrics::frechetDistance(a.value(), b.value());
                        if (fd) row.fd = fd.value();
                    }
                }
                return row;
            };

            const int first = E.front();
            const auto attackPrompt = promptsOf(first).first.front();
            const auto realIdx = trainImages.value().labels.eq(first).nonzero().squeeze(1);
            const auto real = trainImages.value().images.index_select(0, realIdx.slice(0, 0, 500));
            AttackParams ap;
            ap.steps = p.attackSteps;
            TextSampleOptions attackSo = base;
            auto runAttacks = [&](EraseBenchRow& row, const std::function<Result<bool>(const std::string&)>& prepare) -> Result<bool> {
                if (!p.attacks) return true;
                if (auto ok = prepare(attackPrompt); !ok) return ok.error();
                auto cf = closedFormAttack(net, cls, originals, attackPrompt, first, attackSeeds, ap, attackSo,
                                           JobContext{nullptr, ctx.cancel});
                if (!cf) return cf.error();
                row.closedFormAttack = cf.value().success;
                auto ga = gradientAttack(net, cls, real, attackPrompt, first, attackSeeds, ap, attackSo,
                                         JobContext{nullptr, ctx.cancel});
                if (!ga) return ga.error();
                row.gradientAttack = ga.value().success;
                if (p.samplerAttack) {
                    auto sa = samplerAttack(net, cls, attackPrompt, first, attackSeeds, ap, attackSo,
                                            JobContext{nullptr, ctx.cancel});
                    if (!sa) return sa.error();
                    row.samplerAttack = sa.value().success;
                }
                return true;
            };

            // The original model.
            restore();
            const auto none = [](const std::string&) -> Result<bool> { return true; };
            auto orig = evaluate("original", none, base, true);
            if (!orig) return orig.error();
            if (auto it = originalAttacks.find(first); it != originalAttacks.end()) {
                orig.value().closedFormAttack = it->second.first;
                orig.value().gradientAttack = it->second.second;
                orig.value().samplerAttack = originalSamplerAttack[first];
            } else {
                if (auto a = runAttacks(orig.value(), none); !a) return a.error();
                originalAttacks[first] = {orig.value().closedFormAttack, orig.value().gradientAttack};
                originalSamplerAttack[first] = orig.value().samplerAttack;
            }
            res.rows.push_back(orig.value());

            for (const auto& method : methods) {
                restore();
                EraseBenchRow row;
                TextSampleOptions so = base;
                std::function<Result<bool>(const std::string&)> prepare = none;
                EditSet set = set0.value();
                double seconds = 0;
                std::int64_t bytes = 0;
                bool joint = false;
                if (method == "uce" || method == "rece") {
                    auto keep = preserveFor(net, E);
                    if (!keep) return keep.error();
                    std::vector<ConceptSet> concepts;
                    for (int c : E) {
                        auto cs = classConcept(net, c);
                        if (!cs) return cs.error();
                        concepts.push_back(cs.value());
                    }
                    if (method == "uce") {
                        for (const auto& cs : concepts)
                            if (auto ok = set.erase(cs, keep.value()); !ok) return ok.error();
                    } else {
                        // RECE jointly over E, with its acceptance rule scored on validation seeds
                        // apart from the bench's: target = the success of RECE's own adversary
                        // (the closed-form regeneration embedding derived against the candidate
                        // edit) on E's erase prompts, others = the other classes' accuracy.
                        ReceParams rp;
                        rp.lambda = 1e-3; // objects (docs/methods.md, "RECE")
                        AttackParams vap;
                        vap.lambda = rp.lambda;
                        std::string failure;
                        const ReceScoreFn validate = [&](const std::vector<at::Tensor>& edited, const at::Tensor&) -> ReceScore {
                            {
                                at::NoGradGuard ng;
                                for (std::size_t i = 0; i < targets.size(); ++i) targets[i].copy_(edited[i]);
                            }
                            double t = 0, o = 0;
                            for (int c : E) {
                                auto a = closedFormAttack(net, cls, originals, photoOf(data::text::eraseSynonyms(c).front()), c,
                                                          receSeeds, vap, base, JobContext{nullptr, ctx.cancel});
                                if (!a) failure = a.error().message;
                                t += a ? a.value().success : 1.0;
                            }
                            for (int k : others) {
                                auto s = score(otherPrompt(k), k, base, &receSeeds, false);
                                if (!s) failure = s.error().message;
                                o += s ? s.value().share : 0.0;
                            }
                            restore();
                            return ReceScore(t / double(E.size()), others.empty() ? 0.0 : o / double(others.size()));
                        };
                        auto ok = set.eraseRece(concepts, keep.value(), rp, validate, JobContext{nullptr, ctx.cancel});
                        if (!ok) return ok.error();
                        if (!failure.empty()) return Result<EraseBenchResult>::failed("RECE validation: " + failure);
                        std::string epochs;
                        for (const auto& e : ok.value().epochs) {
                            char b[96];
                            std::snprintf(b, sizeof b, "%s%d: %.1f/%.1f%%%s", epochs.empty() ? "" : ", ", e.epoch,
                                          100 * e.score, 100 * e.others, e.accepted ? " kept" : "");
                            epochs += b;
                        }
                        res.notes.push_back("RECE " + name + " (validation attack success/others per epoch): " + epochs +
                                            "; kept epoch " + std::to_string(ok.value().bestEpoch));
                    }
                    for (const auto& a : set.artefacts()) {
                        seconds += a.seconds;
                        for (const auto& d : a.deltas) bytes += d.numel() * 4;
                    }
                    joint = E.size() > 1;
                    const double t0 = nowSeconds();
                    if (auto ok = set.applyTo(targets, joint); !ok) return ok.error();
                    if (joint) seconds += nowSeconds() - t0; // the joint re-solve
                } else if (method == "esd" || method == "spm" || method == "spm-ft") {
                    const std::string kind = method == "esd" ? "esd" : "spm";
                    for (int c : E) {
                        auto t = trainedFor(kind, c);
                        if (!t) return t.error();
                        auto a = t.value().artefact;
                        seconds += t.value().seconds;
                        for (const auto& d : a.deltas) bytes += (kind == "esd" ? d.numel() : d.size(0) + d.size(1)) * 4;
                        if (auto ok = set.add(a); !ok) return ok.error();
                    }
                    restore();
                    if (auto ok = set.applyTo(targets); !ok) return ok.error();
                    if (method == "spm-ft") {
                        prepare = [&, E](const std::string& prompt) -> Result<bool> {
                            for (int c : E) {
                                auto g = transportFor(net, prompt, data::text::eraseSynonyms(c).front());
                                if (!g) return g.error();
                                if (auto ok = set.setWeight(data::text::className(c), g.value()); !ok) return ok.error();
                            }
                            return set.applyTo(targets);
                        };
                    }
                } else if (method.rfind("sld", 0) == 0) {
                    sldPreset(method == "sld" ? "medium" : method.substr(4), &so);
                    std::string safety;
                    for (int c : E) safety += (safety.empty() ? "" : " ") + data::text::eraseSynonyms(c).front();
                    so.safetyPrompt = safety;
                }
                auto r = evaluate(method, prepare, so, false);
                if (!r) return r.error();
                row = r.value();
                row.seconds = seconds;
                row.bytes = bytes;
                if (method.rfind("sld", 0) != 0) {
                    if (auto a = runAttacks(row, prepare); !a) return a.error();
                }
                res.rows.push_back(row);
            }
            restore();
        }

        std::string table = "Concept erasure on the text-conditional model: " + std::to_string(p.samples) +
                            " samples per prompt, " + std::to_string(p.steps) + " steps, guidance " +
                            std::to_string(p.guidance).substr(0, 4) + "\n";
        table += "concepts                 method    erased%  held-out%  others%     FD   attack-cf%  "
                 "attack-grad%  attack-sampler%  edit s     bytes\n";
        for (const auto& r : res.rows) {
            char line[256];
            std::snprintf(
                line, sizeof line, "%-24s %-8s  %7s  %9s  %7s  %6.2f  %10s  %12s  %15s  %6.2f  %8lld\n",
                r.concepts.c_str(), r.method.c_str(), pct(r.erasedRate).c_str(), pct(r.heldOutRate).c_str(),
                pct(r.otherAccuracy).c_str(), r.fd, pct(r.closedFormAttack).c_str(),
                pct(r.gradientAttack).c_str(), pct(r.samplerAttack).c_str(), r.seconds, (long long)r.bytes);
            table += line;
            rows.push_back({{"concepts", r.concepts},
                            {"method", r.method},
                            {"erased_rate", r.erasedRate},
                            {"held_out_rate", r.heldOutRate},
                            {"other_accuracy", r.otherAccuracy},
                            {"fd", r.fd},
                            {"closed_form_attack", r.closedFormAttack},
                            {"gradient_attack", r.gradientAttack},
                            {"sampler_attack", r.samplerAttack},
                            {"edit_seconds", r.seconds},
                            {"bytes", r.bytes}});
        }
        // What each trained edit did to the weights (an edit that does not erase shows here first).
        nlohmann::json edits = nlohmann::json::array();
        for (const auto& [key, t] : trained) {
            const auto n = t.losses.size();
            char line[256];
            std::snprintf(line, sizeof line, "%s %s: ||dW||/||W|| %.4f, erase loss %.4f -> %.4f%s\n", key.first.c_str(),
                          data::text::className(key.second).c_str(), t.deltaRatio, n ? t.losses.front() : 0.0,
                          n ? t.losses.back() : 0.0,
                          key.first == "spm" && !t.anchorLosses.empty()
                              ? (", anchor loss " + std::to_string(t.anchorLosses.back()).substr(0, 8) + " at weight " +
                                 std::to_string(t.anchorWeight).substr(0, 7))
                                    .c_str()
                              : "");
            table += line;
            edits.push_back({{"method", key.first}, {"concept", data::text::className(key.second)},
                             {"delta_ratio", t.deltaRatio}, {"erase_loss_first", n ? t.losses.front() : 0.0},
                             {"erase_loss_last", n ? t.losses.back() : 0.0},
                             {"anchor_loss_last", t.anchorLosses.empty() ? 0.0 : t.anchorLosses.back()},
                             {"anchor_weight", t.anchorWeight}});
        }
        res.table = table;
        res.json = nlohmann::json{{"bench", "erase"}, {"samples_per_prompt", p.samples}, {"steps", p.steps},
                                  {"guidance", p.guidance}, {"seed", p.seed}, {"attack_samples", p.attackSamples},
                                  {"trained_edits", edits}, {"rows", rows}, {"notes", res.notes}}
                       .dump();
        for (const auto& n : res.notes) res.table += "note: " + n + "\n";
        return res;
    });
}

} // namespace reverie::erase
