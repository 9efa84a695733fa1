#include <minidl/layers/conv1d_transpose.hpp>

#include <minidl/autograd/ops/conv1d_transpose.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/layers/config_fields.hpp>
#include <minidl/layers/conv_arguments.hpp>
#include <minidl/layers/kernel_bias_options.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

using Json = nlohmann::json;

ConvWindow window_of(const Conv1DTransposeOptions& options) {
  return {.kernel_size = options.kernel_size, .strides = options.strides, .dilation_rate = options.dilation_rate};
}

// Validates in Keras's order (BaseConvTranspose.__init__), so the first bad argument is the one reported.
Conv1DTransposeOptions normalized(Conv1DTransposeOptions options, const std::string& where) {
  check_window(window_of(options), where);
  options.padding = checked_padding(options.padding, {"valid", "same"}, where);
  if (options.output_padding && *options.output_padding < 0)
    throw_invalid_argument(where, "output_padding", "expected a non-negative integer",
                           fmt::format("output_padding={}", *options.output_padding));
  options.data_format = checked_data_format(options.data_format, where);
  validate_kernel_and_bias(options, where);
  if (options.filters <= 0)
    throw_invalid_argument(where, "filters", "expected a strictly positive integer", fmt::format("filters={}", options.filters));
  if (options.output_padding && *options.output_padding >= options.strides)
    throw_invalid_argument(where, "output_padding", fmt::format("expected less than strides={}", options.strides),
                           fmt::format("output_padding={}", *options.output_padding));
  check_strides_with_dilation(window_of(options), where);
  return options;
}

}  // namespace

Conv1DTranspose::Conv1DTranspose(Conv1DTransposeOptions options)
    : Layer("Conv1DTranspose", options.name, options.trainable, parse_dtype(options.dtype, "Conv1DTranspose"),
            options.activity_regularizer),
      options_(normalized(std::move(options), where())) {
  options_.name = name();
}

std::int64_t Conv1DTranspose::output_steps(std::int64_t steps) const {
  // Keras's conv-transpose output length (backend_utils), span = dilated kernel.
  const std::int64_t span = window_of(options_).span(), strides = options_.strides;
  if (options_.padding == "valid")
    return (steps - 1) * strides + span + options_.output_padding.value_or(std::max(span, strides) - span);
  return options_.output_padding ? (steps - 1) * strides + span % 2 + *options_.output_padding : steps * strides;
}

void Conv1DTranspose::check_input(const Shape& input_shape) const {
  checked_input_channels(input_shape, channels_first(), built() ? input_channels_ : 0, where());
  if (input_shape[channels_first() ? 2 : 1] == 0)
    throw ShapeError(fmt::format("{}: expected an input with at least one step, received shape {}", where(),
                                 shape_to_string(input_shape)));
  check_extents(compute_output_shape(input_shape), where());
}

Shape Conv1DTranspose::compute_output_shape(const Shape& input_shape) const {
  if (input_shape.size() != 3)
    throw ShapeError(fmt::format("{}: expected an input shape of rank 3, received {}", where(), shape_to_string(input_shape)));
  check_extents(input_shape, where());
  const std::int64_t steps = input_shape[channels_first() ? 2 : 1];
  // steps and strides are each at most 2^40: bound their product before forming it.
  if (steps > 1 && options_.strides > largest_element_count / (steps - 1))
    throw ShapeError(fmt::format("{}: expected at most 2^40 output steps, received an input of shape {} with strides={}",
                                 where(), shape_to_string(input_shape), options_.strides));
  const std::int64_t output = steps == 0 ? 0 : output_steps(steps);
  return channels_first() ? Shape{input_shape[0], options_.filters, output} : Shape{input_shape[0], output, options_.filters};
}

void Conv1DTranspose::build_weights(const Shape& input_shape) {
  input_channels_ = input_shape[channels_first() ? 1 : 2];
  kernel_ = add_weight("kernel", {options_.kernel_size, options_.filters, input_channels_}, options_.kernel_initializer,
                       options_.kernel_regularizer, options_.kernel_constraint);
  if (options_.use_bias)
    bias_ = add_weight("bias", {options_.filters}, options_.bias_initializer, options_.bias_regularizer,
                       options_.bias_constraint);
}

Tensor Conv1DTranspose::call(const Tensor& inputs) {
  const Tensor steps_last = channels_first() ? permute(inputs, {0, 2, 1}) : inputs;
  const std::int64_t steps = steps_last.shape()[1];
  const std::int64_t length = output_steps(steps);
  // Keras crops the full output evenly, the odd step from the end, and pads past its end.
  const std::int64_t full = (steps - 1) * options_.strides + window_of(options_).span();
  Tensor outputs = conv1d_transpose(steps_last, kernel_->value(), bias_ ? bias_->value() : Tensor(),
                                    {.strides = options_.strides, .dilation_rate = options_.dilation_rate,
                                     .crop_left = std::max<std::int64_t>(full - length, 0) / 2, .output_length = length});
  if (channels_first()) outputs = permute(outputs, {0, 2, 1});
  return options_.activation(outputs);
}

const Tensor& Conv1DTranspose::kernel() const {
  if (!kernel_) throw StateError(fmt::format("{}: the kernel does not exist until the layer is built (first call or build())", where()));
  return kernel_->value();
}

Tensor Conv1DTranspose::bias() const {
  if (!kernel_) throw StateError(fmt::format("{}: the bias does not exist until the layer is built (first call or build())", where()));
  return bias_ ? bias_->value() : Tensor();
}

Json Conv1DTranspose::get_config() const {
  Json config = Layer::get_config();
  config["filters"] = options_.filters;
  config["kernel_size"] = Json::array({options_.kernel_size});
  config["strides"] = Json::array({options_.strides});
  config["padding"] = options_.padding;
  config["output_padding"] = options_.output_padding ? Json::array({*options_.output_padding}) : Json(nullptr);
  config["data_format"] = *options_.data_format;
  config["dilation_rate"] = Json::array({options_.dilation_rate});
  write_kernel_and_bias(options_, activity_regularizer(), config);
  return config;
}

std::unique_ptr<Conv1DTranspose> Conv1DTranspose::from_config(const Json& config) {
  constexpr const char* where = "Conv1DTranspose.from_config";
  if (!config.is_object()) throw InvalidArgument(fmt::format("{}: expected a JSON object, received {}", where, config.dump()));
  check_known_arguments(config, where,
                        {"filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate",
                         "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
                         "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"});
  Conv1DTransposeOptions options;
  options.filters = config.at("filters").get<std::int64_t>();
  options.kernel_size = single_integer(config.at("kernel_size"), where, "kernel_size");
  if (config.contains("strides")) options.strides = single_integer(config.at("strides"), where, "strides");
  options.padding = config.value("padding", std::string("valid"));
  if (config.contains("output_padding") && !config.at("output_padding").is_null())
    options.output_padding = single_integer(config.at("output_padding"), where, "output_padding");
  if (config.contains("data_format") && !config.at("data_format").is_null())
    options.data_format = config.at("data_format").get<std::string>();
  if (config.contains("dilation_rate")) options.dilation_rate = single_integer(config.at("dilation_rate"), where, "dilation_rate");
  read_kernel_and_bias(config, options);
  return std::make_unique<Conv1DTranspose>(std::move(options));
}

}  // namespace minidl::layers
