#include <minidl/layers/input_layer.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/layers/config_fields.hpp>
#include <minidl/layers/serialization.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

Shape batch_shape_of(const InputOptions& options, const std::string& where) {
  if (options.batch_shape && !options.shape.empty())
    throw InvalidArgument(fmt::format("{}: you cannot pass both `shape` and `batch_shape` at the same time", where));
  if (options.batch_shape && options.batch_size)
    throw InvalidArgument(fmt::format("{}: you cannot pass both `batch_size` and `batch_shape` at the same time", where));
  if (options.batch_size && *options.batch_size <= 0)
    throw_invalid_argument(where, "batch_size", "expected a positive integer", fmt::format("batch_size={}", *options.batch_size));
  Shape shape = options.batch_shape.value_or(Shape{});
  if (!options.batch_shape) {
    if (options.shape.empty()) throw InvalidArgument(fmt::format("{}: you must pass a `shape` argument", where));
    shape = options.shape;
    shape.insert(shape.begin(), options.batch_size.value_or(unknown_batch));
  }
  if (shape.empty() || (shape[0] < 0 && shape[0] != unknown_batch) || shape[0] == 0)
    throw_invalid_argument(where, "batch_shape", "expected a batch extent that is positive or unknown (-1)",
                           shape_to_string(shape));
  for (std::size_t axis = 1; axis < shape.size(); ++axis)
    if (shape[axis] < 0) {
      std::string extents = "(";
      for (std::size_t i = 0; i < shape.size(); ++i)
        extents += (i ? ", " : "") + (shape[i] == unknown_batch ? std::string("None") : std::to_string(shape[i]));
      throw_invalid_argument(where, options.batch_shape ? "batch_shape" : "shape",
                             "expected known, non-negative extents after the batch axis (minidl's functional models need "
                             "every extent but the batch's)",
                             extents + ")");
    }
  checked_element_count(Shape(shape.begin() + 1, shape.end()), where);
  return shape;
}

}  // namespace

InputLayer::InputLayer(InputOptions options)
    : Layer("InputLayer", options.name, true, parse_dtype(options.dtype, "InputLayer"), {}),
      batch_shape_(batch_shape_of(options, where())) {}

std::vector<Shape> InputLayer::node_output_shapes(const std::vector<Shape>& input_shapes, bool) const {
  if (!input_shapes.empty())
    throw InvalidArgument(fmt::format("{}: an input layer is not called on tensors; received {}", where(), input_shapes.size()));
  return {batch_shape_};
}

nlohmann::json InputLayer::get_config() const {
  nlohmann::json batch_shape = shape_to_json(batch_shape_);
  if (batch_shape_[0] != unknown_batch) batch_shape[0] = batch_shape_[0];
  return {{"batch_shape", batch_shape}, {"dtype", dtype_name(dtype())}, {"sparse", false},
          {"ragged", false},            {"name", name()},                {"optional", false}};
}

std::unique_ptr<InputLayer> InputLayer::from_config(const nlohmann::json& config) {
  for (const char* unsupported : {"sparse", "ragged", "optional"})
    if (config.value(unsupported, false))
      throw_invalid_argument("InputLayer.from_config", unsupported, "not supported; expected false", "true");
  InputOptions options;
  read_common_fields(config, options);
  Shape batch_shape;
  const nlohmann::json& extents = config.at(config.contains("batch_shape") ? "batch_shape" : "batch_input_shape");
  for (const auto& extent : extents) batch_shape.push_back(extent.is_null() ? unknown_batch : extent.get<std::int64_t>());
  options.batch_shape = batch_shape;
  return std::make_unique<InputLayer>(std::move(options));
}

SymbolicTensor Input(InputOptions options) {
  auto layer = std::make_shared<InputLayer>(std::move(options));
  return layer->symbolic_call({}, false).front();
}

}  // namespace minidl::layers
