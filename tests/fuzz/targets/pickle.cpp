// A raw pickle stream (what a checkpoint's data.pkl or a legacy torch.save holds): the virtual
// machine, persistent ids resolved to small zero-filled storages, then every tree helper.
#include "target.h"

#include "models/formats/pickle.h"

#include <ATen/ATen.h>

REVERIE_FUZZ_TARGET(pickle) {
    namespace f = reverie::models::formats;
    using S = reverie::Result<f::PickleStorage>;
    const f::StorageLoader loader = [](const f::PickleValue& pid) -> S {
        const auto items = pid.items();
        if (!pid.is(f::PickleKind::Tuple) || items.size() != 5) return S::invalid("not a storage id");
        const auto type = items[1]->is(f::PickleKind::Global) ? f::torchStorageType(items[1]->name()) : std::nullopt;
        const auto numel = items[4]->toInt();
        if (!type || !numel || *numel < 0 || *numel > 4096) return S::invalid("not a small storage");
        auto t = at::zeros({*numel}, at::TensorOptions().dtype(*type));
        return f::PickleStorage{t.storage(), *type, *numel};
    };
    f::PickleLimits limits;
    limits.maxNodes = 100'000;
    limits.maxItems = 400'000;
    limits.maxMemo = 100'000;
    limits.maxStack = 100'000;
    limits.maxNameBytes = 1 << 20;
    auto tree = f::unpickle(reverie::fuzz::asText(data, size), loader, limits);
    if (!tree) return 0;
    const auto& root = tree.value()->root();
    (void)f::pickleRepr(root, 4000);
    if (auto flat = f::flattenStateDict(root, "", limits); flat)
        for (const auto& [name, t] : flat.value())
            if (t.numel() > 0) (void)t.flatten()[0].item<double>();
    (void)f::findValue(root, "state_dict.model.weight");
    (void)f::findInt(root, "epoch");
    (void)f::findString(root, "hyper_parameters.name");
    (void)f::findTensor(root, "0");
    return 0;
}
