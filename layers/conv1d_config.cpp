// Conv1D's get_config / from_config in Keras's keys and value shapes.
#include <minidl/layers/conv1d.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/layers/config_fields.hpp>
#include <minidl/layers/kernel_bias_options.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

using Json = nlohmann::json;

Json Conv1D::get_config() const {
  Json config = Layer::get_config();
  config["filters"] = options_.filters;
  config["kernel_size"] = Json::array({options_.kernel_size});
  config["strides"] = Json::array({options_.strides});
  config["padding"] = options_.padding;
  config["data_format"] = *options_.data_format;
  config["dilation_rate"] = Json::array({options_.dilation_rate});
  config["groups"] = options_.groups;
  write_kernel_and_bias(options_, activity_regularizer(), config);
  return config;
}

std::unique_ptr<Conv1D> Conv1D::from_config(const Json& config) {
  if (!config.is_object()) throw InvalidArgument(fmt::format("Conv1D.from_config: expected a JSON object, received {}", config.dump()));
  Conv1DOptions options;
  options.filters = config.at("filters").get<std::int64_t>();
  options.kernel_size = single_integer(config.at("kernel_size"), "Conv1D.from_config", "kernel_size");
  if (config.contains("strides")) options.strides = single_integer(config.at("strides"), "Conv1D.from_config", "strides");
  options.padding = config.value("padding", std::string("valid"));
  if (config.contains("data_format") && !config.at("data_format").is_null())
    options.data_format = config.at("data_format").get<std::string>();
  if (config.contains("dilation_rate")) options.dilation_rate = single_integer(config.at("dilation_rate"), "Conv1D.from_config", "dilation_rate");
  options.groups = config.value("groups", std::int64_t{1});
  read_kernel_and_bias(config, options);
  return std::make_unique<Conv1D>(std::move(options));
}

}  // namespace minidl::layers
