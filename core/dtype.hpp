#pragma once
// The two element types a Tensor can hold, and a dispatcher from the runtime tag to the C++ type.
#include <cstddef>
#include <string_view>

namespace minidl {

// float32 trains; float64 checks gradients and compares against golden values.
enum class DType { float32, float64 };

constexpr std::string_view dtype_name(DType dtype) { return dtype == DType::float32 ? "float32" : "float64"; }
constexpr std::size_t dtype_size(DType dtype) { return dtype == DType::float32 ? 4 : 8; }

// Parses "float32" / "float64" (Keras's dtype names); throws InvalidArgument naming `where`.
DType parse_dtype(std::string_view name, std::string_view where);

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() { return DType::float32; }
template <>
constexpr DType dtype_of<double>() { return DType::float64; }

// Calls body.template operator()<T>() with T the C++ type of `dtype`:
//   dispatch(x.dtype(), [&]<class T>() { ... });
template <class Body>
decltype(auto) dispatch(DType dtype, Body&& body) {
  if (dtype == DType::float32) return body.template operator()<float>();
  return body.template operator()<double>();
}

}  // namespace minidl
