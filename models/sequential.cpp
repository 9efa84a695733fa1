#include <minidl/models/sequential.hpp>

#include <minidl/layers/bidirectional.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/layers/config_fields.hpp>
#include <minidl/layers/serialization.hpp>

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
  // A layer of several outputs would pass the next one its first alone: Keras fails there too.
  const auto* recurrent = dynamic_cast<const layers::Recurrent*>(layer.get());
  const auto* bidirectional = dynamic_cast<const layers::Bidirectional*>(layer.get());
  if ((recurrent && recurrent->return_state()) || (bidirectional && bidirectional->return_state()))
    throw InvalidArgument(fmt::format("{}: {} '{}' has return_state = true, so it gives several outputs, which a Sequential model "
                                      "cannot pass on; use a functional model (docs/recurrent.md)",
                                      where(), layer->class_name(), layer->name()));
  if (bidirectional && !bidirectional->merge_mode())
    throw InvalidArgument(fmt::format("{}: {} '{}' has merge_mode none, so it gives two outputs, which a Sequential model cannot pass "
                                      "on; use a functional model (docs/recurrent.md)",
                                      where(), layer->class_name(), layer->name()));
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

std::vector<Model::SummaryRow> Sequential::summary_rows() const {
  std::vector<SummaryRow> rows;
  Shape shape = *build_input_shape();
  for (const auto& layer : layers_) {
    shape = layer->compute_output_shape(shape);
    rows.push_back({layer.get(), shape});
  }
  return rows;
}

// Keras's layout: an InputLayer entry first and build_input_shape once the input is known.
nlohmann::json Sequential::get_config() const {
  auto config = Layer::get_config();
  config["layers"] = nlohmann::json::array();
  if (built())
    config["layers"].push_back({{"module", "keras.layers"},
                                {"class_name", "InputLayer"},
                                {"config",
                                 {{"batch_shape", layers::shape_to_json(*build_input_shape())},
                                  {"dtype", dtype_name(dtype())},
                                  {"sparse", false},
                                  {"ragged", false},
                                  {"name", input_name_},
                                  {"optional", false}}},
                                {"registered_name", nullptr}});
  for (const auto& layer : layers_) config["layers"].push_back(layers::serialize(*layer));
  if (built()) config["build_input_shape"] = layers::shape_to_json(*build_input_shape());
  return config;
}

nlohmann::json Sequential::serialized() const {
  auto entry = Model::serialized();
  entry["module"] = "keras";
  return entry;
}

std::unique_ptr<Sequential> Sequential::read_config(const nlohmann::json& config) {
  SequentialOptions options;
  layers::read_common_fields(config, options);
  auto model = std::make_unique<Sequential>(options);
  std::optional<Shape> input_shape;
  if (config.contains("build_input_shape") && !config.at("build_input_shape").is_null())
    input_shape = layers::shape_from_json(config.at("build_input_shape"));
  for (const auto& entry : config.value("layers", nlohmann::json::array())) {
    if (entry.value("class_name", "") == "InputLayer") {
      if (!input_shape) input_shape = layers::shape_from_json(entry.at("config").at("batch_shape"));
      model->input_name_ = entry.at("config").value("name", model->input_name_);
      continue;
    }
    auto layer_entry = entry;
    layer_entry.erase("build_config");  // the model builds its layers in order from its own input shape
    model->add(layers::deserialize(layer_entry));
  }
  // A config of an InputLayer alone names a shape but leaves nothing to build.
  if (input_shape && !model->layers().empty()) model->build(*input_shape);
  return model;
}

std::unique_ptr<Sequential> Sequential::from_config(const nlohmann::json& config) {
  if (const auto* number = layers::find_unreadable_number(config))
    throw InvalidArgument(fmt::format("Sequential::from_config: the config holds the number {}, beyond what any argument takes",
                                      number->dump()));
  try {
    return read_config(config);
  } catch (const nlohmann::json::exception& error) {
    throw InvalidArgument(fmt::format("Sequential::from_config: the config is malformed: {}", error.what()));
  }
}

std::vector<std::string> Sequential::output_names() const {
  if (layers_.empty()) return Model::output_names();
  return {layers_.back()->name()};
}

}  // namespace minidl::models
