// Layer calls on symbolic tensors: the checks and build a real call would do, recorded as a Node.
#include <minidl/layers/layer.hpp>

#include <minidl/core/errors.hpp>

#include <fmt/format.h>

namespace minidl::layers {

namespace {

SymbolicTensor only_output(std::vector<SymbolicTensor> outputs, const std::string& where) {
  if (outputs.size() != 1)
    throw InvalidArgument(fmt::format("{}: the call gives {} outputs, not one; symbolic_call() returns them all", where,
                                      outputs.size()));
  return std::move(outputs[0]);
}

// A layer checks the shapes of a symbolic call with the batch extent 1 standing for None; its
// message shows the shapes as the user knows them.
std::string with_symbolic_shapes(std::string message, const std::vector<SymbolicTensor>& inputs) {
  for (const auto& input : inputs) {
    if (input.shape().empty() || input.shape()[0] != unknown_batch) continue;
    const std::string concrete = shape_to_string(input.concrete_shape()), symbolic = input.shape_string();
    for (std::size_t at = message.find(concrete); at != std::string::npos; at = message.find(concrete, at + symbolic.size()))
      message.replace(at, concrete.size(), symbolic);
  }
  return message;
}

}  // namespace

SymbolicTensor Layer::operator()(const SymbolicTensor& inputs) { return only_output(symbolic_call({inputs}, false), where()); }

SymbolicTensor Layer::operator()(const std::vector<SymbolicTensor>& inputs) {
  return only_output(symbolic_call(inputs, true), where());
}

std::vector<SymbolicTensor> Layer::symbolic_call(const std::vector<SymbolicTensor>& inputs, bool list_argument, StateKeyword initial_state) {
  std::shared_ptr<Layer> self = weak_from_this().lock();
  if (!self)
    throw StateError(fmt::format("{}: a layer called on symbolic tensors must be owned by a std::shared_ptr, which the "
                                 "model keeps; create it with layers::make<{}>(...)",
                                 where(), class_name()));
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined())
      throw InvalidArgument(fmt::format("{}: input {} is an undefined SymbolicTensor; make inputs with Input()", where(), i));
    if (inputs[i].dtype() != dtype_)
      throw InvalidArgument(fmt::format("{}: invalid argument `inputs`: expected dtype {} (the layer's dtype), received {} "
                                        "for input {} ('{}'); give Input() the layer's dtype",
                                        where(), dtype_name(dtype_), dtype_name(inputs[i].dtype()), i, inputs[i].name()));
    shapes.push_back(inputs[i].concrete_shape());
  }
  std::vector<Shape> output_shapes;
  try {
    output_shapes = node_output_shapes(shapes, list_argument);
  } catch (const ShapeError& error) {
    throw ShapeError(with_symbolic_shapes(error.what(), inputs));
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(with_symbolic_shapes(error.what(), inputs));
  }
  if (!list_argument && shapes.size() == 1 + initial_state.count) build(shapes[0]);
  if (inbound_node_count_ == 0 && initial_state.count > 0) {
    for (std::size_t i = inputs.size() - initial_state.count; i < inputs.size(); ++i) first_call_state_shapes_.push_back(inputs[i].shape());
    first_call_states_listed_ = initial_state.listed;
  }
  if (list_argument) record_build_shapes(shapes);
  // Outputs keep the batch extent of the inputs: unknown, or what Input() fixed.
  const bool batch_unknown = !inputs.empty() && !inputs[0].shape().empty() && inputs[0].shape()[0] == unknown_batch;
  std::vector<Shape> shapes_with_batch = output_shapes;
  if (batch_unknown)
    for (auto& shape : shapes_with_batch)
      if (!shape.empty()) shape[0] = unknown_batch;
  auto node = std::make_shared<Node>(Node{self, inputs, list_argument, shapes_with_batch, inbound_node_count_++, initial_state});
  std::vector<SymbolicTensor> outputs;
  for (std::size_t i = 0; i < shapes_with_batch.size(); ++i)
    // An input layer's tensor carries the layer's name: the name Input() was given.
    outputs.push_back(SymbolicTensor::make(shapes_with_batch[i], dtype_, node, i, inputs.empty() ? name_ : ""));
  return outputs;
}

std::vector<Shape> Layer::node_output_shapes(const std::vector<Shape>& input_shapes, bool list_argument) const {
  if (list_argument || input_shapes.size() != 1)
    throw InvalidArgument(fmt::format("{}: expected one input tensor, received a list of {}", where(), input_shapes.size()));
  check_input(input_shapes[0]);
  return {compute_output_shape(input_shapes[0])};
}

std::vector<Tensor> Layer::call_node(const std::vector<Tensor>& inputs, bool list_argument, bool training) {
  if (list_argument || inputs.size() != 1)
    throw InvalidArgument(fmt::format("{}: expected one input tensor, received a list of {}", where(), inputs.size()));
  return {(*this)(inputs[0], training)};
}

}  // namespace minidl::layers
