#include "base/shard.h"

#include <algorithm>
#include <set>

namespace reverie {

std::size_t Shard::share(std::size_t units) const {
    if (count <= 1) return units;
    const std::size_t n = std::size_t(count), k = std::size_t(index - 1);
    return units / n + (k < units % n ? 1 : 0);
}

Result<Shard> Shard::parse(const std::string& text) {
    const auto bad = [&] {
        return Result<Shard>::invalid("--shard takes K/N with 1 <= K <= N <= 100000 (e.g. 2/4), not '" +
                                      text + "'");
    };
    const auto slash = text.find('/');
    if (slash == std::string::npos || slash == 0 || slash > 6 || slash + 1 >= text.size() ||
        text.size() - slash > 7)
        return bad(); // at most six digits each side, so that stoi cannot overflow
    for (std::size_t i = 0; i < text.size(); ++i)
        if (i != slash && (text[i] < '0' || text[i] > '9')) return bad();
    Shard s;
    s.index = std::stoi(text.substr(0, slash));
    s.count = std::stoi(text.substr(slash + 1));
    if (s.count < 1 || s.count > 100000 || s.index < 1 || s.index > s.count) return bad();
    return s;
}

Result<std::vector<nlohmann::json>> orderShards(std::vector<nlohmann::json> parts) {
    using R = Result<std::vector<nlohmann::json>>;
    if (parts.empty()) return R::invalid("merge: no parts given");
    const auto kind = [](const nlohmann::json& j) -> std::string {
        if (!j.is_object()) return "";
        if (j.contains("bench") && j["bench"].is_string()) return "bench " + j["bench"].get<std::string>();
        if (j.contains("command") && j["command"].is_string()) return j["command"].get<std::string>();
        return "";
    };
    const std::string what = kind(parts.front());
    if (what.empty()) return R::invalid("merge: part 1 is not the JSON of a bench or a batch command");
    int count = 0;
    std::set<int> seen;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& p = parts[i];
        const std::string n = std::to_string(i + 1);
        if (kind(p) != what) return R::invalid("merge: part " + n + " is not from " + what);
        if (!p.contains("shard") || !p["shard"].is_object() || !p["shard"].contains("index") ||
            !p["shard"].contains("count") || !p["shard"]["index"].is_number_integer() ||
            !p["shard"]["count"].is_number_integer())
            return R::invalid("merge: part " + n + " was not run with --shard");
        const int k = p["shard"]["index"].get<int>(), c = p["shard"]["count"].get<int>();
        if (i == 0) count = c;
        if (c != count)
            return R::invalid("merge: part " + n + " is shard " + std::to_string(k) + "/" +
                              std::to_string(c) + ", the first part is one of " + std::to_string(count));
        if (k < 1 || k > c)
            return R::invalid("merge: part " + n + " has shard index " + std::to_string(k) + " out of range");
        if (!seen.insert(k).second)
            return R::invalid("merge: shard " + std::to_string(k) + " is given twice");
        if (p.value("config", nlohmann::json()) != parts.front().value("config", nlohmann::json()))
            return R::invalid("merge: part " + n +
                              " was run with other settings than part 1 (its \"config\" differs)");
    }
    if (int(parts.size()) != count) {
        std::string missing;
        for (int k = 1; k <= count && missing.size() < 60; ++k)
            if (!seen.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
        return R::invalid("merge: " + std::to_string(parts.size()) + " of " + std::to_string(count) +
                          " shards given; missing " + missing);
    }
    std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) {
        return a["shard"]["index"].template get<int>() < b["shard"]["index"].template get<int>();
    });
    return parts;
}

Result<nlohmann::json> concatUnits(const std::vector<nlohmann::json>& parts, const std::string& key) {
    using R = Result<nlohmann::json>;
    std::vector<nlohmann::json> all;
    for (const auto& p : parts) {
        if (!p.contains(key)) continue;
        if (!p[key].is_array()) return R::invalid("merge: \"" + key + "\" is not a list");
        for (const auto& e : p[key]) {
            if (!e.is_object() || !e.contains("unit") || !e["unit"].is_number_integer() ||
                e["unit"].get<long long>() < 0)
                return R::invalid("merge: an element of \"" + key + "\" has no unit number");
            all.push_back(e);
        }
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        return a["unit"].template get<long long>() < b["unit"].template get<long long>();
    });
    for (std::size_t i = 1; i < all.size(); ++i)
        if (all[i]["unit"] == all[i - 1]["unit"])
            return R::invalid("merge: unit " + all[i]["unit"].dump() + " of \"" + key +
                              "\" occurs in two parts");
    for (auto& e : all) e.erase("unit");
    return nlohmann::json(all);
}

Result<MergedParts> mergeParts(std::vector<nlohmann::json> parts, const std::string& key) {
    auto ordered = orderShards(std::move(parts));
    if (!ordered) return ordered.error();
    auto units = concatUnits(ordered.value(), key);
    if (!units) return units.error();
    MergedParts m;
    m.merged = ordered.value().front();
    m.merged.erase("shard");
    m.merged[key] = units.value();
    m.parts = std::move(ordered.value());
    return m;
}

} // namespace reverie
