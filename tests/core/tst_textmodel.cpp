// The text-conditional Fashion-MNIST model that concept erasure edits: the tokenizer and the
// lexicon's train/held-out split, the encoder's shapes and mask, the cross-attention K/V list,
// per-seed sampling determinism, a short training run through the trainer's task, and the model
// folder's save/load round trip.

#include "erase/textsample.h"
#include "data/text.h"
#include "models/textmodel.h"
#include "catalog/catalog.h"
#include "catalog/training.h"
#include "erase/task.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include "fixtures.h"

#include <QtTest>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

using namespace reverie;
using namespace reverie::erase;
using namespace reverie::models;

namespace {

models::UNetConfig tinyNet() { return testing::tinyTextNet(); }
TextDenoiser randomModel(std::uint64_t seed) { return testing::randomTextModel(seed); }

std::vector<double> csvLosses(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::vector<double> out;
    while (std::getline(in, line)) {
        if (line.rfind("step,", 0) == 0 || line.empty()) continue;
        std::stringstream ss(line);
        std::string step, loss;
        std::getline(ss, step, ',');
        std::getline(ss, loss, ',');
        out.push_back(std::stod(loss));
    }
    return out;
}

} // namespace

class TstTextModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tokenizerBasics() {
        const auto a = data::text::tokenize("A Photo of SNEAKERS!");
        const auto b = data::text::tokenize("a photo of sneakers");
        QVERIFY(a.ok());
        QVERIFY(b.ok());
        QCOMPARE(a.value(), b.value());
        QCOMPARE(int(a.value().size()), 4);
        QVERIFY(data::text::tokenize("t-shirt").value() == data::text::tokenize("T shirt").value());
        for (const char* empty : {"", "   ", ",.!"}) {
            const auto e = data::text::tokenize(empty);
            QVERIFY(e.ok());
            QCOMPARE(e.value(), std::vector<int>{data::text::kNullId});
        }
        QCOMPARE(data::text::vocabulary()[std::size_t(data::text::kPadId)], std::string("<pad>"));
        QCOMPARE(data::text::vocabulary()[std::size_t(data::text::kNullId)], std::string("<null>"));
        QCOMPARE(data::text::wordId("<pad>"), -1); // markup is not a word
    }

    void tokenizerErrors() {
        const auto u = data::text::tokenize("a photo of a zebra");
        QVERIFY(!u.ok());
        QCOMPARE(u.error().kind, ErrorKind::InvalidInput);
        QVERIFY2(u.error().message.find("unknown word 'zebra'") != std::string::npos, u.error().message.c_str());
        QVERIFY(u.error().message.find("a photo of a zebra") != std::string::npos);
        const auto two = data::text::tokenize("zebra and Giraffe");
        QVERIFY(!two.ok());
        QVERIFY(two.error().message.find("'zebra', 'giraffe'") != std::string::npos);
        // 12 words pass, 13 fail.
        std::string p = "a";
        for (int i = 1; i < data::text::kMaxTokens; ++i) p += " a";
        QVERIFY(data::text::tokenize(p).ok());
        const auto longer = data::text::tokenize(p + " bag");
        QVERIFY(!longer.ok());
        QVERIFY2(longer.error().message.find("at most 12") != std::string::npos, longer.error().message.c_str());
        QVERIFY(!tokenIds({"bag", "zebra"}).ok());
    }

    void lexiconSplit() {
        std::set<std::string> allHeldOut;
        for (int c = 0; c < data::text::kClasses; ++c) {
            QVERIFY(!data::text::className(c).empty());
            QVERIFY2(!data::text::heldOutSynonyms(c).empty(), data::text::className(c).c_str());
            QVERIFY(!data::text::eraseSynonyms(c).empty());
            const auto erase = data::text::erasePrompts(c), held = data::text::heldOutPrompts(c), train = data::text::trainingPrompts(c);
            QCOMPARE(train.size(), erase.size() + held.size());
            for (const auto& h : held) {
                QVERIFY2(std::find(erase.begin(), erase.end(), h) == erase.end(), h.c_str());
                QVERIFY(std::find(train.begin(), train.end(), h) != train.end());
                allHeldOut.insert(h);
            }
            for (const auto& p : train) {
                const auto t = data::text::tokenize(p);
                QVERIFY2(t.ok(), p.c_str());
            }
            for (const auto& s : data::text::synonyms(c)) QCOMPARE(data::text::classOf(s), c);
            QCOMPARE(data::text::classOf(data::text::className(c)), c);
        }
        // No held-out prompt of any class is offered to an eraser of any class.
        for (int c = 0; c < data::text::kClasses; ++c)
            for (const auto& p : data::text::erasePrompts(c)) QVERIFY2(!allHeldOut.count(p), p.c_str());
        QCOMPARE(data::text::classOf("JEANS"), 1);
        QCOMPARE(data::text::classOf("Ankle boot"), 9);
        QCOMPARE(data::text::classOf("zebra"), -1);
        QCOMPARE(data::text::className(10), std::string());
        // The training prompt is a function of (seed, step, item), within the class's prompts.
        const auto& p = data::text::trainingPrompt(7, 3, 100, 5);
        QCOMPARE(p, data::text::trainingPrompt(7, 3, 100, 5));
        const auto sneaker = data::text::trainingPrompts(7);
        QVERIFY(std::find(sneaker.begin(), sneaker.end(), p) != sneaker.end());
        std::set<std::string> seen;
        for (int i = 0; i < 400; ++i) seen.insert(data::text::trainingPrompt(7, 3, 100, i));
        QVERIFY(seen.size() > sneaker.size() / 2);
    }

    void encoderShapes() {
        auto m = randomModel(1);
        auto c = m->encode({"a photo of a sneaker", "", "Bag"});
        QVERIFY(c.ok());
        const auto& ctx = c.value().context;
        const auto& mask = c.value().mask;
        QCOMPARE(ctx.sizes().vec(), (std::vector<std::int64_t>{3, data::text::kMaxTokens, 64}));
        QCOMPARE(mask.sizes().vec(), (std::vector<std::int64_t>{3, data::text::kMaxTokens}));
        QCOMPARE(mask.scalar_type(), at::kBool);
        QCOMPARE(mask[0].sum().item<std::int64_t>(), std::int64_t(5));
        QCOMPARE(mask[1].sum().item<std::int64_t>(), std::int64_t(1)); // "" = the <null> token
        QVERIFY(mask[1][0].item<bool>());
        QCOMPARE(mask[2].sum().item<std::int64_t>(), std::int64_t(1));
        QCOMPARE(ctx[0].slice(0, 5).abs().max().item<double>(), 0.0); // padding is zeroed
        QVERIFY(ctx[0].slice(0, 0, 5).abs().max().item<double>() > 0.1);
        const auto ids = tokenIds({""}).value();
        QCOMPARE(ids[0][0].item<std::int64_t>(), std::int64_t(data::text::kNullId));
        QCOMPARE(ids[0].slice(0, 1).abs().sum().item<std::int64_t>(), std::int64_t(0));
        // The <null> embedding differs from any word's; per-token embeddings match the context.
        const auto e = m->tokenEmbeddings("a photo of a sneaker").value();
        QCOMPARE(e.sizes().vec(), (std::vector<std::int64_t>{5, 64}));
        QVERIFY2(at::allclose(e, ctx[0].slice(0, 0, 5), 1e-4, 1e-5),
                 std::to_string((e - ctx[0].slice(0, 0, 5)).abs().max().item<double>()).c_str());
        const auto n = m->tokenEmbeddings("").value();
        QCOMPARE(n.sizes().vec(), (std::vector<std::int64_t>{1, 64}));
        QVERIFY(!at::allclose(n[0], m->tokenEmbeddings("bag").value()[0]));
        QVERIFY(!m->tokenEmbeddings("zebra").ok());
        QVERIFY(!m->encode({"a zebra"}).ok());
    }

    void crossAttentionMatrices() {
        auto m = randomModel(2);
        const auto& c = m->netConfig();
        // Cross-attention blocks: resBlocks per attention level down, resBlocks + 1 up, one mid.
        const int attnLevels = 1; // 14 px of {28, 14}
        const int blocks = attnLevels * c.resBlocks + attnLevels * (c.resBlocks + 1) + 1;
        const auto kv = m->crossAttentionKV();
        QCOMPARE(int(kv.size()), 2 * blocks);
        std::set<std::string> names;
        for (const auto& l : kv) {
            QCOMPARE(l.linear->weight.size(1), std::int64_t(64));
            QVERIFY(l.linear->weight.requires_grad());
            names.insert(l.name);
        }
        QCOMPARE(int(names.size()), 2 * blocks);
        QVERIFY(names.count("denoiser.net.mid_cross.k"));
        QVERIFY(names.count("denoiser.net.mid_cross.v"));
        // The listed modules share the model's parameters: editing one changes the output.
        auto ctx = m->encode({"sneaker"}).value();
        const auto x = at::randn({1, 1, 28, 28});
        const auto s = at::full({1}, 1.0);
        at::NoGradGuard g;
        const auto before = m->forward(x, s, ctx.context, ctx.mask);
        kv[1].linear->weight.mul_(3.0); // V (with one token K does not matter: softmax over one = 1)
        QVERIFY(!at::equal(before, m->forward(x, s, ctx.context, ctx.mask)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, TextDenoiser(models::UNetConfig{}));
    }

    void samplingPerSeed() {
        auto m = randomModel(3);
        TextSampleOptions o;
        o.steps = 4;
        o.guidance = 3.0;
        const auto batch = sample(m, {"sneaker", "a photo of a bag", "coat"}, {5, 6, 7}, o);
        VERIFY_OK(batch);
        QCOMPARE(int(batch.value().images.size()), 3);
        QCOMPARE(batch.value().images[0].width, 28);
        QCOMPARE(batch.value().images[0].height, 28);
        QCOMPARE(batch.value().images[0].channels, 1);
        QCOMPARE(batch.value().nfe, std::int64_t(4));
        const auto alone = sample(m, {"a photo of a bag"}, {6}, o);
        QVERIFY(alone.ok());
        QVERIFY(alone.value().images[0].pixels == batch.value().images[1].pixels);
        const auto other = sample(m, {"tote", "a photo of a bag"}, {99, 6}, o);
        QVERIFY(other.value().images[1].pixels == batch.value().images[1].pixels);
        // Another seed, another image; another prompt, another image.
        QVERIFY(sample(m, {"a photo of a bag"}, {8}, o).value().images[0].pixels != alone.value().images[0].pixels);
        QVERIFY(sample(m, {"trousers"}, {6}, o).value().images[0].pixels != alone.value().images[0].pixels);
        // A caller's context reproduces the prompt's samples.
        const auto enc = m->encode({"a photo of a bag"}).value();
        const auto viaCtx = sampleContext(m, enc.context, enc.mask, {6}, o);
        QVERIFY(viaCtx.ok());
        QVERIFY(viaCtx.value().images[0].pixels == alone.value().images[0].pixels);
        // A shorter caller context (the real tokens only, no padding, no mask) gives the padded,
        // masked context's result: padding takes no part in cross-attention.
        const std::int64_t real = enc.mask[0].sum().item<std::int64_t>();
        QVERIFY(real >= 1 && real < enc.context.size(1));
        QVERIFY(enc.mask[0].slice(0, 0, real).all().item<bool>()); // the real tokens come first
        const auto shortCtx = sampleContext(m, enc.context.slice(1, 0, real), {}, {6}, o);
        VERIFY_OK(shortCtx);
        const double gap = (shortCtx.value().x - viaCtx.value().x).abs().max().item<double>();
        QVERIFY2(gap < 1e-4, qPrintable(QString::number(gap)));
        // A context cut short of the real tokens is another prompt: another image.
        const auto cut = sampleContext(m, enc.context.slice(1, 0, real - 1), {}, {6}, o);
        VERIFY_OK(cut);
        QVERIFY((cut.value().x - viaCtx.value().x).abs().max().item<double>() > 1e-3);
        // Bad input is an error value.
        QVERIFY(!sample(m, {"bag"}, {1, 2}, o).ok());
        QVERIFY(!sample(m, {"zebra"}, {1}, o).ok());
        QVERIFY(!sampleContext(m, at::zeros({1, 3, 32}), {}, {1}, o).ok());
        TextSampleOptions bad = o;
        bad.sde = "nope";
        QVERIFY(!sample(m, {"bag"}, {1}, bad).ok());
    }

    void shortTrainingLowersLoss() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        nlohmann::json j = {{"name", "text-tiny"},
                            {"task", "text-denoiser"},
                            {"batch", 16},
                            {"steps", 30},
                            {"lr", 2e-3},
                            {"warmup", 0},
                            {"seed", 3},
                            {"log_every", 5},
                            {"checkpoint_every", 1000},
                            {"ema_decay", 0.9},
                            {"options", {{"train_limit", 512}, {"net", tinyNet().toJson()}}}};
        train::Recipe r;
        const auto why = train::Recipe::fromJson(j, &r);
        QVERIFY2(why.empty(), why.c_str());
        erase::TextDenoiserOptions o;
        QVERIFY(o.read(r.section).empty());
        auto task = erase::makeTextDenoiserTask(r, train::TaskData::Skip);
        VERIFY_OK(task);
        QCOMPARE(task.value()->architecture(), textArchitecture(o.net, o.textEncoder));
        train::Options opt;
        opt.outDir = dir.path().toStdString();
        const auto s = catalog::runTraining(r, opt, {});
        VERIFY_OK(s);
        QCOMPARE(s.value().step, std::int64_t(30));
        const auto losses = csvLosses(dir.filePath("train_log.csv").toStdString());
        QCOMPARE(int(losses.size()), 6);
        QVERIFY2(losses.back() < 0.8 * losses.front(),
                 (std::to_string(losses.front()) + " → " + std::to_string(losses.back())).c_str());
        // Export and load as a shipped model would be.
        const std::string weights = dir.filePath("weights.pt").toStdString();
        QVERIFY(catalog::exportCheckpoint(s.value().checkpoint, weights).ok());
        QVERIFY(loadTextDenoiserWeights(weights, o.net, o.textEncoder).ok());
        const auto wrong = loadTextDenoiserWeights(weights, o.net, TextEncoderConfig{0, 64, 1});
        QVERIFY(!wrong.ok());
        QVERIFY(wrong.error().message.find("different architecture") != std::string::npos);
        // A mismatched recipe is refused before training.
        j["options"]["net"]["context_dim"] = 32;
        QVERIFY(!catalog::inspectRecipe(j.dump()).ok());
    }

    void saveLoadRoundTrip() {
        QTemporaryDir dir;
        auto m = randomModel(4);
        const std::string folder = dir.filePath("fmnist-text").toStdString();
        QVERIFY(saveTextModel(m, folder, {{"name", "fmnist-text"}}).ok());
        auto loaded = loadTextModel(folder);
        VERIFY_OK(loaded);
        auto l = loaded.value();
        const auto pa = m->parameters(), pb = l->parameters();
        QCOMPARE(pa.size(), pb.size());
        for (std::size_t i = 0; i < pa.size(); ++i) QVERIFY(at::equal(pa[i], pb[i]));
        const auto x = at::randn({2, 1, 28, 28});
        const auto s = at::full({2}, 0.7);
        const auto ids = tokenIds({"ankle boot", ""}).value();
        at::Tensor ya, yb;
        {
            at::NoGradGuard g;
            ya = m->forwardIds(x, s, ids);
            yb = l->forwardIds(x, s, ids);
        }
        QVERIFY(at::equal(ya, yb));
        TextSampleOptions o;
        o.steps = 3;
        QVERIFY(sample(m, {"boots"}, {1}, o).value().images[0].pixels ==
                sample(l, {"boots"}, {1}, o).value().images[0].pixels);
        // Wrong or missing folders.
        const auto missing = loadTextModel(dir.filePath("nope").toStdString());
        QVERIFY(!missing.ok());
        QVERIFY2(missing.error().message.find("does not exist") != std::string::npos, missing.error().message.c_str());
        const std::string other = dir.filePath("other").toStdString();
        QVERIFY(QDir().mkpath(QString::fromStdString(other)));
        std::ofstream(other + "/card.json") << R"({"kind": "denoiser", "architecture": {}})";
        const auto wrongKind = loadTextModel(other);
        QVERIFY(!wrongKind.ok());
        QVERIFY2(wrongKind.error().message.find("text-denoiser") != std::string::npos, wrongKind.error().message.c_str());
        std::ofstream(other + "/card.json") << R"({"kind": "text-denoiser", "architecture": {"context_dim": 64}})";
        const auto noWeights = loadTextModel(other);
        QVERIFY(!noWeights.ok());
        QVERIFY2(noWeights.error().message.find("weights.pt") != std::string::npos, noWeights.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TstTextModel)
#include "tst_textmodel.moc"
