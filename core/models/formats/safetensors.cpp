#include "models/formats/safetensors.h"
#include "base/io.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <numeric>
#include <set>
#include <string_view>
#include <unordered_set>

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace reverie::models::formats {

const at::Tensor* TensorFile::find(const std::string& name) const {
    for (const auto& [n, t] : tensors)
        if (n == name) return &t;
    return nullptr;
}

namespace {

using json = nlohmann::json;

/// Read-only bytes that tensors may keep alive (a file mapping or an owned buffer). The bytes
/// are writable in the sense that a tensor may be modified in place: a private mapping copies
/// the touched page, an owned buffer is ours.
class ByteSource {
public:
    virtual ~ByteSource() = default;
    std::uint8_t* data() const { return m_data; }
    std::uint64_t size() const { return m_size; }

protected:
    std::uint8_t* m_data = nullptr;
    std::uint64_t m_size = 0;
};

class OwnedBytes final : public ByteSource {
public:
    explicit OwnedBytes(std::string bytes) : m_bytes(std::move(bytes)) {
        m_data = reinterpret_cast<std::uint8_t*>(m_bytes.data());
        m_size = m_bytes.size();
    }

private:
    std::string m_bytes;
};

#if !defined(_WIN32)
class MappedFile final : public ByteSource {
public:
    MappedFile(void* p, std::uint64_t n) {
        m_data = static_cast<std::uint8_t*>(p);
        m_size = n;
    }
    ~MappedFile() override { ::munmap(m_data, m_size); }
};
#endif

struct Dtype {
    const char* name;
    at::ScalarType type;
    std::uint64_t size;
    bool supported;
};

// The dtype codes of the format. The last ones are valid in the format but have no LibTorch
// 1.13 counterpart (unsigned wider than 8 bits, float8, …): refused with a clear message.
constexpr Dtype kDtypes[] = {
    {"F64", at::kDouble, 8, true},   {"F32", at::kFloat, 4, true},  {"F16", at::kHalf, 2, true},
    {"BF16", at::kBFloat16, 2, true}, {"I64", at::kLong, 8, true},  {"I32", at::kInt, 4, true},
    {"I16", at::kShort, 2, true},    {"I8", at::kChar, 1, true},    {"U8", at::kByte, 1, true},
    {"BOOL", at::kBool, 1, true},    {"U64", at::kByte, 8, false},  {"U32", at::kByte, 4, false},
    {"U16", at::kByte, 2, false},    {"F8_E4M3", at::kByte, 1, false},
    {"F8_E5M2", at::kByte, 1, false}, {"C64", at::kByte, 8, false},
};

const Dtype* dtypeByName(std::string_view name) {
    for (const auto& d : kDtypes)
        if (name == d.name) return &d;
    return nullptr;
}

const Dtype* dtypeByType(at::ScalarType type) {
    for (const auto& d : kDtypes)
        if (d.supported && d.type == type) return &d;
    return nullptr;
}

/// A non-negative JSON integer that fits int64, or nullopt.
std::optional<std::uint64_t> jsonIndex(const json& v) {
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
        return u;
    }
    if (v.is_number_integer()) {
        const auto i = v.get<std::int64_t>();
        if (i < 0) return std::nullopt;
        return static_cast<std::uint64_t>(i);
    }
    return std::nullopt;
}

std::string shown(const std::string& s) {
    // Names come from untrusted files: keep messages short and printable.
    std::string out = "'";
    for (std::size_t i = 0; i < s.size() && i < 200; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    }
    if (s.size() > 200) out += "…";
    return out + "'";
}

/// Overflow-checked multiplication (portable; false when the result does not fit).
bool mulChecked(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
    *out = a * b;
    return true;
}

struct Entry {
    std::string name;
    const Dtype* dtype = nullptr;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0, end = 0;
};

Result<TensorFile> parse(std::shared_ptr<ByteSource> src, const std::string& label,
                         const safetensors::ReadOptions& options) {
    using R = Result<TensorFile>;
    auto bad = [&](const std::string& what) { return R::invalid(label + ": " + what); };
    if constexpr (std::endian::native != std::endian::little)
        return bad("reading safetensors on a big-endian machine is not supported");

    const std::uint64_t fileSize = src->size();
    if (fileSize < 8)
        return bad("the file is " + std::to_string(fileSize) + " bytes long, too short for a safetensors header");
    std::uint64_t headerLen = 0;
    std::memcpy(&headerLen, src->data(), 8);
    if (headerLen > fileSize - 8)
        return bad("the header claims " + std::to_string(headerLen) + " bytes but only " +
                   std::to_string(fileSize - 8) + " follow (truncated, or not a safetensors file)");
    if (headerLen > options.maxHeaderBytes)
        return bad("the header claims " + std::to_string(headerLen) + " bytes, more than the limit of " +
                   std::to_string(options.maxHeaderBytes));
    if (headerLen < 2) return bad("the header is too short to hold a JSON object");
    const char* text = reinterpret_cast<const char*>(src->data() + 8);
    if (text[0] != '{') return bad("the header does not start with '{' (not a safetensors file)");

    // Parse, recording the top-level key order and refusing duplicate names (a JSON object
    // parser would silently keep one of them).
    std::vector<std::string> order;
    std::unordered_set<std::string> seen;
    std::string duplicate;
    json header;
    try {
        header = json::parse(
            text, text + headerLen,
            [&](int depth, json::parse_event_t event, json& parsed) {
                if (event == json::parse_event_t::key && depth == 1 && parsed.is_string()) {
                    const auto& key = parsed.get_ref<const std::string&>();
                    if (!seen.insert(key).second && duplicate.empty()) duplicate = key;
                    order.push_back(key);
                }
                return true;
            },
            /*allow_exceptions=*/true, /*ignore_comments=*/false);
    } catch (const json::exception& e) {
        return bad(std::string("the header is not valid JSON: ") + firstLine(e.what()));
    }
    if (!header.is_object()) return bad("the header is not a JSON object");
    if (!duplicate.empty()) return bad("the header names " + shown(duplicate) + " twice");

    const std::uint64_t dataSize = fileSize - 8 - headerLen;
    TensorFile out;
    std::vector<Entry> entries;
    entries.reserve(order.size());
    for (const auto& name : order) {
        const json& v = header.at(name);
        if (name == "__metadata__") {
            if (!v.is_object()) return bad("__metadata__ is not a JSON object");
            for (const auto& [k, s] : v.items()) {
                if (!s.is_string()) return bad("__metadata__ value of " + shown(k) + " is not a string");
                out.metadata[k] = s.get<std::string>();
            }
            continue;
        }
        const std::string who = "tensor " + shown(name);
        if (!v.is_object()) return bad(who + " is not described by a JSON object");
        const auto dt = v.find("dtype"), sh = v.find("shape"), off = v.find("data_offsets");
        if (dt == v.end() || !dt->is_string()) return bad(who + " has no dtype string");
        if (sh == v.end() || !sh->is_array()) return bad(who + " has no shape array");
        if (off == v.end() || !off->is_array() || off->size() != 2)
            return bad(who + " has no data_offsets pair");
        Entry e;
        e.name = name;
        const auto& dtypeName = dt->get_ref<const std::string&>();
        e.dtype = dtypeByName(dtypeName);
        if (!e.dtype) return bad(who + " has an unknown dtype " + shown(dtypeName));
        if (!e.dtype->supported) return bad(who + " has dtype " + dtypeName + ", which Reverie cannot load");
        if (sh->size() > options.maxDims)
            return bad(who + " has " + std::to_string(sh->size()) + " dimensions (at most " +
                       std::to_string(options.maxDims) + " allowed)");
        std::uint64_t numel = 1;
        for (const auto& d : *sh) {
            const auto n = jsonIndex(d);
            if (!n) return bad(who + " has a shape entry that is not a non-negative integer");
            if (!mulChecked(numel, *n, &numel) ||
                numel > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                return bad(who + " declares more elements than can exist (shape overflows)");
            e.shape.push_back(static_cast<std::int64_t>(*n));
        }
        std::uint64_t nbytes = 0;
        if (!mulChecked(numel, e.dtype->size, &nbytes))
            return bad(who + " declares more bytes than can exist (shape overflows)");
        const auto b = jsonIndex((*off)[0]), en = jsonIndex((*off)[1]);
        if (!b || !en) return bad(who + " has data_offsets that are not non-negative integers");
        e.begin = *b;
        e.end = *en;
        if (e.begin > e.end) return bad(who + " has data_offsets that end before they begin");
        if (e.end > dataSize)
            return bad(who + " lies beyond the end of the data (bytes " + std::to_string(e.begin) + "–" +
                       std::to_string(e.end) + " of " + std::to_string(dataSize) + "; truncated file?)");
        if (e.end - e.begin != nbytes)
            return bad(who + " spans " + std::to_string(e.end - e.begin) + " bytes but its shape and dtype need " +
                       std::to_string(nbytes));
        entries.push_back(std::move(e));
    }

    // The tensors must tile the data section: no overlap, no hole, no trailing bytes.
    std::vector<std::size_t> byOffset(entries.size());
    std::iota(byOffset.begin(), byOffset.end(), std::size_t{0});
    std::sort(byOffset.begin(), byOffset.end(), [&](std::size_t a, std::size_t b) {
        return std::pair(entries[a].begin, entries[a].end) < std::pair(entries[b].begin, entries[b].end);
    });
    std::uint64_t expected = 0;
    const Entry* previous = nullptr;
    for (const auto i : byOffset) {
        const auto& e = entries[i];
        if (e.begin < expected)
            return bad("tensor " + shown(e.name) + " overlaps tensor " + shown(previous ? previous->name : ""));
        if (e.begin > expected)
            return bad("the data has a gap of " + std::to_string(e.begin - expected) + " bytes before tensor " +
                       shown(e.name));
        expected = e.end;
        previous = &e;
    }
    if (expected != dataSize)
        return bad("the data section has " + std::to_string(dataSize - expected) +
                   " bytes that belong to no tensor");

    std::uint8_t* base = src->data() + 8 + headerLen;
    for (const auto& e : entries) {
        if (e.dtype->type != at::kBool) continue;
        for (std::uint64_t i = e.begin; i < e.end; ++i)
            if (base[i] > 1) return bad("tensor " + shown(e.name) + " holds a BOOL byte that is neither 0 nor 1");
    }

    // Validated: now create the tensors.
    out.tensors.reserve(entries.size());
    for (const auto& e : entries) {
        const auto opts = at::TensorOptions().dtype(e.dtype->type);
        std::uint8_t* p = base + e.begin;
        at::Tensor t;
        const bool aligned = reinterpret_cast<std::uintptr_t>(p) % e.dtype->size == 0;
        if (options.copy || !aligned || e.end == e.begin) {
            t = at::empty(e.shape, opts);
            if (e.end > e.begin) std::memcpy(t.data_ptr(), p, e.end - e.begin);
        } else {
            t = at::from_blob(p, e.shape, [keep = src](void*) mutable { keep.reset(); }, opts);
        }
        out.tensors.emplace_back(e.name, std::move(t));
    }
    return out;
}

Result<std::shared_ptr<ByteSource>> openFile(const std::string& path) {
    using R = Result<std::shared_ptr<ByteSource>>;
#if defined(_WIN32)
    std::ifstream in(path, std::ios::binary);
    if (!in) return R::invalid(path + ": cannot open the file");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return std::shared_ptr<ByteSource>(std::make_shared<OwnedBytes>(std::move(bytes)));
#else
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return R::invalid(path + ": cannot open the file (" + std::strerror(errno) + ")");
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return R::invalid(path + ": not a regular file");
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size < 8) {
        ::close(fd);
        return R::invalid(path + ": the file is " + std::to_string(size) +
                          " bytes long, too short for a safetensors header");
    }
    // Private and writable: in-place changes to a loaded tensor stay in this process.
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    const int err = errno;
    ::close(fd);
    if (p == MAP_FAILED) return R::failed(path + ": cannot map the file (" + std::strerror(err) + ")");
    return std::shared_ptr<ByteSource>(std::make_shared<MappedFile>(p, size));
#endif
}

} // namespace

namespace safetensors {
std::string dtypeName(at::ScalarType type) {
    const auto* d = dtypeByType(type);
    return d ? d->name : "";
}
} // namespace safetensors

Result<TensorFile> readSafetensors(const std::string& path, const safetensors::ReadOptions& options) {
    return guarded<TensorFile>("reading " + path, [&]() -> Result<TensorFile> {
        auto src = openFile(path);
        if (!src) return src.error();
        return parse(std::move(src).value(), path, options);
    });
}

Result<TensorFile> readSafetensorsFromMemory(std::string bytes, const safetensors::ReadOptions& options) {
    return guarded<TensorFile>("reading safetensors", [&]() -> Result<TensorFile> {
        return parse(std::make_shared<OwnedBytes>(std::move(bytes)), "safetensors", options);
    });
}

namespace {

/// Writes all of `data` to the file, or returns false.
bool writeAll(std::FILE* f, const void* data, std::size_t n) {
    return n == 0 || std::fwrite(data, 1, n, f) == n;
}

} // namespace

Result<bool> writeSafetensors(const std::string& path, const NamedTensors& tensors,
                              const std::map<std::string, std::string>& metadata) {
    using R = Result<bool>;
    if constexpr (std::endian::native != std::endian::little)
        return R::failed("writing safetensors on a big-endian machine is not supported");
    return guarded<bool>("writing " + path, [&]() -> R {
        std::set<std::string> names;
        std::vector<at::Tensor> data;
        std::vector<const Dtype*> types;
        data.reserve(tensors.size());
        for (const auto& [name, t] : tensors) {
            if (name.empty()) return R::invalid("a tensor without a name cannot be saved");
            if (name == "__metadata__") return R::invalid("a tensor cannot be called __metadata__");
            if (!names.insert(name).second) return R::invalid("the tensor name " + shown(name) + " is used twice");
            if (!t.defined()) return R::invalid("tensor " + shown(name) + " is undefined");
            const auto* d = dtypeByType(t.scalar_type());
            if (!d)
                return R::invalid("tensor " + shown(name) + " has type " + std::string(c10::toString(t.scalar_type())) +
                                  ", which safetensors cannot hold");
            types.push_back(d);
            data.push_back(t.detach().to(at::kCPU).contiguous());
        }
        // Data layout: larger elements first, so that every tensor is aligned to its element size.
        std::vector<std::size_t> layout(tensors.size());
        std::iota(layout.begin(), layout.end(), std::size_t{0});
        std::stable_sort(layout.begin(), layout.end(),
                         [&](std::size_t a, std::size_t b) { return types[a]->size > types[b]->size; });
        std::vector<std::uint64_t> begin(tensors.size());
        std::uint64_t cursor = 0;
        for (const auto i : layout) {
            begin[i] = cursor;
            cursor += data[i].nbytes();
        }

        std::string header = "{";
        if (!metadata.empty()) header += "\"__metadata__\":" + json(metadata).dump();
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            if (header.size() > 1) header += ',';
            json entry = json::object();
            entry["dtype"] = types[i]->name;
            entry["shape"] = data[i].sizes().vec();
            entry["data_offsets"] = {begin[i], begin[i] + data[i].nbytes()};
            header += json(tensors[i].first).dump() + ":" + entry.dump();
        }
        header += '}';
        header.append((8 - header.size() % 8) % 8, ' ');  // the data section starts 8-aligned
        const std::uint64_t headerLen = header.size();

        const std::string temp = io::temporaryPathFor(path);
        std::FILE* f = std::fopen(temp.c_str(), "wb");
        if (!f) return R::failed("cannot write " + path + " (" + std::strerror(errno) + ")");
        bool ok = writeAll(f, &headerLen, 8) && writeAll(f, header.data(), header.size());
        for (const auto i : layout) {
            if (!ok) break;
            ok = writeAll(f, data[i].data_ptr(), data[i].nbytes());
        }
        ok = std::fflush(f) == 0 && ok;
        const int err = errno;
        ok = std::fclose(f) == 0 && ok;
        if (!ok) {
            std::error_code ec;
            std::filesystem::remove(temp, ec);
            return R::failed("cannot write " + path + " (" + std::strerror(err ? err : EIO) + ")");
        }
        return io::commitTemporary(temp, path); // fsync, rename over the target
    });
}

} // namespace reverie::models::formats
