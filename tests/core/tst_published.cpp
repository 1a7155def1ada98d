// The published networks (SGMSE+ NCSN++, IR-SDE ConditionalUNet, DA-CLIP UNet) against the oracle
// fixtures of tools/oracles/make_published_fixtures.py: every checkpoint is read through the
// real readers in its on-disk layout and must reproduce the upstream outputs.

#include "models/formats/safetensors.h"
#include "models/formats/torchzip.h"
#include "models/published/load.h"
#include "models/published/scan.h"
#include "engine/sde/sde.h"
#include "engine/solvers/common.h"
#include "speech/enhance.h"
#include "speech/enhance_detail.h"
#include "speech/pairs.h"
#include "speech/stft.h"
#include "restore/pipeline.h"

#include <ATen/ATen.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

using namespace reverie;
using namespace reverie::models::published;

namespace {

std::string fixture(const std::string& name) { return std::string(REVERIE_SOURCE_DIR "/tests/fixtures/published/") + name; }

at::Tensor readF32(const std::string& name, std::vector<std::int64_t> shape) {
    std::ifstream in(fixture(name), std::ios::binary);
    if (!in) throw std::runtime_error("cannot open fixture " + name);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string bytes = ss.str();
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    if (static_cast<std::int64_t>(bytes.size()) != n * 4) throw std::runtime_error("fixture " + name + " has the wrong size");
    auto t = torch::empty(shape, torch::kFloat32);
    std::memcpy(t.data_ptr(), bytes.data(), bytes.size()); // little-endian host
    return t;
}

// A complex64 fixture [B,1,F,T] as the real [B,2,F,T] (Re, Im) the network returns.
at::Tensor readComplexAsChannels(const std::string& name, std::vector<std::int64_t> shape) {
    shape.push_back(2);
    const auto t = readF32(name, shape);               // [B,1,F,T,2]
    return t.squeeze(1).permute({0, 3, 1, 2}).contiguous(); // [B,2,F,T]
}

struct Cmp {
    double maxAbs = 0;
    double maxRel = 0; // |a−b| / (|ref| + 1e-3)
    bool ok = false;
};
Cmp compare(const at::Tensor& got, const at::Tensor& ref, double rtol = 1e-4, double atol = 1e-5) {
    Cmp c;
    if (got.sizes() != ref.sizes()) return c;
    const auto d = (got - ref).abs();
    c.maxAbs = d.max().item<double>();
    c.maxRel = (d / (ref.abs() + 1e-3)).max().item<double>();
    c.ok = torch::allclose(got, ref, rtol, atol);
    return c;
}

// SGMSE+'s NCSN++ divides its output by t, so float32 rounding inside the network is amplified
// by 1/t (t = 1/32 gives outputs up to |82|): its outputs are compared at the network's own
// scale, t·output, with the same rtol 1e-4 / atol 1e-5 (i.e. atol 1e-5/t on the output itself).
#define CHECK_CLOSE_T(got, ref, t, label) CHECK_CLOSE((got) * (t), (ref) * (t), label)

#define CHECK_CLOSE(got, ref, label)                                                                         \
    do {                                                                                                     \
        const auto cmp_ = compare((got), (ref));                                                             \
        qInfo("%s: max |diff| %.3g, max rel %.3g", label, cmp_.maxAbs, cmp_.maxRel);                          \
        QVERIFY2(cmp_.ok, qPrintable(QString("%1 differs from the oracle: max |diff| %2").arg(label).arg(cmp_.maxAbs))); \
    } while (0)

PublishedModel mustLoad(const std::string& file, const LoadOptions& o = {}) {
    auto r = loadPublished(fixture(file), o);
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(r.value());
}

std::string loadError(const std::string& path, const LoadOptions& o = {}) {
    auto r = loadPublished(path, o);
    return r ? std::string() : r.error().message;
}

nlohmann::json readJson(const std::string& name) {
    std::ifstream in(fixture(name));
    if (!in) throw std::runtime_error("cannot open fixture " + name);
    return nlohmann::json::parse(in);
}

// The enhancement oracle's recorded noise (complex, real and imaginary parts of variance ½ each,
// as torch.randn_like) in the studio's real channels, where each channel has unit variance:
// z_real = √2 (Re z, Im z).
std::vector<at::Tensor> sgmseEnhanceDraws(int count) {
    std::vector<at::Tensor> draws;
    for (int i = 0; i < count; ++i)
        draws.push_back(readComplexAsChannels("sgmse_enhance_draw" + std::to_string(i) + ".bin", {1, 1, 256, 64}) *
                        std::sqrt(2.0));
    return draws;
}

struct ReplayedEnhance {
    at::Tensor out;
    std::int64_t nfe = 0;
    std::size_t replayed = 0;
    std::string error;
};
ReplayedEnhance replayEnhance(const std::string& sampler, int nfe, int draws) {
    const auto noisy = readF32("sgmse_enhance_noisy.bin", {8000});
    speech::Audio a;
    a.sampleRate = 16000;
    a.samples.assign(noisy.data_ptr<float>(), noisy.data_ptr<float>() + noisy.numel());
    auto noise = solvers::NoiseSource::replay(sgmseEnhanceDraws(draws));
    speech::EnhanceParams p;
    p.modelDir = fixture("sgmse_ncsnpp_small.ckpt");
    p.sampler = sampler;
    p.nfe = nfe;
    ReplayedEnhance r;
    auto e = speech::detail::enhanceWithNoise(p, a, JobContext{}, &noise);
    r.replayed = noise.replayed();
    if (!e) {
        r.error = e.error().message;
        return r;
    }
    r.nfe = e.value().nfe;
    r.out = torch::from_blob(e.value().enhanced.samples.data(), {std::int64_t(e.value().enhanced.samples.size())},
                             torch::kFloat32)
                .clone();
    return r;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

NamedTensorList irsdeTensors() {
    auto r = reverie::models::formats::readCheckpointTensors(fixture("irsde_unet_small.pth"));
    if (!r) throw std::runtime_error(r.error().message);
    NamedTensorList out;
    for (auto& [k, v] : r.value()) out.emplace_back(k, v.contiguous().clone());
    return out;
}

} // namespace

class TestPublished : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        torch::manual_seed(0);
        torch::NoGradGuard g;
    }

    // ---- SGMSE+ NCSN++ ----------------------------------------------------------------------

    void sgmseEma() {
        torch::NoGradGuard g;
        auto m = mustLoad("sgmse_ncsnpp_small.ckpt");
        QCOMPARE(m.card.architecture, Architecture::SgmseNcsnpp);
        QVERIFY(m.ncsnpp);
        QCOMPARE(m.card.parameters, std::int64_t{106222});
        QCOMPARE(m.card.tensors, std::int64_t{475});
        QCOMPARE(m.card.strippedPrefix, std::string("dnn."));
        QVERIFY2(contains(m.card.weights, "EMA"), m.card.weights.c_str());
        QVERIFY(contains(m.card.container, "Lightning"));
        QCOMPARE(m.card.config["nf"].get<int>(), 8);
        QCOMPARE(m.card.config["ch_mult"].get<std::vector<int>>(), (std::vector<int>{1, 1, 1, 1, 2}));
        QVERIFY(m.card.sgmse);
        const auto& s = *m.card.sgmse;
        QCOMPARE(s.nFft, 510);
        QCOMPARE(s.hopLength, 128);
        QCOMPARE(s.specFactor, 0.15);
        QCOMPARE(s.specAbsExponent, 0.5);
        QCOMPARE(s.transformType, std::string("exponent"));
        QCOMPARE(s.sde, std::string("ouve"));
        QCOMPARE(s.theta, 1.5);
        QCOMPARE(s.sigmaMin, 0.05);
        QCOMPARE(s.sigmaMax, 0.5);
        QCOMPARE(s.N, 30);
        QCOMPARE(s.sampleRate, 16000);
        QVERIFY(!m.card.summary().empty());
        QVERIFY(m.card.toJson().contains("sgmse"));

        const auto x = readF32("sgmse_small_input_4ch.bin", {1, 4, 256, 64});
        const auto ref0 = readComplexAsChannels("sgmse_small_case0_dnn_output.bin", {1, 1, 256, 64});
        const auto ref1 = readComplexAsChannels("sgmse_small_case1_dnn_output.bin", {1, 1, 256, 64});
        const auto out0 = m.ncsnpp->forward(x, torch::tensor({0.5f}));
        const auto out1 = m.ncsnpp->forward(x, torch::tensor({0.03125f}));
        CHECK_CLOSE_T(out0, ref0, 0.5, "SGMSE+ EMA t=0.5 (scaled by t)");
        CHECK_CLOSE_T(out1, ref1, 0.03125, "SGMSE+ EMA t=1/32 (scaled by t)");
        qInfo("SGMSE+ t=1/32 unscaled: max |diff| %.3g, max |ref| %.3g", (out1 - ref1).abs().max().item<double>(),
              ref1.abs().max().item<double>());

        // Upstream's complex call and the score convention.
        using torch::indexing::Slice;
        const auto xt = torch::complex(x.index({Slice(), Slice(0, 1)}), x.index({Slice(), Slice(1, 2)}));
        const auto y = torch::complex(x.index({Slice(), Slice(2, 3)}), x.index({Slice(), Slice(3, 4)}));
        const auto c = m.ncsnpp->forwardComplex(xt, y, torch::tensor({0.5f}));
        QCOMPARE(c.sizes().vec(), (std::vector<std::int64_t>{1, 1, 256, 64}));
        QVERIFY(c.is_complex());
        CHECK_CLOSE_T(torch::view_as_real(c).squeeze(1).permute({0, 3, 1, 2}), ref0, 0.5, "SGMSE+ complex call");
        const auto score = m.ncsnpp->score(xt, y, torch::tensor({0.5f}));
        QVERIFY(torch::equal(score, -c));

        // A batch of two with one t each gives the same as two calls.
        const auto both = m.ncsnpp->forward(torch::cat({x, x}), torch::tensor({0.5f, 0.03125f}));
        CHECK_CLOSE_T(both[0].unsqueeze(0), ref0, 0.5, "SGMSE+ batch element 0");
        CHECK_CLOSE_T(both[1].unsqueeze(0), ref1, 0.03125, "SGMSE+ batch element 1");
    }

    // A whole enhancement run of a published checkpoint against upstream's own
    // ScoreModel.enhance(y, N=3) (tools/oracles/make_sgmse_enhance_fixture.py): normalisation,
    // STFT, compression and padding, the OUVE prior, SGMSE+'s predictor-corrector with the
    // recorded noise replayed, the inverse transform and the scaling back.
    void sgmseEnhanceMatchesUpstream() {
        const auto desc = readJson("sgmse_enhance.json");
        const int steps = desc["steps"].get<int>();
        QCOMPARE(steps, 3);
        const int draws = 1 + 2 * steps;
        QCOMPARE(int(desc["draws"].size()), draws);

        // The conditioning spectrogram: the studio's transform with the checkpoint's settings.
        const auto noisy = readF32("sgmse_enhance_noisy.bin", {8000});
        std::vector<float> wave(noisy.data_ptr<float>(), noisy.data_ptr<float>() + noisy.numel());
        auto spec = speech::toSpec(wave);
        QVERIFY(spec);
        QCOMPARE(spec.value().normFactor, desc["norm_factor"].get<double>());
        const auto Y = readComplexAsChannels("sgmse_enhance_Y.bin", {1, 1, 256, 64});
        CHECK_CLOSE(speech::toChannels(spec.value().spec).unsqueeze(0), Y, "normalised compressed padded spectrogram");

        const auto ref = readF32("sgmse_enhance_output.bin", {8000});
        const double scale = ref.abs().max().item<double>();
        QVERIFY(scale > 0);
        const auto r = replayEnhance("sgmse-pc", 2 * steps, draws);
        QVERIFY2(r.error.empty(), r.error.c_str());
        QCOMPARE(r.replayed, std::size_t(draws)); // every recorded draw used, in upstream's order
        QCOMPARE(r.nfe, std::int64_t(2 * steps));
        const double diff = (r.out - ref).abs().max().item<double>();
        qInfo("sgmse-pc vs upstream enhance(): max |diff| %.3g of max |ref| %.3g", diff, scale);
        QVERIFY2(diff <= 1e-4 * scale, qPrintable(QString("max |diff| %1 (max |ref| %2)").arg(diff).arg(scale)));

        // The studio's exact discretisation is a different sampler: with the same draws it lands
        // elsewhere (this is what the comparison above can tell apart).
        const auto exact = replayEnhance("pc", 2 * steps, draws);
        QVERIFY2(exact.error.empty(), exact.error.c_str());
        const double apart = (exact.out - ref).abs().max().item<double>();
        qInfo("pc (exact discretisation) vs upstream: max |diff| %.3g", apart);
        QVERIFY(apart > 100 * diff && apart > 1e-3 * scale);

        // Too few recorded draws: a clear error, not a silent fallback to fresh noise.
        const auto shortRun = replayEnhance("sgmse-pc", 2 * steps, draws - 1);
        QVERIFY(contains(shortRun.error, "ran out"));
    }

    // The same checkpoint served to every enhancement sampler, at its own rate and settings.
    void sgmseEverySampler() {
        const auto noisy = readF32("sgmse_enhance_noisy.bin", {8000});
        speech::Audio a;
        a.sampleRate = 16000;
        a.samples.assign(noisy.data_ptr<float>(), noisy.data_ptr<float>() + noisy.numel());
        speech::EnhanceParams p;
        p.modelDir = fixture("sgmse_ncsnpp_small.ckpt");
        auto info = speech::enhancerInfo(p.modelDir);
        QVERIFY2(info, info ? "" : info.error().message.c_str());
        QVERIFY(info.value().published);
        QCOMPARE(info.value().parameters, std::int64_t{106222});
        QCOMPARE(info.value().sampleRate, 16000);
        QCOMPARE(info.value().cropFrames, 256); // num_frames
        QVERIFY(contains(info.value().summary, "SGMSE+"));
        for (const auto& s : speech::enhanceSamplers()) {
            if (s.id == "ode-rk45") continue; // adaptive: hundreds of evaluations on random weights
            if (s.id == speech::kPredictiveSampler) {
                // An SGMSE+ checkpoint is a score model: the one-pass sampler is refused by name.
                p.sampler = s.id;
                p.nfe = 0;
                auto refused = speech::enhance(p, a, JobContext{});
                QVERIFY(!refused);
                QVERIFY2(contains(refused.error().message, "score model"), refused.error().message.c_str());
                continue;
            }
            p.sampler = s.id;
            p.nfe = s.id == "pc" || s.id == "sgmse-pc" ? 4 : 3;
            auto r = speech::enhance(p, a, JobContext{});
            QVERIFY2(r, qPrintable(QString::fromStdString(s.id + ": " + (r ? "" : r.error().message))));
            QCOMPARE(r.value().enhanced.samples.size(), a.samples.size());
            QCOMPARE(r.value().nfe, std::int64_t(p.nfe));
            QVERIFY(std::all_of(r.value().enhanced.samples.begin(), r.value().enhanced.samples.end(),
                                [](float v) { return std::isfinite(v); }));
        }
        // A rate other than the checkpoint's is refused with the rate to use.
        a.sampleRate = 8000;
        p.sampler = "mrs-sde-1-data";
        p.nfe = 2;
        auto wrong = speech::enhance(p, a, JobContext{});
        QVERIFY(!wrong);
        QVERIFY2(contains(wrong.error().message, "16000"), wrong.error().message.c_str());
        // A checkpoint of another architecture is refused by name.
        p.modelDir = fixture("irsde_unet_small.pth");
        a.sampleRate = 16000;
        auto other = speech::enhance(p, a, JobContext{});
        QVERIFY(!other);
        qInfo("IR-SDE file as an enhancer: %s", other.error().message.c_str());
    }

    // A whole IR-SDE restoration of a published checkpoint against the official
    // IRSDE.reverse_posterior (tools/oracles/make_irsde_restore_fixture.py): the discrete cosine
    // schedule as the official code builds it, the start state, noise → x̂₀, the posterior steps.
    void irsdeRestoreMatchesUpstream() {
        const auto desc = readJson("irsde_restore.json");
        const int T = desc["T"].get<int>();
        const auto lq = readF32("irsde_restore_lq.bin", {1, 3, 30, 42});
        const auto ref = readF32("irsde_restore_output.bin", {1, 3, 30, 42});
        std::vector<at::Tensor> draws;
        for (int i = 0; i <= T; ++i) draws.push_back(readF32("irsde_restore_draw" + std::to_string(i) + ".bin", {1, 3, 30, 42}));

        // The schedule: the studio's IR-SDE on the official grid at the integer steps.
        sde::IrSdeParams ip;
        ip.lambda = desc["max_sigma"].get<double>() / 255.0;
        ip.T = T;
        ip.upstreamGrid = true;
        const auto s = sde::makeIrSde(ip);
        const auto cum = desc["schedule_check"]["thetas_cumsum_dt"].get<std::vector<double>>();
        const auto bars = desc["schedule_check"]["sigma_bars"].get<std::vector<double>>();
        double worst = 0;
        for (int t = 0; t <= T; ++t) {
            worst = std::max(worst, std::abs(-std::log(s->alpha(t)) - cum[std::size_t(t)]));
            worst = std::max(worst, std::abs(s->sigma(t) - bars[std::size_t(t)]));
        }
        qInfo("IR-SDE schedule vs upstream: max |diff| %.3g", worst);
        QVERIFY(worst < 1e-6);
        sde::IrSdeParams mine = ip;
        mine.upstreamGrid = false;
        QVERIFY(std::abs(sde::makeIrSde(mine)->sigma(1) - bars[1]) > 1e-3); // the studio's own grid differs

        restore::RestoreParams p;
        p.modelDir = fixture("irsde_unet_small.pth");
        p.sampler = "posterior";
        p.nfe = T;
        p.sdeSteps = T;
        p.lambda255 = desc["max_sigma"].get<double>();
        p.batch = 1;
        p.clamp = false;
        auto noise = solvers::NoiseSource::replay(draws);
        auto r = restore::restoreTensor(p, lq * 2.0 - 1.0, JobContext{}, &noise);
        QVERIFY2(r, r ? "" : r.error().message.c_str());
        // The official last step draws noise it multiplies by a std of ~1e-10; the studio's
        // posterior step with zero variance draws none.
        QCOMPARE(noise.replayed(), std::size_t(T));
        QCOMPARE(r.value().nfe, std::int64_t(T));
        const auto got = (r.value().x + 1.0) * 0.5;
        const double scale = ref.abs().max().item<double>();
        const double diff = (got - ref).abs().max().item<double>();
        qInfo("posterior vs upstream reverse_posterior: max |diff| %.3g of max |ref| %.3g", diff, scale);
        QVERIFY2(diff <= 1e-4 * scale, qPrintable(QString("max |diff| %1 (max |ref| %2)").arg(diff).arg(scale)));

        // The info the workbench shows, and a DA-CLIP file refused with the reason.
        auto info = restore::restorerInfo(p.modelDir);
        QVERIFY(info);
        QVERIFY(info.value().published);
        QCOMPARE(info.value().channels, 3);
        QVERIFY(contains(info.value().summary, "IR-SDE ConditionalUNet"));
        auto daclip = restore::restorerInfo(fixture("daclip_unet_small.pth"));
        QVERIFY(!daclip);
        qInfo("DA-CLIP as a restorer: %s", daclip.error().message.c_str());
        QVERIFY(contains(daclip.error().message, "CLIP image encoder"));
    }

    // Which network a file holds, from its tensor names only, and a models folder's listing.
    void scanFolder() {
        QTemporaryDir dir;
        auto put = [&](const std::string& from, const QString& to) {
            return QFile::copy(QString::fromStdString(fixture(from)), dir.filePath(to));
        };
        QVERIFY(put("sgmse_ncsnpp_small.ckpt", QStringLiteral("speech.ckpt")));
        QVERIFY(put("irsde_unet_small_module.pth", QStringLiteral("derain.pth")));
        QVERIFY(put("daclip_unet_small.pth", QStringLiteral("universal.pth")));
        QVERIFY(put("sgmse_enhance.json", QStringLiteral("notes.txt")));   // not a checkpoint suffix: ignored
        QVERIFY(put("sgmse_enhance.json", QStringLiteral("broken.pt")));   // a checkpoint suffix: skipped, with why
        const auto scan = scanModelsFolder(dir.path().toStdString());
        QCOMPARE(int(scan.found.size()), 3);
        QCOMPARE(scan.found[0].architectureId, std::string(kIrsdeUNetId)); // by file name: derain, speech, universal
        QCOMPARE(scan.found[1].architectureId, std::string(kSgmseNcsnppId));
        QCOMPARE(scan.found[2].architectureId, std::string(kDaclipUNetId));
        QCOMPARE(scan.found[1].architectureName, std::string("SGMSE+ NCSN++"));
        QCOMPARE(int(scan.skipped.size()), 1);
        QVERIFY2(contains(scan.skipped[0], "broken.pt"), scan.skipped[0].c_str());
        // The guess agrees with the full loader on every fixture.
        for (const auto& f : scan.found) {
            auto m = loadPublished(f.path);
            QVERIFY2(m, m ? "" : m.error().message.c_str());
            QCOMPARE(architectureId(m.value().card.architecture), f.architectureId);
        }
        QVERIFY(scanModelsFolder(dir.filePath(QStringLiteral("missing")).toStdString()).found.empty());
        QVERIFY(!identifyCheckpoint(dir.filePath(QStringLiteral("missing.ckpt")).toStdString()));
    }

    void sgmseRaw() {
        torch::NoGradGuard g;
        LoadOptions o;
        o.weights = WeightSource::Raw;
        auto m = mustLoad("sgmse_ncsnpp_small.ckpt", o);
        QVERIFY(contains(m.card.weights, "raw"));
        const auto x = readF32("sgmse_small_input_4ch.bin", {1, 4, 256, 64});
        const auto refRaw = readComplexAsChannels("sgmse_small_case0_dnn_output_raw.bin", {1, 1, 256, 64});
        const auto refEma = readComplexAsChannels("sgmse_small_case0_dnn_output.bin", {1, 1, 256, 64});
        const auto out = m.ncsnpp->forward(x, torch::tensor({0.5f}));
        CHECK_CLOSE_T(out, refRaw, 0.5, "SGMSE+ raw t=0.5");
        // The EMA matters: raw weights are far from the inference output.
        QVERIFY((out - refEma).abs().max().item<double>() > 0.5);

        o.weights = WeightSource::Ema;
        QVERIFY(contains(mustLoad("sgmse_ncsnpp_small.ckpt", o).card.weights, "EMA"));
    }

    void sgmseUncentered() {
        torch::NoGradGuard g;
        LoadOptions o;
        o.hparamOverrides = {{"centered", false}};
        auto m = mustLoad("sgmse_ncsnpp_small.ckpt", o);
        QCOMPARE(m.card.config["centered"].get<bool>(), false);
        const auto x = readF32("sgmse_small_input_4ch.bin", {1, 4, 256, 64});
        const auto ref = readComplexAsChannels("sgmse_small_uncentered_dnn_output.bin", {1, 1, 256, 64});
        CHECK_CLOSE_T(m.ncsnpp->forward(x, torch::tensor({0.5f})), ref, 0.5, "SGMSE+ centered=False t=0.5");

        auto m2 = mustLoad("sgmse_ncsnpp_small.ckpt");
        m2.ncsnpp->setCentered(false);
        CHECK_CLOSE_T(m2.ncsnpp->forward(x, torch::tensor({0.5f})), ref, 0.5, "SGMSE+ setCentered(false)");
    }

    void sgmseShapes() {
        torch::NoGradGuard g;
        auto m = mustLoad("sgmse_ncsnpp_small.ckpt");
        QVERIFY(m.ncsnpp->checkShape(256, 64).empty());
        QVERIFY(contains(m.ncsnpp->checkShape(256, 40), "multiples of 16"));
        QVERIFY(contains(m.ncsnpp->checkShape(128, 64), "256 bins"));
        bool threw = false;
        try {
            m.ncsnpp->forward(torch::zeros({1, 4, 128, 64}), torch::tensor({0.5f}));
        } catch (const std::invalid_argument& e) {
            threw = contains(e.what(), "frequency bins");
        }
        QVERIFY(threw);
    }

    // ---- IR-SDE -----------------------------------------------------------------------------

    void irsde_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("prefix");
        QTest::newRow("plain") << "irsde_unet_small.pth" << "";
        QTest::newRow("module-prefix") << "irsde_unet_small_module.pth" << "module.";
    }
    void irsde() {
        QFETCH(QString, file);
        QFETCH(QString, prefix);
        torch::NoGradGuard g;
        auto m = mustLoad(file.toStdString());
        QCOMPARE(m.card.architecture, Architecture::IrsdeUNet);
        QVERIFY(m.unet);
        QCOMPARE(m.card.strippedPrefix, prefix.toStdString());
        QCOMPARE(m.card.parameters, std::int64_t{195859});
        QCOMPARE(m.card.tensors, std::int64_t{87});
        QCOMPARE(m.card.config, (nlohmann::json{{"in_nc", 3}, {"out_nc", 3}, {"nf", 8}, {"depth", 2}}));
        QVERIFY(contains(m.card.summary(), "max_sigma"));

        const auto xt = readF32("irsde_small_x_t.bin", {1, 3, 30, 42});
        const auto mu = readF32("irsde_small_mu.bin", {1, 3, 30, 42});
        const auto ref0 = readF32("irsde_small_case0_output.bin", {1, 3, 30, 42});
        const auto ref1 = readF32("irsde_small_case1_output.bin", {1, 3, 30, 42});
        // upstream turns the Python int into torch.tensor([t]) (int64)
        const auto out0 = m.unet->forward(xt, mu, torch::tensor({std::int64_t{37}}));
        const auto out1 = m.unet->forward(xt, mu, torch::tensor({std::int64_t{100}}));
        QCOMPARE(out0.sizes().vec(), (std::vector<std::int64_t>{1, 3, 30, 42}));
        CHECK_CLOSE(out0, ref0, "IR-SDE t=37 (30x42 pad-and-crop)");
        CHECK_CLOSE(out1, ref1, "IR-SDE t=100");
        CHECK_CLOSE(m.unet->forward(xt, mu, torch::tensor({37.0f})), ref0, "IR-SDE float t=37");
    }

    void irsdeTooSmall() {
        torch::NoGradGuard g;
        auto m = mustLoad("irsde_unet_small.pth");
        bool threw = false;
        try {
            m.unet->forward(torch::zeros({1, 3, 2, 2}), torch::zeros({1, 3, 2, 2}), torch::tensor({1.0f}));
        } catch (const std::invalid_argument& e) {
            threw = contains(e.what(), "too small");
        }
        QVERIFY(threw);
    }

    // ---- DA-CLIP ----------------------------------------------------------------------------

    void daclip() {
        torch::NoGradGuard g;
        auto m = mustLoad("daclip_unet_small.pth");
        QCOMPARE(m.card.architecture, Architecture::DaclipUNet);
        QCOMPARE(m.card.parameters, std::int64_t{736355});
        QCOMPARE(m.card.tensors, std::int64_t{148});
        QCOMPARE(m.card.config["nf"].get<int>(), 32);
        QCOMPARE(m.card.config["ch_mult"].get<std::vector<int>>(), (std::vector<int>{1, 1, 1}));
        QCOMPARE(m.card.config["context_dim"].get<int>(), 16);
        QCOMPARE(m.card.config["use_degra_context"].get<bool>(), true);
        QCOMPARE(m.card.config["use_image_context"].get<bool>(), true);
        QVERIFY(contains(m.card.summary(), "image encoder"));

        const auto xt = readF32("daclip_small_x_t.bin", {1, 3, 30, 42});
        const auto mu = readF32("daclip_small_mu.bin", {1, 3, 30, 42});
        const auto text = readF32("daclip_small_text_context.bin", {1, 16});
        const auto image = readF32("daclip_small_image_context.bin", {1, 16});
        const auto ref0 = readF32("daclip_small_case0_output.bin", {1, 3, 30, 42});
        const auto ref1 = readF32("daclip_small_case1_output.bin", {1, 3, 30, 42});
        CHECK_CLOSE(m.unet->forward(xt, mu, torch::tensor({37.0f}), text, image), ref0, "DA-CLIP t=37");
        CHECK_CLOSE(m.unet->forward(xt, mu, torch::tensor({100.0f}), text, image), ref1, "DA-CLIP t=100");

        // The image context is required; a missing text context only skips the prompt.
        bool threw = false;
        try {
            m.unet->forward(xt, mu, torch::tensor({37.0f}), text, {});
        } catch (const std::invalid_argument& e) {
            threw = contains(e.what(), "image context");
        }
        QVERIFY(threw);
        const auto noText = m.unet->forward(xt, mu, torch::tensor({37.0f}), {}, image);
        QVERIFY((noText - ref0).abs().max().item<double>() > 1e-3);
        threw = false;
        try {
            m.unet->forward(xt, mu, torch::tensor({37.0f}), torch::zeros({1, 8}), image);
        } catch (const std::invalid_argument& e) {
            threw = contains(e.what(), "[B, 16]");
        }
        QVERIFY(threw);
    }

    // ---- manifests --------------------------------------------------------------------------

    void manifests_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("arch");
        QTest::addColumn<qint64>("params");
        QTest::addColumn<qint64>("keys");
        QTest::newRow("sgmse") << "sgmse_ncsnpp_default_manifest.json" << int(Architecture::SgmseNcsnpp)
                               << qint64(65590822) << qint64(647);
        QTest::newRow("irsde") << "irsde_unet_default_manifest.json" << int(Architecture::IrsdeUNet)
                               << qint64(137147523) << qint64(151);
        QTest::newRow("daclip") << "daclip_unet_default_manifest.json" << int(Architecture::DaclipUNet)
                                << qint64(48975747) << qint64(224);
    }
    void manifests() {
        QFETCH(QString, file);
        QFETCH(int, arch);
        QFETCH(qint64, params);
        QFETCH(qint64, keys);
        const auto r = checkManifest(fixture(file.toStdString()));
        QVERIFY2(r.ok(), r ? "" : r.error().message.c_str());
        QCOMPARE(int(r.value().architecture), arch);
        QCOMPARE(qint64(r.value().parameters), params);
        QCOMPARE(qint64(r.value().keys), keys);
    }

    void manifestMismatch() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::ifstream in(fixture("irsde_unet_default_manifest.json"));
        auto j = nlohmann::json::parse(in);
        j["keys"][5][1] = {999};
        const std::string path = dir.filePath("bad_manifest.json").toStdString();
        std::ofstream(path) << j.dump();
        const auto r = checkManifest(path);
        QVERIFY(!r.ok());
        QVERIFY2(contains(r.error().message, "downs.0.0.mlp.1.weight manifest [999] vs network [128, 256]"),
                 r.error().message.c_str());
    }

    // ---- bad inputs -------------------------------------------------------------------------

    void otherArchitecture() {
        LoadOptions o;
        o.expect = Architecture::SgmseNcsnpp;
        const auto e1 = loadError(fixture("irsde_unet_small.pth"), o);
        QVERIFY2(contains(e1, "a checkpoint of the IR-SDE ConditionalUNet, not of the SGMSE+ NCSN++"), e1.c_str());

        // A torch.save file of some other network (the formats fixtures).
        const auto e2 = loadError(REVERIE_SOURCE_DIR "/tests/fixtures/formats/state_dict.pt");
        QVERIFY2(contains(e2, "not an SGMSE+ NCSN++, IR-SDE or DA-CLIP checkpoint"), e2.c_str());

        // A latent-diffusion-like safetensors file.
        QTemporaryDir dir;
        const std::string path = dir.filePath("ldm.safetensors").toStdString();
        reverie::models::formats::NamedTensors t = {
            {"model.diffusion_model.input_blocks.0.0.weight", torch::zeros({4, 4, 3, 3})}};
        QVERIFY(reverie::models::formats::writeSafetensors(path, t).ok());
        const auto e3 = loadError(path);
        QVERIFY2(contains(e3, "latent-diffusion"), e3.c_str());

        QVERIFY(contains(loadError(fixture("no_such_file.pth")), "cannot open"));
        LoadOptions ema;
        ema.weights = WeightSource::Ema;
        QVERIFY(contains(loadError(fixture("irsde_unet_small.pth"), ema), "no separate EMA"));

        const auto d = detectArchitecture({"all_modules.0.W", "output_layer.weight"}, {{"backbone", "ncsnpp_v2"}});
        QVERIFY(!d.ok());
        QVERIFY2(contains(d.error().message, "ncsnpp_v2"), d.error().message.c_str());
    }

    void missingUnexpectedWrongShape() {
        QTemporaryDir dir;
        auto write = [&](const std::string& name, const NamedTensorList& t) {
            const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
            reverie::models::formats::NamedTensors nt(t.begin(), t.end());
            const auto w = reverie::models::formats::writeSafetensors(path, nt);
            if (!w) throw std::runtime_error(w.error().message);
            return path;
        };
        // The intact tensors load through the safetensors reader and still match the oracle.
        {
            torch::NoGradGuard g;
            const auto okPath = write("irsde.safetensors", irsdeTensors());
            auto r = loadPublished(okPath);
            QVERIFY2(r.ok(), r ? "" : r.error().message.c_str());
            QCOMPARE(r.value().card.container, std::string("safetensors"));
            const auto xt = readF32("irsde_small_x_t.bin", {1, 3, 30, 42});
            const auto mu = readF32("irsde_small_mu.bin", {1, 3, 30, 42});
            CHECK_CLOSE(r.value().unet->forward(xt, mu, torch::tensor({std::int64_t{37}})),
                        readF32("irsde_small_case0_output.bin", {1, 3, 30, 42}), "IR-SDE via safetensors");
        }
        {
            auto t = irsdeTensors();
            t.erase(std::remove_if(t.begin(), t.end(), [](const auto& kv) { return kv.first == "mid_attn.fn.norm.g"; }),
                    t.end());
            const auto e = loadError(write("missing.safetensors", t));
            QVERIFY2(contains(e, "1 missing tensor(s) (mid_attn.fn.norm.g)"), e.c_str());
        }
        {
            auto t = irsdeTensors();
            t.emplace_back("extra.weight", torch::zeros({2}));
            const auto e = loadError(write("unexpected.safetensors", t));
            QVERIFY2(contains(e, "1 unexpected tensor(s) (extra.weight)"), e.c_str());
        }
        {
            auto t = irsdeTensors();
            for (auto& kv : t)
                if (kv.first == "final_conv.bias") kv.second = torch::zeros({4});
            const auto e = loadError(write("shape.safetensors", t));
            QVERIFY2(contains(e, "wrong shape (final_conv.bias (file [4], network [3]))"), e.c_str());
        }
        {
            // SGMSE+ with a config that does not fit the weights.
            LoadOptions o;
            o.hparamOverrides = {{"nf", 16}};
            const auto e = loadError(fixture("sgmse_ncsnpp_small.ckpt"), o);
            QVERIFY2(contains(e, "wrong shape") && contains(e, "nf 16"), e.c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestPublished)
#include "tst_published.moc"
