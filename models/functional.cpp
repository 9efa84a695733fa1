// The functional model's graph: found from its outputs (Keras's map_graph, without recursion),
// checked, ordered by depth, and run on real tensors.
#include <minidl/models/functional.hpp>

#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <set>

namespace minidl::models {

using layers::Layer;
using layers::Node;
using layers::SymbolicTensor;

namespace {

using TensorKey = std::pair<const Node*, std::size_t>;

TensorKey key_of(const SymbolicTensor& tensor) { return {tensor.node().get(), tensor.output_index()}; }

// Keras's path of the output in messages: empty for a single output, the index or key otherwise.
std::string output_path(const SymbolicTensors& outputs, std::size_t index) {
  switch (outputs.form()) {
    case SymbolicTensors::Form::single: return "";
    case SymbolicTensors::Form::list: return std::to_string(index);
    case SymbolicTensors::Form::dict: return outputs.keys()[index];
  }
  return "";
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const auto& name : names) quoted.push_back(fmt::format("'{}'", name));
  return fmt::format("[{}]", fmt::join(quoted, ", "));
}

std::string shape_with_none(const Shape& shape) {
  std::string text = "(";
  for (std::size_t axis = 0; axis < shape.size(); ++axis)
    text += (axis ? ", " : "") + (shape[axis] == layers::unknown_batch ? std::string("None") : std::to_string(shape[axis]));
  return text + (shape.size() == 1 ? ",)" : ")");
}

// Keras's _adjust_input_rank: an extra trailing axis of extent 1 is dropped, a missing one added,
// where the input expects it.
Shape adjusted_rank(const Shape& shape, const Shape& expected) {
  if (shape.size() == expected.size() + 1 && !shape.empty() && shape.back() == 1) return Shape(shape.begin(), shape.end() - 1);
  if (shape.size() + 1 == expected.size() && expected.back() == 1) {
    Shape longer = shape;
    longer.push_back(1);
    return longer;
  }
  return shape;
}

DType first_input_dtype(const SymbolicTensors& inputs, const std::string& name) {
  if (inputs.flat().empty())
    throw InvalidArgument(fmt::format("Functional '{}': `inputs` argument cannot be empty", name.empty() ? "functional" : name));
  if (!inputs.flat()[0].defined())
    throw InvalidArgument("Functional: input 0 is an undefined SymbolicTensor; make inputs with Input()");
  return inputs.flat()[0].dtype();
}

}  // namespace

SymbolicTensors::SymbolicTensors(SymbolicTensor single) : form_(Form::single), flat_{std::move(single)} {}
SymbolicTensors::SymbolicTensors(std::vector<SymbolicTensor> list) : form_(Form::list), flat_(std::move(list)) {}
SymbolicTensors::SymbolicTensors(std::initializer_list<SymbolicTensor> list) : form_(Form::list), flat_(list) {}
SymbolicTensors::SymbolicTensors(std::map<std::string, SymbolicTensor> by_name) : form_(Form::dict) {
  for (auto& [key, tensor] : by_name) {
    keys_.push_back(key);
    flat_.push_back(std::move(tensor));
  }
}

Functional::Functional(SymbolicTensors inputs, SymbolicTensors outputs, FunctionalOptions options)
    : Model("Functional", options.name, options.trainable, first_input_dtype(inputs, options.name), {}),
      inputs_(std::move(inputs)),
      outputs_(std::move(outputs)) {
  map_graph();
  for (const auto& layer : layers_) track(*layer);
  if (!options.trainable) set_trainable(false);
  mark_built();
}

void Functional::map_graph() {
  const auto& flat_inputs = inputs_.flat();
  const auto& flat_outputs = outputs_.flat();
  if (flat_outputs.empty()) throw InvalidArgument(fmt::format("{}: `outputs` argument cannot be empty", where()));
  for (std::size_t i = 0; i < flat_inputs.size(); ++i) {
    if (!flat_inputs[i].defined())
      throw InvalidArgument(fmt::format("{}: input {} is an undefined SymbolicTensor; make inputs with Input()", where(), i));
    if (!flat_inputs[i].node()->is_input())
      throw InvalidArgument(fmt::format("{}: every input must be a tensor Input() returned; input {} ('{}') is an output of "
                                        "{} '{}'",
                                        where(), i, flat_inputs[i].name(), flat_inputs[i].node()->layer->class_name(),
                                        flat_inputs[i].node()->layer->name()));
    for (std::size_t j = 0; j < i; ++j)
      if (flat_inputs[j].same_as(flat_inputs[i]))
        throw InvalidArgument(fmt::format("{}: input '{}' is given twice (inputs {} and {})", where(), flat_inputs[i].name(), j, i));
  }
  for (std::size_t i = 0; i < flat_outputs.size(); ++i)
    if (!flat_outputs[i].defined())
      throw InvalidArgument(fmt::format("{}: output {} is an undefined SymbolicTensor", where(), i));

  // Depth-first from the outputs: nodes after everything they read (post-order), layers numbered
  // by their first visit, as Keras's _build_map.
  std::vector<std::shared_ptr<Node>> post_order;
  std::set<const Node*> in_graph;
  std::map<const Layer*, int> first_visit;
  struct Frame {
    std::shared_ptr<Node> node;
    std::size_t next_input;
  };
  const auto enter = [&](std::vector<Frame>& stack, const std::shared_ptr<Node>& node) {
    first_visit.emplace(node->layer.get(), int(first_visit.size()));
    stack.push_back({node, 0});
  };
  for (const auto& output : flat_outputs) {
    if (in_graph.count(output.node().get())) continue;
    std::vector<Frame> stack;
    enter(stack, output.node());
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next_input < top.node->inputs.size()) {
        const auto& child = top.node->inputs[top.next_input++].node();
        if (!in_graph.count(child.get())) enter(stack, child);
        continue;
      }
      in_graph.insert(top.node.get());
      post_order.push_back(top.node);
      stack.pop_back();
    }
  }

  // Depths: 0 at the outputs, one more than the deepest user for every node, and a shared layer
  // as deep as its deepest node. Insertion orders follow Keras's dicts.
  std::map<const Node*, int> node_depth;
  std::vector<std::shared_ptr<Node>> node_order;
  const auto set_node_depth = [&](const std::shared_ptr<Node>& node, int depth) {
    if (node_depth.emplace(node.get(), depth).second) node_order.push_back(node);
    else node_depth[node.get()] = depth;
  };
  std::map<const Layer*, int> layer_depth;
  std::vector<std::shared_ptr<Layer>> layer_order;
  const auto set_layer_depth = [&](const std::shared_ptr<Layer>& layer, int depth) {
    if (layer_depth.emplace(layer.get(), depth).second) layer_order.push_back(layer);
    else layer_depth[layer.get()] = depth;
  };
  for (auto node = post_order.rbegin(); node != post_order.rend(); ++node) {
    if (!node_depth.count(node->get())) set_node_depth(*node, 0);
    int depth = node_depth[node->get()];
    if (layer_depth.count((*node)->layer.get())) depth = std::max(depth, layer_depth[(*node)->layer.get()]);
    set_layer_depth((*node)->layer, depth);
    set_node_depth(*node, depth);
    for (const auto& input : (*node)->inputs) {
      const auto& parent = input.node();
      if (!in_graph.count(parent.get())) continue;
      set_node_depth(parent, std::max(depth + 1, node_depth.count(parent.get()) ? node_depth[parent.get()] : 0));
    }
  }
  // Inputs no output uses stay in the model (Keras allows them: losses may read them).
  for (const auto& input : flat_inputs)
    if (!layer_depth.count(input.node()->layer.get())) {
      first_visit[input.node()->layer.get()] = -1;
      set_layer_depth(input.node()->layer, 0);
      set_node_depth(input.node(), 0);
    }

  int deepest = 0;
  for (const auto& [node, depth] : node_depth) deepest = std::max(deepest, depth);
  nodes_by_depth_.assign(std::size_t(deepest) + 1, {});
  for (const auto& node : node_order) nodes_by_depth_[std::size_t(deepest - node_depth[node.get()])].push_back(node.get());
  for (const auto& group : nodes_by_depth_)
    for (const Node* node : group)
      for (const auto& owned : node_order)
        if (owned.get() == node) nodes_.push_back(owned);
  for (int depth = deepest; depth >= 0; --depth) {
    std::vector<std::shared_ptr<Layer>> at_depth;
    for (const auto& layer : layer_order)
      if (layer_depth[layer.get()] == depth) at_depth.push_back(layer);
    std::stable_sort(at_depth.begin(), at_depth.end(),
                     [&](const auto& a, const auto& b) { return first_visit[a.get()] < first_visit[b.get()]; });
    layers_.insert(layers_.end(), at_depth.begin(), at_depth.end());
  }

  // Slots for every tensor; then Keras's run-through: an output that the declared inputs cannot
  // reach (it needs another Input) is not connected.
  std::map<TensorKey, std::size_t> slot_of;
  for (const auto& node : nodes_)
    for (std::size_t i = 0; i < node->output_count(); ++i) slot_of[{node.get(), i}] = slot_count_++;
  std::vector<bool> computable(slot_count_, false);
  for (const auto& input : flat_inputs) {
    input_slots_.push_back(slot_of.at(key_of(input)));
    computable[input_slots_.back()] = true;
  }
  for (const auto& node : nodes_) {
    if (node->is_input()) continue;
    Step step{node, {}, slot_of.at({node.get(), 0})};
    bool ready = true;
    for (const auto& input : node->inputs) {
      step.input_slots.push_back(slot_of.at(key_of(input)));
      ready = ready && computable[step.input_slots.back()];
    }
    for (std::size_t i = 0; i < node->output_count(); ++i) computable[step.first_output_slot + i] = ready;
    steps_.push_back(std::move(step));
  }
  for (std::size_t i = 0; i < flat_outputs.size(); ++i) {
    output_slots_.push_back(slot_of.at(key_of(flat_outputs[i])));
    if (!computable[output_slots_.back()])
      throw InvalidArgument(fmt::format("{}: Output with path `{}` is not connected to `inputs`: it needs an Input that is not "
                                        "among the model's inputs",
                                        where(), output_path(outputs_, i)));
  }

  // Serialized nodes refer to layers by name, so names must be unique.
  std::map<std::string, int> uses;
  for (const auto& layer : layers_) ++uses[layer->name()];
  for (const auto& layer : layers_)
    if (uses[layer->name()] > 1)
      throw InvalidArgument(fmt::format("{}: The name \"{}\" is used {} times in the model. All operation names should be unique.",
                                        where(), layer->name(), uses[layer->name()]));
}

std::vector<std::string> Functional::input_names() const {
  if (inputs_.form() == SymbolicTensors::Form::dict) return inputs_.keys();
  std::vector<std::string> names;
  for (const auto& input : inputs_.flat()) names.push_back(input.node()->layer->name());
  return names;
}

std::vector<std::string> Functional::output_names() const {
  if (outputs_.form() == SymbolicTensors::Form::dict) return outputs_.keys();
  std::vector<std::string> names;
  for (const auto& output : outputs_.flat()) names.push_back(output.node()->layer->name());
  return names;
}

void Functional::check_inputs(const std::vector<Shape>& shapes, const std::vector<DType>& dtypes) const {
  const auto& expected = inputs_.flat();
  if (shapes.size() != expected.size())
    throw InvalidArgument(fmt::format("{}: expects {} input(s) with names {}, but received {} input tensor(s)", where(),
                                      expected.size(), quoted_list(input_names()), shapes.size()));
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (dtypes[i] != expected[i].dtype())
      throw InvalidArgument(fmt::format("{}: input {} with name '{}' expects dtype {}, received {}; cast the input", where(), i,
                                        expected[i].name(), dtype_name(expected[i].dtype()), dtype_name(dtypes[i])));
    const Shape& reference = expected[i].shape();
    const Shape shape = adjusted_rank(shapes[i], reference);
    bool compatible = shape.size() == reference.size();
    for (std::size_t axis = 0; compatible && axis < shape.size(); ++axis)
      compatible = reference[axis] == layers::unknown_batch || shape[axis] == layers::unknown_batch || shape[axis] == reference[axis];
    if (!compatible)
      throw ShapeError(fmt::format("{}: input {} with name '{}' is incompatible with the model: expected shape={}, found shape={}",
                                   where(), i, expected[i].name(), shape_with_none(reference), shape_with_none(shapes[i])));
  }
}

void Functional::check_input(const Shape& input_shape) const { check_inputs({input_shape}, {inputs_.flat()[0].dtype()}); }

Shape Functional::compute_output_shape(const Shape& input_shape) const {
  return node_output_shapes({input_shape}, false).at(0);
}

std::vector<Shape> Functional::node_output_shapes(const std::vector<Shape>& input_shapes, bool list_argument) const {
  std::vector<DType> dtypes;
  for (const auto& input : inputs_.flat()) dtypes.push_back(input.dtype());
  dtypes.resize(input_shapes.size(), dtype());
  check_inputs(input_shapes, dtypes);
  if (input_shapes.size() > 1 && !list_argument)
    throw InvalidArgument(fmt::format("{}: a model of several inputs is called on a list", where()));
  // Every extent but the batch's is fixed, so the outputs' shapes are known; the batch is the call's.
  std::vector<Shape> shapes;
  for (const auto& output : outputs_.flat()) {
    shapes.push_back(output.concrete_shape());
    if (!input_shapes.empty() && !input_shapes[0].empty() && !shapes.back().empty()) shapes.back()[0] = input_shapes[0][0];
  }
  return shapes;
}

std::vector<Tensor> Functional::run(const std::vector<Tensor>& inputs, bool training) {
  const layers::CallScope scope;
  std::vector<Shape> shapes;
  std::vector<DType> dtypes;
  for (const auto& input : inputs) {
    shapes.push_back(input.shape());
    dtypes.push_back(input.dtype());
  }
  check_inputs(shapes, dtypes);
  std::vector<Tensor> slots(slot_count_);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Shape& reference = inputs_.flat()[i].shape();
    slots[input_slots_[i]] = inputs[i].ndim() == std::int64_t(reference.size()) ? inputs[i]
                             : inputs[i].ndim() > std::int64_t(reference.size()) ? squeeze(inputs[i], {-1})
                                                                                  : unsqueeze(inputs[i], -1);
  }
  std::vector<Tensor> arguments;
  for (const auto& step : steps_) {
    arguments.clear();
    for (const auto slot : step.input_slots) arguments.push_back(slots[slot]);
    auto results = step.node->layer->call_node(arguments, step.node->list_argument, training);
    if (results.size() != step.node->output_count())
      throw StateError(fmt::format("{}: {} '{}' gave {} outputs where its symbolic call gave {}", where(),
                                   step.node->layer->class_name(), step.node->layer->name(), results.size(),
                                   step.node->output_count()));
    for (std::size_t i = 0; i < results.size(); ++i) slots[step.first_output_slot + i] = std::move(results[i]);
  }
  std::vector<Tensor> outputs;
  for (const auto slot : output_slots_) outputs.push_back(slots[slot]);
  return outputs;
}

std::vector<Tensor> Functional::operator()(const std::vector<Tensor>& inputs, bool training) {
  return call_node(inputs, inputs.size() != 1, training);
}

std::vector<Tensor> Functional::call_node(const std::vector<Tensor>& inputs, bool list_argument, bool training) {
  if (inputs.size() > 1 && !list_argument)
    throw InvalidArgument(fmt::format("{}: a model of several inputs is called on a list", where()));
  return run(inputs, training);
}

Tensor Functional::call(const Tensor& inputs) {
  if (outputs_.flat().size() != 1)
    throw InvalidArgument(fmt::format("{}: the model has {} outputs; call it on a list of tensors to get them all", where(),
                                      outputs_.flat().size()));
  return run({inputs}, training()).at(0);
}

}  // namespace minidl::models
