// Values of an unpickled tree: accessors, lookups, torch's storage and dtype names.
#include "models/formats/pickle_parser.h"

#include <charconv>

namespace reverie::models::formats {

using detail::parseIndex;

PickleValue::PickleValue() = default;
PickleValue::~PickleValue() = default;

PickleValue::Extra& PickleValue::extra() {
    if (!m_extra) m_extra = std::make_unique<Extra>();
    return *m_extra;
}

PickleTree::PickleTree() = default;
PickleTree::~PickleTree() = default;

const char* pickleKindName(PickleKind kind) {
    switch (kind) {
    case PickleKind::None: return "None";
    case PickleKind::Bool: return "bool";
    case PickleKind::Int: return "int";
    case PickleKind::BigInt: return "big int";
    case PickleKind::Float: return "float";
    case PickleKind::String: return "str";
    case PickleKind::Bytes: return "bytes";
    case PickleKind::List: return "list";
    case PickleKind::Tuple: return "tuple";
    case PickleKind::Dict: return "dict";
    case PickleKind::Set: return "set";
    case PickleKind::FrozenSet: return "frozenset";
    case PickleKind::Tensor: return "tensor";
    case PickleKind::Storage: return "storage";
    case PickleKind::Global: return "global";
    case PickleKind::Object: return "object";
    }
    return "?";
}

namespace {
const std::string kEmpty;
}

bool PickleValue::isMapping() const {
    if (m_kind == PickleKind::Dict) return true;
    if (m_kind != PickleKind::Object) return false;
    if (!m_entries.empty()) return true;
    const auto* s = state();
    return s && (s->is(PickleKind::Dict) || s->is(PickleKind::Tuple));
}

bool PickleValue::isSequence() const {
    return m_kind == PickleKind::List || m_kind == PickleKind::Tuple || m_kind == PickleKind::Set ||
           m_kind == PickleKind::FrozenSet;
}

std::optional<bool> PickleValue::toBool() const {
    if (m_kind == PickleKind::Bool) return m_scalar.b;
    return std::nullopt;
}
std::optional<std::int64_t> PickleValue::toInt() const {
    if (m_kind == PickleKind::Int) return m_scalar.i;
    if (m_kind == PickleKind::Bool) return m_scalar.b ? 1 : 0;
    return std::nullopt;
}
std::optional<double> PickleValue::toDouble() const {
    if (m_kind == PickleKind::Float) return m_scalar.f;
    if (m_kind == PickleKind::Int) return static_cast<double>(m_scalar.i);
    if (m_kind == PickleKind::Bool) return m_scalar.b ? 1.0 : 0.0;
    return std::nullopt;
}
std::optional<std::string> PickleValue::toString() const {
    if (m_kind == PickleKind::String) return m_str;
    return std::nullopt;
}

std::size_t PickleValue::size() const {
    return m_kind == PickleKind::Dict ? m_entries.size() : m_items.size() + m_entries.size();
}

namespace {

/// Whether a mapping key matches `key` (strings exactly, ints and bools by their spelling).
bool keyMatches(const PickleValue& k, std::string_view key) {
    switch (k.kind()) {
    case PickleKind::String: return k.raw() == key;
    case PickleKind::Int: return std::to_string(*k.toInt()) == key;
    case PickleKind::BigInt: return k.raw() == key;
    case PickleKind::Bool: return key == (*k.toBool() ? "True" : "False");
    default: return false;
    }
}

const PickleValue* lookupEntries(std::span<const PickleEntry> entries, std::string_view key) {
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
        if (keyMatches(*it->key, key)) return it->value;
    return nullptr;
}

} // namespace

std::optional<std::size_t> detail::parseIndex(std::string_view s) {
    std::size_t i = 0;
    if (s.empty()) return std::nullopt;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return i;
}

const PickleValue* PickleValue::get(std::string_view key) const {
    if (m_kind == PickleKind::Dict) return lookupEntries(m_entries, key);
    if (m_kind == PickleKind::List || m_kind == PickleKind::Tuple) {
        const auto i = parseIndex(key);
        return i && *i < m_items.size() ? m_items[*i] : nullptr;
    }
    if (m_kind != PickleKind::Object) return nullptr;
    if (const auto* v = lookupEntries(m_entries, key)) return v;
    const auto* s = state();
    if (!s) return nullptr;
    if (s->is(PickleKind::Dict)) return lookupEntries(s->entries(), key);
    if (s->is(PickleKind::Tuple)) // (dict, slots) as object.__reduce_ex__ gives for __slots__
        for (const auto* part : s->items())
            if (part->is(PickleKind::Dict))
                if (const auto* v = lookupEntries(part->entries(), key)) return v;
    return nullptr;
}

const at::Tensor* PickleValue::tensor() const {
    return m_kind == PickleKind::Tensor && m_extra ? &m_extra->tensor : nullptr;
}
bool PickleValue::isParameter() const { return m_extra && m_extra->parameter; }
bool PickleValue::requiresGrad() const { return m_extra && m_extra->requiresGrad; }
const c10::Storage* PickleValue::storage() const {
    return m_kind == PickleKind::Storage && m_extra ? &m_extra->storage : nullptr;
}
std::optional<at::ScalarType> PickleValue::storageType() const {
    if (m_kind == PickleKind::Storage && m_extra) return m_extra->storageType;
    return std::nullopt;
}
std::int64_t PickleValue::storageNumel() const { return m_extra ? m_extra->storageNumel : 0; }
const std::string& PickleValue::module() const { return m_extra ? m_extra->module : kEmpty; }
const std::string& PickleValue::name() const { return m_extra ? m_extra->name : kEmpty; }
std::string PickleValue::qualifiedName() const {
    return module().empty() ? name() : module() + "." + name();
}
const PickleValue* PickleValue::args() const { return m_extra ? m_extra->args : nullptr; }
const PickleValue* PickleValue::kwargs() const { return m_extra ? m_extra->kwargs : nullptr; }
const PickleValue* PickleValue::state() const { return m_extra ? m_extra->state : nullptr; }
bool PickleValue::ordered() const { return m_extra && m_extra->ordered; }

// ============================================================================================
// torch type names
// ============================================================================================

std::optional<at::ScalarType> torchStorageType(std::string_view n) {
    struct Pair {
        const char* name;
        at::ScalarType type;
    };
    static constexpr Pair kTypes[] = {
        {"FloatStorage", at::kFloat},   {"DoubleStorage", at::kDouble}, {"HalfStorage", at::kHalf},
        {"BFloat16Storage", at::kBFloat16}, {"LongStorage", at::kLong}, {"IntStorage", at::kInt},
        {"ShortStorage", at::kShort},   {"CharStorage", at::kChar},     {"ByteStorage", at::kByte},
        {"BoolStorage", at::kBool},     {"ComplexFloatStorage", at::kComplexFloat},
        {"ComplexDoubleStorage", at::kComplexDouble}, {"UntypedStorage", at::kByte},
    };
    for (const auto& p : kTypes)
        if (n == p.name) return p.type;
    return std::nullopt;
}

std::optional<at::ScalarType> torchDtype(std::string_view n) {
    struct Pair {
        const char* name;
        at::ScalarType type;
    };
    static constexpr Pair kTypes[] = {
        {"float32", at::kFloat}, {"float", at::kFloat},     {"float64", at::kDouble},
        {"double", at::kDouble}, {"float16", at::kHalf},    {"half", at::kHalf},
        {"bfloat16", at::kBFloat16}, {"int64", at::kLong},  {"long", at::kLong},
        {"int32", at::kInt},     {"int", at::kInt},         {"int16", at::kShort},
        {"short", at::kShort},   {"int8", at::kChar},       {"uint8", at::kByte},
        {"bool", at::kBool},     {"complex64", at::kComplexFloat}, {"cfloat", at::kComplexFloat},
        {"complex128", at::kComplexDouble}, {"cdouble", at::kComplexDouble},
    };
    for (const auto& p : kTypes)
        if (n == p.name) return p.type;
    return std::nullopt;
}

} // namespace reverie::models::formats
