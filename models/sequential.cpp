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
  input_shape_ = input_shape;
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

namespace minidl::models {

namespace {

std::string without_batch(Shape shape) {
  std::string text = "(None";
  for (std::size_t i = 1; i < shape.size(); ++i) text += fmt::format(", {}", shape[i]);
  return text + ")";
}

std::int64_t parameters(const std::vector<std::shared_ptr<layers::Variable>>& weights) {
  std::int64_t count = 0;
  for (const auto& weight : weights) count += element_count(weight->shape());
  return count;
}

}  // namespace

std::string Sequential::summary() const {
  if (!built()) throw StateError(fmt::format("{}: summary() needs a built model (call it or build() it first)", where()));
  std::string text = fmt::format("Model: \"{}\"\n", name());
  const std::string rule(80, '-');
  text += rule + "\n" + fmt::format("{:<40}{:<26}{:>14}\n", "Layer (type)", "Output Shape", "Param #") + rule + "\n";
  Shape shape = input_shape_;
  for (const auto& layer : layers_) {
    shape = layer->compute_output_shape(shape);
    text += fmt::format("{:<40}{:<26}{:>14}\n", fmt::format("{} ({})", layer->name(), layer->class_name()),
                        without_batch(shape), parameters(layer->weights()));
  }
  text += rule + "\n";
  text += fmt::format(" Total params: {}\n Trainable params: {}\n Non-trainable params: {}\n", parameters(weights()),
                      parameters(trainable_weights()), parameters(non_trainable_weights()));
  return text;
}

}  // namespace minidl::models
