// The Tensor members that belong to autograd: requires_grad, grad, backward.
#include <minidl/autograd/engine.hpp>
#include <minidl/autograd/node.hpp>
#include <minidl/core/errors.hpp>

#include <fmt/format.h>

namespace minidl {

Tensor& Tensor::set_requires_grad(bool requires_grad) {
  auto& meta = mutable_autograd_meta();
  if (meta && meta->grad_fn)
    throw StateError("set_requires_grad: only leaf tensors (not results of ops) can change requires_grad; use detach() "
                     "to start a new leaf");
  if (!meta) meta = std::make_shared<AutogradMeta>();
  meta->requires_grad = requires_grad;
  return *this;
}

bool Tensor::requires_grad() const { return needs_grad(*this); }

bool Tensor::is_leaf() const {
  const auto& meta = autograd_meta();
  return !meta || !meta->grad_fn;
}

bool Tensor::has_grad() const {
  const auto& meta = autograd_meta();
  return meta && meta->grad.defined();
}

Tensor Tensor::grad() const {
  if (!has_grad())
    throw StateError(fmt::format("grad: no gradient has been computed for this tensor of shape {}: {}",
                                 shape_to_string(shape()),
                                 is_leaf() ? (requires_grad() ? "run backward() on a result that depends on it first"
                                                              : "it does not require grad; call set_requires_grad()")
                                           : "it is not a leaf; use autograd::grad to get gradients of intermediate results"));
  return autograd_meta()->grad;
}

void Tensor::zero_grad() const {
  if (const auto& meta = autograd_meta(); meta) meta->grad = Tensor();
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  autograd::backward({*this}, {gradient}, retain_graph);
}

}  // namespace minidl
