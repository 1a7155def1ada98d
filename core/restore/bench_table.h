#pragma once
// The table of `reverie-cli bench restore` from the bench's JSON (restore/bench.h), so that an
// unsharded run and `reverie-cli merge` of a sharded one print the same.

#include <nlohmann/json.hpp>

#include <string>

namespace reverie::restore {

/// The human-readable table of a bench restore JSON object (whole, one shard's, or merged).
std::string benchTable(const nlohmann::json& j);

} // namespace reverie::restore
