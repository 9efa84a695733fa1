#include <minidl/layers/time_distributed.hpp>

#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/layers/config_fields.hpp>
#include <minidl/layers/serialization.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

DType wrapped_dtype(const std::unique_ptr<Layer>& layer) {
  if (!layer) throw_invalid_argument("TimeDistributed", "layer", "expected a layer", "a null pointer");
  return layer->dtype();
}

}  // namespace

TimeDistributed::TimeDistributed(std::unique_ptr<Layer> layer, TimeDistributedOptions options)
    : Layer("TimeDistributed", options.name, options.trainable, wrapped_dtype(layer), {}), layer_(std::move(layer)) {
  if (!options.dtype.empty() && parse_dtype(options.dtype, where()) != dtype())
    throw_invalid_argument(where(), "dtype", fmt::format("expected the wrapped layer's dtype ({})", dtype_name(dtype())),
                           fmt::format("dtype=\"{}\"", options.dtype));
  track(*layer_);
  set_path_prefix("");
  if (!trainable()) set_trainable(false);
}

void TimeDistributed::set_path_prefix(const std::string& prefix) {
  Layer::set_path_prefix(prefix);
  set_path_prefix_of(*layer_, prefix + name() + "/");
}

Shape TimeDistributed::step_shape(const Shape& input_shape) const {
  if (input_shape.size() < 3)
    throw ShapeError(fmt::format("{}: expected an input of rank 3 or more (batch, steps, ...), received shape {}", where(),
                                 shape_to_string(input_shape)));
  Shape step = {input_shape[0]};
  step.insert(step.end(), input_shape.begin() + 2, input_shape.end());
  return step;
}

void TimeDistributed::check_input(const Shape& input_shape) const { check_input_of(*layer_, step_shape(input_shape)); }

void TimeDistributed::build_weights(const Shape& input_shape) { layer_->build(step_shape(input_shape)); }

Shape TimeDistributed::compute_output_shape(const Shape& input_shape) const {
  Shape output = layer_->compute_output_shape(step_shape(input_shape));
  output.insert(output.begin() + 1, input_shape[1]);
  return output;
}

Tensor TimeDistributed::call(const Tensor& inputs) {
  const std::int64_t batch = inputs.dim(0), steps = inputs.dim(1);
  // Keras calls the layer on each step. Where the layer's result for a sample cannot depend on
  // the other samples of its batch, one call on every step at once gives the same numbers; a
  // layer with moving statistics (BatchNormalization) in training takes its statistics per step.
  // Keras hands the layer each step's part of the mask, (batch,).
  const Tensor& mask = input_mask();
  if (mask.defined() && (mask.ndim() < 2 || mask.dim(0) != batch || mask.dim(1) != steps))
    throw ShapeError(fmt::format("{}: expected the input's mask to start with (batch, steps) = ({}, {}), received shape {}", where(), batch,
                                 steps, shape_to_string(mask.shape())));
  const auto step_of = [](const Tensor& tensor, std::int64_t step) { return squeeze(slice(tensor, 1, step, step + 1), {1}); };
  if (training() && !layer_->non_trainable_weights().empty()) {
    std::vector<Tensor> outputs;
    for (std::int64_t step = 0; step < steps; ++step)
      outputs.push_back(call_of(*layer_, step_of(inputs, step), true, mask.defined() ? step_of(mask, step) : Tensor()));
    return stack(outputs, 1);
  }
  Shape merged = {batch * steps};
  merged.insert(merged.end(), inputs.shape().begin() + 2, inputs.shape().end());
  Shape merged_mask = {batch * steps};
  if (mask.defined()) merged_mask.insert(merged_mask.end(), mask.shape().begin() + 2, mask.shape().end());
  const Tensor outputs = call_of(*layer_, reshape(inputs, merged), training(), mask.defined() ? reshape(mask, merged_mask) : Tensor());
  Shape separated = {batch, steps};
  separated.insert(separated.end(), outputs.shape().begin() + 1, outputs.shape().end());
  return reshape(outputs, separated);
}

nlohmann::json TimeDistributed::get_config() const {
  auto config = Layer::get_config();
  config["layer"] = serialize(*layer_);
  return config;
}

std::unique_ptr<TimeDistributed> TimeDistributed::from_config(const nlohmann::json& config) {
  check_known_arguments(config, "TimeDistributed.from_config", {"layer"});
  TimeDistributedOptions options;
  read_common_fields(config, options);
  return std::make_unique<TimeDistributed>(deserialize(config.at("layer")), options);
}

}  // namespace minidl::layers
