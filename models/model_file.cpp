#include <minidl/models/model_file.hpp>

#include <minidl/core/allocator.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/io/files.hpp>
#include <minidl/layers/serialization.hpp>
#include <minidl/models/framed_file.hpp>
#include <minidl/models/rebuild.hpp>
#include <minidl/models/weights_file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::models {

namespace {

using Json = nlohmann::json;

constexpr std::string_view model_magic = "MINIDLM1";

}  // namespace

void save_model(const Model& model, const std::string& path) {
  if (!model.built())
    throw StateError(fmt::format("save_model: {} '{}' is not built; call it or build() it first", model.class_name(), model.name()));
  Json serialized = layers::serialize(model);
  if (serialized["module"] == "keras.layers") serialized["module"] = "keras";  // a model class
  const optim::Optimizer* optimizer = model.compiled() && model.optimizer().built() ? &model.optimizer() : nullptr;
  io::write_atomically(path, frame(model_magic, serialized, encode_weights(model, optimizer)), "save_model");
}

std::unique_ptr<Model> load_model(const std::string& path) {
  const auto [serialized, weights] =
      unframe(io::read_whole_file(path, "load_model"), model_magic, path, "load_model", "minidl model file");
  // Creating the weights (an initializer's draw and the weight's copy of it, more for Orthogonal),
  // the optimizer's slots (up to three per weight) and the weights read back stay within eight
  // times the weights section; beyond that only the build call's batch-of-one activations. A config
  // asking for more than that does not belong to this file.
  const std::size_t weights_bytes = weights.size();
  AllocationBudget budget(8 * weights_bytes + rebuild_headroom,
                          fmt::format("load_model's budget for {} (8 × its {}-byte weights section + 256 MiB)", path, weights_bytes));
  const std::string context = fmt::format("load_model: {} is not a valid minidl model file", path);
  std::unique_ptr<Model> model = rebuild_model(serialized, context);
  try {
    if (model->compiled()) model->optimizer().build(model->trainable_weights());
  } catch (const MemoryError& error) {
    throw InvalidArgument(fmt::format("{}: the config asks for more memory than the file justifies: {}", context, error.what()));
  }
  try {
    decode_weights(*model, weights, path, model->compiled() ? &model->optimizer() : nullptr);
  } catch (const ShapeError&) {
    throw;
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("load_model: the weights section of {}", error.what()));
  }
  return model;
}

}  // namespace minidl::models
