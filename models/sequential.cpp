#include <minidl/models/sequential.hpp>

#include <minidl/core/errors.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::models {

Sequential::Sequential(SequentialOptions options)
    : Model("Sequential", options.name, options.trainable, parse_dtype(options.dtype, "Sequential"), {}) {}

layers::Layer& Sequential::add(std::unique_ptr<layers::Layer> layer) {
  if (!layer) throw_invalid_argument(where(), "layer", "expected a layer", "a null pointer");
  if (layer->dtype() != dtype())
    throw InvalidArgument(fmt::format("{}: cannot add {} '{}' of dtype {} to a {} model", where(), layer->class_name(),
                                      layer->name(), dtype_name(layer->dtype()), dtype_name(dtype())));
  if (built()) throw StateError(fmt::format("{}: layers cannot be added after the model is built", where()));
  layers_.push_back(std::move(layer));
  if (!trainable()) layers_.back()->set_trainable(false);
  return track(*layers_.back());
}

void Sequential::check_input(const Shape&) const {
  if (layers_.empty()) throw StateError(fmt::format("{}: the model has no layers; add() some first", where()));
}

Shape Sequential::compute_output_shape(const Shape& input_shape) const {
  Shape shape = input_shape;
  for (const auto& layer : layers_) shape = layer->compute_output_shape(shape);
  return shape;
}

// Builds each layer on the shape the previous one produces, so that weights exist before a call.
void Sequential::build_weights(const Shape& input_shape) {
  Shape shape = input_shape;
  for (const auto& layer : layers_) {
    layer->build(shape);
    shape = layer->compute_output_shape(shape);
  }
}

Tensor Sequential::call(const Tensor& inputs) {
  Tensor outputs = inputs;
  for (const auto& layer : layers_) outputs = (*layer)(outputs, training());
  return outputs;
}

nlohmann::json Sequential::get_config() const {
  auto config = Layer::get_config();
  config["layers"] = nlohmann::json::array();
  for (const auto& layer : layers_)
    config["layers"].push_back({{"module", "keras.layers"}, {"class_name", layer->class_name()}, {"config", layer->get_config()},
                                {"registered_name", nullptr}});
  return config;
}

}  // namespace minidl::models
