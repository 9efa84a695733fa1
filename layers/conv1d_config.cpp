// Conv1D's get_config / from_config in Keras's keys and value shapes.
#include <minidl/layers/conv1d.hpp>

#include <minidl/core/errors.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

using Json = nlohmann::json;

// Keras writes kernel_size, strides and dilation_rate as one-element lists; accept a bare integer too.
std::int64_t single_integer(const Json& value, const char* key) {
  if (value.is_array()) {
    if (value.size() != 1)
      throw_invalid_argument("Conv1D.from_config", key, "expected an integer or a list of one integer", value.dump());
    return value.at(0).get<std::int64_t>();
  }
  return value.get<std::int64_t>();
}

std::string dtype_from(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("config")) return value.at("config").at("name").get<std::string>();
  return "float32";
}

}  // namespace

Json Conv1D::get_config() const {
  Json config = Layer::get_config();
  config["filters"] = options_.filters;
  config["kernel_size"] = Json::array({options_.kernel_size});
  config["strides"] = Json::array({options_.strides});
  config["padding"] = options_.padding;
  config["data_format"] = *options_.data_format;
  config["dilation_rate"] = Json::array({options_.dilation_rate});
  config["groups"] = options_.groups;
  config["activation"] = options_.activation.name();
  config["use_bias"] = options_.use_bias;
  config["kernel_initializer"] = options_.kernel_initializer.get_config();
  config["bias_initializer"] = options_.bias_initializer.get_config();
  config["kernel_regularizer"] = options_.kernel_regularizer.get_config();
  config["bias_regularizer"] = options_.bias_regularizer.get_config();
  config["activity_regularizer"] = activity_regularizer().get_config();
  config["kernel_constraint"] = options_.kernel_constraint.get_config();
  config["bias_constraint"] = options_.bias_constraint.get_config();
  return config;
}

std::unique_ptr<Conv1D> Conv1D::from_config(const Json& config) {
  if (!config.is_object()) throw InvalidArgument(fmt::format("Conv1D.from_config: expected a JSON object, received {}", config.dump()));
  Conv1DOptions options;
  options.filters = config.at("filters").get<std::int64_t>();
  options.kernel_size = single_integer(config.at("kernel_size"), "kernel_size");
  if (config.contains("strides")) options.strides = single_integer(config.at("strides"), "strides");
  options.padding = config.value("padding", std::string("valid"));
  if (config.contains("data_format") && !config.at("data_format").is_null())
    options.data_format = config.at("data_format").get<std::string>();
  if (config.contains("dilation_rate")) options.dilation_rate = single_integer(config.at("dilation_rate"), "dilation_rate");
  options.groups = config.value("groups", std::int64_t{1});
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
  options.name = config.value("name", std::string());
  options.trainable = config.value("trainable", true);
  if (config.contains("dtype")) options.dtype = dtype_from(config.at("dtype"));
  return std::make_unique<Conv1D>(std::move(options));
}

}  // namespace minidl::layers
