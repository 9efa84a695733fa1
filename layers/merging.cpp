#include <minidl/layers/merging.hpp>

#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

std::string shapes_to_string(const std::vector<Shape>& shapes) {
  std::vector<std::string> parts;
  for (const auto& shape : shapes) parts.push_back(shape_to_string(shape));
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

}  // namespace

Tensor Merge::operator()(const std::vector<Tensor>& inputs, bool) {
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype() != dtype())
      throw InvalidArgument(fmt::format("{}: invalid argument `inputs`: expected dtype {} (the layer's dtype), received {} "
                                        "for input {}; cast the input",
                                        where(), dtype_name(dtype()), dtype_name(inputs[i].dtype()), i));
    shapes.push_back(inputs[i].shape());
  }
  compute_output_shape(shapes);
  record_build_shapes(shapes);
  Tensor output = merge(inputs);
  if (const Tensor mask = compute_mask(inputs); mask.defined()) output.set_keras_mask(mask);
  set_last_output_shape(output.shape());
  return output;
}

Tensor Merge::compute_mask(const std::vector<Tensor>& inputs) const {
  Tensor either;
  for (const auto& input : inputs) {
    const Tensor mask = input.keras_mask();
    if (!mask.defined()) return Tensor();
    either = either.defined() ? maximum(either, mask) : mask;
  }
  return either;
}

std::vector<Tensor> Merge::call_node(const std::vector<Tensor>& inputs, bool list_argument, bool training) {
  if (!list_argument) check_input(inputs.at(0).shape());
  return {(*this)(inputs, training)};
}

std::vector<Shape> Merge::node_output_shapes(const std::vector<Shape>& input_shapes, bool list_argument) const {
  if (!list_argument) check_input(input_shapes.at(0));
  return {compute_output_shape(input_shapes)};
}

void Merge::check_batch(const std::vector<Shape>& input_shapes) const {
  if (input_shapes.empty())
    throw InvalidArgument(fmt::format("{}: a merge layer should be called on a list of at least 1 input, received 0 inputs", where()));
  for (const auto& shape : input_shapes)
    if (shape.empty())
      throw ShapeError(fmt::format("{}: every input needs a batch axis, received shapes {}", where(), shapes_to_string(input_shapes)));
  for (const auto& shape : input_shapes) check_extents(shape, where());
  for (const auto& shape : input_shapes)
    if (shape[0] != input_shapes[0][0])
      throw ShapeError(fmt::format("{}: cannot merge tensors with different batch sizes, received shapes {}", where(),
                                   shapes_to_string(input_shapes)));
}

void Merge::check_input(const Shape& input_shape) const {
  throw InvalidArgument(fmt::format("{}: a merge layer should be called on a list of inputs, received a single tensor of "
                                    "shape {}",
                                    where(), shape_to_string(input_shape)));
}

Shape Merge::compute_output_shape(const Shape& input_shape) const {
  check_input(input_shape);
  return input_shape;
}

Tensor Merge::call(const Tensor& inputs) {
  check_input(inputs.shape());
  return inputs;
}

Add::Add(AddOptions options) : Merge("Add", options.name, true, parse_dtype(options.dtype, "Add"), {}) {}

Shape Add::compute_output_shape(const std::vector<Shape>& input_shapes) const {
  check_batch(input_shapes);
  Shape output(input_shapes[0].begin() + 1, input_shapes[0].end());
  for (const auto& full_shape : input_shapes) {
    const Shape shape(full_shape.begin() + 1, full_shape.end());
    Shape longer = output.size() >= shape.size() ? output : shape;
    const Shape& shorter = output.size() >= shape.size() ? shape : output;
    const std::size_t offset = longer.size() - shorter.size();
    for (std::size_t axis = 0; axis < shorter.size(); ++axis) {
      auto& extent = longer[offset + axis];
      if (extent == 1) extent = shorter[axis];
      else if (shorter[axis] != 1 && shorter[axis] != extent)
        throw ShapeError(fmt::format("{}: inputs have incompatible shapes, received shapes {}", where(),
                                     shapes_to_string(input_shapes)));
    }
    output = std::move(longer);
  }
  output.insert(output.begin(), input_shapes[0][0]);
  return output;
}

Tensor Add::merge(const std::vector<Tensor>& inputs) const {
  int rank = 0;
  for (const auto& input : inputs) rank = std::max(rank, int(input.ndim()));
  Tensor sum;
  for (const auto& input : inputs) {
    Tensor aligned = input;
    while (int(aligned.ndim()) < rank) aligned = unsqueeze(aligned, 1);
    sum = sum.defined() ? sum + aligned : aligned;
  }
  return sum;
}

Concatenate::Concatenate(ConcatenateOptions options)
    : Merge("Concatenate", options.name, true, parse_dtype(options.dtype, "Concatenate"), {}), axis_(options.axis) {}

Shape Concatenate::compute_output_shape(const std::vector<Shape>& input_shapes) const {
  check_batch(input_shapes);
  const auto rank = std::int64_t(input_shapes[0].size());
  if (axis_ < -rank || axis_ >= rank)
    throw_invalid_argument(where(), "axis", fmt::format("expected an axis in [{}, {}) for inputs of rank {}", -rank, rank, rank),
                           std::to_string(axis_));
  const auto axis = std::size_t(axis_ < 0 ? axis_ + rank : axis_);
  Shape output = input_shapes[0];
  for (std::size_t i = 1; i < input_shapes.size(); ++i) {
    const Shape& shape = input_shapes[i];
    bool matches = shape.size() == output.size();
    for (std::size_t d = 0; matches && d < shape.size(); ++d) matches = d == axis || shape[d] == output[d];
    if (!matches)
      throw ShapeError(fmt::format("{}: a Concatenate layer requires inputs with matching shapes except for the "
                                   "concatenation axis {}, received shapes {}",
                                   where(), axis_, shapes_to_string(input_shapes)));
    output[axis] += shape[axis];
  }
  return output;
}

Tensor Concatenate::compute_mask(const std::vector<Tensor>& inputs) const {
  bool any_mask = false;
  for (const auto& input : inputs) any_mask = any_mask || input.keras_mask().defined();
  if (!any_mask) return Tensor();
  std::vector<Tensor> spread;
  for (const auto& input : inputs) {
    const Tensor mask = input.keras_mask();
    if (!mask.defined()) spread.push_back(Tensor::ones(input.shape(), input.dtype()));
    else if (mask.ndim() < input.ndim()) spread.push_back(broadcast_to(unsqueeze(mask, -1), input.shape()));
    else spread.push_back(mask);
  }
  return max(concat(spread, axis_), {-1});
}

nlohmann::json Concatenate::get_config() const {
  auto config = Layer::get_config();
  config["axis"] = axis_;
  return config;
}

Tensor Concatenate::merge(const std::vector<Tensor>& inputs) const { return concat(inputs, axis_); }

}  // namespace minidl::layers
