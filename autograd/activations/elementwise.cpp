// The elementwise activations: each formula beside its derivative.
#include <minidl/autograd/activations/activations.hpp>

#include <minidl/autograd/ops/math.hpp>
#include <minidl/autograd/ops/unary_op.hpp>
#include <minidl/core/kernels/relu.hpp>

#include <cmath>
#include <numbers>

namespace minidl::activations {

namespace {

template <class T>
T logistic(T v) {
  if (v >= 0) return T(1) / (T(1) + std::exp(-v));
  const T e = std::exp(v);
  return e / (T(1) + e);
}

// log(1 + e^v) without overflow: max(v, 0) + log1p(e^-|v|).
template <class T>
T stable_softplus(T v) {
  return std::max(v, T(0)) + std::log1p(std::exp(-std::abs(v)));
}

constexpr double sqrt_2_over_pi = 0.7978845608028654;
constexpr double selu_alpha = 1.6732632423543772848170429916717;
constexpr double selu_scale = 1.0507009873554804934193349852946;

}  // namespace

Tensor linear(const Tensor& x) { return x; }

// Keras's ReLU.static_call: x·[x > threshold] (plain relu when threshold is 0), clipped to
// [0, max_value] when given, minus negative_slope·relu(threshold − x).
Tensor relu(const Tensor& x, const ReluOptions& options) {
  const double slope = options.negative_slope, threshold = options.threshold;
  const bool clipped = options.max_value.has_value();
  const double max_value = options.max_value.value_or(0.0);
  if (slope == 0 && threshold == 0 && !clipped) {  // the plain relu: SIMD loops of its own
    Tensor out = kernels::relu_forward(x);
    record(out, "relu", {x}, [y = saved(out)](const Tensor& g) { return std::vector<Tensor>{kernels::relu_backward(g, y)}; });
    return out;
  }
  auto thresholded = [=](auto v) {
    using T = decltype(v);
    return threshold != 0 ? (v > T(threshold) ? v : T(0)) : std::max(v, T(0));
  };
  return unary_op(
      "relu", x,
      [=](auto v) {
        using T = decltype(v);
        const T a = thresholded(v);
        // Without a slope nothing is subtracted: 0 · ∞ would turn relu6(−∞) into NaN (Keras: 0).
        const T below = slope != 0 ? T(slope) * std::max(T(threshold) - v, T(0)) : T(0);
        return (clipped ? std::clamp(a, T(0), T(max_value)) : a) - below;
      },
      [=](auto v, auto) {
        using T = decltype(v);
        const T a = thresholded(v);
        const bool passes = threshold != 0 ? v > T(threshold) : v > T(0);
        const bool inside_clip = !clipped || (a >= T(0) && a <= T(max_value));
        return T(passes && inside_clip) + T(slope) * T(v < T(threshold));
      });
}

Tensor relu6(const Tensor& x) { return relu(x, {.max_value = 6.0}); }

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return unary_op(
      "leaky_relu", x, [negative_slope](auto v) { return v > 0 ? v : decltype(v)(negative_slope) * v; },
      [negative_slope](auto v, auto) { return v > 0 ? decltype(v)(1) : decltype(v)(negative_slope); });
}

Tensor elu(const Tensor& x, double alpha) {
  return unary_op(
      "elu", x, [alpha](auto v) { return v > 0 ? v : decltype(v)(alpha) * std::expm1(v); },
      [alpha](auto v, auto y) { return v > 0 ? decltype(v)(1) : y + decltype(v)(alpha); });
}

Tensor selu(const Tensor& x) {
  return unary_op(
      "selu", x,
      [](auto v) {
        using T = decltype(v);
        return T(selu_scale) * (v > 0 ? v : T(selu_alpha) * std::expm1(v));
      },
      [](auto v, auto) {
        using T = decltype(v);
        return v > 0 ? T(selu_scale) : T(selu_scale * selu_alpha) * std::exp(v);
      });
}

Tensor celu(const Tensor& x, double alpha) {
  return unary_op(
      "celu", x,
      [alpha](auto v) {
        using T = decltype(v);
        return std::max(v, T(0)) + T(alpha) * std::expm1(std::min(v, T(0)) / T(alpha));
      },
      [alpha](auto v, auto) {
        using T = decltype(v);
        return v > 0 ? T(1) : std::exp(v / T(alpha));
      });
}

Tensor gelu(const Tensor& x, bool approximate) {
  if (!approximate)
    return unary_op(
        "gelu", x,
        [](auto v) {
          using T = decltype(v);
          return T(0.5) * v * (T(1) + std::erf(v / T(std::numbers::sqrt2)));
        },
        [](auto v, auto) {
          using T = decltype(v);
          const T density = std::exp(-v * v / 2) / T(std::sqrt(2 * std::numbers::pi));
          return T(0.5) * (T(1) + std::erf(v / T(std::numbers::sqrt2))) + v * density;
        });
  return unary_op(
      "gelu", x,
      [](auto v) {
        using T = decltype(v);
        return T(0.5) * v * (T(1) + std::tanh(T(sqrt_2_over_pi) * (v + T(0.044715) * v * v * v)));
      },
      [](auto v, auto) {
        using T = decltype(v);
        const T t = std::tanh(T(sqrt_2_over_pi) * (v + T(0.044715) * v * v * v));
        return T(0.5) * (T(1) + t) + T(0.5) * v * (T(1) - t * t) * T(sqrt_2_over_pi) * (T(1) + T(3 * 0.044715) * v * v);
      });
}

Tensor sigmoid(const Tensor& x) { return minidl::sigmoid(x); }

Tensor hard_sigmoid(const Tensor& x) {
  return unary_op(
      "hard_sigmoid", x, [](auto v) { return std::clamp(v + 3, decltype(v)(0), decltype(v)(6)) / 6; },
      [](auto v, auto) { return v > -3 && v < 3 ? decltype(v)(1) / 6 : decltype(v)(0); });
}

Tensor hard_silu(const Tensor& x) {
  return unary_op(
      "hard_silu", x, [](auto v) { return v * std::clamp(v + 3, decltype(v)(0), decltype(v)(6)) / 6; },
      [](auto v, auto) {
        using T = decltype(v);
        return v <= -3 ? T(0) : v >= 3 ? T(1) : (2 * v + 3) / 6;
      });
}

Tensor silu(const Tensor& x) {
  return unary_op(
      "silu", x, [](auto v) { return v * logistic(v); },
      [](auto v, auto) {
        const auto s = logistic(v);
        return s * (1 + v * (1 - s));
      });
}

Tensor tanh(const Tensor& x) { return minidl::tanh(x); }

Tensor softplus(const Tensor& x) {
  return unary_op("softplus", x, [](auto v) { return stable_softplus(v); }, [](auto v, auto) { return logistic(v); });
}

Tensor softsign(const Tensor& x) {
  return unary_op(
      "softsign", x, [](auto v) { return v / (1 + std::abs(v)); },
      [](auto v, auto) { return 1 / ((1 + std::abs(v)) * (1 + std::abs(v))); });
}

Tensor exponential(const Tensor& x) { return minidl::exp(x); }

Tensor mish(const Tensor& x) {
  return unary_op(
      "mish", x, [](auto v) { return v * std::tanh(stable_softplus(v)); },
      [](auto v, auto) {
        const auto t = std::tanh(stable_softplus(v));
        return t + v * (1 - t * t) * logistic(v);
      });
}

Tensor log_sigmoid(const Tensor& x) {
  return unary_op(
      "log_sigmoid", x, [](auto v) { return -stable_softplus(-v); }, [](auto v, auto) { return logistic(-v); });
}

Tensor hard_tanh(const Tensor& x) {
  return unary_op(
      "hard_tanh", x, [](auto v) { return std::clamp(v, decltype(v)(-1), decltype(v)(1)); },
      [](auto v, auto) { return v > -1 && v < 1 ? decltype(v)(1) : decltype(v)(0); });
}

Tensor tanh_shrink(const Tensor& x) {
  return unary_op(
      "tanh_shrink", x, [](auto v) { return v - std::tanh(v); },
      [](auto v, auto) {
        const auto t = std::tanh(v);
        return t * t;
      });
}

Tensor soft_shrink(const Tensor& x, double threshold) {
  return unary_op(
      "soft_shrink", x,
      [threshold](auto v) {
        using T = decltype(v);
        return v > T(threshold) ? v - T(threshold) : v < T(-threshold) ? v + T(threshold) : T(0);
      },
      [threshold](auto v, auto) { return decltype(v)(std::abs(v) > decltype(v)(threshold)); });
}

Tensor hard_shrink(const Tensor& x, double threshold) {
  return unary_op(
      "hard_shrink", x, [threshold](auto v) { return std::abs(v) > decltype(v)(threshold) ? v : decltype(v)(0); },
      [threshold](auto v, auto) { return decltype(v)(std::abs(v) > decltype(v)(threshold)); });
}

Tensor threshold(const Tensor& x, double threshold, double default_value) {
  return unary_op(
      "threshold", x,
      [threshold, default_value](auto v) { return v > decltype(v)(threshold) ? v : decltype(v)(default_value); },
      [threshold](auto v, auto) { return decltype(v)(v > decltype(v)(threshold)); });
}

Tensor sparse_plus(const Tensor& x) {
  return unary_op(
      "sparse_plus", x,
      [](auto v) {
        using T = decltype(v);
        return v <= -1 ? T(0) : v >= 1 ? v : (v + 1) * (v + 1) / 4;
      },
      [](auto v, auto) {
        using T = decltype(v);
        return v <= -1 ? T(0) : v >= 1 ? T(1) : (v + 1) / 2;
      });
}

Tensor sparse_sigmoid(const Tensor& x) {
  return unary_op(
      "sparse_sigmoid", x,
      [](auto v) {
        using T = decltype(v);
        return v <= -1 ? T(0) : v >= 1 ? T(1) : (v + 1) / 2;
      },
      [](auto v, auto) { return v > -1 && v < 1 ? decltype(v)(0.5) : decltype(v)(0); });
}

Tensor squareplus(const Tensor& x, double b) {
  return unary_op(
      "squareplus", x, [b](auto v) { return (v + std::sqrt(v * v + decltype(v)(b))) / 2; },
      [b](auto v, auto) { return (1 + v / std::sqrt(v * v + decltype(v)(b))) / 2; });
}

}  // namespace minidl::activations
