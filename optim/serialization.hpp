#pragma once
// Optimizers by Keras name or from Keras's serialized form.
#include <minidl/optim/optimizers.hpp>

#include <memory>
#include <string_view>

namespace minidl::optim {

// Keras's optimizers.get(name): "sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax",
// "nadam" (case-insensitive), with Keras's defaults; an unknown name throws listing the known ones.
std::unique_ptr<Optimizer> get(std::string_view name);
// {"class_name": "Adam", "config": <Keras's get_config()>}, as Keras serializes an optimizer.
std::unique_ptr<Optimizer> from_config(const nlohmann::json& serialized);

}  // namespace minidl::optim
