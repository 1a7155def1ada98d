// Erase groundwork: the UCE closed form (normal equations, invariants, joint solves), RECE's
// regeneration embedding and loop, edit sets (toggle bit for bit, weights, save/load, bad input),
// SPM facilitated transport and membranes, and Selective Synaptic Dampening.

#include "erase/closed_form.h"
#include "erase/editset.h"
#include "unlearn/corrective.h"
#include "unlearn/ssd.h"
#include "erase/transport.h"
#include "erase/textsample.h"

#include "fixtures.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

using namespace reverie;
using namespace reverie::erase;
using namespace reverie::models;
using namespace reverie::unlearn;

namespace {

at::Generator makeGen(std::uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

const auto kD = at::TensorOptions().dtype(at::kDouble);

// A projection with SD-like scale (entries ~ 1/√in) and token embeddings of norm ~√in.
at::Tensor randomW(std::int64_t out, std::int64_t in, std::uint64_t seed, at::ScalarType t = at::kDouble) {
    auto g = makeGen(seed);
    return (at::randn({out, in}, g, kD) / std::sqrt(double(in))).to(t);
}
at::Tensor emb(std::int64_t n, std::int64_t in, std::uint64_t seed) {
    auto g = makeGen(seed);
    return at::randn({n, in}, g, kD);
}
double rel(const at::Tensor& a, const at::Tensor& b) {
    return (a - b).norm().item<double>() / std::max(b.norm().item<double>(), 1e-300);
}
double maxAbs(const at::Tensor& t) { return t.abs().max().item<double>(); }

// The normal equations of the edit, built independently of the solver.
void systemOf(const at::Tensor& W, const at::Tensor& E, const at::Tensor& G, const at::Tensor& P, const UceParams& p,
              at::Tensor* A, at::Tensor* B) {
    const auto in = W.size(1);
    *A = at::eye(in, kD) * p.lambda2;
    *B = W * p.lambda2;
    for (std::int64_t e = 0; e < E.size(0); ++e) {
        const auto c = E[e].view({in, 1});
        const auto vstar = at::mm(W, G[G.size(0) == 1 ? 0 : e].view({in, 1}));
        *A += p.eta * at::mm(c, c.t());
        *B += p.eta * at::mm(vstar, c.t());
    }
    for (std::int64_t i = 0; P.defined() && i < P.size(0); ++i) {
        const auto c = P[i].view({in, 1});
        *A += p.lambda1 * at::mm(c, c.t());
        *B += p.lambda1 * at::mm(at::mm(W, c), c.t());
    }
}

ConceptSet conceptOf(const std::string& name, const at::Tensor& e, const at::Tensor& g) { return {name, e, g, 1.0, at::Tensor()}; }

} // namespace

class TestErase : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { at::manual_seed(1); }

    // ---------------------------------------------------------------- the closed form
    void normalEquations_data() {
        QTest::addColumn<int>("out");
        QTest::addColumn<int>("in");
        QTest::addColumn<int>("ne");
        QTest::addColumn<int>("np");
        QTest::addColumn<bool>("broadcastGuide");
        QTest::addColumn<double>("eta");
        QTest::newRow("SD-sized 320x768, one token") << 320 << 768 << 1 << 0 << true << 1.0;
        QTest::newRow("320x768, 8 tokens, 50 preserved") << 320 << 768 << 8 << 50 << false << 1.0;
        QTest::newRow("in < out 64x32, 5 tokens, 10 preserved") << 64 << 32 << 5 << 10 << true << 1.0;
        QTest::newRow("in < out 64x32, sets span (40 + 100 > 32)") << 64 << 32 << 40 << 100 << false << 1.0;
        QTest::newRow("square 16x16, eta 10") << 16 << 16 << 3 << 0 << false << 10.0;
    }
    void normalEquations() {
        QFETCH(int, out);
        QFETCH(int, in);
        QFETCH(int, ne);
        QFETCH(int, np);
        QFETCH(bool, broadcastGuide);
        QFETCH(double, eta);
        const auto W = randomW(out, in, 11);
        const auto E = emb(ne, in, 12);
        const auto G = emb(broadcastGuide ? 1 : ne, in, 13);
        const auto P = np ? emb(np, in, 14) : at::Tensor();
        UceParams p;
        p.eta = eta;
        const auto r = solve(W, E, G, P, p);
        VERIFY_OK(r);
        at::Tensor A, B;
        systemOf(W, E, G, P, p, &A, &B);
        const auto& Wp = r.value().weights[0];
        QCOMPARE(Wp.scalar_type(), at::kDouble);
        const double res = rel(at::mm(Wp, A), B);
        qInfo("normal-equation residual ‖W'A − B‖/‖B‖ = %.2e", res);
        QVERIFY2(res < 1e-9, qPrintable(QString::number(res)));
        QVERIFY(rel(W + r.value().deltas[0], Wp) < 1e-14);
        QVERIFY(maxAbs(r.value().deltas[0]) > 1e-6); // it did edit something
    }

    void emptyEraseChangesNothing_data() {
        QTest::addColumn<int>("preserve"); // 0 none, 1 identity rows, 2 random rows
        QTest::addColumn<double>("lambda1");
        QTest::newRow("no preserve set, λ₁ = 0") << 0 << 0.0;
        QTest::newRow("identity-spanning preserve set") << 1 << 0.1;
        QTest::newRow("random preserve set") << 2 << 0.1;
    }
    void emptyEraseChangesNothing() {
        QFETCH(int, preserve);
        QFETCH(double, lambda1);
        const int out = 40, in = 24;
        const auto W = randomW(out, in, 21);
        const at::Tensor P = preserve == 0 ? at::Tensor() : preserve == 1 ? at::eye(in, kD) : emb(30, in, 22);
        UceParams p;
        p.lambda1 = lambda1;
        const auto r = solve(W, at::zeros({0, in}, kD), at::Tensor(), P, p);
        VERIFY_OK(r);
        QVERIFY(maxAbs(r.value().weights[0] - W) <= 1e-12 * maxAbs(W));
    }

    void etaZeroChangesNothingAtAll() {
        const auto W = randomW(32, 48, 31, at::kFloat);
        UceParams p;
        p.eta = 0;
        const auto r = solve(W, emb(4, 48, 32), emb(1, 48, 33), emb(10, 48, 34), p);
        QVERIFY(r.ok());
        QVERIFY(at::equal(r.value().weights[0], W));
        QVERIFY(at::equal(r.value().deltas[0], at::zeros_like(W)));
    }

    void erasedMapsToGuide_data() {
        QTest::addColumn<int>("out");
        QTest::addColumn<int>("in");
        QTest::newRow("in > out 320x768") << 320 << 768;
        QTest::newRow("in < out 64x32") << 64 << 32;
    }
    void erasedMapsToGuide() {
        QFETCH(int, out);
        QFETCH(int, in);
        const auto W = randomW(out, in, 41);
        const auto E = emb(4, in, 42), G = emb(1, in, 43);
        UceParams p;
        p.eta = 1e4;
        const auto r = solve(W, E, G, emb(8, in, 44), p);
        QVERIFY(r.ok());
        const auto target = at::mm(W, G.t()).expand({out, 4});
        const auto got = at::mm(r.value().weights[0], E.t());
        const auto before = at::mm(W, E.t());
        const double err = rel(got, target), moved = rel(before, target);
        qInfo("erased tokens: ‖W'c − Wg‖/‖Wg‖ = %.2e (before the edit %.2f)", err, moved);
        QVERIFY(err < 1e-3 * moved);
    }

    void preserveErrorShrinksWithLambda1() {
        const int out = 64, in = 48;
        const auto W = randomW(out, in, 51);
        const auto E = emb(3, in, 52), G = emb(1, in, 53);
        // Preserved embeddings close to the erased ones: the edit has to trade them off.
        const auto P = at::cat({E + 0.5 * emb(3, in, 54), emb(20, in, 55)});
        double prev = 1e300, first = 0;
        for (double l1 : {0.01, 0.1, 1.0, 10.0, 100.0}) {
            UceParams p;
            p.lambda1 = l1;
            const auto r = solve(W, E, G, P, p);
            QVERIFY(r.ok());
            const double err = rel(at::mm(r.value().weights[0], P.t()), at::mm(W, P.t()));
            qInfo("λ₁ = %g: preserved outputs move by %.3e (relative)", l1, err);
            if (l1 == 0.01) first = err;
            QVERIFY2(err < prev, qPrintable(QString("λ₁ = %1: %2 ≥ %3").arg(l1).arg(err).arg(prev)));
            prev = err;
        }
        QVERIFY(prev < first / 10);
    }

    void jointEqualsConcatenatedNotSum() {
        const int in = 96;
        std::vector<at::Tensor> Ws = {randomW(40, in, 61), randomW(56, in, 62), randomW(40, in, 63)};
        const auto shared = emb(1, in, 64); // both concepts contain this token ("shoe")
        const auto E1 = at::cat({emb(2, in, 65), shared}), E2 = at::cat({shared, emb(3, in, 66)});
        const auto g = emb(1, in, 67);
        const auto P = emb(12, in, 68);
        UceParams p;
        const auto joint = solveJoint(Ws, {conceptOf("sneaker", E1, g), conceptOf("running shoe", E2, g)}, P, p);
        VERIFY_OK(joint);
        const auto one = solveJoint(Ws, {conceptOf("both", at::cat({E1, E2}), g)}, P, p);
        const auto i1 = solveJoint(Ws, {conceptOf("sneaker", E1, g)}, P, p);
        const auto i2 = solveJoint(Ws, {conceptOf("running shoe", E2, g)}, P, p);
        QVERIFY(one.ok() && i1.ok() && i2.ok());
        for (std::size_t l = 0; l < Ws.size(); ++l) {
            QVERIFY(rel(joint.value().weights[l], one.value().weights[l]) < 1e-12);
            // Each matrix is edited on its own: the joint edit of l equals l's single-matrix solve.
            const auto single = solve(Ws[l], at::cat({E1, E2}), g, P, p);
            QVERIFY(rel(joint.value().weights[l], single.value().weights[0]) < 1e-12);
            const auto summed = Ws[l] + i1.value().deltas[l] + i2.value().deltas[l];
            const double diff = rel(summed, joint.value().weights[l]);
            QVERIFY2(diff > 1e-2 * rel(joint.value().weights[l], Ws[l]), qPrintable(QString::number(diff)));
            // Summing double-counts the shared token; the joint solve maps it to its guide.
            const auto target = at::mm(Ws[l], g.t());
            const double eJoint = rel(at::mm(joint.value().weights[l], shared.t()), target);
            const double eSum = rel(at::mm(summed, shared.t()), target);
            if (l == 0) qInfo("shared token: joint error %.3f, summed deltas %.3f", eJoint, eSum);
            QVERIFY(eJoint < eSum);
        }
    }

    // ---------------------------------------------------------------- edit sets
    void editSetToggleRestoresBitForBit() {
        const int in = 64;
        torch::nn::Linear k(torch::nn::LinearOptions(in, 32).bias(false)), v(torch::nn::LinearOptions(in, 48).bias(false));
        const std::vector<at::Tensor> params = {k->weight, v->weight};
        const auto k0 = k->weight.detach().clone(), v0 = v->weight.detach().clone();
        auto set = EditSet::create("test-model@1", {"k", "v"}, params);
        QVERIFY(set.ok());
        auto& s = set.value();
        UceParams p;
        p.defaultGuide = emb(1, in, 71).to(at::kFloat);
        QVERIFY(s.erase(conceptOf("sneaker", emb(3, in, 72).to(at::kFloat), at::Tensor()), emb(5, in, 73), p).ok());
        QVERIFY(s.erase(conceptOf("bag", emb(2, in, 74).to(at::kFloat), at::Tensor()), emb(5, in, 75), p).ok());

        QVERIFY(s.applyTo(params).ok());
        QVERIFY(!at::equal(k->weight, k0));
        QVERIFY(s.setEnabled("sneaker", false).ok());
        QVERIFY(s.setEnabled("bag", false).ok());
        QVERIFY(s.applyTo(params).ok());
        QVERIFY(at::equal(k->weight, k0));
        QVERIFY(at::equal(v->weight, v0));

        // On, off, on again: the same bits every time (never accumulated in place).
        QVERIFY(s.setEnabled("sneaker", true).ok());
        const auto on1 = s.effectiveWeights();
        QVERIFY(s.applyTo(params).ok());
        QVERIFY(s.applyTo(params).ok());
        QVERIFY(at::equal(k->weight, on1[0]));
        // Weight 0 ≡ off.
        QVERIFY(s.setEnabled("bag", true).ok());
        QVERIFY(s.setWeight("bag", 0).ok());
        const auto w0 = s.effectiveWeights();
        QVERIFY(at::equal(w0[0], on1[0]) && at::equal(w0[1], on1[1]));
        QVERIFY(s.setWeight("sneaker", 0).ok());
        const auto none = s.effectiveWeights();
        QVERIFY(at::equal(none[0], k0) && at::equal(none[1], v0));
        // Joint mode with nothing active: the originals, bit for bit.
        const auto jnone = s.resolveActive();
        QVERIFY(jnone.ok() && at::equal(jnone.value()[0], k0));
        // A weight scales ΔW.
        QVERIFY(s.setWeight("sneaker", 0.5).ok());
        const auto half = s.effectiveWeights();
        QVERIFY(rel(half[0].to(at::kDouble), k0.to(at::kDouble) + 0.5 * s.find("sneaker")->deltas[0].to(at::kDouble)) < 1e-6);

        // resolveActive = the joint solve over the enabled concepts (weights scale η).
        QVERIFY(s.setWeight("sneaker", 1).ok());
        QVERIFY(s.setWeight("bag", 1).ok());
        const auto j = s.resolveActive(p);
        QVERIFY(j.ok());
        const auto* a = s.find("sneaker");
        const auto* b = s.find("bag");
        const auto ref = solveJoint(s.originals(), {a->conceptSet, b->conceptSet}, at::cat({a->preserve, b->preserve}), p);
        QVERIFY(ref.ok());
        QVERIFY(rel(j.value()[0].to(at::kDouble), ref.value().weights[0].to(at::kDouble)) < 1e-6);
        QVERIFY(s.applyTo(params, true, p).ok());
        QVERIFY(at::equal(k->weight, j.value()[0]));
        QVERIFY(s.setEnabled("sneaker", false).ok());
        QVERIFY(s.setEnabled("bag", false).ok());
        QVERIFY(s.applyTo(params, true, p).ok());
        QVERIFY(at::equal(k->weight, k0) && at::equal(v->weight, v0));
    }

    void jointPreserveSetsAreMerged() {
        // Two concepts that keep the same embeddings: the joint solve counts them once, and drops
        // a preserved embedding that the other active concept erases.
        const int in = 24;
        const std::vector<at::Tensor> W = {randomW(12, in, 76)};
        auto set = EditSet::create("m", {"k"}, W);
        QVERIFY(set.ok());
        auto& s = set.value();
        const auto g = emb(1, in, 77), keep = emb(6, in, 78), eA = emb(2, in, 79), eB = emb(2, in, 80);
        QVERIFY(s.erase(conceptOf("a", eA, g), keep).ok());
        QVERIFY(s.erase(conceptOf("b", eB, g), at::cat({keep, eA})).ok());
        const auto j = s.resolveActive();
        QVERIFY(j.ok());
        const auto ref = solveJoint(W, {conceptOf("a", eA, g), conceptOf("b", eB, g)}, keep);
        QVERIFY(ref.ok());
        QVERIFY(rel(j.value()[0], ref.value().weights[0]) < 1e-12);
    }

    void editSetSaveLoad() {
        const int in = 32;
        const std::vector<at::Tensor> W = {randomW(16, in, 81, at::kFloat), randomW(24, in, 82, at::kFloat)};
        auto set = EditSet::create("fmnist-text@abc", {"k0", "v0"}, W);
        QVERIFY(set.ok());
        auto& s = set.value();
        QVERIFY(s.erase(conceptOf("sneaker", emb(2, in, 83), emb(1, in, 84)), emb(4, in, 85)).ok());
        QVERIFY(s.erase(conceptOf("bag", emb(1, in, 86), emb(1, in, 84)), at::Tensor()).ok());
        QVERIFY(s.setWeight("bag", 0.25).ok());
        QVERIFY(s.setEnabled("sneaker", false).ok());
        QTemporaryDir dir;
        const std::string path = dir.filePath("edits.pt").toStdString();
        const auto saved = s.save(path);
        VERIFY_OK(saved);

        const auto l = EditSet::load(path, "fmnist-text@abc", {"k0", "v0"}, W);
        VERIFY_OK(l);
        const auto& t = l.value();
        QCOMPARE(t.artefacts().size(), s.artefacts().size());
        for (std::size_t i = 0; i < s.artefacts().size(); ++i) {
            const auto& a = s.artefacts()[i];
            const auto& b = t.artefacts()[i];
            QCOMPARE(b.name, a.name);
            QCOMPARE(b.method, a.method);
            QCOMPARE(b.enabled, a.enabled);
            QCOMPARE(b.weight, a.weight);
            QCOMPARE(b.params.lambda1, a.params.lambda1);
            QVERIFY(at::equal(b.conceptSet.erase, a.conceptSet.erase));
            QVERIFY(at::equal(b.conceptSet.guide, a.conceptSet.guide));
            QCOMPARE(b.preserve.defined(), a.preserve.defined());
            if (a.preserve.defined()) QVERIFY(at::equal(b.preserve, a.preserve));
            for (std::size_t m = 0; m < W.size(); ++m) QVERIFY(at::equal(b.deltas[m], a.deltas[m]));
        }
        const auto e1 = s.effectiveWeights(), e2 = t.effectiveWeights();
        QVERIFY(at::equal(e1[0], e2[0]) && at::equal(e1[1], e2[1]));

        // Another model: refused, naming both.
        const auto other = EditSet::load(path, "photo-model@9", {"k0", "v0"}, W);
        QVERIFY(!other.ok());
        const QString msg = QString::fromStdString(other.error().message);
        QVERIFY2(msg.contains("fmnist-text@abc") && msg.contains("photo-model@9"), qPrintable(msg));
        // Same id, other weights: refused.
        std::vector<at::Tensor> W2 = {W[0] + 1e-3, W[1]};
        const auto changed = EditSet::load(path, "fmnist-text@abc", {"k0", "v0"}, W2);
        QVERIFY(!changed.ok());
        QVERIFY2(QString::fromStdString(changed.error().message).contains("hash"), changed.error().message.c_str());
        // Other matrices: refused.
        QVERIFY(!EditSet::load(path, "fmnist-text@abc", {"k0"}, {W[0]}).ok());
        // A corrupt or missing file: a message, no crash.
        const std::string junk = dir.filePath("junk.pt").toStdString();
        std::ofstream(junk) << "not an edit set";
        const auto bad = EditSet::load(junk, "fmnist-text@abc", {"k0", "v0"}, W);
        QVERIFY(!bad.ok());
        QVERIFY2(QString::fromStdString(bad.error().message).contains("not a Reverie edit set"), bad.error().message.c_str());
        QVERIFY(!EditSet::load(dir.filePath("missing.pt").toStdString(), "fmnist-text@abc", {"k0", "v0"}, W).ok());
    }

    void badInputGivesMessages() {
        const int in = 16;
        const std::vector<at::Tensor> W = {randomW(8, in, 91)};
        auto set = EditSet::create("m", {"k"}, W);
        QVERIFY(set.ok());
        auto& s = set.value();
        const auto g = emb(1, in, 92);
        auto msgOf = [](const auto& r) { return r.ok() ? QString() : QString::fromStdString(r.error().message); };

        const auto empty = s.erase(conceptOf("nothing", at::zeros({0, in}, kD), g), at::Tensor());
        QVERIFY(!empty.ok());
        QVERIFY2(msgOf(empty).contains("empty") && msgOf(empty).contains("nothing"), qPrintable(msgOf(empty)));
        const auto undef = s.erase(conceptOf("undefined", at::Tensor(), g), at::Tensor());
        QVERIFY(!undef.ok() && msgOf(undef).contains("empty"));

        QVERIFY(s.erase(conceptOf("sneaker", emb(2, in, 93), g), at::Tensor()).ok());
        const auto twice = s.erase(conceptOf("sneaker", emb(2, in, 93), g), at::Tensor());
        QVERIFY(!twice.ok());
        QVERIFY2(msgOf(twice).contains("already erased"), qPrintable(msgOf(twice)));
        const auto twiceJoint = solveJoint(W, {conceptOf("a", emb(1, in, 94), g), conceptOf("a", emb(1, in, 95), g)}, {});
        QVERIFY(!twiceJoint.ok() && msgOf(twiceJoint).contains("twice"));

        const auto shape = solve(W[0], emb(2, in + 1, 96), g, at::Tensor());
        QVERIFY2(!shape.ok() && msgOf(shape).contains("[N, 16]"), qPrintable(msgOf(shape)));
        const auto noGuide = solveJoint(W, {conceptOf("x", emb(2, in, 97), at::Tensor())}, {});
        QVERIFY2(!noGuide.ok() && msgOf(noGuide).contains("guide"), qPrintable(msgOf(noGuide)));
        auto nan = emb(2, in, 98);
        nan[0][0] = std::nan("");
        QVERIFY(!solve(W[0], nan, g, at::Tensor()).ok());
        UceParams singular;
        singular.lambda2 = 0;
        const auto sing = solve(W[0], emb(2, in, 99), g, at::Tensor(), singular);
        QVERIFY2(!sing.ok() && msgOf(sing).contains("singular"), qPrintable(msgOf(sing)));
        QVERIFY(!s.setEnabled("unknown", false).ok());
        QVERIFY(!s.remove("unknown").ok());
        QVERIFY(s.remove("sneaker").ok());
        QVERIFY(s.erase(conceptOf("sneaker", emb(2, in, 93), g), at::Tensor()).ok()); // erasable again
        QVERIFY(!EditSet::create("", {"k"}, W).ok());
        QVERIFY(!EditSet::create("m", {"k", "v"}, W).ok());
    }

    // ---------------------------------------------------------------- RECE
    void regenerationNormalEquations() {
        const int in = 40;
        std::vector<MatrixPair> pairs;
        for (int l = 0; l < 3; ++l) {
            const auto W = randomW(24 + 8 * l, in, 100 + l);
            pairs.push_back({W, W + 0.1 * randomW(24 + 8 * l, in, 200 + l)});
        }
        const auto cStar = emb(3, in, 110);
        const double lambda = 0.1;
        const auto c = regenerationEmbedding(pairs, cStar, lambda);
        VERIFY_OK(c);
        QCOMPARE(c.value().sizes(), cStar.sizes());
        at::Tensor lhs = at::eye(in, kD) * lambda, rhs = at::zeros({in, in}, kD);
        for (const auto& p : pairs) {
            lhs += at::mm(p.edited.t(), p.edited);
            rhs += at::mm(p.edited.t(), p.original);
        }
        const double res = rel(at::mm(lhs, c.value().t()), at::mm(rhs, cStar.t()));
        qInfo("regeneration normal-equation residual %.2e", res);
        QVERIFY(res < 1e-9);
        const auto one = regenerationEmbedding(pairs, cStar[1], lambda);
        QVERIFY(one.ok() && one.value().dim() == 1);
        QVERIFY(rel(one.value(), c.value()[1]) < 1e-12);
    }

    void regenerationRecoversErasedConcept() {
        const int in = 192;
        std::vector<at::Tensor> Ws;
        for (int l = 0; l < 8; ++l) Ws.push_back(randomW(80, in, 120 + l));
        const auto cStar = emb(1, in, 130), g = emb(1, in, 131);
        UceParams p;
        p.eta = 1e3; // erase c* (nearly) exactly
        const auto edit = solveJoint(Ws, {conceptOf("c", cStar, g)}, emb(20, in, 132), p);
        QVERIFY(edit.ok());
        std::vector<MatrixPair> pairs;
        for (std::size_t l = 0; l < Ws.size(); ++l) pairs.push_back({Ws[l], edit.value().weights[l]});
        const auto c = regenerationEmbedding(pairs, cStar, 1e-3);
        QVERIFY(c.ok());
        const auto Wo = at::cat(Ws), We = at::cat(edit.value().weights);
        const auto goal = at::mm(Wo, cStar.t());
        const double before = rel(at::mm(We, cStar.t()), goal), after = rel(at::mm(We, c.value().t()), goal);
        qInfo("original outputs W c*: through the edit c* gives %.3f relative error, the derived c′ %.3f", before, after);
        QVERIFY(before > 0.5);
        QVERIFY(after < 0.2 * before);
    }

    void receLoop() {
        const int in = 96;
        std::vector<at::Tensor> Ws;
        for (int l = 0; l < 6; ++l) Ws.push_back(randomW(48, in, 140 + l));
        const auto cStar = emb(2, in, 150), g = emb(1, in, 151);
        const auto Wo = at::cat(Ws);
        // Attack success of the derived embedding: how much of W c* it brings back (lower = better).
        auto attack = [&](const std::vector<at::Tensor>& edited, const at::Tensor& cPrime) {
            const auto goal = at::mm(Wo, cStar.t());
            return 1.0 - rel(at::mm(at::cat(edited), cPrime.t()), goal);
        };
        ReceParams rp;
        rp.epochs = 3;
        rp.lambda = 0.1;
        int reports = 0;
        JobContext ctx;
        ctx.progress = [&](const Progress&) { ++reports; };
        const auto r = runRece(Ws, conceptOf("c", cStar, g), emb(10, in, 152), rp, attack, ctx);
        VERIFY_OK(r);
        const auto& res = r.value();
        QCOMPARE(int(res.epochs.size()), 4);
        QCOMPARE(reports, 4);
        for (const auto& e : res.epochs) qInfo("RECE epoch %d: attack success %.3f (%.1f ms)", e.epoch, e.score, e.seconds * 1e3);
        // Epoch 0 is plain UCE; its derived embedding is regenerationEmbedding's.
        const auto uce = solveJoint(Ws, {conceptOf("c", cStar, g)}, emb(10, in, 152), rp.uce);
        std::vector<MatrixPair> pairs;
        for (std::size_t l = 0; l < Ws.size(); ++l) pairs.push_back({Ws[l], uce.value().weights[l]});
        const auto c0 = regenerationEmbedding(pairs, cStar, rp.lambda);
        QVERIFY(rel(res.epochs[0].derived, c0.value()) < 1e-9);
        // Erasing the derived embedding weakens the attack (RECE's point).
        QVERIFY(res.epochs[1].score < res.epochs[0].score);
        QVERIFY(res.bestEpoch > 0);
        double best = 1e9;
        for (const auto& e : res.epochs) best = std::min(best, e.score);
        QCOMPARE(res.epochs[std::size_t(res.bestEpoch)].score, best);
        QCOMPARE(res.conceptSet.erase.size(0), 2 * (res.bestEpoch + 1));
        QCOMPARE(res.conceptSet.guide.size(0), res.conceptSet.erase.size(0));

        // Selection by a scripted score; cancel is honoured.
        const std::vector<double> script = {0.5, 0.2, 0.3, 0.4};
        int call = 0;
        const auto s = runRece(Ws, conceptOf("c", cStar, g), at::Tensor(), rp,
                               [&](const std::vector<at::Tensor>&, const at::Tensor&) { return script[std::size_t(call++)]; });
        QVERIFY(s.ok());
        QCOMPARE(s.value().bestEpoch, 1);
        JobContext cancelled;
        cancelled.cancel.cancel();
        QVERIFY(runRece(Ws, conceptOf("c", cStar, g), at::Tensor(), rp, {}, cancelled).isCancelled());

        // Stored as an artefact of an edit set.
        auto set = EditSet::create("m", {"a", "b", "c", "d", "e", "f"}, Ws);
        QVERIFY(set.ok());
        QVERIFY(set.value().eraseRece(conceptOf("c", cStar, g), at::Tensor(), rp, attack).ok());
        QCOMPARE(set.value().find("c")->method, std::string("rece"));
    }

    // RECE's acceptance rule: an epoch is kept only if its target score drops below the kept
    // one's while the others' score stays within the tolerance of UCE's; the loop stops once the
    // kept target is 0. Derivation rows (the concept's own words) set the derived block's size.
    void receAcceptanceRuleAndDerivationRows() {
        const int in = 64;
        std::vector<at::Tensor> Ws;
        for (int l = 0; l < 4; ++l) Ws.push_back(randomW(32, in, 170 + l));
        ConceptSet c = conceptOf("c", emb(5, in, 180), emb(1, in, 181));
        c.derive = emb(2, in, 182);
        ReceParams rp;
        rp.epochs = 3;
        rp.lambda = 0.1;
        const std::vector<ReceScore> script = {{0.5, 0.9}, {0.3, 0.85}, {0.2, 0.7}, {0.1, 0.81}};
        int call = 0;
        auto scripted = [&](const std::vector<at::Tensor>&, const at::Tensor& d) {
            if (d.size(0) != 2) qFatal("derived rows: %lld, expected the 2 derivation rows", (long long)d.size(0));
            return script[std::size_t(call++)];
        };
        auto r = runRece(Ws, c, at::Tensor(), rp, scripted);
        VERIFY_OK(r);
        const auto& res = r.value();
        QCOMPARE(int(res.epochs.size()), 4);
        const std::vector<bool> accepted = {true, true, false, true}; // epoch 2: others 0.7 < 0.9 − 0.1
        for (std::size_t i = 0; i < 4; ++i) QCOMPARE(res.epochs[i].accepted, accepted[i]);
        QCOMPARE(res.bestEpoch, 3);
        QCOMPARE(res.conceptSet.erase.size(0), std::int64_t(5 + 3 * 2)); // own rows + 2 derived per earlier epoch
        QCOMPARE(res.conceptSet.guide.size(0), res.conceptSet.erase.size(0));
        // Epoch 0 derives from the derivation rows against UCE's edit.
        const auto uce = solveJoint(Ws, {c}, at::Tensor(), rp.uce);
        std::vector<MatrixPair> pairs;
        for (std::size_t l = 0; l < Ws.size(); ++l) pairs.push_back({Ws[l], uce.value().weights[l]});
        QVERIFY(rel(res.epochs[0].derived, regenerationEmbedding(pairs, c.derive, rp.lambda).value()) < 1e-9);

        // A target of 0 stops the loop: the concept is gone.
        call = 0;
        const std::vector<ReceScore> gone = {{0.5, 0.9}, {0.0, 0.9}, {0.0, 0.9}, {0.0, 0.9}};
        auto r2 = runRece(Ws, c, at::Tensor(), rp, [&](const std::vector<at::Tensor>&, const at::Tensor&) {
            return gone[std::size_t(call++)];
        });
        VERIFY_OK(r2);
        QCOMPARE(int(r2.value().epochs.size()), 2);
        QCOMPARE(r2.value().bestEpoch, 1);

        // A guide of several rows that does not match the derivation rows is refused.
        ConceptSet bad = c;
        bad.guide = emb(5, in, 183);
        QVERIFY(!runRece(Ws, bad, at::Tensor(), rp).ok());
    }

    // Joint RECE over two concepts: each epoch derives both concepts' embeddings against the one
    // joint edit (not against each concept's own), and the edit set stores one artefact per concept.
    void receJointDerivesAgainstTheJointEdit() {
        const int in = 64;
        std::vector<at::Tensor> Ws;
        for (int l = 0; l < 4; ++l) Ws.push_back(randomW(32, in, 190 + l));
        ConceptSet a = conceptOf("a", emb(4, in, 200), emb(1, in, 202));
        a.derive = emb(1, in, 201);
        ConceptSet b = conceptOf("b", emb(3, in, 203), emb(1, in, 202));
        b.derive = emb(2, in, 204);
        const auto keep = emb(6, in, 205);
        ReceParams rp;
        rp.epochs = 2;
        rp.lambda = 0.1;
        auto r = runRece(Ws, std::vector<ConceptSet>{a, b}, keep, rp);
        VERIFY_OK(r);
        const auto& res = r.value();
        QCOMPARE(res.bestEpoch, 2); // no callback: the last epoch
        QCOMPARE(res.conceptSets.size(), std::size_t(2));
        QCOMPARE(res.conceptSets[0].erase.size(0), std::int64_t(4 + 2 * 1));
        QCOMPARE(res.conceptSets[1].erase.size(0), std::int64_t(3 + 2 * 2));
        const auto joint = solveJoint(Ws, {a, b}, keep, rp.uce);
        std::vector<MatrixPair> pairs;
        for (std::size_t l = 0; l < Ws.size(); ++l) pairs.push_back({Ws[l], joint.value().weights[l]});
        const auto expected = regenerationEmbedding(pairs, at::cat({a.derive, b.derive}), rp.lambda);
        QVERIFY(rel(res.epochs[0].derived, expected.value()) < 1e-9);
        // Against a's edit alone the derivation differs: the joint run is not two separate ones.
        const auto alone = solveJoint(Ws, {a}, keep, rp.uce);
        std::vector<MatrixPair> pa;
        for (std::size_t l = 0; l < Ws.size(); ++l) pa.push_back({Ws[l], alone.value().weights[l]});
        QVERIFY(rel(res.epochs[0].derived.narrow(0, 0, 1), regenerationEmbedding(pa, a.derive, rp.lambda).value()) > 1e-3);
        // The final edit is the joint solve over both concepts' kept rows.
        const auto rejoint = solveJoint(Ws, res.conceptSets, keep, rp.uce);
        for (std::size_t l = 0; l < Ws.size(); ++l) QVERIFY(rel(res.edit.weights[l], rejoint.value().weights[l]) < 1e-9);

        auto set = EditSet::create("m", {"a", "b", "c", "d"}, Ws);
        QVERIFY(set.ok());
        VERIFY_OK(set.value().eraseRece(std::vector<ConceptSet>{a, b}, keep, rp));
        QCOMPARE(set.value().artefacts().size(), std::size_t(2));
        QCOMPARE(set.value().find("b")->method, std::string("rece"));
        QCOMPARE(set.value().find("b")->conceptSet.erase.size(0), std::int64_t(7));
        // Erasing one of them again is refused, and nothing is added.
        QVERIFY(!set.value().eraseRece(std::vector<ConceptSet>{b}, keep, rp).ok());
        QCOMPARE(set.value().artefacts().size(), std::size_t(2));
    }

    // ---------------------------------------------------------------- SPM
    void permeability_data() {
        QTest::addColumn<QString>("prompt");
        QTest::addColumn<QString>("conceptText");
        QTest::addColumn<int>("embedding"); // 0 same as the concept's, 1 orthogonal, 2 opposite, 3 random
        QTest::addColumn<double>("expected"); // < 0: only "less than 1"
        QTest::newRow("the concept's own prompt") << "a sneaker" << "a sneaker" << 0 << 1.0;
        QTest::newRow("own words, other embedding") << "A photo of a Sneaker!" << "sneaker" << 1 << 1.0;
        QTest::newRow("half of the concept's words") << "a shoe" << "running shoe" << 1 << 0.5;
        QTest::newRow("unrelated, orthogonal") << "a handbag" << "sneaker" << 1 << 0.0;
        QTest::newRow("unrelated, opposite (clamped)") << "a handbag" << "sneaker" << 2 << 0.0;
        QTest::newRow("unrelated, random embedding") << "a handbag" << "sneaker" << 3 << -1.0;
    }
    void permeability() {
        QFETCH(QString, prompt);
        QFETCH(QString, conceptText);
        QFETCH(int, embedding);
        QFETCH(double, expected);
        const int d = 64;
        auto ce = at::zeros({d}, kD);
        ce[0] = 1;
        ce[5] = 2;
        at::Tensor pe;
        if (embedding == 0) pe = ce.clone();
        if (embedding == 1) {
            pe = at::zeros({d}, kD);
            pe[1] = 3;
        }
        if (embedding == 2) pe = -ce;
        if (embedding == 3) pe = emb(1, d, 180)[0];
        const double gamma = erase::permeability(pe, ce, splitWords(prompt.toStdString()), splitWords(conceptText.toStdString()));
        QVERIFY(gamma >= 0 && gamma <= 1);
        if (expected >= 0)
            QVERIFY2(std::abs(gamma - expected) < 1e-12, qPrintable(QString::number(gamma)));
        else
            QVERIFY(gamma < 1);
    }

    void transportPieces() {
        QCOMPARE(tokenOverlap({"a", "photo", "of", "a", "sneaker"}, {"sneaker", "sneaker"}), 1.0);
        QCOMPARE(tokenOverlap({"a", "shoe"}, {}), 0.0);
        QCOMPARE(tokenOverlap({"pair", "of"}, {"pair", "of", "running", "shoes"}), 0.5);
        QCOMPARE(embeddingCosine(at::zeros({8}, kD), at::ones({8}, kD)), 0.0);
        QCOMPARE(embeddingCosine(at::ones({8}, kD), at::ones({9}, kD)), 0.0);
        // [T, d] embeddings are mean-pooled first.
        const auto seq = emb(5, 16, 181);
        QVERIFY(std::abs(embeddingCosine(seq, seq.mean(0)) - 1.0) < 1e-12);
        QCOMPARE(splitWords("Trainers, a pair-of shoes"), (std::vector<std::string>{"trainers", "a", "pair", "of", "shoes"}));
    }

    void membrane() {
        torch::manual_seed(7);
        torch::nn::Linear base(16, 8);
        base->to(at::kDouble);
        MembraneLinear m(base, 1);
        // Only D and U are the membrane's parameters; the base layer is shared, not copied.
        QCOMPARE(int(m->parameters().size()), 2);
        QCOMPARE(m->base()->weight.data_ptr(), base->weight.data_ptr());
        QVERIFY(m->down().abs().sum().item<double>() > 0);
        QVERIFY(at::equal(m->up(), at::zeros_like(m->up())));
        const auto x = at::randn({5, 16}, kD);
        const auto y0 = base->forward(x);
        QVERIFY(at::equal(m->forward(x), y0)); // U = 0 at initialisation
        {
            torch::NoGradGuard ng;
            m->up().copy_(at::randn({8, 1}, kD));
        }
        QVERIFY(!at::equal(m->forward(x), y0));
        m->setScale(0);
        QVERIFY(at::equal(m->forward(x), y0));
        m->setScale(0.7);
        m->setPermeability(0.0);
        QVERIFY(at::equal(m->forward(x), y0));
        m->setPermeability(0.4);
        const auto expect = 0.7 * 0.4 * at::mm(at::mm(x, m->down().t()), m->up().t());
        QVERIFY(rel(m->forward(x) - y0, expect) < 1e-12);
        // Per-sample γ: rows with γ = 0 keep the base output bit for bit.
        const auto gammas = at::tensor({0.0, 0.5, 1.0, 0.0, 0.3}, kD);
        m->setPermeability(gammas);
        const auto y = m->forward(x);
        QVERIFY(at::equal(y[0], y0[0]) && at::equal(y[3], y0[3]));
        const auto expectRows = 0.7 * gammas.view({5, 1}) * at::mm(at::mm(x, m->down().t()), m->up().t());
        QVERIFY(rel(y - y0, expectRows) < 1e-12);
        // Gradients reach D and U only through the membrane.
        m->setPermeability(1.0);
        m->forward(x).sum().backward();
        QVERIFY(m->up().grad().defined() && m->down().grad().defined());
    }

    // ---------------------------------------------------------------- SLD
    void sldMomentumAndWarmupByHand() {
        // Three elements: ε_c − ε_S = (0.0005, −0.002, 0.5) → μ = (0.5, 1, 0) at s_S 1000, λ 0.01
        // (the third is above λ). Medium preset: s_m 0.3, β_m 0.4, w 3.
        TextSampleOptions o;
        QVERIFY(sldPreset("medium", &o));
        o.guidance = 3;
        const auto ec = torch::tensor({1.0005, 0.998, 1.5}, kD), es = torch::tensor({1.0, 1.0, 1.0}, kD);
        const auto eu = torch::tensor({0.2, 0.4, 0.6}, kD);
        at::Tensor nu;
        // Step 0 (warm-up: not applied): γ0 = μ(ε_S − ε_∅) = (0.4, 0.6, 0); ν1 = 0.6 γ0.
        auto e0 = sldEpsilon(ec, eu, es, nu, o, false);
        QVERIFY(at::allclose(e0, eu + 3 * (ec - eu), 1e-12, 1e-12));
        const auto g0 = torch::tensor({0.4, 0.6, 0.0}, kD);
        QVERIFY(at::allclose(nu, 0.6 * g0, 1e-12, 1e-12));
        // Step 1 (applied): γ1 = μ(ε_S − ε_∅) + 0.3 ν1; ν2 = 0.4 ν1 + 0.6 γ1.
        auto e1 = sldEpsilon(ec, eu, es, nu, o, true);
        const auto g1 = g0 + 0.3 * (0.6 * g0);
        QVERIFY(at::allclose(e1, eu + 3 * (ec - eu - g1), 1e-12, 1e-12));
        QVERIFY(at::allclose(nu, 0.4 * (0.6 * g0) + 0.6 * g1, 1e-12, 1e-12));
        // Without momentum it is the plain eq. 3 every step.
        TextSampleOptions plain = o;
        plain.sldMomentum = 0;
        at::Tensor nu2;
        sldEpsilon(ec, eu, es, nu2, plain, true);
        QVERIFY(at::allclose(sldEpsilon(ec, eu, es, nu2, plain, true), eu + 3 * (ec - eu - g0), 1e-12, 1e-12));
        // Warm-up of the paper's presets, as a share of the run: δ = 10 of 50 (medium) → 2 of 8.
        QCOMPARE(sldWarmupSteps(o, 50), 10);
        QCOMPARE(sldWarmupSteps(o, 8), 2);
        QVERIFY(sldPreset("max", &o));
        QCOMPARE(sldWarmupSteps(o, 8), 0);
        QCOMPARE(o.sldScale, 5000.0);
        QVERIFY(!sldPreset("extreme", &o));
    }

    // ---------------------------------------------------------------- SSD
    void ssdHandBuilt() {
        auto t1 = torch::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, kD);
        auto t2 = torch::tensor({{1.0, -1.0}, {2.0, -2.0}}, kD);
        const auto iD1 = torch::tensor({1.0, 1.0, 0.0, 0.5, 2.0, 0.0}, kD);
        const auto iF1 = torch::tensor({5.0, 20.0, 0.0, 10.0, 100.0, 1e-3}, kD);
        const auto iD2 = torch::tensor({{1.0, 1.0}, {1.0, 1.0}}, kD);
        const auto iF2 = torch::tensor({{10.0, 10.0001}, {40.0, 0.0}}, kD);
        const auto r = dampen({t1, t2}, {iD1, iD2}, {iF1, iF2});
        QVERIFY(r.ok());
        QCOMPARE(r.value().dampened, std::int64_t(6));
        QCOMPARE(r.value().total, std::int64_t(10));
        QVERIFY(at::equal(t1, torch::tensor({1.0, 2.0 / 20, 3.0, 4.0 * 0.05, 5.0 * 0.02, 0.0}, kD)));
        QVERIFY(rel(t2, torch::tensor({{1.0, -1.0 / 10.0001}, {2.0 / 40, -2.0}}, kD)) < 1e-15);
        // λ large: selected but min(·, 1) keeps them.
        auto t3 = torch::tensor({3.0, 4.0}, kD);
        SsdParams p;
        p.lambda = 100;
        const auto r3 = dampen({t3}, {torch::tensor({1.0, 1.0}, kD)}, {torch::tensor({20.0, 1000.0}, kD)}, p);
        QVERIFY(r3.ok());
        QVERIFY(at::equal(t3, torch::tensor({3.0, 4.0 * 0.1}, kD)));
        QVERIFY(!dampen({t3}, {}, {}).ok());
    }

    void ssdFisherIsMeanOfSquaredBatchMeanGradients() {
        // Two minibatches through a linear model y = w·x (no bias), loss = the minibatch's mean of
        // (y − t)²: its gradient is (2/B)·Σ (w·x − t)·x, and the importance is the mean over the
        // two minibatches of that gradient squared (not the mean of per-sample squares).
        torch::nn::Linear lin(torch::nn::LinearOptions(2, 1).bias(false));
        {
            torch::NoGradGuard ng;
            lin->weight.copy_(torch::tensor({{0.5, -1.0}}));
        }
        const auto x1 = torch::tensor({{1.0f, 2.0f}, {3.0f, -1.0f}}), t1 = torch::tensor({{0.0f}, {1.0f}});
        const auto x2 = torch::tensor({{-2.0f, 0.5f}, {1.0f, 1.0f}, {0.0f, 4.0f}}), t2 = torch::tensor({{1.0f}, {0.0f}, {-2.0f}});
        const auto loss = [&](const SsdBatch& b) { return (lin->forward(b.input) - b.target).square().mean(); };
        const auto f = diagonalFisher(*lin, {{x1, t1}, {x2, t2}}, loss);
        VERIFY_OK(f);
        // By hand. Batch 1: residuals w·x − t = (0.5 − 2 − 0, 1.5 + 1 − 1) = (−1.5, 1.5);
        //   gradient = (2/2)·(−1.5·(1, 2) + 1.5·(3, −1)) = (3, −4.5).
        // Batch 2: residuals (−1 − 0.5 − 1, 0.5 − 1 − 0, 0 − 4 + 2) = (−2.5, −0.5, −2);
        //   gradient = (2/3)·(−2.5·(−2, 0.5) − 0.5·(1, 1) − 2·(0, 4)) = (2/3)·(4.5, −9.75) = (3, −6.5).
        // Importance = ((3² + 3²)/2, (4.5² + 6.5²)/2) = (9, 31.25).
        const auto expected = torch::tensor({{9.0f, 31.25f}});
        QCOMPARE(int(f.value().size()), 1);
        QVERIFY2(at::allclose(f.value()[0], expected, 1e-5, 1e-5), qPrintable(QString::number(f.value()[0][0][1].item<double>())));
        // Per-sample squares would give a different (larger) value: the two are not the same thing.
        std::vector<SsdBatch> single;
        for (int i = 0; i < 2; ++i) single.push_back({x1.narrow(0, i, 1), t1.narrow(0, i, 1)});
        for (int i = 0; i < 3; ++i) single.push_back({x2.narrow(0, i, 1), t2.narrow(0, i, 1)});
        const auto perSample = diagonalFisher(*lin, single, loss);
        VERIFY_OK(perSample);
        QVERIFY(perSample.value()[0][0][1].item<double>() > 31.25 + 1);
    }

    void ssdRemovesPoison() {
        torch::manual_seed(3);
        auto gen = makeGen(300);
        const int d = 8, classes = 3, perClass = 200, nPoison = 60;
        // Clean points: Gaussian blobs in the first 7 features, trigger feature 7 off.
        const auto centres = at::randn({classes, d}, gen, kD) * 2.5;
        centres.select(1, d - 1).zero_();
        std::vector<at::Tensor> xs, ys;
        for (int c = 0; c < classes; ++c) {
            auto x = centres[c] + at::randn({perClass, d}, gen, kD);
            x.select(1, d - 1).zero_();
            xs.push_back(x);
            ys.push_back(at::full({perClass}, c, at::kLong));
        }
        const auto xClean = at::cat(xs).to(at::kFloat), yClean = at::cat(ys);
        // Poison: points of classes 1 and 2 with the trigger on, relabelled to class 0.
        const auto pick = at::randint(perClass, classes * perClass, {nPoison}, gen, at::kLong);
        auto xPoison = at::cat(xs).index_select(0, pick).clone();
        xPoison.select(1, d - 1).fill_(3.0);
        xPoison = xPoison.to(at::kFloat);
        const auto yPoison = at::zeros({nPoison}, at::kLong);
        const auto xTrain = at::cat({xClean, xPoison}), yTrain = at::cat({yClean, yPoison});

        torch::nn::Sequential mlp(torch::nn::Linear(d, 32), torch::nn::ReLU(), torch::nn::Linear(32, classes));
        torch::optim::Adam opt(mlp->parameters(), torch::optim::AdamOptions(1e-2));
        for (int step = 0; step < 300; ++step) {
            opt.zero_grad();
            torch::nn::functional::cross_entropy(mlp->forward(xTrain), yTrain).backward();
            opt.step();
        }
        auto acc = [&](const at::Tensor& x, const at::Tensor& y) {
            torch::NoGradGuard ng;
            return mlp->forward(x).argmax(1).eq(y).to(at::kDouble).mean().item<double>();
        };
        const double cleanBefore = acc(xClean, yClean), poisonBefore = acc(xPoison, yPoison);

        auto batches = [](const at::Tensor& x, const at::Tensor& y, int bs, at::Generator g) {
            const auto perm = at::randperm(x.size(0), g, at::kLong);
            std::vector<SsdBatch> out;
            for (std::int64_t i = 0; i < x.size(0); i += bs) {
                const auto idx = perm.narrow(0, i, std::min<std::int64_t>(bs, x.size(0) - i));
                out.push_back({x.index_select(0, idx), y.index_select(0, idx)});
            }
            return out;
        };
        const auto loss = [&](const SsdBatch& b) { return torch::nn::functional::cross_entropy(mlp->forward(b.input), b.target); };
        const auto retain = batches(xTrain, yTrain, 32, gen);
        // Only part of the poison identified (printed, not asserted): restore the trained weights each time.
        std::vector<at::Tensor> trained;
        for (const auto& p : mlp->parameters()) trained.push_back(p.detach().clone());
        for (const double frac : {0.1, 0.5}) {
            const auto n = std::int64_t(frac * nPoison);
            const auto part = batches(xPoison.narrow(0, 0, n), yPoison.narrow(0, 0, n), 32, gen);
            const auto rp = selectiveSynapticDampening(*mlp, retain, part, loss);
            QVERIFY(rp.ok());
            qInfo("SSD with %.0f%% of the poison identified: %lld dampened; clean accuracy %.3f → %.3f, poison label "
                  "%.3f → %.3f",
                  frac * 100, static_cast<long long>(rp.value().dampened), cleanBefore, acc(xClean, yClean), poisonBefore, acc(xPoison, yPoison));
            torch::NoGradGuard ng;
            auto ps = mlp->parameters();
            for (std::size_t i = 0; i < ps.size(); ++i) ps[i].copy_(trained[i]);
        }
        const auto forget = batches(xPoison, yPoison, 32, gen);
        const auto r = selectiveSynapticDampening(*mlp, retain, forget, loss);
        VERIFY_OK(r);
        const double cleanAfter = acc(xClean, yClean), poisonAfter = acc(xPoison, yPoison);
        qInfo("SSD (α = 10, λ = 1): dampened %lld of %lld parameters; clean accuracy %.3f → %.3f, "
              "poisoned points classified as the poison label %.3f → %.3f",
              static_cast<long long>(r.value().dampened), static_cast<long long>(r.value().total), cleanBefore, cleanAfter,
              poisonBefore, poisonAfter);
        QVERIFY(poisonBefore > 0.9); // the model learnt the trigger
        QVERIFY(cleanBefore > 0.9);
        QVERIFY(r.value().dampened > 0);
        QVERIFY(poisonBefore - poisonAfter > cleanBefore - cleanAfter);
        QVERIFY(poisonBefore - poisonAfter > 0.3);
    }

    void correctiveBenchOnRealImages() {
        // A small version of `bench unlearn` on 3000 real Fashion-MNIST images: the poisoned model
        // learns the trigger; retraining without all the poison removes it (the trigger then
        // changes almost nothing); SSD with the reference's minibatch importances removes it, with
        // per-sample importances it does not; bad settings are refused.
        CorrectiveParams p;
        p.trainImages = 3000;
        p.testImages = 600;
        p.poisonShare = 0.1;
        p.steps = 160;
        p.batch = 32;
        p.lr = 3e-3;
        p.warmup = 10;
        p.retainSamples = 60;
        p.identified = {1.0};
        p.ssdBatches = {1, 512};
        auto r = runCorrectiveBench(p, {});
        VERIFY_OK(r);
        qInfo("%s", r.value().table.c_str());
        QCOMPARE(r.value().poisoned, std::int64_t(300));
        QCOMPARE(int(r.value().rows.size()), 4); // poisoned, ssd/1, ssd/512, retrain
        const auto& poisoned = r.value().rows[0];
        const auto& perSample = r.value().rows[1];
        const auto& ssd = r.value().rows[2];
        const auto& retrain = r.value().rows[3];
        QCOMPARE(poisoned.method, std::string("poisoned"));
        QCOMPARE(perSample.method, std::string("ssd"));
        QCOMPARE(perSample.ssdBatch, 1);
        QCOMPARE(ssd.method, std::string("ssd"));
        QCOMPARE(ssd.ssdBatch, 512);
        QCOMPARE(retrain.method, std::string("retrain"));
        QVERIFY2(poisoned.attackSuccess > 0.6, qPrintable(QString::number(poisoned.attackSuccess)));
        QVERIFY(poisoned.cleanAccuracy > 0.5);
        QVERIFY2(retrain.attackSuccess < 0.25, qPrintable(QString::number(retrain.attackSuccess)));
        QVERIFY(retrain.triggeredAccuracy > poisoned.triggeredAccuracy);
        // The reference's importances (squared gradients of minibatch-mean losses) make the retain
        // importance small where per-sample squares do not, so far more parameters are selected
        // and the trigger goes. Measured here: per-sample 91.3 % → 80.7 % attack success with
        // 2 050 parameters dampened; minibatch 512 → 0.0 %, with 65 k dampened and clean accuracy
        // 73.7 % → 17.3 % (the README's table gives the full-size figures).
        qInfo("attack success: poisoned %.3f, ssd/1 %.3f (%lld dampened), ssd/512 %.3f (%lld dampened), retrain %.3f",
              poisoned.attackSuccess, perSample.attackSuccess, static_cast<long long>(perSample.dampened),
              ssd.attackSuccess, static_cast<long long>(ssd.dampened), retrain.attackSuccess);
        QVERIFY(perSample.dampened > 0);
        QVERIFY(ssd.dampened > 10 * perSample.dampened);
        QVERIFY2(ssd.attackSuccess < poisoned.attackSuccess - 0.5, qPrintable(QString::number(ssd.attackSuccess)));
        QVERIFY(perSample.attackSuccess <= poisoned.attackSuccess + 0.02);
        const auto j = nlohmann::json::parse(r.value().json);
        QCOMPARE(j["rows"].size(), std::size_t(4));
        QCOMPARE(j["rows"][2]["ssd_batch"].get<int>(), 512);
        p.ssdBatches = {0};
        QVERIFY(!runCorrectiveBench(p, {}).ok());
        p.ssdBatches = {512};
        p.identified = {0.0};
        QVERIFY(!runCorrectiveBench(p, {}).ok());
        p.identified = {1.0};
        p.targetClass = 12;
        QVERIFY(!runCorrectiveBench(p, {}).ok());
        p.targetClass = 0;
        p.dataDir = "/nonexistent/fashion";
        QVERIFY(!runCorrectiveBench(p, {}).ok());
    }
};

QTEST_GUILESS_MAIN(TestErase)
#include "tst_erase.moc"
