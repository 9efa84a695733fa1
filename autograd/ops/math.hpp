#pragma once
// Differentiable elementwise math.
#include <minidl/core/tensor.hpp>

namespace minidl {

Tensor square(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
// |x|; the gradient at 0 is 0 (sign(0)), as in TensorFlow and PyTorch.
Tensor abs(const Tensor& x);
// -1, 0 or 1; its gradient is 0 everywhere.
Tensor sign(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor erf(const Tensor& x);
// min(max(x, min_value), max_value); the gradient passes where min_value <= x <= max_value.
Tensor clip(const Tensor& x, double min_value, double max_value);

}  // namespace minidl
