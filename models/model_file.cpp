#include <minidl/models/model_file.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/core/allocator.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/io/files.hpp>
#include <minidl/layers/serialization.hpp>
#include <minidl/models/framed_file.hpp>
#include <minidl/models/weights_file.hpp>
#include <minidl/optim/serialization.hpp>

#include <new>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::models {

namespace {

using Json = nlohmann::json;

constexpr std::string_view model_magic = "MINIDLM1";

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw InvalidArgument(fmt::format("load_model: {} is not a valid minidl model file: {}", path, why));
}

// What building a model on a batch of one may allocate beyond its weights and optimizer state.
constexpr std::size_t build_headroom = std::size_t{256} << 20;

std::unique_ptr<Model> model_from(const Json& serialized) {
  const auto class_name = serialized.value("class_name", std::string());
  std::unique_ptr<layers::Layer> layer = layers::deserialize(serialized);
  auto* model = dynamic_cast<Model*>(layer.get());
  if (!model) throw InvalidArgument(fmt::format("load_model: '{}' is a layer, not a Model", class_name));
  layer.release();
  return std::unique_ptr<Model>(model);
}

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
  AllocationBudget budget(8 * weights_bytes + build_headroom,
                          fmt::format("load_model's budget for {} (8 × its {}-byte weights section + 256 MiB)", path, weights_bytes));
  std::unique_ptr<Model> model;
  try {
    model = model_from(serialized);
    // A model class creates its sublayers' weights on its first call; Sequential already has them.
    if (serialized.contains("build_config") && model->weights().empty()) {
      const Shape input_shape = layers::shape_from_json(serialized.at("build_config").at("input_shape"));
      NoGradGuard no_grad;
      (*model)(Tensor::zeros(input_shape, model->dtype()));
    }
    const Json compile = serialized.value("compile_config", Json());
    if (compile.is_object() && !compile.value("loss", Json()).is_null()) {
      model->compile(optim::from_config(compile.at("optimizer")), Model::compile_options_from_config(compile));
      model->optimizer().build(model->trainable_weights());
    }
  } catch (const Json::exception& error) {
    fail(path, fmt::format("the config is malformed: {}", error.what()));
  } catch (const StateError& error) {  // a model the config leaves unusable, such as one without layers
    fail(path, error.what());
  } catch (const MemoryError& error) {
    fail(path, fmt::format("the config asks for more memory than the file justifies: {}", error.what()));
  } catch (const std::bad_alloc&) {
    fail(path, "the config asks for layers larger than this machine's memory");
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
