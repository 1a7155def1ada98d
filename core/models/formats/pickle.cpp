#include "models/formats/pickle.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <unordered_set>

namespace reverie::models::formats {

// ============================================================================================
// Values
// ============================================================================================

struct PickleValue::Extra {
    std::string module, name;            // Global, Object
    const PickleValue* args = nullptr;   // Object
    const PickleValue* kwargs = nullptr; // Object (NEWOBJ_EX)
    const PickleValue* state = nullptr;  // Object, Dict
    at::Tensor tensor;                   // Tensor
    c10::Storage storage;                // Storage
    at::ScalarType storageType = at::kByte;
    std::int64_t storageNumel = 0;
    bool parameter = false, requiresGrad = false, ordered = false;
};

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

std::optional<std::size_t> parseIndex(std::string_view s) {
    std::size_t i = 0;
    if (s.empty()) return std::nullopt;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return i;
}

} // namespace

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

// ============================================================================================
// The parser
// ============================================================================================

namespace {

struct PickleError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

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

bool checkedMulAdd(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t* out) {
    std::uint64_t m = 0;
    return mulChecked(a, b, &m) && addChecked(m, c, out);
}

/// Two's-complement little-endian bytes → signed decimal text (for integers beyond int64).
std::string bigIntDecimal(std::string_view le) {
    std::vector<std::uint8_t> mag(le.begin(), le.end());
    const bool negative = !mag.empty() && (mag.back() & 0x80);
    if (negative) { // magnitude = two's complement negation
        unsigned carry = 1;
        for (auto& b : mag) {
            const unsigned v = static_cast<std::uint8_t>(~b) + carry;
            b = static_cast<std::uint8_t>(v);
            carry = v >> 8;
        }
    }
    std::string digits;
    while (!mag.empty() && mag.back() == 0) mag.pop_back();
    while (!mag.empty()) { // repeated division by 10, most significant byte first
        unsigned rem = 0;
        for (auto it = mag.rbegin(); it != mag.rend(); ++it) {
            const unsigned cur = (rem << 8) | *it;
            *it = static_cast<std::uint8_t>(cur / 10);
            rem = cur % 10;
        }
        digits.push_back(static_cast<char>('0' + rem));
        while (!mag.empty() && mag.back() == 0) mag.pop_back();
    }
    if (digits.empty()) digits = "0";
    if (negative) digits.push_back('-');
    std::reverse(digits.begin(), digits.end());
    return digits;
}

} // namespace

class PickleParser {
public:
    PickleParser(std::string_view data, const StorageLoader& loader, const PickleLimits& limits)
        : m_data(data), m_loader(loader), m_limits(limits), m_tree(std::make_shared<PickleTree>()) {}

    std::shared_ptr<const PickleTree> run();
    std::size_t position() const { return m_opStart; }

private:
    using V = PickleValue;

    [[noreturn]] void fail(const std::string& what) const { throw PickleError(what); }

    // ---- input ---------------------------------------------------------------------------
    std::string_view take(std::uint64_t n) {
        if (n > m_data.size() - m_pos) fail("the pickle ends in the middle of an instruction (truncated)");
        const auto s = m_data.substr(m_pos, static_cast<std::size_t>(n));
        m_pos += static_cast<std::size_t>(n);
        return s;
    }
    std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
    std::uint64_t uintLE(int bytes) {
        const auto s = take(static_cast<std::uint64_t>(bytes));
        std::uint64_t v = 0;
        for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(s[static_cast<std::size_t>(i)]);
        return v;
    }
    std::string_view line() {
        const auto end = m_data.find('\n', m_pos);
        if (end == std::string_view::npos) fail("the pickle ends in the middle of a text argument (truncated)");
        if (end - m_pos > 4096) fail("a text argument is longer than 4096 bytes");
        auto s = m_data.substr(m_pos, end - m_pos);
        m_pos = end + 1;
        if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
        return s;
    }

    // ---- values --------------------------------------------------------------------------
    V* make(PickleKind kind) {
        if (m_tree->m_nodes.size() >= m_limits.maxNodes)
            fail("the pickle creates more than " + std::to_string(m_limits.maxNodes) + " values");
        auto& v = m_tree->m_nodes.emplace_back();
        v.m_kind = kind;
        return &v;
    }
    V* makeInt(std::int64_t i) {
        auto* v = make(PickleKind::Int);
        v->m_scalar.i = i;
        return v;
    }
    V* makeString(PickleKind kind, std::string_view s) {
        auto* v = make(kind);
        v->m_str.assign(s);
        return v;
    }
    V* makeGlobal(std::string module, std::string name) {
        if (module == "__builtin__") module = "builtins"; // protocol ≤ 2 spells Python 3 names the Python 2 way
        else if (module == "copy_reg") module = "copyreg";
        auto* v = make(PickleKind::Global);
        v->extra().module = std::move(module);
        v->extra().name = std::move(name);
        return v;
    }
    void countItems(std::size_t n) {
        m_items += n;
        if (m_items > m_limits.maxItems)
            fail("the pickle's containers hold more than " + std::to_string(m_limits.maxItems) + " elements");
    }
    template <typename Items>
    V* makeSequence(PickleKind kind, const Items& items) {
        countItems(items.size());
        auto* v = make(kind);
        v->m_items.assign(items.begin(), items.end());
        return v;
    }
    V* makeSequence(PickleKind kind) { return makeSequence(kind, std::vector<V*>{}); }

    // ---- stack ---------------------------------------------------------------------------
    std::size_t floor() const { return m_marks.empty() ? 0 : m_marks.back(); }
    void push(V* v) {
        if (m_stack.size() >= m_limits.maxStack)
            fail("the pickle stacks up more than " + std::to_string(m_limits.maxStack) + " values");
        m_stack.push_back(v);
    }
    V* pop() {
        if (m_stack.size() <= floor()) fail("the pickle takes a value from an empty stack (unbalanced)");
        auto* v = m_stack.back();
        m_stack.pop_back();
        return v;
    }
    V* top() {
        if (m_stack.size() <= floor()) fail("the pickle uses a value from an empty stack (unbalanced)");
        return m_stack.back();
    }
    std::vector<V*> popMark() {
        if (m_marks.empty()) fail("the pickle closes a MARK that was never opened (unbalanced)");
        const auto k = m_marks.back();
        m_marks.pop_back();
        std::vector<V*> items(m_stack.begin() + static_cast<std::ptrdiff_t>(k), m_stack.end());
        m_stack.resize(k);
        return items;
    }

    // ---- memo ----------------------------------------------------------------------------
    void memoPut(std::uint64_t index, V* v) {
        if (index >= m_limits.maxMemo) fail("memo index " + std::to_string(index) + " is beyond the limit");
        if (index >= m_memo.size()) m_memo.resize(static_cast<std::size_t>(index) + 1, nullptr);
        if (!m_memo[index]) ++m_memoCount;
        m_memo[index] = v;
    }
    V* memoGet(std::uint64_t index) {
        if (index >= m_memo.size() || !m_memo[index])
            fail("the pickle refers to memo entry " + std::to_string(index) + ", which was never stored");
        return m_memo[index];
    }

    // ---- semantics -----------------------------------------------------------------------
    void dispatch(std::uint8_t op);
    V* call(V* callable, V* args);
    V* newObject(V* cls, V* args, V* kwargs);
    V* opaque(const V* callable, V* args, const char* suffix = "");
    V* interpret(const std::string& module, const std::string& name, const V* args);
    V* rebuildTensor(std::span<const V* const> a, std::optional<at::ScalarType> dtype);
    V* numpyScalar(std::span<const V* const> a);
    void setItems(V* target, const std::vector<V*>& kv);
    void appendItems(V* target, const std::vector<V*>& items, bool set);
    void build(V* target, V* state);
    V* persistentLoad(V* pid);

    std::string_view m_data;
    std::size_t m_pos = 0, m_opStart = 0;
    const StorageLoader& m_loader;
    const PickleLimits& m_limits;
    std::shared_ptr<PickleTree> m_tree;
    std::vector<V*> m_stack;
    std::vector<std::size_t> m_marks;
    std::vector<V*> m_memo;
    std::size_t m_memoCount = 0, m_items = 0;
    V* m_none = nullptr;
    V* m_true = nullptr;
    V* m_false = nullptr;
    bool m_stopped = false;
};

std::shared_ptr<const PickleTree> PickleParser::run() {
    if (m_data.size() > m_limits.maxPickleBytes)
        fail("the pickle is " + std::to_string(m_data.size()) + " bytes, more than the limit");
    m_none = make(PickleKind::None);
    m_true = make(PickleKind::Bool);
    m_true->m_scalar.b = true;
    m_false = make(PickleKind::Bool);
    m_false->m_scalar.b = false;
    while (!m_stopped) {
        m_opStart = m_pos;
        if (m_pos >= m_data.size()) fail("the pickle ends without a STOP instruction (truncated)");
        dispatch(u8());
    }
    if (!m_marks.empty() || m_stack.size() != 1)
        fail("the pickle stops with " + std::to_string(m_stack.size()) + " values and " +
             std::to_string(m_marks.size()) + " open MARKs on its stack (unbalanced)");
    m_tree->m_root = m_stack.back();
    return m_tree;
}

void PickleParser::dispatch(std::uint8_t op) {
    switch (op) {
    // -- framing and control -------------------------------------------------------------
    case 0x80: { // PROTO
        const auto proto = u8();
        if (proto > 5) fail("pickle protocol " + std::to_string(proto) + " is not supported");
        return;
    }
    case 0x95: { // FRAME: a length prefix for buffering; the contents follow unchanged
        const auto n = uintLE(8);
        if (n > m_data.size() - m_pos) fail("a pickle frame runs past the end of the data (truncated)");
        return;
    }
    case '.': m_stopped = true; return; // STOP
    case '(': // MARK
        if (m_marks.size() >= m_limits.maxMarks) fail("the pickle opens too many MARKs at once");
        m_marks.push_back(m_stack.size());
        return;
    case '0': // POP
        if (m_stack.size() > floor()) m_stack.pop_back();
        else popMark();
        return;
    case '1': popMark(); return; // POP_MARK
    case '2': push(top()); return; // DUP

    // -- scalars -------------------------------------------------------------------------
    case 'N': push(m_none); return;
    case 0x88: push(m_true); return;  // NEWTRUE
    case 0x89: push(m_false); return; // NEWFALSE
    case 'J': push(makeInt(static_cast<std::int32_t>(static_cast<std::uint32_t>(uintLE(4))))); return; // BININT
    case 'K': push(makeInt(u8())); return;                                   // BININT1
    case 'M': push(makeInt(static_cast<std::int64_t>(uintLE(2)))); return;   // BININT2
    case 0x8a: case 0x8b: { // LONG1, LONG4: two's-complement little-endian
        std::uint64_t n = op == 0x8a ? u8() : uintLE(4);
        if (op == 0x8b && (n & 0x80000000u)) fail("LONG4 with a negative length");
        if (n > m_limits.maxIntBytes) fail("an integer of " + std::to_string(n) + " bytes is beyond the limit");
        const auto bytes = take(n);
        // Drop redundant sign-extension bytes, then see whether it fits 64 bits.
        std::size_t len = bytes.size();
        while (len > 1) {
            const auto last = static_cast<std::uint8_t>(bytes[len - 1]);
            const auto prev = static_cast<std::uint8_t>(bytes[len - 2]);
            if ((last == 0x00 && !(prev & 0x80)) || (last == 0xff && (prev & 0x80))) --len;
            else break;
        }
        if (len <= 8) {
            std::uint64_t u = 0;
            for (std::size_t i = len; i-- > 0;) u = (u << 8) | static_cast<std::uint8_t>(bytes[i]);
            if (len > 0 && len < 8 && (static_cast<std::uint8_t>(bytes[len - 1]) & 0x80)) u |= ~0ull << (8 * len);
            push(makeInt(static_cast<std::int64_t>(u)));
        } else {
            push(makeString(PickleKind::BigInt, bigIntDecimal(bytes.substr(0, len))));
        }
        return;
    }
    case 'I': case 'L': { // INT, LONG (text)
        auto s = line();
        if (op == 'I' && (s == "00" || s == "01")) {
            push(s == "01" ? m_true : m_false);
            return;
        }
        if (op == 'L' && !s.empty() && s.back() == 'L') s.remove_suffix(1);
        std::int64_t v = 0;
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size()) fail("a text integer is malformed or too large");
        push(makeInt(v));
        return;
    }
    case 'G': { // BINFLOAT: big-endian IEEE double
        const auto s = take(8);
        std::uint64_t u = 0;
        for (int i = 0; i < 8; ++i) u = (u << 8) | static_cast<std::uint8_t>(s[static_cast<std::size_t>(i)]);
        auto* v = make(PickleKind::Float);
        v->m_scalar.f = std::bit_cast<double>(u);
        push(v);
        return;
    }
    case 'F': { // FLOAT (text)
        const auto s = line();
        double d = 0;
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (ec != std::errc() || p != s.data() + s.size()) fail("a text float is malformed");
        auto* v = make(PickleKind::Float);
        v->m_scalar.f = d;
        push(v);
        return;
    }
    case 'X': push(makeString(PickleKind::String, take(uintLE(4)))); return;    // BINUNICODE
    case 0x8c: push(makeString(PickleKind::String, take(u8()))); return;        // SHORT_BINUNICODE
    case 0x8d: push(makeString(PickleKind::String, take(uintLE(8)))); return;   // BINUNICODE8
    case 'T': { // BINSTRING (Python 2 str; torch.load decodes it as UTF-8)
        const auto n = static_cast<std::int32_t>(static_cast<std::uint32_t>(uintLE(4)));
        if (n < 0) fail("BINSTRING with a negative length");
        push(makeString(PickleKind::String, take(static_cast<std::uint64_t>(n))));
        return;
    }
    case 'U': push(makeString(PickleKind::String, take(u8()))); return;         // SHORT_BINSTRING
    case 'B': push(makeString(PickleKind::Bytes, take(uintLE(4)))); return;     // BINBYTES
    case 'C': push(makeString(PickleKind::Bytes, take(u8()))); return;          // SHORT_BINBYTES
    case 0x8e: case 0x96: push(makeString(PickleKind::Bytes, take(uintLE(8)))); return; // BINBYTES8, BYTEARRAY8

    // -- containers ----------------------------------------------------------------------
    case ')': push(makeSequence(PickleKind::Tuple)); return; // EMPTY_TUPLE
    case 0x85: case 0x86: case 0x87: { // TUPLE1..3
        const int n = op - 0x84;
        std::vector<V*> items(static_cast<std::size_t>(n));
        for (int i = n - 1; i >= 0; --i) items[static_cast<std::size_t>(i)] = pop();
        push(makeSequence(PickleKind::Tuple, std::move(items)));
        return;
    }
    case 't': push(makeSequence(PickleKind::Tuple, popMark())); return; // TUPLE
    case ']': push(makeSequence(PickleKind::List)); return;         // EMPTY_LIST
    case 'l': push(makeSequence(PickleKind::List, popMark())); return;  // LIST
    case 'a': { // APPEND
        auto* item = pop();
        appendItems(top(), {item}, false);
        return;
    }
    case 'e': { // APPENDS
        auto items = popMark();
        appendItems(top(), items, false);
        return;
    }
    case '}': push(make(PickleKind::Dict)); return; // EMPTY_DICT
    case 'd': { // DICT
        auto kv = popMark();
        auto* d = make(PickleKind::Dict);
        setItems(d, kv);
        push(d);
        return;
    }
    case 's': { // SETITEM
        auto* value = pop();
        auto* key = pop();
        setItems(top(), {key, value});
        return;
    }
    case 'u': { // SETITEMS
        auto kv = popMark();
        setItems(top(), kv);
        return;
    }
    case 0x8f: push(make(PickleKind::Set)); return; // EMPTY_SET
    case 0x90: { // ADDITEMS
        auto items = popMark();
        appendItems(top(), items, true);
        return;
    }
    case 0x91: push(makeSequence(PickleKind::FrozenSet, popMark())); return; // FROZENSET

    // -- memo ----------------------------------------------------------------------------
    case 'q': memoPut(u8(), top()); return;        // BINPUT
    case 'r': memoPut(uintLE(4), top()); return;   // LONG_BINPUT
    case 0x94: memoPut(m_memoCount, top()); return; // MEMOIZE
    case 'h': push(memoGet(u8())); return;         // BINGET
    case 'j': push(memoGet(uintLE(4))); return;    // LONG_BINGET
    case 'p': case 'g': { // PUT, GET (text)
        const auto s = line();
        const auto i = parseIndex(s);
        if (!i) fail("a text memo index is malformed");
        if (op == 'p') memoPut(*i, top());
        else push(memoGet(*i));
        return;
    }

    // -- names and calls (never executed) ------------------------------------------------
    case 'c': { // GLOBAL
        std::string module(line());
        std::string name(line());
        push(makeGlobal(std::move(module), std::move(name)));
        return;
    }
    case 0x93: { // STACK_GLOBAL
        auto* name = pop();
        auto* module = pop();
        if (!module->is(PickleKind::String) || !name->is(PickleKind::String))
            fail("STACK_GLOBAL needs two strings");
        push(makeGlobal(module->raw(), name->raw()));
        return;
    }
    case 'R': { // REDUCE
        auto* args = pop();
        auto* callable = pop();
        push(call(callable, args));
        return;
    }
    case 0x81: { // NEWOBJ
        auto* args = pop();
        auto* cls = pop();
        push(newObject(cls, args, nullptr));
        return;
    }
    case 0x92: { // NEWOBJ_EX
        auto* kwargs = pop();
        auto* args = pop();
        auto* cls = pop();
        push(newObject(cls, args, kwargs));
        return;
    }
    case 'b': { // BUILD
        auto* state = pop();
        build(top(), state);
        return;
    }
    case 'i': { // INST: class by name, arguments since the MARK
        std::string module(line());
        std::string name(line());
        auto args = makeSequence(PickleKind::Tuple, popMark());
        push(call(makeGlobal(std::move(module), std::move(name)), args));
        return;
    }
    case 'o': { // OBJ: class and arguments since the MARK
        auto items = popMark();
        if (items.empty()) fail("OBJ without a class");
        auto* cls = items.front();
        auto* args = makeSequence(PickleKind::Tuple, std::vector<V*>(items.begin() + 1, items.end()));
        push(call(cls, args));
        return;
    }
    case 'Q': push(persistentLoad(pop())); return; // BINPERSID
    case 'P': push(persistentLoad(makeString(PickleKind::String, line()))); return; // PERSID

    // -- refused -------------------------------------------------------------------------
    case 'S': case 'V':
        fail("text-protocol string instructions are not supported (re-save with a binary pickle protocol)");
    case 0x82: case 0x83: case 0x84:
        fail("pickle extension-registry instructions (EXT1/2/4) are not supported");
    case 0x97: case 0x98:
        fail("out-of-band pickle buffers are not supported");
    default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail(std::string("unknown pickle instruction ") + hex + " (corrupt file?)");
    }
    }
}

void PickleParser::setItems(V* target, const std::vector<V*>& kv) {
    if (kv.size() % 2 != 0) fail("a dictionary update has a key without a value");
    if (!target->is(PickleKind::Dict) && !target->is(PickleKind::Object))
        fail(std::string("the pickle sets dictionary items on a ") + pickleKindName(target->kind()));
    countItems(kv.size() / 2);
    for (std::size_t i = 0; i < kv.size(); i += 2) target->m_entries.push_back({kv[i], kv[i + 1]});
}

void PickleParser::appendItems(V* target, const std::vector<V*>& items, bool set) {
    const bool ok = target->is(PickleKind::Object) || (set ? target->is(PickleKind::Set) : target->is(PickleKind::List));
    if (!ok) fail(std::string("the pickle ") + (set ? "adds set items to a " : "appends to a ") + pickleKindName(target->kind()));
    countItems(items.size());
    target->m_items.insert(target->m_items.end(), items.begin(), items.end());
}

void PickleParser::build(V* target, V* state) {
    switch (target->kind()) {
    case PickleKind::Object:
    case PickleKind::Dict: // e.g. the "_metadata" attribute of a state dict
        target->extra().state = state;
        return;
    case PickleKind::Tensor: // tensor subclass state: kept out of the tensor itself
        return;
    default: fail(std::string("the pickle sets the state of a ") + pickleKindName(target->kind()));
    }
}

PickleValue* PickleParser::opaque(const V* callable, V* args, const char* suffix) {
    auto* o = make(PickleKind::Object);
    auto& x = o->extra();
    x.module = callable->module();
    x.name = callable->name() + suffix;
    x.args = args;
    return o;
}

PickleValue* PickleParser::newObject(V* cls, V* args, V* kwargs) {
    if (!args->is(PickleKind::Tuple)) fail("NEWOBJ arguments are not a tuple");
    if (kwargs && !kwargs->is(PickleKind::Dict)) fail("NEWOBJ_EX keyword arguments are not a dict");
    if (cls->is(PickleKind::Global) && !kwargs) {
        const auto& m = cls->module();
        const auto& n = cls->name();
        // Builtin containers created by NEWOBJ start empty; their items follow.
        if ((m == "collections" && (n == "OrderedDict" || n == "defaultdict")) || (m == "builtins" && n == "dict")) {
            auto* d = make(PickleKind::Dict);
            d->extra().ordered = n == "OrderedDict";
            return d;
        }
        if (m == "builtins" && n == "set") return make(PickleKind::Set);
        if (m == "builtins" && n == "list") return make(PickleKind::List);
    }
    if (!cls->is(PickleKind::Global) && !cls->is(PickleKind::Object))
        fail(std::string("NEWOBJ on a ") + pickleKindName(cls->kind()));
    auto* o = opaque(cls, args, cls->is(PickleKind::Object) ? "()" : "");
    o->extra().kwargs = kwargs;
    return o;
}

PickleValue* PickleParser::call(V* callable, V* args) {
    if (!args->is(PickleKind::Tuple)) fail("the arguments of a call are not a tuple");
    if (callable->is(PickleKind::Global)) {
        if (auto* v = interpret(callable->module(), callable->name(), args)) return v;
        return opaque(callable, args);
    }
    if (callable->is(PickleKind::Object)) return opaque(callable, args, "()");
    fail(std::string("the pickle calls a ") + pickleKindName(callable->kind()));
}

/// The allow-list. Returns nullptr for names it does not interpret (→ an opaque Object); fails
/// for an allow-listed tensor function whose arguments are wrong (a corrupt file).
PickleValue* PickleParser::interpret(const std::string& m, const std::string& n, const V* args) {
    const auto& a = args->m_items;
    const std::span<const V* const> av(a.data(), a.size());
    if (m == "torch._utils") {
        if (n == "_rebuild_tensor") {
            if (a.size() != 4) fail("_rebuild_tensor needs 4 arguments");
            return rebuildTensor(av, std::nullopt);
        }
        if (n == "_rebuild_tensor_v2") {
            if (a.size() != 6 && a.size() != 7) fail("_rebuild_tensor_v2 needs 6 or 7 arguments");
            auto* t = rebuildTensor(av, std::nullopt);
            t->extra().requiresGrad = a[4]->toBool().value_or(false);
            return t;
        }
        if (n == "_rebuild_tensor_v3") {
            if (a.size() != 7 && a.size() != 8) fail("_rebuild_tensor_v3 needs 7 or 8 arguments");
            const auto* dt = a[6];
            const auto type = dt->is(PickleKind::Global) && dt->module() == "torch" ? torchDtype(dt->name()) : std::nullopt;
            if (!type) fail("_rebuild_tensor_v3 with an unsupported dtype " + dt->qualifiedName());
            auto* t = rebuildTensor(av, type);
            t->extra().requiresGrad = a[4]->toBool().value_or(false);
            return t;
        }
        if (n == "_rebuild_parameter" || n == "_rebuild_parameter_with_state") {
            if (a.size() < 3 || !a[0]->is(PickleKind::Tensor)) fail(n + " needs a tensor");
            auto* t = make(PickleKind::Tensor);
            t->extra().tensor = a[0]->m_extra->tensor;
            t->extra().parameter = true;
            t->extra().requiresGrad = a[1]->toBool().value_or(false);
            return t;
        }
        return nullptr;
    }
    if (m == "torch._tensor" && (n == "_rebuild_from_type_v2" || n == "_rebuild_from_type")) {
        // (function, subclass, arguments, state): a tensor subclass. Rebuild the plain tensor
        // if the function is one of ours; otherwise the whole thing stays opaque.
        if (a.size() != 4 || !a[0]->is(PickleKind::Global) || !a[2]->is(PickleKind::Tuple)) return nullptr;
        if (a[0]->module() != "torch._utils") return nullptr;
        auto* v = interpret(a[0]->module(), a[0]->name(), a[2]);
        return v && v->is(PickleKind::Tensor) ? v : nullptr;
    }
    if (m == "torch" && n == "Size") {
        if (a.size() != 1 || !(a[0]->is(PickleKind::Tuple) || a[0]->is(PickleKind::List))) return nullptr;
        return makeSequence(PickleKind::Tuple, a[0]->m_items);
    }
    if (m == "collections" && (n == "OrderedDict" || n == "defaultdict")) {
        auto* d = make(PickleKind::Dict);
        d->extra().ordered = n == "OrderedDict";
        // OrderedDict(pairs) is possible; defaultdict(factory) keeps only its items.
        if (n == "OrderedDict" && !a.empty()) {
            if (a.size() != 1 || !(a[0]->is(PickleKind::List) || a[0]->is(PickleKind::Tuple))) return nullptr;
            std::vector<V*> kv;
            for (const auto* pair : a[0]->m_items) {
                if (!pair->is(PickleKind::Tuple) || pair->m_items.size() != 2) return nullptr;
                kv.push_back(const_cast<V*>(pair->m_items[0]));
                kv.push_back(const_cast<V*>(pair->m_items[1]));
            }
            setItems(d, kv);
        }
        return d;
    }
    if (m == "builtins") {
        if (n == "set" || n == "frozenset") {
            const auto kind = n == "set" ? PickleKind::Set : PickleKind::FrozenSet;
            if (a.empty()) return make(kind);
            if (a.size() != 1 || !a[0]->isSequence()) return nullptr;
            return makeSequence(kind, a[0]->m_items);
        }
        if (n == "dict" && a.empty()) return make(PickleKind::Dict);
        if (n == "bytes" || n == "bytearray") {
            if (a.empty()) return makeString(PickleKind::Bytes, "");
            if (a.size() == 1 && a[0]->is(PickleKind::Bytes)) return makeString(PickleKind::Bytes, a[0]->raw());
            if (a.size() == 2 && a[0]->is(PickleKind::String)) return interpret("_codecs", "encode", args);
        }
        return nullptr;
    }
    if (m == "_codecs" && n == "encode") {
        // Protocol 2 writes bytes as _codecs.encode(text, 'latin1'): undo the latin-1 decoding.
        if (a.size() != 2 || !a[0]->is(PickleKind::String) || !a[1]->is(PickleKind::String)) return nullptr;
        if (a[1]->raw() != "latin1" && a[1]->raw() != "latin-1") return nullptr;
        std::string out;
        const auto& s = a[0]->raw();
        for (std::size_t i = 0; i < s.size();) {
            const auto c = static_cast<std::uint8_t>(s[i]);
            if (c < 0x80) {
                out.push_back(static_cast<char>(c));
                ++i;
            } else if ((c & 0xe0) == 0xc0 && i + 1 < s.size() && c <= 0xc3) {
                out.push_back(static_cast<char>(((c & 0x1f) << 6) | (static_cast<std::uint8_t>(s[i + 1]) & 0x3f)));
                i += 2;
            } else {
                return nullptr; // a code point above U+00FF: not a latin-1 byte string
            }
        }
        return makeString(PickleKind::Bytes, out);
    }
    if ((m == "numpy.core.multiarray" || m == "numpy._core.multiarray") && n == "scalar") return numpyScalar(av);
    return nullptr;
}

PickleValue* PickleParser::rebuildTensor(std::span<const V* const> a, std::optional<at::ScalarType> dtype) {
    const auto* storage = a[0];
    if (!storage->is(PickleKind::Storage))
        fail(std::string("a tensor's storage is a ") + pickleKindName(storage->kind()) + ", not a storage");
    const auto offset = a[1]->toInt();
    if (!a[1]->is(PickleKind::Int) || !offset || *offset < 0) fail("a tensor's storage offset is not a non-negative integer");
    auto dims = [&](const V* v, const char* what) {
        if (!v->is(PickleKind::Tuple) && !v->is(PickleKind::List)) fail(std::string("a tensor's ") + what + " is not a tuple");
        if (v->m_items.size() > m_limits.maxDims)
            fail(std::string("a tensor's ") + what + " has more than " + std::to_string(m_limits.maxDims) + " dimensions");
        std::vector<std::int64_t> out;
        for (const auto* d : v->m_items) {
            if (!d->is(PickleKind::Int) || d->m_scalar.i < 0)
                fail(std::string("a tensor's ") + what + " holds something other than a non-negative integer");
            out.push_back(d->m_scalar.i);
        }
        return out;
    };
    const auto sizes = dims(a[2], "size");
    const auto strides = dims(a[3], "stride");
    if (sizes.size() != strides.size()) fail("a tensor's size and stride differ in length");

    const auto type = dtype.value_or(storage->m_extra->storageType);
    const auto itemSize = static_cast<std::uint64_t>(c10::elementSize(type));
    const auto& st = storage->m_extra->storage;
    // Elements available: the storage's own count, or what its bytes hold for another dtype.
    const std::uint64_t available = type == storage->m_extra->storageType
                                        ? static_cast<std::uint64_t>(storage->m_extra->storageNumel)
                                        : static_cast<std::uint64_t>(st.nbytes()) / itemSize;
    // The largest element index the view touches: offset + Σ (size−1)·stride, overflow-checked.
    bool empty = false;
    for (const auto s : sizes) empty = empty || s == 0;
    std::uint64_t last = static_cast<std::uint64_t>(*offset);
    if (!empty) {
        for (std::size_t i = 0; i < sizes.size(); ++i)
            if (!checkedMulAdd(static_cast<std::uint64_t>(sizes[i] - 1), static_cast<std::uint64_t>(strides[i]), last, &last))
                fail("a tensor's size and stride overflow");
        if (last >= available)
            fail("a tensor reaches element " + std::to_string(last) + " of a storage that holds " +
                 std::to_string(available) + " (corrupt or hostile file)");
    } else if (last > available) {
        fail("an empty tensor starts beyond the end of its storage");
    }
    std::uint64_t numel = 1;
    for (const auto s : sizes)
        if (!mulChecked(numel, static_cast<std::uint64_t>(s), &numel) ||
            numel > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            fail("a tensor's size overflows");

    auto t = at::empty({0}, at::TensorOptions().dtype(type));
    t.set_(st, *offset, sizes, strides);
    auto* v = make(PickleKind::Tensor);
    v->extra().tensor = std::move(t);
    return v;
}

PickleValue* PickleParser::numpyScalar(std::span<const V* const> a) {
    // scalar(dtype, bytes), dtype = numpy.dtype('f8', False, True) with BUILD state
    // (3, '<', None, None, None, -1, -1, 0). Plain little-endian numbers only.
    if (a.size() != 2 || !a[0]->is(PickleKind::Object) || !a[1]->is(PickleKind::Bytes)) return nullptr;
    const auto* dt = a[0];
    if (dt->module() != "numpy" || dt->name() != "dtype" || !dt->args() || dt->args()->m_items.empty()) return nullptr;
    const auto code = dt->args()->m_items[0]->toString();
    if (!code || code->size() != 2) return nullptr;
    if (const auto* st = dt->state(); st && st->is(PickleKind::Tuple) && st->m_items.size() > 1) {
        const auto order = st->m_items[1]->toString();
        if (order && *order == ">") return nullptr;
    }
    const char k = (*code)[0];
    const int size = (*code)[1] - '0';
    const auto& bytes = a[1]->raw();
    if (size <= 0 || static_cast<std::size_t>(size) != bytes.size()) return nullptr;
    std::uint64_t u = 0;
    for (int i = size - 1; i >= 0; --i) u = (u << 8) | static_cast<std::uint8_t>(bytes[static_cast<std::size_t>(i)]);
    if (k == 'f' && (size == 8 || size == 4)) {
        auto* v = make(PickleKind::Float);
        v->m_scalar.f = size == 8 ? std::bit_cast<double>(u) : std::bit_cast<float>(static_cast<std::uint32_t>(u));
        return v;
    }
    if (k == 'i' && size <= 8) {
        if (size < 8 && (u >> (8 * size - 1)) & 1) u |= ~0ull << (8 * size);
        return makeInt(static_cast<std::int64_t>(u));
    }
    if (k == 'u' && size <= 8 && u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return makeInt(static_cast<std::int64_t>(u));
    if (k == 'b' && size == 1) return u ? m_true : m_false;
    return nullptr;
}

PickleValue* PickleParser::persistentLoad(V* pid) {
    if (!m_loader) fail("the pickle refers to external data (a persistent id), which this reader does not resolve");
    auto r = m_loader(*pid);
    if (!r) fail(r.error().message);
    auto* v = make(PickleKind::Storage);
    auto& x = v->extra();
    x.storage = r.value().storage;
    x.storageType = r.value().type;
    x.storageNumel = r.value().numel;
    return v;
}

} // namespace reverie::models::formats

// ============================================================================================
// Entry point and tree helpers
// ============================================================================================

namespace reverie::models::formats {

Result<std::shared_ptr<const PickleTree>> unpickle(std::string_view bytes, const StorageLoader& loader,
                                                   const PickleLimits& limits) {
    using R = Result<std::shared_ptr<const PickleTree>>;
    if constexpr (std::endian::native != std::endian::little)
        return R::failed("unpickling on a big-endian machine is not supported");
    PickleParser parser(bytes, loader, limits);
    try {
        return parser.run();
    } catch (const PickleError& e) {
        return R::invalid("pickle, byte " + std::to_string(parser.position()) + ": " + e.what());
    } catch (const std::exception& e) {
        return R::failed("pickle, byte " + std::to_string(parser.position()) + ": " + firstLine(e.what()));
    }
}

namespace {

const PickleValue* findImpl(const PickleValue& v, std::string_view path, int depth) {
    if (path.empty()) return &v;
    if (depth <= 0) return nullptr;
    // Try the longest key first: keys may contain dots themselves.
    for (std::size_t cut = path.size();; ) {
        const auto key = path.substr(0, cut);
        if (const auto* child = v.get(key)) {
            if (cut == path.size()) return child;
            if (const auto* found = findImpl(*child, path.substr(cut + 1), depth - 1)) return found;
        }
        if (cut == 0) return nullptr;
        const auto dot = path.rfind('.', cut - 1);
        if (dot == std::string_view::npos) return nullptr;
        cut = dot;
    }
}

} // namespace

const PickleValue* findValue(const PickleValue& root, std::string_view path) {
    return findImpl(root, path, 64);
}

const PickleValue* findValue(const PickleValue& root, std::span<const std::string> keys) {
    const PickleValue* v = &root;
    for (const auto& k : keys) {
        v = v->get(k);
        if (!v) return nullptr;
    }
    return v;
}

std::optional<std::int64_t> findInt(const PickleValue& root, std::string_view path) {
    const auto* v = findValue(root, path);
    return v && v->is(PickleKind::Int) ? v->toInt() : std::nullopt;
}
std::optional<double> findDouble(const PickleValue& root, std::string_view path) {
    const auto* v = findValue(root, path);
    return v && (v->is(PickleKind::Float) || v->is(PickleKind::Int)) ? v->toDouble() : std::nullopt;
}
std::optional<std::string> findString(const PickleValue& root, std::string_view path) {
    const auto* v = findValue(root, path);
    return v ? v->toString() : std::nullopt;
}
std::optional<bool> findBool(const PickleValue& root, std::string_view path) {
    const auto* v = findValue(root, path);
    return v ? v->toBool() : std::nullopt;
}
const at::Tensor* findTensor(const PickleValue& root, std::string_view path) {
    const auto* v = findValue(root, path);
    return v ? v->tensor() : nullptr;
}

namespace {

struct Flattener {
    const PickleLimits& limits;
    NamedTensors out;
    std::vector<const PickleValue*> path; // ancestors, for cycle detection
    std::size_t visits = 0;
    std::uint64_t nameBytes = 0;
    std::string error;

    static std::string keyText(const PickleValue& k) {
        switch (k.kind()) {
        case PickleKind::String:
        case PickleKind::BigInt: return k.raw();
        case PickleKind::Int: return std::to_string(*k.toInt());
        case PickleKind::Bool: return *k.toBool() ? "True" : "False";
        default: return pickleRepr(k, 80);
        }
    }
    static std::string join(const std::string& prefix, const std::string& key) {
        return prefix.empty() ? key : prefix + "." + key;
    }

    bool walk(const PickleValue& v, const std::string& name) {
        if (++visits > limits.maxVisits) {
            error = "the structure is too large to flatten (more than " + std::to_string(limits.maxVisits) + " visits)";
            return false;
        }
        if (const auto* t = v.tensor()) {
            nameBytes += name.size();
            if (nameBytes > limits.maxNameBytes) {
                error = "the tensor names are too long in total";
                return false;
            }
            out.emplace_back(name, *t);
            return true;
        }
        const bool container = v.isSequence() || v.is(PickleKind::Dict) || v.is(PickleKind::Object);
        if (!container) return true;
        if (std::find(path.begin(), path.end(), &v) != path.end()) {
            error = "the structure contains itself at " + (name.empty() ? std::string("the top") : name);
            return false;
        }
        if (path.size() >= static_cast<std::size_t>(limits.maxDepth)) {
            error = "the structure is nested more than " + std::to_string(limits.maxDepth) + " levels deep";
            return false;
        }
        path.push_back(&v);
        bool ok = true;
        const auto items = v.items();
        for (std::size_t i = 0; ok && i < items.size(); ++i) ok = walk(*items[i], join(name, std::to_string(i)));
        for (const auto& e : v.entries()) {
            if (!ok) break;
            ok = walk(*e.value, join(name, keyText(*e.key)));
        }
        if (ok && v.is(PickleKind::Object) && v.state()) {
            const auto* s = v.state();
            if (s->is(PickleKind::Dict)) {
                for (const auto& e : s->entries()) {
                    if (!ok) break;
                    ok = walk(*e.value, join(name, keyText(*e.key)));
                }
            } else {
                ok = walk(*s, name);
            }
        }
        path.pop_back();
        return ok;
    }
};

struct Printer {
    std::string out;
    std::size_t maxChars;
    int depth = 0;

    bool full() const { return out.size() >= maxChars; }
    void print(const PickleValue& v) {
        if (full()) return;
        if (depth > 32) {
            out += "…";
            return;
        }
        ++depth;
        switch (v.kind()) {
        case PickleKind::None: out += "None"; break;
        case PickleKind::Bool: out += *v.toBool() ? "True" : "False"; break;
        case PickleKind::Int: out += std::to_string(*v.toInt()); break;
        case PickleKind::BigInt: out += v.raw(); break;
        case PickleKind::Float: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.17g", *v.toDouble());
            out += buf;
            break;
        }
        case PickleKind::String:
            out += '\'';
            out += v.raw().substr(0, maxChars);
            out += '\'';
            break;
        case PickleKind::Bytes: out += "b<" + std::to_string(v.raw().size()) + " bytes>"; break;
        case PickleKind::List:
        case PickleKind::Tuple:
        case PickleKind::Set:
        case PickleKind::FrozenSet: {
            if (v.is(PickleKind::Set) && v.items().empty()) {
                out += "set()";
                break;
            }
            const char* open = v.is(PickleKind::List) ? "[" : v.is(PickleKind::Tuple) ? "(" : v.is(PickleKind::Set) ? "{" : "frozenset({";
            const char* close = v.is(PickleKind::List) ? "]" : v.is(PickleKind::Tuple) ? ")" : v.is(PickleKind::Set) ? "}" : "})";
            out += open;
            bool first = true;
            for (const auto* x : v.items()) {
                if (full()) break;
                if (!first) out += ", ";
                first = false;
                print(*x);
            }
            out += close;
            break;
        }
        case PickleKind::Dict: entries(v); break;
        case PickleKind::Tensor: {
            const auto& t = *v.tensor();
            out += std::string(v.isParameter() ? "Parameter" : "tensor") + "(" + std::string(c10::toString(t.scalar_type())) + ", [";
            for (std::size_t i = 0; i < static_cast<std::size_t>(t.dim()); ++i)
                out += (i ? ", " : "") + std::to_string(t.size(static_cast<std::int64_t>(i)));
            out += "])";
            break;
        }
        case PickleKind::Storage: out += "storage(" + std::to_string(v.storageNumel()) + ")"; break;
        case PickleKind::Global: out += v.qualifiedName(); break;
        case PickleKind::Object:
            out += v.qualifiedName() + "(";
            if (v.args() && v.args()->size()) print(*v.args());
            if (!v.entries().empty()) entries(v);
            if (v.state()) {
                out += " state=";
                print(*v.state());
            }
            out += ")";
            break;
        }
        --depth;
    }
    void entries(const PickleValue& v) {
        out += "{";
        bool first = true;
        for (const auto& e : v.entries()) {
            if (full()) break;
            if (!first) out += ", ";
            first = false;
            print(*e.key);
            out += ": ";
            print(*e.value);
        }
        out += "}";
    }
};

} // namespace

Result<NamedTensors> flattenStateDict(const PickleValue& value, const std::string& prefix, const PickleLimits& limits) {
    Flattener f{limits, {}, {}, 0, 0, {}};
    if (!f.walk(value, prefix)) return Result<NamedTensors>::invalid(f.error);
    return std::move(f.out);
}

std::string pickleRepr(const PickleValue& value, std::size_t maxChars) {
    Printer p{{}, maxChars};
    p.print(value);
    if (p.out.size() > maxChars) {
        p.out.resize(maxChars);
        p.out += "…";
    }
    return p.out;
}

} // namespace reverie::models::formats
