// The engine: an iterative topological walk from the outputs (Kahn's algorithm over dependency
// counts), so that graph depth never touches the call stack.
#include <minidl/autograd/engine.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/autograd/node.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/kernels/kernels.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <unordered_map>

namespace minidl::autograd {

namespace {

// Where captured gradients go in grad(); empty in backward(), which accumulates into leaves.
struct Captures {
  std::unordered_map<const Node*, std::vector<std::size_t>> by_node;
  std::unordered_map<const AutogradMeta*, std::vector<std::size_t>> by_leaf;
  std::vector<Tensor> gradients;
  bool active = false;
};

void accumulate(Tensor& slot, const Tensor& gradient) {
  slot = slot.defined() ? slot + gradient : gradient;
}

std::vector<Tensor> seed_gradients(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
                                   std::string_view where) {
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size())
    throw_invalid_argument(where, "grad_outputs", fmt::format("expected one per output ({})", outputs.size()),
                           fmt::format("{} gradients", grad_outputs.size()));
  std::vector<Tensor> seeds;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& output = outputs[i];
    if (!needs_grad(output))
      throw StateError(fmt::format("{}: output {} does not require grad: no input on its graph has requires_grad set, "
                                   "or it was computed under NoGradGuard",
                                   where, i));
    const Tensor given = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!given.defined()) {
      if (output.size() != 1)
        throw StateError(fmt::format("{}: output {} has shape {}; a gradient can be implied only for a one-element "
                                     "output, so pass the upstream gradient explicitly",
                                     where, i, shape_to_string(output.shape())));
      seeds.push_back(Tensor::ones(output.shape(), output.dtype()));
      continue;
    }
    if (given.shape() != output.shape() || given.dtype() != output.dtype())
      throw ShapeError(fmt::format("{}: the gradient for output {} has shape {} {}, expected the output's {} {}", where, i,
                                   shape_to_string(given.shape()), dtype_name(given.dtype()),
                                   shape_to_string(output.shape()), dtype_name(output.dtype())));
    seeds.push_back(given);
  }
  return seeds;
}

void run(const std::vector<Tensor>& outputs, const std::vector<Tensor>& seeds, bool retain_graph, Captures& captures,
         const LeafReady& on_leaf_ready = nullptr) {
  NoGradGuard no_grad;
  std::unordered_map<Node*, int> dependencies;
  // Edges still to deliver into each leaf that wants gradients, counted only for on_leaf_ready.
  std::unordered_map<const AutogradMeta*, int> leaf_edges;
  std::unordered_map<Node*, Tensor> pending;
  std::vector<Node*> stack;

  auto deliver_to_leaf = [&](const std::shared_ptr<AutogradMeta>& leaf, const Tensor& gradient) {
    if (captures.active) {
      auto found = captures.by_leaf.find(leaf.get());
      if (found != captures.by_leaf.end())
        for (std::size_t index : found->second) accumulate(captures.gradients[index], gradient);
      return;
    }
    if (!leaf->requires_grad) return;
    // The stored gradient owns its storage: later in-place updates must not reach into the graph.
    if (leaf->grad.defined()) leaf->grad = leaf->grad + gradient;
    else leaf->grad = gradient.clone();
  };

  // Count, for every reachable node, how many edges lead into it.
  for (const auto& output : outputs) {
    Node* root = output.autograd_meta()->grad_fn.get();
    if (root && dependencies.emplace(root, 0).second) stack.push_back(root);
  }
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (auto& edge : node->inputs) {
      if (on_leaf_ready && edge.leaf && edge.leaf->requires_grad) ++leaf_edges[edge.leaf.get()];
      if (!edge.node) continue;
      if (dependencies[edge.node.get()]++ == 0) stack.push_back(edge.node.get());
    }
  }

  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const auto& meta = outputs[i].autograd_meta();
    if (meta->grad_fn) accumulate(pending[meta->grad_fn.get()], seeds[i]);
    else deliver_to_leaf(meta, seeds[i]);
  }
  for (const auto& [node, count] : dependencies)
    if (count == 0) stack.push_back(node);

  std::vector<Node*> visited;
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    visited.push_back(node);
    Tensor gradient;
    if (auto found = pending.find(node); found != pending.end()) {
      gradient = std::move(found->second);
      pending.erase(found);
    }
    if (gradient.defined() && captures.active) {
      auto found = captures.by_node.find(node);
      if (found != captures.by_node.end())
        for (std::size_t index : found->second) accumulate(captures.gradients[index], gradient);
    }
    std::vector<Tensor> input_gradients;
    if (gradient.defined()) {
      if (node->released)
        throw StateError(fmt::format("backward: the graph through `{}` was already freed by an earlier backward; pass "
                                     "retain_graph = true to the first call to go through it twice",
                                     node->op_name));
      input_gradients = node->backward(gradient);
      if (input_gradients.size() != node->inputs.size())
        throw StateError(fmt::format("backward of `{}`: returned {} gradients for an op with {} input{}; return one per input, an "
                                     "undefined Tensor() for an input without one",
                                     node->op_name, input_gradients.size(), node->inputs.size(), node->inputs.size() == 1 ? "" : "s"));
    }
    for (std::size_t i = 0; i < node->inputs.size(); ++i) {
      const Edge& edge = node->inputs[i];
      Tensor input_gradient = input_gradients.empty() ? Tensor() : input_gradients[i];
      if (input_gradient.defined() && (edge.node || edge.leaf)) {
        const Shape& given = input_gradient.shape();
        const bool fits = given.size() >= edge.shape.size() &&
                          std::equal(edge.shape.rbegin(), edge.shape.rend(), given.rbegin(),
                                     [](std::int64_t input, std::int64_t gradient) { return input == gradient || input == 1; });
        if (!fits)
          throw StateError(fmt::format("backward of `{}`: the gradient for input {} has shape {}, which does not reduce to "
                                       "the input's shape {}",
                                       node->op_name, i, shape_to_string(given), shape_to_string(edge.shape)));
        if (input_gradient.dtype() != edge.dtype)
          throw StateError(fmt::format("backward of `{}`: the gradient for input {} is {}, but the input is {}; cast it to the input's dtype",
                                       node->op_name, i, dtype_name(input_gradient.dtype()), dtype_name(edge.dtype)));
        input_gradient = kernels::sum_to_shape(input_gradient, edge.shape);
      }
      if (edge.node) {
        if (input_gradient.defined()) accumulate(pending[edge.node.get()], input_gradient);
        if (--dependencies[edge.node.get()] == 0) stack.push_back(edge.node.get());
      } else if (edge.leaf) {
        if (input_gradient.defined()) deliver_to_leaf(edge.leaf, input_gradient);
        if (on_leaf_ready && edge.leaf->requires_grad && --leaf_edges[edge.leaf.get()] == 0) on_leaf_ready(*edge.leaf);
      }
    }
  }
  if (!retain_graph)
    for (Node* node : visited) {
      node->backward = nullptr;
      node->released = true;
    }
}

}  // namespace

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph,
              const LeafReady& on_leaf_ready) {
  Captures none;
  run(outputs, seed_gradients(outputs, grad_outputs, "backward"), retain_graph, none, on_leaf_ready);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, GradOptions options) {
  Captures captures;
  captures.active = true;
  captures.gradients.resize(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!needs_grad(inputs[i]))
      throw StateError(fmt::format("autograd::grad: input {} does not require grad; call set_requires_grad() on it "
                                   "before computing the outputs",
                                   i));
    const auto& meta = inputs[i].autograd_meta();
    if (meta->grad_fn) captures.by_node[meta->grad_fn.get()].push_back(i);
    else captures.by_leaf[meta.get()].push_back(i);
  }
  run(outputs, seed_gradients(outputs, grad_outputs, "autograd::grad"), options.retain_graph, captures);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (captures.gradients[i].defined()) continue;
    if (!options.allow_unused)
      throw StateError(fmt::format("autograd::grad: input {} is not used in computing the outputs; pass allow_unused = "
                                   "true to get zeros for it",
                                   i));
    captures.gradients[i] = Tensor::zeros(inputs[i].shape(), inputs[i].dtype());
  }
  return captures.gradients;
}

}  // namespace minidl::autograd
