#pragma once
// The graph: each op's result points (through its AutogradMeta) to a Node that knows the op's
// backward formula and the inputs to send gradients to. Nodes point only to their inputs.
#include <minidl/core/tensor.hpp>

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace minidl {

struct Node;

// What autograd attaches to a tensor: the leaf flag and accumulated gradient, or the node that made it.
struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;                     // accumulated by backward() on leaves
  std::shared_ptr<Node> grad_fn;   // set on op results; null on leaves
};

// Where one input's gradient goes: the node that produced it, or the leaf it is.
struct Edge {
  std::shared_ptr<Node> node;
  std::shared_ptr<AutogradMeta> leaf;
  Shape shape;  // the input's shape: the engine sums broadcast gradients back down to it
  DType dtype = DType::float32;  // the input's dtype, which its gradient must have
};

// Receives the gradient of the op's output; returns one gradient per input, in the order the
// inputs were recorded (an undefined Tensor where there is none). Gradients may have the
// broadcast output's shape: the engine reduces them.
using BackwardFunction = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node {
  std::string_view op_name;
  BackwardFunction backward;  // released after backward() unless the graph is retained
  std::vector<Edge> inputs;
  bool released = false;

  ~Node();  // tears long chains down iteratively, never by recursion
};

// Whether `x` takes part in differentiation (a leaf with requires_grad, or an op result on the graph).
bool needs_grad(const Tensor& x);

// Makes `output` the result of op `op_name` on `inputs` in the graph — when grad mode is on and an
// input needs a gradient; otherwise does nothing. Lambdas must capture saved(x), never x itself.
void record(Tensor& output, std::string_view op_name, const std::vector<Tensor>& inputs, BackwardFunction backward);

// The form a backward lambda keeps a tensor in: same storage, no link into the graph, so that a
// node never owns the nodes before it through a saved tensor.
inline Tensor saved(const Tensor& x) { return x.detach(); }

}  // namespace minidl
