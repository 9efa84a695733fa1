#pragma once
// The ops named in tests/data/ops_golden.json, applied to their inputs with the case's arguments.
#include <minidl/minidl.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace minidl::testing {

Tensor apply_op(const std::string& op, const nlohmann::json& args, const std::vector<Tensor>& inputs);

}  // namespace minidl::testing
