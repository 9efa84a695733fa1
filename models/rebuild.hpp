#pragma once
// A model rebuilt from the serialized form a model file holds (minidl's own, or a .keras file's
// config.json): what load_model and load_keras_model share.
#include <minidl/models/model.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace minidl::models {

// What building a model on a batch of one may allocate beyond its weights and optimizer state:
// the loaders' allocation budget is a multiple of the weights they read plus this.
constexpr std::size_t rebuild_headroom = std::size_t{256} << 20;

// The model of `serialized` ({"class_name", "config", "build_config", "compile_config"}), built on
// build_config's input shape when its config leaves it unbuilt, and compiled again from
// compile_config when that names a loss (its optimizer unbuilt). A config that is malformed, asks
// for too much memory or leaves the model unusable is an InvalidArgument "<context>: <why>"; the
// layers' own argument and shape errors pass through as they are.
std::unique_ptr<Model> rebuild_model(const nlohmann::json& serialized, const std::string& context);

}  // namespace minidl::models
