#pragma once
// Reverse-mode differentiation: backward() into .grad, and grad(), the functional form.
#include <minidl/core/tensor.hpp>

#include <functional>
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

// Called during backward() with a leaf (its AutogradMeta) as soon as its .grad() is final: every
// edge into it has delivered. A data-parallel strategy starts reducing that gradient while the
// rest of the graph is still being differentiated.
using LeafReady = std::function<void(const AutogradMeta& leaf)>;

// What Tensor::backward runs: accumulates into the .grad() of every leaf that requires it.
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph,
              const LeafReady& on_leaf_ready = nullptr);

}  // namespace minidl::autograd
