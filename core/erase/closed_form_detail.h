#pragma once
// Checks and keys shared by the closed forms (closed_form.cpp) and the edit set (editset.cpp).
// Internal to the erase domain.

#include "erase/closed_form.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::erase::detail {

std::string shapeText(const at::Tensor& t);
bool allFinite(const at::Tensor& t);
bool present(const at::Tensor& t);
std::string checkRows(const at::Tensor& t, std::int64_t in, const std::string& what);
std::string resolveGuide(const ConceptSet& c, const at::Tensor& fallback, std::int64_t in, const at::Device& dev,
                         at::Tensor* out);
std::string checkMatrices(const std::vector<at::Tensor>& Ws, std::int64_t* in);
std::string rowKey(const at::Tensor& rowD);

} // namespace reverie::erase::detail
