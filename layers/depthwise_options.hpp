#pragma once
// The arguments DepthwiseConv1D and SeparableConv1D share — depth_multiplier, the window, padding,
// data_format, activation, use_bias, and the depthwise kernel's and the bias's initializer,
// regularizer and constraint — validated, written and read once. Internal: include from layer sources.
#include <minidl/core/errors.hpp>
#include <minidl/layers/activation.hpp>
#include <minidl/layers/config_fields.hpp>
#include <minidl/layers/constraints/constraints.hpp>
#include <minidl/layers/conv_arguments.hpp>
#include <minidl/layers/initializers/initializers.hpp>
#include <minidl/layers/regularizers/regularizers.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <string>

namespace minidl::layers {

template <class Options>
ConvWindow depthwise_window(const Options& options) {
  return {.kernel_size = options.kernel_size, .strides = options.strides, .dilation_rate = options.dilation_rate};
}

// In Keras 3.15.1's order (BaseDepthwiseConv / BaseSeparableConv), which unlike Conv1D's allows
// strides > 1 together with dilation_rate > 1. Lower-cases padding and resolves data_format.
template <class Options>
void validate_depthwise(Options& options, const std::string& where) {
  check_window(depthwise_window(options), where);
  options.padding = checked_padding(options.padding, {"valid", "same"}, where);
  options.data_format = checked_data_format(options.data_format, where);
  options.activation = options.activation.validated(where, "activation");
  options.depthwise_initializer = options.depthwise_initializer.validated(where, "depthwise_initializer");
  options.bias_initializer = options.bias_initializer.validated(where, "bias_initializer");
  options.depthwise_regularizer = options.depthwise_regularizer.validated(where, "depthwise_regularizer");
  options.bias_regularizer = options.bias_regularizer.validated(where, "bias_regularizer");
  options.depthwise_constraint = options.depthwise_constraint.validated(where, "depthwise_constraint");
  options.bias_constraint = options.bias_constraint.validated(where, "bias_constraint");
  if (options.depth_multiplier <= 0)
    throw_invalid_argument(where, "depth_multiplier", "expected a strictly positive integer",
                           fmt::format("depth_multiplier={}", options.depth_multiplier));
}

// Appends Keras's keys for these arguments; `activity_regularizer` is the layer's validated one.
template <class Options>
void write_depthwise(const Options& options, const regularizers::Regularizer& activity_regularizer, nlohmann::json& config) {
  using Json = nlohmann::json;
  config["depth_multiplier"] = options.depth_multiplier;
  config["kernel_size"] = Json::array({options.kernel_size});
  config["strides"] = Json::array({options.strides});
  config["padding"] = options.padding;
  config["data_format"] = *options.data_format;
  config["dilation_rate"] = Json::array({options.dilation_rate});
  config["activation"] = options.activation.name();
  config["use_bias"] = options.use_bias;
  config["depthwise_initializer"] = options.depthwise_initializer.get_config();
  config["bias_initializer"] = options.bias_initializer.get_config();
  config["depthwise_regularizer"] = options.depthwise_regularizer.get_config();
  config["bias_regularizer"] = options.bias_regularizer.get_config();
  config["activity_regularizer"] = activity_regularizer.get_config();
  config["depthwise_constraint"] = options.depthwise_constraint.get_config();
  config["bias_constraint"] = options.bias_constraint.get_config();
}

// Reads these arguments, and name, trainable and dtype, from a config.
template <class Options>
void read_depthwise(const nlohmann::json& config, const char* where, Options& options) {
  using Json = nlohmann::json;
  options.depth_multiplier = config.value("depth_multiplier", std::int64_t{1});
  options.kernel_size = single_integer(config.at("kernel_size"), where, "kernel_size");
  if (config.contains("strides")) options.strides = single_integer(config.at("strides"), where, "strides");
  options.padding = config.value("padding", std::string("valid"));
  if (config.contains("data_format") && !config.at("data_format").is_null())
    options.data_format = config.at("data_format").get<std::string>();
  if (config.contains("dilation_rate")) options.dilation_rate = single_integer(config.at("dilation_rate"), where, "dilation_rate");
  if (config.contains("activation") && !config.at("activation").is_null())
    options.activation = config.at("activation").get<std::string>();
  options.use_bias = config.value("use_bias", true);
  if (config.contains("depthwise_initializer"))
    options.depthwise_initializer = initializers::Initializer::from_config(config.at("depthwise_initializer"));
  if (config.contains("bias_initializer"))
    options.bias_initializer = initializers::Initializer::from_config(config.at("bias_initializer"));
  options.depthwise_regularizer = regularizers::Regularizer::from_config(config.value("depthwise_regularizer", Json()));
  options.bias_regularizer = regularizers::Regularizer::from_config(config.value("bias_regularizer", Json()));
  options.activity_regularizer = regularizers::Regularizer::from_config(config.value("activity_regularizer", Json()));
  options.depthwise_constraint = constraints::Constraint::from_config(config.value("depthwise_constraint", Json()));
  options.bias_constraint = constraints::Constraint::from_config(config.value("bias_constraint", Json()));
  read_common_fields(config, options);
}

}  // namespace minidl::layers
