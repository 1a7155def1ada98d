#include "models/formats/pickle_parser.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace reverie::models::formats {

using namespace detail;

std::string detail::bigIntDecimal(std::string_view le) {
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

// ============================================================================================
// The opcode machine
// ============================================================================================

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
    if (m == "torch.jit._pickle") {
        // TorchScript's pickler (torch::pickle_save, TorchScript archives) tags typed containers:
        // restore_type_tag(value, "Dict[str, Tensor]") and build_intlist([...]) are the value.
        if (n == "restore_type_tag" && a.size() == 2 && a[1]->is(PickleKind::String)) return const_cast<V*>(a[0]);
        if ((n == "build_intlist" || n == "build_doublelist" || n == "build_boollist" || n == "build_tensorlist") &&
            a.size() == 1 && a[0]->is(PickleKind::List))
            return const_cast<V*>(a[0]);
        return nullptr;
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


// ============================================================================================
// Entry point
// ============================================================================================

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

} // namespace reverie::models::formats
