#pragma once
// fmt support: fmt::format("{}", tensor) gives "Tensor(shape=(2, 3), dtype=float32, [[...]])".
#include <minidl/core/tensor.hpp>

#include <fmt/format.h>
#include <string>

namespace minidl {

// Like NumPy: past 1000 elements, each axis shows its first and last three entries around "...".
std::string format_tensor(const Tensor& tensor);

}  // namespace minidl

template <>
struct fmt::formatter<minidl::Tensor> : fmt::formatter<std::string_view> {
  auto format(const minidl::Tensor& tensor, fmt::format_context& context) const {
    return fmt::formatter<std::string_view>::format(minidl::format_tensor(tensor), context);
  }
};
