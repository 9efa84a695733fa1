#pragma once
// Reading golden JSON files and comparing tensors against them, naming the element that differs.
#include "compare.hpp"

#include <minidl/minidl.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace minidl::testing {

// Parses tests/data/<name>.
nlohmann::json load_test_data(const std::string& name);

// Empty when the two configs are equal; otherwise the JSON patch from ours to Keras's, which
// names what differs.
std::string config_difference(const nlohmann::json& ours, const nlohmann::json& keras);

// {"shape": [...], "data": [...]} as a tensor of `dtype`.
Tensor tensor_from_json(const nlohmann::json& value, DType dtype = DType::float64);

// A JSON list of such tensors.
std::vector<Tensor> tensors_from_json(const nlohmann::json& list, DType dtype = DType::float64);

// The inverse, in float64, for goldens that a Python generator reads back.
nlohmann::json tensor_to_json(const Tensor& tensor);

// Values exact in float32 (multiples of 1/128 in [-0.25, 0.25)), so that a file written in
// float32 and read by Keras holds what minidl held; `salt` varies them between tensors.
Tensor float32_exact_pattern(const Shape& shape, std::int64_t salt);

// tests/data/keras/files/, where Keras-written files and their goldens live.
const std::string& keras_files_dir();

}  // namespace minidl::testing

// CHECK_CLOSE(actual, expected, rtol, atol): fails with the differing element in the message.
#define CHECK_CLOSE(actual, expected, rtol, atol)                                             \
  do {                                                                                        \
    const std::string difference = ::minidl::testing::compare(actual, expected, rtol, atol); \
    CHECK_MESSAGE(difference.empty(), difference);                                            \
  } while (false)
