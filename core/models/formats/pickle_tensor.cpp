// The parser's tensors: torch's _rebuild_tensor_v2 over a bounds-checked storage view,
// numpy scalars, and persistent ids resolved through the caller's StorageLoader.
#include "models/formats/pickle_parser.h"

#include <bit>

namespace reverie::models::formats {

using namespace detail;

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
