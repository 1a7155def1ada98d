// Stable Diffusion 1.x's networks against the oracle fixtures of tools/oracles/make_clip_fixtures.py
// and make_sd_fixtures.py (OpenAI CLIP's own tokenizer and text tower, latent diffusion's UNet and
// autoencoder, run on seeded random weights): the tokenizer gives the official ids for tricky
// prompts; the text encoder, the UNet and the VAE load the SD 1.x key layouts (.safetensors, an
// fp16 .ckpt) and reproduce the official outputs; the full-size layouts match; files of other
// models are refused with what they are.

#include "models/formats/safetensors.h"
#include "models/published/bench.h"
#include "models/sd/clip_text.h"
#include "models/sd/tokenizer.h"
#include "models/sd/unet.h"
#include "models/sd/vae.h"

#include "fixtures.h"

#include <ATen/ATen.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace reverie;
using namespace reverie::models::sd;

namespace {

std::string fixture(const std::string& name) { return std::string(REVERIE_SOURCE_DIR "/tests/fixtures/sd/") + name; }

nlohmann::json readJson(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

std::string ids(const std::vector<std::int64_t>& v) {
    std::string s;
    for (auto i : v) s += std::to_string(i) + " ";
    return s;
}

} // namespace

class TestSd : public QObject {
    Q_OBJECT

    // A full-size manifest ([name, shape] in state-dict order) against the module's parameters:
    // same names in the same order, same shapes; `params` gets the parameter count.
    void matchesInOrder(const std::vector<std::pair<std::string, std::vector<std::int64_t>>>& mine, const nlohmann::json& m,
                        std::int64_t* params) {
        QCOMPARE(mine.size(), m.at("keys").size());
        for (std::size_t i = 0; i < mine.size(); ++i) {
            const auto& k = m.at("keys")[i];
            QCOMPARE(mine[i].first, k[0].get<std::string>());
            QVERIFY2(mine[i].second == k[1].get<std::vector<std::int64_t>>(), mine[i].first.c_str());
            std::int64_t n = 1;
            for (auto d : mine[i].second) n *= d;
            *params += n;
        }
    }

private Q_SLOTS:
    void tokenizerMatchesTheOfficialOne() {
        auto tok = ClipTokenizer::load();
        VERIFY_OK(tok);
        QCOMPARE(tok.value().vocabSize(), kClipVocabSize);
        QCOMPARE(tok.value().symbol(kClipStartId), std::string("<|startoftext|>"));
        QCOMPARE(tok.value().symbol(kClipEndId), std::string("<|endoftext|>"));
        const auto j = readJson(fixture("clip_tokens.json"));
        QCOMPARE(j.at("start").get<std::int64_t>(), kClipStartId);
        QCOMPARE(j.at("end").get<std::int64_t>(), kClipEndId);
        int n = 0;
        for (const auto& c : j.at("cases")) {
            const auto prompt = c.at("prompt").get<std::string>();
            const auto want = c.at("ids").get<std::vector<std::int64_t>>();
            const auto got = tok.value().encode(prompt);
            QVERIFY2(got == want, qPrintable(QString::fromStdString(prompt + "\n got  " + ids(got) + "\n want " + ids(want))));
            // decode() gives the official decode's text.
            QCOMPARE(tok.value().decode(got), c.at("decoded").get<std::string>());
            ++n;
        }
        QVERIFY(n >= 20);
    }

    void tokenizeLaysOutStableDiffusionsBatch() {
        auto tok = ClipTokenizer::load();
        VERIFY_OK(tok);
        const std::string longPrompt = [] {
            std::string s;
            for (int i = 0; i < 90; ++i) s += "cat ";
            return s;
        }();
        const auto b = tok.value().tokenize({"a photo of a cat", longPrompt, ""});
        QCOMPARE(b.ids.sizes().vec(), (std::vector<std::int64_t>{3, 77}));
        const auto row = [&](int i) {
            std::vector<std::int64_t> v(77);
            for (int k = 0; k < 77; ++k) v[std::size_t(k)] = b.ids[i][k].item<std::int64_t>();
            return v;
        };
        const auto r0 = row(0);
        // SOT, the five ids, EOT, then EOT padding (SD 1.x's tokenizer pads with <|endoftext|>).
        const std::vector<std::int64_t> head{kClipStartId, 320, 1125, 539, 320, 2368, kClipEndId};
        QVERIFY(std::equal(head.begin(), head.end(), r0.begin()));
        QVERIFY(std::all_of(r0.begin() + 7, r0.end(), [](auto v) { return v == kClipEndId; }));
        QCOMPARE(b.lengths[0], 7);
        QVERIFY(!b.truncated[0]);
        // 90 words: cut to 75 ids, EOT last.
        const auto r1 = row(1);
        QVERIFY(b.truncated[1]);
        QCOMPARE(b.lengths[1], 77);
        QCOMPARE(r1[76], kClipEndId);
        QCOMPARE(r1[75], std::int64_t(2368));
        // Empty: SOT, EOT, padding.
        QCOMPARE(row(2)[0], kClipStartId);
        QCOMPARE(row(2)[1], kClipEndId);
        QCOMPARE(b.lengths[2], 2);
        // OpenAI CLIP's own padding (0) on request.
        const auto z = tok.value().tokenize({"a cat"}, 77, 0);
        QCOMPARE(z.ids[0][4].item<std::int64_t>(), std::int64_t(0));
        QCOMPARE(z.ids[0][3].item<std::int64_t>(), kClipEndId);
    }

    // What ftfy.fix_text does to typed prompts (ftfy's documented defaults: uncurl_quotes,
    // fix_latin_ligatures, fix_character_width), and the rest of step 1, on known answers.
    void cleaningFollowsFtfyAndHtml() {
        QCOMPARE(ClipTokenizer::clean("\xE2\x80\x9Chello\xE2\x80\x9D don\xE2\x80\x99t"), std::string("\"hello\" don't"));
        QCOMPARE(ClipTokenizer::clean("\xEF\xAC\x81ne \xEF\xAC\x82ow"), std::string("fine flow"));            // ﬁ ﬂ
        QCOMPARE(ClipTokenizer::clean("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\x91"), std::string("ab1"));           // ＡＢ１
        QCOMPARE(ClipTokenizer::clean("&amp;amp; &#65;&#x42; &lt;"), std::string("& ab <"));                 // twice
        QCOMPARE(ClipTokenizer::clean("  A\t\n B  "), std::string("a b"));
        QCOMPARE(ClipTokenizer::clean("\xC4\xB0"), std::string("i\xCC\x87"));                                 // İ → i̇
        QCOMPARE(ClipTokenizer::clean("\xCE\xA3\xCE\x91\xCE\xA3"), std::string("\xCF\x83\xCE\xB1\xCF\x82")); // ΣΑΣ → σας
        // Curly-quoted contractions tokenize like straight ones.
        auto tok = ClipTokenizer::load();
        VERIFY_OK(tok);
        QCOMPARE(tok.value().encode("don\xE2\x80\x99t"), tok.value().encode("don't"));
        // Invalid UTF-8 does not throw: the bad byte is U+FFFD.
        QVERIFY(!tok.value().encode(std::string("ok \xFF\xFE ok")).empty());
        const auto pieces = ClipTokenizer::split("it's 12 cats!!");
        QCOMPARE(pieces, (std::vector<std::string>{"it", "'s", "1", "2", "cats", "!!"}));
    }

    void vocabularyFilesAreChecked() {
        QTemporaryDir dir;
        const auto write = [&](const char* name, const std::string& bytes) {
            const auto p = dir.filePath(QString::fromLatin1(name)).toStdString();
            std::ofstream(p, std::ios::binary) << bytes;
            return p;
        };
        const auto missing = ClipTokenizer::load(dir.filePath("none.txt.gz").toStdString());
        QVERIFY(!missing.ok() && missing.error().message.find("no such") != std::string::npos);
        const auto empty = ClipTokenizer::load(write("empty.txt", ""));
        QVERIFY2(!empty.ok() && empty.error().message.find("#version") != std::string::npos,
                 empty.ok() ? "" : empty.error().message.c_str());
        const auto short_ = ClipTokenizer::load(write("short.txt", "#version: 0.2\nt h\nth e\n"));
        QVERIFY2(!short_.ok() && short_.error().message.find("2 merges") != std::string::npos,
                 short_.ok() ? "" : short_.error().message.c_str());
        const auto bad = ClipTokenizer::load(write("bad.txt", "#version: 0.2\nthree word line\n"));
        QVERIFY2(!bad.ok() && bad.error().message.find("line 2") != std::string::npos, bad.ok() ? "" : bad.error().message.c_str());
    }

    void textEncoderMatchesTheOfficialOne() {
        const auto io = readJson(fixture("clip_text_small_io.json"));
        const auto cfg = io.at("config");
        const auto shape = io.at("shape").get<std::vector<std::int64_t>>();
        const auto want = torch::tensor(io.at("output").get<std::vector<float>>()).view(shape);
        const auto want16 = torch::tensor(io.at("output_fp16_weights").get<std::vector<float>>()).view(shape);
        std::vector<std::int64_t> flat;
        for (const auto& r : io.at("ids")) for (const auto& v : r) flat.push_back(v.get<std::int64_t>());
        const auto ids = torch::tensor(flat, torch::kLong).view({shape[0], shape[1]});
        // The fixture's ids are what our tokenizer gives for the same prompts.
        auto tok = ClipTokenizer::load();
        VERIFY_OK(tok);
        QVERIFY(at::equal(tok.value().tokenize(io.at("prompts").get<std::vector<std::string>>()).ids, ids));

        ClipTextOptions o;
        o.heads = cfg.at("heads").get<std::int64_t>();
        auto enc = loadClipTextEncoder(fixture("clip_text_small.safetensors"), o);
        VERIFY_OK(enc);
        QCOMPARE(enc.value().prefix, std::string("cond_stage_model.transformer.text_model."));
        QCOMPARE(enc.value().model->config().width, cfg.at("width").get<std::int64_t>());
        QCOMPARE(enc.value().model->config().layers, cfg.at("layers").get<std::int64_t>());
        QCOMPARE(enc.value().model->config().mlp, cfg.at("mlp").get<std::int64_t>());
        QCOMPARE(enc.value().model->config().vocab, kClipVocabSize);
        at::Tensor got;
        {
            torch::NoGradGuard ng;
            got = enc.value().model->forward(ids);
        }
        const double err = (got - want).abs().max().item<double>();
        qInfo("CLIP text (safetensors, float32): max |diff| %.3g", err);
        QVERIFY2(err < 1e-5, qPrintable(QString::number(err)));

        // The fp16 .ckpt (ldm layout with state_dict, position_ids and a UNet neighbour).
        auto half = loadClipTextEncoder(fixture("clip_text_small_fp16.ckpt"), o);
        VERIFY_OK(half);
        QCOMPARE(half.value().storedDtype, std::string("Half"));
        QVERIFY(half.value().container.find("state_dict") != std::string::npos);
        {
            torch::NoGradGuard ng;
            got = half.value().model->forward(ids);
        }
        const double err16 = (got - want16).abs().max().item<double>();
        qInfo("CLIP text (fp16 .ckpt, computed in float32): max |diff| %.3g", err16);
        QVERIFY2(err16 < 1e-5, qPrintable(QString::number(err16)));
        // A causal encoder: a token's state depends only on the tokens before it.
        auto changed = ids.clone();
        changed[0][10] = 320;
        at::Tensor again;
        {
            torch::NoGradGuard ng;
            again = enc.value().model->forward(changed);
            got = enc.value().model->forward(ids);
        }
        QVERIFY(at::allclose(again[0].slice(0, 0, 10), got[0].slice(0, 0, 10)));
        QVERIFY(!at::allclose(again[0].slice(0, 10, 11), got[0].slice(0, 10, 11)));
    }

    void fullSizeLayoutMatches() {
        const auto m = readJson(fixture("clip_text_vitl14_manifest.json"));
        ClipTextConfig c; // ViT-L/14 defaults
        QCOMPARE(m.at("config").at("width").get<std::int64_t>(), c.width);
        QCOMPARE(m.at("config").at("layers").get<std::int64_t>(), c.layers);
        QCOMPARE(m.at("config").at("heads").get<std::int64_t>(), c.heads);
        QCOMPARE(m.at("config").at("mlp").get<std::int64_t>(), c.mlp);
        const auto mine = clipTextShapes(c);
        std::map<std::string, std::vector<std::int64_t>> want;
        for (const auto& k : m.at("keys")) want[k[0].get<std::string>()] = k[1].get<std::vector<std::int64_t>>();
        QCOMPARE(mine.size(), want.size());
        std::int64_t params = 0;
        for (const auto& [name, shape] : mine) {
            QVERIFY2(want.count(name), name.c_str());
            QVERIFY2(want[name] == shape, name.c_str());
            std::int64_t n = 1;
            for (auto d : shape) n *= d;
            params += n;
        }
        QCOMPARE(params, m.at("num_parameters").get<std::int64_t>());
        QCOMPARE(params, std::int64_t(123060480));
    }

    void benchTimesTheFullSizeEncoder() {
        models::published::PublishedBenchParams p;
        p.sgmse = p.irsde = p.sdUnet = p.sdVae = false;
        p.repeats = 1;
        const auto r = models::published::runPublishedBench(p, {});
        VERIFY_OK(r);
        const auto j = nlohmann::json::parse(r.value().json);
        QCOMPARE(j.at("networks").size(), std::size_t(1));
        const auto& row = j.at("networks")[0];
        QCOMPARE(row.at("network").get<std::string>(), std::string("sd1_clip_text"));
        QCOMPARE(row.at("parameters").get<std::int64_t>(), std::int64_t(123060480));
        QVERIFY(row.at("seconds_per_evaluation").get<double>() > 0);
        QVERIFY(row.at("tokenize_seconds").get<double>() > 0);
        qInfo("%s", r.value().table.c_str());
    }

    void unetMatchesTheOfficialOne() {
        const auto io = readJson(fixture("sd_unet_small_io.json"));
        const auto cfg = io.at("config");
        auto tensor = [&](const char* key, const char* shapeKey) {
            return torch::tensor(io.at(key).get<std::vector<float>>()).view(io.at(shapeKey).get<std::vector<std::int64_t>>());
        };
        const auto x = tensor("x", "x_shape"), ctx = tensor("context", "context_shape"), want = tensor("output", "output_shape");
        const auto t = torch::tensor(io.at("t").get<std::vector<float>>());
        SdUNetOptions o;
        o.numHeads = cfg.at("num_heads").get<std::int64_t>();
        auto unet = loadSdUNet(fixture("sd_unet_small.safetensors"), o);
        VERIFY_OK(unet);
        const auto& c = unet.value().model->config();
        // The configuration read from the shapes is the one the oracle was built with.
        QCOMPARE(unet.value().prefix, std::string("model.diffusion_model."));
        QCOMPARE(unet.value().storedDtype, std::string("Half"));
        QCOMPARE(c.modelChannels, cfg.at("model_channels").get<std::int64_t>());
        QCOMPARE(c.channelMult, cfg.at("channel_mult").get<std::vector<std::int64_t>>());
        QCOMPARE(c.numResBlocks, cfg.at("num_res_blocks").get<std::int64_t>());
        auto att = cfg.at("attention_resolutions").get<std::vector<std::int64_t>>();
        std::sort(att.begin(), att.end());
        QCOMPARE(c.attentionResolutions, att);
        QCOMPARE(c.transformerDepth, cfg.at("transformer_depth").get<std::int64_t>());
        QCOMPARE(c.contextDim, cfg.at("context_dim").get<std::int64_t>());
        at::Tensor got;
        {
            torch::NoGradGuard ng;
            got = unet.value().model->forward(x, t, ctx);
        }
        QCOMPARE(got.sizes().vec(), want.sizes().vec());
        const double err = (got - want).abs().max().item<double>(), scale = want.abs().max().item<double>();
        qInfo("SD UNet (fp16 safetensors, computed in float32): max |diff| %.3g of max |output| %.3g", err, scale);
        QVERIFY2(err <= 1e-5 * std::max(1.0, scale), qPrintable(QString::number(err)));
        // The timestep and the context both reach the output.
        {
            torch::NoGradGuard ng;
            QVERIFY(!at::allclose(unet.value().model->forward(x, t + 100, ctx), got));
            QVERIFY(!at::allclose(unet.value().model->forward(x, t, ctx * 0.5), got));
        }
        // Sizes that do not divide by the downsampling are refused, not cropped.
        bool threw = false;
        try {
            torch::NoGradGuard ng;
            (void)unet.value().model->forward(x.slice(2, 0, 15), t, ctx);
        } catch (const std::exception& e) {
            threw = QString::fromUtf8(e.what()).contains(QStringLiteral("multiples of 2"));
        }
        QVERIFY(threw);
    }

    void unetFullSizeLayoutMatches() {
        const auto m = readJson(fixture("sd_unet_v1_manifest.json"));
        const auto mine = sdUNetShapes(SdUNetConfig{}); // SD 1.x defaults
        std::int64_t params = 0;
        matchesInOrder(mine, m, &params);
        if (QTest::currentTestFailed()) return;
        QCOMPARE(params, m.at("num_parameters").get<std::int64_t>());
        QCOMPARE(params, std::int64_t(859520964));
    }

    void vaeMatchesTheOfficialOne() {
        const auto io = readJson(fixture("sd_vae_small_io.json"));
        auto tensor = [&](const char* key, const char* shapeKey) {
            return torch::tensor(io.at(key).get<std::vector<float>>()).view(io.at(shapeKey).get<std::vector<std::int64_t>>());
        };
        auto vae = loadSdVae(fixture("sd_vae_small.safetensors"));
        VERIFY_OK(vae);
        auto& m = vae.value().model;
        QCOMPARE(vae.value().prefix, std::string("first_stage_model."));
        QCOMPARE(m->config().ch, io.at("config").at("ch").get<std::int64_t>());
        QCOMPARE(m->config().chMult, io.at("config").at("ch_mult").get<std::vector<std::int64_t>>());
        QCOMPARE(m->config().numResBlocks, io.at("config").at("num_res_blocks").get<std::int64_t>());
        QCOMPARE(m->config().attentionLevels, std::vector<std::int64_t>{1}); // attn_resolutions [8] of 16
        QCOMPARE(m->downsampling(), std::int64_t(2));
        const auto moments = tensor("moments", "moments_shape"), decoded = tensor("decoded", "decoded_shape");
        at::Tensor mean, logvar, dec;
        {
            torch::NoGradGuard ng;
            std::tie(mean, logvar) = m->encode(tensor("image", "image_shape"));
            dec = m->decode(tensor("z", "z_shape"));
        }
        const auto want = moments.chunk(2, 1);
        const double errMean = (mean - want[0]).abs().max().item<double>();
        const double errVar = (logvar - want[1].clamp(-30.0, 20.0)).abs().max().item<double>();
        const double errDec = (dec - decoded).abs().max().item<double>(), scale = decoded.abs().max().item<double>();
        qInfo("SD VAE (fp16 safetensors): encoder mean %.3g, log-variance %.3g, decoder %.3g of max |image| %.3g", errMean, errVar,
              errDec, scale);
        QVERIFY(errMean < 1e-5 && errVar < 1e-5);
        QVERIFY2(errDec <= 1e-5 * std::max(1.0, scale), qPrintable(QString::number(errDec)));
        // The UNet's latent is the scaled mean, and image() undoes the scale.
        {
            torch::NoGradGuard ng;
            const auto img = tensor("image", "image_shape");
            QVERIFY(at::allclose(m->latents(img), mean * 0.18215));
            QVERIFY(at::allclose(m->image(mean * 0.18215), m->decode(mean), 1e-4, 1e-4)); // x·s/s rounds in float32
        }
    }

    void vaeFullSizeLayoutMatches() {
        const auto m = readJson(fixture("sd_vae_v1_manifest.json"));
        const auto mine = sdVaeShapes(SdVaeConfig{});
        std::int64_t params = 0;
        matchesInOrder(mine, m, &params);
        if (QTest::currentTestFailed()) return;
        QCOMPARE(params, std::int64_t(83653863));
        QCOMPARE(params, m.at("num_parameters").get<std::int64_t>());
    }

    void otherModelsAreRefusedWithWhatTheyAre() {
        using Named = std::vector<std::pair<std::string, at::Tensor>>;
        const auto t = at::zeros({2, 2});
        auto refused = [](const Result<ClipTextEncoder>& r, const char* what) {
            return !r.ok() && r.error().message.find(what) != std::string::npos;
        };
        QVERIFY(refused(clipTextEncoderFromTensors(Named{{"cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight", t},
                                                         {"cond_stage_model.model.token_embedding.weight", t}}),
                        "Stable Diffusion 2.x"));
        QVERIFY(refused(clipTextEncoderFromTensors(Named{{"conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight", t}}),
                        "SDXL"));
        QVERIFY(refused(clipTextEncoderFromTensors(Named{{"model.diffusion_model.input_blocks.0.0.weight", t}}), "no cond_stage_model"));
        auto unetRefused = [](const Result<LoadedSdUNet>& r, const char* what) {
            return !r.ok() && r.error().message.find(what) != std::string::npos;
        };
        {
            const auto r = sdVaeFromTensors(Named{{"model.diffusion_model.input_blocks.0.0.weight", t}});
            QVERIFY2(!r.ok() && r.error().message.find("no VAE weights") != std::string::npos &&
                         r.error().message.find("separate VAE file") != std::string::npos,
                     r.ok() ? "accepted" : r.error().message.c_str());
        }
        QVERIFY(unetRefused(sdUNetFromTensors(Named{{"model.diffusion_model.label_emb.0.0.weight", t},
                                                    {"model.diffusion_model.input_blocks.0.0.weight", t}}), "SDXL"));
        QVERIFY(unetRefused(sdUNetFromTensors(Named{{"down_blocks.0.resnets.0.conv1.weight", t}, {"up_blocks.0.resnets.0.conv1.weight", t}}),
                            "diffusers"));
        {
            auto u = models::formats::readSafetensors(fixture("sd_unet_small.safetensors"));
            VERIFY_OK(u);
            Named most;
            for (const auto& [k, v] : u.value().tensors)
                if (k.find("output_blocks.2.1.transformer_blocks.0.attn2.to_v.weight") == std::string::npos) most.emplace_back(k, v);
            const auto r = sdUNetFromTensors(most);
            QVERIFY2(unetRefused(r, "attn2.to_v"), r.ok() ? "accepted" : r.error().message.c_str());
        }
        // A missing tensor is named.
        auto full = models::formats::readSafetensors(fixture("clip_text_small.safetensors"));
        VERIFY_OK(full);
        Named some;
        for (const auto& [k, v] : full.value().tensors)
            if (k.find("layers.1.mlp.fc2.bias") == std::string::npos) some.emplace_back(k, v);
        ClipTextOptions o;
        o.heads = 2;
        const auto r = clipTextEncoderFromTensors(some, o);
        QVERIFY2(refused(r, "fc2.bias"), r.ok() ? "accepted" : r.error().message.c_str());
        // Heads that do not divide the width.
        o.heads = 3;
        QVERIFY(refused(clipTextEncoderFromTensors(full.value().tensors, o), "multiple of 3 heads"));
        // Not a checkpoint at all.
        QTemporaryDir dir;
        const auto junk = dir.filePath("junk.safetensors").toStdString();
        std::ofstream(junk, std::ios::binary) << "not a checkpoint";
        QVERIFY(!loadClipTextEncoder(junk).ok());
        QVERIFY(!loadClipTextEncoder(dir.filePath("missing.ckpt").toStdString()).ok());
    }
};

QTEST_GUILESS_MAIN(TestSd)
#include "tst_sd.moc"
