#include <minidl/autograd/ops/comparison.hpp>

#include <minidl/autograd/node.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/core/kernels/elementwise.hpp>

namespace minidl {

Tensor equal(const Tensor& a, const Tensor& b) {
  return kernels::map_binary(a, b, "equal", [](auto x, auto y) { return decltype(x)(x == y); });
}
Tensor not_equal(const Tensor& a, const Tensor& b) {
  return kernels::map_binary(a, b, "not_equal", [](auto x, auto y) { return decltype(x)(x != y); });
}
Tensor less(const Tensor& a, const Tensor& b) {
  return kernels::map_binary(a, b, "less", [](auto x, auto y) { return decltype(x)(x < y); });
}
Tensor less_equal(const Tensor& a, const Tensor& b) {
  return kernels::map_binary(a, b, "less_equal", [](auto x, auto y) { return decltype(x)(x <= y); });
}
Tensor greater(const Tensor& a, const Tensor& b) {
  return kernels::map_binary(a, b, "greater", [](auto x, auto y) { return decltype(x)(x > y); });
}
Tensor greater_equal(const Tensor& a, const Tensor& b) {
  return kernels::map_binary(a, b, "greater_equal", [](auto x, auto y) { return decltype(x)(x >= y); });
}

Tensor where(const Tensor& condition, const Tensor& x, const Tensor& y) {
  Tensor out = kernels::map_ternary(condition, x, y, "where", [](auto c, auto a, auto b) { return c != 0 ? a : b; });
  record(out, "where", {condition, x, y}, [condition = saved(condition)](const Tensor& g) {
    const Tensor zero = Tensor::scalar(0.0, g.dtype());
    return std::vector<Tensor>{Tensor(), where(condition, g, zero), where(condition, zero, g)};
  });
  return out;
}

}  // namespace minidl
