#pragma once
// Internals of the pickle reader, shared by its translation units (pickle.cpp: the opcode
// machine; pickle_value.cpp: values; pickle_tensor.cpp: tensors, storages, numpy scalars).
// Not part of the models API: include models/formats/pickle.h instead.

#include "models/formats/pickle.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace reverie::models::formats {

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

namespace detail {

/// What the parser throws; unpickle() turns it into an invalid-input Result.
struct PickleError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Overflow-checked unsigned arithmetic (portable; false when the result does not fit).
inline bool mulChecked(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
    *out = a * b;
    return true;
}
inline bool addChecked(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
    if (b > std::numeric_limits<std::uint64_t>::max() - a) return false;
    *out = a + b;
    return true;
}

inline bool checkedMulAdd(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t* out) {
    std::uint64_t m = 0;
    return mulChecked(a, b, &m) && addChecked(m, c, out);
}

/// A non-negative decimal index, the whole of `s`; nullopt otherwise.
std::optional<std::size_t> parseIndex(std::string_view s);

/// Two's-complement little-endian bytes → signed decimal text (for integers beyond int64).
std::string bigIntDecimal(std::string_view le);

} // namespace detail

class PickleParser {
public:
    PickleParser(std::string_view data, const StorageLoader& loader, const PickleLimits& limits)
        : m_data(data), m_loader(loader), m_limits(limits), m_tree(std::make_shared<PickleTree>()) {}

    std::shared_ptr<const PickleTree> run();
    std::size_t position() const { return m_opStart; }

private:
    using V = PickleValue;

    [[noreturn]] void fail(const std::string& what) const { throw detail::PickleError(what); }

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

} // namespace reverie::models::formats
