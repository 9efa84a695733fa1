#pragma once
// Every activation Keras 3 names by string, with Keras's formulas and defaults
// (keras/src/activations/activations.py), each differentiable.
#include <minidl/core/tensor.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minidl::activations {

using Activation = std::function<Tensor(const Tensor&)>;

struct ReluOptions {
  // Slope below the threshold (0: plain relu).
  double negative_slope = 0.0;
  // Upper saturation value; none by default.
  std::optional<double> max_value = std::nullopt;
  // Values at or below it are zeroed (then take the negative slope).
  double threshold = 0.0;
};

Tensor linear(const Tensor& x);
Tensor relu(const Tensor& x, const ReluOptions& options = {});
Tensor relu6(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.2);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor selu(const Tensor& x);
Tensor celu(const Tensor& x, double alpha = 1.0);
// Exact (erf) by default, as Keras's activation; approximate = true is the tanh form.
Tensor gelu(const Tensor& x, bool approximate = false);
Tensor sigmoid(const Tensor& x);
// Keras 3's relu6(x + 3) / 6 (Keras 2 and TensorFlow.js used clip(0.2x + 0.5, 0, 1)).
Tensor hard_sigmoid(const Tensor& x);
Tensor hard_silu(const Tensor& x);
Tensor silu(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor softplus(const Tensor& x);
Tensor softsign(const Tensor& x);
Tensor exponential(const Tensor& x);
Tensor mish(const Tensor& x);
Tensor log_sigmoid(const Tensor& x);
Tensor hard_tanh(const Tensor& x);
Tensor tanh_shrink(const Tensor& x);
Tensor soft_shrink(const Tensor& x, double threshold = 0.5);
Tensor hard_shrink(const Tensor& x, double threshold = 0.5);
// x where x > threshold, else default_value (Keras's ops.threshold). Not by name: it needs its
// arguments. A NaN gives default_value, as Keras's formula and its JAX, TensorFlow and NumPy
// backends (its torch backend keeps the NaN).
Tensor threshold(const Tensor& x, double threshold, double default_value);
Tensor sparse_plus(const Tensor& x);
Tensor sparse_sigmoid(const Tensor& x);
Tensor squareplus(const Tensor& x, double b = 4.0);
// Along `axis`, numerically stable (the maximum is subtracted first).
Tensor softmax(const Tensor& x, std::int64_t axis = -1);
Tensor log_softmax(const Tensor& x, std::int64_t axis = -1);
// Euclidean projection onto the probability simplex along `axis` (Martins & Astudillo, 2016).
Tensor sparsemax(const Tensor& x, std::int64_t axis = -1);
// Splits `axis` into halves a, b and returns a * sigmoid(b); the axis must have even extent.
Tensor glu(const Tensor& x, std::int64_t axis = -1);

// The activation Keras's activations.get(name) returns (exact, case-sensitive; "swish" and
// "hard_swish" are aliases). An unknown name throws InvalidArgument listing the known ones.
Activation get(std::string_view name);
// Every name get() accepts, sorted.
std::vector<std::string> names();

}  // namespace minidl::activations
