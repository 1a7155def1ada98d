// Concept erasure on the text-conditional model (erase/concepts.h), on a tiny random model: the
// class concept's sets come from the lexicon's erase synonyms only; a UCE edit of the model's
// cross-attention maps the concept's tokens to the empty prompt's outputs while keeping the
// other classes'; toggling it off restores the weights bit for bit; RECE's closed-form attack
// finds a context whose K/V outputs through the edited model are closer to the original ones
// than the prompt's own; the gradient attack lowers the edited model's denoising loss on the
// concept's images.

#include "erase/textsample.h"
#include "erase/concepts.h"
#include "erase/finetune.h"
#include "data/text.h"
#include "models/store.h"
#include "models/zoo.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/functional/loss.h>

#include "fixtures.h"

#include <QtTest>

#include <cmath>

using namespace reverie;
using namespace reverie::erase;
using namespace reverie::models;

namespace {

TextDenoiser randomModel(std::uint64_t seed) { return testing::randomTextModel(seed); }

models::Classifier tinyClassifier() {
    models::ClassifierConfig c;
    c.width = 8;
    c.features = 16;
    models::Classifier net(c);
    net->eval();
    return net;
}

// K/V outputs of the context rows through the given weights, stacked.
at::Tensor kvOut(const std::vector<at::Tensor>& ws, const at::Tensor& rows) {
    std::vector<at::Tensor> out;
    for (const auto& w : ws) out.push_back(at::matmul(rows.to(at::kDouble), w.to(at::kDouble).t()));
    return at::cat(out, 1);
}

// The shipped text model's card check (card.json "evaluation.fixed_seed_check"): the class, the
// seeds, the prompts and the sampler settings every fixed-seed test uses.
struct CardCheck {
    nlohmann::json json;
    int cls = 0;
    std::vector<std::uint64_t> seeds;
    std::vector<std::string> prompts;
    TextSampleOptions so;
};

CardCheck readCardCheck(const std::string& modelDir) {
    std::ifstream in(std::filesystem::path(modelDir) / "card.json");
    CardCheck c;
    c.json = nlohmann::json::parse(in).at("evaluation").at("fixed_seed_check");
    c.cls = c.json.at("class").get<int>();
    for (int i = 0; i < c.json.at("seeds").get<int>(); ++i) c.seeds.push_back(c.json.at("first_seed").get<std::uint64_t>() + i);
    c.so.steps = c.json.at("steps").get<int>();
    c.so.guidance = c.json.at("guidance").get<double>();
    c.prompts = c.json.at("prompts").get<std::vector<std::string>>();
    return c;
}

// The shipped text model, the shipped classifier and the card's check; nullopt when either does
// not load.
struct Shipped {
    CardCheck card;
    TextDenoiser model;
    models::Classifier classifier;
};

std::optional<Shipped> loadShipped(const std::string& dir, const std::string& clsDir) {
    auto model = loadTextModel(dir);
    auto classifier = models::loadClassifierFolder(clsDir);
    if (!model || !classifier) return std::nullopt;
    return Shipped{readCardCheck(dir), model.value(), classifier.value()};
}

} // namespace

class TestConcepts : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void conceptSetsFollowTheLexicon() {
        auto m = randomModel(1);
        const int sneaker = data::text::classOf("sneaker");
        QVERIFY(sneaker >= 0);
        auto all = classConcept(m, sneaker, TokenChoice::All);
        VERIFY_OK(all);
        auto words = classConcept(m, sneaker, TokenChoice::ConceptWords);
        QVERIFY(words.ok());
        QCOMPARE(all.value().name, data::text::className(sneaker));
        QCOMPARE(all.value().erase.size(1), std::int64_t(64));
        QVERIFY(words.value().erase.size(0) < all.value().erase.size(0));
        QCOMPARE(all.value().guide.size(0), std::int64_t(1)); // the <null> token
        // Held-out synonyms are not among the erase rows: a held-out prompt's concept-word rows
        // do not occur in the set.
        const auto held = data::text::heldOutSynonyms(sneaker);
        QVERIFY(!held.empty());
        auto heldRows = promptTokens(m, {held.front()}, {held.front()});
        QVERIFY(heldRows.ok());
        const auto d = at::cdist(heldRows.value(), all.value().erase).min().item<double>();
        QVERIFY2(d > 1e-6, qPrintable(QString::number(d)));
        // Preserve rows: the other nine classes; none with an erased class.
        auto keepAll = preserveFor(m, {});
        auto keepNine = preserveFor(m, {sneaker});
        QVERIFY(keepAll.ok() && keepNine.ok());
        QVERIFY(keepNine.value().size(0) < keepAll.value().size(0));
        QVERIFY(!classConcept(m, 10).ok());
        QVERIFY(!promptTokens(m, {"a photo of a zebra"}).ok()); // unknown word
        QVERIFY(!promptTokens(m, {}).ok());
    }

    void uceEditOfTheModel() {
        auto m = randomModel(2);
        const int bag = data::text::classOf("handbag");
        QVERIFY(bag >= 0);
        auto set = makeEditSet(m, "tiny");
        VERIFY_OK(set);
        const auto originals = set.value().originals();
        QVERIFY(!originals.empty());
        QCOMPARE(int(originals.size()) % 2, 0); // K and V per cross-attention block
        auto c = classConcept(m, bag);
        auto keep = preserveFor(m, {bag});
        QVERIFY(c.ok() && keep.ok());
        QVERIFY(set.value().erase(c.value(), keep.value()).ok());
        auto targets = kvWeights(m);
        QVERIFY(set.value().applyTo(targets).ok());
        const auto edited = kvWeights(m);
        // The concept's rows now give (nearly) what the empty prompt gives; before they did not.
        const auto guideOut = kvOut(originals, c.value().guide);
        const double before = (kvOut(originals, c.value().erase) - guideOut).norm().item<double>();
        const double after = (kvOut(edited, c.value().erase) - guideOut).norm().item<double>();
        qInfo("concept rows to the guide: %.4f -> %.4f", before, after);
        QVERIFY(after < 0.5 * before);
        // The other classes' rows move much less than the concept's.
        const double keepMove = (kvOut(edited, keep.value()) - kvOut(originals, keep.value())).norm().item<double>() /
                                std::sqrt(double(keep.value().size(0)));
        const double conceptMove = (kvOut(edited, c.value().erase) - kvOut(originals, c.value().erase)).norm().item<double>() /
                                   std::sqrt(double(c.value().erase.size(0)));
        qInfo("mean row change: preserved %.4f, erased %.4f", keepMove, conceptMove);
        QVERIFY(keepMove < 0.5 * conceptMove);
        // Off again: the originals bit for bit.
        QVERIFY(set.value().setEnabled(c.value().name, false).ok());
        QVERIFY(set.value().applyTo(targets).ok());
        for (std::size_t i = 0; i < originals.size(); ++i) QVERIFY(at::equal(kvWeights(m)[i], originals[i]));
    }

    void attacksSearchTheEditedModel() {
        auto m = randomModel(3);
        auto classifier = tinyClassifier();
        const int boot = data::text::classOf("ankle boot");
        QVERIFY(boot >= 0);
        auto set = makeEditSet(m, "tiny");
        QVERIFY(set.ok());
        std::vector<at::Tensor> originals;
        for (auto& w : set.value().originals()) originals.push_back(w.clone());
        auto c = classConcept(m, boot);
        QVERIFY(set.value().erase(c.value(), preserveFor(m, {boot}).value()).ok());
        auto targets = kvWeights(m);
        QVERIFY(set.value().applyTo(targets).ok());
        const std::string prompt = data::text::heldOutPrompts(boot).front();
        TextSampleOptions so;
        so.steps = 3;
        AttackParams ap;
        ap.lambda = 1e-3;
        auto cf = closedFormAttack(m, classifier, originals, prompt, boot, {1, 2, 3}, ap, so);
        VERIFY_OK(cf);
        QCOMPARE(int(cf.value().samples.size()), 3);
        // The reported success is the share of the attack's own samples that the classifier calls
        // the class: re-sample the returned context at the same seeds and score it here.
        const std::vector<std::uint64_t> cfSeeds{1, 2, 3};
        auto again = sampleContext(m, cf.value().context.expand({3, cf.value().context.size(1), cf.value().context.size(2)}).contiguous(),
                                   cf.value().mask.expand({3, cf.value().mask.size(1)}), cfSeeds, so);
        VERIFY_OK(again);
        for (int i = 0; i < 3; ++i) QVERIFY(again.value().images[std::size_t(i)].pixels == cf.value().samples[std::size_t(i)].pixels);
        at::Tensor predicted;
        {
            at::NoGradGuard ng;
            predicted = classifier->forward(again.value().x).argmax(1);
        }
        auto shareFor = [&](int cls) { return double(predicted.eq(cls).sum().item<std::int64_t>()) / 3.0; };
        QCOMPARE(cf.value().success, shareFor(boot));
        // And for a class the samples do show (so a success stuck at 0 cannot pass).
        const int shown = int(predicted[0].item<std::int64_t>());
        auto cfShown = closedFormAttack(m, classifier, originals, prompt, shown, cfSeeds, ap, so);
        VERIFY_OK(cfShown);
        QVERIFY(shareFor(shown) >= 1.0 / 3.0);
        QCOMPARE(cfShown.value().success, shareFor(shown));
        // The derived context reproduces the original K/V outputs better than the prompt itself.
        auto enc = m->encode({prompt});
        QVERIFY(enc.ok());
        const auto real = enc.value().mask[0].nonzero().squeeze(1);
        const auto own = enc.value().context.detach()[0].index_select(0, real);
        const auto found = cf.value().context[0].index_select(0, real);
        const auto want = kvOut(originals, own);
        const double ownErr = (kvOut(kvWeights(m), own) - want).norm().item<double>();
        const double foundErr = (kvOut(kvWeights(m), found) - want).norm().item<double>();
        qInfo("K/V distance to the original outputs: prompt %.4f, derived %.4f", ownErr, foundErr);
        QVERIFY(foundErr < ownErr);

        // Gradient attack: the denoising loss on the concept's images, at fixed noise, falls.
        auto g = at::make_generator<at::CPUGeneratorImpl>(9);
        const auto images = (at::rand({8, 1, 28, 28}, g) * 255).to(at::kByte);
        const auto x0 = images.to(at::kFloat) / 127.5 - 1;
        const auto sigma = at::full({8}, 0.5);
        const auto z = at::randn({8, 1, 28, 28}, g);
        auto lossWith = [&](const at::Tensor& ctx, const at::Tensor& mask) {
            at::NoGradGuard ng;
            const auto d = m->forward(x0 + 0.5 * z, sigma, ctx.expand({8, ctx.size(1), ctx.size(2)}), mask.expand({8, mask.size(1)}));
            return (d - x0).square().mean().item<double>();
        };
        ap.steps = 40;
        ap.batch = 8;
        ap.lr = 0.05;
        // Snapshots (copies, not the live tensors) of the K/V weights and every parameter's
        // requires_grad before the attack.
        std::vector<at::Tensor> kvBefore;
        for (const auto& w : kvWeights(m)) kvBefore.push_back(w.detach().clone());
        std::vector<bool> gradBefore;
        for (const auto& prm : m->parameters()) gradBefore.push_back(prm.requires_grad());
        QVERIFY(!gradBefore.empty());
        for (const auto& w : kvWeights(m)) QVERIFY(w.requires_grad());
        auto ga = gradientAttack(m, classifier, images, prompt, boot, {1, 2}, ap, so);
        VERIFY_OK(ga);
        const double lossBefore = lossWith(enc.value().context.detach(), enc.value().mask);
        const double lossAfter = lossWith(ga.value().context, ga.value().mask);
        qInfo("denoising loss on the concept images: %.5f -> %.5f", lossBefore, lossAfter);
        QVERIFY(lossAfter < lossBefore);
        // The model's own parameters were not trained and still take gradients as before.
        const auto kvAfter = kvWeights(m);
        QCOMPARE(kvAfter.size(), kvBefore.size());
        for (std::size_t i = 0; i < kvBefore.size(); ++i) {
            QVERIFY(at::equal(kvAfter[i], kvBefore[i]));
            QVERIFY(kvAfter[i].requires_grad());
        }
        const auto paramsAfter = m->parameters();
        QCOMPARE(paramsAfter.size(), gradBefore.size());
        for (std::size_t i = 0; i < paramsAfter.size(); ++i) QCOMPARE(paramsAfter[i].requires_grad(), bool(gradBefore[i]));
        QVERIFY(!gradientAttack(m, classifier, at::Tensor(), prompt, boot, {1}, ap, so).ok());
    }

    // The attack through the sampler, on the shipped model: the context of a sandal prompt is
    // optimised on what the whole run generates (other seeds than the evaluation's) toward
    // "ankle boot", so the classifier's log-probability of that class on the evaluation seeds'
    // samples rises clearly; the model's weights and flags are left as they were.
    void samplerAttackRaisesTheClassProbability() {
        const std::string dir = models::zoo::find(models::zoo::kTextGenerator),
                          clsDir = models::zoo::find(models::zoo::kClassifier);
        if (dir.empty() || clsDir.empty()) QSKIP("no shipped text-conditional model or classifier");
        auto shipped = loadShipped(dir, clsDir);
        QVERIFY(shipped.has_value());
        auto& m = shipped->model;
        auto& classifier = shipped->classifier;
        const int boot = data::text::classOf("ankle boot"), sandal = data::text::classOf("sandal");
        const std::string prompt = data::text::heldOutPrompts(sandal).front();
        TextSampleOptions so;
        so.steps = 6;
        AttackParams ap;
        ap.samplerIterations = 8;
        ap.samplerBatch = 4;
        ap.samplerSteps = 6;
        ap.samplerLr = 0.1;
        const std::vector<std::uint64_t> seeds{1, 2, 3, 4, 5, 6, 7, 8};
        auto meanLogP = [&](const at::Tensor& context, const at::Tensor& mask) {
            const auto n = std::int64_t(seeds.size());
            auto s = sampleContext(m, context.expand({n, context.size(1), context.size(2)}).contiguous(),
                                   mask.expand({n, mask.size(1)}), seeds, so);
            if (!s) qFatal("%s", s.error().message.c_str());
            at::NoGradGuard ng;
            return at::log_softmax(classifier->forward(s.value().x), 1).select(1, boot).mean().item<double>();
        };
        auto enc = m->encode({prompt});
        QVERIFY(enc.ok());
        std::vector<at::Tensor> before;
        for (const auto& w : m->parameters()) before.push_back(w.detach().clone());
        std::vector<bool> flags;
        for (const auto& w : m->parameters()) flags.push_back(w.requires_grad());
        int reports = 0;
        JobContext ctx;
        ctx.progress = [&](const Progress& pr) { reports += pr.message == "sampler attack"; };
        auto sa = samplerAttack(m, classifier, prompt, boot, seeds, ap, so, ctx);
        VERIFY_OK(sa);
        QCOMPARE(reports, ap.samplerIterations);
        QCOMPARE(int(sa.value().samples.size()), int(seeds.size()));
        const double lpBefore = meanLogP(enc.value().context.detach(), enc.value().mask);
        const double lpAfter = meanLogP(sa.value().context, sa.value().mask);
        qInfo("log p(ankle boot | sample) on the evaluation seeds: %.3f -> %.3f, success %.2f", lpBefore,
              lpAfter, sa.value().success);
        QVERIFY(lpAfter > lpBefore + 0.5);
        const auto after = m->parameters();
        for (std::size_t i = 0; i < after.size(); ++i) {
            QVERIFY(at::equal(after[i], before[i]));
            QCOMPARE(after[i].requires_grad(), bool(flags[i]));
        }
        ap.samplerSteps = 0;
        QCOMPARE(samplerAttack(m, classifier, prompt, boot, seeds, ap, so).error().kind,
                 ErrorKind::InvalidInput);
    }

    void esdAndSpmTrainKvDeltas() {
        auto m = randomModel(4);
        const int sneaker = data::text::classOf("sneaker");
        std::vector<at::Tensor> before;
        for (auto& w : kvWeights(m)) before.push_back(w.clone());
        FinetuneParams p = esdParams();
        p.steps = 40;
        p.batch = 4;
        p.poolImages = 4;
        p.poolSteps = 2;
        p.lr = 5e-3;
        auto esd = trainEsd(m, sneaker, p);
        VERIFY_OK(esd);
        const auto& l = esd.value().losses;
        QCOMPARE(int(l.size()), 40);
        const double first = (l[0] + l[1] + l[2] + l[3] + l[4]) / 5, last = (l[35] + l[36] + l[37] + l[38] + l[39]) / 5;
        qInfo("ESD erase loss %.4f -> %.4f", first, last);
        QVERIFY(last < first);
        // The model holds its original weights again, and they are its registered parameters.
        const auto after = kvWeights(m);
        for (std::size_t i = 0; i < before.size(); ++i) QVERIFY(at::equal(after[i], before[i]));
        QCOMPARE(esd.value().artefact.method, std::string("esd"));
        QCOMPARE(esd.value().artefact.deltas.size(), before.size());

        p = spmParams();
        p.steps = 40;
        p.batch = 4;
        p.poolImages = 4;
        p.poolSteps = 2;
        p.anchors = 2;
        p.anchorWeight = 10;
        auto spm = trainSpm(m, sneaker, p);
        VERIFY_OK(spm);
        const auto& sl = spm.value().losses;
        qInfo("SPM erase loss %.4f -> %.4f", sl.front(), sl.back());
        QVERIFY(sl.back() < sl.front());
        for (const auto& d : spm.value().artefact.deltas) { // rank 1
            const auto sv = at::linalg_svdvals(d.to(at::kDouble));
            QVERIFY(sv[0].item<double>() > 0);
            if (sv.size(0) > 1) QVERIFY(sv[1].item<double>() < 1e-6 * sv[0].item<double>());
        }
        // Both go into the concept library; a membrane at weight 0 leaves the model bit for bit.
        auto set = makeEditSet(m, "tiny");
        QVERIFY(set.ok());
        auto a = spm.value().artefact;
        a.name = "sneaker (spm)";
        QVERIFY(set.value().add(a).ok());
        auto b = esd.value().artefact;
        b.name = "sneaker (esd)";
        QVERIFY(set.value().add(b).ok());
        QVERIFY(set.value().setWeight("sneaker (spm)", 0).ok());
        QVERIFY(set.value().setEnabled("sneaker (esd)", false).ok());
        auto targets = kvWeights(m);
        QVERIFY(set.value().applyTo(targets).ok());
        for (std::size_t i = 0; i < before.size(); ++i) QVERIFY(at::equal(kvWeights(m)[i], before[i]));
        QVERIFY(!trainEsd(m, 11, p).ok());
    }

    void facilitatedTransport() {
        auto m = randomModel(5);
        auto own = transportFor(m, "a photo of a sneaker", "sneaker");
        auto other = transportFor(m, "a photo of a coat", "sneaker");
        QVERIFY(own.ok() && other.ok());
        qInfo("permeability: own %.3f, unrelated %.3f", own.value(), other.value());
        QCOMPARE(own.value(), 1.0);
        QVERIFY(other.value() < 1.0);
        QVERIFY(!transportFor(m, "a photo of a zebra", "sneaker").ok());
    }

    void shippedModelMeetsItsCard() {
        // The card's fixed-seed check: RECE erases Sneaker from the shipped model on the seeds and
        // prompts it names (erase and held-out synonyms), and the other classes stay recognised.
        const std::string dir = models::zoo::find(models::zoo::kTextGenerator), clsDir = models::zoo::find(models::zoo::kClassifier);
        if (dir.empty() || clsDir.empty()) QSKIP("no shipped text-conditional model or classifier");
        auto shipped = loadShipped(dir, clsDir);
        QVERIFY(shipped.has_value());
        auto& m = shipped->model;
        auto& classifier = shipped->classifier;
        const auto& check = shipped->card.json;
        const int cls = shipped->card.cls;
        const auto& seeds = shipped->card.seeds;
        const auto& prompts = shipped->card.prompts;
        const auto so = shipped->card.so;
        auto before = recognition(m, classifier, prompts, seeds, cls, so);
        QVERIFY(before.ok());
        // The other nine classes, each through its first erase prompt on the same seeds.
        auto othersShare = [&](std::vector<double>& out) {
            out.clear();
            for (int c = 0; c < data::text::kClasses; ++c) {
                if (c == cls) continue;
                auto r = recognition(m, classifier, {data::text::erasePrompts(c).front()}, seeds, c, so);
                if (!r) return false;
                out.push_back(r.value().share);
            }
            return true;
        };
        std::vector<double> othersBefore, othersAfter;
        QVERIFY(othersShare(othersBefore));
        auto set = makeEditSet(m, "fmnist-text");
        QVERIFY(set.ok());
        ReceParams rp;
        rp.lambda = 1e-3;
        auto rece = set.value().eraseRece(classConcept(m, cls).value(), preserveFor(m, {cls}).value(), rp);
        VERIFY_OK(rece);
        auto targets = kvWeights(m);
        QVERIFY(set.value().applyTo(targets).ok());
        auto after = recognition(m, classifier, prompts, seeds, cls, so);
        QVERIFY(after.ok());
        qInfo("shipped model, %s: recognised %.3f -> %.3f after RECE (%.3f s)", data::text::className(cls).c_str(),
              before.value().share, after.value().share, rece.value().seconds);
        QVERIFY(before.value().share >= check.at("original_rate_at_least").get<double>());
        QVERIFY(after.value().share <= check.at("rece_rate_at_most").get<double>());
        // The other classes stay recognised: on the same prompts and seeds, the nine together lose
        // at most 10 points, and no class more than 6 of its 16 samples. Measured: most lose
        // nothing, Coat 3 of 16, Shirt 6 of 16 (0.563 -> 0.188, collateral damage of erasing
        // Sneaker, the worst); an edit that hit the other classes broadly fails here.
        QVERIFY(othersShare(othersAfter));
        QCOMPARE(othersAfter.size(), std::size_t(9));
        double meanBefore = 0, meanAfter = 0, worstDrop = 0;
        for (std::size_t i = 0; i < othersBefore.size(); ++i) {
            const int c = int(i) < cls ? int(i) : int(i) + 1;
            qInfo("%s: recognised %.3f -> %.3f", data::text::className(c).c_str(), othersBefore[i], othersAfter[i]);
            worstDrop = std::max(worstDrop, othersBefore[i] - othersAfter[i]);
            meanBefore += othersBefore[i] / 9;
            meanAfter += othersAfter[i] / 9;
        }
        qInfo("other classes: mean recognised %.3f -> %.3f, worst drop %.3f", meanBefore, meanAfter, worstDrop);
        QVERIFY(meanBefore >= 0.5); // the prompts work on the original model
        QVERIFY(worstDrop <= 6.0 / double(seeds.size()) + 1e-9);
        QVERIFY(meanAfter >= meanBefore - 0.1);
    }

    void shippedSpmMembraneErases() {
        // SPM on the shipped model with its defaults (anchor weight 30; erase/finetune.h): the
        // rank-1 membranes must move the K/V weights and erase Sneaker on the card's fixed seeds
        // and prompts. With the paper's 1000 they did not (measured with `bench erase
        // --spm-anchor-weight 1000`: 97.5 % still recognised).
        // With facilitated transport the other classes' prompts see γ < 1 and keep more of their
        // recognition than with the membrane fully on.
        const std::string dir = models::zoo::find(models::zoo::kTextGenerator), clsDir = models::zoo::find(models::zoo::kClassifier);
        if (dir.empty() || clsDir.empty()) QSKIP("no shipped text-conditional model or classifier");
        auto shipped = loadShipped(dir, clsDir);
        QVERIFY(shipped.has_value());
        auto& [card, m, classifier] = *shipped;
        const int cls = card.cls;
        const auto& seeds = card.seeds;
        const auto& prompts = card.prompts;

        const auto p = spmParams();
        // One intra-op thread: these small networks train about twice as fast on one as on two
        // (measured 59 s against 139 s for the 200 steps).
        const int threads = at::get_num_threads();
        at::set_num_threads(1);
        auto spm = trainSpm(m, cls, p);
        at::set_num_threads(threads);
        VERIFY_OK(spm);
        qInfo("SPM: ||UD||/||W|| %.4f, anchor weight %.1f, %.1f s", spm.value().deltaRatio, spm.value().anchorWeight,
              spm.value().seconds);
        QVERIFY(spm.value().deltaRatio > 0.05);
        QCOMPARE(int(spm.value().anchorLosses.size()), p.steps);

        auto set = makeEditSet(m, "fmnist-text");
        QVERIFY(set.ok());
        const auto name = spm.value().artefact.name;
        QVERIFY(set.value().add(spm.value().artefact).ok());
        auto targets = kvWeights(m);
        QVERIFY(set.value().applyTo(targets).ok());
        auto after = recognition(m, classifier, prompts, seeds, cls, card.so);
        VERIFY_OK(after);
        qInfo("Sneaker recognised after SPM: %.3f (card prompts, %d seeds)", after.value().share, int(seeds.size()));
        QVERIFY(after.value().share <= 0.5);

        // The other classes with the membrane fully on, then with transport (γ per prompt).
        double fullOn = 0, transported = 0;
        for (int c = 0; c < data::text::kClasses; ++c) {
            if (c == cls) continue;
            const auto prompt = data::text::erasePrompts(c).front();
            QVERIFY(set.value().setWeight(name, 1.0).ok());
            QVERIFY(set.value().applyTo(targets).ok());
            auto r1 = recognition(m, classifier, {prompt}, seeds, c, card.so);
            VERIFY_OK(r1);
            auto g = transportFor(m, prompt, data::text::eraseSynonyms(cls).front());
            VERIFY_OK(g);
            QVERIFY(g.value() < 1.0);
            QVERIFY(set.value().setWeight(name, g.value()).ok());
            QVERIFY(set.value().applyTo(targets).ok());
            auto r2 = recognition(m, classifier, {prompt}, seeds, c, card.so);
            VERIFY_OK(r2);
            fullOn += r1.value().share / 9;
            transported += r2.value().share / 9;
        }
        qInfo("other classes recognised: membrane on %.3f, with facilitated transport %.3f", fullOn, transported);
        QVERIFY(transported >= fullOn - 1.0 / 16);
        QVERIFY(set.value().setWeight(name, 0).ok());
        QVERIFY(set.value().applyTo(targets).ok());
    }
};

QTEST_GUILESS_MAIN(TestConcepts)
#include "tst_concepts.moc"
