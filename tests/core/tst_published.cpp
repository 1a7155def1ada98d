// The published networks (SGMSE+ NCSN++, IR-SDE ConditionalUNet, DA-CLIP UNet) against the oracle
// fixtures of tools/oracles/make_published_fixtures.py: every checkpoint is read through the
// real readers in its on-disk layout and must reproduce the upstream outputs.

#include "models/formats/safetensors.h"
#include "models/formats/torchzip.h"
#include "models/published/load.h"

#include <ATen/ATen.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

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
        QVERIFY2(contains(e1, "IR-SDE ConditionalUNet checkpoint, not an SGMSE+ NCSN++"), e1.c_str());

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
