#pragma once
// Comparing two tensors element by element, naming the first element that differs. Used by the
// tests' CHECK_CLOSE and by the Conv1D fuzzer.
#include <minidl/core/tensor.hpp>

#include <string>

namespace minidl::testing {

// Empty when every element satisfies |actual − expected| <= atol + rtol·|expected| (and the shapes
// agree); otherwise a sentence naming the first failing element with both values.
std::string compare(const Tensor& actual, const Tensor& expected, double rtol, double atol);

}  // namespace minidl::testing
