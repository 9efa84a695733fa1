#include <minidl/autograd/ops/math.hpp>

#include <minidl/autograd/ops/unary_op.hpp>
#include <minidl/core/errors.hpp>

#include <cmath>
#include <fmt/format.h>
#include <numbers>

namespace minidl {

Tensor square(const Tensor& x) {
  return unary_op("square", x, [](auto v) { return v * v; }, [](auto v, auto) { return 2 * v; });
}

Tensor sqrt(const Tensor& x) {
  return unary_op("sqrt", x, [](auto v) { return std::sqrt(v); }, [](auto, auto y) { return 1 / (2 * y); });
}

Tensor exp(const Tensor& x) {
  return unary_op("exp", x, [](auto v) { return std::exp(v); }, [](auto, auto y) { return y; });
}

Tensor log(const Tensor& x) {
  return unary_op("log", x, [](auto v) { return std::log(v); }, [](auto v, auto) { return 1 / v; });
}

Tensor abs(const Tensor& x) {
  return unary_op("abs", x, [](auto v) { return std::abs(v); },
                  [](auto v, auto) { return decltype(v)((v > 0) - (v < 0)); });
}

Tensor sign(const Tensor& x) {
  return unary_op("sign", x, [](auto v) { return decltype(v)((v > 0) - (v < 0)); },
                  [](auto v, auto) { return decltype(v)(0); });
}

Tensor tanh(const Tensor& x) {
  return unary_op("tanh", x, [](auto v) { return std::tanh(v); }, [](auto, auto y) { return 1 - y * y; });
}

Tensor sigmoid(const Tensor& x) {
  return unary_op(
      "sigmoid", x,
      [](auto v) {
        using T = decltype(v);
        // Written so that exp never overflows: for v < 0, e^v / (1 + e^v).
        if (v >= 0) return T(1) / (T(1) + std::exp(-v));
        const T e = std::exp(v);
        return e / (T(1) + e);
      },
      [](auto, auto y) { return y * (1 - y); });
}

Tensor erf(const Tensor& x) {
  return unary_op("erf", x, [](auto v) { return std::erf(v); },
                  [](auto v, auto) {
                    using T = decltype(v);
                    return T(2 / std::sqrt(std::numbers::pi)) * std::exp(-v * v);
                  });
}

Tensor clip(const Tensor& x, double min_value, double max_value) {
  if (!(min_value <= max_value))
    throw_invalid_argument("clip", "max_value", fmt::format("expected max_value >= min_value={}", min_value),
                           fmt::format("max_value={}", max_value));
  return unary_op(
      "clip", x,
      [min_value, max_value](auto v) {
        using T = decltype(v);
        return std::min(std::max(v, T(min_value)), T(max_value));
      },
      [min_value, max_value](auto v, auto) {
        using T = decltype(v);
        return v >= T(min_value) && v <= T(max_value) ? T(1) : T(0);
      });
}

}  // namespace minidl
