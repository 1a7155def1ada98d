// Checkpoint readers: safetensors (read/write), the restricted unpickler and torch.save zip
// archives. Legitimate files come from tools/oracles/make_format_cases.py (real torch.save, with
// expected values in expected.json); hostile and corrupt files are built here, byte by byte.

#include "models/formats/pickle.h"
#include "models/formats/safetensors.h"
#include "models/formats/torchzip.h"

#include "fixtures.h"

#include <ATen/ATen.h>
#include <caffe2/serialize/inline_container.h>
#include <nlohmann/json.hpp>

#include <QtTest>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace reverie;
using namespace reverie::models::formats;
using json = nlohmann::json;

namespace {

std::string fixture(const std::string& name) { return std::string(REVERIE_SOURCE_DIR "/tests/fixtures/formats/") + name; }

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const json& expected() {
    static const json j = json::parse(readFile(fixture("expected.json")));
    return j;
}

/// "" if `t` matches the oracle's description {name, dtype, shape, values}, else what differs.
std::string mismatch(const at::Tensor& t, const json& want) {
    const std::string name = want.at("name");
    if (!t.defined()) return name + ": undefined";
    if (c10::toString(t.scalar_type()) != want.at("dtype").get<std::string>())
        return name + ": dtype " + c10::toString(t.scalar_type()) + " instead of " + want.at("dtype").get<std::string>();
    if (t.sizes().vec() != want.at("shape").get<std::vector<std::int64_t>>()) return name + ": shape differs";
    const auto& values = want.at("values");
    if (static_cast<std::size_t>(t.numel()) != values.size()) return name + ": element count differs";
    const auto flat = t.reshape({-1});
    const bool integral = at::isIntegralType(t.scalar_type(), /*includeBool=*/true);
    const auto asLong = integral ? flat.to(at::kLong) : at::Tensor();
    const auto asDouble = integral ? at::Tensor() : flat.to(at::kDouble);
    for (std::size_t i = 0; i < values.size(); ++i) {
        const auto k = static_cast<std::int64_t>(i);
        if (integral ? asLong[k].item<std::int64_t>() != values[i].get<std::int64_t>()
                     : asDouble[k].item<double>() != values[i].get<double>())
            return name + ": element " + std::to_string(i) + " differs";
    }
    return {};
}

/// Compares a list of named tensors with the oracle's list, names and order included.
void compareAll(const NamedTensors& got, const json& want) {
    QCOMPARE(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        QCOMPARE(QString::fromStdString(got[i].first), QString::fromStdString(want[i].at("name").get<std::string>()));
        const auto why = mismatch(got[i].second, want[i]);
        QVERIFY2(why.empty(), why.c_str());
    }
}

/// Checks every {path, int|float|string|bool|bigint|bytes} of the oracle against the tree.
void compareScalars(const PickleValue& root, const json& scalars) {
    for (const auto& s : scalars) {
        const std::string path = s.at("path");
        const auto* v = findValue(root, path);
        QVERIFY2(v, ("missing " + path).c_str());
        if (s.contains("int")) {
            QVERIFY2(findInt(root, path) == s.at("int").get<std::int64_t>(), path.c_str());
        } else if (s.contains("float")) {
            QVERIFY2(findDouble(root, path) == s.at("float").get<double>(), path.c_str());
        } else if (s.contains("string")) {
            QVERIFY2(findString(root, path) == s.at("string").get<std::string>(), path.c_str());
        } else if (s.contains("bool")) {
            QVERIFY2(findBool(root, path) == s.at("bool").get<bool>(), path.c_str());
        } else if (s.contains("bigint")) {
            QVERIFY2(v->is(PickleKind::BigInt) && v->raw() == s.at("bigint").get<std::string>(), path.c_str());
        } else if (s.contains("bytes")) {
            const auto want = s.at("bytes").get<std::vector<int>>();
            std::string bytes(want.begin(), want.end());
            QVERIFY2(v->is(PickleKind::Bytes) && v->raw() == bytes, path.c_str());
        }
    }
}

// ---- hand-made files -----------------------------------------------------------------------

std::string le64(std::uint64_t v) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
}

/// A safetensors file from header text and data bytes.
QByteArray safetensorsBytes(const std::string& header, const std::string& data) {
    const std::string s = le64(header.size()) + header + data;
    return QByteArray(s.data(), static_cast<qsizetype>(s.size()));
}

/// A pickle, opcode by opcode.
struct P {
    std::string s = std::string("\x80\x02", 2);
    P& op(char c) {
        s += c;
        return *this;
    }
    P& raw(const std::string& b) {
        s += b;
        return *this;
    }
    template <std::size_t N>
    P& raw(const char (&b)[N]) { // a literal, embedded NULs included
        s.append(b, N - 1);
        return *this;
    }
    P& str(const std::string& t) { // BINUNICODE
        s += 'X';
        for (int i = 0; i < 4; ++i) s += static_cast<char>((t.size() >> (8 * i)) & 0xff);
        s += t;
        return *this;
    }
    P& i32(std::int32_t v) { // BININT
        s += 'J';
        for (int i = 0; i < 4; ++i) s += static_cast<char>((static_cast<std::uint32_t>(v) >> (8 * i)) & 0xff);
        return *this;
    }
    P& i64(std::int64_t v) { // LONG1 with 8 bytes
        s += "\x8a\x08";
        for (int i = 0; i < 8; ++i) s += static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff);
        return *this;
    }
    P& global(const std::string& m, const std::string& n) {
        s += 'c' + m + '\n' + n + '\n';
        return *this;
    }
    P& ints(const std::vector<std::int64_t>& v) { // a tuple of ints
        op('(');
        for (auto x : v) i64(x);
        return op('t');
    }
    /// _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict())
    P& tensor(const std::string& storageType, const std::string& key, std::int64_t numel, std::int64_t offset,
              const std::vector<std::int64_t>& size, const std::vector<std::int64_t>& stride) {
        global("torch._utils", "_rebuild_tensor_v2").op('(');
        op('(').str("storage").global("torch", storageType).str(key).str("cpu").i64(numel).op('t').op('Q');
        i64(offset).ints(size).ints(stride).op('\x89').global("collections", "OrderedDict").op(')').op('R');
        return op('t').op('R');
    }
    std::string done() { return s + '.'; }
};

/// A torch.save-like zip archive with the given records (data.pkl, data/0, …).
std::string zipOf(const std::vector<std::pair<std::string, std::string>>& records, bool compress = false) {
    std::string out;
    {
        caffe2::serialize::PyTorchStreamWriter w([&](const void* d, std::size_t n) {
            out.append(static_cast<const char*>(d), n);
            return n;
        });
        for (const auto& [name, bytes] : records) w.writeRecord(name, bytes.data(), bytes.size(), compress);
        w.writeEndOfFile();
    }
    return out;
}

std::string floats(std::initializer_list<float> v) {
    std::string s(v.size() * 4, '\0');
    std::memcpy(s.data(), std::data(v), s.size());
    return s;
}

QString message(const Error& e) { return QString::fromStdString(e.message); }

} // namespace

class TestFormats : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // ============================ safetensors ============================================

    void safetensorsRoundTrip_data() {
        QTest::addColumn<int>("which");
        QTest::addColumn<bool>("copy");
        const char* names[] = {"f32", "f16", "bf16", "f64", "i64", "i32", "i16", "i8", "u8", "bool", "scalar", "empty", "transposed"};
        for (int i = 0; i < 13; ++i) {
            QTest::addRow("%s mapped", names[i]) << i << false;
            QTest::addRow("%s copied", names[i]) << i << true;
        }
    }
    void safetensorsRoundTrip() {
        QFETCH(int, which);
        QFETCH(bool, copy);
        at::manual_seed(1);
        const auto r = at::randn({3, 4}) * 100;
        const at::Tensor cases[] = {
            r, r.to(at::kHalf), r.to(at::kBFloat16), r.to(at::kDouble), (r * 1e7).to(at::kLong) * 1000003,
            r.to(at::kInt), r.to(at::kShort), r.clamp(-128, 127).to(at::kChar), r.abs().clamp(0, 255).to(at::kByte),
            r > 0, at::scalar_tensor(2.5), at::zeros({0, 4}), r.t()};
        const auto t = cases[which];
        const auto one = at::arange(5, at::kFloat);
        QTemporaryDir dir;
        const auto path = dir.filePath("w.safetensors").toStdString();
        // A 1-byte tensor first: the writer must still align the others.
        const NamedTensors in = {{"z.flag", at::ones({1}, at::kByte)}, {"the.tensor", t}, {"a.one", one}};
        const auto w = writeSafetensors(path, in, {{"format", "pt"}, {"note", "ünïcode"}});
        VERIFY_OK(w);
        safetensors::ReadOptions opts;
        opts.copy = copy;
        const auto f = readSafetensors(path, opts);
        VERIFY_OK(f);
        const auto& got = f.value();
        QCOMPARE(got.tensors.size(), std::size_t(3));
        QCOMPARE(QString::fromStdString(got.tensors[0].first), QStringLiteral("z.flag")); // header order kept
        QCOMPARE(QString::fromStdString(got.tensors[1].first), QStringLiteral("the.tensor"));
        const auto& back = got.tensors[1].second;
        QCOMPARE(back.scalar_type(), t.scalar_type());
        QVERIFY(back.sizes().vec() == t.sizes().vec());
        QVERIFY(back.is_contiguous());
        QVERIFY(at::equal(back, t));
        QVERIFY(at::equal(*got.find("a.one"), one));
        QVERIFY(got.find("missing") == nullptr);
        QCOMPARE(got.metadata.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(got.metadata.at("note")), QStringLiteral("ünïcode"));
        // Everything is aligned to its element size in the file (so mapping needs no copies).
        const std::string bytes = readFile(path);
        std::uint64_t n = 0;
        std::memcpy(&n, bytes.data(), 8);
        QCOMPARE((8 + n) % 8, std::uint64_t(0));
        // The tensors outlive the reader (the mapping is kept alive by them).
        at::Tensor survivor = got.tensors[2].second;
        QVERIFY(at::equal(survivor, one));
    }

    void safetensorsMappedTensorsAreCopyOnWrite() {
        QTemporaryDir dir;
        const auto path = dir.filePath("w.safetensors").toStdString();
        QVERIFY(writeSafetensors(path, {{"w", at::arange(6, at::kFloat)}}).ok());
        {
            auto f = readSafetensors(path);
            QVERIFY(f.ok());
            f.value().tensors[0].second.mul_(10); // writes into this process's private pages only
            QCOMPARE(f.value().tensors[0].second[5].item<float>(), 50.f);
        }
        const auto again = readSafetensors(path);
        QVERIFY(again.ok());
        QVERIFY(at::equal(again.value().tensors[0].second, at::arange(6, at::kFloat)));
    }

    void safetensorsReadsAFileWrittenFromTheSpec() {
        const auto f = readSafetensors(fixture("sample.safetensors"));
        VERIFY_OK(f);
        const auto& want = expected().at("sample.safetensors");
        compareAll(f.value().tensors, want.at("tensors"));
        QVERIFY(f.value().metadata == (want.at("metadata").get<std::map<std::string, std::string>>()));
        // The same bytes from memory.
        const auto m = readSafetensorsFromMemory(readFile(fixture("sample.safetensors")));
        QVERIFY(m.ok());
        compareAll(m.value().tensors, want.at("tensors"));
    }

    void safetensorsRejects_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("error");
        const std::string f4 = std::string(4, '\0'), f8 = std::string(8, '\0');
        QTest::newRow("empty") << QByteArray() << "too short";
        QTest::newRow("4 bytes") << QByteArray("abcd") << "too short";
        QTest::newRow("header longer than the file")
            << QByteArray::fromStdString(le64(1000) + "{}") << "claims 1000 bytes but only 2 follow";
        QTest::newRow("header length near 2^64")
            << QByteArray::fromStdString(le64(~0ull) + "{}") << "truncated, or not a safetensors file";
        QTest::newRow("no brace") << safetensorsBytes("[1,2]   ", "") << "does not start with '{'";
        QTest::newRow("not json") << safetensorsBytes("{\"a\":", "") << "not valid JSON";
        QTest::newRow("invalid utf-8 name") << safetensorsBytes("{\"\xff\":1}", "") << "not valid JSON";
        QTest::newRow("entry not an object") << safetensorsBytes("{\"a\":1}", "") << "not described by a JSON object";
        QTest::newRow("no dtype")
            << safetensorsBytes(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", f4) << "has no dtype";
        QTest::newRow("no offsets") << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[1]}})", f4) << "no data_offsets";
        QTest::newRow("unknown dtype")
            << safetensorsBytes(R"({"a":{"dtype":"F7","shape":[1],"data_offsets":[0,4]}})", f4) << "unknown dtype 'F7'";
        QTest::newRow("dtype LibTorch lacks")
            << safetensorsBytes(R"({"a":{"dtype":"U16","shape":[2],"data_offsets":[0,4]}})", f4) << "cannot load";
        QTest::newRow("negative dimension")
            << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", f4) << "non-negative integer";
        QTest::newRow("fractional dimension")
            << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", f4) << "non-negative integer";
        QTest::newRow("enormous shape (overflow)")
            << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}})", f4)
            << "shape overflows";
        QTest::newRow("enormous shape (bytes overflow)")
            << safetensorsBytes(R"({"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,4]}})", f4)
            << "shape overflows";
        QTest::newRow("enormous shape (beyond the file)")
            << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4398046511104]}})", f4)
            << "beyond the end of the data";
        QTest::newRow("size and offsets disagree")
            << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", f4) << "need 8";
        QTest::newRow("offsets reversed")
            << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}})", f4) << "end before they begin";
        QTest::newRow("overlapping tensors")
            << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                std::string(12, '\0'))
            << "overlaps";
        QTest::newRow("same bytes twice")
            << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}})", f4)
            << "overlaps";
        QTest::newRow("gap")
            << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                                std::string(12, '\0'))
            << "gap of 4 bytes";
        QTest::newRow("trailing bytes")
            << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", f8) << "belong to no tensor";
        QTest::newRow("duplicate name")
            << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", f8)
            << "twice";
        QTest::newRow("metadata not strings")
            << safetensorsBytes(R"({"__metadata__":{"epoch":3}})", "") << "is not a string";
        QTest::newRow("bool byte 2")
            << safetensorsBytes(R"({"a":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", std::string("\x01\x02", 2))
            << "neither 0 nor 1";
        std::string dims = "[1";
        for (int i = 0; i < 64; ++i) dims += ",1";
        QTest::newRow("65 dimensions")
            << safetensorsBytes(R"({"a":{"dtype":"F32","shape":)" + dims + R"(],"data_offsets":[0,4]}})", f4) << "65 dimensions";
    }
    void safetensorsRejects() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, error);
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = readSafetensorsFromMemory(bytes.toStdString());
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, ErrorKind::InvalidInput);
        QVERIFY2(message(r.error()).contains(error), r.error().message.c_str());
        // Refused from the header alone: no time spent on the (claimed) data.
        QVERIFY(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
        // The same through a file.
        QTemporaryDir dir;
        const auto path = dir.filePath("bad.safetensors");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
        f.close();
        const auto rf = readSafetensors(path.toStdString());
        QVERIFY(!rf.ok());
        QVERIFY2(message(rf.error()).contains(error) || bytes.size() < 8, rf.error().message.c_str());
    }

    void safetensorsHeaderCap() {
        safetensors::ReadOptions opts;
        opts.maxHeaderBytes = 16;
        const auto r = readSafetensorsFromMemory(safetensorsBytes(R"({"__metadata__":{"a":"bcdefghij"}})", "").toStdString(), opts);
        QVERIFY(!r.ok());
        QVERIFY2(message(r.error()).contains("more than the limit"), r.error().message.c_str());
    }

    void safetensorsWriterRefuses() {
        QTemporaryDir dir;
        const auto path = dir.filePath("x.safetensors").toStdString();
        const auto t = at::ones({2});
        QVERIFY(!writeSafetensors(path, {{"a", t}, {"a", t}}).ok());
        QVERIFY(!writeSafetensors(path, {{"__metadata__", t}}).ok());
        QVERIFY(!writeSafetensors(path, {{"", t}}).ok());
        QVERIFY(!writeSafetensors(path, {{"u", at::Tensor()}}).ok());
        const auto c = writeSafetensors(path, {{"c", at::ones({2}, at::kComplexFloat)}});
        QVERIFY(!c.ok());
        QVERIFY2(message(c.error()).contains("safetensors cannot hold"), c.error().message.c_str());
        QVERIFY(!std::filesystem::exists(path));
        // No folder: fails cleanly; an existing file is replaced only by a complete one.
        QVERIFY(!writeSafetensors(dir.filePath("no/such/dir/x.safetensors").toStdString(), {{"a", t}}).ok());
        QVERIFY(writeSafetensors(path, {{"a", t}}).ok());
        QVERIFY(writeSafetensors(path, {{"b", t * 2}}).ok());
        const auto f = readSafetensors(path);
        QVERIFY(f.ok() && f.value().find("b") && !f.value().find("a"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1); // no temporary left
    }

    // ============================ torch.save archives ====================================

    void torchStateDict() {
        const auto f = readTorchZip(fixture("state_dict.pt"));
        VERIFY_OK(f);
        const auto& root = f.value().root();
        QVERIFY(root.is(PickleKind::Dict));
        QVERIFY(root.ordered()); // collections.OrderedDict
        QVERIFY(root.state() && root.state()->get("_metadata")); // the state dict's _metadata attribute
        QCOMPARE(QString::fromStdString(f.value().archiveName), QStringLiteral("state_dict"));
        QVERIFY(f.value().formatVersion >= 1);
        const auto flat = flattenStateDict(root);
        QVERIFY(flat.ok());
        compareAll(flat.value(), expected().at("state_dict.pt").at("tensors"));
    }

    void torchLightningCheckpoint_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("protocol 2") << "lightning.ckpt";
        QTest::newRow("protocol 4") << "lightning_p4.ckpt";
        QTest::newRow("protocol 5") << "lightning_p5.ckpt";
    }
    void torchLightningCheckpoint() {
        QFETCH(QString, file);
        const auto name = file.toStdString();
        const auto f = readTorchZip(fixture(name));
        VERIFY_OK(f);
        const auto& root = f.value().root();
        const auto& want = expected().at(name);
        const auto flat = flattenStateDict(root);
        VERIFY_OK(flat);
        compareAll(flat.value(), want.at("tensors"));
        compareScalars(root, want.at("scalars"));

        // Unknown classes stay inert, their state readable.
        const auto* hp = findValue(root, "hyper_parameters");
        QVERIFY(hp && hp->is(PickleKind::Object));
        QCOMPARE(QString::fromStdString(hp->qualifiedName()), QStringLiteral("pytorch_lightning.utilities.parsing.AttributeDict"));
        QVERIFY(hp->isMapping());
        const auto* args = hp->get("args");
        QVERIFY(args && args->is(PickleKind::Object));
        QCOMPARE(QString::fromStdString(args->qualifiedName()), QStringLiteral("argparse.Namespace"));
        QVERIFY(args->get("note") && args->get("note")->isNone());
        // Sets, frozensets, None.
        const auto* tags = findValue(root, "tags");
        QVERIFY(tags && tags->is(PickleKind::Set));
        std::vector<std::int64_t> members;
        for (const auto* v : tags->items()) members.push_back(v->toInt().value_or(-1));
        std::sort(members.begin(), members.end());
        QVERIFY(members == (std::vector<std::int64_t>{1, 2, 3}));
        QVERIFY(findValue(root, "frozen")->is(PickleKind::FrozenSet));
        QVERIFY(findValue(root, "nothing")->isNone());
        QVERIFY(findValue(root, "nested.deep.3")->is(PickleKind::Tuple));
        // A 0-dim tensor inside a callback's state.
        const auto* score = findTensor(root, "callbacks.ModelCheckpoint{'monitor': 'val_loss'}.best_model_score");
        QVERIFY(score && score->dim() == 0 && score->item<float>() == 0.25f);
        // Subtrees: the EMA weights by themselves, and keys that are absent.
        const auto ema = flattenStateDict(*findValue(root, "ema.shadow_params"), "ema");
        QVERIFY(ema.ok());
        QCOMPARE(ema.value().size(), std::size_t(6));
        QCOMPARE(QString::fromStdString(ema.value()[0].first), QStringLiteral("ema.0"));
        QVERIFY(findValue(root, "ema.missing") == nullptr);
        QVERIFY(findValue(root, "model_ema") == nullptr);
        QVERIFY(findTensor(root, "state_dict.model.conv.weight")); // keys with dots inside a path
        QVERIFY(!findInt(root, "pytorch-lightning_version")); // a string is not an int
        QVERIFY(!findDouble(root, "ema.shadow_params"));
        const auto viaPath = readCheckpointTensors(fixture(name), "state_dict");
        QVERIFY(viaPath.ok());
        QCOMPARE(viaPath.value().size(), expected().at("state_dict.pt").at("tensors").size());
        QCOMPARE(QString::fromStdString(viaPath.value()[0].first), QStringLiteral("model.conv.weight"));
    }

    void torchMissingEma() {
        const auto r = readCheckpointTensors(fixture("state_dict.pt"), "ema");
        QVERIFY(!r.ok());
        QVERIFY2(message(r.error()).contains("has no 'ema'"), r.error().message.c_str());
        const auto f = readTorchZip(fixture("state_dict.pt"));
        QVERIFY(f.ok());
        QVERIFY(!findValue(f.value().root(), "ema.shadow_params"));
        QVERIFY(!findTensor(f.value().root(), "ema"));
    }

    void torchViewsShareOneStorage() {
        const auto f = readTorchZip(fixture("views.pt"));
        VERIFY_OK(f);
        const auto& root = f.value().root();
        const auto& want = expected().at("views.pt");
        const auto flat = flattenStateDict(root);
        QVERIFY(flat.ok());
        compareAll(flat.value(), want.at("tensors"));
        at::Tensor base = *findTensor(root, "base");
        for (const auto& n : want.at("shared_with_base")) {
            const auto* t = findTensor(root, n.get<std::string>());
            QVERIFY(t && t->is_alias_of(base));
        }
        QVERIFY(!findTensor(root, "separate")->is_alias_of(base));
        const auto& t = *findTensor(root, "t");
        QVERIFY(t.strides().vec() == (std::vector<std::int64_t>{1, 6}));
        QVERIFY(!t.is_contiguous());
        QCOMPARE(findTensor(root, "block")->storage_offset(), std::int64_t(8));
        QCOMPARE(findTensor(root, "tail")->storage_offset(), std::int64_t(20));
        // Writing through one view shows in the others, as after torch.load.
        base.index_put_({1, 2}, -1.f);
        QCOMPARE(findTensor(root, "row")->index({2}).item<float>(), -1.f);
        QCOMPARE(findTensor(root, "col")->index({1}).item<float>(), -1.f);
        QCOMPARE(findTensor(root, "t")->index({2, 1}).item<float>(), -1.f);
    }

    void torchDtypes() {
        const auto f = readTorchZip(fixture("dtypes.pt"));
        VERIFY_OK(f);
        const auto flat = flattenStateDict(f.value().root());
        QVERIFY(flat.ok());
        compareAll(flat.value(), expected().at("dtypes.pt").at("tensors"));
        const auto* p = f.value().root().get("param");
        QVERIFY(p && p->isParameter() && p->requiresGrad());
        QVERIFY(!p->tensor()->requires_grad()); // loaded weights never track gradients
        QVERIFY(!f.value().root().get("f32")->isParameter());
    }

    void torchNamespace() {
        const auto f = readTorchZip(fixture("namespace.pt"));
        VERIFY_OK(f);
        const auto& want = expected().at("namespace.pt");
        compareScalars(f.value().root(), want.at("scalars"));
        compareAll(flattenStateDict(f.value().root()).value(), want.at("tensors"));
        QVERIFY(QString::fromStdString(pickleRepr(f.value().root())).contains("argparse.Namespace"));
    }

    void torchRefusedFormats_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("error");
        QTest::newRow("legacy") << "legacy.pt" << "legacy (pre-1.6) torch.save file, which is not supported; re-save it with torch.save(..., _use_new_zipfile_serialization=True)";
        QTest::newRow("TorchScript") << "script.pt" << "TorchScript archive";
        QTest::newRow("safetensors") << "sample.safetensors" << "safetensors file";
        QTest::newRow("JSON") << "expected.json" << "not a PyTorch checkpoint";
        QTest::newRow("missing") << "no-such-file.pt" << "cannot open";
    }
    void torchRefusedFormats() {
        QFETCH(QString, file);
        QFETCH(QString, error);
        const auto r = readTorchZip(fixture(file.toStdString()));
        QVERIFY(!r.ok());
        QVERIFY2(message(r.error()).contains(error), r.error().message.c_str());
    }

    void detectsFormats() {
        QCOMPARE(detectCheckpointFormat(fixture("sample.safetensors")), CheckpointFormat::Safetensors);
        QCOMPARE(detectCheckpointFormat(fixture("state_dict.pt")), CheckpointFormat::TorchZip);
        QCOMPARE(detectCheckpointFormat(fixture("legacy.pt")), CheckpointFormat::TorchLegacy);
        QCOMPARE(detectCheckpointFormat(fixture("expected.json")), CheckpointFormat::Unknown);
        QCOMPARE(detectCheckpointFormat(fixture("nothing-here")), CheckpointFormat::Missing);
        const auto st = readCheckpointTensors(fixture("sample.safetensors"));
        QVERIFY(st.ok());
        compareAll(st.value(), expected().at("sample.safetensors").at("tensors"));
        const auto legacy = readCheckpointTensors(fixture("legacy.pt"));
        QVERIFY(!legacy.ok() && message(legacy.error()).contains("legacy"));
        // A safetensors file's first byte is its header length's low byte: 0x80 (a pickle's PROTO)
        // and 'P' (a zip's first byte) must not make it look like a torch.save file.
        QTemporaryDir dir;
        for (const int first : {0x80, int('P')}) {
            const std::string path = dir.filePath(QStringLiteral("header-%1.safetensors").arg(first)).toStdString();
            bool hit = false;
            for (int pad = 0; pad < 300 && !hit; ++pad) {
                VERIFY_OK(writeSafetensors(path, {{"w", at::ones({2})}}, {{"pad", std::string(std::size_t(pad), 'x')}}));
                std::ifstream in(path, std::ios::binary);
                hit = in.get() == first;
            }
            QVERIFY(hit);
            QCOMPARE(detectCheckpointFormat(path), CheckpointFormat::Safetensors);
            VERIFY_OK(readCheckpointTensors(path));
        }
    }

    void torchTruncatedOrDamagedZip_data() {
        QTest::addColumn<int>("cut");    // bytes kept (negative: counted from the end)
        QTest::addColumn<int>("flip");   // a byte offset from the end to corrupt (0: none)
        QTest::newRow("10 bytes") << 10 << 0;
        QTest::newRow("half") << 1500 << 0;
        QTest::newRow("all but the last byte") << -1 << 0;
        QTest::newRow("all but the directory end") << -22 << 0;
        QTest::newRow("all but 200 bytes") << -200 << 0;
        for (int at : {5, 12, 18, 30, 60, 90, 120, 150}) QTest::addRow("byte %d from the end damaged", at) << 0 << at;
    }
    void torchTruncatedOrDamagedZip() {
        QFETCH(int, cut);
        QFETCH(int, flip);
        std::string bytes = readFile(fixture("state_dict.pt"));
        if (cut > 0) bytes.resize(static_cast<std::size_t>(cut));
        if (cut < 0) bytes.resize(bytes.size() - static_cast<std::size_t>(-cut));
        if (flip) bytes[bytes.size() - static_cast<std::size_t>(flip)] ^= 0x5a;
        const auto r = readTorchZipFromMemory(bytes);
        if (flip && r.ok()) return; // some bytes (timestamps, comments) do not matter
        QVERIFY(!r.ok());
        QVERIFY(!r.error().message.empty());
        if (cut) QVERIFY2(message(r.error()).contains("truncated"), r.error().message.c_str());
    }

    // A small sweep in the spirit of a fuzzer: every byte of real files damaged in turn, every
    // truncation. Each read must end in a value or a clean error (run it under ASan/UBSan).
    void corruptionSweep() {
        const std::string zip = readFile(fixture("state_dict.pt"));
        int refused = 0;
        for (std::size_t i = 0; i < zip.size(); ++i) {
            std::string b = zip;
            b[i] = static_cast<char>(b[i] ^ 0xff);
            const auto r = readTorchZipFromMemory(b);
            if (!r.ok()) {
                ++refused;
                QVERIFY(!r.error().message.empty());
            }
        }
        QVERIFY(refused > 100);

        // The pickle by itself, with a stand-in for the storages.
        caffe2::serialize::PyTorchStreamReader reader(fixture("lightning_p4.ckpt"));
        const auto [ptr, n] = reader.getRecord("data.pkl");
        const std::string pickle(static_cast<const char*>(ptr.get()), n);
        const StorageLoader zeros = [](const PickleValue& pid) -> Result<PickleStorage> {
            const auto items = pid.items();
            if (items.size() != 5 || !items[4]->toInt()) return Result<PickleStorage>::invalid("bad pid");
            const auto type = torchStorageType(items[1]->name());
            if (!type) return Result<PickleStorage>::invalid("bad type");
            const auto numel = std::clamp<std::int64_t>(*items[4]->toInt(), 0, 1 << 20);
            return PickleStorage{at::zeros({numel * static_cast<std::int64_t>(c10::elementSize(*type))}, at::kByte).storage(), *type, numel};
        };
        VERIFY_OK(unpickle(pickle, zeros));
        for (std::size_t len = 0; len < pickle.size(); ++len) {
            const auto r = unpickle(std::string_view(pickle).substr(0, len), zeros);
            QVERIFY2(!r.ok(), std::to_string(len).c_str());
        }
        for (std::size_t i = 0; i < pickle.size(); ++i) {
            std::string b = pickle;
            b[i] = static_cast<char>(b[i] ^ 0x5a);
            const auto r = unpickle(b, zeros);
            QVERIFY(r.ok() || !r.error().message.empty());
            if (r.ok()) (void)flattenStateDict(r.value()->root());
        }

        const std::string st = readFile(fixture("sample.safetensors"));
        for (std::size_t len = 0; len < st.size(); ++len)
            QVERIFY(!readSafetensorsFromMemory(st.substr(0, len)).ok());
        for (std::size_t i = 0; i < st.size(); ++i) {
            std::string b = st;
            b[i] = static_cast<char>(b[i] ^ 0x5a);
            const auto r = readSafetensorsFromMemory(b);
            QVERIFY(r.ok() || !r.error().message.empty());
        }
    }

    void zipRefusesCompressedRecords() {
        const auto pkl = P().op('N').done();
        const auto r = readTorchZipFromMemory(zipOf({{"data.pkl", pkl + std::string(4096, ' ')}}, /*compress=*/true));
        QVERIFY(!r.ok());
        QVERIFY2(message(r.error()).contains("compressed"), r.error().message.c_str());
        // The same archive uncompressed is fine (trailing bytes after STOP are ignored).
        const auto ok = readTorchZipFromMemory(zipOf({{"data.pkl", pkl}}));
        VERIFY_OK(ok);
        QVERIFY(ok.value().root().isNone());
    }

    // ============================ the unpickler ==========================================

    void pickleRejects_data() {
        QTest::addColumn<QByteArray>("pickle");
        QTest::addColumn<QByteArray>("storage"); // data/0
        QTest::addColumn<QString>("error");
        auto row = [](const char* name, const std::string& p, const std::string& s, const char* e) {
            QTest::newRow(name) << QByteArray::fromStdString(p) << QByteArray::fromStdString(s) << QString::fromUtf8(e);
        };
        const auto four = floats({1, 2, 3, 4});
        row("good tensor (control)", P().tensor("FloatStorage", "0", 4, 0, {2, 2}, {2, 1}).done(), four, "");
        row("bad opcode", P().op('N').op('\xff').done(), four, "unknown pickle instruction 0xff");
        row("STOP on an empty stack", P().done(), four, "stops with 0 values");
        row("two values at STOP", P().op('N').op('N').done(), four, "unbalanced");
        row("open MARK at STOP", P().op('(').op('N').done(), four, "unbalanced");
        row("APPEND with nothing", P().op('a').done(), four, "empty stack");
        row("APPEND to an int", P().i32(1).op('N').op('a').done(), four, "appends to a int");
        row("SETITEMS without MARK", P().op('}').op('u').done(), four, "never opened");
        row("odd SETITEMS", P().op('}').op('(').op('N').op('u').done(), four, "key without a value");
        row("BUILD on a list", P().op(']').op('}').op('b').done(), four, "sets the state of a list");
        row("REDUCE on an int", P().i32(1).op(')').op('R').done(), four, "calls a int");
        row("missing STOP", P().op('N').s, four, "without a STOP");
        row("string longer than the pickle", P().op('X').raw("\xff\xff\xff\x7f").raw("abc").done(), four, "truncated");
        row("8-byte length", P().op('\x8d').raw(le64(~0ull)).done(), four, "truncated");
        row("unknown memo entry", P().op('h').raw("\x07").done(), four, "memo entry 7");
        row("memo index past the limit", P().op('N').op('r').raw("\xff\xff\xff\xff").done(), four, "beyond the limit");
        row("LONG4 of 2 GB", P().op('\x8b').raw("\xff\xff\xff\x7f").done(), four, "beyond the limit");
        row("protocol 6", std::string("\x80\x06N.", 4), four, "protocol 6");
        row("tensor beyond its storage", P().tensor("FloatStorage", "0", 4, 0, {5}, {1}).done(), four, "reaches element 4");
        row("offset beyond its storage", P().tensor("FloatStorage", "0", 4, 4, {1}, {1}).done(), four, "reaches element 4");
        row("strided beyond its storage", P().tensor("FloatStorage", "0", 4, 0, {2, 2}, {3, 1}).done(), four, "reaches element 4");
        row("enormous size", P().tensor("FloatStorage", "0", 4, 0, {1ll << 40}, {1}).done(), four, "reaches element");
        row("stride overflow", P().tensor("FloatStorage", "0", 4, 0, {3, 3}, {1ll << 62, 1ll << 62}).done(), four, "overflow");
        row("negative size", P().tensor("FloatStorage", "0", 4, 0, {-1}, {1}).done(), four, "non-negative");
        row("size/stride lengths", P().tensor("FloatStorage", "0", 4, 0, {2, 2}, {1}).done(), four, "differ in length");
        row("storage claims more than its record", P().tensor("FloatStorage", "0", 100, 0, {4}, {1}).done(), four, "holds 16 bytes but claims 100");
        row("double storage over float bytes", P().tensor("DoubleStorage", "0", 4, 0, {4}, {1}).done(), four, "holds 16 bytes");
        row("missing storage record", P().tensor("FloatStorage", "9", 4, 0, {4}, {1}).done(), four, "data/9 is missing");
        row("storage key with a path", P().tensor("FloatStorage", "../0", 4, 0, {4}, {1}).done(), four, "not a plain name");
        row("unsupported storage type", P().tensor("QInt8Storage", "0", 4, 0, {4}, {1}).done(), four, "unsupported storage type");
        row("persistent id not a tuple", P().str("0").op('Q').done(), four, "not a ('storage'");
        row("tensor without a storage", P().global("torch._utils", "_rebuild_tensor_v2").op('(').op('N').i32(0).ints({1}).ints({1}).op('\x89').op('N').op('t').op('R').done(),
            four, "not a storage");
        row("_rebuild_tensor_v2 with 2 arguments", P().global("torch._utils", "_rebuild_tensor_v2").op('(').op('N').op('N').op('t').op('R').done(), four, "6 or 7 arguments");
        row("bool storage holding 2", P().tensor("BoolStorage", "0", 4, 0, {4}, {1}).done(), std::string("\x01\x00\x02\x01", 4), "neither 0 nor 1");
        row("text STRING opcode", P().op('S').raw("'a'\n").done(), four, "text-protocol");
    }
    void pickleRejects() {
        QFETCH(QByteArray, pickle);
        QFETCH(QByteArray, storage);
        QFETCH(QString, error);
        const auto zip = zipOf({{"data.pkl", pickle.toStdString()}, {"data/0", storage.toStdString()}});
        const auto r = readTorchZipFromMemory(zip);
        if (error.isEmpty()) {
            VERIFY_OK(r);
            return;
        }
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, ErrorKind::InvalidInput);
        QVERIFY2(message(r.error()).contains(error), r.error().message.c_str());
    }

    void pickleNeverExecutes() {
        QTemporaryDir dir;
        const auto marker = dir.filePath("pwned").toStdString();
        // os.system("touch marker"), subprocess.Popen(...) by NEWOBJ, builtins.eval by STACK_GLOBAL.
        P p;
        p.op('}');
        p.str("system").global("posix", "system").str("touch " + marker).op('\x85').op('R').op('s');
        p.str("popen").global("subprocess", "Popen").op('(').str("touch").str(marker).op('l').op('\x85').op('\x81').op('s');
        p.str("eval").str("builtins").str("eval").op('\x93').str("__import__('os').system('touch " + marker + "')").op('\x85').op('R').op('s');
        p.str("build").global("os", "system").op(')').op('R').op('}').str("x").i32(1).op('s').op('b').op('s');
        const auto r = unpickle(p.done());
        VERIFY_OK(r);
        const auto& root = r.value()->root();
        QVERIFY(!std::filesystem::exists(marker));
        const auto* sys = root.get("system");
        QVERIFY(sys && sys->is(PickleKind::Object));
        QCOMPARE(QString::fromStdString(sys->qualifiedName()), QStringLiteral("posix.system"));
        QCOMPARE(QString::fromStdString(*sys->args()->items()[0]->toString()), QString::fromStdString("touch " + marker));
        QCOMPARE(QString::fromStdString(root.get("popen")->qualifiedName()), QStringLiteral("subprocess.Popen"));
        QCOMPARE(QString::fromStdString(root.get("eval")->qualifiedName()), QStringLiteral("builtins.eval"));
        QCOMPARE(root.get("build")->get("x")->toInt().value_or(0), std::int64_t(1));
        // Without a storage loader, persistent ids are refused.
        const auto pid = unpickle(P().str("x").op('Q').done());
        QVERIFY(!pid.ok() && message(pid.error()).contains("persistent id"));
    }

    void pickleScalarsAndLookups() {
        P p;
        p.op('}').op('(');
        p.str("bi").i32(-5);
        p.str("b1").op('K').raw("\xfe");
        p.str("b2").op('M').raw("\x34\x12");
        p.str("l1").op('\x8a').raw("\x02\x00\xff");              // LONG1 -256
        p.str("l0").op('\x8a').raw("\x00");                      // LONG1 0
        p.str("l9").op('\x8a').raw("\x09").raw(std::string("\xff\xff\xff\xff\xff\xff\xff\x7f\x00", 9)); // 2^63-1, 9 bytes
        p.str("lneg").op('\x8a').raw("\x09").raw(std::string("\x00\x00\x00\x00\x00\x00\x00\x00\xff", 9)); // -2^64
        p.str("f").op('G').raw(std::string("\x3f\xf8\x00\x00\x00\x00\x00\x00", 8)); // 1.5
        p.str("ti").op('I').raw("-42\n");
        p.str("tb").op('I').raw("01\n");
        p.str("tf").op('F').raw("2.25\n");
        p.str("tl").op('L').raw("12345678901L\n");
        p.str("by").op('C').raw("\x02\x00\x01");
        p.str("ints").op('}').op('K').raw("\x07").str("seven").op('s');
        p.str("tup").op('K').raw("\x01").op('K').raw("\x02").op('\x86');
        p.str("dup").str("d").op('2').op('\x86');
        p.str("size").global("torch", "Size").op('(').op('K').raw("\x03").op('t').op('\x85').op('R');
        p.str("od").global("collections", "OrderedDict").op(']').str("k").op('N').op('\x86').op('a').op('\x85').op('R');
        p.str("dd").global("collections", "defaultdict").global("builtins", "list").op('\x85').op('R').op('(').str("q").op('K').raw("\x01").op('u');
        p.op('u');
        const auto r = unpickle(p.done());
        VERIFY_OK(r);
        const auto& root = r.value()->root();
        QVERIFY(findInt(root, "bi") == std::optional<std::int64_t>(-5));
        QVERIFY(findInt(root, "b1") == std::optional<std::int64_t>(254));
        QVERIFY(findInt(root, "b2") == std::optional<std::int64_t>(0x1234));
        QVERIFY(findInt(root, "l1") == std::optional<std::int64_t>(-256));
        QVERIFY(findInt(root, "l0") == std::optional<std::int64_t>(0));
        QVERIFY(findInt(root, "l9") == std::optional<std::int64_t>(std::numeric_limits<std::int64_t>::max()));
        QVERIFY(root.get("lneg")->is(PickleKind::BigInt));
        QCOMPARE(QString::fromStdString(root.get("lneg")->raw()), QStringLiteral("-18446744073709551616"));
        QVERIFY(findDouble(root, "f") == std::optional<double>(1.5));
        QVERIFY(findInt(root, "ti") == std::optional<std::int64_t>(-42));
        QVERIFY(findBool(root, "tb") == std::optional<bool>(true));
        QVERIFY(findDouble(root, "tf") == std::optional<double>(2.25));
        QVERIFY(findInt(root, "tl") == std::optional<std::int64_t>(12345678901));
        QVERIFY(root.get("by")->raw() == std::string("\x00\x01", 2));
        QVERIFY(findString(root, "ints.7") == std::optional<std::string>("seven"));
        QVERIFY(findInt(root, "tup.1") == std::optional<std::int64_t>(2));
        QVERIFY(!findValue(root, "tup.2"));
        QVERIFY(root.get("dup")->items()[0] == root.get("dup")->items()[1]); // DUP shares the value
        QVERIFY(root.get("size")->is(PickleKind::Tuple));
        QVERIFY(root.get("od")->is(PickleKind::Dict) && root.get("od")->get("k")->isNone());
        QVERIFY(findInt(root, "dd.q") == std::optional<std::int64_t>(1));
        QCOMPARE(root.size(), std::size_t(19));
    }

    void pickleLimits() {
        // Counts the input controls are capped before memory is taken.
        PickleLimits small;
        small.maxNodes = 1000;
        P many;
        for (int i = 0; i < 2000; ++i) many.op(']').op('0');
        many.op('N');
        auto r = unpickle(many.done(), {}, small);
        QVERIFY(!r.ok() && message(r.error()).contains("more than 1000 values"));

        small = {};
        small.maxMarks = 100;
        P marks;
        for (int i = 0; i < 200; ++i) marks.op('(');
        r = unpickle(marks.done(), {}, small);
        QVERIFY(!r.ok() && message(r.error()).contains("MARKs"));

        small = {};
        small.maxItems = 100;
        P items;
        items.op(']').op('N');
        for (int i = 0; i < 200; ++i) items.op('a').op('N');
        items.op('0');
        r = unpickle(items.done(), {}, small);
        QVERIFY(!r.ok() && message(r.error()).contains("100 elements"));

        small = {};
        small.maxStack = 50;
        P stack;
        for (int i = 0; i < 100; ++i) stack.op('N');
        r = unpickle(stack.done(), {}, small);
        QVERIFY(!r.ok() && message(r.error()).contains("stacks up"));

        // Deep nesting parses without recursion; the helpers refuse to follow it.
        P nest;
        nest.op(']');
        for (int i = 0; i < 100000; ++i) nest.op(']');
        for (int i = 0; i < 100000; ++i) nest.op('a');
        r = unpickle(nest.done());
        VERIFY_OK(r);
        auto flat = flattenStateDict(r.value()->root());
        QVERIFY(!flat.ok() && message(flat.error()).contains("levels deep"));
        QVERIFY(pickleRepr(r.value()->root(), 100).size() < 200);
        std::string path = "0";
        for (int i = 0; i < 1000; ++i) path += ".0";
        QVERIFY(!findValue(r.value()->root(), path));

        // A list that contains itself.
        P cycle;
        cycle.op(']').op('q').raw("\x00").op('h').raw("\x00").op('a');
        r = unpickle(cycle.done());
        QVERIFY(r.ok());
        flat = flattenStateDict(r.value()->root());
        QVERIFY(!flat.ok() && message(flat.error()).contains("contains itself"));
        QVERIFY(!pickleRepr(r.value()->root()).empty());

        // Shared references that fan out exponentially (2^60 paths from 120 bytes).
        P fan;
        fan.op(']');
        for (int i = 0; i < 60; ++i) fan.op('2').op('\x86');
        r = unpickle(fan.done());
        QVERIFY(r.ok());
        PickleLimits visits;
        visits.maxVisits = 100000;
        flat = flattenStateDict(r.value()->root(), "", visits);
        QVERIFY(!flat.ok() && message(flat.error()).contains("too large"));
        QVERIFY(pickleRepr(r.value()->root(), 1000).size() < 1100);
    }
};

QTEST_APPLESS_MAIN(TestFormats)
#include "tst_formats.moc"
