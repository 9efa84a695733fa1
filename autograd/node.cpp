#include <minidl/autograd/node.hpp>

#include <minidl/autograd/grad_mode.hpp>

namespace minidl {

Node::~Node() {
  // A chain of a million nodes would recurse a million destructors deep. Instead, the outermost
  // destructor takes over every node that is about to die with it and frees them from a loop.
  thread_local std::vector<std::shared_ptr<Node>>* pending = nullptr;
  std::vector<std::shared_ptr<Node>> local;
  const bool outermost = pending == nullptr;
  if (outermost) pending = &local;
  // Every input is handed over, shared or not: a shared one would otherwise be released later by
  // this node's member destructors, outside the loop, one recursion level per node.
  for (auto& edge : inputs)
    if (edge.node) pending->push_back(std::move(edge.node));
  if (!outermost) return;
  while (!local.empty()) {
    auto node = std::move(local.back());
    local.pop_back();
    node.reset();
  }
  pending = nullptr;
}

bool needs_grad(const Tensor& x) {
  const auto& meta = x.autograd_meta();
  return meta && (meta->requires_grad || meta->grad_fn);
}

void record(Tensor& output, std::string_view op_name, const std::vector<Tensor>& inputs, BackwardFunction backward) {
  if (!is_grad_enabled()) return;
  bool any = false;
  for (const auto& input : inputs) any = any || (input.defined() && needs_grad(input));
  if (!any) return;
  auto node = std::make_shared<Node>();
  node->op_name = op_name;
  node->backward = std::move(backward);
  node->inputs.reserve(inputs.size());
  for (const auto& input : inputs) {
    Edge edge;
    if (input.defined() && needs_grad(input)) {
      const auto& meta = input.autograd_meta();
      if (meta->grad_fn) edge.node = meta->grad_fn;
      else edge.leaf = meta;
      edge.shape = input.shape();
      edge.dtype = input.dtype();
    }
    node->inputs.push_back(std::move(edge));
  }
  auto& meta = output.mutable_autograd_meta();
  meta = std::make_shared<AutogradMeta>();
  meta->grad_fn = std::move(node);
}

}  // namespace minidl
