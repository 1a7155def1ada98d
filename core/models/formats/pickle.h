#pragma once
// A restricted, inert unpickler for the pickles inside torch.save archives.
//
// It implements the binary pickle opcodes of protocols 1–5 (plus the simple text ones: INT,
// LONG, FLOAT, GET, PUT, PERSID) and builds a tree of plain values. It never imports, calls or
// instantiates anything. A global (GLOBAL, STACK_GLOBAL) is only a name; calling it (REDUCE,
// NEWOBJ, INST, OBJ) interprets a short allow-list and otherwise records an opaque Object node
// (module, name, arguments, BUILD state, and any SETITEMS/APPENDS applied to it):
//
//   collections.OrderedDict, collections.defaultdict, builtins.dict → Dict (in order)
//   builtins.set / frozenset                     → Set / FrozenSet
//   builtins.bytes / bytearray, _codecs.encode    → Bytes (the protocol-2 spelling of bytes)
//   torch.Size                                   → Tuple
//   torch._utils._rebuild_tensor(_v2, _v3)        → Tensor (bounds-checked view of a storage)
//   torch._utils._rebuild_parameter(_with_state)  → Tensor (marked as a parameter)
//   torch._tensor._rebuild_from_type(_v2)         → whatever its allow-listed function gives
//   numpy.core.multiarray.scalar (and numpy._core) → Int / Float / Bool for plain numeric dtypes
//   anything else (argparse.Namespace, a Lightning AttributeDict, os.system, …) → Object
//
// Persistent ids (BINPERSID) are resolved by the caller's StorageLoader (torchzip.h supplies
// one for torch.save archives); without one they are refused. Every count the input controls is
// capped (PickleLimits) and checked before the memory is taken; the parser is iterative, so deep
// nesting cannot overflow the C++ stack, and every helper that walks the tree caps its depth and
// its total work (the tree may share nodes or even contain cycles, as pickles can).
//
// Values are owned by their PickleTree; pointers stay valid as long as the tree lives. Tensors
// are ordinary reference-counted at::Tensors and may outlive it.

#include "base/job.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Storage.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reverie::models::formats {

/// Tensors with their names, in order. (safetensors.h declares the same alias.)
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

enum class PickleKind : std::uint8_t {
    None, Bool, Int, BigInt, Float, String, Bytes,
    List, Tuple, Dict, Set, FrozenSet,
    Tensor, Storage,
    Global, ///< a class or function name that was never called
    Object, ///< the inert result of calling a global that is not on the allow-list
};
const char* pickleKindName(PickleKind kind);

class PickleValue;
struct PickleEntry {
    const PickleValue* key;
    const PickleValue* value;
};

class PickleValue {
public:
    PickleValue();
    ~PickleValue();
    PickleValue(const PickleValue&) = delete;
    PickleValue& operator=(const PickleValue&) = delete;

    PickleKind kind() const { return m_kind; }
    bool is(PickleKind k) const { return m_kind == k; }
    bool isNone() const { return m_kind == PickleKind::None; }
    /// Dict, or an Object that received SETITEMS or has a dict as its state (attribute lookup).
    bool isMapping() const;
    /// List, Tuple, Set or FrozenSet.
    bool isSequence() const;

    // --- scalars (nullopt when the kind does not fit) -------------------------------------
    std::optional<bool> toBool() const;            ///< Bool
    std::optional<std::int64_t> toInt() const;     ///< Int or Bool
    std::optional<double> toDouble() const;        ///< Float, Int or Bool
    std::optional<std::string> toString() const;  ///< String
    /// The raw text of a String, the bytes of Bytes, the decimal digits of a BigInt.
    const std::string& raw() const { return m_str; }

    // --- containers -----------------------------------------------------------------------
    /// List/Tuple/Set/FrozenSet elements; for an Object, what APPENDS/ADDITEMS gave it.
    std::span<const PickleValue* const> items() const { return m_items; }
    /// Dict entries in insertion order; for an Object, what SETITEMS gave it. Duplicate keys
    /// (possible only in crafted files) are kept; lookups find the last one, as Python does.
    std::span<const PickleEntry> entries() const { return m_entries; }
    /// The element count of a container (items or entries).
    std::size_t size() const;
    /// Mapping lookup by a string key (an int key matches its decimal spelling, a bool key
    /// "True"/"False"); for an Object also its attributes (a dict state or the dicts of a
    /// (dict, slots) state tuple); for a sequence the key is a decimal index. nullptr if absent.
    const PickleValue* get(std::string_view key) const;

    // --- torch ----------------------------------------------------------------------------
    /// The tensor of a Tensor node (nullptr otherwise).
    const at::Tensor* tensor() const;
    bool isParameter() const;    ///< rebuilt by _rebuild_parameter (an nn.Parameter)
    bool requiresGrad() const;   ///< the requires_grad flag as saved (not applied to tensor())
    /// For a Storage node: the bytes, its element type and its element count.
    const c10::Storage* storage() const;
    std::optional<at::ScalarType> storageType() const;
    std::int64_t storageNumel() const;

    // --- globals and objects --------------------------------------------------------------
    const std::string& module() const;  ///< Global/Object: e.g. "argparse"
    const std::string& name() const;    ///< Global/Object: e.g. "Namespace"
    std::string qualifiedName() const;  ///< "argparse.Namespace"
    const PickleValue* args() const;    ///< Object: the argument tuple it was called with
    const PickleValue* kwargs() const;  ///< Object: keyword arguments (NEWOBJ_EX), or nullptr
    /// Object: its BUILD state (for most classes the attribute dict); Dict: attributes set by
    /// BUILD (a state dict's "_metadata"); nullptr if none.
    const PickleValue* state() const;
    bool ordered() const;  ///< Dict made from collections.OrderedDict

private:
    friend class PickleParser;
    struct Extra;
    Extra& extra();

    PickleKind m_kind = PickleKind::None;
    union {
        bool b;
        std::int64_t i;
        double f;
    } m_scalar{};
    std::string m_str;
    std::vector<const PickleValue*> m_items;
    std::vector<PickleEntry> m_entries;
    std::unique_ptr<Extra> m_extra;
};

/// Owns every value of one unpickled object.
class PickleTree {
public:
    PickleTree();
    ~PickleTree();
    const PickleValue& root() const { return *m_root; }
    std::size_t nodeCount() const { return m_nodes.size(); }

private:
    friend class PickleParser;
    std::deque<PickleValue> m_nodes;
    const PickleValue* m_root = nullptr;
};

/// Caps on everything the input controls. The defaults admit checkpoints with hundreds of
/// thousands of tensors while bounding the parser's own memory to roughly 1 GB.
struct PickleLimits {
    std::uint64_t maxPickleBytes = 1ull << 30;  ///< the pickle itself
    std::size_t maxNodes = 4'000'000;           ///< values created
    std::size_t maxItems = 16'000'000;          ///< container elements, all containers together
    std::size_t maxMemo = 4'000'000;            ///< memo slots (bounds the memo index)
    std::size_t maxStack = 4'000'000;           ///< values on the stack at once
    std::size_t maxMarks = 100'000;             ///< open MARKs at once
    std::size_t maxDims = 64;                   ///< tensor dimensions
    std::size_t maxIntBytes = 4096;             ///< bytes of one LONG4 integer
    int maxDepth = 256;                         ///< nesting that the tree helpers will follow
    std::size_t maxVisits = 16'000'000;         ///< nodes the tree helpers will visit in one call
    std::uint64_t maxNameBytes = 256ull << 20;  ///< total bytes of names flattenStateDict returns
};

/// What a persistent id resolves to: bytes, the element type they hold and how many elements.
struct PickleStorage {
    c10::Storage storage;
    at::ScalarType type = at::kByte;
    std::int64_t numel = 0;
};
/// Resolves the value of a persistent id (e.g. ('storage', torch.FloatStorage, '0', 'cpu', 6)).
using StorageLoader = std::function<Result<PickleStorage>(const PickleValue& pid)>;

/// Unpickles `bytes`. Errors name the byte offset where the input went wrong.
Result<std::shared_ptr<const PickleTree>> unpickle(std::string_view bytes, const StorageLoader& loader = {},
                                                   const PickleLimits& limits = {});

/// The tensor element type of a legacy storage class name ("FloatStorage" → Float, …,
/// "UntypedStorage" → Byte), or nullopt.
std::optional<at::ScalarType> torchStorageType(std::string_view className);
/// The tensor element type of a torch dtype global's name ("float32", "half", …), or nullopt.
std::optional<at::ScalarType> torchDtype(std::string_view name);

// --- reading the tree ---------------------------------------------------------------------

/// Follows a dotted path from `root` ("hyper_parameters.lr", "optimizer_states.0.state").
/// Keys may themselves contain dots ("state_dict.model.diffusion_model.out.0.weight"): at each
/// level the longest matching key wins. nullptr if nothing matches.
const PickleValue* findValue(const PickleValue& root, std::string_view path);
/// Follows exact keys, one per level.
const PickleValue* findValue(const PickleValue& root, std::span<const std::string> keys);

std::optional<std::int64_t> findInt(const PickleValue& root, std::string_view path);
std::optional<double> findDouble(const PickleValue& root, std::string_view path);  ///< also ints
std::optional<std::string> findString(const PickleValue& root, std::string_view path);
std::optional<bool> findBool(const PickleValue& root, std::string_view path);
const at::Tensor* findTensor(const PickleValue& root, std::string_view path);

/// Every tensor below `value`, named by the dotted path of keys and indices that leads to it
/// (prefix first: flattenStateDict(ckpt, "") gives "state_dict.model.w", "ema.shadow_params.0",
/// "optimizer_states.0.state.0.exp_avg"). Dicts, lists, tuples and objects (their SETITEMS and
/// attributes) are followed; other leaves are skipped. Shared tensors (tied weights) appear under
/// every name that reaches them. Refuses cycles and structures deeper or larger than `limits`.
Result<NamedTensors> flattenStateDict(const PickleValue& value, const std::string& prefix = "",
                                      const PickleLimits& limits = {});

/// A short Python-like rendering for messages and debugging, cut at about maxChars.
std::string pickleRepr(const PickleValue& value, std::size_t maxChars = 2000);

} // namespace reverie::models::formats
