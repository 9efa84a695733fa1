#include <minidl/layers/reshaping.hpp>

#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/layers/config.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

std::string resolved_data_format(const std::optional<std::string>& data_format, const std::string& where) {
  std::string value = data_format.value_or(config::image_data_format());
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  if (value != "channels_last" && value != "channels_first")
    throw_invalid_argument(where, "data_format", "expected one of \"channels_last\", \"channels_first\"",
                           fmt::format("data_format=\"{}\"", value));
  return value;
}

}  // namespace

Flatten::Flatten(FlattenOptions options)
    : Layer("Flatten", options.name, true, parse_dtype(options.dtype, "Flatten"), {}),
      data_format_(resolved_data_format(options.data_format, where())) {}

void Flatten::check_input(const Shape& input_shape) const {
  if (input_shape.empty())
    throw ShapeError(fmt::format("{}: expected an input with a batch axis, received a scalar", where()));
}

Shape Flatten::compute_output_shape(const Shape& input_shape) const {
  check_input(input_shape);
  check_extents(input_shape, where());
  return {input_shape[0], checked_element_count(Shape(input_shape.begin() + 1, input_shape.end()), where())};
}

Tensor Flatten::call(const Tensor& inputs) {
  Tensor steps_last = inputs;
  if (data_format_ == "channels_first" && inputs.ndim() > 2) {
    std::vector<std::int64_t> order = {0};
    for (int axis = 2; axis < inputs.ndim(); ++axis) order.push_back(axis);
    order.push_back(1);
    steps_last = permute(inputs, order);
  }
  return reshape(steps_last, compute_output_shape(inputs.shape()));
}

nlohmann::json Flatten::get_config() const {
  auto config = Layer::get_config();
  config["data_format"] = data_format_;
  return config;
}

GlobalPooling1D::GlobalPooling1D(std::string class_name, GlobalPooling1DOptions options)
    : Layer(std::move(class_name), options.name, true, parse_dtype(options.dtype, "GlobalPooling1D"), {}),
      data_format_(resolved_data_format(options.data_format, where())),
      keepdims_(options.keepdims) {}

void GlobalPooling1D::check_input(const Shape& input_shape) const {
  require_rank_3(input_shape);
  if (input_shape[time_axis()] == 0)
    throw ShapeError(fmt::format("{}: cannot pool over zero steps (input shape {})", where(), shape_to_string(input_shape)));
}

Shape GlobalPooling1D::compute_output_shape(const Shape& input_shape) const {
  Shape output = input_shape;
  if (keepdims_) output[time_axis()] = 1;
  else output.erase(output.begin() + time_axis());
  return output;
}

nlohmann::json GlobalPooling1D::get_config() const {
  auto config = Layer::get_config();
  config["data_format"] = data_format_;
  config["keepdims"] = keepdims_;
  return config;
}

GlobalAveragePooling1D::GlobalAveragePooling1D(GlobalPooling1DOptions options)
    : GlobalPooling1D("GlobalAveragePooling1D", std::move(options)) {}

Tensor GlobalAveragePooling1D::call(const Tensor& inputs) {
  if (!input_mask().defined()) return mean(inputs, {time_axis()}, keepdims());
  const Tensor& mask = input_mask();
  if (mask.shape() != Shape{inputs.dim(0), inputs.dim(time_axis())})
    throw ShapeError(fmt::format("{}: expected the input's mask of shape (batch, steps) = {}, received {}", where(),
                                 shape_to_string({inputs.dim(0), inputs.dim(time_axis())}), shape_to_string(mask.shape())));
  // Keras's: the mean over the kept steps (NaN for a sample with none, as Keras's 0/0).
  const Tensor kept = unsqueeze(mask, time_axis() == 1 ? 2 : 1);
  return sum(inputs * kept, {time_axis()}, keepdims()) / sum(kept, {time_axis()}, keepdims());
}

GlobalMaxPooling1D::GlobalMaxPooling1D(GlobalPooling1DOptions options)
    : GlobalPooling1D("GlobalMaxPooling1D", std::move(options)) {}

Tensor GlobalMaxPooling1D::call(const Tensor& inputs) { return max(inputs, {time_axis()}, keepdims()); }

}  // namespace minidl::layers
