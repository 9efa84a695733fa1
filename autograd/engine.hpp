#pragma once
// Reverse-mode differentiation: backward() into .grad, and grad(), the functional form.
#include <minidl/core/tensor.hpp>

#include <vector>

namespace minidl::autograd {

struct GradOptions {
  // Keep the graph's saved tensors so that backward can run through it again.
  bool retain_graph = false;
  // An input the outputs do not depend on gets zeros instead of an error.
  bool allow_unused = false;
};

// d(sum_i <grad_outputs[i], outputs[i]>)/d(inputs), without touching any tensor's .grad().
// Without grad_outputs every output must hold one element (its gradient is 1).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, GradOptions options = {});

// What Tensor::backward runs: accumulates into the .grad() of every leaf that requires it.
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph);

}  // namespace minidl::autograd
