#include "models/formats/torchzip.h"

#include "models/formats/safetensors.h"

#include <ATen/ATen.h>
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <caffe2/serialize/versions.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <unordered_map>
#include <unordered_set>

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace reverie::models::formats {

namespace {

using caffe2::serialize::ReadAdapterInterface;

// --------------------------------------------------------------------------------------------
// Bounded random-access inputs for PyTorchStreamReader (reads past the end return short counts)
// --------------------------------------------------------------------------------------------

class MemoryInput final : public ReadAdapterInterface {
public:
    explicit MemoryInput(std::string bytes) : m_bytes(std::move(bytes)) {}
    size_t size() const override { return m_bytes.size(); }
    size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
        if (pos >= m_bytes.size()) return 0;
        n = static_cast<size_t>(std::min<uint64_t>(n, m_bytes.size() - pos));
        std::memcpy(buf, m_bytes.data() + pos, n);
        return n;
    }

private:
    std::string m_bytes;
};

#if !defined(_WIN32)
class FileInput final : public ReadAdapterInterface {
public:
    FileInput(int fd, std::uint64_t size) : m_fd(fd), m_size(size) {}
    ~FileInput() override { ::close(m_fd); }
    size_t size() const override { return static_cast<size_t>(m_size); }
    size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
        if (pos >= m_size) return 0;
        n = static_cast<size_t>(std::min<uint64_t>(n, m_size - pos));
        size_t done = 0;
        while (done < n) {
            const auto got = ::pread(m_fd, static_cast<char*>(buf) + done, n - done, static_cast<off_t>(pos + done));
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) break;
            done += static_cast<size_t>(got);
        }
        return done;
    }

private:
    int m_fd;
    std::uint64_t m_size;
};
#endif

Result<std::shared_ptr<ReadAdapterInterface>> openInput(const std::string& path) {
    using R = Result<std::shared_ptr<ReadAdapterInterface>>;
#if defined(_WIN32)
    std::ifstream in(path, std::ios::binary);
    if (!in) return R::invalid(path + ": cannot open the file");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return std::shared_ptr<ReadAdapterInterface>(std::make_shared<MemoryInput>(std::move(bytes)));
#else
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return R::invalid(path + ": cannot open the file (" + std::strerror(errno) + ")");
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return R::invalid(path + ": not a regular file");
    }
    return std::shared_ptr<ReadAdapterInterface>(std::make_shared<FileInput>(fd, static_cast<std::uint64_t>(st.st_size)));
#endif
}

bool readExact(const ReadAdapterInterface& in, std::uint64_t pos, void* buf, std::size_t n) {
    return in.read(pos, buf, n, "") == n;
}

std::uint64_t le(const std::uint8_t* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

// --------------------------------------------------------------------------------------------
// The zip central directory, checked before LibTorch's reader allocates anything
// --------------------------------------------------------------------------------------------

/// Overflow-checked unsigned arithmetic (portable; false when the result does not fit).
bool mulChecked(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
    *out = a * b;
    return true;
}
bool addChecked(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
    if (b > std::numeric_limits<std::uint64_t>::max() - a) return false;
    *out = a + b;
    return true;
}

struct ZipRecord {
    std::string name;
    std::uint64_t size = 0;
    std::uint64_t dataOffset = 0; ///< where the stored bytes start (after the local header)
    bool compressed = false;
};

constexpr std::uint64_t kMaxCentralDirectory = 256ull << 20;

Result<std::vector<ZipRecord>> scanZip(const ReadAdapterInterface& in) {
    using R = Result<std::vector<ZipRecord>>;
    const std::uint64_t size = in.size();
    constexpr std::uint64_t kEocd = 22;
    if (size < kEocd) return R::invalid("the file is too short to be a zip archive (truncated?)");
    const std::uint64_t tailLen = std::min<std::uint64_t>(size, kEocd + 0xffff);
    std::vector<std::uint8_t> tail(static_cast<std::size_t>(tailLen));
    if (!readExact(in, size - tailLen, tail.data(), tail.size())) return R::failed("cannot read the end of the file");
    std::int64_t at = -1;
    for (std::int64_t i = static_cast<std::int64_t>(tailLen - kEocd); i >= 0; --i) {
        const auto* p = tail.data() + i;
        if (le(p, 4) == 0x06054b50 && static_cast<std::uint64_t>(i) + kEocd + le(p + 20, 2) <= tailLen) {
            at = i;
            break;
        }
    }
    if (at < 0)
        return R::invalid("the zip archive has no end-of-directory record: the file is truncated or damaged");
    const std::uint64_t eocdPos = size - tailLen + static_cast<std::uint64_t>(at);
    const auto* e = tail.data() + at;
    std::uint64_t disk = le(e + 4, 2), cdDisk = le(e + 6, 2);
    std::uint64_t entriesHere = le(e + 8, 2), entries = le(e + 10, 2), cdSize = le(e + 12, 4), cdOffset = le(e + 16, 4);
    std::uint64_t directoryEnd = eocdPos;
    // ZIP64 (PyTorch's writer always adds it): a locator right before the record points at the
    // 64-bit end-of-directory record, whose values then count — as they do for LibTorch's reader,
    // which this scan must agree with.
    std::uint8_t loc[20], z[56];
    const bool hasLocator = eocdPos >= 20 + 56 && readExact(in, eocdPos - 20, loc, 20) && le(loc, 4) == 0x07064b50;
    const bool saturated = entries == 0xffff || cdSize == 0xffffffffu || cdOffset == 0xffffffffu;
    if (saturated && !hasLocator) return R::invalid("the zip archive's ZIP64 locator is missing (damaged file)");
    if (hasLocator) {
        const auto zpos = le(loc + 8, 8);
        if (zpos > size - 56) return R::invalid("the zip archive's ZIP64 directory record is damaged");
        const bool found = zpos <= eocdPos - 20 - 56 && readExact(in, zpos, z, 56) && le(z, 4) == 0x06064b50;
        if (!found && saturated) return R::invalid("the zip archive's ZIP64 directory record is damaged");
        if (found) {
            if (le(z + 4, 8) < 44) return R::invalid("the zip archive's ZIP64 directory record is damaged");
            if (le(loc + 16, 4) != 1) return R::invalid("multi-part zip archives are not supported");
            disk = le(z + 16, 4);
            cdDisk = le(z + 20, 4);
            entriesHere = le(z + 24, 8);
            entries = le(z + 32, 8);
            cdSize = le(z + 40, 8);
            cdOffset = le(z + 48, 8);
            directoryEnd = zpos;
        }
    }
    if (entriesHere != entries || ((disk | cdDisk) != 0 && (disk != 1 || cdDisk != 1)))
        return R::invalid("multi-part zip archives are not supported");
    if (cdOffset > directoryEnd || cdSize > directoryEnd - cdOffset)
        return R::invalid("the zip directory lies outside the file (truncated or damaged)");
    if (cdSize > kMaxCentralDirectory) return R::invalid("the zip directory is implausibly large");
    if (entries == 0) return R::invalid("the zip archive is empty");
    if (entries > cdSize / 46) return R::invalid("the zip directory claims more records than it holds (damaged)");

    std::vector<std::uint8_t> cd(static_cast<std::size_t>(cdSize));
    if (!readExact(in, cdOffset, cd.data(), cd.size())) return R::failed("cannot read the zip directory");
    std::vector<ZipRecord> records;
    records.reserve(static_cast<std::size_t>(entries));
    std::unordered_set<std::string> names;
    std::size_t p = 0;
    for (std::uint64_t k = 0; k < entries; ++k) {
        if (cd.size() - p < 46 || le(&cd[p], 4) != 0x02014b50) return R::invalid("the zip directory is damaged");
        const auto* h = &cd[p];
        const auto flags = le(h + 8, 2), method = le(h + 10, 2);
        std::uint64_t comp = le(h + 20, 4), uncomp = le(h + 24, 4), local = le(h + 42, 4);
        const auto nameLen = le(h + 28, 2), extraLen = le(h + 30, 2), commentLen = le(h + 32, 2);
        if (cd.size() - p - 46 < nameLen + extraLen + commentLen) return R::invalid("the zip directory is damaged");
        std::string name(reinterpret_cast<const char*>(h + 46), static_cast<std::size_t>(nameLen));
        // ZIP64 extra field: 64-bit values for the fields that hold 0xffffffff, in this order.
        const auto* x = h + 46 + nameLen;
        for (std::uint64_t q = 0; q + 4 <= extraLen;) {
            const auto id = le(x + q, 2), len = le(x + q + 2, 2);
            if (q + 4 + len > extraLen) return R::invalid("the zip directory entry of '" + name + "' is damaged");
            if (id == 0x0001) {
                std::uint64_t r = q + 4;
                for (auto* field : {&uncomp, &comp, &local}) {
                    if (*field != 0xffffffffu) continue;
                    if (r + 8 > q + 4 + len) return R::invalid("the zip directory entry of '" + name + "' is damaged");
                    *field = le(x + r, 8);
                    r += 8;
                }
            }
            q += 4 + len;
        }
        if (flags & (1u | 1u << 6 | 1u << 13)) return R::invalid("the zip record '" + name + "' is encrypted");
        if (flags & (1u << 5)) return R::invalid("the zip record '" + name + "' holds patch data");
        const auto diskStart = le(h + 34, 2);
        if (diskStart == 0xffff || (diskStart != disk && diskStart != 1))
            return R::invalid("multi-part zip archives are not supported");
        if ((le(h + 38, 4) & 0x10) || (!name.empty() && name.back() == '/'))
            return R::invalid("the zip record '" + name + "' is a folder, not data");
        std::uint64_t end = 0;
        if (!addChecked(local, 30 + nameLen, &end) || !addChecked(end, comp, &end) || end > cdOffset)
            return R::invalid("the zip record '" + name + "' extends past the start of the directory (damaged file)");
        if (!names.insert(name).second) return R::invalid("the zip archive holds '" + name + "' twice");
        // The local header must agree (LibTorch's reader fails, and leaks, on one that does not).
        std::uint8_t lh[30];
        std::string localName(static_cast<std::size_t>(nameLen), '\0');
        if (!readExact(in, local, lh, sizeof lh) || le(lh, 4) != 0x04034b50 || le(lh + 26, 2) != nameLen ||
            !readExact(in, local + 30, localName.data(), localName.size()) || localName != name)
            return R::invalid("the local header of zip record '" + name + "' is damaged");
        std::uint64_t dataOffset = 0, dataEnd = 0;
        if (!addChecked(local, 30 + nameLen + le(lh + 28, 2), &dataOffset) || !addChecked(dataOffset, comp, &dataEnd) ||
            dataEnd > cdOffset)
            return R::invalid("the zip record '" + name + "' extends past the start of the directory (damaged file)");
        records.push_back({std::move(name), uncomp, dataOffset, method != 0 || comp != uncomp});
        p += 46 + nameLen + extraLen + commentLen;
    }
    return records;
}

// --------------------------------------------------------------------------------------------

bool startsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

/// A storage key as torch.save writes it ("0", "140234…"): short and plain.
bool plainKey(const std::string& key) {
    if (key.empty() || key.size() > 128) return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
    });
}

/// What the first bytes say about a file that is not a zip archive.
std::string notZipReason(const std::uint8_t* b, std::size_t n, std::uint64_t fileSize) {
    if (n >= 2 && b[0] == 0x80)
        return "this is a legacy (pre-1.6) torch.save file, which is not supported; re-save it with "
               "torch.save(..., _use_new_zipfile_serialization=True)";
    if (n >= 9 && b[8] == '{' && le(b, 8) <= fileSize - 8)
        return "this is a safetensors file, not a torch.save archive";
    if (n >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 5 && b[3] == 6) return "the zip archive is empty";
    return "this is not a PyTorch checkpoint (no zip signature at the start)";
}

// pickleOnly: after the checks of the zip directory and the version record, copy data.pkl's
// bytes there and return without unpickling or reading any storage.
Result<TorchFile> readFrom(const std::shared_ptr<ReadAdapterInterface>& in, const std::string& label,
                           const PickleLimits& limits, std::string* pickleOnly = nullptr) {
    using R = Result<TorchFile>;
    auto bad = [&](const std::string& what) { return R::invalid(label + ": " + what); };
    if constexpr (std::endian::native != std::endian::little)
        return R::failed(label + ": reading torch.save archives on a big-endian machine is not supported");

    std::uint8_t head[16] = {};
    const std::size_t headLen = in->read(0, head, std::min<std::size_t>(sizeof head, in->size()), "");
    if (headLen < 4 || !(head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4))
        return bad(headLen == 0 ? std::string("the file is empty") : notZipReason(head, headLen, in->size()));

    auto scanned = scanZip(*in);
    if (!scanned) return bad(scanned.error().message);
    const auto& all = scanned.value();

    // LibTorch's reader takes the folder of the first record as the archive folder.
    TorchFile out;
    const auto slash = all.front().name.find('/');
    if (slash == std::string::npos || slash == 0)
        return bad("the record '" + all.front().name + "' is not inside a folder: not a torch.save archive");
    out.archiveName = all.front().name.substr(0, slash);
    const std::string prefix = out.archiveName + "/";
    std::unordered_map<std::string, std::uint64_t> sizes;
    std::unordered_map<std::string, const ZipRecord*> byName;
    for (const auto& r : all) {
        if (!startsWith(r.name, prefix)) continue;
        out.records.push_back(r.name.substr(prefix.size()));
        sizes[out.records.back()] = r.size;
        byName[out.records.back()] = &r;
    }
    bool script = sizes.count("constants.pkl") > 0;
    for (const auto& name : out.records) script = script || startsWith(name, "code/");
    if (script)
        return bad("this is a TorchScript archive (torch.jit.save), which holds a program; Reverie reads only "
                   "weights: save the model's state_dict() with torch.save, or export it as .safetensors");
    if (!sizes.count("data.pkl")) return bad("the archive has no data.pkl: not a torch.save archive");
    // LibTorch's reader would allocate a compressed record's declared size before inflating it.
    for (const auto& r : all)
        if (r.compressed)
            return bad("the zip record '" + r.name + "' is compressed; torch.save never compresses, and Reverie "
                       "refuses compressed records (one can expand without bound)");
    if (sizes.at("data.pkl") > limits.maxPickleBytes)
        return bad("data.pkl is " + std::to_string(sizes.at("data.pkl")) + " bytes, more than the limit");
    if (sizes.count("byteorder") && sizes.at("byteorder") > 16) return bad("the byteorder record is damaged");
    // The version record, checked as LibTorch's reader will check it (it throws, and leaks, otherwise).
    {
        const char* versionName = byName.count(".data/version") ? ".data/version" : "version";
        if (!byName.count(versionName)) return bad("the archive has no version record: not a torch.save archive");
        const auto* v = byName.at(versionName);
        std::string text(static_cast<std::size_t>(std::min<std::uint64_t>(v->size, 64)), '\0');
        if (v->size > 64 || !readExact(*in, v->dataOffset, text.data(), text.size()))
            return bad("the version record is damaged");
        std::uint64_t version = 0;
        std::size_t digits = 0;
        while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9' && version < 1'000'000)
            version = version * 10 + static_cast<std::uint64_t>(text[digits++] - '0');
        const bool tail = std::all_of(text.begin() + static_cast<std::ptrdiff_t>(digits), text.end(),
                                      [](char c) { return c == '\n' || c == '\r' || c == ' '; });
        if (digits == 0 || !tail) return bad("the version record is damaged");
        if (version < caffe2::serialize::kMinSupportedFileFormatVersion ||
            version > caffe2::serialize::kMaxSupportedFileFormatVersion)
            return bad("the archive has format version " + std::to_string(version) + ", which this LibTorch cannot read");
    }

    if (pickleOnly) {
        const auto* pkl = byName.at("data.pkl");
        pickleOnly->assign(static_cast<std::size_t>(pkl->size), '\0');
        if (pkl->size > 0 && !readExact(*in, pkl->dataOffset, pickleOnly->data(), pickleOnly->size()))
            return bad("data.pkl cannot be read");
        return out;
    }

    std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
    try {
        reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(in);
    } catch (const std::exception& e) {
        return bad("LibTorch cannot open the archive: " + firstLine(e.what()));
    }
    out.formatVersion = reader->version();
    if (sizes.count("byteorder")) {
        auto [ptr, n] = reader->getRecord("byteorder");
        const std::string order(static_cast<const char*>(ptr.get()), n);
        if (order != "little") return bad("the archive was written on a big-endian machine (byteorder '" + order + "')");
    }
    auto [pklPtr, pklSize] = reader->getRecord("data.pkl");
    const std::string_view pickle(static_cast<const char*>(pklPtr.get()), pklSize);

    struct Loaded {
        c10::Storage storage;
        std::uint64_t bytes = 0;
        bool boolChecked = false;
    };
    std::map<std::string, Loaded> storages;
    const StorageLoader loader = [&](const PickleValue& pid) -> Result<PickleStorage> {
        using S = Result<PickleStorage>;
        const auto items = pid.items();
        if (!pid.is(PickleKind::Tuple) || items.size() != 5 || items[0]->toString() != "storage")
            return S::invalid("a persistent id is not a ('storage', type, key, location, size) tuple: " + pickleRepr(pid, 200));
        const auto* type = items[1];
        const auto dtype = type->is(PickleKind::Global) && type->module() == "torch" ? torchStorageType(type->name())
                                                                                    : std::nullopt;
        if (!dtype) return S::invalid("unsupported storage type " + pickleRepr(*type, 100));
        std::string key;
        if (items[2]->is(PickleKind::String)) key = items[2]->raw();
        else if (items[2]->is(PickleKind::Int)) key = std::to_string(*items[2]->toInt());
        if (!plainKey(key)) return S::invalid("a storage key is not a plain name: " + pickleRepr(*items[2], 100));
        const auto numel = items[4]->is(PickleKind::Int) ? items[4]->toInt() : std::nullopt;
        if (!numel || *numel < 0) return S::invalid("storage " + key + " has no valid element count");
        const std::string record = "data/" + key;
        const auto found = sizes.find(record);
        if (found == sizes.end()) return S::invalid("the storage record " + record + " is missing from the archive");
        std::uint64_t need = 0;
        if (!mulChecked(static_cast<std::uint64_t>(*numel), static_cast<std::uint64_t>(c10::elementSize(*dtype)), &need) ||
            need > found->second)
            return S::invalid("storage " + record + " holds " + std::to_string(found->second) + " bytes but claims " +
                              std::to_string(*numel) + " elements of " + std::string(c10::toString(*dtype)));
        auto it = storages.find(key);
        if (it == storages.end()) {
            auto [ptr, n] = reader->getRecord(record);
            if (n != found->second) return S::invalid("the storage record " + record + " changed size while reading");
            Loaded l;
            l.bytes = n;
            if (n == 0) {
                l.storage = at::empty({0}, at::kByte).storage();
            } else {
                auto holder = std::make_shared<at::DataPtr>(std::move(ptr));
                void* data = holder->get();
                l.storage = at::from_blob(data, {static_cast<std::int64_t>(n)}, [holder](void*) mutable { holder.reset(); },
                                          at::TensorOptions().dtype(at::kByte))
                                .storage();
            }
            it = storages.emplace(key, std::move(l)).first;
        }
        if (*dtype == at::kBool && !it->second.boolChecked) {
            const auto* b = static_cast<const std::uint8_t*>(it->second.storage.data());
            for (std::uint64_t i = 0; i < it->second.bytes; ++i)
                if (b[i] > 1) return S::invalid("the bool storage " + record + " holds a byte that is neither 0 nor 1");
            it->second.boolChecked = true;
        }
        return PickleStorage{it->second.storage, *dtype, *numel};
    };
    auto tree = unpickle(pickle, loader, limits);
    if (!tree) return Error{tree.error().kind, label + ": data.pkl: " + tree.error().message};
    out.tree = std::move(tree).value();
    return out;
}

} // namespace

Result<TorchFile> readTorchZip(const std::string& path, const PickleLimits& limits) {
    return guarded<TorchFile>("reading " + path, [&]() -> Result<TorchFile> {
        auto in = openInput(path);
        if (!in) return in.error();
        return readFrom(in.value(), path, limits);
    });
}

Result<std::string> readTorchZipPickleBytes(const std::string& path, const PickleLimits& limits) {
    return guarded<std::string>("reading " + path, [&]() -> Result<std::string> {
        auto in = openInput(path);
        if (!in) return in.error();
        std::string bytes;
        auto r = readFrom(in.value(), path, limits, &bytes);
        if (!r) return r.error();
        return bytes;
    });
}

Result<TorchFile> readTorchZipFromMemory(std::string bytes, const PickleLimits& limits) {
    return guarded<TorchFile>("reading torch.save archive", [&]() -> Result<TorchFile> {
        return readFrom(std::make_shared<MemoryInput>(std::move(bytes)), "torch.save archive", limits);
    });
}

CheckpointFormat detectCheckpointFormat(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return CheckpointFormat::Missing;
    std::uint8_t b[9] = {};
    in.read(reinterpret_cast<char*>(b), sizeof b);
    const auto n = static_cast<std::size_t>(in.gcount());
    in.clear();
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::uint64_t>(std::max<std::streamoff>(0, in.tellg()));
    // Safetensors first: its first byte is the low byte of the header length, which may be 0x80
    // (the pickle PROTO opcode a legacy file starts with) or 'P'.
    if (n == 9 && b[8] == '{' && le(b, 8) <= size - 8) return CheckpointFormat::Safetensors;
    if (n >= 4 && b[0] == 'P' && b[1] == 'K' && ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6)))
        return CheckpointFormat::TorchZip;
    if (n >= 2 && b[0] == 0x80) return CheckpointFormat::TorchLegacy;
    return CheckpointFormat::Unknown;
}

Result<NamedTensors> readCheckpointTensors(const std::string& path, const std::string& subtree) {
    using R = Result<NamedTensors>;
    switch (detectCheckpointFormat(path)) {
    case CheckpointFormat::Missing: return R::invalid(path + ": cannot open the file");
    case CheckpointFormat::Safetensors: {
        if (!subtree.empty()) return R::invalid(path + ": a safetensors file has no '" + subtree + "' inside");
        auto f = readSafetensors(path);
        if (!f) return f.error();
        return std::move(f.value().tensors);
    }
    default: {
        auto f = readTorchZip(path);
        if (!f) return f.error();
        const auto* v = subtree.empty() ? &f.value().root() : findValue(f.value().root(), subtree);
        if (!v) return R::invalid(path + ": the checkpoint has no '" + subtree + "'");
        auto flat = flattenStateDict(*v);
        if (!flat) return Error{flat.error().kind, path + ": " + flat.error().message};
        return flat;
    }
    }
}

} // namespace reverie::models::formats
