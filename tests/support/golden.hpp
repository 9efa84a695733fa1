#pragma once
// Reading golden JSON files and comparing tensors against them, naming the element that differs.
#include <minidl/minidl.hpp>

#include <nlohmann/json.hpp>
#include <string>

namespace minidl::testing {

// Parses tests/data/<name>.
nlohmann::json load_test_data(const std::string& name);

// {"shape": [...], "data": [...]} as a tensor of `dtype`.
Tensor tensor_from_json(const nlohmann::json& value, DType dtype = DType::float64);

// Empty when every element satisfies |actual − expected| <= atol + rtol·|expected| (and the shapes
// agree); otherwise a sentence naming the first failing element with both values.
std::string compare(const Tensor& actual, const Tensor& expected, double rtol, double atol);

}  // namespace minidl::testing

// CHECK_CLOSE(actual, expected, rtol, atol): fails with the differing element in the message.
#define CHECK_CLOSE(actual, expected, rtol, atol)                                             \
  do {                                                                                        \
    const std::string difference = ::minidl::testing::compare(actual, expected, rtol, atol); \
    CHECK_MESSAGE(difference.empty(), difference);                                            \
  } while (false)
