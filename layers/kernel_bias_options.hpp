#pragma once
// The arguments Conv1D and Dense share — activation, use_bias and the kernel's and bias's
// initializer, regularizer and constraint (plus activity_regularizer, name, trainable, dtype) — validated,
// written and read once, for any options struct that has them. Internal: include from layer sources.
#include <minidl/layers/activation.hpp>
#include <minidl/layers/config_fields.hpp>
#include <minidl/layers/constraints/constraints.hpp>
#include <minidl/layers/initializers/initializers.hpp>
#include <minidl/layers/regularizers/regularizers.hpp>

#include <nlohmann/json.hpp>
#include <string>

namespace minidl::layers {

template <class Options>
void validate_kernel_and_bias(Options& options, const std::string& where) {
  options.activation = options.activation.validated(where, "activation");
  options.kernel_initializer = options.kernel_initializer.validated(where, "kernel_initializer");
  options.bias_initializer = options.bias_initializer.validated(where, "bias_initializer");
  options.kernel_regularizer = options.kernel_regularizer.validated(where, "kernel_regularizer");
  options.bias_regularizer = options.bias_regularizer.validated(where, "bias_regularizer");
  options.kernel_constraint = options.kernel_constraint.validated(where, "kernel_constraint");
  options.bias_constraint = options.bias_constraint.validated(where, "bias_constraint");
}

// Appends Keras's keys for these arguments; `activity_regularizer` is the layer's validated one.
template <class Options>
void write_kernel_and_bias(const Options& options, const regularizers::Regularizer& activity_regularizer,
                           nlohmann::json& config) {
  config["activation"] = options.activation.name();
  config["use_bias"] = options.use_bias;
  config["kernel_initializer"] = options.kernel_initializer.get_config();
  config["bias_initializer"] = options.bias_initializer.get_config();
  config["kernel_regularizer"] = options.kernel_regularizer.get_config();
  config["bias_regularizer"] = options.bias_regularizer.get_config();
  config["activity_regularizer"] = activity_regularizer.get_config();
  config["kernel_constraint"] = options.kernel_constraint.get_config();
  config["bias_constraint"] = options.bias_constraint.get_config();
}

// Reads these arguments, and name, trainable and dtype, from a config.
template <class Options>
void read_kernel_and_bias(const nlohmann::json& config, Options& options) {
  using Json = nlohmann::json;
  if (config.contains("activation") && !config.at("activation").is_null())
    options.activation = config.at("activation").get<std::string>();
  options.use_bias = config.value("use_bias", true);
  if (config.contains("kernel_initializer"))
    options.kernel_initializer = initializers::Initializer::from_config(config.at("kernel_initializer"));
  if (config.contains("bias_initializer"))
    options.bias_initializer = initializers::Initializer::from_config(config.at("bias_initializer"));
  options.kernel_regularizer = regularizers::Regularizer::from_config(config.value("kernel_regularizer", Json()));
  options.bias_regularizer = regularizers::Regularizer::from_config(config.value("bias_regularizer", Json()));
  options.activity_regularizer = regularizers::Regularizer::from_config(config.value("activity_regularizer", Json()));
  options.kernel_constraint = constraints::Constraint::from_config(config.value("kernel_constraint", Json()));
  options.bias_constraint = constraints::Constraint::from_config(config.value("bias_constraint", Json()));
  read_common_fields(config, options);
}

}  // namespace minidl::layers
