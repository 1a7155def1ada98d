#pragma once
// Splitting one large job over several processes or machines (`--shard K/N`), and putting the
// parts back together (`reverie-cli merge`).
//
// A job's units of work (the mixtures of `bench enhance`, the sampler × batch cells of `bench
// engine`, the input files of `restore` and `enhance`) are numbered 0, 1, 2, … in an order that
// depends only on the job's settings; shard K of N owns the units whose number i satisfies
// i mod N = K − 1. So the split is deterministic, needs no coordination between the shards, and
// every shard gets within one unit of the same amount of work. A shard's JSON carries its
// `shard` object and a `config` object (every setting that affects the result); merging checks
// that all N parts of one configuration are there exactly once. Cost model: docs/scaling.md.
//
// Thread rules: plain values, no state. Failure: parse and mergeParts return InvalidInput with a
// sentence naming the problem.

#include "base/job.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace reverie {

struct Shard {
    int index = 1; ///< K, 1-based
    int count = 1; ///< N
    bool whole() const { return count <= 1; }
    bool owns(std::size_t unit) const { return count <= 1 || int(unit % std::size_t(count)) == index - 1; }
    /// How many of `units` this shard owns.
    std::size_t share(std::size_t units) const;
    std::string str() const { return std::to_string(index) + "/" + std::to_string(count); }
    nlohmann::json json() const { return {{"index", index}, {"count", count}}; }
    /// "K/N" with 1 ≤ K ≤ N ≤ 100000.
    static Result<Shard> parse(const std::string& text);
};

/// Checks the parts of one sharded job: each a JSON object with the same `bench` (or `command`),
/// the same `config`, `shard.count` N equal everywhere and every index 1…N present exactly once.
/// Returns the parts ordered by shard index.
Result<std::vector<nlohmann::json>> orderShards(std::vector<nlohmann::json> parts);

/// The elements of `key` (arrays of objects with a numeric "unit") of all parts, in unit order and
/// without their "unit" (as one unsharded run writes them); InvalidInput when a unit occurs twice.
Result<nlohmann::json> concatUnits(const std::vector<nlohmann::json>& parts, const std::string& key);

/// What every merge starts with: the parts checked and ordered (orderShards), and the first part
/// without its `shard` whose `key` holds all parts' units (concatUnits).
struct MergedParts {
    nlohmann::json merged;
    std::vector<nlohmann::json> parts; ///< ordered by shard index
};
Result<MergedParts> mergeParts(std::vector<nlohmann::json> parts, const std::string& key);

} // namespace reverie
