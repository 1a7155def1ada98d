#include "erase/textsample.h"
#include "erase/session.h"
#include "base/text.h"

#include "data/fashion_mnist.h"
#include "erase/closed_form.h"
#include "erase/concepts.h"
#include "erase/finetune.h"
#include "data/text.h"
#include "models/textmodel.h"
#include "models/store.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>

namespace reverie::erase {

namespace {

bool closedForm(const std::string& method) { return method == "uce" || method == "rece"; }

/// "Sneaker/uce" → class of "Sneaker" (−1 when the name is not of that form).
int classOfName(const std::string& name) {
    const auto slash = name.rfind('/');
    const std::string cls = slash == std::string::npos ? name : name.substr(0, slash);
    for (int c = 0; c < data::text::kClasses; ++c)
        if (data::text::className(c) == cls) return c;
    return data::text::classOf(cls);
}

std::int64_t artefactBytes(const Artefact& a) {
    std::int64_t bytes = 0;
    for (const auto& d : a.deltas) bytes += (a.method == "spm" ? d.size(0) + d.size(1) : d.numel()) * 4;
    return bytes;
}

/// Restores the model's K/V weights to the originals when it goes out of scope.
struct RestoreGuard {
    std::vector<at::Tensor> targets;
    std::vector<at::Tensor> originals;
    ~RestoreGuard() {
        try {
            at::NoGradGuard ng;
            for (std::size_t i = 0; i < targets.size() && i < originals.size(); ++i) targets[i].copy_(originals[i]);
        } catch (...) {
        }
    }
};

} // namespace

struct EraseSession::Impl {
    models::TextDenoiser model{nullptr};
    models::Classifier classifier{nullptr};
    std::string dataDir;
    EditSet set;
    std::vector<at::Tensor> targets; ///< the model's K/V weights (share its storage)
    bool transport = false;
    at::Tensor trainImages;          ///< uint8 [N, 1, 28, 28], loaded on the first gradient attack
    at::Tensor trainLabels;

    bool open() const { return !model.is_empty(); }

    void restore() {
        at::NoGradGuard ng;
        const auto& o = set.originals();
        for (std::size_t i = 0; i < targets.size(); ++i) targets[i].copy_(o[i]);
    }

    /// Closed-form part of the active set (with `forceOn` enabled): the base weights, or an empty
    /// vector when no closed-form artefact is active (the originals then).
    Result<std::vector<at::Tensor>> closedFormBase(const std::string& forceOn) const {
        EditSet cf = set;
        int active = 0;
        for (const auto& a : set.artefacts()) {
            const bool on = (a.enabled || a.name == forceOn) && a.weight != 0;
            if (!closedForm(a.method) || !on) {
                if (auto ok = cf.setEnabled(a.name, false); !ok) return ok.error();
            } else {
                if (auto ok = cf.setEnabled(a.name, true); !ok) return ok.error();
                ++active;
            }
        }
        if (active == 0) return std::vector<at::Tensor>{};
        if (active == 1) return cf.effectiveWeights();
        return cf.resolveActive();
    }

    /// Writes the active set into the model: base (closed-form) + trained artefacts, SPM
    /// membranes scaled by γ of `prompt` when transport is on.
    Result<bool> apply(const std::vector<at::Tensor>& base, bool useTransport, const std::string& prompt,
                       const std::string& forceOn) {
        return guarded<bool>("apply the erased concepts", [&]() -> Result<bool> {
            const auto& originals = set.originals();
            std::vector<at::Tensor> w(originals.size());
            bool any = !base.empty();
            for (std::size_t l = 0; l < originals.size(); ++l)
                if (!base.empty()) w[l] = base[l].to(at::kDouble);
            for (const auto& a : set.artefacts()) {
                if (closedForm(a.method) || !(a.enabled || a.name == forceOn) || a.weight == 0) continue;
                double scale = a.weight;
                if (a.method == "spm" && useTransport) {
                    const int cls = classOfName(a.name);
                    if (cls < 0) return Result<bool>::failed("membrane '" + a.name + "' names no class");
                    auto g = transportFor(model, prompt, data::text::eraseSynonyms(cls).front());
                    if (!g) return g.error();
                    scale *= g.value();
                }
                if (scale == 0) continue;
                any = true;
                for (std::size_t l = 0; l < originals.size(); ++l) {
                    if (!w[l].defined()) w[l] = originals[l].to(at::kDouble);
                    w[l] = w[l] + a.deltas[l].to(originals[l].device(), at::kDouble) * scale;
                }
            }
            at::NoGradGuard ng;
            for (std::size_t l = 0; l < originals.size(); ++l) {
                if (!any || !w[l].defined()) targets[l].copy_(originals[l]);
                else targets[l].copy_(w[l].to(originals[l].scalar_type()));
            }
            return true;
        });
    }

    /// Enabled SPM membranes with a weight: only then does transport change anything.
    bool hasActiveMembranes() const {
        for (const auto& a : set.artefacts())
            if (a.method == "spm" && a.enabled && a.weight != 0) return true;
        return false;
    }

    EraseConceptInfo info(const Artefact& a) const {
        EraseConceptInfo i;
        i.name = a.name;
        i.cls = classOfName(a.name);
        i.className = i.cls >= 0 ? data::text::className(i.cls) : a.conceptSet.name;
        i.method = a.method;
        i.enabled = a.enabled;
        i.weight = a.weight;
        i.seconds = a.seconds;
        i.bytes = artefactBytes(a);
        return i;
    }
};

EraseSession::EraseSession() : d(std::make_unique<Impl>()) {}
EraseSession::~EraseSession() = default;

bool EraseSession::isOpen() const { return d->open(); }
std::string EraseSession::modelId() const { return d->open() ? d->set.modelId() : std::string(); }

Result<bool> EraseSession::open(const std::string& modelDir, const std::string& classifierDir,
                                const std::string& dataDir) {
    auto model = models::loadTextModel(modelDir);
    if (!model) return model.error();
    auto classifier = models::loadClassifierFolder(classifierDir);
    if (!classifier) return classifier.error();
    return guarded<bool>("open the erase session", [&]() -> Result<bool> {
        auto set = makeEditSet(model.value(), "fmnist-text");
        if (!set) return set.error();
        auto next = std::make_unique<Impl>();
        next->model = model.value();
        next->classifier = classifier.value();
        next->dataDir = dataDir;
        next->set = std::move(set.value());
        next->targets = kvWeights(next->model);
        next->transport = d->transport;
        d = std::move(next);
        return true;
    });
}

Result<int> EraseSession::resolveConcept(const std::string& wordOrClass) {
    using R = Result<int>;
    const std::string w = trim(wordOrClass);
    if (w.empty()) return R::invalid("the concept is empty: type a word of the model's vocabulary (e.g. \"sneaker\")");
    if (w.size() == 1 && std::isdigit(static_cast<unsigned char>(w[0]))) return int(w[0] - '0');
    for (int c = 0; c < data::text::kClasses; ++c)
        if (data::text::className(c) == w) return c;
    const int cls = data::text::classOf(w);
    if (cls >= 0) return cls;
    auto tok = data::text::tokenize(w);
    if (!tok) return R::invalid(tok.error().message);
    return R::invalid("'" + w + "' does not name one class of the model (it is shared or not a garment); try e.g. \"" +
                      data::text::eraseSynonyms(7).front() + "\"");
}

Result<EraseImages> EraseSession::generate(const std::vector<std::string>& prompts,
                                           const std::vector<std::uint64_t>& seeds, const EraseGenerateOptions& o,
                                           const JobContext& ctx) {
    using R = Result<EraseImages>;
    if (!d->open()) return R::invalid("no text model is open");
    if (prompts.empty()) return R::invalid("there are no prompts to generate");
    if (seeds.empty()) return R::invalid("there are no seeds: ask for at least one image per prompt");
    if (o.steps < 1) return R::invalid("the sampler needs at least one step");
    for (const auto& p : prompts)
        if (auto t = data::text::tokenize(p); !t) return R::invalid("prompt \"" + p + "\": " + t.error().message);
    TextSampleOptions so;
    so.steps = o.steps;
    so.guidance = o.guidance;
    if (!trim(o.sldConcept).empty()) {
        auto c = resolveConcept(o.sldConcept);
        if (!c) return c.error();
        so.safetyPrompt = data::text::eraseSynonyms(c.value()).front();
    }
    // Transport samples prompt by prompt (each prompt its own membrane weights); everything else in
    // one batched layout, so that with nothing active the images equal the original's bit for bit
    // (the float arithmetic of a batch depends on its size).
    const bool useTransport = o.transport.value_or(d->transport) && d->hasActiveMembranes() && !o.original;
    return guarded<EraseImages>("generate", [&]() -> R {
        const double t0 = nowSeconds();
        RestoreGuard guard{d->targets, d->set.originals()};
        std::vector<at::Tensor> base;
        if (!o.original) {
            auto b = d->closedFormBase({});
            if (!b) return b.error();
            base = std::move(b.value());
        }
        EraseImages out;
        if (!useTransport) {
            // One weight setting for every prompt: sample them together, in chunks (the same
            // seed gives the same image whatever else is in the batch).
            if (o.original) d->restore();
            else if (auto ok = d->apply(base, false, {}, {}); !ok) return ok.error();
            std::vector<std::string> ps;
            std::vector<std::uint64_t> ss;
            for (const auto& p : prompts)
                for (auto s : seeds) {
                    ps.push_back(p);
                    ss.push_back(s);
                }
            constexpr std::size_t kChunk = 64;
            std::vector<ImageU8> images;
            std::vector<int> classes;
            const std::int64_t chunks = std::int64_t((ps.size() + kChunk - 1) / kChunk);
            for (std::size_t i = 0; i < ps.size(); i += kChunk) {
                if (ctx.cancelled()) return R::cancelled("generation cancelled");
                const std::size_t n = std::min(kChunk, ps.size() - i);
                const std::int64_t chunk = std::int64_t(i / kChunk);
                const std::int64_t nfe0 = out.nfe;
                JobContext inner{[&, chunk, nfe0](const Progress& sp) {
                                     Progress pr = sp;
                                     pr.step = chunk * o.steps + sp.step;
                                     pr.total = chunks * o.steps;
                                     pr.nfe = nfe0 + sp.nfe;
                                     pr.preview.reset();
                                     ctx.report(pr);
                                 },
                                 ctx.cancel};
                auto s = sample(d->model, {ps.begin() + std::ptrdiff_t(i), ps.begin() + std::ptrdiff_t(i + n)},
                                {ss.begin() + std::ptrdiff_t(i), ss.begin() + std::ptrdiff_t(i + n)}, so, inner);
                if (!s) return s.error();
                const auto pred = classify(d->classifier, s.value().x).to(at::kLong).contiguous();
                for (std::int64_t k = 0; k < pred.numel(); ++k) classes.push_back(int(pred[k].item<std::int64_t>()));
                for (auto& im : s.value().images) images.push_back(std::move(im));
                out.nfe += s.value().nfe;
                Progress pr;
                pr.step = (chunk + 1) * o.steps;
                pr.total = chunks * o.steps;
                pr.nfe = out.nfe;
                pr.message = std::to_string(i + n) + "/" + std::to_string(ps.size()) + " images";
                ctx.report(pr);
            }
            for (std::size_t p = 0; p < prompts.size(); ++p) {
                const auto b = std::ptrdiff_t(p * seeds.size()), e = std::ptrdiff_t((p + 1) * seeds.size());
                out.images.emplace_back(images.begin() + b, images.begin() + e);
                out.classes.emplace_back(classes.begin() + b, classes.begin() + e);
            }
            out.seconds = nowSeconds() - t0;
            return out;
        }
        for (std::size_t p = 0; p < prompts.size(); ++p) {
            if (ctx.cancelled()) return R::cancelled("generation cancelled");
            // Transport: each prompt has its own membrane weights.
            if (auto ok = d->apply(base, true, prompts[p], {}); !ok) return ok.error();
            std::vector<std::string> ps(seeds.size(), prompts[p]);
            auto s = sample(d->model, ps, seeds, so, JobContext{nullptr, ctx.cancel});
            if (!s) return s.error();
            const auto pred = classify(d->classifier, s.value().x).to(at::kLong).contiguous();
            std::vector<int> cls(std::size_t(pred.numel()));
            for (std::int64_t i = 0; i < pred.numel(); ++i) cls[std::size_t(i)] = int(pred[i].item<std::int64_t>());
            out.images.push_back(std::move(s.value().images));
            out.classes.push_back(std::move(cls));
            out.nfe += s.value().nfe;
            Progress pr;
            pr.step = std::int64_t(p + 1);
            pr.total = std::int64_t(prompts.size());
            pr.nfe = out.nfe;
            pr.message = prompts[p];
            ctx.report(pr);
        }
        out.seconds = nowSeconds() - t0;
        return out;
    });
}

Result<EraseConceptInfo> EraseSession::eraseConcept(const std::string& wordOrClass, const std::string& method,
                                                    const EraseConceptOptions& options, const JobContext& ctx) {
    using R = Result<EraseConceptInfo>;
    if (!d->open()) return R::invalid("no text model is open");
    if (method != "uce" && method != "rece" && method != "esd" && method != "spm")
        return R::invalid("unknown erasure method '" + method + "' (known: uce, rece, esd, spm)");
    auto cls = resolveConcept(wordOrClass);
    if (!cls) return cls.error();
    const int c = cls.value();
    if (c < 0 || c >= data::text::kClasses) return R::invalid("there is no class " + std::to_string(c));
    const std::string name = data::text::className(c) + "/" + method;
    if (d->set.find(name))
        return R::invalid("'" + data::text::className(c) + "' is already erased with " + method +
                          "; toggle or weight it in the library, or remove it first");
    return guarded<EraseConceptInfo>("erase " + data::text::className(c), [&]() -> R {
        RestoreGuard guard{d->targets, d->set.originals()};
        d->restore();
        if (closedForm(method)) {
            auto cs = classConcept(d->model, c);
            if (!cs) return cs.error();
            auto keep = preserveFor(d->model, {c});
            if (!keep) return keep.error();
            ConceptSet concept_ = cs.value();
            concept_.name = name;
            EditSet next = d->set;
            if (method == "uce") {
                Progress pr;
                pr.step = 0;
                pr.total = 1;
                pr.message = "UCE " + data::text::className(c);
                ctx.report(pr);
                if (auto ok = next.erase(concept_, keep.value()); !ok) return ok.error();
            } else {
                ReceParams rp;
                rp.lambda = 1e-3; // objects (REFERENCE §7)
                rp.epochs = std::max(0, options.receEpochs);
                if (auto ok = next.eraseRece(concept_, keep.value(), rp, {}, ctx); !ok) return ok.error();
            }
            const auto* a = next.find(name);
            if (!a) return R::failed("the erased concept was not added");
            auto info = d->info(*a);
            d->set = std::move(next);
            return info;
        }
        auto fp = method == "esd" ? esdParams() : spmParams();
        if (options.trainSteps > 0) fp.steps = options.trainSteps;
        fp.poolSteps = std::max(1, options.poolSteps);
        auto r = method == "esd" ? trainEsd(d->model, c, fp, ctx) : trainSpm(d->model, c, fp, ctx);
        if (!r) return r.error();
        Artefact a = r.value().artefact;
        a.name = name;
        a.method = method;
        a.enabled = true;
        a.weight = 1.0;
        a.seconds = r.value().seconds;
        if (auto ok = d->set.add(a); !ok) return ok.error();
        return d->info(*d->set.find(name));
    });
}

std::vector<EraseConceptInfo> EraseSession::concepts() const {
    std::vector<EraseConceptInfo> out;
    for (const auto& a : d->set.artefacts()) out.push_back(d->info(a));
    return out;
}

Result<bool> EraseSession::setEnabled(const std::string& name, bool enabled) { return d->set.setEnabled(name, enabled); }
Result<bool> EraseSession::setWeight(const std::string& name, double weight) { return d->set.setWeight(name, weight); }
Result<bool> EraseSession::remove(const std::string& name) { return d->set.remove(name); }

void EraseSession::setTransport(bool on) { d->transport = on; }
bool EraseSession::transport() const { return d->transport; }

Result<std::vector<MembranePermeability>> EraseSession::permeability(const std::string& prompt) {
    using R = Result<std::vector<MembranePermeability>>;
    if (!d->open()) return R::invalid("no text model is open");
    return guarded<std::vector<MembranePermeability>>("permeability", [&]() -> R {
        std::vector<MembranePermeability> out;
        for (const auto& a : d->set.artefacts()) {
            if (a.method != "spm") continue;
            const int cls = classOfName(a.name);
            if (cls < 0) return R::failed("membrane '" + a.name + "' names no class");
            auto g = transportFor(d->model, prompt, data::text::eraseSynonyms(cls).front());
            if (!g) return g.error();
            out.push_back({a.name, g.value()});
        }
        return out;
    });
}

Result<EraseAttackResult> EraseSession::attack(const std::string& name, const std::string& kind,
                                               const std::vector<std::uint64_t>& seeds, int steps, double guidance,
                                               const JobContext& ctx) {
    using R = Result<EraseAttackResult>;
    if (!d->open()) return R::invalid("no text model is open");
    const auto* a = d->set.find(name);
    if (!a) return R::invalid("no erased concept named '" + name + "'");
    if (kind != "closed-form" && kind != "gradient" && kind != "sampler")
        return R::invalid("unknown attack '" + kind + "' (known: closed-form, gradient, sampler)");
    if (seeds.empty()) return R::invalid("the attack needs at least one seed");
    const int cls = classOfName(name);
    if (cls < 0) return R::invalid("'" + name + "' names no class");
    if (kind == "gradient" && !d->trainImages.defined()) {
        auto data = data::loadFashionMnist(data::Split::Train,
                                           d->dataDir.empty() ? data::defaultFashionMnistDir() : d->dataDir, 12000);
        if (!data) return R::invalid("the gradient attack needs the Fashion-MNIST training images: " +
                                     data.error().message);
        d->trainImages = data.value().images;
        d->trainLabels = data.value().labels;
    }
    return guarded<EraseAttackResult>("attack " + name, [&]() -> R {
        RestoreGuard guard{d->targets, d->set.originals()};
        auto base = d->closedFormBase(name);
        if (!base) return base.error();
        const std::string prompt = data::text::erasePrompts(cls).front();
        if (auto ok = d->apply(base.value(), d->transport, prompt, name); !ok) return ok.error();
        AttackParams ap;
        ap.steps = 30;
        TextSampleOptions so;
        so.steps = std::max(1, steps);
        so.guidance = guidance;
        const JobContext inner{ctx.progress, ctx.cancel};
        Result<AttackResult> r = AttackResult{};
        if (kind == "closed-form") {
            r = closedFormAttack(d->model, d->classifier, d->set.originals(), prompt, cls, seeds, ap, so, inner);
        } else if (kind == "sampler") {
            r = samplerAttack(d->model, d->classifier, prompt, cls, seeds, ap, so, inner);
        } else {
            const auto idx = d->trainLabels.eq(cls).nonzero().squeeze(1).slice(0, 0, 500);
            if (idx.numel() == 0) return R::invalid("the training images hold no " + data::text::className(cls));
            const auto real = d->trainImages.index_select(0, idx);
            r = gradientAttack(d->model, d->classifier, real, prompt, cls, seeds, ap, so, inner);
        }
        if (!r) return r.error();
        EraseAttackResult out;
        out.cls = cls;
        out.images = r.value().samples;
        out.success = r.value().success;
        out.seconds = r.value().seconds;
        // Label the images the attack produced (the same classifier that scored them).
        for (const auto& im : out.images) {
            auto t = at::from_blob(const_cast<std::uint8_t*>(im.pixels.data()), {1, 1, im.height, im.width}, at::kByte)
                         .clone();
            const auto pred = classify(d->classifier, data::toSigned(t));
            out.classes.push_back(int(pred[0].item<std::int64_t>()));
        }
        return out;
    });
}

Result<bool> EraseSession::saveLibrary(const std::string& path) const {
    if (!d->open()) return Result<bool>::invalid("no text model is open");
    if (trim(path).empty()) return Result<bool>::invalid("choose a file to save the concept library to");
    return d->set.save(path);
}

Result<bool> EraseSession::loadLibrary(const std::string& path) {
    if (!d->open()) return Result<bool>::invalid("no text model is open");
    auto s = EditSet::load(path, d->set.modelId(), d->set.matrixNames(), d->set.originals());
    if (!s) return s.error();
    for (const auto& a : s.value().artefacts())
        if (classOfName(a.name) < 0)
            return Result<bool>::invalid("the library '" + path + "' holds '" + a.name +
                                         "', which names no class of this model");
    d->set = std::move(s.value());
    return true;
}

} // namespace reverie::erase
