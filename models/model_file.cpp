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

constexpr std::string_view model_name = "MINIDLM";

// The model rebuilt from the file's config. Errors of the file's own reading name it already; the
// layers' argument and shape errors a bad config causes get its name here.
std::unique_ptr<Model> rebuild_from_file(const Json& serialized, const std::string& context) {
  try {
    return rebuild_model(serialized, context);
  } catch (const InvalidArgument& error) {
    const std::string_view what = error.what();
    if (what.starts_with(context)) throw;
    if (dynamic_cast<const ShapeError*>(&error)) throw ShapeError(fmt::format("{}: {}", context, what));
    throw InvalidArgument(fmt::format("{}: {}", context, what));
  }
}

}  // namespace

void save_model(const Model& model, const std::string& path) {
  if (!model.built())
    throw StateError(fmt::format("save_model: {} '{}' is not built; call it or build() it first", model.class_name(), model.name()));
  Json serialized = layers::serialize(model);
  if (serialized["module"] == "keras.layers") serialized["module"] = "keras";  // a model class
  const optim::Optimizer* optimizer = model.compiled() && model.optimizer().built() ? &model.optimizer() : nullptr;
  io::write_atomically(path, frame(model_name, serialized, encode_weights(model, optimizer)), "save_model");
}

std::unique_ptr<Model> load_model(const std::string& path) {
  // The file's bytes, then the tensors read from them: weights is a view into bytes, not a copy.
  const std::string bytes = io::read_whole_file(path, "load_model");
  const auto [serialized, weights] = unframe(bytes, model_name, path, "load_model", "minidl model file");
  // Creating the weights (an initializer's draw and the weight's copy of it, more for Orthogonal),
  // the optimizer's slots (up to three per weight) and the weights read back stay within eight
  // times the weights section; beyond that only the build call's batch-of-one activations. A config
  // asking for more than that does not belong to this file.
  const std::size_t weights_bytes = weights.size();
  AllocationBudget budget(8 * weights_bytes + rebuild_headroom,
                          fmt::format("load_model's budget for {} (8 × its {}-byte weights section + 256 MiB)", path, weights_bytes));
  const std::string context = fmt::format("load_model: {} is not a valid minidl model file", path);
  std::unique_ptr<Model> model = rebuild_from_file(serialized, context);
  try {
    if (model->compiled()) model->optimizer().build(model->trainable_weights());
  } catch (const MemoryError& error) {
    throw InvalidArgument(fmt::format("{}: the config asks for more memory than the file justifies: {}", context, error.what()));
  }
  try {
    decode_weights(*model, weights, path, model->compiled() ? &model->optimizer() : nullptr);
  } catch (const ShapeError& error) {
    throw ShapeError(fmt::format("load_model: the weights section of {}", error.what()));
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("load_model: the weights section of {}", error.what()));
  }
  return model;
}

}  // namespace minidl::models
