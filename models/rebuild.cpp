#include <minidl/models/rebuild.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/layers/serialization.hpp>
#include <minidl/optim/serialization.hpp>

#include <new>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::models {

namespace {

using Json = nlohmann::json;

std::unique_ptr<Model> model_from(const Json& serialized) {
  const auto class_name = serialized.value("class_name", std::string());
  std::unique_ptr<layers::Layer> layer = layers::deserialize(serialized);
  auto* model = dynamic_cast<Model*>(layer.get());
  if (!model) throw InvalidArgument(fmt::format("'{}' is a layer, not a Model", class_name));
  layer.release();
  return std::unique_ptr<Model>(model);
}

}  // namespace

std::unique_ptr<Model> rebuild_model(const Json& serialized, const std::string& context) {
  const auto fail = [&](const std::string& why) { return InvalidArgument(fmt::format("{}: {}", context, why)); };
  if (!serialized.is_object()) throw fail("the config is not a JSON object");
  try {
    std::unique_ptr<Model> model = model_from(serialized);
    // A model class creates its sublayers' weights on its first call; Sequential already has them.
    const Json build = serialized.value("build_config", Json());
    if (build.is_object() && !build.value("input_shape", Json()).is_null() && model->weights().empty()) {
      const Shape input_shape = layers::shape_from_json(build.at("input_shape"));
      NoGradGuard no_grad;
      (*model)(Tensor::zeros(input_shape, model->dtype()));
    }
    const Json compile = serialized.value("compile_config", Json());
    if (compile.is_object() && !compile.value("loss", Json()).is_null())
      model->compile(optim::from_config(compile.at("optimizer")), Model::compile_options_from_config(compile));
    return model;
  } catch (const Json::exception& error) {
    throw fail(fmt::format("the config is malformed: {}", error.what()));
  } catch (const StateError& error) {  // a model the config leaves unusable, such as one without layers
    throw fail(error.what());
  } catch (const MemoryError& error) {
    throw fail(fmt::format("the config asks for more memory than the file justifies: {}", error.what()));
  } catch (const std::bad_alloc&) {
    throw fail("the config asks for layers larger than this machine's memory");
  }
}

}  // namespace minidl::models
