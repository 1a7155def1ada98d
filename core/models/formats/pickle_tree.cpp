// Walking an unpickled tree: path lookups, state-dict flattening, a bounded repr.
#include "models/formats/pickle.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace reverie::models::formats {

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

