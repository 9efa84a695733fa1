#include "temporal_conv_net.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <numeric>

using namespace minidl;

namespace examples {

TemporalConvNet::TemporalConvNet(TemporalConvNetOptions options)
    : Model("TemporalConvNet", options.name, true, DType::float32, {}), options_(std::move(options)) {
  if (options_.window <= 0 || options_.filters <= 0 || options_.kernel_size <= 0 || options_.horizon <= 0 || options_.dilations.empty())
    throw InvalidArgument(fmt::format("{}: window, filters, kernel_size and horizon must be positive and dilations non-empty", where()));
  const layers::SymbolicTensor series = layers::Input({.shape = {options_.window, 1}});
  layers::SymbolicTensor hidden = layers::make<layers::Conv1D>({.filters = options_.filters, .kernel_size = 1})(series);
  for (const auto dilation : options_.dilations) {
    const auto block = layers::make<layers::Conv1D>(
        {.filters = options_.filters, .kernel_size = options_.kernel_size, .padding = "causal", .dilation_rate = dilation,
         .activation = "relu", .kernel_initializer = "he_normal", .kernel_regularizer = regularizers::L2{.l2 = options_.l2},
         .kernel_constraint = constraints::MaxNorm{.max_value = options_.max_norm}});
    hidden = layers::make<layers::Add>()({hidden, (*block)(hidden)});
  }
  const layers::SymbolicTensor forecasts = layers::make<layers::Dense>({.units = options_.horizon})(hidden);
  per_step_ = std::make_unique<models::Functional>(series, forecasts, models::FunctionalOptions{.name = options_.name + "_per_step"});
  track(*per_step_);
}

std::int64_t TemporalConvNet::receptive_field() const {
  return 1 + (options_.kernel_size - 1) * std::accumulate(options_.dilations.begin(), options_.dilations.end(), std::int64_t{0});
}

void TemporalConvNet::check_input(const Shape& input_shape) const { require_rank_3(input_shape); }

Shape TemporalConvNet::compute_output_shape(const Shape& input_shape) const { return {input_shape[0], options_.horizon}; }

Tensor TemporalConvNet::call(const Tensor& inputs) {
  const Tensor forecasts = (*per_step_)(inputs, training());
  const std::int64_t steps = forecasts.shape()[1];
  return reshape(slice(forecasts, 1, steps - 1, steps), {forecasts.shape()[0], options_.horizon});
}

nlohmann::json TemporalConvNet::get_config() const {
  auto config = Layer::get_config();
  config["window"] = options_.window;
  config["filters"] = options_.filters;
  config["kernel_size"] = options_.kernel_size;
  config["dilations"] = options_.dilations;
  config["horizon"] = options_.horizon;
  config["l2"] = options_.l2;
  config["max_norm"] = options_.max_norm;
  return config;
}

std::unique_ptr<TemporalConvNet> TemporalConvNet::from_config(const nlohmann::json& config) {
  return std::make_unique<TemporalConvNet>(TemporalConvNetOptions{
      .window = config.at("window"), .filters = config.at("filters"), .kernel_size = config.at("kernel_size"),
      .dilations = config.at("dilations").get<std::vector<std::int64_t>>(), .horizon = config.at("horizon"),
      .l2 = config.at("l2"), .max_norm = config.at("max_norm"), .name = config.at("name")});
}

void TemporalConvNet::register_class() {
  layers::register_layer("TemporalConvNet", [](const nlohmann::json& config) -> std::unique_ptr<layers::Layer> {
    return from_config(config);
  });
}

}  // namespace examples
