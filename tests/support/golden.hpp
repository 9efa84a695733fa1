#pragma once
// Reading golden JSON files and comparing tensors against them, naming the element that differs.
#include "compare.hpp"

#include <minidl/minidl.hpp>

#include <nlohmann/json.hpp>
#include <string>

namespace minidl::testing {

// Parses tests/data/<name>.
nlohmann::json load_test_data(const std::string& name);

// Empty when the two configs are equal; otherwise the JSON patch from ours to Keras's, which
// names what differs.
std::string config_difference(const nlohmann::json& ours, const nlohmann::json& keras);

// {"shape": [...], "data": [...]} as a tensor of `dtype`.
Tensor tensor_from_json(const nlohmann::json& value, DType dtype = DType::float64);

}  // namespace minidl::testing

// CHECK_CLOSE(actual, expected, rtol, atol): fails with the differing element in the message.
#define CHECK_CLOSE(actual, expected, rtol, atol)                                             \
  do {                                                                                        \
    const std::string difference = ::minidl::testing::compare(actual, expected, rtol, atol); \
    CHECK_MESSAGE(difference.empty(), difference);                                            \
  } while (false)
