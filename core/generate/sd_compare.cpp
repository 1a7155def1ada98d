#include "generate/sd_compare.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

namespace reverie::generate {

double meanAbsDifference(const ImageU8& a, const ImageU8& b) {
    if (a.width != b.width || a.height != b.height || a.channels != b.channels || a.pixels.size() != b.pixels.size() ||
        a.pixels.empty())
        return -1.0;
    double sum = 0;
    for (std::size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
    return sum / double(a.pixels.size());
}

Result<SdCompareResult> runSdCompare(const SdCompareParams& p, const JobContext& ctx) {
    using R = Result<SdCompareResult>;
    if (p.prompts.empty()) return R::invalid("there are no prompts to compare");
    if (p.seeds < 1) return R::invalid("the comparison needs at least one seed");
    if (p.prompts.size() * std::size_t(p.seeds) > 64)
        return R::invalid("the comparison asks for " + std::to_string(p.prompts.size() * std::size_t(p.seeds)) +
                          " images per column, more than 64");
    const auto start = std::chrono::steady_clock::now();
    // Without edits the edited column is the original one: generated once.
    const bool same = p.base.edits.empty() && p.original;
    const int columns = p.original && !same ? 2 : 1;
    const auto runs = std::int64_t(p.prompts.size()) * columns;
    SdCompareResult out;
    std::int64_t run = 0;
    auto generate = [&](const std::string& prompt, bool edited, std::size_t row) -> Result<std::vector<ImageU8>> {
        SdParams q = p.base;
        q.prompt = prompt;
        q.batch = p.seeds;
        q.previews = false;
        if (!edited) q.edits.clear();
        JobContext inner{nullptr, ctx.cancel};
        const std::string label = "prompt " + std::to_string(row + 1) + " of " + std::to_string(p.prompts.size()) +
                                  (edited ? ", edited" : ", original");
        inner.progress = [&, label](const Progress& pr) {
            Progress o = pr;
            o.step = run * pr.total + pr.step;
            o.total = runs * pr.total;
            o.nfe = out.nfe + pr.nfe;
            o.message = label + (pr.message.empty() ? "" : ": " + pr.message);
            ctx.report(o);
        };
        auto r = runSdTextToImage(q, inner);
        ++run;
        if (!r) return Result<std::vector<ImageU8>>(r.error());
        out.nfe += r.value().nfe;
        for (auto& w : r.value().warnings)
            if (std::find(out.warnings.begin(), out.warnings.end(), prompt + ": " + w) == out.warnings.end())
                out.warnings.push_back(prompt + ": " + w);
        return std::move(r.value().images);
    };
    for (std::size_t i = 0; i < p.prompts.size(); ++i) {
        if (p.original) {
            auto o = generate(p.prompts[i], false, i);
            if (!o) return R(o.error());
            out.original.push_back(std::move(o.value()));
        }
        if (same) {
            out.edited.push_back(out.original[i]);
        } else {
            auto e = generate(p.prompts[i], true, i);
            if (!e) return R(e.error());
            out.edited.push_back(std::move(e.value()));
        }
        const auto& originals = p.original ? out.original : p.kept;
        if (i < originals.size() && originals[i].size() == out.edited[i].size()) {
            double sum = 0;
            for (std::size_t s = 0; s < out.edited[i].size(); ++s) sum += meanAbsDifference(originals[i][s], out.edited[i][s]);
            out.moved.push_back(sum / double(out.edited[i].size()));
        }
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

} // namespace reverie::generate
