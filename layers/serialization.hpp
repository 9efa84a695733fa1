#pragma once
// Layers to and from Keras-shaped JSON: {"module", "class_name", "config", "registered_name",
// "build_config"}, as keras.saving.serialize_keras_object writes them. Every built-in layer is
// known by its Keras class name; a user's layer (or model) class registers a factory under its own.
//   layers::register_layer("ResidualBlock", [](const nlohmann::json& config) {
//     return std::make_unique<ResidualBlock>(config.at("filters").get<std::int64_t>());
//   });
#include <minidl/layers/layer.hpp>

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace minidl::layers {

using LayerFactory = std::function<std::unique_ptr<Layer>(const nlohmann::json& config)>;

// Makes deserialize() build `class_name` with `factory` (replacing an earlier registration).
void register_layer(const std::string& class_name, LayerFactory factory);

// The layer's class name and config, and its build input shape (batch as null) once built.
nlohmann::json serialize(const Layer& layer);
// A new layer from serialize()'s output or Keras's; built when the entry has a build_config.
// Unknown classes and malformed configs throw InvalidArgument naming the class and the key.
std::unique_ptr<Layer> deserialize(const nlohmann::json& serialized);

// The first number in `config` that no argument takes (an integer beyond int64, or a float larger
// than 2^53 in size, which would overflow when read as an integer), or null. The readers refuse
// such configs before reading any field.
const nlohmann::json* find_unreadable_number(const nlohmann::json& config);

// A shape with the batch extent as null, as Keras writes shapes; and back, with null as `batch`.
nlohmann::json shape_to_json(const Shape& shape);
Shape shape_from_json(const nlohmann::json& shape, std::int64_t batch = 1);

}  // namespace minidl::layers
